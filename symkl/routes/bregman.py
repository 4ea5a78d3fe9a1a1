"""Exponential families: everything from the log-partition A(eta), no integral.

With E_P[T] = grad A(eta_P):  H(P) = A(eta_P) - eta_P . E_P[T] - E_P[log h],
H(P, Q) = A(eta_Q) - eta_Q . E_P[T] - E_P[log h], so that
KL(P || Q) = A(eta_Q) - A(eta_P) - (eta_Q - eta_P) . grad A(eta_P)   (a Bregman divergence).

>>> import sympy as sp
>>> from symkl.families import Poisson
>>> k = sp.Symbol("k", integer=True, nonnegative=True)
>>> pieces = derive(Poisson().bind(1), Poisson().bind(2), k)
>>> sp.simplify(pieces.cross_entropy - pieces.entropy - (lam1 := sp.Symbol("lam1", positive=True))
...             * sp.log(lam1 / sp.Symbol("lam2", positive=True)) - sp.Symbol("lam2", positive=True)
...             + lam1)
0
"""
from __future__ import annotations

import sympy as sp

from symkl.expectation import rule_mean, sufficient_statistic_means
from symkl.family import Bound
from symkl.integration import Declined
from symkl.steps import Pieces, Step


def derive(P: Bound, Q: Bound | None, x: sp.Symbol) -> Pieces:
    """H(P) and H(P, Q) from the log-partition when P and Q are the same exponential family."""
    ef = P.expfam
    if ef is None:
        raise Declined(f"{P.family.name} is not an exponential family")
    if Q is not None and Q.family is not P.family:
        raise Declined(f"P ({P.family.name}) and Q ({Q.family.name}) are different families")
    if Q is not None and not _same_held(ef.held, Q.expfam.held):
        raise Declined(f"P and Q have different fixed parameters ({ef.held} vs "
                       f"{Q.expfam.held}): not one exponential family")
    log_partition = ef.log_partition(ef.natural_symbols())
    eta_p = ef.natural_params(*P.values)
    mean_t = sufficient_statistic_means(P)
    e_log_h = _mean_log_base(ef.log_base(x), x, P)
    a_p = ef.log_partition(eta_p)
    entropy = a_p - _dot(eta_p, mean_t) - e_log_h
    steps = [
        Step("natural parameters", r"\eta(\theta_P)", _row(eta_p)),
        Step("log-partition", r"A(\eta)", log_partition),
        Step("mean of the sufficient statistics", r"\mathbb{E}_P[T(X)] = \nabla A(\eta_P)",
             _row(mean_t)),
        Step("entropy H(P)", "H(P)", entropy),
    ]
    cross = None
    if Q is not None:
        eta_q = ef.natural_params(*Q.values)
        a_q = ef.log_partition(eta_q)  # the same A: the fixed parameters agree
        cross = a_q - _dot(eta_q, mean_t) - e_log_h
        steps.insert(3, Step("cross-entropy H(P,Q)", "H(P, Q)", cross))
    return Pieces(entropy=entropy, cross_entropy=cross, steps=steps)


def _mean_log_base(log_h: sp.Expr, x: sp.Symbol, P: Bound) -> sp.Expr:
    """E_P[log h(X)]: a constant, its mean by the expectation rules without integrating (E[X]
    for a chi-squared's -x/2 from the moment rule), or else its defining sum/integral (it cancels
    in KL, so nothing is integrated for it).
    """
    if not log_h.has(x):
        return log_h
    value = rule_mean(log_h, x, P)
    if value is not None:
        return value
    support = P.support()
    kind = sp.Sum if P.family.discrete else sp.Integral
    return kind(log_h * P.density(x), (x, support.inf, support.sup))


def _same_held(a: tuple, b: tuple) -> bool:
    return all(sp.simplify(u - v) == 0 for u, v in zip(a, b))


def _dot(a, b) -> sp.Expr:
    """eta . E[T]; for matrix-valued parameters the trace inner product tr(u^T v)."""
    return sp.Add(*[sp.Trace(u.T * v) if isinstance(u, sp.MatrixExpr) else u * v
                    for u, v in zip(a, b)])


def _row(values) -> sp.Basic:
    """A row for display (a tuple when the entries are themselves matrices)."""
    if any(isinstance(v, sp.MatrixExpr) for v in values):
        return sp.Tuple(*values)
    return sp.Matrix(values).T
