"""Categorical distribution on K categories: ``categorical(K)(p1, ..., pK)``, P(X = j) = pj.

Mathematical details: p(k) = p_k on k = 1, ..., K, written as log p(k) = sum_j [k = j] log p_j
(Kronecker deltas), with p_j in (0, 1) and p_1 + ... + p_K = 1.  Probabilities that are all
numbers must sum to 1 (floats within 1e-12), else ValueError; when the sum is symbolic the
condition p_1 + ... + p_K = 1 is carried by every result (``Result.conditions``) and
verification solves it for the last probability.  ``categorical(K)`` returns one record per K
(cached, so derivations are cached too); ``Categorical`` is the K = 3 record.  Unnamed
probabilities bind as ``p11, p21, p31`` (P) and ``p12, p22, p32`` (Q): parameter pj, side i.
Source: Bishop, *Pattern Recognition and Machine Learning*, section 2.2.

>>> import sympy as sp
>>> from symkl.families import Categorical
>>> Categorical(sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 4))
Categorical(1/2, 1/4, 1/4)
>>> categorical(2)(sp.Rational(1, 2), sp.Rational(3, 4))
Traceback (most recent call last):
...
ValueError: Categorical: parameter p1, ..., p2 must be probabilities summing to 1, got 5/4
"""
from functools import cache

import sympy as sp

from symkl.family import UNIT_INTERVAL, Family, Param, reject


def _sums_to_one(*p: sp.Expr) -> sp.Basic:
    """True, False, or the undecided equation p_1 + ... + p_K = 1 (floats: within 1e-12)."""
    total = sp.Add(*p)
    if total.is_number and total.has(sp.Float):
        return sp.S.true if abs(total - 1) <= sp.Float(1e-12) else sp.S.false
    return sp.Eq(total, 1)


@cache
def categorical(K: int) -> Family:
    """The Categorical family on K >= 2 categories, parameters p1, ..., pK.

    >>> [p.name for p in categorical(4).params]
    ['p1', 'p2', 'p3', 'p4']
    """
    if isinstance(K, bool) or not isinstance(K, int) or K < 2:
        raise reject("Categorical", "K", "an integer >= 2", K)
    names = [f"p{j}" for j in range(1, K + 1)]

    def validate(*p):
        if all(v is not None for v in p) and _sums_to_one(*p) == sp.S.false:
            raise reject("Categorical", f"p1, ..., p{K}", "probabilities summing to 1",
                         sp.Add(*p))

    return Family(
        name="Categorical",
        latex_name=r"\mathrm{{Cat}}\left(" + ", ".join(f"{{{j}}}" for j in range(K)) + r"\right)",
        params=tuple(Param(n, f"p_{{{n[1:]}}}", UNIT_INTERVAL) for n in names),
        discrete=True,
        support=lambda *p: sp.Range(1, K + 1),
        logpdf=lambda k, *p: sp.Add(*[sp.KroneckerDelta(k, j) * sp.log(v)
                                      for j, v in enumerate(p, start=1)]),
        validate=validate,
        joint=lambda *p: (_sums_to_one(*p),),
        description=f"probabilities p1, ..., p{K} of the categories 1, ..., {K} (sum 1)",
    )


Categorical = categorical(3)
