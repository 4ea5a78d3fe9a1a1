"""Divergences between densities whose supports differ and depend on the parameters (uniforms,
Paretos): the overlap [max(lo_P, lo_Q), min(hi_P, hi_Q)] written as [l, l + w] with w > 0,
its masses m_P and m_Q, nested / overlapping / disjoint branches, and the crossing p = q on the
overlap for total variation; Jensen-Shannon where p/q is constant on it.

>>> import sympy as sp
>>> span, back, meet = _overlap(sp.Interval(0, 2), sp.Interval(1, 3))
>>> span.xreplace(back)
Interval(1, 2)
"""
from __future__ import annotations

import sympy as sp

from symkl.budget import time_budget
from symkl.definitions import variable
from symkl.divergence_common import _LHS
from symkl.engine import DEFAULT_BUDGET, NotDerivable, _domains
from symkl.family import FamilyInstance
from symkl.integration import Declined, integrate_over
from symkl.result import Result
from symkl.rewrite import exp_of_sum
from symkl.steps import Step
from symkl.support import assume, support_condition


def _on_overlap(name: str, bp, bq, P: FamilyInstance, Q: FamilyInstance) -> Result:
    """TV or JS between densities whose supports differ (ends that depend on the parameters).
    With m_P, m_Q the masses P and Q give the overlap of the supports, and p/q a constant r on
    it (uniforms),

        TV = 1 - integral min(p, q) = 1 - min(m_P, m_Q),
        JS = log 2 - (m_P log(1 + 1/r) + m_Q log(1 + r)) / 2

    (off the overlap one density is 0: p log(2p / p) = p log 2).  A Piecewise on the nesting
    of the supports (then one mass is 1), their overlapping, and their being disjoint
    (TV = 1, JS = log 2); the overlapping branch is left out where the nestings cover every
    parameter value (two Paretos: x_m2 <= x_m1 or x_m1 <= x_m2).

    Where p/q is not constant on the overlap but log p - log q is monotone there, linear in x
    or in log x (Paretos), TV goes through its single crossing p = q:
    :func:`_tv_through_crossing` on each branch's overlap.

    >>> from symkl.families import Uniform
    >>> from symkl.divergences import total_variation
    >>> total_variation(Uniform(0, 2), Uniform(1, 3)).expr
    1/2
    """
    x = variable(bp.family)
    ratio = sp.simplify(bp.logpdf(x) - bq.logpdf(x))
    sp_p, sp_q = bp.support(), bq.support()
    if (ratio.has(x) and name != "total_variation") or not all(
            isinstance(s, sp.Interval) or s == sp.Reals for s in (sp_p, sp_q)):
        raise NotDerivable(name, P, Q, {"overlap": (
            f"the supports differ and log p - log q = {ratio} is not constant on their "
            f"overlap: the points where p = q there are not found by this route")})
    crossing = _overlap_crossing(bp, bq, x, P, Q) if ratio.has(x) else None
    r = sp.exp(ratio)
    gaps, undo = _gaps(bp, bq)

    def masses(span: sp.Interval) -> tuple[sp.Expr, sp.Expr]:
        try:
            return tuple(sp.factor(_integrate_density(b, x, span.subs(gaps), gaps))
                         .subs(undo) for b in (bp, bq))
        except (Declined, RecursionError, NotImplementedError) as why:
            raise NotDerivable(name, P, Q, {"overlap": f"the masses of the overlap of the "
                                            f"supports: {why}"}) from None

    def value(m_p: sp.Expr, m_q: sp.Expr, span: sp.Interval | None = None,
              back: dict | None = None) -> list:
        """[(value, condition), ...] on the overlap ``span`` given its masses, its ends put
        back by ``back``."""
        back = back or {}
        if name == "total_variation":
            apart = 1 - (m_q if m_p == 1 else m_p if m_q == 1 else sp.Min(m_p, m_q))
            if crossing is None or span is None:
                return [(apart.xreplace(back), sp.S.true)]
            try:
                found, more = _tv_through_crossing(bp, bq, x, crossing, span, (m_p, m_q),
                                                   (gaps, undo))
            except Declined as why:
                raise NotDerivable(name, P, Q, {"overlap": f"the CDFs on the overlap up to "
                                                f"the crossing: {why}"}) from None
            steps.extend(Step(s.label, s.lhs, _shortest(s.expr.xreplace(back))) for s in more)
            return [(_shortest(v.xreplace(back)), _tidy_sides(c.xreplace(back)))
                    for v, c in [*found, (apart, sp.S.true)]]
        js = sp.log(2) - (m_p * sp.log(1 + 1 / r) + m_q * sp.log(1 + r)) / 2
        return [(js.xreplace(back), sp.S.true)]

    branches, steps, nestings = [], [], []
    with time_budget(DEFAULT_BUDGET):
        if crossing is not None:
            steps.append(Step("crossing point p = q", "r", crossing[2]))
        for inner, outer, first in ((bp, bq, True), (bq, bp, False)):
            nested = support_condition(inner, outer)
            if nested != sp.S.false:  # through crossings: the ends as positive symbols
                span, back, _ = (_overlap(inner.support(), inner.support()) if crossing
                                 else (inner.support(), {}, None))
                m = masses(span)
                m = (sp.S.One, m[1]) if first else (m[0], sp.S.One)
                steps.append(Step(f"masses of the overlap, supp {'P' if first else 'Q'} inside",
                                  "m_P, m_Q", sp.Tuple(*m).xreplace(back)))
                branches += [(v, sp.And(nested, c)) for v, c in value(*m, span, back)]
                nestings.append(nested)
        if not _exhaustive(nestings):
            span, back, meet = _overlap(sp_p, sp_q)
            m = masses(span)
            steps.append(Step("masses of the overlap", "m_P, m_Q",
                              sp.Tuple(*m).xreplace(back)))
            branches += [(v, sp.And(meet, c)) for v, c in value(*m, span, back)]
            branches += value(sp.S.Zero, sp.S.Zero)
    return Result(name, bp, bq, sp.Piecewise(*branches), "overlap", tuple(steps), (), "",
                  _LHS[name], _domains(bp, bq))


