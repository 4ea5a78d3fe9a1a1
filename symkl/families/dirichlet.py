"""Dirichlet distribution ``Dirichlet(K)(alpha1_, ..., alphaK_)`` on the open simplex.

Mathematical details: p(x) = Gamma(alpha_0) / prod_i Gamma(alpha_i) * prod_i x_i^(alpha_i - 1),
alpha_0 = sum_i alpha_i, for x_i > 0 with x_1 + ... + x_K = 1; the density is taken with respect
to Lebesgue measure on the first K - 1 coordinates (x_K = 1 - x_1 - ... - x_(K-1)), so
Dirichlet(2) is Beta(alpha_1, alpha_2).  Parameters: concentrations alpha_i > 0 (bound to symbols
such as ``alpha1_1``: entry, then which distribution).
Exponential family with T(x) = (log x_1, ..., log x_K), eta = (alpha_i - 1),
A(eta) = sum_i log Gamma(eta_i + 1) - log Gamma(sum_i eta_i + K), h(x) = 1.
Source: Penny (2001), "KL divergences of Normal, Gamma, Dirichlet and Wishart densities";
Kotz, Balakrishnan & Johnson, *Continuous Multivariate Distributions* vol. 1, ch. 49.

>>> F = Dirichlet(3)
>>> [p.name for p in F.params], F.kind
(['alpha1_', 'alpha2_', 'alpha3_'], 'Dirichlet, K = 3')
>>> dirichlet([1, 2, 3])
Dirichlet3(1, 2, 3)
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, FamilyInstance, Param, reject
from symkl.multivariate import coordinates, simplex, vector


@cache
def Dirichlet(K: int) -> Family:
    """The Dirichlet family on the simplex of K components (one record per K >= 2)."""
    if not (isinstance(K, int) and K >= 2):
        raise reject("Dirichlet", "K", "an integer >= 2", K)
    X = vector(K - 1)

    def parts(x):
        xs = coordinates(x)
        return [*xs, 1 - sp.Add(*xs)]

    def logpdf(x, *alpha):
        return (sp.Add(*[(a - 1) * sp.log(v) for a, v in zip(alpha, parts(x))])
                + sp.loggamma(sp.Add(*alpha)) - sp.Add(*[sp.loggamma(a) for a in alpha]))

    entries = ", ".join(f"{{{i}}}" for i in range(K))
    return Family(
        name=f"Dirichlet{K}",
        latex_name=r"\mathrm{{Dir}}\left(" + entries + r"\right)",
        params=tuple(Param(f"alpha{i + 1}_", rf"\alpha_{{{i + 1}}}", POSITIVE) for i in range(K)),
        discrete=False,
        support=lambda *alpha: simplex(K - 1),
        logpdf=logpdf,
        expfam=ExpFamilyView(
            natural_params=lambda *alpha: tuple(a - 1 for a in alpha),
            log_partition=lambda eta: (sp.Add(*[sp.loggamma(e + 1) for e in eta])
                                       - sp.loggamma(sp.Add(*eta) + K)),
            stats=lambda x: tuple(sp.log(v) for v in parts(x)),
            log_base=lambda x: sp.S.Zero,
            natural_domain=lambda eta: sp.And(*[e > -1 for e in eta]),
            size=K,
        ),
        description=f"concentrations alpha_1..alpha_{K} on the simplex",
        group=f"Dirichlet, K = {K}",
        vector=X,
    )


def dirichlet(alpha) -> FamilyInstance:
    """A Dirichlet instance from its concentration vector (numbers, expressions or names)."""
    return Dirichlet(len(alpha))(*alpha)
