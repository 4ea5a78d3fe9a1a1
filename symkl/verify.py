"""Check a closed form against mpmath quadrature (or nsum) of its definition.

Points are seeded and admissible (sampled from each parameter's domain, exact rationals), plus
one point with P = Q when Q's parameters are free symbols.  Integrals are split at the support's
ends and the densities' breakpoints; precision is scoped with ``mpmath.workdps``.

>>> import symkl
>>> from symkl.families import Normal
>>> report = symkl.kl(Normal(), Normal()).verify()
>>> report.ok, len(report.checks)
(True, 4)
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from symkl.definitions import POWER_ORDER, crossing_points, finish, integrand, variable
from symkl.family import Bound, FamilyInstance, exact_number
from symkl.integration import finite_sums_done


@dataclass(frozen=True)
class PointCheck:
    """One comparison: parameter values, closed-form value, quadrature value, error."""

    point: dict
    closed: mpmath.mpf
    reference: mpmath.mpf
    error: float
    relative: bool


@dataclass(frozen=True)
class VerificationReport:
    """All comparisons; ``ok`` when every error is within ``tol`` (``bool(report)`` too)."""

    quantity: str
    checks: tuple[PointCheck, ...]
    tol: float
    dps: int
    note: str = ""

    @property
    def ok(self) -> bool:
        return all(c.error <= self.tol for c in self.checks) and bool(self.checks)

    @property
    def max_error(self) -> float:
        return max((c.error for c in self.checks), default=float("nan"))

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = f"verification of {self.quantity} at dps {self.dps} (tolerance {self.tol:g}):"
        rows = [head] + ([self.note] if self.note else [])
        for c in self.checks:
            pt = ", ".join(f"{k}={v}" for k, v in c.point.items())
            kind = "rel" if c.relative else "abs"
            rows.append(f"  [{pt}] closed={mpmath.nstr(c.closed, 22)} "
                        f"quadrature={mpmath.nstr(c.reference, 22)} {kind} err={c.error:.2e}")
        rows.append(f"  => {'PASS' if self.ok else 'FAIL'} (max error {self.max_error:.2e})")
        return "\n".join(rows)


def _value_at(expr, point):
    from symkl.result import value_at
    return value_at(expr, point)


def verify(result, points: int = 3, seed: int = 0, dps: int = 30, tol: float = 1e-20,
           expr: sp.Expr | None = None) -> VerificationReport:
    """Compare ``expr`` (default: the result's closed form) with quadrature at seeded points.

    Where ``expr`` is infinite at a point (an infinite result, or the infinite branch of a
    Piecewise on the support ends or a tail condition) the check shows the divergence instead.
    """
    expr = result.expr if expr is None else expr
    if result.is_infinite and expr == sp.oo:
        return _verify_infinite(result, seed, dps)
    note = ""
    if result.P.family.concrete is not None:  # symbolic dimension: concrete k = 1, 2
        from symkl.mvquad import verify_symbolic
        checks, rule_tol = verify_symbolic(result, points, seed, dps, expr)
        return VerificationReport(result.quantity, checks, max(tol, rule_tol), dps,
                                  "symbolic k checked at k = 1, 2 with concrete matrices")
    if result.P.family.vector is not None:  # multivariate: a fixed tensor rule, see mvquad
        from symkl.mvquad import tolerance
        dim = result.P.family.vector.shape[0]
        tol = max(tol, tolerance(result.P))
        note = f"tensor-product double-exponential rule in {dim} dimensions (symkl.mvquad)"
    checks, notes = [], [note] if note else []
    for point in sample_points(result, points, seed, expr):
        with mpmath.workdps(dps):
            value = _at(expr, point)
            if value.has(sp.nan, sp.zoo):  # 0 log 0 at the edge of the parameter space, or a
                value = _value_at(expr, point)  # removable singularity (P = Q): the limit
            if value.has(sp.nan, sp.zoo):
                notes.append(f"skipped {point}: the closed form is singular there")
                continue
            if value == sp.oo:
                check, note = _infinite_check(result, point, dps)
                checks.append(check)
                notes.append(note)
                continue
            closed = closed_value(value, dps + 5)
            alpha = None if result.order is None else result.order.xreplace(point)
            # guard digits: quadrature near an integrable endpoint singularity (Beta with
            # alpha < 1 against a log) loses a few of its working digits
            reference = definition_value(result.quantity, result.P.values, result.Q, point,
                                         result.P, dps + 10, alpha, result.generator)
            relative = abs(reference) > mpmath.mpf(10) ** (-dps + 5)
            err = abs(closed - reference) / (abs(reference) if relative else 1)
        checks.append(PointCheck({str(k): v for k, v in point.items()}, closed, reference,
                                 float(err), relative))
    return VerificationReport(result.quantity, tuple(checks), tol, dps, "; ".join(notes))


def closed_value(expr: sp.Expr, dps: int) -> mpmath.mpf:
    """The value of a closed form at a point; a series it keeps (E[log k!]) is summed by nsum.

    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> closed_value(1 + sp.Sum(2 ** -k, (k, 0, sp.oo)), 30)
    mpf('3.0')
    """
    with mpmath.workdps(dps):
        values = {}
        for s in expr.atoms(sp.Sum):
            if s.free_symbols or len(s.limits) != 1:
                continue  # nested inside another sum: SymPy evaluates the outer one
            (k, lo, hi), = s.limits
            f = sp.lambdify(k, s.function, modules=["mpmath"])
            value = (mpmath.nsum(f, [int(lo), mpmath.inf]) if hi == sp.oo
                     else mpmath.fsum(f(mpmath.mpf(int(j))) for j in range(int(lo), int(hi) + 1)))
            values[s] = sp.Float(value, dps)
        value = sp.N(expr.xreplace(values), dps)
        re, im = value.as_real_imag()
        if im != 0 and abs(im) <= sp.Float(10) ** (-dps + 5) * max(1, abs(re)):
            value = re  # a rounding residue of intermediate complex steps, not a complex value
        return mpmath.mpf(str(value))


def sample_points(result, n: int, seed: int, expr: sp.Expr | None = None) -> list[dict]:
    """``n`` seeded admissible points, plus one with P = Q where that can be arranged.

    For a Piecewise with an infinite branch, the ``n`` points are in the finite branch and one
    more point (when one is found) in the infinite branch.  A vector parameter (an IndexedBase
    p, with a symbolic length K) gets a value for each entry p[1], ..., p[K] that the closed
    form and the conditions use once K is a number.
    """
    rng = random.Random(seed)
    scalars = [s for s in result.params if s not in _vector_labels(result)]
    expr = result.expr if expr is None else expr
    split = isinstance(expr, sp.Piecewise) and expr.args[-1].expr == sp.oo
    out: list[dict] = []
    infinite: list[dict] = []
    for _ in range(200 * n):
        if len(out) == n and (infinite or not split):
            break
        point = {s: result.domains[s].sample(rng) for s in scalars}
        conditions = [_unrolled(c, point) for c in result.conditions]
        point.update({e: _domain(result, e).sample(rng) for e in _entries(result, point)})
        point = _solve_equalities(result, conditions, point, rng)
        if not _admissible(result, conditions, point):
            continue
        value = _at(expr, point)
        if value.has(sp.nan, sp.zoo):
            continue  # a removable singularity of the closed form (gamma(1 - alpha) at 2)
        if split and value == sp.oo:
            infinite = infinite or [point]
        elif len(out) < n:
            out.append(point)
    same = _equal_point(result, out[0] if out else {})
    if same is not None and any(c.xreplace(same) == sp.S.false for c in result.conditions):
        same = None  # P = Q is where the value is only a limit (Levy: Ne(mu1 - mu2, 0))
    return out + ([same] if same is not None else []) + infinite


def _at(expr: sp.Basic, point: dict) -> sp.Basic:
    """``expr`` at ``point``, finite sums carried out so that vector entries p[j] can be
    substituted (Sum(p[k], (k, 1, K)) at K = 3 is p[1] + p[2] + p[3])."""
    value = finite_sums_done(expr.xreplace(point))
    return value.xreplace(point)


def _unrolled(cond: sp.Basic, point: dict) -> sp.Basic:
    """``cond`` with its sums over 1..K written out at the sampled K; the other parameters
    stay symbols (so that an equality can be solved for one of them)."""
    ends = {s for S in cond.atoms(sp.Sum) for lim in S.limits for b in lim[1:]
            for s in b.free_symbols}
    return finite_sums_done(cond.xreplace({s: v for s, v in point.items() if s in ends}))


def _entries(result, point: dict) -> list[sp.Indexed]:
    """The entries p[j] of vector parameters used by the closed form and conditions at point."""
    labels = _vector_labels(result)
    if not labels:
        return []
    used = set()
    for e in (result.expr, *result.conditions):
        used |= {a for a in _at(e, point).atoms(sp.Indexed) if a.base.label in labels}
    return sorted(used, key=sp.default_sort_key)


def _vector_labels(result) -> set:
    """The labels of the vector (IndexedBase) parameters of P and Q."""
    return {v.label for b in (result.P, result.Q) if b is not None for v in b.values
            if isinstance(v, sp.IndexedBase)}


def _domain(result, s):
    return result.domains[s.base.label if isinstance(s, sp.Indexed) else s]


def _solve_equalities(result, conditions: list, point: dict, rng: random.Random) -> dict:
    """Make each equality condition (Categorical: the p_i sum to 1) hold by solving it for its
    last parameter, redrawing the condition's other parameters until that value is admissible."""
    for cond in conditions:
        free = [s for s in point if s in cond.free_symbols]
        if not isinstance(cond, sp.Equality) or not free:
            continue
        solved = sp.solve(cond, free[-1])
        if len(solved) != 1:
            continue
        for _ in range(500):
            value = solved[0].xreplace(point)
            if _domain(result, free[-1]).condition(value) in (sp.S.true, True):
                point[free[-1]] = value
                break
            point.update({s: _domain(result, s).sample(rng) for s in free[:-1]})
    return point


def _admissible(result, conditions: list, point: dict) -> bool:
    for cond in conditions:
        if cond.xreplace(point) != sp.S.true:
            return False
    for b in (result.P, result.Q):  # joint constraints of the family (Uniform: a < b)
        if b is not None and not any(isinstance(v, sp.IndexedBase) for v in b.values):
            try:
                b.family(*[v.xreplace(point) for v in b.values])
            except ValueError:
                return False
    return all(_domain(result, s).condition(v) in (sp.S.true, True) for s, v in point.items())


def _equal_point(result, point: dict) -> dict | None:
    P, Q = result.P, result.Q
    if result.quantity != "kl" or Q is None or Q.family is not P.family:
        return None
    if not all(v.is_Symbol for v in Q.values) or set(Q.values) & set(P.symbols()):
        return None
    same = {s: v for s, v in point.items() if s not in Q.values}
    same.update({q: p.xreplace(point) for q, p in zip(Q.values, P.values)})
    return same


def definition_value(quantity: str, p_values, Q: Bound | None, point: dict, P: Bound,
                     dps: int = 30, alpha: sp.Expr | None = None,
                     generator: sp.Lambda | None = None) -> mpmath.mpf:
    """The value of ``quantity`` at ``point`` from its defining integral/sum, by mpmath."""
    x = variable(P.family)
    Pn = Bound(P.family, tuple(v.xreplace(point) for v in p_values))
    Qn = Bound(Q.family, tuple(v.xreplace(point) for v in Q.values)) if Q is not None else None
    if P.family.vector is not None:
        from symkl import mvquad
        return mvquad.definition_value(quantity, Pn, Qn, dps, alpha)
    a = POWER_ORDER.get(quantity) or alpha
    with mpmath.workdps(dps):
        if Qn is not None and not Pn.family.discrete and Pn.support() != Qn.support() \
                and (quantity in POWER_ORDER or quantity in ("total_variation",
                                                             "jensen_shannon")):
            value = quad_over(_masked_integrand(quantity, Pn, Qn, x, a),
                              _union_nodes(Pn, Qn, _crossings(quantity, Pn, Qn, x)))
            return finish(quantity, value, None if a is None else _exact(a))
        term = integrand(quantity, Pn, Qn, x, alpha, generator)
        f = sp.lambdify(x, term, modules=MPMATH_MODULES)
        support = Pn.support()
        if Pn.family.discrete:
            if term.has(sp.Indexed):  # vector entries p[k]: substitute k, then the entries
                value = mpmath.fsum(mpmath.mpf(str(sp.N(term.subs(x, k).xreplace(point), dps)))
                                    for k in support)
            elif support.size.is_finite:
                value = mpmath.fsum(f(mpmath.mpf(int(k))) for k in support)
            else:
                value = mpmath.nsum(f, [int(support.inf), mpmath.inf])
        else:
            value = quad_over(f, _nodes(Pn, Qn, _crossings(quantity, Pn, Qn, x)))
        return finish(quantity, value, None if alpha is None else mpmath.mpf(str(sp.N(alpha, dps))))


def _masked_integrand(quantity: str, P: Bound, Q: Bound, x: sp.Symbol, a: sp.Expr | None):
    """The integrand of ``quantity`` where p and q are 0 outside their own supports (which
    differ): p^a q^(1 - a) is 0 off the overlap for a < 1 and +oo where q = 0 < p for a > 1,
    |p - q| / 2 and the Jensen-Shannon terms (0 log 0 = 0) are taken over both supports."""
    logs = [sp.lambdify(x, b.logpdf(x), modules=MPMATH_MODULES) for b in (P, Q)]
    spans = [(_exact(b.support().inf), _exact(b.support().sup)) for b in (P, Q)]
    order = None if a is None else _exact(a)

    def log_density(i, t):
        lo, hi = spans[i]
        return logs[i](t) if lo <= t <= hi else None

    def f(t):
        lp, lq = log_density(0, t), log_density(1, t)
        if quantity in POWER_ORDER:
            if lp is None:
                return mpmath.mpf(0)
            if lq is None:
                return mpmath.mpf(0) if order < 1 else mpmath.inf
            return _exp(order * lp + (1 - order) * lq)
        p, q = (mpmath.mpf(0) if v is None else _exp(v) for v in (lp, lq))
        if quantity == "total_variation":
            return abs(p - q) / 2
        if quantity == "jensen_shannon":
            m = (p + q) / 2
            return sum(v * mpmath.log(v / m) for v in (p, q) if v > 0) / 2
        raise NotImplementedError(f"numeric {quantity} between families with different "
                                  f"supports is not implemented")
    return f


def _union_nodes(P: Bound, Q: Bound, extra: tuple = ()) -> list:
    """Nodes over the union of two interval supports: every end and breakpoint of either, and
    ``extra`` points inside (the crossings p = q, kinks of |p - q| for total variation)."""
    ends = {e for b in (P, Q) for e in (b.support().inf, b.support().sup, *b.breakpoints())}
    ends |= set(extra)
    finite = sorted({_exact(e) for e in ends if e.is_finite})
    lo = -mpmath.inf if -sp.oo in ends else finite[0]
    hi = mpmath.inf if sp.oo in ends else finite[-1]
    inner = [e for e in finite if lo < e < hi]
    if lo == -mpmath.inf and hi == mpmath.inf and not inner:
        inner = [mpmath.mpf(0)]
    return [lo, *inner, hi]


def quad_split(f, nodes: list) -> mpmath.mpf:
    """Sum of mpmath quadratures over consecutive nodes.

    An infinite piece whose error estimate is poor (a power-law tail: Pareto, Cauchy, Levy) is
    redone after mapping [a, oo) by x = a + e^u (and (-oo, b] by x = b - e^u), where the tail
    decays exponentially in u and tanh-sinh keeps full precision.

    >>> float(quad_split(lambda x: 1 / x**2, [mpmath.mpf(1), mpmath.inf]))
    1.0
    """
    total = mpmath.mpf(0)
    for a, b in zip(nodes, nodes[1:]):
        value, error = mpmath.quad(f, [a, b], error=True)
        if (a == -mpmath.inf) != (b == mpmath.inf) and \
                error > abs(value) * mpmath.mpf(10) ** (-mpmath.mp.dps + 3):
            end, sign = (a, 1) if b == mpmath.inf else (b, -1)
            top = mpmath.mp.dps * 10 * mpmath.log(10)  # x up to 10^(10 dps): tail negligible
            value = mpmath.quad(lambda u, e=end, s=sign: _at_node(f, e + s * mpmath.exp(u))
                                * mpmath.exp(u), [-mpmath.inf, 0, 2, 4, top])
        total += value
    return total


def _at_node(f, x):
    """f(x) at a tanh-sinh node; a node that rounds onto a singular end (Levy's mu: 1/0) carries
    a weight below the working precision, so it contributes 0."""
    try:
        return f(x)
    except ZeroDivisionError:
        return mpmath.mpf(0)


def _crossings(quantity: str, P: Bound, Q: Bound | None, x: sp.Symbol) -> tuple:
    """Where p = q: kinks of |p - q|, so nodes for total variation."""
    if quantity != "total_variation" or Q is None:
        return ()
    roots = crossing_points(P, Q, x)
    if not roots:  # numeric parameters: SymPy can usually solve log p = log q directly
        try:
            roots = sp.solve(sp.expand_log(P.logpdf(x) - Q.logpdf(x), force=True), x)
        except NotImplementedError:
            roots = []
    return tuple(r for r in roots if r.is_real)


def _nodes(P: Bound, Q: Bound | None, extra: tuple = ()) -> list:
    support = P.support()
    lo, hi = support.inf, support.sup
    inner = set(P.breakpoints()) | (set(Q.breakpoints()) if Q is not None else set()) | set(extra)
    inner = sorted(float(b) for b in inner if lo < b < hi)
    if lo == -sp.oo and hi == sp.oo and not inner:
        inner = [0.0]
    ends = [_exact(lo)]
    ends += [mpmath.mpf(b) for b in inner]
    ends += [_exact(hi)]
    return ends


def quad_over(f, nodes: list) -> mpmath.mpf:
    """mpmath.quad of ``f`` over the pieces between ``nodes``; a piece at a finite end of the
    support is integrated in s with x = end +- w e^(-s), so that an integrable power singularity
    there (x^(-0.9) for a chi-squared with k < 2) keeps full precision.

    >>> with mpmath.workdps(30):
    ...     abs(quad_over(lambda x: x ** (-mpmath.mpf(9) / 10) / 10, [0, 1]) - 1) < 1e-25
    True
    """
    nodes = list(nodes)
    lo, hi = nodes[0], nodes[-1]
    if len(nodes) == 2 and mpmath.isfinite(lo) and mpmath.isfinite(hi):
        nodes = [lo, (lo + hi) / 2, hi]
    elif len(nodes) == 2 and mpmath.isfinite(lo) != mpmath.isfinite(hi):
        nodes.insert(1, lo + 1 if mpmath.isfinite(lo) else hi - 1)
    total = mpmath.mpf(0)
    if mpmath.isfinite(lo):
        total += _end_piece(f, lo, nodes[1])
        nodes = nodes[1:]
    if mpmath.isfinite(hi):
        total += _end_piece(f, hi, nodes[-2])
        nodes = nodes[:-1]
    if len(nodes) > 1:
        total += quad_split(f, nodes)
    return total


def _end_piece(f, end, other) -> mpmath.mpf:
    """The integral of f between a finite support end and ``other``, with x = end + w e^(-s)."""
    w = other - end

    def g(s):
        t = w * mpmath.exp(-s)
        x = end + t
        return mpmath.mpf(0) if x == end else f(x) * abs(t)
    return mpmath.quad(g, [0, mpmath.inf])


def numeric_value(quantity: str, P: FamilyInstance, Q: FamilyInstance | None, values: dict,
                  dps: int = 30, alpha: object = None) -> "NumericValue":
    """Quadrature value of ``quantity`` for instances at ``values`` (names of the symbols)."""
    bp = P.bind("1" if Q is not None else "")
    bq = Q.bind("2") if Q is not None else None
    symbols = {s.name: s for b in (bp, bq) if b is not None for s in b.symbols()}
    missing = set(symbols) - set(values)
    if missing or set(values) - set(symbols):
        raise ValueError(f"give a value for each of {sorted(symbols)}")
    point = {symbols[k]: exact_number(v, k) for k, v in values.items()}
    if bq is not None:
        from symkl.support import gap_reason, support_condition
        Pn = Bound(bp.family, tuple(v.xreplace(point) for v in bp.values))
        Qn = Bound(bq.family, tuple(v.xreplace(point) for v in bq.values))
        if quantity in ("kl", "cross_entropy") and support_condition(Pn, Qn) == sp.S.false:
            return NumericValue(quantity, values, mpmath.inf, 0.0,
                                f"infinite (exact): {gap_reason(Pn, Qn)}")
    with mpmath.workdps(dps):
        order = None if alpha is None else exact_number(alpha, "alpha")
        value = definition_value(quantity, bp.values, bq, point, bp, dps, order)
        check = definition_value(quantity, bp.values, bq, point, bp, dps + 10, order)
    error = float(abs(value - check))
    if not error <= 1e-6 * max(abs(float(value)), 1e-300):
        return NumericValue(quantity, values, value, error,
                            "numeric quadrature did NOT converge (dps and dps + 10 disagree): "
                            "the integral may diverge; not a closed form")
    return NumericValue(quantity, values, value, error)


@dataclass(frozen=True)
class NumericValue:
    """A value obtained by quadrature, not a closed form; ``error`` estimates its accuracy."""

    quantity: str
    values: dict
    value: mpmath.mpf
    error: float
    label: str = "numeric (mpmath quadrature of the definition), not a closed form"

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        return f"{self.quantity} ~= {mpmath.nstr(self.value, 20)} ± {self.error:.1e} [{self.label}]"


def _verify_infinite(result, seed: int, dps: int) -> VerificationReport:
    """An infinite verdict: show P's mass outside supp Q, or partial integrals that grow."""
    point = sample_points(result, 1, seed)[0]
    check, note = _infinite_check(result, point, dps)
    return VerificationReport(result.quantity, (check,), 0.5, dps, note)


def _infinite_check(result, point: dict, dps: int) -> tuple[PointCheck, str]:
    """At one point: P's mass outside supp Q > 0, or partial integrals growing without bound."""
    from symkl.support import outside_sets, support_condition
    P = Bound(result.P.family, tuple(v.xreplace(point) for v in result.P.values))
    Q = Bound(result.Q.family, tuple(v.xreplace(point) for v in result.Q.values))
    x = variable(P.family)
    density = sp.lambdify(x, sp.exp(P.logpdf(x)), modules=MPMATH_MODULES)
    shown = {k.name: v for k, v in point.items()}
    if result.quantity == "jeffreys" and support_condition(P, Q) != sp.S.false \
            and support_condition(Q, P) == sp.S.false:  # infinite through KL(Q || P)
        P, Q = Q, P
        density = sp.lambdify(x, sp.exp(P.logpdf(x)), modules=MPMATH_MODULES)
    with mpmath.workdps(dps):
        if support_condition(P, Q) == sp.S.false:
            if P.family.vector is not None:
                from symkl.mvquad import mass_outside
                mass = mass_outside(P, Q, dps)
            elif P.family.discrete:  # 1 - P(supp Q): the part of supp P that Q covers is finite
                inside = sp.Intersection(P.support(), Q.support())
                mass = 1 - mpmath.fsum(density(int(k)) for k in inside)
            else:
                outside = outside_sets(P, Q)
                parts = outside.args if isinstance(outside, sp.Union) else (outside,)
                mass = mpmath.fsum(mpmath.quad(density, [_exact(part.inf), _exact(part.sup)])
                                   for part in parts)
            order = _order_at(result, point)
            if order is not None and order < 1:  # p^a q^(1-a) = 0 everywhere: I(a) = 0
                inside = 1 - mass
                note = (f"P(X in supp Q) = {mpmath.nstr(inside, 10)}: the supports do not "
                        f"overlap, so the power integral is 0 and the divergence is +oo")
                ok = abs(inside) < mpmath.mpf(10) ** (-dps + 5)
                return PointCheck(shown, mpmath.inf, inside, 0.0 if ok else 1.0, False), note
            note = f"P(X outside supp Q) = {mpmath.nstr(mass, 10)} > 0, so the integral is infinite"
            return PointCheck(shown, mpmath.inf, mass, 0.0 if mass > 0 else 1.0, False), note
        order = _order_at(result, point)
        quantity = "kl" if order is None else result.quantity  # KL, Jeffreys: the KL tails
        f = sp.lambdify(x, integrand(quantity, P, Q, x, order), modules=MPMATH_MODULES)
        lo, hi = P.support().inf, P.support().sup
        partial = []
        for r in (10, 100, 1000, 10000):  # towards every end: oo, or a finite end (1/r away)
            a = -mpmath.mpf(r) if lo == -sp.oo else _exact(lo) + mpmath.mpf(1) / r
            b = mpmath.mpf(r) if hi == sp.oo else _exact(hi) - mpmath.mpf(1) / r
            middle = [0] if lo == -sp.oo and hi == sp.oo else []
            partial.append(quad_split(f, [a, *middle, b]))
    steps = [b - a for a, b in zip(partial, partial[1:])]
    # unbounded: each decade adds at least half what the one before it did (a convergent
    # integral's increments shrink by orders of magnitude)
    growing = all(s > 0 for s in steps) and all(t > s / 2 for s, t in zip(steps, steps[1:]))
    note = ("partial integrals with ends at R = 10, 100, 1000, 10000 (or 1/R from a finite "
            "end): " + ", ".join(mpmath.nstr(v, 8) for v in partial)
            + (" (growing without bound)" if growing else " (NOT growing)"))
    return PointCheck(shown, mpmath.inf, partial[-1], 0.0 if growing else 1.0, False), note


def _order_at(result, point: dict) -> sp.Expr | None:
    """The order a of a power divergence's integral at ``point`` (None for the others)."""
    if result.quantity not in POWER_ORDER:
        return None
    fixed = POWER_ORDER[result.quantity]
    return fixed if fixed is not None else result.order.xreplace(point)


def _exp(v):
    """mpmath's exp, except that below exp(-10^1000) it returns a fixed positive number smaller
    still (2^(-2 10^1000)), so ratios of two such values stay defined.

    Quadrature nodes reach |x| ~ 10^30 and more; a density such as the Gumbel's
    exp(-exp(-x)) would otherwise ask mpmath for exp(-exp(10^30)), which never returns.

    >>> _exp(-mpmath.mpf(10) ** 2000) == _FLOOR > 0, _exp(mpmath.mpf(0))
    (True, mpf('1.0'))
    """
    if isinstance(v, mpmath.mpf) and v < -_UNDERFLOW:
        return _FLOOR
    return mpmath.exp(v)


_UNDERFLOW = mpmath.mpf(10) ** 1000
_FLOOR = mpmath.mpf((1, -2 * 10**1000))
#: lambdify modules for quadrature integrands (mpmath, with the underflow-safe exp)
MPMATH_MODULES = [{"exp": _exp}, "mpmath"]


def _exact(v):
    """An exact number (or +-oo) as an mpf at 10 digits beyond the working precision."""
    if v.is_infinite:
        return mpmath.inf if v == sp.oo else -mpmath.inf
    return mpmath.mpf(str(sp.N(v, mpmath.mp.dps + 10)))