Crossing = tuple[sp.Expr, sp.Expr, sp.Expr, bool]  # (g, slope k in v, r, v = log x)


def _overlap_crossing(bp, bq, x: sp.Symbol, P, Q) -> Crossing:
    """The crossing p = q of two densities whose supports differ, found by solving
    g = log p - log q = 0 where g is monotone: linear in v = x, or in v = log x for supports
    in [0, oo) (Paretos: g = log(a1 x_m1^a1 / (a2 x_m2^a2)) + (a2 - a1) log x).  Returns g (in
    x), its slope k = dg/dv (p > q beyond the crossing iff k > 0), the crossing r as a point x
    and whether v = log x; NotDerivable if g has another shape (no single crossing).

    >>> from symkl.families import Pareto
    >>> x = sp.Symbol("x", positive=True)
    >>> g, k, r, in_log = _overlap_crossing(Pareto(1, 2).bind(1), Pareto(2, 1).bind(2), x,
    ...                                     None, None)
    >>> k, r, in_log
    (-1, 1, True)
    """
    g = sp.expand(sp.expand_log(bp.logpdf(x) - bq.logpdf(x), force=True))
    v = sp.Dummy("v", real=True)
    lowest = sp.Min(bp.support().inf, bq.support().inf)  # every end a power may meet
    why = "is neither constant nor linear in x or in log x on their overlap"
    for in_log, gv in ((False, g), (True, g.subs(sp.log(x), v))):
        gv = gv if in_log else gv.subs(x, v)
        if gv.has(x) or not gv.is_polynomial(v) or sp.degree(gv, v) != 1:
            continue
        if in_log and lowest.is_nonnegative is not True:
            why = (f"is linear in log x, but the support ends {lowest} may be negative, where "
                   f"the powers of the ends in the result would not be real")
            continue
        (root,) = sp.solve(gv, v)
        if in_log:  # e^(a/b) as (e^a)^(1/b): the crossing reads (a1 x_m1^a1 / ...)^(1/(a1 - a2))
            num, den = sp.fraction(sp.together(root))
            root = sp.powsimp(sp.exp(sp.logcombine(sp.expand(num), force=True))) ** (1 / den)
        return g, sp.diff(gv, v), root, in_log
    raise NotDerivable("total_variation", P, Q, {"overlap": (
        f"the supports differ and log p - log q = {g} {why}: the points where p = q there "
        f"are not found by this route (it handles a single crossing)")})


