"""Half-Cauchy distribution ``HalfCauchy(gamma)`` on (0, oo): *scale* gamma.

Mathematical details: p(x) = 2 gamma / (pi (gamma^2 + x^2)) for x > 0: twice the Cauchy(0, gamma)
density, folded at 0.  It has no mean.  The density is the Poisson kernel of the upper half-plane
at i gamma, folded at Re(i gamma) = 0, so E[log f(X)] for a polynomial f even about 0 equals
its value under the Cauchy: log|f| evaluated at i gamma (see symkl.expectation).
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 16;
the scale parametrization is scipy's ``halfcauchy(scale=gamma)``.

>>> from symkl.families import HalfCauchy
>>> HalfCauchy(1)
HalfCauchy(1)
"""
import sympy as sp

from symkl.family import POSITIVE, Family, Param

HalfCauchy = Family(
    name="HalfCauchy",
    latex_name=r"\mathrm{{HalfCauchy}}\left({0}\right)",
    params=(Param("gamma", r"\gamma", POSITIVE),),
    discrete=False,
    support=lambda gamma: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, gamma: sp.log(2 * gamma) - sp.log(sp.pi) - sp.log(gamma**2 + x**2),
    poisson_kernel_point=lambda gamma: sp.I * gamma,
    description="scale gamma",
)
