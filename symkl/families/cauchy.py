"""Cauchy distribution ``Cauchy(x0, gamma)``: location x0, *scale* gamma (half width at half max).

Mathematical details: p(x) = gamma / (pi (gamma^2 + (x - x0)^2)) on the real line.  It has no
mean; its density is the Poisson kernel of the upper half-plane at x0 + i gamma, so
E[log|X - z|] = log|x0 + i gamma - z| for Im z <= 0 (harmonic mean-value property), which is
how expectations of log-polynomials are derived for it.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 16.

>>> from symkl.families import Cauchy
>>> Cauchy(0, 1)
Cauchy(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, Family, Param

Cauchy = Family(
    name="Cauchy",
    latex_name=r"\mathrm{{Cauchy}}\left({0}, {1}\right)",
    params=(Param("x0", "x_{0}", REAL), Param("gamma", r"\gamma", POSITIVE)),
    discrete=False,
    support=lambda x0, gamma: sp.Reals,
    logpdf=lambda x, x0, gamma: sp.log(gamma) - sp.log(sp.pi) - sp.log(gamma**2 + (x - x0) ** 2),
    poisson_kernel_point=lambda x0, gamma: x0 + sp.I * gamma,
    description="location x0, scale gamma",
)
