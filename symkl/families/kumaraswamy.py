"""Kumaraswamy distribution ``Kumaraswamy(a, b)`` on (0, 1), shapes a and b.

Mathematical details: p(x) = a b x^(a - 1) (1 - x^a)^(b - 1) for 0 < x < 1; its CDF is
1 - (1 - x^a)^b.  X^a ~ Beta(1, b).  Not an exponential family when a is unknown.
Source: Jones, "Kumaraswamy's distribution: a beta-type distribution with some tractability
advantages", Statistical Methodology 6 (2009) 70-81.

>>> from symkl.families import Kumaraswamy
>>> Kumaraswamy(2, 3)
Kumaraswamy(2, 3)
"""
import sympy as sp

from symkl.family import POSITIVE, Family, Param

Kumaraswamy = Family(
    name="Kumaraswamy",
    latex_name=r"\mathrm{{Kumaraswamy}}\left({0}, {1}\right)",
    params=(Param("a", "a", POSITIVE), Param("b", "b", POSITIVE)),
    discrete=False,
    support=lambda a, b: sp.Interval.open(0, 1),
    logpdf=lambda x, a, b: (sp.log(a) + sp.log(b) + (a - 1) * sp.log(x)
                            + (b - 1) * sp.log(1 - x**a)),
    description="shapes a and b on (0, 1)",
)
