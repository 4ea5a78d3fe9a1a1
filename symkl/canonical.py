"""The presentation form a person would write.

Terms are grouped by their transcendental part (log, digamma, loggamma, exp, |.|, erf, ...)
with factored coefficients.  Logs with numeric coefficients merge into one log of a ratio;
logs sharing a symbolic coefficient c (or -c) merge into c log(a/b).  Location parameters
(real, unbounded) enter through their differences: mu1^2 - 2 mu1 mu2 + mu2^2 is rewritten as
(mu1 - mu2)^2.  The rational remainder is written as one fraction plus a constant, whichever
of the candidate spellings has the fewest operations.

>>> import sympy as sp
>>> m1, m2 = sp.symbols("mu1 mu2", real=True)
>>> s1, s2 = sp.symbols("sigma1 sigma2", positive=True)
>>> canonical(sp.log(s2) - sp.log(s1) + (s1**2 + m1**2 - 2*m1*m2 + m2**2) / (2*s2**2) - sp.S.Half)
log(sigma2/sigma1) - 1/2 + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2)
"""
from __future__ import annotations

import itertools

import sympy as sp

Expr = sp.Expr
_TRANSCENDENTAL = (sp.log, sp.exp, sp.loggamma, sp.polygamma, sp.gamma, sp.erf, sp.erfc, sp.Abs,
                   sp.Sum, sp.besseli, sp.beta, sp.LambertW, sp.Ei, sp.lowergamma, sp.uppergamma)


def canonical(expr: Expr) -> Expr:
    """Rewrite ``expr`` into its presentation form (equal to it under the declared domains)."""
    if expr.has(sp.Piecewise):
        expr = sp.piecewise_fold(expr)
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(canonical(_absorb_infinity(e)), c) for e, c in expr.args])
    if expr.is_Number or expr.is_infinite or not expr.free_symbols:
        return sp.simplify(expr) if not expr.is_Float else expr
    if expr.has(sp.sin, sp.cos):  # sin^2 + cos^2 = 1, cos a cos b + sin a sin b = cos(a - b)
        expr = sp.trigsimp(expr)
    expanded = sp.expand(sp.expand_log(_positive_log_args(expr), force=True))
    groups: dict[Expr, Expr] = {}
    for term in sp.Add.make_args(expanded):
        factors = sp.Mul.make_args(term)
        key = sp.Mul(*[f for f in factors if _is_transcendental(f)])
        coeff = sp.Mul(*[f for f in factors if not _is_transcendental(f)])
        groups[key] = groups.get(key, sp.S.Zero) + coeff
    rational = groups.pop(sp.S.One, sp.S.Zero)
    logs = {k: c for k, c in groups.items() if isinstance(k, sp.log)}
    others = [_tidy(c) * tidy_args(sp.powsimp(k)) for k, c in groups.items()
              if k not in logs and c != 0]
    return _merge_sums(sp.Add(*_combine_logs(logs), *others, _rational_form(rational)))


def _merge_sums(expr: Expr) -> Expr:
    """Kept sums over the same range merge into one (common factors out, logs combined).

    >>> k, K = sp.symbols("k K", integer=True, positive=True)
    >>> p, q = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)
    >>> _merge_sums(sp.Sum(p[k] * sp.log(p[k]), (k, 1, K)) - sp.Sum(p[k] * sp.log(q[k]), (k, 1, K)))
    Sum(log(p[k]/q[k])*p[k], (k, 1, K))
    """
    groups: dict[tuple, list[Expr]] = {}
    rest = []
    for term in sp.Add.make_args(expr):
        c, body = term.as_coeff_Mul()
        if isinstance(body, sp.Sum):
            groups.setdefault(body.limits, []).append(c * body.function)
        else:
            rest.append(term)
    if all(len(parts) == 1 for parts in groups.values()):
        return expr
    return sp.Add(*rest, *[sp.Sum(_summand(sp.Add(*parts)), *limits)
                           for limits, parts in groups.items()])


def _summand(f: Expr) -> Expr:
    """p log a - p log b -> p log(a/b): common factors out, then the bare sum of logs combined."""
    factors = sp.Mul.make_args(sp.factor_terms(f))
    return sp.Mul(*[sp.logcombine(g, force=True) if g.is_Add else g for g in factors])


def _absorb_infinity(e: Expr) -> Expr:
    """oo plus terms free of infinities (finite functions of the parameters) is oo.

    >>> a = sp.Symbol("a", positive=True)
    >>> _absorb_infinity(a * sp.polygamma(0, a) + sp.oo)
    oo
    """
    if e.is_Add and sp.oo in e.args:
        rest = sp.Add(*[t for t in e.args if t is not sp.oo])
        if not rest.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            return sp.oo
    return e


def typical_sign(e: Expr) -> int:
    """Sign of ``e`` with every parameter set to 1/2 (a tie-breaker for presentation only)."""
    value = e.subs({s: sp.Rational(1, 2) for s in e.free_symbols})
    return 1 if value.is_positive else -1 if value.is_negative else 0


