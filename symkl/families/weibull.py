"""Weibull distribution ``Weibull(k, lam)``: shape k, *scale* lam.

Mathematical details: p(x) = (k / lam) (x / lam)^(k - 1) exp(-(x / lam)^k) for x > 0.
Not an exponential family when k is unknown.  X = lam U^(1/k) with U ~ Exp(1), which is how
E[X^s] = lam^s Gamma(1 + s/k) and E[log X] are derived.  scipy: ``weibull_min(k, scale=lam)``.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 21.

>>> from symkl.families import Weibull
>>> Weibull(2, 1)
Weibull(2, 1)
"""
import sympy as sp

from symkl.families.gamma import Gamma
from symkl.family import POSITIVE, Family, Param

Weibull = Family(
    name="Weibull",
    latex_name=r"\mathrm{{Weibull}}\left({0}, {1}\right)",
    params=(Param("k", "k", POSITIVE), Param("lam", r"\lambda", POSITIVE)),
    discrete=False,
    support=lambda k, lam: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, k, lam: (sp.log(k) - k * sp.log(lam) + (k - 1) * sp.log(x)
                              - (x / lam) ** k),
    # Exp(1) written as Gamma(1, 1), whose statistics (log u, u) give every E[U^s]
    representation=lambda k, lam: (Gamma(1, 1), lambda u: lam * u ** (1 / k)),
    description="shape k, scale lam",
)
