"""Total variation (1/2) integral |p - q| through the crossing points p = q.

Finite supports: the sum itself.  On a common support, where p - q changes sign at the
crossings r_i, TV = sum_i |F_P(r_i) - F_Q(r_i)| (signs alternate), with the crossings found from
the log-ratio's shape (a polynomial of degree <= 2 in x, or in log x, or between kinks |x - m|).
Supports that differ go to :mod:`symkl.overlap`.

>>> from symkl.families import Normal
>>> print(total_variation(Normal(0, 1), Normal(0, 1)).expr)  # P = Q
0
>>> print(total_variation(Normal(0, 1), Normal(2, 1)).expr)
erf(sqrt(2)/2)
"""
from __future__ import annotations

import random

import sympy as sp

from symkl.budget import BudgetExceeded, time_budget
from symkl.definitions import crossing_points, variable
from symkl.divergence_common import _LHS, _finite, _finite_sum
from symkl.engine import NotDerivable, _domains
from symkl.family import FamilyInstance
from symkl.integrability import _kernels
from symkl.integration import abs_kinks
from symkl.overlap import _on_overlap
from symkl.power_divergences import _nonzero_denominators
from symkl.result import Result
from symkl.rewrite import exp_of_sum
from symkl.steps import Step
from symkl.support import check_same_kind


