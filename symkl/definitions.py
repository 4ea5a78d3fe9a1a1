"""The defining integrands of the quantities, in one place (nats throughout).

KL(P || Q) = E_P[log p - log q], H(P, Q) = -E_P[log q], H(P) = -E_P[log p].

>>> import sympy as sp
>>> from symkl.families import Exponential
>>> x = sp.Symbol("x", real=True)
>>> integrand("entropy", Exponential(1).bind(1), None, x)
x*exp(-x)
"""
from __future__ import annotations

import sympy as sp

from symkl.family import Bound, Family


def variable(family: Family) -> sp.Symbol:
    """The integration (or summation) variable for a family."""
    if family.discrete:
        return sp.Symbol("k", integer=True, nonnegative=True)
    return sp.Symbol("x", real=True)


def integrand(quantity: str, P: Bound, Q: Bound | None, x: sp.Symbol) -> sp.Expr:
    """p(x) times the log-term of ``quantity`` ('kl', 'cross_entropy' or 'entropy')."""
    log_p = P.logpdf(x)
    term = {"kl": lambda: log_p - Q.logpdf(x), "cross_entropy": lambda: -Q.logpdf(x),
            "entropy": lambda: -log_p}[quantity]()
    return sp.exp(log_p) * term
