"""Uniform distribution ``Uniform(a, b)`` on the interval [a, b], a < b.

Mathematical details: p(x) = 1 / (b - a) for a <= x <= b, and 0 elsewhere.  The support
depends on the parameters, so KL(P || Uniform(a2, b2)) is finite only when supp P lies inside
[a2, b2]: symkl returns a Piecewise whose condition says so (infinity otherwise).
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.3.

>>> from symkl.families import Uniform
>>> Uniform(0, 1)
Uniform(0, 1)
>>> Uniform(1, 0)
Traceback (most recent call last):
...
ValueError: Uniform: parameter b must be greater than a, got b = 0 with a = 1
"""
import sympy as sp

from symkl.family import REAL, Family, Param, reject


def _check_order(a, b) -> None:
    if a is not None and b is not None and sp.Ge(a, b) == sp.S.true:
        raise reject("Uniform", "b", "greater than a", f"b = {b} with a = {a}")


Uniform = Family(
    name="Uniform",
    latex_name=r"\mathcal{{U}}\left({0}, {1}\right)",
    params=(Param("a", "a", REAL), Param("b", "b", REAL)),
    discrete=False,
    support=lambda a, b: sp.Interval(a, b),
    logpdf=lambda x, a, b: -sp.log(b - a),
    validate=_check_order,
    joint=lambda a, b: (sp.Lt(a, b),),  # carried in results' conditions while undecided
    description="lower end a, upper end b (a < b)",
)