def total_variation(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Total variation (1/2) integral |p - q|, in [0, 1].

    Finite supports: the sum itself.  Otherwise, where p - q changes sign at the crossings r_i,
    the signs alternate and TV = sum_i |F_P(r_i) - F_Q(r_i)|, whatever the order of the roots;
    for Poissons, TV = |P(X > c) - Q(X > c)| at the single crossing c.  The crossings are the
    roots of the log-ratio by its shape: a polynomial of degree <= 2 in x (normals, Cauchys,
    exponentials), or in log x (solved in u = log x, F integrated in u: log-normals), or
    piecewise so between the kinks of its |a x + b| terms (Laplaces: the line is split at the
    kinks, in both orders if their order is unknown, and F is integrated piece by piece; where
    the parameters decide whether a piece holds a crossing, its term is a Piecewise on the sign
    change of log p - log q across the piece).

    Supports that differ (ends that depend on the parameters): a Piecewise on their nesting
    (:func:`_on_overlap`), with TV = 1 - min(m_P, m_Q) where p/q is constant on the overlap
    (uniforms), and otherwise through the single crossing p = q of a log-ratio linear in x or
    log x, solved and clamped into the overlap (Paretos, Uniform || Exponential).

    >>> from symkl.families import Bernoulli, Laplace, Pareto
    >>> total_variation(Bernoulli("p"), Bernoulli("q")).expr
    Abs(p - q)
    >>> total_variation(Laplace(0, "b"), Laplace(2, "b")).expr
    Abs(1 - exp(-1/b))
    >>> total_variation(Pareto(1, 2), Pareto(2, 3)).expr  # the crossing is x = 12
    325/432
    """
    bp, bq = P.bind("1"), Q.bind("2")
    check_same_kind(bp, bq)
    if bp.family.vector is not None:
        raise NotDerivable("total_variation", P, Q, {"crossing": (
            "P and Q are densities on a space of dimension > 1: the region where p > q is "
            "bounded by a surface (a quadric for normals), not by crossing points, and this "
            "route integrates p - q between crossing points on a line only")})
    if _finite(bp, bq):
        return _finite_sum("total_variation", bp, bq)
    x = variable(bp.family)
    if bp.support() != bq.support():
        return _on_overlap("total_variation", bp, bq, P, Q)
    ratio = sp.expand(sp.expand_log(bp.logpdf(x) - bq.logpdf(x), force=True))
    if ratio == 0:  # the same distribution: no crossing to find (it used to say degree > 2)
        return Result("total_variation", bp, bq, sp.S.Zero, "crossing",
                      (Step("log p - log q", r"\log p - \log q", sp.S.Zero),), (), "",
                      _LHS["total_variation"], _domains(bp, bq))
    if bp.family.discrete:
        return _tv_discrete(bp, bq, x, P, Q)
    lo, hi = bp.support().inf, bp.support().sup
    u = sp.Dummy("u", real=True)
    in_log = ratio.subs(sp.log(x), u)
    roots = crossing_points(bp, bq, x)
    if roots:
        pieces = [(lo, hi, bp.density(x), bq.density(x))]
        crossings = [(0, r, r, sp.true) for r in _inside(roots, lo, hi, bp, bq, P, Q)]
        total, steps, conditions = _tv_sum(pieces, crossings, x)
    elif abs_kinks(ratio, x):
        total, steps, conditions = _tv_between_kinks(bp, bq, x, ratio, P, Q)
    elif lo.is_nonnegative and not in_log.has(x) and in_log.is_polynomial(u) \
            and sp.degree(in_log, u) <= 2:  # u = log x; F_P(e^u) integrates p(e^t) e^t dt
        ends = [sp.log(e) if e.is_extended_positive else -sp.oo for e in (lo, hi)]
        pieces = [(*ends, *(sp.exp(b.logpdf(sp.exp(u)) + u) for b in (bp, bq)))]
        crossings = [(0, r, sp.exp(r), sp.true) for r in _inside(
            [r for r in sp.solve(in_log, u) if r.is_real is not False], *ends, bp, bq, P, Q)]
        total, steps, conditions = _tv_sum(pieces, crossings, u)
        if total.has(sp.Integral):  # F in u failed: in x (Chi-square: lower gamma functions),
            try:  # by SymPy's Meijer G integration alone (x^(k-1) exp(-x^2/2): 1 s, not > 10 s)
                with time_budget(_CDF_BUDGET):
                    total, steps, conditions = _tv_sum(
                        [(lo, hi, bp.density(x), bq.density(x))],
                        [(0, sp.exp(r), sp.exp(r), w) for _, r, _, w in crossings], x,
                        meijerg=True)
            except BudgetExceeded as why:
                raise NotDerivable("total_variation", P, Q, {
                    "crossing": f"the CDFs at the crossing points: {why}"}) from None
    else:
        raise NotDerivable("total_variation", P, Q, {"crossing": _crossing_obstacle(bp, bq, x)})
    if total.has(sp.I):
        raise NotDerivable("total_variation", P, Q, {
            "crossing": "the result SymPy gave is not manifestly real (it contains I)"})
    if total.has(sp.Integral):
        raise NotDerivable("total_variation", P, Q, {
            "crossing": "SymPy could not integrate the densities up to the crossing points "
                        "(F_P(r) - F_Q(r) stays an integral)"})
    return Result("total_variation", bp, bq, total, "crossing", tuple(steps),
                  tuple(dict.fromkeys(conditions)), "", _LHS["total_variation"], _domains(bp, bq))


_CDF_BUDGET = 10.0  # CPU seconds for F_P, F_Q at the crossings in x (Chi: SymPy's Meijer G)


Piece = tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]  # (a, b, p, q): p and q smooth on (a, b)


def _tv_sum(pieces: list[Piece], crossings: list[tuple[int, sp.Expr, sp.Expr, sp.Basic]],
            x: sp.Symbol, meijerg: bool | None = None) -> tuple[sp.Expr, list, list]:
    """sum over the crossings (j, r, shown, where) of |F_P(r) - F_Q(r)|, r in piece j, with F
    the integral of the pieces up to r; ``shown`` is r as a point of the support (e^r in log x),
    and the term counts only ``where`` r is in its piece (a Piecewise unless always);
    ``meijerg`` is passed to SymPy's integrate (True: its Meijer G method only)."""
    steps, total, conditions = [], sp.S.Zero, []
    for j, r, shown, where in crossings:
        spans = [*pieces[:j], (pieces[j][0], r, *pieces[j][2:])]
        cdfs = [sum(sp.integrate(s[k], (x, s[0], s[1]), conds="none", meijerg=meijerg)
                    for s in spans).replace(
            lambda e: isinstance(e, sp.exp), lambda e: exp_of_sum(e.args[0])) for k in (2, 3)]
        gap = (cdfs[0] - cdfs[1]).replace(  # exponents as one fraction: mu/b - mu/b cancel
            lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.cancel(e.args[0])))
        gap = _tidy_gap(sp.expand(gap.rewrite(sp.erf)))
        total += sp.Abs(gap) if where == sp.true else sp.Piecewise((sp.Abs(gap), where),
                                                                    (0, True))
        conditions += _nonzero_denominators(r)
        steps += [Step("crossing point", "r", shown),
                  Step("F_P(r) - F_Q(r)", "F_P(r) - F_Q(r)", gap)]
    return total, steps, conditions


_SIMPLIFY_OPS = 1000  # larger gaps (continuous Bernoulli: 1477 operations) skip simplify


