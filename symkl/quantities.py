"""What can be derived: KL divergence, cross-entropy and entropy.

KL(P || Q) = E_P[log p(X) / q(X)] = H(P, Q) - H(P), with H(P, Q) = -E_P[log q(X)] and
H(P) = -E_P[log p(X)]; integrals for densities, sums for mass functions (nats throughout).

>>> from symkl.families import Normal
>>> kl(Normal(0, 1), Normal(1, 1)).expr
1/2
"""
from __future__ import annotations

from symkl.engine import DEFAULT_BUDGET, derive
from symkl.family import FamilyInstance
from symkl.result import Result


def kl(P: FamilyInstance, Q: FamilyInstance, budget: float | None = DEFAULT_BUDGET) -> Result:
    """KL(P || Q) in nats, derived in closed form (or infinite, with the reason).

    >>> from symkl.families import Normal
    >>> kl(Normal(), Normal()).expr
    log(sigma2/sigma1) - 1/2 + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2)
    """
    return derive("kl", P, Q, budget)


def cross_entropy(P: FamilyInstance, Q: FamilyInstance,
                  budget: float | None = DEFAULT_BUDGET) -> Result:
    """H(P, Q) = -E_P[log q(X)] in nats.

    >>> from symkl.families import Exponential
    >>> cross_entropy(Exponential(1), Exponential(2)).expr
    2 - log(2)
    """
    return derive("cross_entropy", P, Q, budget)


def entropy(P: FamilyInstance, budget: float | None = DEFAULT_BUDGET) -> Result:
    """H(P) = -E_P[log p(X)] in nats (differential entropy for densities).

    >>> from symkl.families import Exponential
    >>> entropy(Exponential()).expr
    1 - log(lam)
    """
    return derive("entropy", P, None, budget)
