"""Special functions for stable code: their heads, the identities and scalings that bring
them in, and the series numeric backends evaluate their tails with (the generic stable
spellings are :mod:`symkl.stable`).

* Heads that numeric libraries (or :mod:`symkl.backends`) evaluate without overflow or
  cancellation: ``besselie`` (exp(-x) I_n(x)), ``erfcx`` (exp(x^2) erfc(x)), ``erfcx_tail``,
  ``besselk_gamma_log`` and the Stirling tails ``lgamma_tail``, ``digamma_tail`` and
  ``trigamma_tail``.
* Rewrites into them: ``exp(w) (1 - erf(x))`` becomes ``exp(w - x^2) erfcx(x)``
  (:func:`scaled_erfc`, after :func:`erf_complement`), I_n(x) becomes exp(x) besselie(n, x)
  (:func:`scaled_bessel`), ``I_(-v) - I_v`` becomes K_v (:func:`bessel_k_identity`) and
  K_v(x) / Gamma(v) ``besselk_gamma_log`` (:func:`bessel_k`).
* Their numeric values for a backend: the asymptotic series derived by SymPy, summed from
  TAIL_FROM (or DEBYE_FROM) on (:func:`tail_function`, :func:`trigamma_tail_function`,
  :func:`erfcx_tail_function`, :func:`besselk_gamma_log_function`).

>>> import sympy as sp
>>> c, x = sp.symbols("c x", positive=True)
>>> scaled_erfc(c * sp.exp(x**2) * (1 - sp.erf(x)))
c*erfcx(x)
"""
from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import sympy as sp
from sympy.core.logic import fuzzy_and


class trigamma_tail(sp.Function):  # noqa: N801
    """polygamma(1, x) minus the first two terms 1/x + 1/(2 x^2) of its expansion at infinity.

    Small (about 1/(6 x^3)) for large x, where the leading terms cancel in a Hessian: numeric
    code sums the rest of SymPy's asymptotic series (see :func:`trigamma_tail_function`).
    """


class lgamma_tail(sp.Function):  # noqa: N801
    """loggamma(x) - ((x - 1/2) log x - x + log(2 pi)/2): about 1/(12 x), see
    :func:`symkl.overflow_forms.stirling`."""


class digamma_tail(sp.Function):  # noqa: N801
    """polygamma(0, x) - (log x - 1/(2 x)): about -1/(12 x^2), see
    :func:`symkl.overflow_forms.stirling`."""


class besselie(sp.Function):  # noqa: N801
    """exp(-x) I_n(x), the exponentially scaled modified Bessel function (scipy's ``ive``):
    I_n(x) itself overflows float64 beyond x ~ 713 (a von Mises concentration of 1e3)."""

    def _eval_is_positive(self) -> bool | None:
        n, x = self.args
        return fuzzy_and([x.is_positive, n.is_nonnegative])


class erfcx(sp.Function):  # noqa: N801
    """exp(x^2) erfc(x), the scaled complementary error function (scipy's ``erfcx``): erfc
    underflows beyond x ~ 27 and 1 - erf(x) keeps no digit beyond x ~ 6."""

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_extended_real


class gammainc_lower(sp.Function):  # noqa: N801
    """P(a, x) = lowergamma(a, x) / Gamma(a), the regularized lower incomplete gamma function
    (scipy's ``gammainc``): in [0, 1] where lowergamma and Gamma both overflow."""


class gammainc_upper(sp.Function):  # noqa: N801
    """Q(a, x) = uppergamma(a, x) / Gamma(a), the regularized upper incomplete gamma function
    (scipy's ``gammaincc``)."""


class besselk_gamma_log(sp.Function):  # noqa: N801
    """log(2 (x/2)^v K_v(x) / Gamma(v)) for v, x > 0: in (-inf, 0], about -x^2/(4 v) for large
    v, where K_v(x) and Gamma(v) overflow float64 (v ~ 170 and beyond); numeric code sums the
    uniform (Debye) expansion of K_v and Stirling's of Gamma there, their large parts cancelled
    symbolically (:func:`besselk_gamma_log_function`)."""


