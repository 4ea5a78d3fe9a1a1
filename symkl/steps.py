"""What a route hands back: the entropy and cross-entropy it derived, with named steps.

>>> import sympy as sp
>>> Step("entropy H(P)", "H(P)", sp.S.Half).label
'entropy H(P)'
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Step:
    """One named intermediate result: a label, the LaTeX of its left-hand side, the expression."""

    label: str
    lhs: str
    expr: sp.Basic


@dataclass
class Pieces:
    """H(P) and, when Q is given, H(P, Q) = -E_P[log q(X)], with the steps that produced them."""

    entropy: sp.Expr
    cross_entropy: sp.Expr | None
    steps: list[Step] = field(default_factory=list)
    conditions: tuple[sp.Basic, ...] = ()
