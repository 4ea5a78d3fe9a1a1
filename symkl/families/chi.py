"""Chi distribution ``Chi(k)`` with k > 0 (real) degrees of freedom: sqrt of a ChiSquared(k).

Mathematical details: p(x) = x^(k - 1) exp(-x^2/2) / (2^(k/2 - 1) Gamma(k/2)) for x > 0.
Exponential family with T(x) = log x, eta = k - 1,
A(eta) = log Gamma((eta + 1)/2) + ((eta + 1)/2 - 1) log 2, log h(x) = -x^2/2.  scipy: ``chi(k)``.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 18.

>>> from symkl.families import Chi
>>> Chi(3)
Chi(3)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

Chi = Family(
    name="Chi",
    latex_name=r"\chi\left({0}\right)",
    params=(Param("k", "k", POSITIVE),),
    discrete=False,
    support=lambda k: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, k: ((k - 1) * sp.log(x) - x**2 / 2 - (k / 2 - 1) * sp.log(2)
                         - sp.loggamma(k / 2)),
    expfam=ExpFamilyView(
        natural_params=lambda k: (k - 1,),
        log_partition=lambda eta: (sp.loggamma((eta[0] + 1) / 2)
                                   + ((eta[0] + 1) / 2 - 1) * sp.log(2)),
        stats=lambda x: (sp.log(x),),
        log_base=lambda x: -x**2 / 2,
        natural_domain=lambda eta: eta[0] > -1,
    ),
    description="k degrees of freedom (real k > 0); X = sqrt of a chi-squared(k)",
)
