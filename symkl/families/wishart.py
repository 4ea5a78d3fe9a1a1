"""Wishart distribution ``Wishart(k)(nu, V11_, V12_, ..., Vkk_)`` on the positive definite cone.

Mathematical details: for k x k symmetric positive definite X,
p(X) = |X|^((nu - k - 1)/2) exp(-tr(V^-1 X)/2) / (2^(nu k/2) |V|^(nu/2) Gamma_k(nu/2)),
with log Gamma_k(a) = k (k - 1)/4 log(pi) + sum_{j=1..k} log Gamma(a + (1 - j)/2) (the
multivariate gamma function), written out for the concrete k.  The density is taken with
respect to Lebesgue measure on the k (k + 1)/2 entries of the upper triangle, which are the
coordinates x_1 = X_11, x_2 = X_12, ..., row by row (for k = 2: X_11, X_12, X_22).
Parameters: degrees of freedom nu > k - 1, then the upper triangle of the symmetric positive
definite scale matrix V, ``V11_, V12_, ..., Vkk_`` (bound to symbols such as ``nu1`` and
``V12_1``: entry, then which distribution, as for ``MultivariateNormal``'s Sigma).
E[X] = nu V.  Wishart(1)(nu, V) is Gamma(nu/2, rate 1/(2 V)).
Exponential family with T(X) = (X_ij for i <= j; log |X|), natural parameters: the coefficients
of -tr(V^-1 X)/2 in the entries (-(V^-1)_ii / 2 on the diagonal, -(V^-1)_ij above it), then
(nu - k - 1)/2; A = (nu/2) log |V| + (nu k/2) log 2 + log Gamma_k(nu/2) with V^-1 and nu read
back from eta; h(X) = 1 on the cone.
Source: Penny (2001), "KL divergences of Normal, Gamma, Dirichlet and Wishart densities";
Bishop, *Pattern Recognition and Machine Learning*, 2006, eq. (2.155) and appendix B.

>>> F = Wishart(2)
>>> [p.name for p in F.params], F.kind
(['nu', 'V11_', 'V12_', 'V22_'], 'Wishart, k = 2')
>>> wishart(3, [[2, 1], [1, 2]])
Wishart2(3, 2, 1, 2)
>>> wishart(1, [[2, 1], [1, 2]])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: Wishart2: parameter nu must be > 1 (nu > k - 1), got 1
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from symkl.family import (
    POSITIVE,
    REAL,
    Domain,
    ExpFamilyView,
    Family,
    FamilyInstance,
    Param,
    exact_number,
    reject,
)
from symkl.multivariate import (
    coordinates,
    leading_minors_positive,
    pd_cone,
    symmetric,
    vector,
)


def log_multigamma(a: sp.Expr, k: int) -> sp.Expr:
    """log Gamma_k(a) = k (k - 1)/4 log(pi) + sum_{j=1..k} log Gamma(a + (1 - j)/2).

    >>> a = sp.Symbol("a")
    >>> log_multigamma(a, 2) == sp.log(sp.pi) / 2 + sp.loggamma(a) + sp.loggamma(a - sp.S.Half)
    True
    """
    return (sp.Rational(k * (k - 1), 4) * sp.log(sp.pi)
            + sp.Add(*[sp.loggamma(a + sp.Rational(1 - j, 2)) for j in range(1, k + 1)]))


def _degrees_of_freedom(k: int) -> Domain:
    """nu > k - 1; seeded values lie in [k, k + 3], where the quadrature of verify() keeps its
    accuracy (the density of X near the boundary of the cone grows like |X|^((nu - k - 1)/2))."""
    return Domain(f"GreaterThan{k - 1}", (("positive", True),),
                  lambda v: sp.Gt(v, k - 1), f"> {k - 1} (nu > k - 1)",
                  lambda r: sp.Rational(round(r.uniform(k, k + 3) * 8), 8))


@cache
def Wishart(k: int) -> Family:
    """The Wishart family of k x k matrices (one record per k >= 1)."""
    if not (isinstance(k, int) and k >= 1):
        raise reject("Wishart", "k", "a positive integer", k)
    name = f"Wishart{k}"
    entries = [(i, j) for i in range(k) for j in range(i, k)]
    m = len(entries)
    X = vector(m)

    def split(values):
        return values[0], symmetric(values[1:], k)

    def logpdf(x, nu, *v):
        V = symmetric(v, k)
        Xm = symmetric(coordinates(x), k)
        return ((nu - k - 1) / 2 * sp.log(Xm.det()) - (V.inv() * Xm).trace() / 2
                - nu * k / 2 * sp.log(2) - nu / 2 * sp.log(V.det()) - log_multigamma(nu / 2, k))

    def natural_params(*values):
        nu, V = split(values)
        precision = V.inv()
        coeff = [-precision[i, j] / (2 if i == j else 1) for i, j in entries]
        return (*[sp.factor(sp.cancel(c)) for c in coeff], (nu - k - 1) / 2)

    def precision_of(eta):  # V^-1 from the entry coefficients: -2 eta_ii, -eta_ij
        return symmetric([-eta[n] * (2 if i == j else 1) for n, (i, j) in enumerate(entries)], k)

    def log_partition(eta):
        nu = 2 * eta[m] + k + 1
        return (-nu / 2 * sp.log(precision_of(eta).det()) + nu * k / 2 * sp.log(2)
                + log_multigamma(nu / 2, k))

    def condition(nu, *v):
        if any(e is None for e in v):
            return sp.S.true
        return leading_minors_positive(symmetric(v, k))

    def validate(nu, *v):
        if condition(nu, *v) == sp.S.false:
            raise reject(name, "V", "positive definite (symmetric with positive leading "
                         "minors)", symmetric(v, k).tolist())

    params = [Param("nu", r"\nu", _degrees_of_freedom(k))]
    params += [Param(f"V{i + 1}{j + 1}_", rf"V_{{{i + 1}{j + 1}}}", POSITIVE if i == j else REAL)
               for i, j in entries]
    slot = {e: 1 + n for n, e in enumerate(entries)}
    rows = r" \\ ".join(" & ".join(f"{{{slot[(min(i, j), max(i, j))]}}}" for j in range(k))
                        for i in range(k))
    return Family(
        name=name,
        latex_name=(r"\mathcal{{W}}_{{" + str(k) + r"}}\left({0}, \begin{{pmatrix}}" + rows
                    + r"\end{{pmatrix}}\right)"),
        params=tuple(params),
        discrete=False,
        support=lambda *values: pd_cone(k),
        logpdf=logpdf,
        expfam=ExpFamilyView(
            natural_params=natural_params,
            log_partition=log_partition,
            stats=lambda x: (*coordinates(x), sp.log(symmetric(coordinates(x), k).det())),
            log_base=lambda x: sp.S.Zero,
            natural_domain=lambda eta: sp.And(leading_minors_positive(precision_of(eta)),
                                              2 * eta[m] + k + 1 > k - 1),
            size=m + 1,
        ),
        description=f"degrees of freedom nu, scale matrix V, dimension {k}",
        validate=validate,
        group=f"Wishart, k = {k}",
        vector=X,
        condition=condition,
    )


def _entry(value):
    """A scale-matrix entry for the symmetry check (names stay names, numbers become exact)."""
    if value is None or isinstance(value, (str, sp.Basic)):
        return value
    return exact_number(value, "V entry")


def wishart(nu, V) -> FamilyInstance:
    """A Wishart instance from the degrees of freedom and a symmetric scale matrix.

    Entries may be numbers, SymPy expressions or names; ``None`` leaves an entry unnamed.

    >>> wishart(3, [[1, 2], [2, 1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Wishart2: parameter V must be positive definite ...
    """
    rows = [list(r) for r in V]
    k = len(rows)
    if k == 0 or any(len(r) != k for r in rows):
        raise reject("Wishart", "V", "a square k x k matrix", rows)
    for i in range(k):
        for j in range(i + 1, k):
            if _entry(rows[i][j]) != _entry(rows[j][i]):
                raise reject(f"Wishart{k}", "V", "symmetric", rows)
    return Wishart(k)(nu, *[rows[i][j] for i in range(k) for j in range(i, k)])

