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

from symkl.definitions import crossing_points, finish, integrand, variable
from symkl.family import Bound, FamilyInstance, exact_number


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


def verify(result, points: int = 3, seed: int = 0, dps: int = 30, tol: float = 1e-20,
           expr: sp.Expr | None = None) -> VerificationReport:
    """Compare ``expr`` (default: the result's closed form) with quadrature at seeded points."""
    expr = result.expr if expr is None else expr
    if result.is_infinite and expr == sp.oo:
        return _verify_infinite(result, seed, dps)
    checks = []
    for point in sample_points(result, points, seed):
        with mpmath.workdps(dps):
            closed = mpmath.mpf(str(sp.N(expr.xreplace(point), dps + 5)))
            alpha = None if result.order is None else result.order.xreplace(point)
            reference = definition_value(result.quantity, result.P.values, result.Q, point,
                                         result.P, dps, alpha, result.generator)
            relative = abs(reference) > mpmath.mpf(10) ** (-dps + 5)
            err = abs(closed - reference) / (abs(reference) if relative else 1)
        checks.append(PointCheck({k.name: v for k, v in point.items()}, closed, reference,
                                 float(err), relative))
    return VerificationReport(result.quantity, tuple(checks), tol, dps)


def sample_points(result, n: int, seed: int) -> list[dict]:
    """``n`` seeded admissible points, plus one with P = Q where that can be arranged."""
    rng = random.Random(seed)
    params = result.params
    out: list[dict] = []
    for _ in range(200 * n):
        if len(out) == n:
            break
        point = {s: result.domains[s].sample(rng) for s in params}
        if _admissible(result, point):
            out.append(point)
    same = _equal_point(result, out[0] if out else {})
    return out + ([same] if same is not None else [])


def _admissible(result, point: dict) -> bool:
    for cond in result.conditions:
        if cond.xreplace(point) != sp.S.true:
            return False
    return True


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
    if Qn is not None and Pn.support() != Qn.support() and quantity in (
            "total_variation", "jensen_shannon"):
        raise NotImplementedError(f"numeric {quantity} between families with different "
                                  f"supports is not implemented yet")
    with mpmath.workdps(dps):
        f = sp.lambdify(x, integrand(quantity, Pn, Qn, x, alpha, generator),
                       modules=MPMATH_MODULES)
        support = Pn.support()
        if Pn.family.discrete:
            if support.size.is_finite:
                value = mpmath.fsum(f(mpmath.mpf(int(k))) for k in support)
            else:
                value = mpmath.nsum(f, [int(support.inf), mpmath.inf])
        else:
            value = quad_over(f, _nodes(Pn, Qn, _crossings(quantity, Pn, Qn, x)))
        return finish(quantity, value, None if alpha is None else mpmath.mpf(str(sp.N(alpha, dps))))


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
    ends = [-mpmath.inf if lo == -sp.oo else mpmath.mpf(str(sp.N(lo, 40)))]
    ends += [mpmath.mpf(b) for b in inner]
    ends += [mpmath.inf if hi == sp.oo else mpmath.mpf(str(sp.N(hi, 40)))]
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
        total += mpmath.quad(f, nodes)
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
    with mpmath.workdps(dps):
        order = None if alpha is None else exact_number(alpha, "alpha")
        value = definition_value(quantity, bp.values, bq, point, bp, dps, order)
        check = definition_value(quantity, bp.values, bq, point, bp, dps + 10, order)
    return NumericValue(quantity, values, value, float(abs(value - check)))


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
    from symkl.support import outside_sets
    point = sample_points(result, 1, seed)[0]
    P = Bound(result.P.family, tuple(v.xreplace(point) for v in result.P.values))
    Q = Bound(result.Q.family, tuple(v.xreplace(point) for v in result.Q.values))
    x = variable(P.family)
    density = sp.lambdify(x, sp.exp(P.logpdf(x)), modules=MPMATH_MODULES)
    with mpmath.workdps(dps):
        if result.route == "support":
            if P.family.discrete:  # 1 - P(supp Q): the part of supp P that Q covers is finite
                inside = sp.Intersection(P.support(), Q.support())
                mass = 1 - mpmath.fsum(density(int(k)) for k in inside)
            else:
                outside = outside_sets(P, Q)
                parts = outside.args if isinstance(outside, sp.Union) else (outside,)
                mass = mpmath.fsum(mpmath.quad(density, [_mp(part.inf), _mp(part.sup)])
                                   for part in parts)
            note = f"P(X outside supp Q) = {mpmath.nstr(mass, 10)} > 0, so the integral is infinite"
            check = PointCheck({k.name: v for k, v in point.items()}, mpmath.inf, mass,
                               0.0 if mass > 0 else 1.0, False)
            return VerificationReport(result.quantity, (check,), 0.5, dps, note)
        f = sp.lambdify(x, integrand("kl", P, Q, x), modules=MPMATH_MODULES)
        partial = [mpmath.quad(f, [-r, 0, r]) for r in (10, 100, 1000, 10000)]
    growing = all(b > a for a, b in zip(partial, partial[1:]))
    note = ("partial integrals over [-R, R], R = 10, 100, 1000, 10000: "
            + ", ".join(mpmath.nstr(v, 8) for v in partial) + (" (growing without bound)"
                                                             if growing else " (NOT growing)"))
    check = PointCheck({k.name: v for k, v in point.items()}, mpmath.inf, partial[-1],
                       0.0 if growing else 1.0, False)
    return VerificationReport(result.quantity, (check,), 0.5, dps, note)


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


def _mp(v):
    return mpmath.inf if v == sp.oo else -mpmath.inf if v == -sp.oo else mpmath.mpf(str(sp.N(v)))
