"""What every divergence module shares: the names of the divergences, the LaTeX of their
left-hand sides, the domain of a Renyi order, condition tidying, and the one route that needs
nothing but the definition -- the defining sum over a finite support.

>>> from symkl.families import Bernoulli
>>> _finite(Bernoulli().bind(1), Bernoulli().bind(2))
True
"""
from __future__ import annotations

import sympy as sp

from symkl.canonical import canonical, typical_sign
from symkl.definitions import finish, integrand, variable
from symkl.engine import _domains
from symkl.family import Domain, exact_number
from symkl.integration import sum_over
from symkl.result import Result
from symkl.steps import Step

KNOWN = ("kl", "renyi", "bhattacharyya", "hellinger", "chi_square", "jeffreys",
         "total_variation", "jensen_shannon")


_LHS = {
    "renyi": r"D_{{{alpha}}}\left({P} \,\middle\|\, {Q}\right)",
    "bhattacharyya": r"D_{{B}}\left({P}, {Q}\right)",
    "hellinger": r"H^{{2}}\left({P}, {Q}\right)",
    "chi_square": r"\chi^{{2}}\left({P} \,\middle\|\, {Q}\right)",
    "jeffreys": r"J\left({P}, {Q}\right)",
    "renyi_entropy": r"H_{{{alpha}}}\left({P}\right)",
    "total_variation": r"\mathrm{{TV}}\left({P}, {Q}\right)",
    "jensen_shannon": r"\mathrm{{JS}}\left({P}, {Q}\right)",
    "f_divergence": r"D_{{f}}\left({P} \,\middle\|\, {Q}\right)",
}


ORDER = Domain("Order", (("positive", True),), lambda a: sp.And(sp.Gt(a, 0), sp.Ne(a, 1)),
               "> 0 and != 1", lambda rng: rng.choice(
                   [sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(3, 2), sp.Integer(2)]))


def _finite(bp, bq) -> bool:
    return (bp.family.discrete and bp.support() == bq.support()
            and bool(bp.support().size.is_finite))


def _finite_sum(name: str, bp, bq, alpha: sp.Expr | None = None) -> Result:
    """Finite support: the defining sum itself is the closed form."""
    k = variable(bp.family)
    summand, support = integrand(name, bp, bq, k, alpha), bp.support()
    if name == "jensen_shannon" and not support.size.is_Integer:
        # p log(2p / (p + q)): the log of a sum of two mass functions has no antidifference
        # (SymPy's summation spent 25-50 s before keeping the sum); the finite sum is the form
        total = sp.Sum(summand, (k, support.inf, support.sup))
    else:
        total = sum_over(summand, k, support)
    value = canonical(sp.simplify(finish(name, total, alpha, log=sp.log)))
    steps = (Step("defining sum", "", total),)
    domains = _order_domains(bp, bq, alpha)
    return Result(name, bp, bq, value, "finite sum", steps, (), "", _LHS[name], domains, alpha)


def _order_domains(bp, bq, order: sp.Expr | None) -> dict:
    """The parameters' domains, a symbolic Renyi order's among them (``bq`` None: one
    distribution, as for a Renyi entropy)."""
    domains = _domains(bp, bq)
    domains.update({s: ORDER for s in getattr(order, "free_symbols", ())})
    return domains


def _order(alpha: object) -> sp.Expr:
    if alpha is None:
        raise TypeError("give the order alpha (a number, a SymPy expression or a name)")
    if isinstance(alpha, str):
        if not alpha.isidentifier():
            raise ValueError(f"alpha was given the string {alpha!r}, not a plain name")
        return ORDER.symbol(alpha)
    order = exact_number(alpha, "alpha")
    if order.is_number and not order.is_positive:
        raise ValueError(f"alpha must be > 0 (Renyi orders), got {order}")
    return order


def _dedupe(conditions: list) -> tuple:
    """Drop repeats, and e != 0 where a strict inequality on +-e is already required."""
    unique = list(dict.fromkeys(conditions))
    strict = {sp.expand(c.lhs - c.rhs) for c in unique if isinstance(c, (sp.Gt, sp.Lt))}
    return tuple(c for c in unique if not (
        isinstance(c, sp.Ne) and ({sp.expand(c.lhs - c.rhs), sp.expand(c.rhs - c.lhs)} & strict)))


_FLIP = {sp.Lt: sp.Gt, sp.Gt: sp.Lt, sp.Le: sp.Ge, sp.Ge: sp.Le}


def _readable(condition: sp.Basic) -> sp.Basic:
    """Clear positive denominators, lead with a plus sign: -a/s1^2 - ... < 0 -> a s2^2 + ... > 0."""
    def tidy(rel: sp.Basic) -> sp.Basic:
        if type(rel) not in _FLIP:
            return rel
        op = type(rel)
        num, den = sp.fraction(sp.together(rel.lhs - rel.rhs))
        if den.is_negative:
            num, op = -num, _FLIP[op]
        elif not den.is_positive:
            return rel
        num = sp.expand(num)
        if typical_sign(num) < 0:
            num, op = -num, _FLIP[op]
        return op(num, 0)
    if isinstance(condition, sp.And):
        return sp.And(*[tidy(c) for c in condition.args])
    return tidy(condition)
