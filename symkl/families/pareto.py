"""Pareto distribution ``Pareto(x_m, alpha)`` (type I): scale x_m > 0, shape alpha > 0.

Mathematical details: p(x) = alpha x_m^alpha / x^(alpha + 1) for x >= x_m.  The support
[x_m, oo) depends on the scale, so KL(Pareto(x_m1, .) || Pareto(x_m2, .)) is finite only when
x_m1 >= x_m2 (a Piecewise in the result); the mean is finite only for alpha > 1.
Source: Arnold, *Pareto Distributions*, 2nd ed. (2015), ch. 3; scipy's ``pareto(b=alpha,
scale=x_m)``.

>>> from symkl.families import Pareto
>>> Pareto(1, 3)
Pareto(1, 3)
"""
import sympy as sp

from symkl.family import POSITIVE, Family, Param

Pareto = Family(
    name="Pareto",
    latex_name=r"\mathrm{{Pareto}}\left({0}, {1}\right)",
    params=(Param("x_m", "x_{m}", POSITIVE), Param("alpha", r"\alpha", POSITIVE)),
    discrete=False,
    support=lambda x_m, alpha: sp.Interval(x_m, sp.oo),
    logpdf=lambda x, x_m, alpha: sp.log(alpha) + alpha * sp.log(x_m) - (alpha + 1) * sp.log(x),
    description="scale x_m (the minimum), shape alpha (tail index)",
)
