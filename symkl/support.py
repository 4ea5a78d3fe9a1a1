"""Is supp P inside supp Q?  If not, KL(P || Q) and H(P, Q) are infinite.

Supports are compared up to sets of measure zero (the open interval (0, inf) and [0, inf) are
the same support for a density).

>>> from symkl.families import Normal, Exponential
>>> print(support_gap(Normal().bind(1), Exponential().bind(2)))
supp P = (-oo, oo) is not inside supp Q = (0, oo): P gives positive probability to a set where q = 0
>>> support_gap(Exponential().bind(1), Normal().bind(2)) is None
True
"""
from __future__ import annotations

import sympy as sp
from sympy.core.logic import fuzzy_and

from symkl.family import Bound


class IncompatiblePair(ValueError):
    """P and Q are not both discrete or both continuous: no divergence between them exists."""


def check_same_kind(P: Bound, Q: Bound) -> None:
    """Raise IncompatiblePair for a discrete/continuous mix or different shapes, with the reason.

    >>> from symkl.families.mvnormal import MultivariateNormal
    >>> try:
    ...     check_same_kind(MultivariateNormal(2)().bind(1), MultivariateNormal(3)().bind(2))
    ... except IncompatiblePair as why:
    ...     print(str(why).split("(")[1].split(")")[0])
    dimension mismatch: 2 against 3 coordinates
    """
    if P.family.discrete == Q.family.discrete and P.family.kind != Q.family.kind:
        shapes = [f.vector.shape if f.vector is not None else (1, 1) for f in (P.family, Q.family)]
        why = (f"dimension mismatch: {shapes[0][0]} against {shapes[1][0]} coordinates"
               if shapes[0] != shapes[1] else "different kinds of sample space")
        raise IncompatiblePair(
            f"{P.family.name} is {P.family.kind} but {Q.family.name} is {Q.family.kind} "
            f"({why}): only families of the same kind are paired, so KL and cross-entropy "
            f"between them are not derived")
    if P.family.discrete != Q.family.discrete:
        kinds = {True: "discrete (a probability mass function)", False: "continuous (a density)"}
        raise IncompatiblePair(
            f"{P.family.name} is {kinds[P.family.discrete]} but {Q.family.name} is "
            f"{kinds[Q.family.discrete]}: they have no common dominating measure, so KL and "
            f"cross-entropy between them are not defined (P is not absolutely continuous "
            f"with respect to Q, or the reverse)")


def support_gap(P: Bound, Q: Bound) -> str | None:
    """None when supp P is inside supp Q; otherwise the reason the divergence is infinite."""
    sp_p, sp_q = _essential(P.support()), _essential(Q.support())
    inside = sp_p.is_subset(sp_q)
    if inside is None and isinstance(sp_p, sp.ProductSet) and isinstance(sp_q, sp.ProductSet) \
            and len(sp_p.sets) == len(sp_q.sets):
        inside = fuzzy_and(a.is_subset(b) for a, b in zip(sp_p.sets, sp_q.sets))
    if inside:
        return None
    if inside is None:
        raise NotImplementedError(f"cannot decide whether {sp_p} is inside {sp_q}")
    return (f"supp P = {_show(sp_p)} is not inside supp Q = {_show(sp_q)}: "
            f"P gives positive probability to a set where q = 0")


def outside_sets(P: Bound, Q: Bound) -> sp.Set:
    """The part of supp P outside supp Q (where p > 0 but q = 0)."""
    return sp.Complement(_essential(P.support()), _essential(Q.support()))


def _essential(s: sp.Set) -> sp.Set:
    if isinstance(s, sp.ProductSet):  # a box: compared coordinate by coordinate
        return sp.ProductSet(*[_essential(f) for f in s.sets])
    if isinstance(s, sp.Interval):
        return sp.Interval.open(s.inf, s.sup)
    return s


def _show(s: sp.Set) -> str:
    if s == sp.Reals or (isinstance(s, sp.Interval) and s.inf == -sp.oo and s.sup == sp.oo):
        return "(-oo, oo)"
    if isinstance(s, sp.Interval):
        return f"({s.inf}, {s.sup})"
    if isinstance(s, sp.Range):
        if s.size.is_finite:
            return "{" + ", ".join(str(v) for v in s) + "}"
        return "{" + f"{s.inf}, {s.inf + 1}, ..." + "}"
    return str(s)
