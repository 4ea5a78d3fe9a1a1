"""E_P[g(X)] for a bound family P, by the cheapest rule that applies.

Rules, in order: a constant; a multiple of a sufficient statistic (E[T] = grad A(eta), derived
from the log-partition); the log of a polynomial under a Cauchy-type P (the Poisson-kernel
mean-value property); a log whose Mellin-type transform E[f^t] is a Beta integral after one
change of variables (symkl.euler: Kumaraswamy, logistic, Student's t); otherwise the
integral (or sum) of g times the density over the support, split at breakpoints.
Results are cached per (P, g): each statistic is integrated once.

>>> import sympy as sp
>>> from symkl.families import Exponential
>>> x = sp.Symbol("x", real=True)
>>> expectation(sp.log(x), x, Exponential().bind(1))
-log(lam1) - EulerGamma
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symkl import euler
from symkl.family import Bound
from symkl.integration import (
    Declined,
    abs_kinks,
    integrable_at,
    integrate_over,
    power_rate,
    sum_over,
)
from symkl.rewrite import erf_of_imaginary, exp_of_sum
from symkl.support import assume

Expr = sp.Expr


def expectation(g: Expr, x: sp.Symbol, P: Bound) -> Expr:
    """E_P[g(X)], splitting ``g`` into x-free coefficients times statistics (linearity); where
    a polynomial statistic's mean is undefined, the polynomial terms are taken together."""
    def total(terms: list[tuple[Expr, Expr]]) -> Expr:
        return sp.Add(*[c * (s if not s.has(x) else statistic_mean(s, x, P)) for c, s in terms])
    return summed_by_linearity(split_statistics(g, x), x, total)


def summed_by_linearity(terms: list[tuple[Expr, Expr]], x: sp.Symbol,
                        summed: Callable[[list[tuple[Expr, Expr]]], Expr]) -> Expr:
    """``summed(terms)``; where a polynomial statistic's mean is undefined, ``summed`` of the
    terms with the polynomials taken together (:func:`polynomials_together`).

    >>> x = sp.Symbol("x", real=True)
    >>> summed_by_linearity([(1, x)], x, lambda terms: len(terms))
    1
    """
    try:
        return summed(terms)
    except Declined as why:
        if "undefined" not in str(why):
            raise
    return summed(polynomials_together(terms, x))


def polynomials_together(terms: list[tuple[Expr, Expr]], x: sp.Symbol
                         ) -> list[tuple[Expr, Expr]]:
    """The (coefficient, statistic) pairs with the polynomial ones merged into one statistic:
    E[X] may be undefined (Cauchy, t with nu <= 1) while E[(X - m)^2] is +oo.

    >>> x, m = sp.symbols("x m", real=True)
    >>> polynomials_together([(1, x**2), (-2 * m, x), (1, sp.log(x))], x)
    [(1, log(x)), (1, -2*m*x + x**2)]
    """
    merge = [(c, s) for c, s in terms if s.has(x) and s.is_polynomial(x)]
    poly = sp.Add(*[c * s for c, s in merge])
    return [t for t in terms if t not in merge] + [(sp.S.One, poly)]


def split_statistics(g: Expr, x: sp.Symbol) -> list[tuple[Expr, Expr]]:
    """Write g as sum(coefficient * statistic) with x-free coefficients, grouping equal statistics.

    >>> x, a = sp.symbols("x a", positive=True)
    >>> split_statistics(a * x + 2 * x + sp.log(x), x)
    [(a + 2, x), (1, log(x))]
    """
    groups: dict[Expr, Expr] = {}
    for term in sp.Add.make_args(sp.expand(g)):
        coeff, stat = term.as_independent(x, as_Add=False)
        groups[stat] = groups.get(stat, sp.S.Zero) + coeff
    return sorted(((c, s) for s, c in groups.items() if c != 0),
                  key=lambda cs: sp.default_sort_key(cs[1]))


@lru_cache(maxsize=4096)
def statistic_mean(stat: Expr, x: sp.Symbol, P: Bound) -> Expr:
    """E_P[stat(X)] for one statistic, by the first rule that applies."""
    value = _by_rules(stat, x, P)
    return value if value is not None else _by_integration(stat, x, P)