class erfcx_tail(sp.Function):  # noqa: N801
    """1 - sqrt(pi) x erfcx(x): about 1/(2 x^2) for large x, where the difference keeps
    eps * 2 x^2 of its digits; numeric code sums the asymptotic series there
    (:func:`erfcx_tail_function`)."""


# each tail: the function it trims, and the first inverse power of x left in it
TAILS = {lgamma_tail: (sp.loggamma, 1), digamma_tail: (lambda x: sp.polygamma(0, x), 2),
         trigamma_tail: (lambda x: sp.polygamma(1, x), 3)}
TAIL_FROM = 10.0  # the asymptotic series of trigamma_tail is summed from here on


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


@lru_cache(maxsize=1)
def erfcx_tail_series() -> tuple[tuple[float, int], ...]:
    """(coefficient, power) pairs: erfcx_tail(x) = sum c / x^k for x >= TAIL_FROM, to 1e-18
    relative.  Derived by SymPy (the asymptotic series of erfc at infinity), not typed in.

    >>> erfcx_tail_series()[:3]
    ((0.5, 2), (-0.75, 4), (1.875, 6))
    """
    x = sp.Symbol("x", positive=True)
    series = (1 - sp.sqrt(sp.pi) * x * sp.exp(x**2) * sp.erfc(x)).series(x, sp.oo, 40)
    out = []
    for term in sp.Add.make_args(sp.expand(series.removeO())):
        c, k = term.as_coeff_exponent(x)
        if abs(float(c)) * TAIL_FROM ** float(k) > 1e-18 / (2 * TAIL_FROM ** 2):
            out.append((float(c), int(-k)))
    return tuple(sorted(out, key=lambda ck: ck[1]))


def erfcx_tail_function(where: Any, erfcx_: Any) -> Any:
    """A backend's erfcx_tail from its ``where`` and ``erfcx``: the series for x >= TAIL_FROM,
    1 - sqrt(pi) x erfcx(x) below (at most 2 TAIL_FROM^2 eps off there).

    >>> import numpy as np, scipy.special as sc
    >>> f = erfcx_tail_function(np.where, sc.erfcx)
    >>> float(f(np.array([1e5]))[0])  # 1/(2 x^2) - 3/(4 x^4): the direct difference keeps 6
    4.99999999925e-11
    >>> x = np.array([0.0, 0.5, 3.0, 9.99])
    >>> bool(np.allclose(f(x), 1 - np.sqrt(np.pi) * x * sc.erfcx(x), rtol=1e-13, atol=0))
    True
    """
    terms = erfcx_tail_series()
    root_pi = float(sp.sqrt(sp.pi))

    def value(x: Any) -> Any:
        big = x >= TAIL_FROM
        z = where(big, x, TAIL_FROM)
        r = 1.0 / (z * z)
        series = 0.0
        for c, _ in reversed(terms):  # powers 2, 4, 6, ...: Horner in 1/x^2
            series = series * r + c
        small = where(big, 0.0, x)
        return where(big, series * r, 1.0 - root_pi * small * erfcx_(small))
    return value


DEBYE_FROM = 20.0  # besselk_gamma_log sums the uniform expansion from this order on
DEBYE_TERMS = 12


@lru_cache(maxsize=1)
def debye_polynomials() -> tuple[tuple[float, ...], ...]:
    """Coefficients (highest power first) of the Debye polynomials u_1(p) ... u_12(p) of the
    uniform expansion K_v(v t) ~ sqrt(pi/(2 v)) e^(-v eta) (1 + t^2)^(-1/4) sum (-1)^k u_k(p)
    / v^k, p = 1/sqrt(1 + t^2); derived by SymPy from their recurrence
    u_(k+1) = p^2 (1 - p^2) u_k'/2 + integral_0^p (1 - 5 s^2) u_k(s) ds / 8, not typed in.

    >>> debye_polynomials()[0]
    (-0.20833333333333334, 0.0, 0.125, 0.0)
    """
    p, s = sp.symbols("p s")
    u, out = sp.Integer(1), []
    for _ in range(DEBYE_TERMS):
        u = sp.expand(p**2 * (1 - p**2) * sp.diff(u, p) / 2
                      + sp.integrate((1 - 5 * s**2) * u.subs(p, s), (s, 0, p)) / 8)
        out.append(tuple(float(c) for c in sp.Poly(u, p).all_coeffs()))
    return tuple(out)