def _positive_log_args(expr: Expr) -> Expr:
    """log(-a/(b - 1)) -> log(a/(1 - b)): factor log arguments, pairing minus signs with sums."""
    def flip(arg: Expr) -> Expr:
        factors = list(sp.Mul.make_args(sp.factor(sp.together(arg))))
        negative = [i for i, f in enumerate(factors) if f.is_Number and f < 0]
        bases = [f.base if f.is_Pow else f for f in factors]
        sums = [i for i, b in enumerate(bases) if b.is_Add and typical_sign(b) < 0]
        for i, j in zip(negative, sums):
            factors[i] = -factors[i]
            f = factors[j]
            factors[j] = (-f.base) ** f.exp if f.is_Pow else -f
        for j, f in enumerate(factors):  # (p - 1)**2 -> (1 - p)**2: an even power keeps its value
            if f.is_Pow and f.exp.is_even and f.base.is_Add and typical_sign(f.base) < 0:
                factors[j] = (-f.base) ** f.exp
        return sp.Mul(*factors)
    return expr.replace(lambda e: isinstance(e, sp.log), lambda e: sp.log(flip(e.args[0])))


def _is_transcendental(f: Expr) -> bool:
    if f is sp.EulerGamma or f is sp.Catalan:
        return True
    base = f.base if f.is_Pow and f.exp.is_Integer else f
    return isinstance(base, _TRANSCENDENTAL) or (base.is_Pow and base.base == sp.E)


def _combine_logs(logs: dict[Expr, Expr]) -> list[Expr]:
    """Numeric-coefficient logs into one log; symbolic ones grouped by +-coefficient."""
    numeric = sp.Mul(*[k.args[0] ** c for k, c in logs.items() if c.is_Rational])
    num, den = sp.fraction(numeric)
    out = [] if numeric == 1 else [-sp.log(tidy_args(den))] if num == 1 else \
        [sp.log(tidy_args(numeric))]
    classes: list[tuple[Expr, list[Expr], list[Expr]]] = []
    for k, c in logs.items():
        if c.is_Rational:
            continue
        c = sp.factor(c)
        for rep, num, den in classes:
            if sp.expand(rep - c) == 0:
                num.append(k.args[0])
                break
            if sp.expand(rep + c) == 0:
                den.append(k.args[0])
                break
        else:
            classes.append((c, [k.args[0]], []))
    for c, num, den in classes:
        ratio = sp.Mul(*num) / sp.Mul(*den)
        sign = typical_sign(c) or (-1 if c.could_extract_minus_sign() else 1)
        if sign < 0:
            c, ratio = sp.expand(-c), 1 / ratio
        top, bottom = sp.fraction(ratio)
        if top == 1:  # c log(1/b) reads better as -c log(b)
            c, ratio = -c, bottom
        out.append(c * sp.log(tidy_args(ratio)))
    return out


def _rational_form(r: Expr) -> Expr:
    """One fraction plus a constant, or the expanded sum, whichever is shorter."""
    constant = sp.Add(*[t for t in sp.Add.make_args(r) if t.is_Number])
    rest = r - constant
    if rest == 0:
        return constant
    num, den = sp.fraction(sp.together(rest))
    fraction = _tidy_poly(num) / sp.factor(den)
    candidates = [rest, fraction, sp.factor(rest)]
    return min(candidates, key=sp.count_ops) + constant


def _tidy(c: Expr) -> Expr:
    c = sp.factor(sp.together(c))
    num, den = sp.fraction(c)
    return _tidy_poly(num) / den


def tidy_args(e: Expr) -> Expr:
    """Tidy the polynomial arguments inside ``e`` (log and exp arguments, ratios)."""
    if e.is_Atom:
        return e
    if e.is_Add:
        return _tidy_poly(e)
    return e.func(*[tidy_args(a) for a in e.args])


def _tidy_poly(p: Expr) -> Expr:
    """Write location parameters through differences, then factor each part.

    >>> g1, g2 = sp.symbols("gamma1 gamma2", positive=True)
    >>> a, b = sp.symbols("a b", real=True)
    >>> _tidy_poly(g1**2 + 2*g1*g2 + g2**2 + a**2 - 2*a*b + b**2)
    (a - b)**2 + (gamma1 + gamma2)**2
    """
    p = sp.expand(p)
    if not p.is_Add:
        return sp.factor(p)
    locations = sorted((s for s in p.free_symbols if s.is_real and s.is_positive is None),
                       key=lambda s: s.name)
    best = sp.factor(p)
    for a, b in itertools.combinations(locations, 2):
        d = sp.Dummy("d")
        shifted = sp.expand(p.subs(b, a - d))
        if shifted.has(a):
            continue
        parts = [sp.Add(*[t for t in sp.Add.make_args(shifted) if t.has(d) == flag])
                 for flag in (True, False)]
        candidate = sp.factor(parts[0]).subs(d, a - b) + sp.factor(parts[1])
        if sp.count_ops(candidate) <= sp.count_ops(best):
            best = candidate
    return best
