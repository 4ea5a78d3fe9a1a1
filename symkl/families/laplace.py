"""Laplace distribution ``Laplace(mu, b)``: location mu, *scale* b (variance 2 b^2).

Mathematical details: p(x) = exp(-|x - mu| / b) / (2 b) on the real line, with a kink at mu
(a breakpoint for integration).  Not an exponential family when mu is unknown.
Source: Kotz, Kozubowski & Podgorski, *The Laplace Distribution and Generalizations*, ch. 2.

>>> from symkl.families import Laplace
>>> Laplace(0, 1)
Laplace(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, Family, Param

Laplace = Family(
    name="Laplace",
    latex_name=r"\mathrm{{Laplace}}\left({0}, {1}\right)",
    params=(Param("mu", r"\mu", REAL), Param("b", "b", POSITIVE)),
    discrete=False,
    support=lambda mu, b: sp.Reals,
    logpdf=lambda x, mu, b: -sp.Abs(x - mu) / b - sp.log(2 * b),
    breakpoints=lambda mu, b: (mu,),
    description="location mu, scale b (variance 2 b^2)",
)