def besselk_gamma_log_function(np_: Any, kve: Any, gammaln: Any) -> Any:
    """numpy's besselk_gamma_log from scipy's ``kve`` and ``gammaln``: directly below order
    DEBYE_FROM, above it v (log1p(d/2) - d) - log(s)/2 + log1p(sum (-1)^k u_k(p)/v^k) -
    lgamma_tail(v), with s = sqrt(1 + t^2), d = s - 1 = t^2/(1 + s), t = x/v (the Debye and
    Stirling leading parts, whose v log v terms cancel, combined by hand).

    >>> import numpy as np, scipy.special as sc, mpmath
    >>> f = besselk_gamma_log_function(np, sc.kve, sc.gammaln)
    >>> v = np.array([3.0, 19.9, 25.0, 381.0, 1e6, 50.0, 30.0])
    >>> x = np.array([13.0, 3.0, 0.5, 13.0, 40.0, 1e3, 1e-3])
    >>> with mpmath.workdps(40):
    ...     t = [float(mpmath.log(2 * (mpmath.mpf(b) / 2)**a * mpmath.besselk(a, b)
    ...                           / mpmath.gamma(a))) for a, b in zip(v, x)]
    >>> bool(np.allclose(f(v, x), t, rtol=1e-13, atol=1e-15))  # exp(f): 1e-15 relative
    True
    """
    polys = debye_polynomials()
    tail = tail_function(lgamma_tail, np_.where, gammaln)

    def value(v: Any, x: Any) -> Any:
        v, x = np_.broadcast_arrays(np_.asarray(v, dtype=float), np_.asarray(x, dtype=float))
        big = v >= DEBYE_FROM
        w = np_.where(big, v, DEBYE_FROM)
        t = x / w
        s = np_.sqrt(1.0 + t * t)
        d = t * t / (1.0 + s)
        p = 1.0 / s
        series = 0.0
        for k in range(len(polys), 0, -1):  # sum_k (-1)^k u_k(p) / v^k, Horner in 1/v
            series = (series + (-1) ** k * np_.polyval(polys[k - 1], p)) / w
        debye = w * (np_.log1p(d / 2) - d) - np_.log(s) / 2 + np_.log1p(series) - tail(w)
        small = np_.where(big, 1.0, v)
        direct = (np_.log(2 * kve(small, x)) - x - gammaln(small)
                  + small * np_.log(x / 2))
        return np_.where(big, debye, direct)
    return value


def regularized_gamma(expr: sp.Expr) -> sp.Expr:
    """lowergamma(a, x) as P(a, x) Gamma(a) (uppergamma likewise), with Gamma(a + n) written
    as a rising product times Gamma(a), so that the Gammas cancel against the density's
    1/Gamma(a): Gamma||Laplace holds mu2 lowergamma(alpha1, beta1 mu2) / Gamma(alpha1), which
    is inf/inf in float64 from alpha1 ~ 171 on.

    >>> a, z = sp.symbols("a z", positive=True)
    >>> regularized_gamma(sp.lowergamma(a + 1, z) / sp.gamma(a) - sp.uppergamma(a, z) / sp.gamma(a))
    a*gammainc_lower(a + 1, z) - gammainc_upper(a, z)
    """
    if not expr.has(sp.lowergamma, sp.uppergamma):
        return expr
    out = expr.replace(lambda e: isinstance(e, (sp.lowergamma, sp.uppergamma)),
                       lambda e: (gammainc_lower if isinstance(e, sp.lowergamma)
                                  else gammainc_upper)(*e.args) * sp.gamma(e.args[0]))
    out = out.replace(lambda e: isinstance(e, sp.gamma) and e.args[0].is_Add
                      and e.args[0].as_coeff_Add()[0].is_Integer,
                      lambda e: sp.expand_func(e))
    return sp.expand_mul(out) if out != expr else expr


