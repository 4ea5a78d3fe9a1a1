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

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import permutations
from typing import TYPE_CHECKING, Any

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


class trigamma_tail(sp.Function):  # noqa: N801
    """polygamma(1, x) minus the first two terms 1/x + 1/(2 x^2) of its expansion at infinity.

    Small (about 1/(6 x^3)) for large x, where the leading terms cancel in a Hessian: numeric
    code sums the rest of SymPy's asymptotic series (see :func:`trigamma_tail_function`).
    """


class lgamma_tail(sp.Function):  # noqa: N801
    """loggamma(x) - ((x - 1/2) log x - x + log(2 pi)/2): about 1/(12 x), see :func:`stirling`."""


class digamma_tail(sp.Function):  # noqa: N801
    """polygamma(0, x) - (log x - 1/(2 x)): about -1/(12 x^2), see :func:`stirling`."""


STABLE_FUNCTIONS = (xlogy, xlog1py, log1p, expm1, betaln, trigamma_tail, lgamma_tail,
                    digamma_tail)
# each tail: the function it trims, and the first inverse power of x left in it
TAILS = {lgamma_tail: (sp.loggamma, 1), digamma_tail: (lambda x: sp.polygamma(0, x), 2),
         trigamma_tail: (lambda x: sp.polygamma(1, x), 3)}


@cache
def tail_series(tail: type) -> tuple[sp.Expr, tuple[tuple[float, int], ...]]:
    """The leading part of ``tail``'s function at infinity (an expression in x) and the
    (coefficient, power) pairs of the rest, sum c / x^k, to 1e-16 for x >= TAIL_FROM.

    Derived by SymPy from the Stirling series, not typed in.

    >>> tail_series(lgamma_tail)[0]
    x*log(x) - x - log(x)/2 + log(2)/2 + log(pi)/2
    >>> tail_series(digamma_tail)[1][:2]
    ((-0.08333333333333333, 2), (0.008333333333333333, 4))
    """
    x = sp.Symbol("x", positive=True)
    f, first = TAILS[tail]
    series = sp.expand(sp.expand_log(f(x).series(x, sp.oo, 24).removeO(), force=True))
    lead, rest = sp.S.Zero, []
    for term in sp.Add.make_args(series):
        c, k = term.as_coeff_exponent(x)
        if term.has(sp.log) or not c.is_number or -k < first:
            lead += term
        elif abs(float(c)) * TAIL_FROM ** float(k) > 1e-18 / TAIL_FROM ** first:
            rest.append((float(c), int(-k)))
    return lead, tuple(sorted(rest, key=lambda ck: ck[1]))


def tail_function(tail: type, where: Any, f: Any) -> Any:
    """A backend's ``tail`` (lgamma_tail or digamma_tail) from its ``where`` and the trimmed
    function ``f``: the series for x >= TAIL_FROM, f minus the leading part below.

    >>> import numpy as np, scipy.special as sc
    >>> g = tail_function(lgamma_tail, np.where, sc.gammaln)
    >>> x = np.array([0.01, 3.0, 10.0, 20.0])
    >>> bool(np.allclose(g(x), sc.gammaln(x) - (x - 0.5) * np.log(x) + x - 0.918938533204673,
    ...                  rtol=1e-9, atol=0))
    True
    >>> float(g(np.array([1e6]))[0])  # 1/(12 x) - 1/(360 x^3): the direct difference keeps 2
    8.333333333333056e-08
    """
    lead, terms = tail_series(tail)
    x = sp.Symbol("x", positive=True)
    from symkl.codegen import compile_function
    ns = {"log": lambda v: (v.log() if hasattr(v, "log") else __import__("numpy").log(v))}
    leading = compile_function([lead], (x,), ns)
    step = terms[1][1] - terms[0][1]

    def value(x: Any) -> Any:
        big = x >= TAIL_FROM
        z = where(big, x, TAIL_FROM)
        r = 1.0 / z ** step
        series = 0.0
        for c, _ in reversed(terms):
            series = series * r + c
        small = where(big, 1.0, x)
        return where(big, series / z ** terms[0][1], f(small) - leading(small)[0])
    return value