def rule_mean(g: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E_P[g(X)] by the rules alone, without integrating: None if a statistic needs an integral.

    >>> from symkl.families import ChiSquared
    >>> x = sp.Symbol("x", real=True)
    >>> rule_mean(-x / 2, x, ChiSquared().bind(1))
    -k1/2
    """
    total = sp.S.Zero
    for coeff, stat in split_statistics(g, x):
        value = stat if not stat.has(x) else _by_rules(stat, x, P)
        if value is None:
            return None
        total += coeff * value
    return total


def _by_rules(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    for rule in (_by_marginal, _by_log_partition, _by_second_moment, _by_moment_generating,
                 _by_poisson_kernel, _by_representation, euler.log_mean,
                 euler.polynomial_mean, _by_mellin):
        value = rule(stat, x, P)
        if value is not None:
            return value
    return None


def sufficient_statistic_means(P: Bound) -> tuple[Expr, ...]:
    """E_P[T(X)] = grad A at eta(theta_P), derived from the log-partition.

    >>> from symkl.families import Poisson
    >>> sufficient_statistic_means(Poisson().bind(1))
    (lam1,)
    """
    ef = P.expfam
    if ef is None:
        raise Declined(f"{P.family.name} has no exponential-family view")
    eta = ef.natural_symbols()
    log_partition = ef.log_partition(eta)
    point = dict(zip(eta, ef.natural_params(*P.values)))
    if ef.shapes is not None:  # matrix-valued eta: matrix calculus (symkl.multivariate)
        from symkl.multivariate import matrix_gradient, matrix_tidy
        return tuple(matrix_tidy(matrix_gradient(log_partition, e).xreplace(point), P.values)
                     for e in eta)
    return tuple(_tidy(sp.diff(log_partition, e).subs(point)) for e in eta)


def _tidy(mean: Expr) -> Expr:
    """Simplify a mean: a rational function by cancelling (fast for the entries of a
    covariance matrix), anything else by ``simplify``."""
    if mean.is_rational_function():
        return sp.cancel(mean)
    return sp.simplify(mean)


def _by_marginal(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """A statistic of one coordinate X[i, 0] of a product: its mean under that coordinate's
    family (``Family.marginals``), with X[i, 0] renamed to the family's own variable."""
    if P.family.marginals is None:
        return None
    used = {e for e in stat.atoms(MatrixElement) if e.parent == x}
    if len(used) != 1:
        return None
    (element,) = used
    family, values = P.family.marginals(*P.values)[int(element.i)]
    from symkl.definitions import variable
    xi = variable(family)
    return statistic_mean(stat.xreplace({element: xi}), xi, Bound(family, values))


def _by_log_partition(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    ef = P.expfam
    if ef is None:
        return None
    for t, mean in zip(ef.stats(x), sufficient_statistic_means(P)):
        ratio = sp.simplify(stat / t)
        if not ratio.has(x):
            return ratio * mean
    return None


def _by_second_moment(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E[T_i T_j] = d_i d_j A + d_i A d_j A: the covariance of T is the Hessian of A.

    (log x)^2 under Gamma, for instance: psi'(alpha) + (psi(alpha) - log beta)^2.
    """
    ef = P.family.expfam
    if ef is None:
        return None
    stats = ef.stats(x)
    for i, j in itertools.combinations_with_replacement(range(len(stats)), 2):
        ratio = stat / (stats[i] * stats[j])
        if ratio.has(x):
            continue
        eta = ef.natural_symbols()
        log_partition = ef.log_partition(eta)
        point = dict(zip(eta, ef.natural_params(*P.values)))
        second = sp.diff(log_partition, eta[i], eta[j]).subs(point)
        means = sufficient_statistic_means(P)
        return ratio * sp.simplify(second + means[i] * means[j])
    return None


def _by_moment_generating(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E[exp(s . T(X))] = exp(A(eta + s) - A(eta)) when eta + s is a natural parameter.

    Powers of x when log x is a statistic (x^2 under Gamma, x under Beta, x^(k2/k1) under Gamma),
    exponentials of a linear statistic (exp(-x/b) under Exponential, Gamma or Normal).  The
    shifted point must be in the natural parameter space; where that is not settled the mean is
    a Piecewise that is infinite outside it (E[1/X] under Gamma(alpha, beta) needs alpha > 1,
    E[X^2] under InverseGamma needs alpha > 2).
    """
    ef = P.expfam
    if ef is None:
        return None
    stats = ef.stats(x)
    s = [sp.S.Zero] * len(stats)
    for coeff, part in split_statistics(sp.expand_log(sp.log(stat), force=True), x):
        if not part.has(x):
            return None  # a constant factor in stat: linearity handles it before we get here
        matches = [i for i, t in enumerate(stats) if t == part]
        if not matches:
            return None
        s[matches[0]] += coeff
    eta_p = ef.natural_params(*P.values)
    shifted_eta = [e + d for e, d in zip(eta_p, s)]
    inside = ef.natural_domain(shifted_eta)  # x^2 under InverseGamma needs alpha > 2
    if inside not in (sp.S.true, sp.S.false):
        inside = inside.simplify()
    if inside == sp.S.false:
        return sp.oo
    shifted = ef.log_partition(shifted_eta)
    value = sp.gammasimp(exp_of_sum(shifted - ef.log_partition(eta_p)))
    # outside the natural parameter space the (positive) integrand has an infinite integral
    return value if inside == sp.S.true else sp.Piecewise((value, inside), (sp.oo, True))


def _by_poisson_kernel(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E[log f(X)] for a polynomial f when P's density is the Poisson kernel at w = x0 + i*gamma.

    log|x - r| is harmonic in the upper half-plane when Im r <= 0 (and |x - r| = |x - conj r|),
    so its Poisson integral is its value at w.  When the support is the half-line from Re w
    (a folded kernel: HalfCauchy) the density is twice the kernel there, so the same value holds
    exactly when |f| is even about Re w.
    """
    if P.family.poisson_kernel_point is None or not isinstance(stat, sp.log):
        return None
    try:
        poly = sp.Poly(stat.args[0], x)
    except sp.PolynomialError:
        return None
    w = P.family.poisson_kernel_point(*P.values)
    if P.support() != sp.Reals and not _even_about_fold(poly.as_expr(), x, sp.re(w), P):
        return None
    roots = sp.roots(poly)
    if sum(roots.values()) != poly.degree() or not poly.LC().is_positive:
        return None
    total = sp.log(poly.LC())
    for r, mult in roots.items():
        if sp.im(r).is_positive:
            r = sp.conjugate(r)
        elif not sp.im(r).is_nonpositive:
            return None
        d = sp.expand(w - r)
        total += mult * sp.log(sp.factor(sp.re(d) ** 2 + sp.im(d) ** 2)) / 2
    return total


def _by_mellin(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E[log U] = d/ds E[U^s] at s = 0 for U = a x + b >= 0 on supp P (a continuous P).

    The power moment E[U^s] often integrates in closed form where E[log U] does not (SymPy
    answers the Pareto or Levy log-moment with Meijer G functions; the power moment is a ratio).
    """
    if P.family.discrete or not isinstance(stat, sp.log):
        return None
    u = stat.args[0]
    if not (u.is_polynomial(x) and sp.degree(u, x) == 1):
        return None
    support = P.support()
    if not isinstance(support, sp.Interval):
        return None
    for end in (support.inf, support.sup):
        at = sp.limit(u, x, end) if end.is_infinite else u.subs(x, end)
        if at.is_negative or at == -sp.oo:
            return None
    s = sp.Dummy("s", positive=True)
    try:
        moment = _by_integration(u**s, x, P)
    except Declined:
        return None
    condition = sp.S.true
    if isinstance(moment, sp.Piecewise) and moment.args[-1].expr == sp.oo:
        moment, condition = moment.args[0].expr, moment.args[0].cond.subs(s, 0)
    if moment.has(sp.Integral, sp.Piecewise, sp.meijerg) or moment.is_infinite:
        return None
    value = sp.limit(sp.diff(moment, s), s, 0)
    if value.has(sp.Limit, sp.nan) or value.is_finite is False or condition == sp.S.false:
        return None
    value = sp.simplify(value)
    return value if condition == sp.S.true else sp.Piecewise((value, condition), (sp.oo, True))


def tail_condition(f: Expr, x: sp.Symbol, support: sp.Set) -> sp.Boolean:
    """When the integral of f converges at the infinite ends of ``support``: f ~ |x|^r there,
    and r < -1 is required (True for exponential decay, r = -oo).

    >>> x = sp.Symbol("x", real=True)
    >>> a = sp.Symbol("alpha", positive=True)
    >>> tail_condition(x * a / x**(a + 1), x, sp.Interval(1, sp.oo))
    alpha > 1
    """
    t = sp.Dummy("t", positive=True)
    conditions = []
    for end, sign in ((getattr(support, "sup", None), 1), (getattr(support, "inf", None), -1)):
        if end is None or not end.is_infinite:
            continue
        rate = power_rate(f.subs(x, sign * t), t)
        if rate is None:
            continue
        conditions.append(sp.Lt(rate, -1).simplify() if rate != -sp.oo else sp.S.true)
    return sp.And(*conditions)


def _divergent_value(stat: Expr, x: sp.Symbol, P: Bound, density: Expr | None = None
                     ) -> Expr:
    """E_P[stat] where its integral diverges: +-oo when stat tends to that infinity at every
    infinite end of the support (given ``density``: at every end where the integral is not
    shown to converge); otherwise undefined (Declined, so that the linearity route
    keeps the polynomial statistics together: E[X] and E[X^2] under a t with nu <= 1).

    >>> from symkl.families import Pareto, StudentT
    >>> x = sp.Symbol("x", real=True)
    >>> _divergent_value(x, x, Pareto().bind(1))
    oo
    >>> _divergent_value(x, x, StudentT().bind(1))
    Traceback (most recent call last):
    ...
    symkl.integration.Declined: E[x] is undefined under StudentT where its integral diverges
    """
    support = P.support()
    ends = [e for e in (getattr(support, "inf", -sp.oo), getattr(support, "sup", sp.oo))
            if e.is_infinite]
    if density is not None:  # only the ends where the integral is not shown to converge
        ends = [e for e in ends if not integrable_at(stat * density, x, e)]
    limits = set()
    for end in ends:
        try:
            limits.add(sp.limit(stat, x, end))
        except (NotImplementedError, ValueError, TypeError):
            limits.add(None)
    if limits in ({sp.oo}, {-sp.oo}):
        return limits.pop()
    raise Declined(f"E[{stat}] is undefined under {P.family.name} where its integral diverges")


def _by_representation(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E_P[f(X)] = E[f(g(U))] when the family says X has the law of g(U), U ~ base.

    Weibull(k, lam) is lam U^(1/k) and Gumbel(mu, beta) is mu - beta log U with U ~ Exp(1), so
    E[X^s] and E[exp(-X/b)] become moments of U that its log-partition gives.
    """
    if P.family.representation is None:
        return None
    pushed_to = P.family.representation(*P.values)
    if pushed_to is None:  # P is the base itself
        return None
    base, g = pushed_to
    B = base.bind("")
    support = B.support()
    positive = support.is_subset(sp.Interval(0, sp.oo)) and not B.family.discrete
    u = sp.Symbol("u", positive=True) if positive else sp.Symbol("u", real=True)
    pushed = sp.expand_log(sp.expand_power_base(stat.subs(x, g(u)), force=positive),
                           force=positive)
    try:
        return sp.simplify(expectation(pushed, u, B))
    except Declined as why:
        if "undefined" in str(why):  # so it is under P: integrating P again cannot help
            raise
        return None


def _even_about_fold(f: Expr, x: sp.Symbol, centre: Expr, P: Bound) -> bool:
    """Whether P's support is the half-line from ``centre`` and |f| is even about it."""
    support = P.support()
    if not (isinstance(support, sp.Interval) and support.sup == sp.oo
            and sp.simplify(support.inf - centre) == 0):
        return False
    t = sp.Dummy("t")
    left, right = f.subs(x, centre + t), f.subs(x, centre - t)
    return sp.expand(left - right) == 0 or sp.expand(left + right) == 0


def _by_integration(stat: Expr, x: sp.Symbol, P: Bound) -> Expr:
    density = P.density(x)
    if P.family.discrete:
        value = sum_over(stat * density, x, P.support())
    else:
        converges = tail_condition(stat * density, x, P.support())
        if converges == sp.S.false:  # no integral to try: E[exp(-X/beta)] under a t is +oo
            return _divergent_value(stat, x, P, density)
        if converges not in (sp.S.true, sp.S.false):  # e.g. E[X] under Pareto: alpha > 1
            forward, back = assume(converges, fresh=True)  # integrated knowing it holds
            value = integrate_over((stat * density).xreplace(forward), x,
                                   P.support().xreplace(forward),
                                   [p.xreplace(forward) for p in
                                    list(P.breakpoints()) + abs_kinks(stat, x)])
            value = value.xreplace(back)
            if value.is_infinite or value.has(sp.Integral, sp.nan):
                raise Declined(f"E[{stat}] under {P.family.name}: {value}")
            value = erf_of_imaginary(value)
            return sp.Piecewise((sp.simplify(sp.gammasimp(value)), converges),
                                (_divergent_value(stat, x, P), True))
        points = list(P.breakpoints()) + abs_kinks(stat, x)
        value = integrate_over(stat * density, x, P.support(), points)
    if value.has(sp.nan):
        raise Declined(f"E[{stat}] is undefined under {P.family.name}")
    bare = value.xreplace({s: sp.S.Zero for s in value.atoms(sp.Sum)})  # series keep oo limits
    if bare.has(sp.oo, -sp.oo, sp.zoo) and not value.is_infinite:
        raise Declined(f"E[{stat}] under {P.family.name} mixes infinite terms: {value}")
    if value.is_infinite or value.has(sp.Sum):  # a kept sum stays as written (simplify is slow)
        return value
    return sp.simplify(sp.gammasimp(erf_of_imaginary(value)))