def scaled_bessel(expr: sp.Expr) -> sp.Expr:
    """I_n(x) for x > 0 as exp(x) besselie(n, x), the exponentials then cancelling in ratios
    and leaving logs as log(besselie) + x: nothing overflows where the value is finite.

    >>> k1, k2 = sp.symbols("kappa1 kappa2", positive=True)
    >>> scaled_bessel(sp.log(sp.besseli(0, k2) / sp.besseli(0, k1)))
    -kappa1 + kappa2 - log(besselie(0, kappa1)) + log(besselie(0, kappa2))
    >>> scaled_bessel(sp.besseli(1, k1) / sp.besseli(0, k1))
    besselie(1, kappa1)/besselie(0, kappa1)
    """
    if not expr.has(sp.besseli):
        return expr
    scaled = expr.replace(lambda e: isinstance(e, sp.besseli) and e.args[1].is_positive
                          and e.args[0].is_nonnegative,
                          lambda e: sp.exp(e.args[1]) * besselie(*e.args))
    scaled = sp.expand_mul(scaled)  # (a e^x + b e^x) e^-x: the exponentials meet and cancel
    return scaled.replace(lambda e: isinstance(e, sp.log) and e.has(besselie),
                          lambda e: sp.expand_log(sp.log(sp.powsimp(e.args[0])), deep=False))


