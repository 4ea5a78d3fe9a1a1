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
    lhs: str  # may contain "{about}", replaced by the LaTeX of ``about`` when rendered
    expr: sp.Basic
    about: sp.Basic | None = None

    def substitute(self, subs: dict) -> "Step":
        """The same step with parameter values substituted."""
        about = None if self.about is None else self.about.xreplace(subs)
        return Step(self.label, self.lhs, self.expr.xreplace(subs), about)


@dataclass
class Pieces:
    """H(P) and, when Q is given, H(P, Q) = -E_P[log q(X)], with the steps that produced them."""

    entropy: sp.Expr
    cross_entropy: sp.Expr | None
    steps: list[Step] = field(default_factory=list)
