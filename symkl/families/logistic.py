"""Logistic distribution ``Logistic(mu, s)``: location mu, *scale* s (variance s^2 pi^2 / 3).

Mathematical details: p(x) = e^(-z) / (s (1 + e^(-z))^2) with z = (x - mu) / s, on the real line
(equivalently 1 / (4 s cosh^2(z / 2))).  Not an exponential family.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 2, ch. 23.

>>> from symkl.families import Logistic
>>> Logistic(0, 1)
Logistic(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, Family, Param

Logistic = Family(
    name="Logistic",
    latex_name=r"\mathrm{{Logistic}}\left({0}, {1}\right)",
    params=(Param("mu", r"\mu", REAL), Param("s", "s", POSITIVE)),
    discrete=False,
    support=lambda mu, s: sp.Reals,
    logpdf=lambda x, mu, s: -(x - mu) / s - sp.log(s) - 2 * sp.log(1 + sp.exp(-(x - mu) / s)),
    description="location mu, scale s (variance s^2 pi^2 / 3)",
)
