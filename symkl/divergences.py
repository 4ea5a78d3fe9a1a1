"""KL's relatives from the same engine: Renyi, Bhattacharyya, Hellinger, chi-square, Jeffreys, ...

Conventions are written out in :mod:`symkl.definitions`.  For two members of one exponential
family the power integral needs no integration:

    log I(alpha) = log integral p^alpha q^(1 - alpha)
                 = A(eta_alpha) - alpha A(eta_P) - (1 - alpha) A(eta_Q),
    eta_alpha = alpha eta_P + (1 - alpha) eta_Q,

valid where eta_alpha is a natural parameter (carried as a condition on the result; outside it
the integral diverges).  Renyi = log I / (alpha - 1), Bhattacharyya = -log I(1/2),
squared Hellinger = 1 - I(1/2), chi-square = I(2) - 1.  Jeffreys is KL both ways.  Outside an
exponential family the power integral itself is integrated, unless its shape rules a closed form
out (:func:`structural_obstacle`: incommensurable kernels, or two polynomials under non-integer
powers), which is then said at once.  Total variation goes through the crossing points p = q,
Jensen-Shannon through finite sums; otherwise NotDerivable, whose ``numeric`` gives a labelled
quadrature value.

>>> from symkl.families import Normal
>>> bhattacharyya(Normal(0, 1), Normal(1, 1)).expr
1/8
"""
from __future__ import annotations

import random
import warnings

import sympy as sp

from symkl.budget import BudgetExceeded, time_budget
from symkl.canonical import canonical, typical_sign
from symkl.definitions import crossing_points, finish, integrand, variable
from symkl.engine import DEFAULT_BUDGET, NotDerivable, _domains, _present, derive
from symkl.family import Domain, FamilyInstance, exact_number
from symkl.integration import Declined, abs_kinks, integrate_over, sum_over
from symkl.parse import parse_expression
from symkl.quantities import kl as _derived_kl
from symkl.result import Result
from symkl.rewrite import exp_of_sum
from symkl.steps import Step
from symkl.support import check_same_kind

KNOWN = ("kl", "renyi", "bhattacharyya", "hellinger", "chi_square", "jeffreys",
         "total_variation", "jensen_shannon")
_LHS = {
    "renyi": r"D_{{{alpha}}}\left({P} \,\middle\|\, {Q}\right)",
    "bhattacharyya": r"D_{{B}}\left({P}, {Q}\right)",
    "hellinger": r"H^{{2}}\left({P}, {Q}\right)",
    "chi_square": r"\chi^{{2}}\left({P} \,\middle\|\, {Q}\right)",
    "jeffreys": r"J\left({P}, {Q}\right)",
    "renyi_entropy": r"H_{{{alpha}}}\left({P}\right)",
    "total_variation": r"\mathrm{{TV}}\left({P}, {Q}\right)",
    "jensen_shannon": r"\mathrm{{JS}}\left({P}, {Q}\right)",
    "f_divergence": r"D_{{f}}\left({P} \,\middle\|\, {Q}\right)",
}
ORDER = Domain("Order", (("positive", True),), lambda a: sp.And(sp.Gt(a, 0), sp.Ne(a, 1)),
               "> 0 and != 1", lambda rng: rng.choice(
                   [sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(3, 2), sp.Integer(2)]))


def divergence(name: str, P: FamilyInstance, Q: FamilyInstance, alpha: object = None,
               budget: float | None = DEFAULT_BUDGET) -> Result:
    """The divergence ``name`` (one of :data:`KNOWN`) between P and Q.

    >>> from symkl.families import Poisson
    >>> divergence("chi-square", Poisson(1), Poisson(2)).expr
    -1 + exp(1/2)
    """
    key = name.lower().replace("-", "_").replace(" ", "_")
    if key not in KNOWN:
        raise ValueError(f"unknown divergence {name!r}; known: {', '.join(KNOWN)}")
    if key == "kl":
        return kl(P, Q, budget)
    if key == "jeffreys":
        return jeffreys(P, Q, budget)
    if key == "renyi":
        return renyi(P, Q, alpha, budget)
    if key == "total_variation":
        return total_variation(P, Q)
    if key == "jensen_shannon":
        return jensen_shannon(P, Q)
    return _power(key, P, Q, None)


def renyi(P: FamilyInstance, Q: FamilyInstance, alpha: object,
          budget: float | None = DEFAULT_BUDGET) -> Result:
    """Renyi divergence of order alpha (number, SymPy expression or name); alpha = 1 is KL.

    >>> from symkl.families import Normal
    >>> renyi(Normal(0, 1), Normal(1, 1), 2).expr
    1
    """
    order = _order(alpha)
    if order == 1:
        return kl(P, Q, budget)  # the limit alpha -> 1, documented in definitions
    return _power("renyi", P, Q, order)