def _tv_through_crossing(bp, bq, x: sp.Symbol, crossing: Crossing, span: sp.Interval,
                         masses: tuple[sp.Expr, sp.Expr],
                         gaps: tuple[dict, dict]) -> tuple[list, list]:
    """TV's branches where the crossing r of a monotone g = log p - log q lies inside the
    overlap ``span`` = [lo, hi] of the supports, which P and Q give ``masses`` m_P, m_Q.

    Off the overlap one density is 0 (mass 1 - m_P and 1 - m_Q); on it, p - q has one sign
    on (lo, r) and the other on (r, hi), so with D(u, v) = integral_u^v (p - q),

        TV = ((1 - m_P) + (1 - m_Q) + |D(lo, r)| + |D(r, hi)|) / 2,

    F_P, F_Q integrated from lo, D(lo, r) = F_P(r) - F_Q(r), D(r, hi) = m_P - m_Q - D(lo, r).
    The sign of p - q beyond r is that of the slope k of g: where k's sign is not known, one
    branch for each, |D| written signed in both.  r lies inside where p - q changes sign
    across the overlap, sign(k) (q - p)(lo) > 0 and sign(k) (p - q)(hi) > 0 (an infinite end
    says nothing), stated as p(lo) < q(lo) or the reverse.  These conditions are False at
    k = 0 (equal Pareto shapes: p/q constant), where the caller's last branch, TV = 1 -
    min(m_P, m_Q), is the exact value: no crossing, no division by k.  Returns the branches
    [(value, condition), ...] and steps; Declined if the CDFs do not integrate.

    >>> from symkl.families import Pareto
    >>> x, bp, bq = sp.Symbol("x", positive=True), Pareto(1, 2).bind(1), Pareto(1, 3).bind(2)
    >>> branches, _ = _tv_through_crossing(bp, bq, x, _overlap_crossing(bp, bq, x, bp, bq),
    ...                                    sp.Interval(1, sp.oo), (1, 1), ({}, {}))
    >>> branches  # p - q > 0 beyond r = 3/2 (alpha1 < alpha2): TV = P(X > r) - Q(X > r)
    [(4/27, True)]
    """
    g, k, r, in_log = crossing
    lo, hi = span.inf, span.sup
    m_p, m_q = masses
    forward, undo = gaps
    d = sp.Dummy("d", positive=True)

    def cdf(b) -> sp.Expr:  # integral of b's density from lo to lo + d, d = r - lo after
        start = lo.subs(forward)
        try:
            F = _integrate_density(b, x, sp.Interval(start, start + d), forward)
        except (RecursionError, NotImplementedError) as why:
            raise Declined(str(why)) from None
        return F.subs(undo).subs(d, r - lo)

    inner = cdf(bp) - cdf(bq)  # D(lo, r)
    pieces = (inner, m_p - m_q - inner)  # D(lo, r), D(r, hi)
    steps = [Step("D(lo, r) = F_P(r) - F_Q(r) on the overlap", "D(l, r)", _shortest(inner))]
    branches = []
    for sign in (1, -1):
        rising = sp.Gt(sign * k, 0)
        if rising == sp.S.false:
            continue
        where = [rising, *(_density_order(bp, bq, x, end, sign * side, in_log)
                           for end, side in ((lo, -1), (hi, 1)))]
        value = ((1 - m_p) + (1 - m_q) - sign * pieces[0] + sign * pieces[1]) / 2
        branches.append((_shortest(value), sp.And(*[_tidy_relation(c) for c in where])))
    return branches, steps


