"""Rewrites for numerically stable code (the remainder near P = Q is :mod:`symkl.remainder`,
removable singularities :mod:`symkl.removable`, products and sums that overflow term by term
:mod:`symkl.overflow_forms`, the special-function identities and tails
:mod:`symkl.special_forms`).

Driven by the expression (no per-pair table):

* :func:`stable_form` rewrites unstable spellings into the special functions a numeric library
  evaluates accurately: ``c*log(u)`` whose coefficient is a factor of ``u`` becomes
  ``xlogy(c, u)`` (zero when ``c`` is, so ``0 log 0`` is 0 rather than NaN), a log of a ratio
  whose numerator and denominator share their constant becomes ``log1p`` of the exact
  difference, ``log(1 + w)`` becomes ``log1p(w)``, ``exp(w) - 1`` becomes ``expm1(w)``, and
  ``loggamma(a) + loggamma(b) -
  loggamma(a + b)`` becomes ``betaln(a, b)``, ``exp(w) (1 - erf(x))`` becomes
  ``exp(w - x^2) erfcx(x)`` (:func:`symkl.special_forms.scaled_erfc`), ``c exp(x) - c exp(y)``
  becomes ``c exp(y) expm1(x - y)`` (:func:`exp_differences`), ``I_(-v) - I_v`` becomes K_v and
  K_v(x) / Gamma(v) ``besselk_gamma_log`` (:func:`symkl.special_forms.bessel_k`).

>>> import sympy as sp
>>> p1, p2 = sp.symbols("p1 p2", positive=True)
>>> stable_form((1 - p1) * sp.log((1 - p1) / (1 - p2)))
xlog1py(1 - p1, (-p1 + p2)/(1 - p2))
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.core.logic import fuzzy_and

from symkl.special_forms import (
    bessel_k,
    besselie,
    besselk_gamma_log,
    digamma_tail,
    erfcx,
    erfcx_tail,
    lgamma_tail,
    scaled_bessel,
    scaled_erfc,
    trigamma_tail,
)


class xlogy(sp.Function):  # noqa: N801 - printed under the name numeric libraries use
    """x*log(y), defined as 0 where x = 0."""


class xlog1py(sp.Function):  # noqa: N801
    """x*log1p(y), defined as 0 where x = 0."""


class difference(sp.Function):  # noqa: N801
    """x - y, taken before anything else is added: exact (Sterbenz's lemma) when x and y are
    within a factor 2, as a parameter of P and its counterpart in Q are near P = Q."""

    def _eval_is_extended_real(self) -> bool | None:  # so |exp(difference)| is no exp(re(.))
        return fuzzy_and(a.is_extended_real for a in self.args)

    def _eval_is_finite(self) -> bool | None:
        return fuzzy_and(a.is_finite for a in self.args)


class log1p(sp.Function):  # noqa: N801
    """log(1 + x), accurate for small x."""


class expm1(sp.Function):  # noqa: N801
    """exp(x) - 1, accurate for small x."""


class betaln(sp.Function):  # noqa: N801
    """log B(a, b) = loggamma(a) + loggamma(b) - loggamma(a + b), accurate for large a, b."""


STABLE_FUNCTIONS = (difference, xlogy, xlog1py, log1p, expm1, betaln, trigamma_tail, lgamma_tail,
                    digamma_tail, besselie, erfcx, erfcx_tail, besselk_gamma_log)


def stable_form(expr: sp.Expr, pairs: Sequence[tuple[sp.Expr, sp.Expr]] = ()) -> sp.Expr:
    """``expr`` with stable spellings (see the module docstring); equal to it as a function.

    ``pairs`` lists matching parameters (P's, Q's): a log of a ratio whose numerator and
    denominator differ by differences of such pairs only becomes log1p of those differences,
    each taken first (:func:`group_differences`), however many terms that takes.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> stable_form(sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b) + sp.log(1 + a))
    betaln(a, b) + log1p(a)
    """
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(stable_form(e, pairs), c) for e, c in expr.args])
    pairs = tuple(pairs)
    expr = factor_sums(exp_differences(scaled_erfc(scaled_bessel(bessel_k(expr)))))
    terms = [_stable_term(t, pairs) for t in sp.Add.make_args(_betaln(expr))]
    return _expm1(sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0])


def exp_differences(expr: sp.Expr) -> sp.Expr:
    """``c exp(x) - c exp(y)`` in a sum as ``c exp(y) expm1(x - y)`` where x - y is no longer
    than x and y together (a1/b - b1/b is (a1 - b1)/b): the two exponentials are within
    (x - y) of each other, and their difference keeps the digits of x - y instead of
    eps / (x - y) of them (Uniform || Gumbel with beta2 = 5e5).

    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> exp_differences(c * sp.exp(a / c) - c * sp.exp(b / c) + 1)
    c*expm1((a - b)/c)*exp(b/c) + 1
    """
    def split(term: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
        factors = sp.Mul.make_args(term)
        exps = [f for f in factors if isinstance(f, sp.exp)]
        if len(exps) != 1:
            return None
        return sp.Mul(*[f for f in factors if f is not exps[0]]), exps[0].args[0]

    def paired(node: sp.Expr) -> sp.Expr:
        terms = list(node.args)
        parts = [split(t) for t in terms]
        for i, pi in enumerate(parts):
            for j, pj in enumerate(parts):
                if i == j or pi is None or pj is None or pi[0] != -pj[0]:
                    continue
                (c, x), y = pi, pj[1]
                gap = sp.factor_terms(sp.cancel(x - y))
                if gap == 0 or sp.count_ops(gap) > sp.count_ops(x) + sp.count_ops(y):
                    continue
                rest = [t for k, t in enumerate(terms) if k not in (i, j)]
                return paired(sp.Add(*rest, c * sp.exp(y) * expm1(gap))) if rest \
                    else c * sp.exp(y) * expm1(gap)
        return node
    if not expr.has(sp.exp):
        return expr
    return expr.replace(lambda n: n.is_Add and n.has(sp.exp), paired)


def group_differences(expr: sp.Basic, pairs: Sequence[tuple[sp.Expr, sp.Expr]]) -> sp.Basic:
    """``expr`` with each sum that holds ``c*q - c*p`` for a pair (p, q) of matching parameters
    (P's and Q's) spelled ``c*difference(q, p)``: the difference is taken first, exactly when p
    and q are close, instead of after other terms have been added and rounded.

    >>> a1, b1, a2, b2 = sp.symbols("a1 b1 a2 b2", real=True)
    >>> group_differences(sp.log(1 + (a1 - a2 - b1 + b2) / (b1 - a1)), [(a1, a2), (b1, b2)])
    log(1 + (-difference(a2, a1) + difference(b2, b1))/(-a1 + b1))
    """
    table = {q: p for p, q in pairs if p.is_Symbol and q.is_Symbol}
    if not table:
        return expr
    both = dict(table)
    both.update({p: q for q, p in table.items()})

    def visit(node: sp.Basic) -> sp.Basic:
        if not node.args or isinstance(node, (difference, sp.core.relational.Relational)):
            return node
        args = [visit(a) for a in node.args]
        if not node.is_Add:
            return node.func(*args) if args != list(node.args) else node
        found = {}
        for i, t in enumerate(args):
            c, s = t.as_coeff_Mul()
            if s in both:
                found[s] = (i, c)
        used, out = set(), []
        for s, (i, c) in sorted(found.items(), key=lambda kv: kv[1][0]):
            partner = both[s]
            if i in used or partner not in found or found[partner][1] != -c:
                continue
            used.update((i, found[partner][0]))
            q, p = (s, partner) if s in table else (partner, s)
            out.append((c if s is q else -c) * difference(q, p))
        if not used:
            return node.func(*args)
        return sp.Add(*[t for i, t in enumerate(args) if i not in used], *out)
    return visit(expr)


def factor_sums(expr: sp.Basic) -> sp.Basic:
    """Each innermost sum of rational terms (no sum inside, no function) factored over a common
    denominator: r/p - r is r (1 - p)/p, and 1 - p is exact near p = 1 where r/p - r keeps
    log2(1/(1 - p)) bits fewer (NegativeBinomial near p = 1).

    >>> r, p = sp.symbols("r p", positive=True)
    >>> factor_sums(sp.log(1 - p) * (r / p - r))
    -r*(p - 1)*log(1 - p)/p
    """
    def rational(node: sp.Expr) -> bool:
        return node.is_Add and not node.atoms(sp.Function) and all(
            not a.has(sp.Add) for a in node.args) and node.free_symbols != set()

    def swap(node: sp.Expr) -> sp.Expr:
        factored = sp.factor(node)
        if factored == node or sp.count_ops(factored) > sp.count_ops(node) + 2:
            return node
        return factored
    return expr.replace(rational, swap)


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


def _stable_term(term: sp.Expr, pairs: tuple = ()) -> sp.Expr:
    factors = sp.Mul.make_args(term)
    logs = [f for f in factors if isinstance(f, sp.log)]
    if len(logs) != 1:
        return _log1p_inside(term, pairs)
    number, coeff = sp.Mul(*[f for f in factors if f is not logs[0]]).as_coeff_Mul()
    arg = logs[0].args[0]
    small = _one_plus(arg, pairs)
    if coeff.free_symbols and sp.gcd(coeff, sp.fraction(sp.together(arg))[0]) != 1:
        # c log(c ...): 0 log 0 must be 0, not NaN
        return number * (xlog1py(coeff, small) if small is not None else xlogy(coeff, arg))
    return number * coeff * (log1p(small) if small is not None else logs[0])


def _one_plus(arg: sp.Expr, pairs: tuple = ()) -> sp.Expr | None:
    """w with arg = 1 + w when w is simpler to compute exactly (shared constants cancel)."""
    from symkl.canonical import tidy_args
    num, den = sp.fraction(sp.together(arg))
    if den.free_symbols:  # a(b + 1)/(ab + a + 2): a constant apart, w = -2/(ab + a + 2)
        diff = sp.expand(num - den)
        if diff.is_Number and diff != 0:
            return diff / den
    if not num.is_Add:
        return None
    if den == 1:
        return arg - 1 if sp.S.One in arg.args else None
    diff = sp.expand(num - den)
    if diff == 0 or any(t.is_Number for t in sp.Add.make_args(diff)):
        return None
    if pairs:  # only differences of matching parameters: each exact near P = Q
        grouped = group_differences(diff, pairs)
        if not grouped.xreplace({d: sp.S.One for d in grouped.atoms(difference)}
                                ).free_symbols:
            return grouped / den
    diff = tidy_args(diff)  # (g1 + g2)^2 - 4 g1 g2 -> (g1 - g2)^2: exact near P = Q
    return diff / den if sp.count_ops(diff) <= sp.count_ops(num) else None


def _log1p_inside(e: sp.Expr, pairs: tuple = ()) -> sp.Expr:
    def swap(node: sp.Expr) -> sp.Expr:
        w = _one_plus(node.args[0], pairs) if node.args[0].is_Add else None
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
