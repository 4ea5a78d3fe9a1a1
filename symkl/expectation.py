"""E_P[g(X)] for a bound family P, by the cheapest rule that applies.

Rules, in order: a constant; a multiple of a sufficient statistic (E[T] = grad A(eta), derived
from the log-partition); the log of a polynomial under a Cauchy-type P (the Poisson-kernel
mean-value property); otherwise the integral (or sum) of g times the density over the support,
split at breakpoints.  Results are cached per (P, g): each statistic is integrated once.

>>> import sympy as sp
>>> from symkl.families import Exponential
>>> x = sp.Symbol("x", real=True)
>>> expectation(sp.log(x), x, Exponential().bind(1))
-log(lam1) - EulerGamma
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symkl.family import Bound
from symkl.integration import Declined, abs_kinks, integrate_over, sum_over
from symkl.rewrite import exp_of_sum

Expr = sp.Expr


def expectation(g: Expr, x: sp.Symbol, P: Bound) -> Expr:
    """E_P[g(X)], splitting ``g`` into x-free coefficients times statistics (linearity)."""
    total = sp.S.Zero
    for coeff, stat in split_statistics(g, x):
        total += coeff * (stat if not stat.has(x) else statistic_mean(stat, x, P))
    return total


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
    for rule in (_by_marginal, _by_log_partition, _by_moment_generating, _by_poisson_kernel):
        value = rule(stat, x, P)
        if value is not None:
            return value
    return _by_integration(stat, x, P)


def sufficient_statistic_means(P: Bound) -> tuple[Expr, ...]:
    """E_P[T(X)] = grad A at eta(theta_P), derived from the log-partition.

    >>> from symkl.families import Poisson
    >>> sufficient_statistic_means(Poisson().bind(1))
    (lam1,)
    """
    ef = P.family.expfam
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
    ef = P.family.expfam
    if ef is None:
        return None
    for t, mean in zip(ef.stats(x), sufficient_statistic_means(P)):
        ratio = sp.simplify(stat / t)
        if not ratio.has(x):
            return ratio * mean
    return None


def _by_moment_generating(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E[exp(s . T(X))] = exp(A(eta + s) - A(eta)): powers of x when log x is a statistic.

    Used for s >= 0 on logarithmic statistics (x^2 under Gamma, x under Beta), where eta + s
    stays in the natural parameter space.
    """
    ef = P.family.expfam
    if ef is None:
        return None
    stats = ef.stats(x)
    s = [sp.S.Zero] * len(stats)
    for coeff, part in split_statistics(sp.expand_log(sp.log(stat), force=True), x):
        if not part.has(x):
            return None  # a constant factor in stat: linearity handles it before we get here
        matches = [i for i, t in enumerate(stats) if isinstance(t, sp.log) and t == part]
        if not matches or not (coeff.is_number and coeff > 0):
            return None
        s[matches[0]] += coeff
    eta_p = ef.natural_params(*P.values)
    shifted = ef.log_partition([e + d for e, d in zip(eta_p, s)])
    return sp.gammasimp(exp_of_sum(shifted - ef.log_partition(eta_p)))


def _by_poisson_kernel(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E[log f(X)] for a polynomial f when P's density is the Poisson kernel at w = x0 + i*gamma.

    log|x - r| is harmonic in the upper half-plane when Im r <= 0 (and |x - r| = |x - conj r|),
    so its Poisson integral is its value at w.
    """
    if P.family.poisson_kernel_point is None or not isinstance(stat, sp.log):
        return None
    try:
        poly = sp.Poly(stat.args[0], x)
    except sp.PolynomialError:
        return None
    roots = sp.roots(poly)
    if sum(roots.values()) != poly.degree() or not poly.LC().is_positive:
        return None
    w = P.family.poisson_kernel_point(*P.values)
    total = sp.log(poly.LC())
    for r, mult in roots.items():
        if sp.im(r).is_positive:
            r = sp.conjugate(r)
        elif not sp.im(r).is_nonpositive:
            return None
        d = sp.expand(w - r)
        total += mult * sp.log(sp.factor(sp.re(d) ** 2 + sp.im(d) ** 2)) / 2
    return total


def _by_integration(stat: Expr, x: sp.Symbol, P: Bound) -> Expr:
    density = P.density(x)
    if P.family.discrete:
        value = sum_over(stat * density, x, P.support())
    else:
        points = list(P.breakpoints()) + abs_kinks(stat, x)
        value = integrate_over(stat * density, x, P.support(), points)
    if value.has(sp.nan):
        raise Declined(f"E[{stat}] is undefined under {P.family.name}")
    bare = value.xreplace({s: sp.S.Zero for s in value.atoms(sp.Sum)})  # series keep oo limits
    if bare.has(sp.oo, -sp.oo, sp.zoo) and not value.is_infinite:
        raise Declined(f"E[{stat}] under {P.family.name} mixes infinite terms: {value}")
    return value if value.is_infinite else sp.simplify(sp.gammasimp(value))
