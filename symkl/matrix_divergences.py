"""Power divergences of normals with matrix parameters: the symbolic dimension k through the
mixture identities (:mod:`symkl.matrix_mixture`), a concrete dimension through the symbolic
result at explicit matrices.  Routes of :func:`symkl.power_divergences._power`.
"""
from __future__ import annotations

import functools

import sympy as sp

from symkl import power_divergences
from symkl.divergence_common import _LHS, _order_domains
from symkl.matrix_mixture import (
    at_matrices,
    mixture_collect,
    mixture_form,
    positive_definite,
)
from symkl.multivariate import matrix_tidy
from symkl.result import Result
from symkl.steps import Step


def power_of_matrices(name: str, bp, bq, a: sp.Expr, log_integral: sp.Expr) -> Result:
    """Matrix-valued parameters of symbolic size (the normal of dimension k): log I from the
    log-partition, its inverse and determinant of the mixed precision alpha Sigma1^-1 +
    (1 - alpha) Sigma2^-1 written through the mixed covariance (:mod:`symkl.matrix_mixture`).
    The mixed natural parameter is admissible where that mixture is positive definite: always
    for 0 < alpha < 1 (a convex combination), a condition otherwise.

    >>> from symkl.families.mvnormal import MultivariateNormal
    >>> F = MultivariateNormal("k")
    >>> r = power_divergences._power("bhattacharyya", F(), F(), None)
    >>> [str(t) for t in sp.Add.make_args(r.expr)]  # doctest: +NORMALIZE_WHITESPACE
    ['log(Determinant((1/2)*Sigma1 + (1/2)*Sigma2))/2', '-log(Determinant(Sigma1))/4',
     '-log(Determinant(Sigma2))/4',
     'Trace((mu1.T - mu2.T)*((1/2)*Sigma1 + (1/2)*Sigma2)**(-1)*(mu1 - mu2))/8']
    """
    values = (*bp.values, *bq.values)
    squares = [v for v in values if v.shape[0] == v.shape[1] and v.shape[1] != 1]
    shown, mixtures, identities = mixture_form(matrix_tidy(log_integral, values), squares)
    steps = (*identities, Step("log of the power integral",
                               r"\log \int p^{\alpha} q^{1-\alpha}", shown))
    integral = None
    if name in ("hellinger", "chi_square"):  # I = prod det^c * exp(quadratic form)
        logs = [t for t in sp.Add.make_args(shown) if t.has(sp.log)]
        integral = sp.Mul(*[d ** c for t in logs for c, d in [_log_det(t)]]) * sp.exp(
            sp.Add(*[t for t in sp.Add.make_args(shown) if not t.has(sp.log)]))
    value = power_divergences._from_log_integral(name, shown, a, integral)
    value = mixture_collect(sp.expand_mul(value, deep=False))
    inside = a.is_number and 0 < a < 1
    conditions = () if inside else tuple(dict.fromkeys(positive_definite(m) for m in mixtures))
    return Result(name, bp, bq, value, "bregman", steps, conditions, "", _LHS[name],
                  _order_domains(bp, bq, a if name == "renyi" else None),
                  a if name == "renyi" else None)


def power_at_matrices(name: str, bp, bq, a: sp.Expr) -> Result:
    """A normal of concrete dimension: the symbolic-dimension result (derived once, in matrix
    form) at P's and Q's explicit mean vectors and covariance matrices, presented term by term
    (determinants as polynomials, one fraction per quadratic form).  The direct route through
    the entries' log-partition gives the same function as a rational expression of some 10^4
    operations.

    >>> from symkl.families.mvnormal import IsotropicNormal
    >>> F = IsotropicNormal(2)
    >>> print(power_divergences._power("bhattacharyya", F(0, 0, 1), F(1, 1, 1), None).expr)
    1/4
    """
    family, (m1, S1) = bp.family.matrix_form(*bp.values)
    _, (m2, S2) = bq.family.matrix_form(*bq.values)
    general = _general(name, family, a)
    mu1, Sigma1, mu2, Sigma2 = (*general.P.values, *general.Q.values)
    values = {mu1: m1, Sigma1: S1, mu2: m2, Sigma2: S2, family.vector.shape[0]: m1.shape[0]}
    value = at_matrices(general.expr, values)
    conditions = tuple(c for c in (at_matrices(c, values) for c in general.conditions)
                       if c != sp.S.true)
    steps = (*general.steps, Step(f"at dimension {m1.shape[0]}: the mean vectors and "
                                  "covariance matrices of P and Q", _LHS[name], value))
    return Result(name, bp, bq, value, "bregman", steps, conditions, "", _LHS[name],
                  _order_domains(bp, bq, a if name == "renyi" else None),
                  a if name == "renyi" else None)


@functools.cache
def _general(name: str, family, a: sp.Expr) -> Result:
    """The symbolic-dimension result, derived once for every concrete dimension and pattern
    (full, diagonal, isotropic) that takes it at its matrices."""
    return power_divergences._power(name, family(), family(), a)


def _log_det(term: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """c log det X -> (c, det X)."""
    coeff, log = term.as_independent(sp.log, as_Add=False)
    return coeff, log.args[0]
