"""Rewrites for numerically stable code (the remainder near P = Q is :mod:`symkl.remainder`,
removable singularities :mod:`symkl.removable`).

Driven by the expression (no per-pair table):

* :func:`stable_form` rewrites unstable spellings into the special functions a numeric library
  evaluates accurately: ``c*log(u)`` whose coefficient is a factor of ``u`` becomes
  ``xlogy(c, u)`` (zero when ``c`` is, so ``0 log 0`` is 0 rather than NaN), a log of a ratio
  whose numerator and denominator share their constant becomes ``log1p`` of the exact
  difference, ``log(1 + w)`` becomes ``log1p(w)``, ``exp(w) - 1`` becomes ``expm1(w)``, and
  ``loggamma(a) + loggamma(b) -
  loggamma(a + b)`` becomes ``betaln(a, b)``, ``exp(w) (1 - erf(x))`` becomes
  ``exp(w - x^2) erfcx(x)`` (:func:`scaled_erfc`), ``c exp(x) - c exp(y)`` becomes
  ``c exp(y) expm1(x - y)`` (:func:`exp_differences`), ``I_(-v) - I_v`` becomes K_v and
  K_v(x) / Gamma(v) ``besselk_gamma_log`` (:func:`bessel_k`).
* :func:`exp_log_form` spells a product of Gamma functions and powers that overflows factor by
  factor as exp of a sum of loggamma and log terms, and :func:`exp_sum_form` a sum of
  exponentials that overflow one by one (inf - inf) with the largest exponent taken out;
  :func:`stirling` splits loggamma and
  digamma of large arguments into their asymptotic series.

>>> import sympy as sp
>>> p1, p2 = sp.symbols("p1 p2", positive=True)
>>> stable_form((1 - p1) * sp.log((1 - p1) / (1 - p2)))
xlog1py(1 - p1, (-p1 + p2)/(1 - p2))
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import sympy as sp
from sympy.core.logic import fuzzy_and


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


class trigamma_tail(sp.Function):  # noqa: N801
    """polygamma(1, x) minus the first two terms 1/x + 1/(2 x^2) of its expansion at infinity.

    Small (about 1/(6 x^3)) for large x, where the leading terms cancel in a Hessian: numeric
    code sums the rest of SymPy's asymptotic series (see :func:`trigamma_tail_function`).
    """


class lgamma_tail(sp.Function):  # noqa: N801
    """loggamma(x) - ((x - 1/2) log x - x + log(2 pi)/2): about 1/(12 x), see :func:`stirling`."""


class digamma_tail(sp.Function):  # noqa: N801
    """polygamma(0, x) - (log x - 1/(2 x)): about -1/(12 x^2), see :func:`stirling`."""


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


class besselk_gamma_log(sp.Function):  # noqa: N801
    """log(2 (x/2)^v K_v(x) / Gamma(v)) for v, x > 0: in (-inf, 0], about -x^2/(4 v) for large
    v, where K_v(x) and Gamma(v) overflow float64 (v ~ 170 and beyond); numeric code sums the
    uniform (Debye) expansion of K_v and Stirling's of Gamma there, their large parts cancelled
    symbolically (:func:`besselk_gamma_log_function`)."""


class erfcx_tail(sp.Function):  # noqa: N801
    """1 - sqrt(pi) x erfcx(x): about 1/(2 x^2) for large x, where the difference keeps
    eps * 2 x^2 of its digits; numeric code sums the asymptotic series there
    (:func:`erfcx_tail_function`)."""


STABLE_FUNCTIONS = (difference, xlogy, xlog1py, log1p, expm1, betaln, trigamma_tail, lgamma_tail,
                    digamma_tail, besselie, erfcx, erfcx_tail, besselk_gamma_log)
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
    return _merge_logs(expr)  # x log x and log x parts cancel; logs of one coefficient meet
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
    return expr.replace(lambda n: n.is_Add and n.has(sp.exp), combined)


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
