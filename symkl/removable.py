"""Removable singularities of one parameter, evaluated by their Taylor polynomial near the point.

A closed form such as the continuous Bernoulli's log(lam / (1 - lam)) / (2 lam - 1) is 0/0 at
lam = 1/2 although its limit is finite.  :func:`removable_singularities` regroups the closed
form into functions of one parameter each, finds those with a 0/0 point inside the parameter's
domain, and derives their Taylor coefficients there with SymPy (exact series of numerator and
denominator, divided at 60 digits); the generated code switches the polynomial in within
``REMOVABLE_RADIUS`` of the point, on those elements only (:mod:`symkl.program`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

REMOVABLE_RADIUS = 0.05  # the series replaces the closed form within this distance of c
REMOVABLE_ORDER = 16  # terms: (2 r)^16 = 1e-16 with the nearest pole 1/2 away


@dataclass(frozen=True)
class Removable:
    """A function of one parameter with a removable singularity at ``point``: evaluated by
    ``value`` away from it and by the Taylor polynomial ``coefficients`` (in x - point, from
    the constant up, derived by SymPy's series) within ``radius``."""

    symbol: sp.Symbol  # stands for the function in the rewritten expression
    param: sp.Symbol
    point: sp.Expr
    value: sp.Expr
    coefficients: tuple[float, ...]
    radius: float


def removable_singularities(expr: sp.Expr, params: Sequence[sp.Symbol],
                            inside: Any = None) -> tuple[sp.Expr, tuple[Removable, ...]] | None:
    """``expr`` as a combination of functions of one parameter each, where those singular at
    an interior point c (a denominator of that parameter alone vanishes there, the limit is
    finite: ContinuousBernoulli's log(lam/(1 - lam))/(2 lam - 1) at 1/2) stand as symbols
    evaluated by :class:`Removable`.  ``inside(x, c)`` says whether c is interior to x's
    domain.  None when there is no such point, or a term mixes parameters in one factor.

    >>> x, y = sp.symbols("x y", positive=True)
    >>> new, parts = removable_singularities(y * (x - 1) / sp.log(x) + y, [x, y])
    >>> new, parts[0].point, parts[0].coefficients[:3]  # 1 + u / log(1 + u) at x = 1 + u
    (_r0*y, 1, (2.0, 0.5, -0.08333333333333333))
    """
    points = {x: _singular_points(expr, x, inside) for x in params}
    if not any(points.values()):
        return None
    expr = _split_logs(expr, params)
    terms = list(sp.Add.make_args(sp.expand(expr, deep=False)))
    found: list[Removable] = []
    for x in params:
        if not points[x]:
            continue
        groups: dict[sp.Expr, list[tuple[sp.Expr, sp.Expr]]] = {}
        for t in terms:
            mine = [f for f in sp.Mul.make_args(t) if f.free_symbols and f.free_symbols <= {x}]
            rest = sp.Mul(*[f for f in sp.Mul.make_args(t) if not any(f is m for m in mine)])
            number, rest = rest.as_coeff_Mul()
            groups.setdefault(rest, []).append((number * sp.Mul(*mine), t))
        terms = []
        for rest, members in groups.items():
            g = sp.Add(*[m for m, _ in members])
            near = _singular_points(g, x, inside)
            if not near or not g.has(x):
                terms.extend(t for _, t in members)
                continue
            if len(near) > 1 or any(len(f.free_symbols) > 1 for f in sp.Mul.make_args(rest)
                                    if f.has(x)):
                return None
            c = near.pop()
            coeffs = _taylor(g, x, c)
            if coeffs is None:
                return None
            symbol = sp.Dummy(f"r{len(found)}", real=True)
            found.append(Removable(symbol, x, c, g, coeffs, REMOVABLE_RADIUS))
            terms.append(rest * symbol)
    if not found:
        return None
    return sp.Add(*terms), tuple(found)


def _singular_points(expr: sp.Expr, x: sp.Symbol, inside: Any) -> set[sp.Expr]:
    """Interior points where a denominator of ``x`` alone vanishes."""
    out: set[sp.Expr] = set()
    for node in sp.preorder_traversal(expr):
        if not (node.is_Pow and node.exp.is_negative and node.base.free_symbols == {x}):
            continue
        try:
            roots = sp.solve(node.base, x)
        except (NotImplementedError, ValueError, TypeError):
            continue
        out.update(r for r in roots if r.is_number and r.is_real and r.is_finite
                   and (inside is None or inside(x, r)))
    return out


def _split_logs(expr: sp.Expr, params: Sequence[sp.Symbol]) -> sp.Expr:
    """log of a product whose factors each hold one parameter -> sum of logs of |the product
    per parameter| (equal where the argument is positive)."""
    def swap(node: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(sp.together(node.args[0]))
        per: dict[sp.Symbol, sp.Expr] = {}
        const = sp.S.One
        for f, sgn in [(f, 1) for f in sp.Mul.make_args(num)] + \
                [(f, -1) for f in sp.Mul.make_args(den)]:
            if not f.free_symbols:
                const *= f ** sgn
            elif len(f.free_symbols) == 1:
                x = next(iter(f.free_symbols))
                per[x] = per.get(x, sp.S.One) * f ** sgn
            else:
                return node
        if len(per) < 2:
            return node
        return sp.log(sp.Abs(const)) + sp.Add(*[sp.log(sp.Abs(v)) for v in per.values()])
    return expr.replace(lambda n: isinstance(n, sp.log) and n.args[0].free_symbols, swap)


def _taylor(g: sp.Expr, x: sp.Symbol, c: sp.Expr) -> tuple[float, ...] | None:
    """The Taylor coefficients of ``g`` at ``c`` (REMOVABLE_ORDER of them), or None when g is
    not analytic there (a pole, a log).

    Derived symbolically: with x = c + u each log(a + b u) becomes its Taylor polynomial, so g
    is a rational function of u whose numerator and denominator SymPy expands exactly (the
    orders where both vanish, the cancelling poles, are exactly zero); the quotient's series
    is then divided out at 60 digits.  Other functions of u go to ``sympy.series``.
    """
    import mpmath
    u = sp.Symbol("u", real=True)
    n, extra = REMOVABLE_ORDER, 10  # extra: orders lost to the poles that cancel
    inner = g.replace(lambda e: isinstance(e, sp.Abs),  # the sign its argument has near c
                      lambda e: e.args[0] * sp.sign(sp.limit(e.args[0], x, c)))
    inner = inner.xreplace({x: c + u})

    def log_series(node: sp.Expr) -> sp.Expr:  # log(a + b u), a > 0: its Taylor polynomial
        arg = sp.expand(node.args[0])
        a, b = arg.subs(u, 0), sp.diff(arg, u)
        if not (a.is_positive and b.is_number and b != 0):
            return node
        w = b * u / a
        return sp.log(a) + sp.Add(*[(-1) ** (k + 1) * w ** k / k for k in range(1, n + extra)])
    inner = inner.replace(lambda e: isinstance(e, sp.log) and e.has(u), log_series)
    if any(f.has(u) for f in inner.atoms(sp.Function)):
        try:
            series = sp.expand(sp.series(inner, u, 0, n).removeO())
        except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
            return None
        if series.has(sp.zoo, sp.oo, sp.nan) or any(e.has(u) for e in series.atoms(sp.log)) \
                or not series.free_symbols <= {u} or any(
                    t.as_coeff_exponent(u)[1].is_negative for t in sp.Add.make_args(series)):
            return None
        poly = sp.Poly(series, u)
        return tuple(float(poly.coeff_monomial(u ** k)) for k in range(n))
    num, den = sp.fraction(sp.together(inner))
    num, den = sp.Poly(sp.expand(num), u), sp.Poly(sp.expand(den), u)
    a = [sp.expand(num.coeff_monomial(u ** k)) for k in range(n + extra)]
    b = [sp.expand(den.coeff_monomial(u ** k)) for k in range(n + extra)]
    m = next((k for k, v in enumerate(b) if v != 0), None)
    if m is None or m >= extra or any(v != 0 for v in a[:m]):
        return None  # a pole that does not cancel
    with mpmath.workdps(60):
        a = [mpmath.mpf(sp.N(v, 70)) for v in a[m:m + n]]
        b = [mpmath.mpf(sp.N(v, 70)) for v in b[m:m + n]]
        out = []
        for k in range(n):  # power series division a / b
            out.append((a[k] - sum(out[j] * b[k - j] for j in range(k))) / b[0])
        return tuple(float(v) for v in out)