def stirling(expr: sp.Expr) -> sp.Expr:
    """``expr`` with loggamma and digamma split into their Stirling leading parts and small
    tails, expanded so that the x log x and log x parts cancel symbolically, and logs with a
    common coefficient combined into the log of one ratio (which :func:`stable_form` spells
    with log1p or xlogy).  Unchanged when it has neither function, or when an argument is not
    known to be positive.

    >>> a = sp.Symbol("a", positive=True)
    >>> stirling(sp.loggamma(a) + (1 - a) * sp.polygamma(0, a) + a).has(a * sp.log(a))
    False
    """
    args = [n.args[-1] for n in expr.atoms(sp.loggamma, sp.polygamma)
            if isinstance(n, sp.loggamma) or n.args[0] == 0]
    if not args or not all(a.is_positive for a in args):  # log x must be real
        return expr
    x = sp.Symbol("x", positive=True)
    table = {tail: tail_series(tail)[0] for tail in (lgamma_tail, digamma_tail)}
    expr = expr.replace(lambda n: isinstance(n, sp.loggamma),
                        lambda n: table[lgamma_tail].subs(x, n.args[0]) + lgamma_tail(n.args[0]))
    expr = expr.replace(lambda n: isinstance(n, sp.polygamma) and n.args[0] == 0,
                        lambda n: table[digamma_tail].subs(x, n.args[1])
                        + digamma_tail(n.args[1]))
    grouped: dict[sp.Expr, list[tuple[sp.Expr, sp.Expr]]] = {}
    others = []
    for term in sp.Add.make_args(sp.expand(expr)):
        number, rest = term.as_coeff_Mul()
        logs = [f for f in sp.Mul.make_args(rest) if isinstance(f, sp.log)]
        if len(logs) == 1 and number.is_Rational and logs[0].free_symbols:
            coeff = sp.Mul(*[f for f in sp.Mul.make_args(rest) if f is not logs[0]])
            grouped.setdefault(coeff, []).append((number, logs[0].args[0]))
        else:
            others.append(term)
    for coeff, parts in grouped.items():
        lead = parts[0][0]  # the log of one product of powers, times the first multiplicity
        ratio = sp.Mul(*[arg ** (n / lead) for n, arg in parts])
        others.append(lead * coeff * sp.log(ratio) if ratio.free_symbols else
                      sum(n * coeff * sp.log(arg) for n, arg in parts))
    return sp.Add(*others)
TAIL_FROM = 10.0  # the asymptotic series of trigamma_tail is summed from here on


@lru_cache(maxsize=1)
def trigamma_tail_series() -> tuple[tuple[float, int], ...]:
    """(coefficient, power) pairs: trigamma_tail(x) = sum c / x^k for x >= TAIL_FROM, to 1e-16.

    Derived by SymPy (the Stirling series of polygamma(1, x) at infinity), not typed in.

    >>> trigamma_tail_series()[:2]
    ((0.16666666666666666, 3), (-0.03333333333333333, 5))
    """
    x = sp.Symbol("x", positive=True)
    series = sp.polygamma(1, x).series(x, sp.oo, 24).removeO()
    out = []
    for term in sp.Add.make_args(sp.expand(series)):
        c, k = term.as_coeff_exponent(x)
        if -k >= 3 and abs(float(c)) * TAIL_FROM ** float(k) > 1e-18 / TAIL_FROM ** 3:
            out.append((float(c), int(-k)))
    return tuple(sorted(out, key=lambda ck: ck[1]))


def trigamma_tail_function(where: Any) -> Any:
    """A backend's trigamma_tail from its ``where``: the series at y = x + n >= TAIL_FROM and
    the recurrence trigamma(x) = trigamma(x + 1) + 1/x^2 below (no call to a slow trigamma).

    >>> import numpy as np
    >>> f = trigamma_tail_function(np.where)
    >>> float(f(np.array([1e6]))[0])  # 1/(6 x^3) - 1/(30 x^5): no cancellation left
    1.6666666666663333e-19
    >>> import scipy.special as sc
    >>> x = np.array([1e-3, 0.5, 3.0, 9.99])
    >>> bool(np.allclose(f(x), sc.polygamma(1, x) - 1 / x - 0.5 / x**2, rtol=1e-12))
    True
    """
    terms = trigamma_tail_series()

    def tail(x: Any) -> Any:
        y, steps = x, 0.0
        for _ in range(int(TAIL_FROM)):  # y = x + n >= TAIL_FROM; steps = sum 1/(x + k)^2
            small = y < TAIL_FROM
            steps = steps + where(small, 1.0 / (y * y), 0.0)
            y = where(small, y + 1.0, y)
        r = 1.0 / (y * y)
        series = 0.0
        for c, _ in reversed(terms):  # powers 3, 5, 7, ...: Horner in 1/y^2
            series = series * r + c
        shifted = (1.0 / y + 0.5 * r) - (1.0 / x + 0.5 / (x * x))
        return series * r / y + (steps + shifted)
    return tail


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
    ``xlog1py(c, w)`` adds no weight: w is an exact difference over a factor, so log1p(w) is
    accurate relatively.

    >>> p, q = sp.symbols("p q", positive=True)
    >>> terms_of(stable_form(sp.log(p / q) + q / p))
    ((q/p, log(p/q)), (1,))
    """
    terms = tuple(sp.Add.make_args(expr))
    weights = []
    for t in terms:
        for f in sp.Mul.make_args(t):
            if isinstance(f, xlogy):
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
    poles: tuple[sp.Expr, ...] = ()  # linear in Q's parameters; the form is singular at 0


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
    n = len(qs)
    hessian = sp.zeros(n, n)
    for j, qj in enumerate(qs):
        first = sp.diff(result.expr, qj)
        for k, qk in enumerate(qs[j:], start=j):
            # as differentiated: cancel() would expand
            hessian[j, k] = hessian[k, j] = _regular(sp.diff(first, qk))
    form = _square_form(hessian, steps)
    if form is None:
        form = sum(((1 if j == k else 2) * steps[j] * steps[k] * hessian[j, k]
                    for j in range(n) for k in range(j, n)), sp.S.Zero)
    return TaylorRemainder(tuple(result.P.values), tuple(qs), steps, form, poles_of(form, qs))


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
        return e.func(*[visit(a) for a in e.args], evaluate=False)
    return visit(form)


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
