"""E_P[log q] term by term: works across families.

log q(x) is split into x-free coefficients times statistics of x (x, x^2, log x, |x - mu|,
log(gamma^2 + (x - x0)^2), ...); each statistic's mean under P comes from P's own data
(grad A for its sufficient statistics, the Poisson kernel for Cauchy) or from one cached
integral against P.  H(P, Q) = -E_P[log q(X)] and H(P) = -E_P[log p(X)].

>>> import sympy as sp
>>> from symkl.families import Exponential, Gamma
>>> x = sp.Symbol("x", real=True)
>>> pieces = derive(Exponential().bind(1), Gamma().bind(2), x)
>>> pieces.cross_entropy.has(sp.EulerGamma)
True
"""
from __future__ import annotations

import sympy as sp

from symkl.budget import BudgetExceeded
from symkl.canonical import tidy_args
from symkl.expectation import split_statistics, statistic_mean, summed_by_linearity
from symkl.family import Bound
from symkl.integration import Declined
from symkl.steps import Pieces, Step


def derive(P: Bound, Q: Bound | None, x: sp.Symbol) -> Pieces:
    """H(P) and H(P, Q) by linearity of expectation over the statistics of log p and log q."""
    steps: list[Step] = []
    means: dict[sp.Expr, sp.Expr] = {}

    def mean_of(log_density: sp.Expr) -> sp.Expr:
        terms = split_statistics(sp.expand_log(log_density, force=True), x)
        return summed_by_linearity(terms, x, sum_means)

    def sum_means(terms) -> sp.Expr:
        total = sp.S.Zero
        for coeff, stat in terms:
            if not stat.has(x):
                total += coeff * stat
                continue
            if stat not in means:
                try:
                    means[stat] = statistic_mean(stat, x, P)
                except (Declined, BudgetExceeded) as why:
                    why.statistic = stat  # the engine skips routes that need the same integral
                    raise
                shown = tidy_args(stat)
                steps.append(Step(f"E_P[{shown}]", r"\mathbb{E}_P\left[{about}\right]",
                                  means[stat], about=shown))
            total += coeff * means[stat]
        return total

    cross = None if Q is None else -mean_of(Q.logpdf(x))
    entropy = -mean_of(P.logpdf(x))
    if cross is not None:
        steps.append(Step("cross-entropy H(P,Q)", "H(P, Q) = -\\mathbb{E}_P[\\log q(X)]", cross))
    steps.append(Step("entropy H(P)", "H(P) = -\\mathbb{E}_P[\\log p(X)]", entropy))
    return Pieces(entropy=entropy, cross_entropy=cross, steps=steps)