def bhattacharyya(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Bhattacharyya distance -log integral sqrt(p q)."""
    return _power("bhattacharyya", P, Q, None)


def hellinger(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Squared Hellinger distance 1 - integral sqrt(p q), in [0, 1].

    >>> from symkl.families import Normal
    >>> hellinger(Normal(0, 1), Normal(0, 1)).expr
    0
    """
    return _power("hellinger", P, Q, None)


def chi_square(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Pearson chi-square divergence integral p^2/q - 1 (infinite where 2 eta_P - eta_Q is not
    a natural parameter)."""
    return _power("chi_square", P, Q, None)


def jeffreys(P: FamilyInstance, Q: FamilyInstance,
             budget: float | None = DEFAULT_BUDGET) -> Result:
    """Jeffreys divergence KL(P || Q) + KL(Q || P) (symmetric).

    >>> from symkl.families import Normal
    >>> jeffreys(Normal(0, 1), Normal(1, 1)).expr
    1
    """
    forward = kl(P, Q, budget)
    bp, bq = forward.P, forward.Q
    backward = kl(FamilyInstance(bq.family, bq.values), FamilyInstance(bp.family, bp.values),
                  budget)
    expr = forward.expr + backward.expr
    expr = expr if expr.is_infinite else canonical(expr)
    steps = (Step("KL(P||Q)", r"D_{\mathrm{KL}}(P \,\|\, Q)", forward.expr),
             Step("KL(Q||P)", r"D_{\mathrm{KL}}(Q \,\|\, P)", backward.expr))
    return Result("jeffreys", bp, bq, expr, f"{forward.route}+{backward.route}", steps,
                  forward.conditions, forward.reason or backward.reason, _LHS["jeffreys"],
                  _domains(bp, bq))


def renyi_entropy(P: FamilyInstance, alpha: object) -> Result:
    """Renyi entropy log(integral p^alpha) / (1 - alpha) (constant base measure families).

    >>> from symkl.families import Exponential
    >>> renyi_entropy(Exponential(1), 2).expr
    log(2)
    """
    order = _order(alpha)
    if order == 1:
        return derive("entropy", P, None)
    bp = P.bind("")
    ef = bp.expfam
    x = sp.Dummy("x")
    if ef is None or ef.log_base(x).has(x):
        raise NotDerivable("renyi_entropy", P, None, {
            "bregman": f"{bp.family.name} is not an exponential family with a constant base "
                       f"measure"})
    eta_p = ef.natural_params(*bp.values)
    scaled = [order * e for e in eta_p]
    log_integral = ((order - 1) * ef.log_base(x) + ef.log_partition(scaled)
                    - order * ef.log_partition(eta_p))
    return _finish("renyi_entropy", bp, None, order, log_integral / (1 - order),
                   ef.natural_domain(scaled), log_integral)


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
    if bp.family.discrete:
        return _tv_discrete(bp, bq, x, P, Q)
    lo, hi = bp.support().inf, bp.support().sup
    ratio = sp.expand(sp.expand_log(bp.logpdf(x) - bq.logpdf(x), force=True))
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
        if total.has(sp.Integral):  # F in u failed: in x (Chi-square: lower gamma functions)
            try:
                with time_budget(_CDF_BUDGET):
                    total, steps, conditions = _tv_sum(
                        [(lo, hi, bp.density(x), bq.density(x))],
                        [(0, sp.exp(r), sp.exp(r), w) for _, r, _, w in crossings], x)
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
            x: sp.Symbol) -> tuple[sp.Expr, list, list]:
    """sum over the crossings (j, r, shown, where) of |F_P(r) - F_Q(r)|, r in piece j, with F
    the integral of the pieces up to r; ``shown`` is r as a point of the support (e^r in log x),
    and the term counts only ``where`` r is in its piece (a Piecewise unless always)."""
    steps, total, conditions = [], sp.S.Zero, []
    for j, r, shown, where in crossings:
        spans = [*pieces[:j], (pieces[j][0], r, *pieces[j][2:])]
        cdfs = [sum(sp.integrate(s[k], (x, s[0], s[1]), conds="none") for s in spans).replace(
            lambda e: isinstance(e, sp.exp), lambda e: exp_of_sum(e.args[0])) for k in (2, 3)]
        gap = (cdfs[0] - cdfs[1]).replace(  # exponents as one fraction: mu/b - mu/b cancel
            lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.cancel(e.args[0])))
        gap = sp.simplify(sp.expand(gap.rewrite(sp.erf)))
        total += sp.Abs(gap) if where == sp.true else sp.Piecewise((sp.Abs(gap), where),
                                                                    (0, True))
        conditions += _nonzero_denominators(r)
        steps += [Step("crossing point", "r", shown),
                  Step("F_P(r) - F_Q(r)", "F_P(r) - F_Q(r)", gap)]
    return total, steps, conditions


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


def jensen_shannon(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Jensen-Shannon divergence KL(P||M)/2 + KL(Q||M)/2 with M = (P + Q)/2 (at most log 2).

    Closed forms exist for finite supports (the sum itself).  For densities the mixture M is in
    no family and E[log(p + q)] has no closed form, so NotDerivable (with ``.numeric``).

    >>> from symkl.families import Bernoulli
    >>> half = sp.Rational(1, 2)
    >>> jensen_shannon(Bernoulli(half), Bernoulli(half)).expr
    0
    """
    bp, bq = P.bind("1"), Q.bind("2")
    check_same_kind(bp, bq)
    if _finite(bp, bq):
        return _finite_sum("jensen_shannon", bp, bq)
    if not bp.family.discrete and bp.support() != bq.support():
        return _on_overlap("jensen_shannon", bp, bq, P, Q)
    from symkl import poisson_kernel
    if poisson_kernel.applies(bp, bq):
        return _js_by_poisson_kernel(bp, bq)
    raise NotDerivable("jensen_shannon", P, Q, {
        "mixture": "M = (P + Q)/2 belongs to no family here: E_P[log(p + q)] (the entropy of a "
                   "mixture) has no closed form for these densities"})


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
    >>> total_variation(Uniform(0, 2), Uniform(1, 3)).expr
    1/2
    """
    from symkl.support import support_condition
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
    from symkl.support import assume
    if len(nestings) != 2:
        return False
    first = sp.Not(nestings[0])
    if not isinstance(first, (sp.StrictLessThan, sp.StrictGreaterThan)):
        return False
    loose = (sp.Le if isinstance(first, sp.StrictLessThan) else sp.Ge)(first.lhs, first.rhs)
    forward, _ = assume(loose)
    return bool(forward) and nestings[1].xreplace(forward) == sp.S.true


def f_divergence(P: FamilyInstance, Q: FamilyInstance, f: object) -> Result:
    """D_f(P || Q) = integral q f(p/q) for convex f with f(1) = 0, derived by linearity in f.

    f is a callable of one SymPy symbol, a SymPy expression in ``t``, or text in ``t`` (parsed
    safely).  Terms c t^a become c I(a) (power integrals from the log-partition), c t log t
    becomes c KL(P||Q) and c log t becomes -c KL(Q||P).

    >>> from symkl.families import Normal
    >>> f_divergence(Normal(0, 1), Normal(1, 1), "t*log(t)").expr
    1/2
    """
    t = sp.Symbol("t", positive=True)
    gen = _generator(f, t)
    if sp.simplify(gen.subs(t, 1)) != 0:
        raise ValueError(f"f must satisfy f(1) = 0; f(1) = {sp.simplify(gen.subs(t, 1))}")
    second = sp.simplify(sp.diff(gen, t, 2))
    if second.is_negative or (second.is_nonnegative is None and second.subs(t, 1).is_negative):
        raise ValueError(f"f must be convex on (0, oo); f''(t) = {second}")
    if second.is_nonnegative is None:
        warnings.warn(f"could not decide that f''(t) = {second} >= 0 on (0, oo)", stacklevel=2)
    total, conditions, steps = sp.S.Zero, [], []
    for term in sp.Add.make_args(sp.expand(sp.expand_log(gen, force=True))):
        coeff, rest = term.as_independent(t, as_Add=False)
        value, cond = _f_term(rest, t, P, Q)
        total += coeff * value
        conditions += list(cond)
        steps.append(Step(f"integral q f(p/q) term {rest}", r"\int q\,{about}", value,
                          about=rest.subs(t, sp.Symbol("p/q"))))
    bp, bq = P.bind("1"), Q.bind("2")
    expr = total if total.is_infinite else canonical(total)
    return Result("f_divergence", bp, bq, expr, "linearity in f", tuple(steps),
                  tuple(dict.fromkeys(conditions)), "", _LHS["f_divergence"], _domains(bp, bq),
                  generator=sp.Lambda(t, gen))


def _generator(f: object, t: sp.Symbol) -> sp.Expr:
    if isinstance(f, str):
        return parse_expression(f, {"t": t})
    if isinstance(f, sp.Expr):
        return f.xreplace({s: t for s in f.free_symbols if s.name == "t"})
    if callable(f):
        out = f(t)
        if not isinstance(out, sp.Expr):
            raise TypeError("f(t) must return a SymPy expression")
        return out
    raise TypeError(f"f must be text, a SymPy expression in t, or a callable, not {type(f)}")


def _f_term(rest: sp.Expr, t: sp.Symbol, P: FamilyInstance, Q: FamilyInstance):
    """integral q * rest(p/q) for rest = t^a or t^a log t (a in {0, 1} with the log)."""
    if not rest.has(t):
        return rest, ()
    logs = [u for u in sp.Mul.make_args(rest) if isinstance(u, sp.log)]
    power = sp.powsimp(rest / sp.Mul(*logs))
    a = sp.degree(power, t) if power.is_polynomial(t) else (
        power.exp if power.is_Pow and power.base == t else None)
    if not logs and a is not None:
        if a in (0, 1):
            return sp.S.One, ()
        r = _power("renyi", P, Q, sp.Integer(a) if isinstance(a, int) else a)
        if r.is_infinite:
            return sp.oo, ()
        return sp.exp((a - 1) * r.expr), r.conditions
    if len(logs) == 1 and logs[0].args[0] == t and a == 1:
        return kl(P, Q).expr, ()
    if len(logs) == 1 and logs[0].args[0] == t and a == 0:
        bp, bq = P.bind("1"), Q.bind("2")
        back = kl(FamilyInstance(bq.family, bq.values),
                      FamilyInstance(bp.family, bp.values))
        return -back.expr, ()
    raise NotDerivable("f_divergence", P, Q, {"linearity": f"no rule for the term {rest} of f"})


def _finite(bp, bq) -> bool:
    return (bp.family.discrete and bp.support() == bq.support()
            and bool(bp.support().size.is_finite))


def _finite_sum(name: str, bp, bq, alpha: sp.Expr | None = None) -> Result:
    """Finite support: the defining sum itself is the closed form."""
    k = variable(bp.family)
    summand, support = integrand(name, bp, bq, k, alpha), bp.support()
    if name == "jensen_shannon" and not support.size.is_Integer:
        # p log(2p / (p + q)): the log of a sum of two mass functions has no antidifference
        # (SymPy's summation spent 25-50 s before keeping the sum); the finite sum is the form
        total = sp.Sum(summand, (k, support.inf, support.sup))
    else:
        total = sum_over(summand, k, support)
    value = canonical(sp.simplify(finish(name, total, alpha, log=sp.log)))
    steps = (Step("defining sum", "", total),)
    domains = _domains(bp, bq)
    domains.update({s: ORDER for s in getattr(alpha, "free_symbols", ())})
    return Result(name, bp, bq, value, "finite sum", steps, (), "", _LHS[name], domains, alpha)


def _order(alpha: object) -> sp.Expr:
    if alpha is None:
        raise TypeError("give the order alpha (a number, a SymPy expression or a name)")
    if isinstance(alpha, str):
        if not alpha.isidentifier():
            raise ValueError(f"alpha was given the string {alpha!r}, not a plain name")
        return ORDER.symbol(alpha)
    order = exact_number(alpha, "alpha")
    if order.is_number and not order.is_positive:
        raise ValueError(f"alpha must be > 0 (Renyi orders), got {order}")
    return order


def _power(name: str, P: FamilyInstance, Q: FamilyInstance, alpha: sp.Expr | None) -> Result:
    """A power divergence from the log-partition (same exponential family)."""
    bp, bq = P.bind("1"), Q.bind("2")
    check_same_kind(bp, bq)
    ef = bp.expfam
    a = {"renyi": alpha, "chi_square": sp.Integer(2)}.get(name, sp.S.Half)
    if ef is None or bq.family is not bp.family or bq.expfam.held != ef.held:
        why = (f"{bp.family.name} is not an exponential family" if ef is None
               else "P and Q are different families" if bq.family is not bp.family
               else "P and Q have different fixed parameters")
        if _finite(bp, bq):  # finite support: the defining sum, whatever the order
            return _finite_sum(name, bp, bq, a if name == "renyi" else None)
        reasons = {"bregman": why}
        for route, attempt in (("product", _power_of_product),
                               ("integrate", _power_by_integration),
                               ("poisson kernel", _power_by_poisson_kernel)):
            try:
                return attempt(name, bp, bq, a)
            except (Declined, BudgetExceeded) as failure:
                reasons[route] = str(failure)
            except Exception as failure:  # noqa: BLE001 - any SymPy failure declines the route
                reasons[route] = f"SymPy failed: {type(failure).__name__}: {failure}"
        raise NotDerivable(name, P, Q, reasons)
    if any(isinstance(v, sp.MatrixExpr) for v in bp.values):
        raise NotDerivable(name, P, Q, {"bregman": _MATRIX_SYMBOLS})
    eta_p, eta_q = ef.natural_params(*bp.values), ef.natural_params(*bq.values)
    eta_a = [a * u + (1 - a) * v for u, v in zip(eta_p, eta_q)]
    log_integral = (ef.log_partition(eta_a) - a * ef.log_partition(eta_p)
                    - (1 - a) * ef.log_partition(eta_q))
    value = {"renyi": lambda: log_integral / (a - 1), "bhattacharyya": lambda: -log_integral,
             "hellinger": lambda: 1 - _tidy_integral(log_integral),
             "chi_square": lambda: _tidy_integral(log_integral) - 1}[name]()
    return _finish(name, bp, bq, a if name == "renyi" else None, value,
                   ef.natural_domain(eta_a), log_integral)


#: why the symbolic-dimension normal has no power divergence here
_MATRIX_SYMBOLS = (
    "the log-partition at alpha eta_P + (1 - alpha) eta_Q holds (alpha Sigma1^-1 + (1 - alpha) "
    "Sigma2^-1)^-1, and writing it as the textbook (alpha Sigma2 + (1 - alpha) Sigma1)^-1 "
    "needs matrix identities this route does not derive for symbolic k; take a concrete k "
    "(MultivariateNormal(k)), whose power divergences are closed")


def _power_of_product(name: str, bp, bq, a: sp.Expr) -> Result:
    """Products of independent coordinates: the power integral factorises (Fubini),
    I(a) = prod_i I_i(a), so log I is the sum of the coordinates' log I_i, each derived on
    its own; Renyi and Bhattacharyya are sums, 1 - H^2 and 1 + chi^2 products.

    >>> from symkl.families import Exponential, Normal
    >>> from symkl.families.independent import Independent
    >>> F = Independent(Exponential, Exponential)
    >>> print(bhattacharyya(F(1, 1), F(1, 1)).expr)
    0
    """
    marginals = bp.family.marginals
    if marginals is None or bq.family is not bp.family:
        raise Declined("not a product of independent coordinates (Independent) on both sides")
    steps, conditions, log_integral, integral = [], [], sp.S.Zero, sp.S.One
    for (family, p_values), (_, q_values) in zip(marginals(*bp.values), marginals(*bq.values)):
        part = _power("renyi", family(*p_values), family(*q_values), a)
        if part.is_infinite:
            raise Declined(f"coordinate {family.name}: the power integral diverges "
                           f"({part.reason})")
        log_part = canonical((a - 1) * part.expr)
        log_integral += log_part
        if name in ("hellinger", "chi_square"):
            integral *= canonical(_tidy_integral(log_part))
        conditions.extend(part.conditions)
        steps.append(Step(f"log power integral of the {family.name} coordinate",
                          r"\log \int p_i^{\alpha} q_i^{1-\alpha}", log_part))
    value = {"renyi": log_integral / (a - 1), "bhattacharyya": -log_integral,
             "hellinger": 1 - integral, "chi_square": integral - 1}[name]
    domains = _domains(bp, bq)
    domains.update({s: ORDER for s in a.free_symbols})
    if name in ("renyi", "bhattacharyya"):  # canonical would split the products' exponentials
        value = canonical(value)
    return Result(name, bp, bq, value, "product", tuple(steps),
                  _dedupe(conditions), "", _LHS[name], domains, a if name == "renyi" else None)


def _power_by_integration(name: str, bp, bq, a: sp.Expr) -> Result:
    """The power integral I(a) itself, split at the densities' kinks.

    For 0 < a < 1 it always converges (p^a q^(1-a) <= a p + (1 - a) q).  Otherwise it must be
    shown to converge: tails bounded by 1/x^2 for all parameters, or exponential tails whose
    rates give explicit conditions (Laplace: a/b1 - (a - 1)/b2 > 0)."""
    if bp.support() != bq.support():
        return _power_over_overlap(name, bp, bq, a)
    with time_budget(DEFAULT_BUDGET):
        integral, tail_conditions = _power_integral(bp, bq, a, bp.support())
        value = canonical(finish(name, integral, a, log=sp.log))
    steps = (Step("power integral", r"\int p^{\alpha} q^{1-\alpha}", integral),)
    conditions = _dedupe([*(_readable(c) for c in tail_conditions),
                          *_nonzero_denominators(integral), *_meijer_conditions(value)])
    domains = _domains(bp, bq)
    domains.update({s: ORDER for s in a.free_symbols})
    return Result(name, bp, bq, value, "integrate", steps, conditions, "", _LHS[name], domains,
                  a if name == "renyi" else None)


def _power_by_poisson_kernel(name: str, bp, bq, a: sp.Expr) -> Result:
    """Two Poisson-kernel densities (Cauchy): I(a) = E_P[(p/q)^(a - 1)] by P's quantile.

    Under x = x0 + gamma tan(theta), p/q = A + R cos(psi) after a phase shift, and the mean of
    its power over a period is a binomial series (:mod:`symkl.poisson_kernel`): a Gauss
    hypergeometric function of 1 - (A^2 - R^2)/A^2.  The integral converges for every a > 0
    (both tails are 1/x^2), so there is no condition.

    >>> from symkl.families import Cauchy
    >>> print(bhattacharyya(Cauchy(0, 1), Cauchy(0, 1)).expr)
    0
    """
    from symkl import poisson_kernel
    if not poisson_kernel.applies(bp, bq):
        raise Declined("P and Q are not both Poisson kernels on the real line (Cauchy)")
    with time_budget(DEFAULT_BUDGET):
        form = poisson_kernel.angle_form(bp, bq)
        integral = poisson_kernel.mean_of_power(form, a - 1)
        value = canonical(finish(name, integral, a, log=sp.log))
    steps = (Step("P's quantile: theta uniform on (-pi/2, pi/2)", "x", form.substitution),
             Step("the density ratio at that point", r"\frac{p}{q}", form.ratio),
             Step("power integral: the ratio's mean over a period",
                  r"\int p^{\alpha} q^{1-\alpha} = \operatorname{E}_P\left[(p/q)^{\alpha-1}\right]",
                  integral))
    domains = _domains(bp, bq)
    domains.update({s: ORDER for s in a.free_symbols})
    return Result(name, bp, bq, value, "poisson kernel", steps, (), "", _LHS[name], domains,
                  a if name == "renyi" else None)


def _js_by_poisson_kernel(bp, bq) -> Result:
    """Jensen-Shannon between two Poisson-kernel densities (Cauchy), in closed form.

    Under P, 2p/(p + q) = 2t/(1 + t) with t = p/q = A + R cos(psi), so
    E_P[log(2p/(p + q))] = log 2 + E[log t] - E[log(1 + t)], each a mean over a period of a
    logarithm, summed as a series (:mod:`symkl.poisson_kernel`); the same under Q with q/p.

    >>> from symkl.families import Cauchy
    >>> print(jensen_shannon(Cauchy(0, 1), Cauchy(0, 1)).expr)
    0
    """
    from symkl import poisson_kernel
    halves, steps = [], []
    with time_budget(DEFAULT_BUDGET):
        for first, second, label in ((bp, bq, "P"), (bq, bp, "Q")):
            form = poisson_kernel.angle_form(first, second)
            half = (sp.log(2) + poisson_kernel.mean_of_log(form)
                    - poisson_kernel.mean_of_log(form, sp.S.One))
            halves.append(half)
            steps.append(Step(f"the log-ratio to the mixture under {label}",
                              r"\operatorname{E}_{" + label + r"}\left[\log \frac{2 "
                              + label.lower() + r"}{p + q}\right]", half))
        value = canonical(sp.simplify(sp.expand_log((halves[0] + halves[1]) / 2, force=True)))
    return Result("jensen_shannon", bp, bq, value, "poisson kernel", tuple(steps), (), "",
                  _LHS["jensen_shannon"], _domains(bp, bq))


def _power_integral(bp, bq, a: sp.Expr, support: sp.Set,
                    below_one: bool = False) -> tuple[sp.Expr, list]:
    """integral of p^a q^(1 - a) over ``support`` (inside both supports), with the conditions
    on the parameters under which it converges (``below_one``: a < 1 is known, so it does)."""
    x = variable(bp.family)
    log_body = a * bp.logpdf(x) + (1 - a) * bq.logpdf(x)
    obstacle = None if bp.family.discrete else structural_obstacle(log_body, x, support)
    if obstacle:
        raise Declined(f"not attempted: {obstacle}")
    body = exp_of_sum(log_body)
    tail_conditions: list[sp.Basic] = []
    if not (below_one or a.is_number and 0 < a < 1) and not _converges(body, x, bp):
        tail_conditions = _exponential_tail_conditions(log_body, x, bp)
        if tail_conditions is None:
            raise Declined(f"for order {a} the integral converges only under conditions on the "
                           f"parameters that this route does not derive")
    if bp.family.discrete:
        integral = sum_over(body, x, support)
    else:
        integral = _rational_over_line(body, x) if support == sp.Reals else None
        if integral is None:
            kinks = [*bp.breakpoints(), *bq.breakpoints(), *abs_kinks(body, x)]
            integral = integrate_over(body, x, support, kinks)
        integral = sp.simplify(integral)
    if isinstance(integral, sp.Piecewise) and integral.has(sp.I, sp.Integral):
        integral, valid = _real_branch(integral)  # SymPy's validity conditions (Meijer G)
        tail_conditions.append(valid)
    if integral.has(sp.Sum, sp.Integral, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.I):
        raise Declined(f"the power integral did not come out in closed form: {integral}")
    return integral, tail_conditions


def _real_branch(integral: sp.Piecewise) -> tuple[sp.Expr, sp.Basic]:
    """The first branch of a Piecewise integral that is real and closed, with its condition.

    SymPy may answer with a Piecewise whose other branches are analytic continuations (a
    sqrt of a negative number where the integral really diverges: Levy's chi-square for
    2 c1 < c2) or unevaluated integrals.  The integral of p^a q^(1-a) >= 0 is claimed only
    where that branch's condition holds, and the condition is stated on the result.

    >>> c = sp.Symbol("c", positive=True)
    >>> _real_branch(sp.Piecewise((1 / sp.sqrt(2 - c), c < 2), (sp.I / sp.sqrt(c - 2), True)))
    (1/sqrt(2 - c), c < 2)
    """
    for value, condition in integral.args:
        if not value.has(sp.I, sp.Integral, sp.nan, sp.zoo):
            return value, condition
    raise Declined(f"the power integral has no real closed-form branch: {integral}")


#: a power divergence's finite value when the power integral I(a) is 0 (disjoint supports);
#: Renyi and Bhattacharyya are +oo there, the Piecewise's last branch
_AT_ZERO = {"hellinger": sp.S.One}


def _power_over_overlap(name: str, bp, bq, a: sp.Expr) -> Result:
    """Supports that differ (ends that depend on the parameters: uniforms, Paretos).

    p^a q^(1 - a) vanishes outside supp P and supp Q, so for a < 1 the power integral is over
    their overlap [max(lo_P, lo_Q), min(hi_P, hi_Q)], and 0 when they do not overlap (then
    Renyi and Bhattacharyya are +oo and the squared Hellinger distance is 1).  For a > 1,
    q^(1 - a) = +oo where q = 0 < p, so I(a) is finite only when supp P lies inside supp Q
    (then it is the integral over supp P).  The result is a Piecewise on those conditions,
    nested supports first (the simplest form), each branch with its own convergence
    conditions.

    >>> from symkl.families import Uniform
    >>> print(bhattacharyya(Uniform(0, 2), Uniform(1, 3)).expr)
    log(2)
    """
    from symkl.support import support_condition
    sp_p, sp_q = bp.support(), bq.support()
    if bp.family.discrete or not all(isinstance(s, sp.Interval) or s == sp.Reals
                                     for s in (sp_p, sp_q)):
        raise Declined("the supports differ and are not intervals")
    steps, branches = [], []
    with time_budget(DEFAULT_BUDGET):
        inside = support_condition(bp, bq)
        if inside != sp.S.false:
            integral, tails = _power_integral(bp, bq, a, sp_p)
            branches.append((finish(name, integral, a, log=sp.log), sp.And(inside, *tails)))
            steps.append(Step("power integral, supp P inside supp Q",
                              r"\int_{\operatorname{supp} P} p^{\alpha} q^{1-\alpha}", integral))
        below = sp.S.true if a.is_number else sp.Lt(a, 1)
        if (a < 1) != sp.S.false and inside != sp.S.true:
            span, back, meet = _overlap(sp_p, sp_q, sp.Not(inside))
            integral, _ = _power_integral(bp, bq, a, span, below_one=True)
            branches.append((canonical(finish(name, integral, a, log=sp.log)).xreplace(back),
                             sp.And(below, meet)))
            integral = integral.xreplace(back)
            steps.append(Step("power integral over the overlap of the supports",
                              r"\int_{\operatorname{supp} P \cap \operatorname{supp} Q} "
                              r"p^{\alpha} q^{1-\alpha}", integral))
            if name in _AT_ZERO:
                branches.append((_AT_ZERO[name], below))
        value = sp.Piecewise(*[(v if v.has(sp.Min, sp.Max) else canonical(v), c)
                               for v, c in branches], (sp.oo, True))
    conditions = _dedupe([*_nonzero_denominators(value), *_meijer_conditions(value)])
    domains = _domains(bp, bq)
    domains.update({s: ORDER for s in a.free_symbols})
    return Result(name, bp, bq, value, "integrate", tuple(steps), conditions, "", _LHS[name],
                  domains, a if name == "renyi" else None)


def _gaps(bp, bq) -> tuple[dict, dict]:
    """Each family's strict order a < b (Uniform) as b = a + gap with a positive gap, and back
    (:func:`symkl.support.assume`): lengths b - a stay positive factors while integrating."""
    from symkl.support import assume
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
    from symkl.support import assume
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


def _rational_over_line(body: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """integral over R of N(x) / (const * Q(x)^n) with Q a quadratic without real roots
    (p^2 / q for two Cauchys), by x = c + d t where Q = A ((x - c)^2 + d^2): each term
    t^k / (1 + t^2)^n is then a parameter-free integral.  None if ``body`` is not of that shape.

    >>> x = sp.Symbol("x", real=True)
    >>> m, g = sp.Symbol("m", real=True), sp.Symbol("g", positive=True)
    >>> _rational_over_line(g / (sp.pi * (g**2 + (x - m)**2)), x)
    1
    """
    num, den = sp.fraction(sp.factor(sp.together(body)))
    if not (num.is_polynomial(x) and den.is_polynomial(x)):
        return None
    bases = {(f.base if f.is_Pow else f) for f in sp.Mul.make_args(den) if f.has(x)}
    if len(bases) != 1:
        return None
    quadratic = sp.Poly(bases.pop(), x)
    if quadratic.degree() != 2:
        return None
    A, B, C = quadratic.all_coeffs()
    c = sp.simplify(-B / (2 * A))
    d = sp.sqrt(sp.factor(C / A - c**2))
    if not d.is_positive:
        return None
    t = sp.Dummy("t", real=True)
    scale, shape = sp.factor(den.subs(x, c + d * t)).as_independent(t, as_Add=False)
    n = sp.Poly(shape, t)
    if sp.Poly(n.as_expr(), t).degree() <= sp.degree(num, x) + 1:
        return None  # diverges (the tail rule elsewhere says so): not this helper's case
    total = sp.S.Zero
    for (k,), coeff in sp.Poly(sp.expand(num.subs(x, c + d * t)), t).terms():
        if k % 2 == 0:
            total += coeff * sp.integrate(t**k / shape, (t, -sp.oo, sp.oo))
    return total * d / scale


def structural_obstacle(log_body: sp.Expr, x: sp.Symbol, support: sp.Set) -> str | None:
    """Why integral exp(log_body) dx over ``support`` has no closed form, read off its shape
    before any integration is tried; None when nothing rules a closed form out.

    Three obstacles are recognised, all for generic (symbolic) parameters:

    * x enters through kernels of incommensurable scales: x^k1 and x^k2 (Weibull,
      Kumaraswamy), or exp(x/s1) and exp(x/s2) (Gumbel, Logistic), with a ratio k1/k2 or s2/s1
      that is not a fixed rational number (or a power kernel together with an exponential one).
      No substitution turns such an integrand into a single standard integral (Gamma, Beta or
      a Meijer G function): for k1 != k2 its value is a Fox-Wright / H-function.
    * two different polynomials under non-integer powers, of total degree >= 3
      (Cauchy, Student t with different locations): for exponents -1/2 an elliptic integral,
      for symbolic exponents an Appell / hypergeometric function of their roots.  Exempt: on
      (0, oo), binomials b + c x^k sharing one k (a Mellin convolution, which SymPy's Meijer G
      integration does evaluate: half-Cauchy).
    * rational terms of the exponent with different poles: exp(-c1 / (x - mu1) - c2 / (x - mu2))
      (two Levy laws with different locations); with one shared pole it is a Gamma kernel.

    >>> x = sp.Symbol("x", positive=True)
    >>> k1, k2, l1, l2 = sp.symbols("k1 k2 lam1 lam2", positive=True)
    >>> print(structural_obstacle(-(x / l1)**k1 / 2 - (x / l2)**k2 / 2, x,
    ...                           sp.Interval.open(0, sp.oo)))
    x enters through x**k1 and x**k2, whose ratio is not a fixed rational number ...
    >>> structural_obstacle(-(x / l1)**k1 / 2 - (x / l2)**k1 / 2, x,
    ...                     sp.Interval.open(0, sp.oo)) is None
    True
    """
    kernels: dict[tuple, sp.Expr] = {}
    polys: dict[sp.Expr, sp.Expr] = {}
    poles: dict[sp.Expr, sp.Expr] = {}  # pole -> a rational term of the exponent with it
    for term in sp.Add.make_args(sp.expand(sp.expand_log(log_body, force=True))):
        if not term.has(x):
            continue
        coeff, rest = term.as_independent(x, as_Add=False)
        if rest == x or rest == sp.log(x):
            continue
        if rest.is_rational_function(x) and not rest.is_polynomial(x):
            for pole in sp.roots(sp.denom(sp.together(rest)), x):
                if not any(sp.simplify(pole - p) == 0 for p in poles):
                    poles[pole] = rest
            continue
        if isinstance(rest, sp.log) and rest.args[0].is_polynomial(x):
            poly = sp.Poly(rest.args[0], x)
            if len(poly.terms()) > 1:  # not a monomial c x^n (that is n log x + const)
                monic = sp.expand(poly.as_expr() / poly.LC())
                polys[monic] = polys.get(monic, sp.S.Zero) + coeff
            continue
        kernels.update(_kernels(rest, x))
    clash = _incommensurable(kernels)
    if clash:
        return (f"x enters through {clash[0]} and {clash[1]}, whose ratio is not a fixed "
                f"rational number (incommensurable scales): no substitution reduces the "
                f"integral to a Gamma, Beta or Meijer G integral, and no closed form exists "
                f"for generic parameters")
    if len(poles) >= 2:
        (p1, t1), (p2, t2) = list(poles.items())[:2]
        return (f"x enters the exponent through {t1} and {t2}, whose poles {p1} and {p2} "
                f"differ: substituting 1/(x - {p1}) turns one into a Gamma kernel and leaves "
                f"the other a rational function of the new variable, so the integral is no "
                f"Gamma, Beta or Meijer G integral, and no closed form exists for generic "
                f"parameters")
    powered = {p: c for p, c in polys.items() if sp.simplify(c).is_integer is not True}
    if len(powered) >= 2 and sum(sp.degree(p, x) for p in powered) >= 3:
        if support.inf == 0 and _shared_binomials(list(powered), x):
            return None
        shown = " * ".join(f"({p})**({sp.simplify(c)})" for p, c in powered.items())
        kind = ("an elliptic integral" if all(sp.simplify(2 * c).is_integer for c in
                                              powered.values())
                else "an Appell / hypergeometric function of the polynomials' roots")
        return (f"the integrand is {shown} up to constants: two different polynomials under "
                f"non-integer powers make it {kind}, not an elementary or Gamma-type closed "
                f"form")
    return None


def _kernels(e: sp.Expr, x: sp.Symbol) -> dict[tuple, sp.Expr]:
    """The ways x enters ``e`` beyond polynomials and log x: x^k with a symbolic k, and
    exp(c x + d); keyed by (kind, k or c)."""
    found: dict[tuple, sp.Expr] = {}
    for node in sp.preorder_traversal(sp.expand(e)):
        if isinstance(node, sp.Pow) and node.base == x and not node.exp.is_number:
            found.setdefault(("power", node.exp), node)
        elif isinstance(node, sp.exp) and node.args[0].has(x) \
                and sp.diff(node.args[0], x, 2) == 0:
            found.setdefault(("exp", sp.diff(node.args[0], x)), node)
    return found


def _incommensurable(kernels: dict[tuple, sp.Expr]) -> tuple[sp.Expr, sp.Expr] | None:
    """Two kernels of different kinds, or of one kind with a ratio that is not a rational
    number (k1/k2, s2/s1 symbolic): returned as a pair; None if all are commensurable."""
    keys = list(kernels)
    for i, (kind1, r1) in enumerate(keys):
        for kind2, r2 in keys[i + 1:]:
            if kind1 != kind2 or not sp.simplify(r1 / r2).is_Rational:
                return kernels[(kind1, r1)], kernels[(kind2, r2)]
    return None


def kl(P: FamilyInstance, Q: FamilyInstance, budget: float | None = DEFAULT_BUDGET) -> Result:
    """KL(P || Q) for the divergences built from it: NotDerivable at once where
    :func:`kl_obstacle` rules a closed form out, otherwise :func:`symkl.kl`.

    >>> from symkl.families import Normal
    >>> kl(Normal(0, 1), Normal(1, 1)).expr
    1/2
    """
    obstacle = kl_obstacle(P, Q)
    if obstacle:
        raise NotDerivable("kl", P, Q, {"structure": obstacle})
    return _derived_kl(P, Q, budget)


def kl_obstacle(P: FamilyInstance, Q: FamilyInstance) -> str | None:
    """Why KL(P || Q) has no closed form, read off the densities before any route runs; None
    when nothing rules one out.  The divergences built from a KL (``divergence('kl')``,
    Jeffreys, the KL generator of ``f_divergence``) check it first to answer at once;
    :func:`symkl.kl` itself always runs the engine's routes.

    The cross term E_P[log q(X)] is a moment or moment-generating value of P wherever log q is
    linear in the kernels of P.  When log q holds a kernel *inside a logarithm*, log(1 +
    exp(-x/s2)) (logistic) or log(1 - x^a2) (Kumaraswamy), and that kernel's scale is
    incommensurable with P's own kernels (exp(-x/s1), x^a1), the expectation is a series in the
    ratio of the scales with no closed form for generic parameters.  Only pairs of one
    non-exponential family with the same, parameter-free support are judged.

    >>> from symkl.families import Logistic, Gumbel
    >>> print(kl_obstacle(Logistic(), Logistic()))  # doctest: +ELLIPSIS
    E_P[log q(X)] needs E_P[log(exp(mu2/s2)*exp(-x/s2) + 1)]...
    >>> kl_obstacle(Gumbel(), Gumbel()) is None  # E_P[exp(-x/beta2)]: a moment, closed
    True
    """
    bp, bq = P.bind("1"), Q.bind("2")
    if (bp.family is not bq.family or bp.family.discrete or bp.family.vector is not None
            or bp.expfam is not None or bp.support() != bq.support()
            or bp.support().free_symbols):
        return None
    x = variable(bp.family)
    own = _kernels(bp.logpdf(x), x)
    for term in sp.Add.make_args(sp.expand(sp.expand_log(bq.logpdf(x), force=True))):
        _, rest = term.as_independent(x, as_Add=False)
        if not isinstance(rest, sp.log) or rest.args[0].is_polynomial(x):
            continue
        inner = _kernels(rest.args[0], x)
        clash = _incommensurable({**own, **inner}) if inner and own else None
        if clash:
            return (f"E_P[log q(X)] needs E_P[{rest}]: the kernel {list(inner.values())[0]} "
                    f"inside the logarithm is incommensurable with P's "
                    f"{list(own.values())[0]} (scale ratio not a fixed rational number), so "
                    f"the expectation is a series in that ratio with no closed form for "
                    f"generic parameters")
    return None


def _shared_binomials(polys: list, x: sp.Symbol) -> bool:
    """All of the form b + x^k with one k (a Mellin convolution on (0, oo))."""
    exps = set()
    for p in polys:
        terms = sp.Poly(p, x).terms()
        if len(terms) != 2 or terms[1][0] != (0,):
            return False
        exps.add(terms[0][0])
    return len(exps) == 1


def _meijer_conditions(e: sp.Expr) -> list[sp.Basic]:
    """Where a Meijer G in ``e`` is defined: no a_i - b_j (i <= n, j <= m) may be a positive
    integer, so a difference that depends on the parameters gives sin(pi (a_i - b_j)) != 0.
    At those values (a Renyi order alpha = 2, 3, ... for two half-Cauchys) the formula does
    not apply and is not claimed: the value there is its limit, not derived here.

    >>> a, z = sp.symbols("alpha z", positive=True)
    >>> _meijer_conditions(sp.meijerg(((sp.S.Half, a), ()), ((0, a - sp.S.Half), ()), z))
    [Ne(sin(pi*alpha), 0)]
    """
    out = []
    for g in e.atoms(sp.meijerg):
        for ai in g.an:
            for bj in g.bm:
                d = sp.simplify(ai - bj)
                if d.free_symbols:
                    zero_at = sp.simplify(sp.sin(sp.pi * d))  # sin(pi (1 - a)) is sin(pi a)
                    out.append(sp.Ne(-zero_at if zero_at.could_extract_minus_sign()
                                     else zero_at, 0))
    return list(dict.fromkeys(out))


def _dedupe(conditions: list) -> tuple:
    """Drop repeats, and e != 0 where a strict inequality on +-e is already required."""
    unique = list(dict.fromkeys(conditions))
    strict = {sp.expand(c.lhs - c.rhs) for c in unique if isinstance(c, (sp.Gt, sp.Lt))}
    return tuple(c for c in unique if not (
        isinstance(c, sp.Ne) and ({sp.expand(c.lhs - c.rhs), sp.expand(c.rhs - c.lhs)} & strict)))


def _exponential_tail_conditions(log_body: sp.Expr, x: sp.Symbol, bp) -> list | None:
    """d/dx log(integrand) tends to a constant rate at each infinite end: it must point inward."""
    if bp.family.discrete:
        return None
    support, conditions = bp.support(), []
    for end, sign in ((support.sup, -1), (support.inf, 1)):
        if not end.is_infinite:
            continue
        try:
            rate = sp.simplify(sp.limit(sp.diff(log_body, x), x, end))
        except (NotImplementedError, ValueError, TypeError):
            return None
        if rate.has(x, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Limit):
            return None
        if rate == 0:  # a power tail |x|^rho: rho = lim x d/dx log(integrand) < -1
            try:
                rho = sp.simplify(sp.limit(x * sp.diff(log_body, x), x, end))
            except (NotImplementedError, ValueError, TypeError):
                return None
            if rho.has(x, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Limit):
                return None
            rate, sign = -1 - rho, 1
        condition = sp.Gt(sign * rate, 0)
        if condition == sp.S.false:
            return None
        if condition != sp.S.true:
            conditions.append(condition)
    return conditions


def _converges(body: sp.Expr, x: sp.Symbol, bp) -> bool:
    """True when x^2 * body stays bounded at the infinite ends, for every parameter value.
    (For 0 < a < 1 no check is needed: p^a q^(1-a) <= a p + (1 - a) q.)"""
    if bp.family.discrete:
        return False
    support = bp.support()
    for end in (support.inf, support.sup):
        if end.is_infinite:
            try:
                tail = sp.limit(x**2 * body, x, end)
            except (NotImplementedError, ValueError, TypeError):
                return False
            if tail.is_finite is not True:
                return False
    return True


def _nonzero_denominators(e: sp.Expr) -> tuple[sp.Basic, ...]:
    """Integration assumed generic parameters: each denominator factor that can vanish is a
    condition (at such points the value is the limit, e.g. b1 = b2 for two Laplace scales)."""
    conditions = []
    for factor in sp.Mul.make_args(sp.factor(sp.denom(sp.together(e)))):
        base = factor.base if factor.is_Pow else factor
        if base.free_symbols and base.is_positive is not True and base.is_negative is not True:
            conditions.append(sp.Ne(base, 0))
    return tuple(conditions)


def _tidy_integral(log_integral: sp.Expr) -> sp.Expr:
    """I = exp(log I) as a product of powers and Gamma functions, simplified within
    ``_TIDY_BUDGET`` (a 2 x 2 covariance's rational functions can keep simplify busy for
    minutes; then the Gamma-simplified product stands)."""
    integral = sp.gammasimp(exp_of_sum(log_integral))
    try:
        with time_budget(_TIDY_BUDGET):
            simpler = sp.simplify(integral)
    except BudgetExceeded:
        return integral
    return simpler if sp.count_ops(simpler) < sp.count_ops(integral) else integral


_TIDY_BUDGET = 3.0  # CPU seconds for simplify's attempt at a tidier power integral
_PRESENT_BUDGET = 10.0  # CPU seconds for the canonical presentation; then the form as derived


def _finish(name, bp, bq, order, value, admissible, log_integral) -> Result:
    try:
        with time_budget(_TIDY_BUDGET):
            condition = sp.simplify(admissible)
    except BudgetExceeded:  # positive definiteness of a 2 x 2 mixture: leading minors as given
        condition = admissible
    domains = _domains(bp, bq)
    if order is not None:
        domains.update({s: ORDER for s in order.free_symbols})

    def present(e: sp.Expr) -> sp.Expr:  # a 2 x 2 covariance with symbolic alpha: minutes
        try:
            with time_budget(_PRESENT_BUDGET):
                return _present(bp.family)(e)
        except BudgetExceeded:
            return e
    shown = present(sp.expand(log_integral))
    steps = (Step("log of the power integral", r"\log \int p^{\alpha} q^{1-\alpha}", shown),)
    if bp.family.vector is not None and name in ("renyi", "bhattacharyya"):
        value = shown / (order - 1) if name == "renyi" else -shown  # presented once, not twice
    if condition == sp.S.false:
        return Result(name, bp, bq, sp.oo, "bregman", steps, (), "the power integral diverges: "
                      "alpha eta_P + (1 - alpha) eta_Q is not a natural parameter",
                      _LHS[name], domains, order)
    conditions = () if condition == sp.S.true else (_readable(condition),)
    if not (bp.family.vector is not None and name in ("renyi", "bhattacharyya")):
        value = present(value)
    return Result(name, bp, bq, value, "bregman", steps, conditions, "", _LHS[name],
                  domains, order)


_FLIP = {sp.Lt: sp.Gt, sp.Gt: sp.Lt, sp.Le: sp.Ge, sp.Ge: sp.Le}


def _readable(condition: sp.Basic) -> sp.Basic:
    """Clear positive denominators, lead with a plus sign: -a/s1^2 - ... < 0 -> a s2^2 + ... > 0."""
    def tidy(rel: sp.Basic) -> sp.Basic:
        if type(rel) not in _FLIP:
            return rel
        op = type(rel)
        num, den = sp.fraction(sp.together(rel.lhs - rel.rhs))
        if den.is_negative:
            num, op = -num, _FLIP[op]
        elif not den.is_positive:
            return rel
        num = sp.expand(num)
        if typical_sign(num) < 0:
            num, op = -num, _FLIP[op]
        return op(num, 0)
    if isinstance(condition, sp.And):
        return sp.And(*[tidy(c) for c in condition.args])
    return tidy(condition)
