"""Support check -> routes in order -> canonical form -> Result.

A pair of families is derived once with generic symbols (mu1, sigma1 / mu2, sigma2) and cached;
the instances' own values (numbers, expressions, named symbols) are substituted afterwards.

>>> from symkl.families import Normal
>>> derive("kl", Normal(0, 1), Normal(1, 1)).expr
1/2
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from symkl.budget import BudgetExceeded, time_budget
from symkl.canonical import canonical
from symkl.definitions import integrand, variable
from symkl.family import POSITIVE, POSITIVE_INTEGER, REAL, Bound, Domain, Family, FamilyInstance
from symkl.integration import Declined
from symkl.result import Result
from symkl.routes import ROUTES
from symkl.steps import Pieces, Step
from symkl.support import check_same_kind, support_gap

DEFAULT_BUDGET = 20.0  # seconds per route
QUANTITIES = ("kl", "cross_entropy", "entropy")
_LHS = {"kl": r"D_{{\mathrm{{KL}}}}\left({P} \,\middle\|\, {Q}\right)",
        "cross_entropy": r"H\left({P}, {Q}\right)", "entropy": r"H\left({P}\right)"}


class NotDerivable(Exception):
    """Every route declined; ``reasons`` maps each route to why.  ``numeric`` evaluates instead."""

    def __init__(self, quantity: str, P: FamilyInstance, Q: FamilyInstance | None,
                 reasons: dict[str, str]):
        self.quantity, self.P, self.Q, self.reasons = quantity, P, Q, reasons
        pair = f"{P.family.name} || {Q.family.name}" if Q is not None else P.family.name
        detail = "; ".join(f"{route}: {why}" for route, why in reasons.items())
        super().__init__(f"no closed form for {quantity}({pair}) — {detail}. "
                         f"Use .numeric(**values) for a labelled numeric value.")

    def numeric(self, dps: int = 30, **values) -> "object":
        """Quadrature value of the quantity at the given parameter values (labelled numeric)."""
        from symkl.verify import numeric_value
        return numeric_value(self.quantity, self.P, self.Q, values, dps=dps)


def derive(quantity: str, P: FamilyInstance, Q: FamilyInstance | None = None,
           budget: float | None = DEFAULT_BUDGET) -> Result:
    """Derive ``quantity`` ('kl', 'cross_entropy', 'entropy') for instances P (and Q)."""
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}; known: {', '.join(QUANTITIES)}")
    for inst in (P, Q):
        if inst is not None and not isinstance(inst, FamilyInstance):
            raise TypeError(f"expected a distribution such as Normal(0, 1), got {inst!r}; "
                            f"call the family: Normal() rather than Normal")
    if (Q is None) != (quantity == "entropy"):
        raise TypeError(f"{quantity} takes {'one distribution' if Q is None else 'two'}")
    generic = _derive_generic(quantity, P.family, Q.family if Q else None, budget)
    if isinstance(generic, dict):
        raise NotDerivable(quantity, P, Q, generic)
    return _instantiate(generic, P, Q)


def _bind_generic(family: Family, index: str) -> Bound:
    return FamilyInstance(family, (None,) * len(family.params)).bind(index)


@lru_cache(maxsize=512)
def _derive_generic(quantity: str, fp: Family, fq: Family | None, budget: float | None):
    index_p, index_q = ("", None) if fq is None else ("1", "2")
    P = _bind_generic(fp, index_p)
    Q = _bind_generic(fq, index_q) if fq is not None else None
    x = variable(fp)
    if Q is not None:
        check_same_kind(P, Q)
        gap = support_gap(P, Q)
        if gap is not None:
            return _result(quantity, P, Q, sp.oo, "support", [], reason=gap)
    reasons: dict[str, str] = {}
    for name, route in ROUTES:
        try:
            with time_budget(budget):
                pieces = route(P, Q, x)
                expr, steps = _assemble(quantity, pieces)
                expr = _present(fp)(expr) if not expr.is_infinite else expr
                steps = [_tidy_step(s, _present(fp)) for s in steps]
        except Declined as why:
            reasons[name] = str(why)
            continue
        except BudgetExceeded as why:
            reasons[name] = str(why)
            continue
        except Exception as why:  # noqa: BLE001 - any SymPy failure is a declined route
            reasons[name] = f"SymPy failed: {type(why).__name__}: {why}"
            continue
        if expr.has(sp.nan) or expr.has(sp.zoo):
            reasons[name] = f"undefined result {expr}"
            continue
        reason = _divergence_reason(steps) if expr.is_infinite else ""
        definition = Step("definition", "", _definition(quantity, P, Q, x))
        return _result(quantity, P, Q, expr, name, [definition, *steps], reason=reason)
    return reasons


def _assemble(quantity: str, pieces: Pieces) -> tuple[sp.Expr, list[Step]]:
    steps = list(pieces.steps)
    if quantity == "entropy":
        return pieces.entropy, steps
    if quantity == "cross_entropy":
        return pieces.cross_entropy, steps
    kl = pieces.cross_entropy - pieces.entropy
    if pieces.cross_entropy.is_infinite or pieces.entropy.is_infinite:
        finite_entropy = not pieces.entropy.has(sp.oo, -sp.oo, sp.zoo, sp.nan)
        kl = sp.oo if pieces.cross_entropy == sp.oo and finite_entropy else sp.nan
    steps.append(Step("KL = H(P,Q) - H(P)", r"D_{\mathrm{KL}} = H(P, Q) - H(P)", kl))
    return kl, steps


def _present(family: Family):
    """The presentation form: ``canonical``, or the multivariate one for vector families."""
    if family.vector is not None:
        from symkl.multivariate import canonical_form
        return canonical_form
    return canonical


def _tidy_step(step: Step, present=canonical) -> Step:
    """Present scalar intermediate results in canonical form too."""
    e = step.expr
    mentions_eta = any(s.name.startswith("eta") for s in getattr(e, "free_symbols", ()))
    if isinstance(e, sp.Expr) and not e.is_infinite and not e.has(sp.Sum, sp.Integral) \
            and not mentions_eta:
        return Step(step.label, step.lhs, present(e), step.about)
    return step


def _divergence_reason(steps: list[Step]) -> str:
    """Name the statistics whose means diverge (a tail of P that Q cannot cover)."""
    diverging = [s for s in steps if getattr(s.expr, "is_infinite", False)
                 and s.label.startswith("E_P")]
    if not diverging:
        return "the integral diverges"
    listed = ", ".join(f"{d.label} = {d.expr}" for d in diverging)
    return f"E_P[log q(X)] diverges ({listed}): Q's tail is too light to cover P's"


def _definition(quantity: str, P: Bound, Q: Bound | None, x: sp.Symbol) -> sp.Expr:
    if P.family.vector is not None:
        from symkl.multivariate import definition
        return definition(quantity, P, Q, x)
    support = P.support()
    kind = sp.Sum if P.family.discrete else sp.Integral
    return kind(integrand(quantity, P, Q, x), (x, support.inf, support.sup))


def _result(quantity, P, Q, expr, route, steps, reason="") -> Result:
    joint = tuple(c for b in (P, Q) if b is not None  # e.g. Sigma positive definite
                  for c in [b.family.condition(*b.values)] if c not in (sp.S.true, True))
    return Result(quantity=quantity, P=P, Q=Q, expr=expr, route=route, steps=tuple(steps),
                  conditions=joint, reason=reason, lhs=_LHS[quantity],
                  domains=_domains(P, Q))


def _domains(*bounds: Bound | None) -> dict[sp.Symbol, Domain]:
    out: dict[sp.Symbol, Domain] = {}
    for b in bounds:
        if b is None:
            continue
        for p, v in zip(b.family.params, b.values):
            for s in v.free_symbols:
                out.setdefault(s, p.domain if v == s else _domain_of_symbol(s))
    return out


def _domain_of_symbol(s: sp.Symbol) -> Domain:
    if s.is_integer and s.is_positive:
        return POSITIVE_INTEGER
    return POSITIVE if s.is_positive else REAL


def _instantiate(generic: Result, P: FamilyInstance, Q: FamilyInstance | None) -> Result:
    """Substitute the instances' values for the generic symbols."""
    gp, gq = generic.P, generic.Q
    bp = P.bind("1" if Q is not None else "")
    bq = Q.bind("2") if Q is not None else None
    subs = dict(zip(gp.values, bp.values))
    if gq is not None:
        subs.update(zip(gq.values, bq.values))
    subs = {k: v for k, v in subs.items() if k != v}
    if not subs:
        return generic
    expr = generic.expr.xreplace(subs)
    if not all(v.is_Symbol for v in subs.values()) and not expr.is_infinite:
        expr = _present(P.family)(expr)
    steps = tuple(s.substitute(subs) for s in generic.steps)
    conditions = tuple(c for b in (bp, bq) if b is not None for c in b.constraints())
    return Result(quantity=generic.quantity, P=bp, Q=bq, expr=expr, route=generic.route,
                  steps=steps, conditions=conditions, reason=generic.reason, lhs=generic.lhs,
                  domains=_domains(bp, bq))
