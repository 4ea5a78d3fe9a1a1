"""Rewrites for numerically stable code, and the Taylor remainder that replaces KL near P = Q.

Two tools, both driven by the expression (no per-pair table):

* :func:`stable_form` rewrites unstable spellings into the special functions a numeric library
  evaluates accurately: ``c*log(u)`` whose coefficient is a factor of ``u`` becomes
  ``xlogy(c, u)`` (zero when ``c`` is, so ``0 log 0`` is 0 rather than NaN), a log of a ratio
  whose numerator and denominator share their constant becomes ``log1p`` of the exact
  difference, ``log(1 + w)`` becomes ``log1p(w)``, ``exp(w) - 1`` becomes ``expm1(w)``, and
  ``loggamma(a) + loggamma(b) -
  loggamma(a + b)`` becomes ``betaln(a, b)``.
* :func:`taylor_remainder` handles the cancellation of a closed form near P = Q.  When Q's
  parameters are free symbols, KL is zero with a zero gradient at Q = P, so with h the parameter
  difference, KL = integral_0^1 (1 - t) h' H(P, P + t h) h dt, where H is the Hessian in Q's
  parameters.  Every term of this integral is positive near P = Q: no cancellation.  The generated
  code evaluates it by Gauss-Legendre quadrature where the direct form loses digits.

>>> import sympy as sp
>>> p1, p2 = sp.symbols("p1 p2", positive=True)
>>> stable_form((1 - p1) * sp.log((1 - p1) / (1 - p2)))
xlog1py(1 - p1, (-p1 + p2)/(1 - p2))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

if TYPE_CHECKING:
    from symkl.result import Result


class xlogy(sp.Function):  # noqa: N801 - printed under the name numeric libraries use
    """x*log(y), defined as 0 where x = 0."""


class xlog1py(sp.Function):  # noqa: N801
    """x*log1p(y), defined as 0 where x = 0."""


class log1p(sp.Function):  # noqa: N801
    """log(1 + x), accurate for small x."""


class expm1(sp.Function):  # noqa: N801
    """exp(x) - 1, accurate for small x."""


class betaln(sp.Function):  # noqa: N801
    """log B(a, b) = loggamma(a) + loggamma(b) - loggamma(a + b), accurate for large a, b."""


STABLE_FUNCTIONS = (xlogy, xlog1py, log1p, expm1, betaln)


def stable_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with stable spellings (see the module docstring); equal to it as a function.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> stable_form(sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b) + sp.log(1 + a))
    betaln(a, b) + log1p(a)
    """
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(stable_form(e), c) for e, c in expr.args])
    terms = [_stable_term(t) for t in sp.Add.make_args(_betaln(expr))]
    return _expm1(sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0])


def terms_of(expr: sp.Expr) -> tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]:
    """The top-level terms, and the coefficients of their logs.

    The rounding error of the sum is about eps times the sum of the terms' magnitudes, plus
    eps times each log's coefficient (a log is accurate to eps absolutely, not relatively).

    >>> p, q = sp.symbols("p q", positive=True)
    >>> terms_of(stable_form(p * sp.log(p / q) + q))
    ((q, xlogy(p, p/q)), (p,))
    """
    terms = tuple(sp.Add.make_args(expr))
    weights = []
    for t in terms:
        for f in sp.Mul.make_args(t):
            if isinstance(f, (xlogy, xlog1py)):
                weights.append(sp.Mul(*[g for g in sp.Mul.make_args(t) if g is not f])
                               * f.args[0])
            elif isinstance(f, (sp.log, log1p)):
                weights.append(sp.Mul(*[g for g in sp.Mul.make_args(t) if g is not f]))
    return terms, tuple(weights)


def _stable_term(term: sp.Expr) -> sp.Expr:
    factors = sp.Mul.make_args(term)
    logs = [f for f in factors if isinstance(f, sp.log)]
    if len(logs) != 1:
        return _log1p_inside(term)
    number, coeff = sp.Mul(*[f for f in factors if f is not logs[0]]).as_coeff_Mul()
    arg = logs[0].args[0]
    small = _one_plus(arg)
    if coeff.free_symbols and sp.gcd(coeff, sp.fraction(sp.together(arg))[0]) != 1:
        # c log(c ...): 0 log 0 must be 0, not NaN
        return number * (xlog1py(coeff, small) if small is not None else xlogy(coeff, arg))
    return number * coeff * (log1p(small) if small is not None else logs[0])