def bessel_k_identity(expr: sp.Expr) -> sp.Expr:
    """``c I_(-v)(x) - c I_v(x)`` as ``c (2/pi) sin(pi v) K_v(x)``, and Gamma(1 - v) sin(pi v)
    as pi / Gamma(v): identities, but the two I's cancel to e^(-2x) of their size (at 50 digits
    nothing is left beyond x ~ 60), where K_v keeps every digit.

    >>> v, x, c = sp.symbols("v x c", positive=True)
    >>> bessel_k_identity(c * sp.gamma(1 - v) * (sp.besseli(-v, x) - sp.besseli(v, x)))
    2*c*besselk(v, x)/gamma(v)
    """
    def difference_(node: sp.Expr) -> sp.Expr:
        terms = list(node.args)
        for i, t in enumerate(terms):
            for f in sp.Mul.make_args(t):
                if not (isinstance(f, sp.besseli) and f.args[0].could_extract_minus_sign()):
                    continue
                v, x = -f.args[0], f.args[1]
                c = sp.Mul(*[g for g in sp.Mul.make_args(t) if g is not f])
                partner = -c * sp.besseli(v, x)
                if partner in terms:
                    rest = [u for k, u in enumerate(terms) if k != i and u != partner]
                    k_term = c * 2 * sp.sin(sp.pi * v) / sp.pi * sp.besselk(v, x)
                    return difference_(sp.Add(*rest, k_term))
        return node

    def reflected(node: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(node)
        for g in factors:
            v = 1 - g.args[0] if isinstance(g, sp.gamma) else None
            if v is not None and sp.sin(sp.pi * v) in factors:
                return node / (g * sp.sin(sp.pi * v)) * sp.pi / sp.gamma(v)
        return node
    if not expr.has(sp.besseli):
        return expr
    expr = expr.replace(lambda n: n.is_Add and n.has(sp.besseli), difference_)
    return expr.replace(lambda n: n.is_Mul and n.has(sp.sin), reflected)


def bessel_k(expr: sp.Expr) -> sp.Expr:
    """:func:`bessel_k_identity`, then a product holding K_v(x) / Gamma(v) with x, v > 0
    spelled exp(besselk_gamma_log(v, x)) (x/2)^(-v) / 2, the powers then combined: K_v and
    Gamma(v) overflow for v beyond ~170, while their ratio times (x/2)^v is at most 1/2.

    >>> v, x, c = sp.symbols("v x c", positive=True)
    >>> bessel_k(c**v * sp.gamma(1 - v) * (sp.besseli(-v, 2 * c) - sp.besseli(v, 2 * c)))
    exp(besselk_gamma_log(v, 2*c))
    """
    def normalised(node: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(node)
        for f in factors:
            if isinstance(f, sp.besselk) and f.args[1].is_positive and f.args[0].is_positive:
                v, x = f.args
                if sp.gamma(v) ** -1 in factors:
                    rest = [g for g in factors if g is not f and g != sp.gamma(v) ** -1]
                    powers = sp.powsimp(sp.powdenest(sp.Mul(*rest, (x / 2) ** -v), force=True),
                                        force=True)
                    return powers * sp.exp(besselk_gamma_log(v, x)) / 2
        return node
    if not expr.has(sp.besseli, sp.besselk):
        return expr
    expr = bessel_k_identity(expr)
    return expr.replace(lambda n: n.is_Mul and n.has(sp.besselk), normalised)


def erf_complement(expr: sp.Expr) -> sp.Expr:
    """``c erf(x) - c`` as ``-c erfc(x)`` and ``c erf(x) + c`` as ``c erfc(-x)`` in every sum:
    an identity, but 1 - erf(x) rounds to 0 beyond x ~ 6 in float64 and beyond x ~ 11 at 50
    digits, where erfc(x) keeps every digit (mpmath: at any x).

    >>> c, x = sp.symbols("c x", positive=True)
    >>> erf_complement(c * sp.erf(x) - c + x)
    -c*erfc(x) + x
    """
    def complement(node: sp.Expr) -> sp.Expr:
        terms = list(node.args)
        for i, t in enumerate(terms):
            for f in sp.Mul.make_args(t):
                if not isinstance(f, sp.erf):
                    continue
                c = sp.Mul(*[g for g in sp.Mul.make_args(t) if g is not f])
                for sign, spelled in ((-1, -c * sp.erfc(f.args[0])), (1, c * sp.erfc(-f.args[0]))):
                    j = next((j for j, u in enumerate(terms) if j != i and u == sign * c), None)
                    if j is not None:
                        rest = [u for k, u in enumerate(terms) if k not in (i, j)]
                        return complement(sp.Add(*rest, spelled)) if rest else spelled
        return node
    if not expr.has(sp.erf):
        return expr
    return expr.replace(lambda n: n.is_Add and n.has(sp.erf), complement)


def scaled_erfc(expr: sp.Expr) -> sp.Expr:
    """:func:`erf_complement`, then a product ``exp(w) erfc(x)`` with x > 0 as
    ``exp(w - x^2) erfcx(x)`` where ``w - x^2`` is no longer than w (the x^2 inside w cancels):
    exp(w) overflows and erfc(x) underflows where their product is a moderate number; and
    ``a - a sqrt(pi) x erfcx(x)`` as ``a erfcx_tail(x)`` (about a / (2 x^2)).

    >>> s, b, m = sp.symbols("sigma beta mu", positive=True)
    >>> w, x = m / b + s**2 / (2 * b**2), s / (sp.sqrt(2) * b)
    >>> scaled_erfc(sp.exp(w) - sp.exp(w) * sp.erf(x) + sp.log(b))
    erfcx(sqrt(2)*sigma/(2*beta))*exp(mu/beta) + log(beta)
    """
    if not expr.has(sp.erf, sp.erfc):
        return expr

    def scaled(node: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(node)
        exps = [f for f in factors if isinstance(f, sp.exp)]
        tails = [f for f in factors if isinstance(f, sp.erfc) and f.args[0].is_positive]
        if not exps or len(tails) != 1:
            return node
        w = sp.Add(*[f.args[0] for f in exps])
        x = tails[0].args[0]
        rest = sp.cancel(sp.expand(w - x**2))
        if sp.count_ops(rest) > sp.count_ops(w):
            return node
        others = [f for f in factors if f not in exps and f is not tails[0]]
        return sp.Mul(*others, sp.exp(rest), erfcx(x))

    def tail(node: sp.Expr) -> sp.Expr:  # a - a sqrt(pi) x erfcx(x): a erfcx_tail(x)
        terms = list(node.args)
        for i, t in enumerate(terms):
            for f in sp.Mul.make_args(t):
                if not isinstance(f, erfcx):
                    continue
                a = -sp.Mul(*[g for g in sp.Mul.make_args(t) if g is not f]) / (
                    sp.sqrt(sp.pi) * f.args[0])
                if a in terms[:i] + terms[i + 1:]:
                    rest = [u for k, u in enumerate(terms) if k != i and u != a]
                    return tail(sp.Add(*rest, a * erfcx_tail(f.args[0])))
        return node
    expr = erf_complement(expr).replace(lambda n: n.is_Mul and n.has(sp.erfc), scaled)
    return expr.replace(lambda n: n.is_Add and n.has(erfcx), tail)