def _integrate_density(b, x: sp.Symbol, span: sp.Interval, gaps: dict) -> sp.Expr:
    """integral of b's density (parameters written through ``gaps``) over ``span``, in a
    positive variable where the span lies in [0, oo): SymPy's limit of x^(-alpha) at oo
    recurses without end for a merely real x (Paretos)."""
    t = sp.Dummy("t", positive=True) if span.inf.is_nonnegative else x
    return integrate_over(b.density(t).subs(gaps), t, span)


def _density_order(bp, bq, x: sp.Symbol, end: sp.Expr, sign: int, in_log: bool) -> sp.Basic:
    """sign (p - q) > 0 at the end ``end`` of the overlap, as p(end) > q(end) or p(end) <
    q(end) with the common positive factors of the two densities cleared; True at an end
    where g = log p - log q tends to +-oo (infinite, or 0 in log x) and says nothing."""
    if end.is_infinite or (in_log and end == 0):
        return sp.S.true
    ratio = sp.powsimp(sp.expand_power_base(sp.simplify(
        exp_of_sum(sp.expand(sp.expand_log(bp.logpdf(end) - bq.logpdf(end), force=True)))),
        force=True), force=True)
    num, den = sp.fraction(sp.together(ratio))
    if not (num.is_positive and den.is_positive):
        num, den = ratio, sp.S.One
    return sp.Gt(num, den) if sign > 0 else sp.Lt(num, den)


def _tidy_relation(c: sp.Basic) -> sp.Basic:
    """k > 0 with k = a2 - a1 written a2 > a1: positive terms left, negated negative right."""
    if not isinstance(c, (sp.StrictGreaterThan, sp.StrictLessThan)) or c.rhs != 0:
        return c
    terms = sp.Add.make_args(sp.expand(c.lhs))
    left = sp.Add(*[t for t in terms if not t.could_extract_minus_sign()])
    right = -sp.Add(*[t for t in terms if t.could_extract_minus_sign()])
    return type(c)(left, right)


def _shortest(e: sp.Expr) -> sp.Expr:
    """e with powers of powers of a positive base as one power, (z^(1/(a1 - a2)))^a1 =
    z^(a1/(a1 - a2)) (the crossing of two Paretos and its powers), then the shortest of that,
    its expansion and its factor_terms (by operation count; simplify took 8 of the 10 s of
    Pareto TV without shortening it).

    >>> a, b, z = sp.symbols("a b z", positive=True)
    >>> _shortest((z**(1 / (a - b)))**a)
    z**(a/(a - b))
    """
    e = e.replace(lambda t: t.is_Pow and t.base.is_Pow and t.base.base.is_positive
                  and t.base.exp.is_real is not False and t.exp.is_real is not False,
                  lambda t: t.base.base ** (t.base.exp * t.exp))
    expanded = sp.expand(e)
    return min((e, expanded, sp.factor_terms(expanded)), key=sp.count_ops)


def _tidy_sides(condition: sp.Basic) -> sp.Basic:
    """Each side of each strict relation with its powers of one base combined (x^a x^(b - a)
    -> x^b), and, both sides positive, their common factors cancelled (the ends of the overlap
    put back into p(lo) < q(lo)).

    >>> u, a, b = sp.symbols("u a b", positive=True)
    >>> _tidy_sides(sp.Lt(u**a * u**(b - a), 2))
    u**b < 2
    """
    def tidy(rel: sp.Basic) -> sp.Basic:
        force = all(s.is_positive for s in rel.free_symbols)  # else only what is safe
        lhs, rhs = (sp.powsimp(s, force=force) for s in rel.args)
        if lhs.is_positive and rhs.is_positive:  # common factors cancelled: lhs/rhs reduced
            lhs, rhs = sp.fraction(sp.powsimp(lhs / rhs, force=force))
        return type(rel)(lhs, rhs)
    return condition.replace(lambda e: isinstance(e, (sp.StrictLessThan,
                                                      sp.StrictGreaterThan)), tidy)


