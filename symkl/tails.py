"""KL(P || Q) = +oo decided from the tails alone, before any route integrates.

p log(p/q) >= p - q pointwise and p - q is integrable, so the negative part of the KL integrand
is always integrable: KL = +oo exactly when |p log(p/q)| is not integrable at some end of supp P.
At an infinite end the integrand behaves like |x|^r with r = lim log|f(x)| / log|x|; r > -1
diverges, r < -1 converges, and r = -1 diverges when |x f(x)| does not tend to 0.  This catches
a light-tailed Q under a heavy-tailed P (Cauchy || Gumbel: exp(-x) in log q against x^-2 in p)
in a few limits, where integrating term by term would run out of time.

>>> from symkl.families import Cauchy, Logistic, Normal
>>> print(tail_divergence(Cauchy().bind(1), Logistic().bind(2), sp.Symbol("x", real=True)))
p log(p/q) ~ |x|^-1 as x -> oo: not integrable, so Q's tail is too light to cover P's
>>> tail_divergence(Normal().bind(1), Normal().bind(2), sp.Symbol("x", real=True)) is None
True
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from symkl.family import Bound

_LIMIT_FAILURES = (NotImplementedError, ValueError, TypeError, AttributeError, RecursionError)


def tail_divergence(P: Bound, Q: Bound, x: sp.Symbol) -> str | None:
    """Why KL(P || Q) is +oo because of a tail of P, or None when the tails do not decide it.

    Only continuous univariate pairs whose P has a power-law tail (p ~ |x|^r, r finite) are
    examined: an exponentially decaying p outweighs any log q of the families here, and the
    routes carry parameter conditions.  None also means "undecided" (a limit SymPy cannot take,
    a rate that depends on the parameters).
    """
    if P.family.discrete or P.family.vector is not None:
        return None
    support = P.support()
    for end, sign in ((getattr(support, "sup", None), 1), (getattr(support, "inf", None), -1)):
        if end is None or end is not (sp.oo if sign > 0 else -sp.oo):
            continue
        t = sp.Dummy("t", positive=True)
        r_p = _density_rate(P, sign)
        if r_p is None or not r_p.is_finite:
            continue
        log_p = P.logpdf(x).subs(x, sign * t)
        log_ratio = sp.expand(sp.expand_log(log_p - Q.logpdf(x).subs(x, sign * t), force=True))
        grows = _limit(log_ratio, t)
        if grows is None or grows.is_finite is not False:
            continue  # log(p/q) tends to a constant: f ~ c |x|^r_p, integrable like p
        magnitude = log_ratio if grows == sp.oo else -log_ratio
        rate = _limit(sp.expand_log(sp.log(magnitude), force=True) / sp.log(t), t)
        if rate is None:
            continue
        rate = r_p + rate
        diverges = (rate > -1) == sp.S.true
        if rate == -1:
            edge = _limit(t * sp.exp(log_p) * magnitude, t)
            diverges = edge is not None and (edge > 0) == sp.S.true
        if diverges:
            where = "oo" if sign > 0 else "-oo"
            return (f"p log(p/q) ~ |x|^{rate} as x -> {where}: not integrable, so Q's tail is "
                    f"too light to cover P's")
    return None


@lru_cache(maxsize=256)
def _density_rate(P: Bound, sign: int) -> sp.Expr | None:
    """r with p(x) ~ |x|^r at the end ``sign * oo`` (-oo for exponential decay), or None."""
    t = sp.Dummy("t", positive=True)
    log_p = sp.expand_log(P.logpdf(sp.Symbol("x", real=True)).subs(
        sp.Symbol("x", real=True), sign * t), force=True)
    return _limit(log_p / sp.log(t), t)


def _limit(e: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
    try:
        value = sp.limit(e, t, sp.oo)
    except _LIMIT_FAILURES:
        return None
    if value.has(sp.Limit, sp.nan, sp.zoo):
        return None
    return value
