"""Spellings for generated code where factors or terms overflow one by one while the value is
a moderate number (the generic stable spellings are :mod:`symkl.stable`).

* :func:`exp_log_form` spells a product of Gamma functions and powers that overflows factor by
  factor as exp of a sum of loggamma and log terms, and :func:`exp_sum_form` a sum of
  exponentials that overflow one by one (inf - inf) with the largest exponent taken out;
  :func:`stirling` splits loggamma and digamma of large arguments into their asymptotic
  series.

>>> import sympy as sp
>>> a, b = sp.symbols("a b", positive=True)
>>> exp_log_form(sp.gamma(a) / sp.gamma(b))
exp(loggamma(a) - loggamma(b))
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symkl.special_forms import digamma_tail, lgamma_tail, tail_series
from symkl.stable import difference, log1p, stable_form


def stirling(expr: sp.Expr) -> sp.Expr:
    """``expr`` with loggamma and digamma split into their Stirling leading parts and small
    tails, expanded so that the x log x and log x parts cancel symbolically, and logs with a
    common coefficient combined into the log of one ratio (which
    :func:`symkl.stable.stable_form` spells with log1p or xlogy).  Unchanged when it has
    neither function, or when an argument is not known to be positive.

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
    return _merge_logs(expr)  # x log x and log x parts cancel; logs of one coefficient meet