def _one_plus(arg: sp.Expr) -> sp.Expr | None:
    """w with arg = 1 + w when w is simpler to compute exactly (shared constants cancel)."""
    from symkl.canonical import tidy_args
    num, den = sp.fraction(sp.together(arg))
    if not num.is_Add:
        return None
    if den == 1:
        return arg - 1 if sp.S.One in arg.args else None
    diff = sp.expand(num - den)
    if diff == 0 or any(t.is_Number for t in sp.Add.make_args(diff)):
        return None
    diff = tidy_args(diff)  # (g1 + g2)^2 - 4 g1 g2 -> (g1 - g2)^2: exact near P = Q
    return diff / den if sp.count_ops(diff) <= sp.count_ops(num) else None


def _log1p_inside(e: sp.Expr) -> sp.Expr:
    def swap(node: sp.Expr) -> sp.Expr:
        w = _one_plus(node.args[0]) if node.args[0].is_Add else None
        return log1p(w) if w is not None else node
    return e.replace(lambda n: isinstance(n, sp.log), swap)


def _betaln(expr: sp.Expr) -> sp.Expr:
    """Pair loggamma(a) + loggamma(b) - loggamma(a + b) (same coefficient +-c) into c betaln."""
    terms = list(sp.Add.make_args(expr))
    lg = {}
    for i, t in enumerate(terms):
        c, rest = t.as_coeff_Mul()
        if isinstance(rest, sp.loggamma) and c in (1, -1):
            lg.setdefault(rest.args[0], []).append((i, c))
    used: set[int] = set()
    out = []
    for s, s_list in lg.items():
        if not s.is_Add or len(s.args) != 2:
            continue
        a, b = s.args
        for i, c in s_list:
            ia = [j for j, cj in lg.get(a, []) if cj == -c and j not in used]
            ib = [j for j, cj in lg.get(b, []) if cj == -c and j not in used]
            if i not in used and ia and ib and ia[0] != ib[0]:
                used.update((i, ia[0], ib[0]))
                out.append(-c * betaln(a, b))
    if not used:
        return expr
    return sp.Add(*[t for j, t in enumerate(terms) if j not in used], *out)


def _expm1(expr: sp.Expr) -> sp.Expr:
    """k*exp(w) - k inside one sum -> k*expm1(w)."""
    terms = list(sp.Add.make_args(expr))
    constants = [t for t in terms if t.is_Number]
    for t in terms:
        c, rest = t.as_coeff_Mul()
        if isinstance(rest, sp.exp) and -c in constants:
            terms.remove(t)
            terms.remove(-c)
            return sp.Add(*terms, c * expm1(rest.args[0]))
    return expr


@dataclass(frozen=True)
class TaylorRemainder:
    """KL near P = Q as the integral of the Hessian quadratic form along the segment."""

    anchor: tuple[sp.Expr, ...]  # Q's parameter values at which Q = P (in P's parameters)
    q_symbols: tuple[sp.Symbol, ...]
    steps: tuple[sp.Symbol, ...]  # h_j = q_j - anchor_j
    quadratic_form: sp.Expr  # h' H(params) h


def taylor_remainder(result: "Result") -> TaylorRemainder | None:
    """The remainder form of a KL between two members of one family, or None if not such a KL.

    >>> import symkl
    >>> from symkl.families import Exponential
    >>> taylor_remainder(symkl.kl(Exponential(), Exponential())).quadratic_form
    h0**2/lam2**2
    """
    Q = result.Q
    if (result.quantity != "kl" or Q is None or result.P.family is not Q.family
            or result.is_infinite or result.expr.has(sp.Piecewise, sp.Sum)):
        return None
    qs = Q.values
    p_symbols = set().union(*[v.free_symbols for v in result.P.values])
    if not all(v.is_Symbol for v in qs) or len(set(qs)) != len(qs) or set(qs) & p_symbols:
        return None
    steps = tuple(sp.Symbol(f"h{j}", real=True) for j in range(len(qs)))
    form = sp.S.Zero
    for j, qj in enumerate(qs):
        first = sp.diff(result.expr, qj)
        for k, qk in enumerate(qs[j:], start=j):
            second = _regular(sp.diff(first, qk))  # as differentiated: cancel() would expand
            form += (1 if j == k else 2) * steps[j] * steps[k] * second
    return TaylorRemainder(tuple(result.P.values), tuple(qs), steps, form)


def _regular(e: sp.Expr) -> sp.Expr:
    """Drop point masses of |.| derivatives (they cancel in a C^1 closed form); sign^2 -> 1."""
    e = e.replace(lambda n: isinstance(n, sp.DiracDelta), lambda n: sp.S.Zero)
    return e.replace(lambda n: n.is_Pow and isinstance(n.base, sp.sign) and n.exp.is_even,
                     lambda n: sp.S.One)
