"""Levy distribution ``Levy(mu, c)``: location mu, scale c > 0, on (mu, oo).

Mathematical details: p(x) = sqrt(c / (2 pi)) exp(-c / (2 (x - mu))) / (x - mu)^(3/2) for
x > mu.  It is the stable law with index 1/2: no finite mean.  The support depends on mu, so a
KL against another Levy is finite only when mu1 >= mu2.
Source: Nolan, *Univariate Stable Distributions* (2020), section 1.1; scipy's ``levy``.

>>> from symkl.families import Levy
>>> Levy(0, 1)
Levy(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, Family, Param

Levy = Family(
    name="Levy",
    latex_name=r"\mathrm{{Levy}}\left({0}, {1}\right)",
    params=(Param("mu", r"\mu", REAL), Param("c", "c", POSITIVE)),
    discrete=False,
    support=lambda mu, c: sp.Interval.open(mu, sp.oo),
    logpdf=lambda x, mu, c: (sp.log(c) / 2 - sp.log(2 * sp.pi) / 2 - c / (2 * (x - mu))
                             - sp.Rational(3, 2) * sp.log(x - mu)),
    description="location mu, scale c (stable with index 1/2; no mean)",
)