def _tidy_gap(gap: sp.Expr) -> sp.Expr:
    """F_P(r) - F_Q(r) simplified -- unless it has more than ``_SIMPLIFY_OPS`` operations: then
    powers are merged and common factors pulled out only (simplify spent 10 s on the
    continuous Bernoulli's 1477 operations, and its answer changed from run to run with SymPy's
    hashing; a size rule keeps the form independent of the machine).

    >>> x = sp.Symbol("x", positive=True)
    >>> _tidy_gap(sp.exp(x) * sp.exp(-x) - 1)
    0
    """
    if sp.count_ops(gap) > _SIMPLIFY_OPS:
        return sp.factor_terms(sp.powsimp(gap))
    return sp.simplify(gap)


def _inside(roots: list, lo: sp.Expr, hi: sp.Expr, bp, bq, P, Q) -> list:
    """The roots inside (lo, hi) (HalfNormal: -r is outside); NotDerivable if undecidable."""
    inside = []
    for r in roots:
        where = _inside_support(r, lo, hi, bp, bq)
        if where is None:
            raise NotDerivable("total_variation", P, Q, {
                "crossing": f"cannot decide whether the crossing point {r} lies inside the "
                            f"support ({lo}, {hi})"})
        if where:
            inside.append(r)
    return inside


def _tv_between_kinks(bp, bq, x: sp.Symbol, ratio: sp.Expr, P, Q) -> tuple[sp.Expr, list, list]:
    """TV where log p - log q has |a x + b| terms: on each piece between the kinks they are
    +-(a x + b), the log-ratio is a polynomial, and its roots inside the piece are crossings.
    Two kinks of unknown order give both orders; if the value in each, written with the
    distance d between the kinks, is the same function of d, TV is it at d = |k2 - k1|, else a
    Piecewise on the order.  A root whose piece the parameters decide (beyond the order of the
    kinks) counts where p - q changes sign across its piece (g(a) g(b) < 0, g = log p - log q,
    g(-oo) ~ -slope, g(oo) ~ slope): a Piecewise term."""
    lo, hi = bp.support().inf, bp.support().sup
    kinks = [k for k in abs_kinks(ratio, x) if _inside_support(k, lo, hi, bp, bq) is not False]
    slopes = [sp.diff(n.args[0], x) for n in ratio.atoms(sp.Abs) if n.args[0].has(x)]
    if any(a.is_zero is not False or a.is_positive is None for a in slopes):
        raise NotDerivable("total_variation", P, Q, {
            "crossing": f"the signs of the slopes {slopes} inside |a x + b| are not known"})
    orders = _orders(kinks)
    if orders is None:
        raise NotDerivable("total_variation", P, Q, {
            "crossing": f"the kinks {kinks} of log p - log q = {ratio} have no known order"})
    values, sampled = [], []  # positivity only seen at sample points: stated as conditions
    for ks, given in orders:
        edges, pieces, crossings = [lo, *ks, hi], [], []
        for j, (a, b) in enumerate(zip(edges, edges[1:])):
            def resolve(e: sp.Expr, left: list = ks[:j]) -> sp.Expr:
                return _resolve_abs(e, x, left)
            pieces.append((a, b, *(sp.exp(resolve(c.logpdf(x))) for c in (bp, bq))))
            g = sp.expand(resolve(ratio))
            if not g.has(x):  # p/q constant on the piece: no crossing (P = Q is excluded)
                continue
            if not g.is_polynomial(x) or sp.degree(g, x) > 2:
                raise NotDerivable("total_variation", P, Q, {
                    "crossing": f"on ({a}, {b}) log p - log q = {g} is no polynomial of "
                                f"degree <= 2"})
            for r in sp.solve(g, x):
                margins = [r - a if a != -sp.oo else sp.S.One,
                           b - r if b != sp.oo else sp.S.One]
                where = _holds(margins, given, bp, bq)
                if where:
                    sampled += [_stated(m, given) for m in margins
                                if _positive_under(m, given) is not True]
                if where is None and sp.degree(g, x) == 2:
                    raise NotDerivable("total_variation", P, Q, {
                        "crossing": f"whether p = q at x = {r} falls in ({a}, {b}) depends on "
                                    f"the parameters beyond the order {given} of the kinks, "
                                    f"and log p - log q is quadratic there"})
                if where is not False:
                    crossings.append((j, r, r, sp.true if where else _sign_change(g, x, a, b)))
        values.append((*_tv_sum(pieces, crossings, x), given))
    if len(values) == 1:
        return values[0][0], values[0][1], values[0][2] + sampled
    (ta, sa, ca, ga), (tb, sb, cb, gb) = values
    same = None if ta.has(sp.Piecewise) else _same_in_distance(ta, tb, *kinks)  # simplify on
    total = same or sp.Piecewise((ta, ga), (tb, True))  # Piecewise sums took ~60 s: not tried
    return total, sa + sb, ca + cb + sampled


