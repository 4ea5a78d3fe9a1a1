"""Sums of one parameter that cancel near an end of its domain, by a series the engine derives.

A sum of terms in one parameter x can vanish to a higher order at an end c of x's domain than
its terms do: VonMises' log I_0(k) spelled log(besselie(0, k)) + k is k^2/4 at k -> 0 while
each term is of size k, and the Hessian entry 1/2 + I_2(k)/(2 I_0(k)) - (I_1(k)/I_0(k))^2 is
1/(2 k^2) at k -> oo while its terms are of size 1.  The direct sum then keeps only the digits
of (terms / sum) ulps.  :func:`end_series` finds such sums (the terms grouped by what multiplies
them, as in :mod:`symkl.removable`), checks the cancellation numerically at 30 digits, derives
the series at c by exact power-series arithmetic on the expression (:class:`_Series`: besselie
by its Taylor series at 0 and its asymptotic expansion at infinity, DLMF 10.40.1; logs of u
kept outside), and switches the truncated series in (a Piecewise, printed as ``where``) where
its last derived term is below ``TOLERANCE`` of its first.

>>> import sympy as sp
>>> from symkl.family import POSITIVE
>>> from symkl.special_forms import besselie
>>> k = sp.Symbol("k", positive=True)
>>> near_zero = end_series(sp.log(besselie(0, k)) + k, {k: POSITIVE}).args[0]
>>> near_zero.cond
k < 0.468982567013769
>>> sp.expand(near_zero.expr).as_ordered_terms()[-2:]  # log I_0(k) = k^2/4 - k^4/64 + ...
[-0.015625*k**4, 0.25*k**2]
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from math import factorial
from typing import Any

import sympy as sp

from symkl.special_forms import besselie

ORDER = 24  # series terms derived beyond the leading one
TOLERANCE = 2.0**-56  # the first neglected term, relative to the leading one, within the radius
CANCELS = 1e3  # (sum of |terms|) / |sum| near the end that counts as a cancellation
PROBE = 1e-4  # distance from a finite end (1 / PROBE from an infinite one) of the check
_ENDS = {"Positive": (sp.S.Zero, sp.oo), "UnitInterval": (sp.S.Zero, sp.S.One),
         "Real": (-sp.oo, sp.oo), "PositiveInteger": (sp.oo,)}


def end_series(expr: sp.Expr, domains: Mapping[sp.Symbol, Any]) -> sp.Expr:
    """``expr`` with each cancelling sum of one parameter (see the module docstring) replaced
    by ``Piecewise((series, near the end), (sum, True))``; equal to it as a function.

    ``domains`` maps parameters to their :class:`symkl.family.Domain`; other symbols (the
    remainder's steps) are left alone.
    """
    if isinstance(expr, sp.Piecewise) or not expr.is_Add:
        return expr
    terms = list(expr.args)
    changed = False
    for x, domain in domains.items():
        ends = _ENDS.get(getattr(domain, "name", ""), ())
        if not ends or not any(t.has(x) for t in terms):
            continue
        groups: dict[sp.Expr, list[sp.Expr]] = {}
        for t in terms:
            mine = [f for f in sp.Mul.make_args(t) if f.free_symbols <= {x}]
            rest = sp.Mul(*[f for f in sp.Mul.make_args(t) if not any(f is m for m in mine)])
            groups.setdefault(rest, []).append(sp.Mul(*mine))
        terms = []
        for rest, members in groups.items():
            g = sp.Add(*members)
            if len(members) > 1 and g.has(x) and g.atoms(sp.Function):
                pieces = [piece for c in ends if _cancels(members, x, c)
                          for piece in [_switch(g, x, c)] if piece is not None]
                if pieces:
                    g, changed = sp.Piecewise(*pieces, (g, True)), True
                terms.append(rest * g)
            else:
                terms.extend(rest * m for m in members)
    return sp.Add(*terms) if changed else expr


def _plain(e: sp.Expr) -> sp.Expr:
    """besselie(n, x) as exp(-x) I_n(x), which SymPy evaluates and expands at finite points."""
    return e.replace(lambda n: isinstance(n, besselie),
                     lambda n: sp.exp(-n.args[1]) * sp.besseli(*n.args))


def _cancels(members: list[sp.Expr], x: sp.Symbol, c: sp.Expr) -> bool:
    """Whether the sum of ``members`` is CANCELS times smaller than its terms near ``c``."""
    point = (sp.Float(1 / PROBE) if c is sp.oo else sp.Float(-1 / PROBE) if c is -sp.oo
             else c + sp.Float(PROBE) if c == 0 else c - sp.Float(PROBE))
    try:
        values = [sp.N(_plain(m).xreplace({x: point}), 30) for m in members]
        if not all(v.is_Float or v.is_Integer or v.is_Rational for v in values):
            return False
        total = abs(sp.Add(*values))
        return total == 0 or sum(abs(v) for v in values) > CANCELS * total
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def _switch(g: sp.Expr, x: sp.Symbol, c: sp.Expr) -> tuple[sp.Expr, sp.Basic] | None:
    """The series of g at c and the condition that x lies within its radius, or None when no
    series in integer powers (of x - c, or of 1/x at infinity, beside logs) is derived."""
    found = []
    for n in (ORDER + 8, ORDER + 16):  # orders lost to cancelling leading terms show as a
        try:                           # disagreement between the two truncations
            scale, low, coeffs, outside = _Series(x, c, n)(g)
        except _NoSeries:
            return None
        if scale != 0 or any(coeffs[:-low]):  # a pole (low < 0) that does not cancel
            return None
        found.append([Fraction(0)] * low + coeffs[max(0, -low):])
    lead = next((k for k, a in enumerate(found[0]) if a != 0), None)
    if lead is None:
        return None
    same = next((k for k, (a, b) in enumerate(zip(*found)) if a != b), len(found[0]))
    coeffs = found[0][lead:min(same, lead + ORDER)]
    if len(coeffs) < ORDER // 2:
        return None
    top = max(k for k, a in enumerate(coeffs) if a != 0)  # its term bounds the error
    if top == 0:
        return None
    radius = float(TOLERANCE * abs(coeffs[0]) / abs(coeffs[top])) ** (1 / top)
    v = 1 / x if c is sp.oo else -1 / x if c is -sp.oo else x - c if c == 0 else c - x
    body = sp.S.Zero
    for a in reversed(coeffs[:top + 1]):  # Horner's scheme
        body = sp.Float(float(a), 17) + v * body
    near = v < radius
    if c.is_infinite:  # 1/|x| < radius
        near = x > 1 / radius if c is sp.oo else x < -1 / radius
    return outside + v ** lead * body, near


class _NoSeries(Exception):
    """The expression has no power series of the kind :class:`_Series` derives."""


class _Series:
    """Exact truncated power series in u (x = c + u, c - u, or +-1/u at infinity) of an
    expression of x, as (scale, low, coefficients, outside):
    sqrt(u / (2 pi))^scale u^low sum a_k u^k + outside, where ``outside`` (SymPy, of x) holds
    the logs of u and constants that a power series has no place for (log I_0(x) at infinity
    is x - log(2 pi x) / 2 + a series in 1/x).

    Sums, products, integer powers, log and exp, and besselie: its Taylor series at 0, its
    asymptotic expansion (with scale 1) at infinity.
    """

    def __init__(self, x: sp.Symbol, c: sp.Expr, n: int):
        self.x, self.c, self.n = x, c, n

    def _constant(self, value: Fraction) -> tuple:
        return 0, 0, [value] + [Fraction(0)] * (self.n - 1), sp.S.Zero

    def __call__(self, e: sp.Expr) -> tuple[int, int, list[Fraction], sp.Expr]:
        n, c = self.n, self.c
        if e == self.x:
            if c.is_infinite:
                return 0, -1, [Fraction(1 if c is sp.oo else -1)] + [Fraction(0)] * (n - 1), \
                    sp.S.Zero
            return 0, 0, [Fraction(int(c)), Fraction(1 if c == 0 else -1)] + \
                [Fraction(0)] * (n - 2), sp.S.Zero
        if e.is_Rational:
            return self._constant(Fraction(int(e.p), int(e.q)))
        if e.is_Add:
            parts = [self(a) for a in e.args]
            if len({p[0] for p in parts}) != 1:
                raise _NoSeries
            low = min(p[1] for p in parts)
            total = [Fraction(0)] * n
            for _, lo, a, _ in parts:
                for k in range(n - (lo - low)):
                    total[k + lo - low] += a[k]
            return parts[0][0], low, total, sp.Add(*[p[3] for p in parts])
        if e.is_Mul:
            out = self._constant(Fraction(1))
            for f in e.args:
                out = self._times(out, self(f))
            return out
        if e.is_Pow and e.exp.is_Integer:
            base = self(e.base)
            if e.exp < 0:
                base = self._inverse(base)
            out = self._constant(Fraction(1))
            for _ in range(abs(int(e.exp))):
                out = self._times(out, base)
            return out
        if isinstance(e, sp.log):
            return self._log(self(e.args[0]))
        if isinstance(e, sp.exp):
            scale, low, a, outside = self(e.args[0])
            if scale or outside != 0 or low < 0 or (low == 0 and a[0] != 0):
                raise _NoSeries
            w = [Fraction(0)] * low + a[:n - low]
            return 0, 0, self._compose(w, [1 / Fraction(factorial(k)) for k in range(n)]), \
                sp.S.Zero
        if isinstance(e, besselie) and e.args[1] == self.x and e.args[0].is_Integer:
            return self._besselie(int(e.args[0]))
        raise _NoSeries

    def _log(self, p: tuple) -> tuple[int, int, list[Fraction], sp.Expr]:
        """log(sqrt(u / (2 pi))^s u^m a0 (1 + w)): the logs of u and of a0 go outside."""
        scale, low, a, outside = p
        shift = next((k for k, v in enumerate(a) if v != 0), None)
        if outside != 0 or shift is None or shift > 4 or a[shift] < 0:
            raise _NoSeries
        a0, low = a[shift], low + shift
        w = [Fraction(0)] + [v / a0 for v in a[shift + 1:]] + [Fraction(0)] * shift
        x = self.x
        log_u = -sp.log(x) if self.c is sp.oo else sp.log(x - self.c) if self.c == 0 \
            else sp.log(self.c - x)
        if self.c is -sp.oo and (scale or low):
            raise _NoSeries
        extra = low * log_u + sp.log(sp.Rational(a0.numerator, a0.denominator)) + \
            scale * (log_u - sp.log(2 * sp.pi)) / 2
        return 0, 0, self._compose(w, [Fraction(0)] + [
            Fraction((-1) ** (k + 1), k) for k in range(1, self.n)]), extra

    def _times(self, p: tuple, q: tuple) -> tuple[int, int, list[Fraction]]:
        n, out = self.n, [Fraction(0)] * self.n
        b = [(k, v) for k, v in enumerate(q[2]) if v]
        for j, a in enumerate(p[2]):
            if a:
                for k, v in b:
                    if j + k >= n:
                        break
                    out[j + k] += a * v
        outside = sp.S.Zero
        for one, other in ((p, q), (q, p)):  # outside parts times a constant series only
            if one[3] != 0:
                if other[0] or other[1] or any(other[2][1:]) or other[3] != 0:
                    raise _NoSeries
                outside += one[3] * sp.Rational(other[2][0].numerator, other[2][0].denominator)
        return p[0] + q[0], p[1] + q[1], out, outside

    def _inverse(self, p: tuple) -> tuple[int, int, list[Fraction]]:
        scale, low, a, outside = p
        shift = next((k for k, v in enumerate(a) if v != 0), None)
        if shift is None or shift > 4 or outside != 0:
            raise _NoSeries
        a = a[shift:] + [Fraction(0)] * shift  # the lost orders: what the spare terms are for
        out: list[Fraction] = []
        for k in range(self.n):
            out.append(((1 if k == 0 else 0) - sum((out[j] * a[k - j] for j in range(k)),
                                                   Fraction(0))) / a[0])
        return -scale, -(low + shift), out, sp.S.Zero

    def _compose(self, w: list[Fraction], f: list[Fraction]) -> list[Fraction]:
        """sum_k f_k w^k, w with no constant term."""
        out, power = [Fraction(0)] * self.n, [Fraction(1)] + [Fraction(0)] * (self.n - 1)
        for fk in f:
            out = [o + fk * p for o, p in zip(out, power)]
            power = self._times((0, 0, power, 0), (0, 0, w, 0))[2]
        return out

    def _besselie(self, v: int) -> tuple[int, int, list[Fraction]]:
        n, v = self.n, abs(v)
        if self.c.is_infinite:  # DLMF 10.40.1, over sqrt(u / (2 pi)); x = -1/u: no
            if self.c is not sp.oo:
                raise _NoSeries
            a, out = Fraction(1), []
            for k in range(n):
                out.append((-1) ** k * a)
                a = a * (4 * v * v - (2 * k + 1) ** 2) / ((k + 1) * 8)
            return 1, 0, out, sp.S.Zero
        if self.c != 0:
            raise _NoSeries
        bessel = [Fraction(0)] * n  # I_v(u) = sum (u/2)^(2m+v) / (m! (m+v)!)
        for m in range((n - v + 1) // 2):
            bessel[2 * m + v] = Fraction(1, 2 ** (2 * m + v) * factorial(m) * factorial(m + v))
        decay = [Fraction((-1) ** k, factorial(k)) for k in range(n)]
        return self._times((0, 0, bessel, sp.S.Zero), (0, 0, decay, sp.S.Zero))
