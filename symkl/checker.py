"""Check a hand derivation: is a candidate formula equal to the derived quantity?

Symbolic equivalence under the declared domains is tried first (within a time budget); failing
that, the candidate is compared with mpmath quadrature of the definition at seeded admissible
points.  A string candidate goes through :mod:`symkl.parse` (a whitelist parser, never eval).

>>> from symkl.families import Normal
>>> check("log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2) - 1/2",
...       Normal(), Normal()).equivalent
True
>>> bad = check("log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2)/(2*sigma2^2)", Normal(), Normal())
>>> bad.equivalent, sorted(bad.counterexample)
(False, ['candidate', 'mu1', 'mu2', 'quadrature', 'sigma1', 'sigma2'])
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symkl.budget import BudgetExceeded, time_budget
from symkl.engine import derive
from symkl.family import FamilyInstance
from symkl.parse import parse_expression
from symkl.verify import VerificationReport, verify


@dataclass(frozen=True)
class CheckReport:
    """The verdict: ``equivalent``, how it was reached, and a counterexample when it is not."""

    equivalent: bool
    method: str  # "symbolic" or "numeric"
    candidate: sp.Expr
    derived: sp.Expr
    counterexample: dict | None = None
    numeric: VerificationReport | None = None

    def __bool__(self) -> bool:
        return self.equivalent

    def __str__(self) -> str:
        if self.equivalent:
            return f"equivalent ({self.method}): {self.candidate} == {self.derived}"
        return (f"NOT equivalent: candidate {self.candidate} differs from the derived "
                f"{self.derived}; counterexample {self.counterexample}")


def check(candidate: str | sp.Expr, P: FamilyInstance, Q: FamilyInstance | None = None,
          quantity: str = "kl", budget: float = 10.0, seed: int = 0) -> CheckReport:
    """Compare ``candidate`` (text or SymPy) with the derived ``quantity`` of P (and Q)."""
    result = derive(quantity if Q is not None else "entropy", P, Q)
    names = {s.name: s for s in result.params}
    if isinstance(candidate, str):
        expr = parse_expression(candidate, names)
    elif isinstance(candidate, sp.Expr):
        expr = candidate.xreplace({s: names[s.name] for s in candidate.free_symbols
                                   if s.name in names})
    else:
        raise TypeError(f"candidate must be a str or a SymPy expression, got "
                        f"{type(candidate).__name__}")
    stray = sorted(s.name for s in expr.free_symbols if s not in result.params)
    if stray:
        raise ValueError(f"candidate uses {stray}, which are not parameters of this pair; "
                         f"parameters: {sorted(names)}")
    if result.is_infinite or expr.is_infinite:
        same = bool(expr == result.expr)
        return CheckReport(same, "symbolic", expr, result.expr,
                           None if same else {"reason": result.reason or "candidate is infinite"})
    try:
        with time_budget(budget):
            if sp.simplify(expr - result.expr) == 0:
                return CheckReport(True, "symbolic", expr, result.expr)
    except BudgetExceeded:
        pass
    report = verify(result, seed=seed, expr=expr)
    bad = [c for c in report.checks if c.error > report.tol]
    counter = None if not bad else {**bad[0].point, "candidate": bad[0].closed,
                                    "quadrature": bad[0].reference}
    return CheckReport(not bad, "numeric", expr, result.expr, counter, report)
