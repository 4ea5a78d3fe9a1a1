"""Multivariate normal ``MultivariateNormal(k)`` of a concrete dimension k, and its diagonal and
isotropic variants.

Mathematical details: p(x) = exp(-(x - mu)^T Sigma^-1 (x - mu) / 2) / sqrt(det(2 pi Sigma)) on
R^k, mean vector mu, covariance matrix Sigma (symmetric positive definite).  Parameters are the
entries: ``mu1_, ..., muk_`` then the upper triangle ``Sigma11_, Sigma12_, ..., Sigmakk_`` (bound
to symbols such as ``mu1_1`` and ``Sigma12_2``: entry, then which distribution).
``DiagonalNormal(k)`` has Sigma = diag(sigma1_^2, ..., sigmak_^2) (standard deviations, as for
``Normal``); ``IsotropicNormal(k)`` has Sigma = sigma^2 I.
Exponential family with T(x) = (x_i; x^T B_s x), where the symmetric B_s span the covariance
pattern (E_ii and (E_ij + E_ji)/2, only E_ii, or I), eta = (Sigma^-1 mu; -<Sigma^-1, B_s> /
(2 <B_s, B_s>)), precision Lambda(eta) = -2 sum_s eta_s B_s, A(eta) = h^T Lambda^-1 h / 2 -
log det Lambda / 2, log h(x) = -k log(2 pi) / 2.
Source: Bishop, *Pattern Recognition and Machine Learning*, 2006, section 2.4 (the Gaussian as an
exponential family, eq. 2.220 ff.); Penny (2001), "KL divergences of Normal, Gamma, Dirichlet and
Wishart densities".

>>> F = MultivariateNormal(2)
>>> [p.name for p in F.params]
['mu1_', 'mu2_', 'Sigma11_', 'Sigma12_', 'Sigma22_']
>>> F is MultivariateNormal(2), F.kind
(True, 'multivariate normal, k = 2')
>>> mvn([0, 0], [[2, 1], [1, 2]])
MultivariateNormal2(0, 0, 2, 1, 2)
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp

from symkl.family import (
    POSITIVE,
    REAL,
    ExpFamilyView,
    Family,
    FamilyInstance,
    Param,
    exact_number,
    reject,
)
from symkl.multivariate import coordinates, leading_minors_positive, vector


def _basis(k: int, pattern: str) -> list[sp.Matrix]:
    """The symmetric matrices B_s spanning the covariance pattern."""
    def unit(i, j):
        return sp.Matrix(k, k, lambda a, b: sp.S.One if {a, b} == {i, j} else sp.S.Zero)
    if pattern == "isotropic":
        return [sp.eye(k)]
    if pattern == "diagonal":
        return [unit(i, i) for i in range(k)]
    return [unit(i, j) / (1 if i == j else 2) for i in range(k) for j in range(i, k)]


def _gaussian(k: int, pattern: str, name: str, cov_params: list[Param],
              covariance: Callable[..., sp.Matrix], cov_latex: str) -> Family:
    """The family record of a k-dimensional normal whose covariance follows ``pattern``."""
    X = vector(k)
    basis = _basis(k, pattern)

    def split(values):
        return sp.Matrix(values[:k]), covariance(*values[k:])

    def logpdf(x, *values):
        mu, cov = split(values)
        d = sp.Matrix(coordinates(x)) - mu
        quad = (d.T * cov.inv() * d)[0, 0]
        return -quad / 2 - sp.log(cov.det()) / 2 - k * sp.log(2 * sp.pi) / 2

    def natural_params(*values):
        mu, cov = split(values)
        precision = cov.inv()
        h = precision * mu
        quad = [-sum(precision.multiply_elementwise(b)) / (2 * sum(b.multiply_elementwise(b)))
                for b in basis]
        return tuple(sp.factor(sp.cancel(e)) for e in [*h, *quad])

    def lam(eta):
        return sum((-2 * e * b for e, b in zip(eta[k:], basis)), sp.zeros(k, k))

    def log_partition(eta):
        h, precision = sp.Matrix(eta[:k]), lam(eta)
        return (h.T * precision.inv() * h)[0, 0] / 2 - sp.log(precision.det()) / 2

    def stats(x):
        xs = sp.Matrix(coordinates(x))
        return (*xs, *[sp.expand((xs.T * b * xs)[0, 0]) for b in basis])

    def condition(*values):
        if any(v is None for v in values[k:]):
            return sp.S.true
        return leading_minors_positive(covariance(*values[k:]))

    def matrix_form(*values):
        from symkl.families.mvnormal_symbolic import symbolic
        mu, cov = split(values)
        return symbolic(), (sp.ImmutableMatrix(mu), sp.ImmutableMatrix(cov))

    def validate(*values):
        if condition(*values) == sp.S.false:
            raise reject(name, "Sigma", "positive definite (symmetric with positive leading "
                         "minors)", covariance(*values[k:]).tolist())

    means = [Param(f"mu{i + 1}_", rf"\mu_{{{i + 1}}}", REAL) for i in range(k)]
    mean_tex = r" \\ ".join(f"{{{i}}}" for i in range(k))
    return Family(
        name=name,
        latex_name=(r"\mathcal{{N}}_{{" + str(k) + r"}}\left(\begin{{pmatrix}}" + mean_tex
                    + r"\end{{pmatrix}}, " + cov_latex + r"\right)"),
        params=(*means, *cov_params),
        discrete=False,
        support=lambda *values: sp.ProductSet(*[sp.Reals] * k),
        logpdf=logpdf,
        expfam=ExpFamilyView(
            natural_params=natural_params,
            log_partition=log_partition,
            stats=stats,
            log_base=lambda x: -k * sp.log(2 * sp.pi) / 2,
            natural_domain=lambda eta: leading_minors_positive(lam(eta)),
            size=k + len(basis),
        ),
        description=f"{pattern} covariance, dimension {k}",
        validate=validate,
        group=f"multivariate normal, k = {k}",
        vector=X,
        condition=condition,
        matrix_form=matrix_form,
    )


@cache
def MultivariateNormal(k: int) -> Family:
    """The k-dimensional normal with a full covariance matrix (one record per k); a name or
    Symbol for k gives the symbolic-dimension family with MatrixSymbol parameters."""
    if isinstance(k, (str, sp.Symbol)):
        from symkl.families.mvnormal_symbolic import symbolic
        return symbolic()
    if not (isinstance(k, int) and k >= 1):
        raise reject("MultivariateNormal", "k", "a positive integer", k)
    entries = [(i, j) for i in range(k) for j in range(i, k)]
    params = [Param(f"Sigma{i + 1}{j + 1}_", rf"\Sigma_{{{i + 1}{j + 1}}}",
                    POSITIVE if i == j else REAL) for i, j in entries]
    slot = {e: k + n for n, e in enumerate(entries)}

    def covariance(*s):
        return sp.Matrix(k, k, lambda i, j: s[slot[(min(i, j), max(i, j))] - k])
    rows = r" \\ ".join(" & ".join(f"{{{slot[(min(i, j), max(i, j))]}}}" for j in range(k))
                        for i in range(k))
    return _gaussian(k, "full", f"MultivariateNormal{k}", params, covariance,
                     r"\begin{{pmatrix}}" + rows + r"\end{{pmatrix}}")


@cache
def DiagonalNormal(k: int) -> Family:
    """The k-dimensional normal with Sigma = diag(sigma_i^2) (standard deviations sigma_i)."""
    if not (isinstance(k, int) and k >= 1):
        raise reject("DiagonalNormal", "k", "a positive integer", k)
    params = [Param(f"sigma{i + 1}_", rf"\sigma_{{{i + 1}}}", POSITIVE) for i in range(k)]
    tex = r"\operatorname{{diag}}\left(" + ", ".join(f"{{{k + i}}}^{{{{2}}}}" for i in range(k)) + \
        r"\right)"
    return _gaussian(k, "diagonal", f"DiagonalNormal{k}", params,
                     lambda *s: sp.diag(*[v**2 for v in s]), tex)


@cache
def IsotropicNormal(k: int) -> Family:
    """The k-dimensional normal with Sigma = sigma^2 I."""
    if not (isinstance(k, int) and k >= 1):
        raise reject("IsotropicNormal", "k", "a positive integer", k)
    return _gaussian(k, "isotropic", f"IsotropicNormal{k}",
                     [Param("sigma", r"\sigma", POSITIVE)], lambda s: s**2 * sp.eye(k),
                     f"{{{k}}}^{{{{2}}}} I")


def _entry(value):
    """A covariance entry for the symmetry check, without parsing text: a name stays a name
    (the family's own validation rejects anything that is not an identifier), a number becomes
    an exact SymPy number."""
    if value is None or isinstance(value, (str, sp.Basic)):
        return value
    return exact_number(value, "Sigma entry")


def mvn(mu, Sigma) -> FamilyInstance:
    """A multivariate normal instance from a mean vector and a symmetric covariance matrix.

    Entries may be numbers, SymPy expressions or names; ``None`` leaves an entry unnamed.

    >>> mvn([0, 0], [[1, 2], [2, 1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: MultivariateNormal2: parameter Sigma must be positive definite ...
    """
    k = len(mu)
    rows = [list(r) for r in Sigma]
    if len(rows) != k or any(len(r) != k for r in rows):
        raise reject("MultivariateNormal", "Sigma", f"a {k} x {k} matrix (mu has {k} entries)",
                     rows)
    for i in range(k):
        for j in range(i + 1, k):
            if _entry(rows[i][j]) != _entry(rows[j][i]):
                raise reject("MultivariateNormal", "Sigma", "symmetric", rows)
    upper = [rows[i][j] for i in range(k) for j in range(i, k)]
    return MultivariateNormal(k)(*mu, *upper)