def _sign_change(g: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr) -> sp.Basic:
    """Where a linear g = log p - log q has its root in (a, b]: g(a) g(b) < 0, or g(b) = 0 (a
    crossing on the kink b counts in the piece left of it); an infinite end is read off the
    slope s, g(-oo) ~ -s and g(oo) ~ s (s written as its numerator if its denominator is > 0).
    """
    s = sp.diff(g, x)
    num, den = sp.fraction(sp.together(s))
    s = num if den.is_positive else s
    if b == sp.oo:
        return sp.Lt(s * g.subs(x, a), 0)
    gb = g.subs(x, b)
    return sp.Or(sp.Gt(s * gb, 0) if a == -sp.oo else sp.Lt(g.subs(x, a) * gb, 0), sp.Eq(gb, 0))


def _orders(kinks: list) -> list[tuple[list, sp.Basic]] | None:
    """The kinks in increasing order with the condition for it: one order if SymPy knows it,
    both for two kinks of unknown order, None otherwise."""
    if all((k - j).is_positive is not None for k in kinks for j in kinks if k is not j):
        return [(sorted(kinks, key=lambda k: sum(bool((k - j).is_positive) for j in kinks)),
                 sp.true)]
    if len(kinks) == 2:
        k1, k2 = kinks
        return [([k1, k2], sp.Lt(k1, k2)), ([k2, k1], sp.Lt(k2, k1))]
    return None


def _resolve_abs(e: sp.Expr, x: sp.Symbol, left: list) -> sp.Expr:
    """|a x + b| as +-(a x + b) on a piece whose left kinks are ``left`` (the sign of a is
    known: checked by the caller)."""
    def sign(arg: sp.Expr) -> sp.Expr:
        if not arg.has(x):
            return sp.Abs(arg)
        a, kink = sp.diff(arg, x), sp.solve(arg, x)[0]
        right = any(sp.simplify(kink - k) == 0 for k in left)
        return arg * (1 if right == bool(a.is_positive) else -1)
    return e.replace(sp.Abs, sign)


def _positive_under(e: sp.Expr, given: sp.Basic) -> bool | None:
    """Whether e > 0 follows from ``given`` (strict orders a < b), by writing b = a + d, d > 0.

    >>> m1, m2 = sp.symbols("m1 m2", real=True)
    >>> _positive_under(m2 / 2 - m1 / 2, sp.Lt(m1, m2))
    True
    """
    for rel in sp.And.make_args(given):
        if isinstance(rel, (sp.StrictLessThan, sp.StrictGreaterThan)):
            gap = rel.rhs - rel.lhs if isinstance(rel, sp.StrictLessThan) else rel.lhs - rel.rhs
            free = sorted(gap.free_symbols, key=str)
            if free:
                d = sp.Dummy("d", positive=True)
                solved = sp.solve(gap - d, free[0])
                if solved:
                    e = e.subs(free[0], solved[0])
    return sp.simplify(e).is_positive


def _stated(margin: sp.Expr, given: sp.Basic) -> sp.Basic:
    """margin > 0 (where ``given`` holds), tidied, as a condition of the result."""
    tidy = sp.Gt(sp.factor(sp.simplify(sp.expand_log(margin, force=True))), 0)
    return tidy if given == sp.S.true else sp.Implies(given, tidy)


def _holds(positive: list, given: sp.Basic, bp, bq) -> bool | None:
    """Whether all of ``positive`` are > 0 where ``given`` holds: by SymPy's assumptions, else
    the same at 24 seeded admissible parameter points satisfying ``given`` (then checked by
    verify() like any other result, and stated in the result's conditions by the caller, since
    a sample is no proof)."""
    if all(e.is_positive for e in positive):
        return True
    if any(e.is_nonpositive for e in positive):
        return False
    rng, seen, domains, tried = random.Random(0), set(), _domains(bp, bq), 0
    symbols = set().union(*(e.free_symbols for e in positive), given.free_symbols)
    for _ in range(400):
        if tried == 24:
            break
        point = {s: domains[s].sample(rng) for s in symbols if s in domains}
        if given.xreplace(point) != sp.true:
            continue
        tried += 1
        values = [sp.N(e.xreplace(point)) for e in positive]
        if all(v.is_real and v != 0 for v in values):
            seen.add(all(v > 0 for v in values))
    return seen.pop() if len(seen) == 1 else None


