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
    """None when supp P is inside supp Q; otherwise the reason the divergence is infinite.

    Raises ``ValueError`` when the answer depends on the parameters: use
    :func:`support_condition` then.
    """
    inside = support_condition(P, Q)
    if inside == sp.S.true:
        return None
    if inside != sp.S.false:
        raise ValueError(f"whether supp P is inside supp Q depends on the parameters: {inside}")
    return gap_reason(P, Q)


def gap_reason(P: Bound, Q: Bound) -> str:
    """Why the divergence is infinite when supp P is not inside supp Q."""
    sp_p, sp_q = _essential(P.support()), _essential(Q.support())
    return (f"supp P = {_show(sp_p)} is not inside supp Q = {_show(sp_q)}: "
            f"P gives positive probability to a set where q = 0")


def support_condition(P: Bound, Q: Bound) -> sp.Boolean:
    """The condition on the parameters under which supp P lies inside supp Q.

    True or False when it does not depend on the parameters; for interval supports with
    symbolic ends a conjunction of the two end comparisons, the way a textbook states it.

    >>> from symkl.families import Uniform, Exponential
    >>> support_condition(Uniform().bind(1), Uniform().bind(2))
    (a2 <= a1) & (b1 <= b2)
    >>> support_condition(Uniform().bind(1), Exponential().bind(2))
    a1 >= 0
    """
    return _subset_condition(_essential(P.support()), _essential(Q.support()))


def _subset_condition(sp_p: sp.Set, sp_q: sp.Set) -> sp.Boolean:
    """sp_p inside sp_q: by the ends of intervals and ranges, coordinatewise for boxes."""
    if isinstance(sp_p, sp.ProductSet) and isinstance(sp_q, sp.ProductSet) \
            and len(sp_p.sets) == len(sp_q.sets):
        return sp.And(*[_subset_condition(_essential(a), _essential(b))
                        for a, b in zip(sp_p.sets, sp_q.sets)])
    ends = _ends(sp_p), _ends(sp_q)
    if None in ends:
        inside = sp_p.is_subset(sp_q)
        if inside is None:
            raise NotImplementedError(f"cannot decide whether {sp_p} is inside {sp_q}")
        return sp.S.true if inside else sp.S.false
    (lo_p, hi_p), (lo_q, hi_q) = ends
    return sp.And(_at_most(lo_q, lo_p), _at_most(hi_p, hi_q))


def _ends(s: sp.Set) -> tuple[sp.Expr, sp.Expr] | None:
    """(inf, sup) of an interval or an integer range (possibly with symbolic ends)."""
    if s == sp.Reals:
        return sp.S.NegativeInfinity, sp.S.Infinity
    if isinstance(s, sp.Interval):
        return s.inf, s.sup
    if isinstance(s, sp.Range):
        try:
            return s.inf, s.sup if s.size.is_finite is not False else sp.S.Infinity
        except (ValueError, TypeError):
            return None
    return None


def _at_most(a: sp.Expr, b: sp.Expr) -> sp.Boolean:
    """a <= b, decided when SymPy can (infinities and signs), else the relation itself."""
    if a == b or a == sp.S.NegativeInfinity or b == sp.S.Infinity:
        return sp.S.true
    if a == sp.S.Infinity or b == sp.S.NegativeInfinity:
        return sp.S.false
    decided = (b - a).is_nonnegative
    if decided is not None:
        return sp.S.true if decided else sp.S.false
    return sp.Ge(b, a) if a.is_number else sp.Le(a, b)  # "a1 >= 0", "a2 <= a1"


def assume(condition: sp.Boolean, fresh: bool = False) -> tuple[dict, dict]:
    """Substitutions that make ``condition`` hold: each ``u <= v`` (or ``u < v``) writes one
    side as the other plus a positive gap symbol, so SymPy knows signs (log(x_m2 + g) is a log
    of a positive).  ``fresh=True`` makes the gaps Dummies, for use inside a derivation that
    may already hold the named gaps.

    Returns (forward, back): forward replaces parameters by gap expressions, back undoes it.

    >>> import sympy as sp
    >>> a1, a2 = sp.symbols("a1 a2", real=True)
    >>> forward, back = assume(sp.Le(a2, a1))
    >>> forward
    {a1: a2 + gap0}
    """
    forward: dict = {}
    back: dict = {}
    relations = condition.args if isinstance(condition, sp.And) else (condition,)
    for i, rel in enumerate(relations):
        if not isinstance(rel, (sp.Le, sp.Ge, sp.Lt, sp.Gt)):
            continue
        small, big = (rel.lhs, rel.rhs) if isinstance(rel, (sp.Le, sp.Lt)) \
            else (rel.rhs, rel.lhs)
        integer = small.is_integer and big.is_integer
        gap = (sp.Dummy if fresh else sp.Symbol)(f"gap{i}", positive=True,
                                                 integer=integer or None)
        if big.is_Symbol and big not in forward:
            forward[big] = small.xreplace(forward) + gap
        elif small.is_Symbol and small not in forward:
            forward[small] = big.xreplace(forward) - gap
        else:
            continue
        back[gap] = big - small  # the gap in the original parameters
    return forward, back


def outside_sets(P: Bound, Q: Bound) -> sp.Set:
    """The part of supp P outside supp Q (where p > 0 but q = 0)."""
    if isinstance(P.support(), sp.Range):
        return sp.Complement(P.support(), Q.support())
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
        if s.size.is_Integer:
            return "{" + ", ".join(str(v) for v in s) + "}"
        if s.size.is_finite:  # {0, ..., n} with a symbolic n
            return "{" + f"{s.inf}, ..., {s.sup}" + "}"
        return "{" + f"{s.inf}, {s.inf + 1}, ..." + "}"
    return str(s)
