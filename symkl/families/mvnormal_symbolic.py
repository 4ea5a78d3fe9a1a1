"""Multivariate normal of a *symbolic* dimension k: ``MultivariateNormal("k")``.

Mathematical details: p(x) = exp(-(x - mu)^T Sigma^-1 (x - mu) / 2) / sqrt(det(2 pi Sigma)) on
R^k, k a positive integer symbol; mu a k x 1 and Sigma a symmetric positive definite k x k
``MatrixSymbol`` (bound to ``mu1``, ``Sigma1``).  Matrix parameters are treated as symmetric
(Sigma^T = Sigma) by the derivation.
Exponential family in matrix form: T(x) = (x, x x^T), eta = (Sigma^-1 mu, -Sigma^-1 / 2),
<eta, T> = eta_1^T x + tr(eta_2^T x x^T), A(eta) = -tr(eta_1^T eta_2^-1 eta_1) / 4
- log det(-2 eta_2) / 2, log h(x) = -k log(2 pi) / 2.
Source: Bishop, *Pattern Recognition and Machine Learning*, 2006, section 2.4, eq. 2.220-2.222.
Verification substitutes concrete k = 1, 2 and matrices (``Family.concrete``) and integrates
the concrete densities numerically (``symkl.mvquad``).

>>> F = MultivariateNormal("k")
>>> [p.name for p in F.params], F is symbolic()
(['mu', 'Sigma'], True)
>>> F().bind(1).values[1].shape
(k, k)
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import sympy as sp

from symkl.families.mvnormal import MultivariateNormal  # noqa: F401 (doctest)
from symkl.family import Domain, ExpFamilyView, Family, Param

K = sp.Symbol("k", integer=True, positive=True)


@dataclass(frozen=True)
class MatrixDomain(Domain):
    """A parameter domain whose values are k x ``columns`` matrices (MatrixSymbols)."""

    columns: object = 1

    def symbol(self, name: str) -> sp.MatrixSymbol:
        """A MatrixSymbol named ``name`` of this domain's shape."""
        return sp.MatrixSymbol(name, K, K if self.columns == "k" else self.columns)


def _no_sample(rng: random.Random):
    raise NotImplementedError("matrix parameters are sampled by symkl.mvquad.verify_symbolic")


VECTOR = MatrixDomain("RealVector", (), lambda v: sp.S.true, "a real k-vector", _no_sample, 1)
COVARIANCE = MatrixDomain("Covariance", (), lambda v: sp.S.true,
                          "a symmetric positive definite k x k matrix", _no_sample, "k")


def _concrete(k: int, mu: sp.Matrix, Sigma: sp.Matrix):
    from symkl.families.mvnormal import mvn
    return mvn(list(mu), Sigma.tolist())


@cache
def symbolic() -> Family:
    """The record of the symbolic-dimension normal (built once; not a module-level record, so
    the univariate contract tests over ``symkl.families.ALL`` do not see it)."""
    return Family(
        name="MultivariateNormalK",
        latex_name=r"\mathcal{{N}}_{{k}}\left({0}, {1}\right)",
        params=(Param("mu", r"\mu", VECTOR), Param("Sigma", r"\Sigma", COVARIANCE)),
        discrete=False,
        support=lambda mu, Sigma: sp.ProductSet(sp.Reals),  # stands for R^k (k symbolic)
        logpdf=lambda x, mu, Sigma: (-sp.Trace((x - mu).T * Sigma.inverse() * (x - mu)) / 2
                                     - sp.log(sp.Determinant(Sigma)) / 2
                                     - K * sp.log(2 * sp.pi) / 2),
        expfam=ExpFamilyView(
            natural_params=lambda mu, Sigma: (Sigma.inverse() * mu, -Sigma.inverse() / 2),
            log_partition=lambda eta: (-sp.Trace(eta[0].T * eta[1].inverse() * eta[0]) / 4
                                       - sp.log(sp.Determinant(-2 * eta[1])) / 2),
            stats=lambda x: (x, x * x.T),
            log_base=lambda x: -K * sp.log(2 * sp.pi) / 2,
            shapes=((K, 1), (K, K)),
        ),
        description="mean vector mu, covariance matrix Sigma, symbolic dimension k",
        group="multivariate normal, symbolic k",
        vector=sp.MatrixSymbol("x", K, 1),
        concrete=_concrete,
    )