def _same_in_distance(ta: sp.Expr, tb: sp.Expr, k1: sp.Expr, k2: sp.Expr) -> sp.Expr | None:
    """TV(k1 < k2) and TV(k2 < k1) as one expression of |k2 - k1|, if they agree."""
    d = sp.Dummy("d", positive=True)
    s = sorted((k2 - k1).free_symbols, key=str)[0]
    a = sp.simplify(ta.subs(s, sp.solve(k2 - k1 - d, s)[0]))
    b = sp.simplify(tb.subs(s, sp.solve(k1 - k2 - d, s)[0]))
    return sp.simplify(a.subs(d, sp.Abs(k2 - k1))) if sp.simplify(a - b) == 0 else None


def _crossing_obstacle(bp, bq, x: sp.Symbol) -> str:
    """Why the crossing points p = q are not available in closed form (said at once: TV is
    never integrated without them)."""
    ratio = sp.expand(sp.expand_log(bp.logpdf(x) - bq.logpdf(x), force=True))
    where = f"log p - log q = {ratio} = 0"
    if ratio.has(sp.Abs):
        return (f"{where} is piecewise in x with kinks that are not the roots of linear "
                f"terms |a x + b|, so its pieces are not known")
    u = sp.Dummy("u")
    in_log = ratio.subs(sp.log(x), u)
    if not in_log.has(x) and in_log.is_polynomial(u):
        return (f"{where} is a polynomial in log x of degree > 2: its roots in u = log x "
                f"have no closed form this route uses")
    if ratio.has(sp.log(x)):
        return (f"{where} mixes log x with other functions of x: a transcendental equation "
                f"(a log x + b x + c = 0 alone has Lambert W roots), where this route needs a "
                f"polynomial of degree <= 2 in x")
    if _kernels(ratio, x) or ratio.has(sp.log):
        return (f"{where} is a transcendental equation in x (exponentials, symbolic powers or "
                f"logarithms of x), not a polynomial of degree <= 2")
    return (f"the points where p = q are not the roots of a polynomial of degree <= 2 ({where})")


def _inside_support(r: sp.Expr, lo: sp.Expr, hi: sp.Expr, bp, bq) -> bool | None:
    """Whether the crossing r lies inside (lo, hi): r - lo > 0 and hi - r > 0 by
    :func:`_holds` (SymPy's assumptions, else the same at 24 seeded admissible points; the
    result is then checked by verify() like any other)."""
    margins = [m for m, end in ((r - lo, lo), (hi - r, hi)) if end.is_finite is not False]
    return _holds(margins, sp.S.true, bp, bq) if margins else True


def _tv_discrete(bp, bq, x, P, Q) -> Result:
    """A log-linear ratio crosses once, at c: TV = |P(X > c) - Q(X > c)|."""
    ratio = sp.expand(sp.expand_log(bp.logpdf(x) - bq.logpdf(x), force=True))
    slope = sp.diff(ratio, x)
    if slope.has(x) or slope == 0:
        raise NotDerivable("total_variation", P, Q, {
            "crossing": "the log-ratio is not linear in k (no single crossing point)"})
    c = sp.simplify(-ratio.subs(x, 0) / slope)
    tails = [_tidy(1 - sp.summation(b.density(x), (x, bp.support().inf, sp.floor(c))))
             for b in (bp, bq)]
    value = sp.Abs(_tidy(tails[0] - tails[1]))
    steps = (Step("crossing point", "c", c),
             Step("P(X > c)", r"P(X > c)", tails[0]), Step("Q(X > c)", r"Q(X > c)", tails[1]))
    return Result("total_variation", bp, bq, value, "crossing", steps, _nonzero_denominators(c),
                  "", _LHS["total_variation"], _domains(bp, bq))  # at P = Q, TV = 0 (limit)


def _tidy(e: sp.Expr) -> sp.Expr:
    """simplify, except around hypergeometric functions (negative binomial tails), where
    SymPy's simplify ran for 40-90 s without shortening anything; exp_polar(I pi) -> -1."""
    e = sp.unpolarify(e)
    return e if e.has(sp.hyper, sp.meijerg) else sp.simplify(e)
