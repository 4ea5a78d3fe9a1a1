"""KL(P || Q) = +oo decided from the ends of supp P alone, before the integrate route.

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
    """Why KL(P || Q) is +oo because of an end of supp P, or None when the ends decide nothing.

    At each end, x = end + direction * t, and f = p log(p/q) ~ t^r: as t -> oo (an infinite
    end) r > -1 diverges; as t -> 0+ (a finite end, where log q can blow up: 1/x in an
    inverse gamma against a half-normal) r < -1 does; r = -1 diverges when t |f| does not tend
    to 0.  Only power-like p is examined (an exponentially decaying p outweighs any log q of
    the families here).  None also means "undecided" (a limit SymPy cannot take, a rate that
    depends on the parameters: the routes carry those conditions).

    >>> from symkl.families import HalfNormal, InverseGamma
    >>> print(tail_divergence(HalfNormal().bind(1), InverseGamma().bind(2), sp.Symbol("x")))
    p log(p/q) ~ |x - 0|^-1 as x -> 0: not integrable, so Q's tail is too light to cover P's
    """
    if P.family.discrete or P.family.vector is not None:
        return None
    support = P.support()
    for end, inward in ((getattr(support, "sup", None), -1), (getattr(support, "inf", None), 1)):
        if end is None:
            continue
        why = _end_divergence(P, Q, x, end, inward)
        if why:
            return why
    return None


def _approach(end: sp.Expr, inward: int, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """x = -inward t with t -> oo at an infinite end, x = end + inward t with t -> 0+ at a
    finite one (from inside the support): the point and where t goes."""
    if end.is_infinite:
        return -inward * t, sp.oo
    return end + inward * t, sp.S.Zero


def _end_divergence(P: Bound, Q: Bound, x: sp.Symbol, end: sp.Expr, inward: int) -> str | None:
    infinite = end.is_infinite
    t = sp.Dummy("t", positive=True)
    at, to = _approach(end, inward, t)
    r_p = _density_rate(P, end, inward)
    if r_p is None or not r_p.is_finite:
        return None
    log_p = P.logpdf(x).subs(x, at)
    log_ratio = sp.expand(sp.expand_log(log_p - Q.logpdf(x).subs(x, at), force=True))
    grows = _limit(log_ratio, t, to)
    if grows is None or grows.is_finite is not False:
        return None  # log(p/q) tends to a constant: f ~ c t^r_p, integrable like p
    magnitude = log_ratio if grows == sp.oo else -log_ratio
    rate = _limit(sp.expand_log(sp.log(magnitude), force=True) / sp.log(t), t, to)
    if rate is None:
        return None
    rate = r_p + rate
    diverges = (rate > -1 if infinite else rate < -1) == sp.S.true
    if rate == -1:
        edge = _limit(t * sp.exp(log_p) * magnitude, t, to)
        diverges = edge is not None and (edge > 0) == sp.S.true
    if not diverges:
        return None
    shown = f"|x|^{rate} as x -> {-inward * sp.oo}" if infinite else \
        f"|x - {end}|^{rate} as x -> {end}"
    return f"p log(p/q) ~ {shown}: not integrable, so Q's tail is too light to cover P's"


@lru_cache(maxsize=256)
def _density_rate(P: Bound, end: sp.Expr, inward: int) -> sp.Expr | None:
    """r with p ~ t^r at x = end + inward t (t -> 0+) or x = -inward t (t -> oo), or None."""
    t = sp.Dummy("t", positive=True)
    x = sp.Symbol("x", real=True)
    at, to = _approach(end, inward, t)
    log_p = sp.expand_log(P.logpdf(x).subs(x, at), force=True)
    return _limit(log_p / sp.log(t), t, to)


def _limit(e: sp.Expr, t: sp.Symbol, to: sp.Expr = sp.oo) -> sp.Expr | None:
    try:
        value = sp.limit(e, t, to, "+") if to == 0 else sp.limit(e, t, to)
    except _LIMIT_FAILURES:
        return None
    if value.has(sp.Limit, sp.nan, sp.zoo):
        return None
    return value
