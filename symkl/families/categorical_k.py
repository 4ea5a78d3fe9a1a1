"""Categorical distribution on a symbolic number K of categories: ``CategoricalK(K, p)``.

Mathematical details: P(X = k) = p[k] on k = 1, ..., K, where p is a SymPy ``IndexedBase``
(a vector of probabilities p[1], ..., p[K] in (0, 1) with p[1] + ... + p[K] = 1; that
condition is carried by every result).  log p(k) = log p[k], so sums over the support stay
``Sum(..., (k, 1, K))``: KL(P || Q) comes out as Sum(p[k] log(p[k]/q[k]), (k, 1, K)).
K is an index parameter (``K`` on both sides when unnamed); unnamed vectors are ``p1``, ``p2``.
For a given K, ``symkl.families.categorical.categorical(K)`` has scalar parameters instead.
Source: Bishop, *Pattern Recognition and Machine Learning*, section 2.2.

>>> from symkl.families import CategoricalK
>>> CategoricalK("K", "q").bind(1).values
(K, q)
"""
from dataclasses import dataclass

import sympy as sp

from symkl.family import POSITIVE_INTEGER, UNIT_INTERVAL, Domain, Family, Param


@dataclass(frozen=True)
class _VectorDomain(Domain):
    """Vectors of probabilities: a name becomes an IndexedBase; ``sample`` draws one entry."""

    def symbol(self, name: str) -> sp.IndexedBase:
        """An IndexedBase whose entries are positive."""
        return sp.IndexedBase(name, positive=True)


PROBABILITY_VECTOR = _VectorDomain(
    "ProbabilityVector", (("positive", True),),
    lambda v: sp.S.true if isinstance(v, sp.IndexedBase) else UNIT_INTERVAL.condition(v),
    "a vector of probabilities (an IndexedBase)", UNIT_INTERVAL.sample)


def _sum_is_one(K: sp.Expr, p: sp.IndexedBase) -> tuple[sp.Basic, ...]:
    j = sp.Symbol("j", integer=True, positive=True)
    return (sp.Eq(sp.Sum(p[j], (j, 1, K)), 1),)


CategoricalK = Family(
    name="CategoricalK",
    latex_name=r"\mathrm{{Cat}}_{{{0}}}\left({1}\right)",
    params=(Param("K", "K", POSITIVE_INTEGER, index=True),
            Param("p", "p", PROBABILITY_VECTOR)),
    discrete=True,
    group="categorical, symbolic K",  # paired with itself: its support {1..K} has no fixed size
    support=lambda K, p: sp.Range(1, K + 1),
    logpdf=lambda k, K, p: sp.log(p[k]),
    joint=_sum_is_one,
    description="K categories (symbolic), probabilities p[1], ..., p[K] (an IndexedBase)",
)
