"""Every quantity's definition in one place: its integrand, and how the integral becomes the value.

All in nats.  With I(alpha) = integral of p^alpha q^(1 - alpha) (the power integral):

- ``kl``: KL(P || Q) = E_P[log p - log q];  ``cross_entropy``: H(P, Q) = -E_P[log q];
  ``entropy``: H(P) = -E_P[log p].
- ``renyi``: D_alpha(P || Q) = log I(alpha) / (alpha - 1), alpha > 0, alpha != 1 (alpha -> 1 is KL).
- ``bhattacharyya``: B(P, Q) = -log I(1/2) = D_{1/2} / 2.
- ``hellinger``: the *squared* Hellinger distance, normalised to [0, 1]:
  H^2(P, Q) = 1 - I(1/2) = (1/2) integral (sqrt p - sqrt q)^2 = 1 - exp(-B).
- ``chi_square``: Pearson chi^2(P || Q) = integral (p - q)^2 / q = I(2) - 1 = exp(D_2) - 1.
- ``jeffreys``: J(P, Q) = KL(P || Q) + KL(Q || P) = integral (p - q)(log p - log q).
- ``renyi_entropy``: H_alpha(P) = log(integral p^alpha) / (1 - alpha).
- ``total_variation``: TV(P, Q) = (1/2) integral |p - q| (in [0, 1]).
- ``jensen_shannon``: JS(P, Q) = KL(P || M)/2 + KL(Q || M)/2, M = (P + Q)/2 (at most log 2).
- ``f_divergence``: D_f(P || Q) = integral q f(p/q) for convex f with f(1) = 0
  (f(t) = t log t gives KL, (t - 1)^2 chi-square, (sqrt t - 1)^2 / 2 squared Hellinger).

>>> import sympy as sp
>>> from symkl.families import Exponential
>>> x = sp.Symbol("x", real=True)
>>> integrand("entropy", Exponential(1).bind(1), None, x)
x*exp(-x)
"""
from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from symkl.family import Bound, Family

#: the order alpha of the power integral behind each power divergence (None: alpha is free)
POWER_ORDER = {"renyi": None, "bhattacharyya": sp.S.Half, "hellinger": sp.S.Half,
               "chi_square": sp.Integer(2)}


def variable(family: Family) -> sp.Symbol:
    """The integration (or summation) variable: x, k, or a multivariate family's vector."""
    if family.vector is not None:
        return family.vector
    if family.discrete:
        return sp.Symbol("k", integer=True, nonnegative=True)
    return sp.Symbol("x", real=True)


def integrand(quantity: str, P: Bound, Q: Bound | None, x: sp.Symbol,
              alpha: sp.Expr | None = None, f: sp.Lambda | None = None) -> sp.Expr:
    """The function of x whose integral over supp P defines ``quantity`` (see :func:`finish`).

    ``f`` is the generator of an ``f_divergence``: D_f(P || Q) = integral q f(p / q).
    """
    log_p = P.logpdf(x)
    if quantity == "f_divergence":
        q = sp.exp(Q.logpdf(x))
        return q * f(sp.exp(log_p - Q.logpdf(x)))
    if quantity in POWER_ORDER:
        a = POWER_ORDER[quantity] if POWER_ORDER[quantity] is not None else alpha
        return sp.exp(a * log_p + (1 - a) * Q.logpdf(x))
    if quantity == "renyi_entropy":
        return sp.exp(alpha * log_p)
    if quantity == "jeffreys":
        return (sp.exp(log_p) - sp.exp(Q.logpdf(x))) * (log_p - Q.logpdf(x))
    if quantity == "total_variation":
        return sp.Abs(sp.exp(log_p) - sp.exp(Q.logpdf(x))) / 2
    if quantity == "jensen_shannon":
        p, q = sp.exp(log_p), sp.exp(Q.logpdf(x))
        return (p * sp.log(2 * p / (p + q)) + q * sp.log(2 * q / (p + q))) / 2
    term = {"kl": lambda: log_p - Q.logpdf(x), "cross_entropy": lambda: -Q.logpdf(x),
            "entropy": lambda: -log_p}[quantity]()
    return sp.exp(log_p) * term


def finish(quantity: str, value: Any, alpha: Any = None, log: Any = mpmath.log) -> Any:
    """Turn the integral of :func:`integrand` into the quantity (``log``: mpmath's or SymPy's).

    >>> finish("hellinger", mpmath.mpf("0.75"))
    mpf('0.25')
    """
    if quantity == "renyi":
        return log(value) / (alpha - 1)
    if quantity == "renyi_entropy":
        return log(value) / (1 - alpha)
    if quantity == "bhattacharyya":
        return -log(value)
    if quantity == "hellinger":
        return 1 - value
    if quantity == "chi_square":
        return value - 1
    return value


def crossing_points(P: Bound, Q: Bound, x: sp.Symbol) -> list[sp.Expr]:
    """The real x where p(x) = q(x), from the log-ratio if it is polynomial in x, else from the
    numerator of p - q (quadratics for two normals or two Cauchys).

    >>> from symkl.families import Normal
    >>> x = sp.Symbol("x", real=True)
    >>> crossing_points(Normal(0, 1).bind(1), Normal(2, 1).bind(2), x)
    [1]
    """
    ratio = sp.expand(sp.expand_log(P.logpdf(x) - Q.logpdf(x), force=True))
    if ratio.is_polynomial(x):
        equation = ratio
    else:
        equation = sp.numer(sp.together(sp.expand(P.density(x) - Q.density(x))))
    if not equation.is_polynomial(x) or sp.degree(equation, x) > 2:
        return []
    return [r for r in sp.solve(equation, x) if r.is_real is not False]
