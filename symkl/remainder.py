"""The Taylor remainder that replaces a KL's closed form near P = Q.

When Q's parameters are free symbols, KL is zero with a zero gradient at Q = P (or, on a
Piecewise branch at a support edge, a known linear term), so with h the parameter difference,
KL = integral_0^1 (1 - t) h' H(P, P + t h) h dt, where H is the Hessian in Q's parameters.  Every
term of this integral is positive near P = Q: no cancellation.  The generated code
(:mod:`symkl.program`) evaluates it by Gauss-Legendre quadrature where the direct form loses
digits.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import TYPE_CHECKING

import sympy as sp

from symkl.overflow_forms import exp_log_form
from symkl.special_forms import trigamma_tail
from symkl.stable import log1p

if TYPE_CHECKING:
    from symkl.result import Result

@dataclass(frozen=True)
class TaylorRemainder:
    """KL near P = Q as the integral of the Hessian quadratic form along the segment."""

    anchor: tuple[sp.Expr, ...]  # Q's parameter values at which Q = P (in P's parameters)
    q_symbols: tuple[sp.Symbol, ...]
    steps: tuple[sp.Symbol, ...]  # h_j = q_j - anchor_j
    quadratic_form: sp.Expr  # h' H(params) h
    poles: tuple[sp.Expr, ...] = ()  # linear in Q's parameters; the form is singular at 0
    linear: sp.Expr = sp.S.Zero  # gradient at Q = P times the steps (0 for a smooth KL)
    branch: int | None = None  # the Piecewise branch (of the folded form) the remainder is for


def poles_of(form: sp.Expr, qs: Sequence[sp.Symbol]) -> tuple[sp.Expr, ...]:
    """Linear forms in ``qs`` where ``form`` blows up: linear factors of denominators and the
    arguments of log, loggamma and polygamma.  Along the segment from P to Q such a form is
    linear in t, so its zero (outside [0, 1]) is where the integrand has its nearest pole.

    >>> p, h = sp.symbols("p h", positive=True)
    >>> poles_of(h**2 * (1 / p + 1 / (1 - p)), [p])
    (p, 1 - p)
    """
    found: set[sp.Expr] = set()
    for node in sp.preorder_traversal(form):
        if node.is_Pow and node.exp.is_negative:
            inner = [node.base]
        elif isinstance(node, (sp.log, sp.loggamma, sp.polygamma, trigamma_tail)):
            inner = [node.args[-1]]
        else:
            continue
        for e in inner:
            for f in sp.Mul.make_args(sp.factor(e)):
                f = f.base if f.is_Pow else f
                if f.free_symbols & set(qs) and f.is_polynomial(*qs) \
                        and sp.Poly(f, *qs).total_degree() == 1:  # not log(1 - lam2) itself
                    found.add(f)
    return tuple(sorted(found, key=sp.default_sort_key))


def taylor_remainder(result: "Result") -> TaylorRemainder | None:
    """The remainder form of a KL between two members of one family, or None if not such a KL.

    For a Piecewise KL the form belongs to the branch that holds at Q = P, and the closed form's
    gradient there need not vanish (Pareto's support edge): it is kept as ``linear``, g . h,
    and KL = linear + the integral.

    >>> import symkl
    >>> from symkl.families import Exponential, Pareto
    >>> taylor_remainder(symkl.kl(Exponential(), Exponential())).quadratic_form
    h0**2/lam2**2
    >>> rem = taylor_remainder(symkl.kl(Pareto(), Pareto()))
    >>> rem.branch, rem.linear
    (0, -alpha1*h0/x_m1)
    """
    Q = result.Q
    if (result.quantity != "kl" or Q is None or result.P.family is not Q.family
            or result.is_infinite or result.expr.has(sp.Sum)):
        return None
    # a parameter P and Q share (Binomial's n) is held fixed: the segment moves the others
    moving = [(p, q) for p, q in zip(result.P.values, Q.values) if p != q]
    anchor, qs = tuple(p for p, _ in moving), tuple(q for _, q in moving)
    p_symbols = set().union(*[v.free_symbols for v in result.P.values])
    if not qs or not all(v.is_Symbol for v in qs) or len(set(qs)) != len(qs) \
            or set(qs) & p_symbols:
        return None
    steps = tuple(sp.Symbol(f"h{j}", real=True) for j in range(len(qs)))
    at_p = dict(zip(qs, anchor))
    expr, branch, linear = result.expr, None, sp.S.Zero
    if expr.has(sp.Piecewise):
        expr = sp.piecewise_fold(expr)
        if not isinstance(expr, sp.Piecewise):
            return None
        for i, (value, cond) in enumerate(expr.args):
            if sp.simplify(cond.xreplace(at_p)) is sp.true:
                branch, expr = i, value
                break
        if branch is None or expr.has(sp.Piecewise, sp.oo, sp.zoo, sp.nan) \
                or sp.simplify(expr.xreplace(at_p)) != 0:
            return None
        grad = [sp.simplify(sp.diff(expr, q).xreplace(at_p)) for q in qs]
        if any(g.has(sp.oo, sp.zoo, sp.nan, sp.Piecewise, sp.sign, sp.DiracDelta)
               or not g.free_symbols <= p_symbols for g in grad):
            return None
        linear = sp.Add(*[g * h for g, h in zip(grad, steps)])
    n = len(qs)
    hessian = sp.zeros(n, n)
    expr = exp_log_form(expr)  # no product overflowing factor by factor; logs of ratios
    for j, qj in enumerate(qs):
        first = sp.diff(expr, qj)
        for k, qk in enumerate(qs[j:], start=j):
            # as differentiated: cancel() would expand
            hessian[j, k] = hessian[k, j] = _regular(sp.diff(first, qk))
    form = _square_form(hessian, steps)
    if form is None:
        form = sum(((1 if j == k else 2) * steps[j] * steps[k] * hessian[j, k]
                    for j in range(n) for k in range(j, n)), sp.S.Zero)
    return TaylorRemainder(anchor, qs, steps, form, poles_of(form, qs), linear, branch)


def shifted(form: sp.Expr, qs: Sequence[sp.Symbol], ends: Sequence[sp.Expr],
            deltas: Sequence[sp.Symbol]) -> sp.Expr:
    """``form`` at q_j = end_j + delta_j, with each sum holding q_j kept as (rest + end_j) +
    delta_j, unevaluated: a difference such as 1 - p is then taken between exact inputs and the
    small step added afterwards (1 - (p + d) for p near 1 would round p + d first).

    >>> p, e, d = sp.symbols("p e d", positive=True)
    >>> shifted(p / (1 - p) ** 2, [p], [e], [d])
    (d + e)/(-d + (1 - e))**2
    """
    table = dict(zip(qs, zip(ends, deltas)))

    def visit(e: sp.Basic) -> sp.Basic:
        if e in table:
            return sp.Add(table[e][1], table[e][0], evaluate=False)
        if not e.args or not e.free_symbols & set(table):
            return e
        if isinstance(e, sp.Piecewise):  # a series switched in (symkl.end_series)
            return sp.Piecewise(*[(visit(v), visit(c)) for v, c in e.args], evaluate=False)
        if e.is_Add:
            rest, steps = [], []
            for a in e.args:
                c, q = a.as_coeff_Mul()
                if q in table:
                    rest.append(c * table[q][0])
                    steps.append(c * table[q][1])
                else:
                    rest.append(visit(a))
            if steps:
                return sp.Add(sp.Add(*rest), *steps, evaluate=False)
            return sp.Add(*rest, evaluate=False)  # each argument visited once: no 2^depth
        return e.func(*[visit(a) for a in e.args], evaluate=False)
    return visit(form)


def log1p_steps(form: sp.Expr, qs: Sequence[sp.Symbol], anchor: Sequence[sp.Expr],
                steps: Sequence[sp.Symbol], deltas: Sequence[sp.Symbol]) -> sp.Expr:
    """A :func:`shifted` form with each log(num/den) whose num - den is only steps (with
    q_j = anchor_j + h_j) spelled log1p((num - den)/den): the log of a ratio near 1 rounded
    the ratio first, an error of eps that a large coefficient (Weibull's shape) multiplies.

    >>> lam1, lam2, d, h = sp.symbols("lam1 lam2 d h", positive=True)
    >>> log1p_steps(sp.log(lam1 / sp.Add(d, lam2, evaluate=False)), [lam2], [lam1], [h], [d])
    log1p((-d - h)/(d + lam2))
    """
    known = set(steps) | set(deltas)
    at = dict(zip(qs, [a + h for a, h in zip(anchor, steps)]))

    def swap(node: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(node.args[0])
        if den == 1:
            return node
        diff = sp.expand((num - den).xreplace(at))
        if diff == 0 or not diff.free_symbols or not diff.free_symbols <= known:
            return node
        return log1p(diff / den)
    return form.replace(lambda n: isinstance(n, sp.log), swap)


def _square_form(hessian: sp.Matrix, h: tuple[sp.Symbol, ...]) -> sp.Expr | None:
    """h' H h as a sum of positive squares when H holds trigamma terms, else None.

    With trigamma(x) = 1/x + 1/(2 x^2) + trigamma_tail(x), the rational part R of H is split
    by an LDL' factorisation (some pivot order) whose pivots D_i factor into polynomials with
    positive coefficients in positive symbols; then h' H h = sum D_i (L' h)_i^2 + h' T h, with
    T the small tails.  For Gamma at large shape the plain form cancels ψ1(a) h0^2 against
    a h1^2 / b^2 - 2 h0 h1 / b; here the leading terms cancel exactly, symbolically.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> h = sp.symbols("h0 h1", real=True)
    >>> H = sp.Matrix([[sp.polygamma(1, a), -1 / b], [-1 / b, a / b**2]])
    >>> _square_form(H, h)
    a*(h1 - b*h0/a)**2/b**2 + h0**2*trigamma_tail(a) + h0**2/(2*a**2)
    """
    if not hessian.has(sp.polygamma):
        return None
    split = hessian.replace(
        lambda e: isinstance(e, sp.polygamma) and e.args[0] == 1,
        lambda e: 1 / e.args[1] + 1 / (2 * e.args[1] ** 2) + trigamma_tail(e.args[1]))
    if split.has(sp.polygamma):
        return None
    tails = split.atoms(trigamma_tail)
    rational = split.xreplace({t: 0 for t in tails})
    n, best = len(h), None
    for order in permutations(range(n)):  # the simplest pivot order that keeps D_i positive
        factored = _positive_ldl(rational.extract(order, order))
        if factored is None:
            continue
        low, pivots = factored
        hp = [h[i] for i in order]
        form = sum((d * sum((low[j, i] * hp[j] for j in range(i, n)), sp.S.Zero)
                    ** 2 for i, d in enumerate(pivots)), sp.S.Zero)
        if best is None or sp.count_ops(form) < sp.count_ops(best):
            best = form
    if best is None:
        return None
    return best + sp.expand((sp.Matrix([h]) * (split - rational) * sp.Matrix(h))[0])


def _positive_ldl(matrix: sp.Matrix) -> tuple[sp.Matrix, list[sp.Expr]] | None:
    """M = L D L' (L unit lower triangular) with factored pivots D_i, or None as soon as a pivot
    is not positive in the sense of :func:`_positive`.  Pivot by pivot (Schur complements), so
    a pivot order that fails early costs little: with a 4 x 4 Hessian whose entries hold a real
    (not positive) symbol, a whole LDL' per order took minutes.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> _positive_ldl(sp.Matrix([[a, 1], [1, b + 1 / a]]))
    (Matrix([
    [  1, 0],
    [1/a, 1]]), [a, b])
    >>> _positive_ldl(sp.Matrix([[a, 2], [2, 1 / a]])) is None
    True
    """
    rest, n = sp.Matrix(matrix), matrix.shape[0]
    low, pivots = sp.eye(n), []
    for i in range(n):
        d = sp.factor(sp.cancel(rest[i, i]))
        if d == 0 or not _positive(d):
            return None
        pivots.append(d)
        for j in range(i + 1, n):
            low[j, i] = sp.cancel(rest[j, i] / d)
        for j in range(i + 1, n):
            for k in range(i + 1, n):
                rest[j, k] = sp.cancel(rest[j, k] - low[j, i] * rest[i, k])
    return low, pivots


def _positive(e: sp.Expr) -> bool:
    """Is ``e`` a product of powers of polynomials with positive coefficients in positive
    symbols (so evaluating it never cancels)?"""
    if not e.free_symbols or not all(s.is_positive for s in e.free_symbols):
        return False
    for factor in sp.Mul.make_args(e):
        base = factor.base if factor.is_Pow and factor.exp.is_Integer else factor
        if base.is_Number:
            if base <= 0:
                return False
            continue
        try:
            coeffs = sp.Poly(base, *sorted(base.free_symbols, key=str)).coeffs()
        except sp.PolynomialError:
            return False
        if not all(c.is_positive for c in coeffs):
            return False
    return True


def _regular(e: sp.Expr) -> sp.Expr:
    """Drop point masses of |.| derivatives (they cancel in a C^1 closed form); sign^2 -> 1."""
    e = e.replace(lambda n: isinstance(n, sp.DiracDelta), lambda n: sp.S.Zero)
    return e.replace(lambda n: n.is_Pow and isinstance(n.base, sp.sign) and n.exp.is_even,
                     lambda n: sp.S.One)