def _exhaustive(nestings: list) -> bool:
    """Whether two nesting conditions cover every parameter value, so that supports that only
    partly overlap cannot occur: not (u <= v) is u > v, written v = u - gap with gap > 0
    (:func:`symkl.support.assume`), under which the other must hold.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> _exhaustive([sp.Le(b, a), sp.Le(a, b)]), _exhaustive([sp.Le(b, a)])
    (True, False)
    """
    if len(nestings) != 2:
        return False
    first = sp.Not(nestings[0])
    if not isinstance(first, (sp.StrictLessThan, sp.StrictGreaterThan)):
        return False
    loose = (sp.Le if isinstance(first, sp.StrictLessThan) else sp.Ge)(first.lhs, first.rhs)
    forward, _ = assume(loose)
    return bool(forward) and nestings[1].xreplace(forward) == sp.S.true


def _gaps(bp, bq) -> tuple[dict, dict]:
    """Each family's strict order a < b (Uniform) as b = a + gap with a positive gap, and back
    (:func:`symkl.support.assume`): lengths b - a stay positive factors while integrating."""
    orders = [sp.Le(rel.lhs, rel.rhs) for b in (bp, bq) for rel in b.family.joint(*b.values)
              if isinstance(rel, sp.StrictLessThan)]
    return assume(sp.And(*orders))


def _refined(e: sp.Expr, given: sp.Basic) -> sp.Expr:
    """Max/Min in ``e`` decided by ``given`` when it is one strict order u < v (the negation
    of a nesting condition x_m1 >= x_m2), by writing v = u + gap with gap > 0
    (:func:`symkl.support.assume`).

    >>> u, v = sp.symbols("u v", positive=True)
    >>> _refined(sp.Max(u, v), sp.Lt(u, v))
    v
    """
    if not isinstance(given, (sp.StrictLessThan, sp.StrictGreaterThan)):
        return e
    forward, back = assume(sp.Le(given.lhs, given.rhs) if isinstance(given, sp.StrictLessThan)
                           else sp.Ge(given.lhs, given.rhs))
    out = e.xreplace(forward)
    return e if not forward or out.has(sp.Max, sp.Min) else out.xreplace(back)


def _overlap(sp_p: sp.Set, sp_q: sp.Set,
             given: sp.Basic = sp.S.true) -> tuple[sp.Interval, dict, sp.Basic]:
    """The overlap [max(lo_P, lo_Q), min(hi_P, hi_Q)] of two intervals as [l, l + w] with
    symbols l and w > 0 (so that its length stays one positive factor while integrating and
    simplifying), the substitution that puts the ends back (Max/Min decided by ``given`` where
    it can: :func:`_refined`), and the condition that the intervals overlap at all.

    >>> a1, b1, a2, b2 = sp.symbols("a1 b1 a2 b2", real=True)
    >>> span, back, meet = _overlap(sp.Interval(a1, b1), sp.Interval(a2, b2))
    >>> (span.sup - span.inf).xreplace(back), meet
    (-Max(a1, a2) + Min(b1, b2), (a1 < b2) & (a2 < b1))
    """
    lo, hi = (_refined(e, given) for e in (sp.Max(sp_p.inf, sp_q.inf),
                                           sp.Min(sp_p.sup, sp_q.sup)))
    left = sp.Dummy("l", real=True, positive=lo.is_positive or None)
    width = sp.Dummy("w", positive=True)
    span = sp.Interval(left if lo.is_finite else lo,
                       (left + width if lo.is_finite else hi) if hi.is_finite else hi)
    meet = sp.And(sp.Lt(sp_q.inf, sp_p.sup), sp.Lt(sp_p.inf, sp_q.sup))
    return span, {left: lo, width: hi - lo}, meet