def exp_log_form(expr: sp.Expr, pairs: Sequence[tuple[sp.Expr, sp.Expr]] = (),
                 asymptotic: bool = False) -> sp.Expr:
    """``expr`` with each product of Gamma functions, powers with a symbolic exponent and
    exponentials spelled as one exponential of the sum of their logs (loggamma, e log b): the
    factors may overflow (or underflow) one by one where their product is a moderate number.
    Only where every such log is real (positive Gamma arguments and bases; with
    ``asymptotic=True`` real bases of unknown sign too, since that spelling only replaces
    elements that were inf or NaN and a NaN from log of a negative base is not taken).  With
    ``pairs`` (matching P/Q parameters) a log of the ratio of a pair in the exponent is log1p of
    their difference: the ratio's rounding (eps) would be multiplied by its coefficient.
    ``asymptotic=True`` splits the exponent's loggamma terms by :func:`stirling` (their
    x log x parts cancel symbolically: Gamma(x + 1/2) / Gamma(x) at x = 1e6).

    A Piecewise is spelled branch by branch, each under its condition: on ``k > 1`` the
    argument of Gamma((k - 1)/2) is positive (:func:`within`).

    >>> k1, k2, l1, l2 = sp.symbols("k1 k2 lam1 lam2", positive=True)
    >>> exp_log_form(l1**k2 * sp.gamma(1 + k2 / k1) / l2**k2 + 1)
    exp(k2*log(lam1/lam2) + loggamma(1 + k2/k1)) + 1
    >>> exp_log_form(sp.Piecewise((sp.gamma((k1 - 1) / 2) / sp.gamma(k1 / 2), k1 > 1),
    ...                           (sp.oo, True)))
    Piecewise((exp(-loggamma(k1/2) + loggamma(k1/2 - 1/2)), k1 > 1), (oo, True))
    """
    if isinstance(expr, sp.Piecewise):
        held = {s for p in pairs for s in p}
        branches = []
        for value, cond in expr.args:
            forward, back = within(cond, held)
            spelled = exp_log_form(value.xreplace(forward), pairs, asymptotic)
            branches.append((spelled.xreplace(back) if forward else spelled, cond))
        return sp.Piecewise(*branches)
    def positive(base: sp.Expr) -> bool:
        # asymptotic (the code that runs where the direct form was inf or NaN): a real base
        # not known to be positive too; log of a negative one is NaN, and NaN is not taken
        return bool(base.is_positive) or (asymptotic and base.is_extended_real is not False
                                           and base.is_nonpositive is not True)

    def grows(f: sp.Expr) -> bool:  # a factor that may overflow on its own
        base, e = f.as_base_exp()
        return isinstance(f, sp.exp) or isinstance(base, sp.gamma) or (
            f.is_Pow and bool(e.free_symbols) and positive(base))

    def grouped(node: sp.Expr) -> sp.Expr:
        sums = [f for f in node.args if f.is_Add and any(
            any(grows(g) for g in sp.Mul.make_args(t)) for t in f.args)]
        if asymptotic and len(sums) == 1 and any(grows(f) for f in node.args):
            # (a^(k+1) - b^(k+1)) / lam^k: each term's powers together
            others = [f for f in node.args if f is not sums[0]]
            return sp.Add(*[grouped(sp.Mul(t, *others)) if sp.Mul(t, *others).is_Mul
                            else sp.Mul(t, *others) for t in sums[0].args])
        inside, rest, big = [], [], 0
        exps = sum(isinstance(f, sp.exp) for f in node.args)
        for f in node.args:
            base, e = f.as_base_exp()
            if isinstance(base, sp.gamma) and e.is_Integer and base.args[0].is_positive:
                inside.append(e * sp.loggamma(base.args[0]))
                big += 1
            elif isinstance(f, sp.exp):
                inside.append(f.args[0])
                big += asymptotic and exps > 1
            elif f.is_Pow and e.free_symbols and positive(base):
                inside.append(e * sp.log(base))
                big += 1
            else:
                rest.append(f)
        if not big or len(inside) < 2:
            return node
        exponent = _merge_logs(sp.Add(*inside))
        if asymptotic:  # and numerically stable spellings inside
            exponent = stable_form(stirling(exponent), pairs)
        if matched:
            exponent = exponent.replace(lambda n: isinstance(n, sp.log), ratio)
        return sp.Mul(*rest) * sp.exp(exponent, evaluate=False)

    matched = {frozenset(p) for p in pairs if p[0].is_Symbol and p[1].is_Symbol}

    def ratio(node: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(node.args[0])
        if frozenset((num, den)) not in matched or num == den:
            return node
        return log1p(difference(num, den) / den)
    return expr.replace(lambda n: n.is_Mul, grouped)


def within(cond: sp.Basic, held: set[sp.Symbol] | frozenset = frozenset()
           ) -> tuple[dict[sp.Symbol, sp.Expr], dict[sp.Symbol, sp.Expr]]:
    """A substitution that builds a branch condition into the assumptions, and its inverse.

    For each strict inequality ``d > 0`` of ``cond`` (one, or an And of them) linear in a
    symbol s, s is spelled through a positive Dummy t = d, so that SymPy knows d > 0 (s keeps
    its own assumptions: its new spelling must have them too).  Symbols in ``held`` are left
    alone.  Both maps are empty when nothing applies.

    >>> k, a, b = sp.symbols("k a b", positive=True)
    >>> forward, back = within(k > 1)
    >>> ((k - 1) / 2).xreplace(forward).is_positive, (k - 1).xreplace(forward).xreplace(back)
    (True, k - 1)
    >>> (a - b).xreplace(within(a > b)[0]).is_positive
    True
    """
    forward: dict[sp.Symbol, sp.Expr] = {}
    back: dict[sp.Symbol, sp.Expr] = {}
    for rel in (cond.args if isinstance(cond, sp.And) else (cond,)):
        if not isinstance(rel, (sp.StrictGreaterThan, sp.StrictLessThan)):
            continue
        d = rel.gts - rel.lts
        for s in sorted(d.free_symbols - held - set(forward), key=str):
            slope = d.diff(s)
            if not slope.is_number or slope == 0 or d.has(*forward):
                continue
            t = sp.Dummy(f"{s.name}_t", positive=True)
            spelled = sp.expand(s + (t - d) / slope)
            if all(getattr(spelled, f"is_{a}") for a in ("positive", "real", "integer")
                   if getattr(s, f"is_{a}")):
                forward[s], back[t] = spelled, d
                break
    return forward, back


def exp_sum_form(expr: sp.Expr) -> sp.Expr:
    """Each sum of two or more terms ``c_i exp(E_i)`` spelled with its largest exponent taken
    out: with L_i = E_i + log|c_i| and M = max L_i, the sum is
    exp(M) * sum sign(c_i) exp(L_i - M).  Each exp(L_i - M) is at most 1, so nothing overflows
    before the sum is formed: where the terms are inf - inf (NaN) in the direct spelling, the
    value is now the finite sum, or +-inf where the sum itself exceeds float64.

    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> form = exp_sum_form(sp.exp(2 * a) / c - b * sp.exp(a) + 1)
    >>> at = {a: 1000, b: 2, c: 3}  # float64: exp(2000) is inf, and inf - inf is NaN
    >>> form.has(sp.Max), form.subs(at).evalf(6), (sp.exp(2000) / 3 - 2 * sp.exp(1000)).evalf(6)
    (True, 1.29373e+868, 1.29373e+868)

    Inside a log the largest exponent comes out as a sum (logsumexp), so the log of a sum
    that overflows float64 is still finite:

    >>> exp_sum_form(sp.log(sp.exp(a) + sp.exp(b)))
    log(exp(a - Max(a, b)) + exp(b - Max(a, b))) + Max(a, b)
    """
    def split(term: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
        factors = sp.Mul.make_args(term)
        exps = [f for f in factors if isinstance(f, sp.exp)]
        if not exps or any(f.args[0].is_extended_real is False for f in exps):
            return None
        c = sp.Mul(*[f for f in factors if not isinstance(f, sp.exp)])
        if c.is_extended_real is False or c.has(sp.exp):
            return None
        return c, sp.Add(*[f.args[0] for f in exps])

    def combined(node: sp.Expr) -> sp.Expr:
        parts = [(t, split(t)) for t in node.args]
        growing = [p for _, p in parts if p is not None]
        if len(growing) < 2:
            return node
        logs = [(sp.sign(c), e + sp.log(sp.Abs(c))) for c, e in growing]
        top = sp.Max(*[L for _, L in logs])
        inner = sp.Add(*[s * sp.exp(L - top) for s, L in logs])
        return sp.Add(*[t for t, p in parts if p is None], sp.exp(top) * inner)

    def log_of_product(node: sp.Expr) -> sp.Expr:  # log(exp(M) s) = M + log(s): no exp(M)
        factors = sp.Mul.make_args(node.args[0])
        exps = [f for f in factors if isinstance(f, sp.exp) and f.args[0].has(sp.Max)]
        if not exps:
            return node
        rest = sp.Mul(*[f for f in factors if not any(f is e for e in exps)])
        return sp.Add(*[e.args[0] for e in exps]) + sp.log(rest)
    form = expr.replace(lambda n: n.is_Add and n.has(sp.exp), combined)
    return form.replace(lambda n: isinstance(n, sp.log) and n.args[0].is_Mul, log_of_product)


def _merge_logs(expr: sp.Expr) -> sp.Expr:
    """Logs in a sum with a common coefficient (up to a rational multiple) as the log of one
    ratio: k log(l1) - k log(l2) is k log(l1/l2), small when l1 is near l2 (and so are its
    derivatives, where the separate logs cancel as squares l1^2 - 2 l1 l2 + l2^2).

    >>> k, a, b = sp.symbols("k a b", positive=True)
    >>> _merge_logs(k * sp.log(a) - k * sp.log(b) + sp.loggamma(k))
    k*log(a/b) + loggamma(k)
    """
    grouped: dict[sp.Expr, list[tuple[sp.Expr, sp.Expr]]] = {}
    others = []
    for term in sp.Add.make_args(sp.expand(expr)):
        number, rest = term.as_coeff_Mul()
        logs = [f for f in sp.Mul.make_args(rest) if isinstance(f, sp.log)]
        coeff = sp.Mul(*[f for f in sp.Mul.make_args(rest) if not logs or f is not logs[0]])
        if len(logs) == 1 and number.is_Rational and (logs[0].free_symbols
                                                      or coeff.free_symbols):
            grouped.setdefault(coeff, []).append((number, logs[0].args[0]))
        else:
            others.append(term)
    for coeff, parts in grouped.items():
        lead = next((n for n, arg in parts if arg.free_symbols), parts[0][0])
        ratio = sp.Mul(*[arg ** (n / lead) for n, arg in parts])
        others.append(lead * coeff * sp.log(ratio) if len(parts) > 1 and ratio.free_symbols
                      else sum(n * coeff * sp.log(arg) for n, arg in parts))
    return sp.Add(*others)
