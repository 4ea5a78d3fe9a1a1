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
from symkl.family import (
    POSITIVE,
    POSITIVE_INTEGER,
    REAL,
    Bound,
    Domain,
    Family,
    FamilyInstance,
    match_index,
)
from symkl.integration import Declined, finite_sums_done
from symkl.result import Result, value_at
from symkl.routes import ROUTES
from symkl.steps import Pieces, Step
from symkl.support import assume, check_same_kind, gap_reason, support_condition
from symkl.tails import tail_divergence

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
    P, Q = match_index(P, Q)
    generic = _derive_generic(quantity, P.family, Q.family if Q else None, budget,
                              _index_args(P), _index_args(Q))
    if isinstance(generic, dict):
        special = _derive_special(quantity, P, Q, budget)
        if special is None or isinstance(special, dict):
            raise NotDerivable(quantity, P, Q, generic)
        return special
    if _violated(generic, P, Q):  # the instance sits where the generic value is only a limit
        special = _derive_special(quantity, P, Q, budget)
        if isinstance(special, Result):
            return special
    return _instantiate(generic, P, Q)


def _violated(generic: Result, P: FamilyInstance, Q: FamilyInstance | None) -> bool:
    """Whether the instances' values make a condition of the generic result false."""
    subs = _instance_subs(generic, P, Q)
    return bool(subs) and any(c.xreplace(subs) == sp.S.false for c in generic.conditions)


def _instance_subs(generic: Result, P: FamilyInstance, Q: FamilyInstance | None) -> dict:
    """The generic symbols -> the instances' values (those that differ)."""
    subs = dict(zip(generic.P.values, P.bind("1" if Q is not None else "").values))
    if generic.Q is not None:
        subs.update(zip(generic.Q.values, Q.bind("2").values))
    return {k: v for k, v in subs.items() if k != v}


def _derive_special(quantity: str, P: FamilyInstance, Q: FamilyInstance | None,
                    budget: float | None) -> Result | dict | None:
    """The pair as given, when the generic one (every parameter its own symbol) has no closed
    form but the user fixed or shared some parameters: KL(Levy(mu, c1) || Levy(mu, c2)) is
    closed although KL(Levy(mu1, c1) || Levy(mu2, c2)) is not.  None if nothing was fixed."""
    given = [a for inst in (P, Q) if inst is not None for a in inst.args]
    if all(a is None for a in given):
        return None
    special = _derive_generic(quantity, P.family, Q.family if Q else None, budget,
                              tuple(P.args), tuple(Q.args) if Q else ())
    return special if isinstance(special, dict) else _instantiate(special, P, Q)


def _index_args(inst: FamilyInstance | None) -> tuple:
    """The instance's values of index parameters (Binomial's n), None for the others.

    The generic derivation keeps them: Binomial(3) || Binomial(5) is a different calculation
    (supports differ) from Binomial(n) || Binomial(n).
    """
    if inst is None:
        return ()
    return tuple(v if p.index else None for p, v in zip(inst.family.params, inst.args))


def _bind_generic(family: Family, index: str, held: tuple = ()) -> Bound:
    return FamilyInstance(family, held or (None,) * len(family.params)).bind(index)


@lru_cache(maxsize=512)
def _derive_generic(quantity: str, fp: Family, fq: Family | None, budget: float | None,
                    held_p: tuple = (), held_q: tuple = ()):
    index_p, index_q = ("", None) if fq is None else ("1", "2")
    P = _bind_generic(fp, index_p, held_p)
    Q = _bind_generic(fq, index_q, held_q) if fq is not None else None
    x = variable(fp)
    inside = sp.S.true
    if Q is not None:
        check_same_kind(P, Q)
        inside = support_condition(P, Q)
        if inside == sp.S.false:
            return _result(quantity, P, Q, sp.oo, "support", [], reason=gap_reason(P, Q))
    # Where finiteness depends on the parameters (Uniform ends, Pareto scales), derive under
    # the condition, with gap symbols that carry its signs, and return a Piecewise.
    forward, back = assume(inside) if inside != sp.S.true else ({}, {})
    Pa, Qa = _assuming(P, forward), _assuming(Q, forward)
    reasons: dict[str, str] = {}
    failed: dict[str, sp.Expr | None] = {}  # the statistic whose mean a route could not find
    if inside != sp.S.true:
        reasons["support"] = (f"finite only when {inside} (supp P inside supp Q); "
                              f"infinite otherwise")
    for name, route in ROUTES:
        if name == "integrate":
            if quantity == "kl" and Q is not None:
                tail = _tail_divergence(Pa, Qa, x, budget)
                if tail:
                    return _result(quantity, P, Q, sp.oo, "tail", [], reason=tail)
            skip = _same_integral(reasons.get("linearity"), failed.get("linearity"))
            if skip:
                reasons[name] = skip
                continue
        try:
            with time_budget(budget):
                pieces = route(Pa, Qa, x)
                expr, steps = _assemble(quantity, pieces)
                if back:
                    ends = _open_ends(expr, back)
                    expr = expr.xreplace(back)
                    steps = [s.substitute(back) for s in steps]
                expr, tails = _hoist_tail_conditions(expr)
                expr = _present(fp)(expr) if not expr.is_infinite else expr
                steps = [_tidy_step(s, _present(fp)) for s in steps]
        except (Declined, BudgetExceeded) as why:
            reasons[name] = str(why)
            failed[name] = getattr(why, "statistic", None)
            continue
        except Exception as why:  # noqa: BLE001 - any SymPy failure is a declined route
            reasons[name] = f"SymPy failed: {type(why).__name__}: {why}"
            continue
        if expr.has(sp.nan) or expr.has(sp.zoo):
            reasons[name] = f"undefined result {expr}"
            continue
        if expr.has(sp.I):  # a KL of real densities is real: a complex-looking form is untrusted
            reasons[name] = "the result SymPy gave is not manifestly real (it contains I)"
            continue
        reason = _divergence_reason(steps) if expr.is_infinite else ""
        finite_when = sp.And(inside, tails)
        finite_when = finite_when.simplify() if finite_when != sp.S.true else finite_when
        if finite_when != sp.S.true and not expr.is_infinite:
            expr = sp.Piecewise((expr, finite_when), (sp.oo, True))
            reason = f"infinite unless {finite_when}: " + "; ".join(
                ([gap_reason(P, Q)] if inside != sp.S.true else [])
                + ([f"E_P[log q(X)] diverges unless {tails.simplify()}"]
                   if tails != sp.S.true else []))
        definition = Step("definition", "", _definition(quantity, P, Q, x))
        return _result(quantity, P, Q, expr, name, [definition, *steps], reason=reason,
                       extra=ends if back else ())
    return reasons


def _open_ends(expr: sp.Expr, back: dict) -> tuple[sp.Basic, ...]:
    """Where a value derived for positive gaps (supp P strictly inside supp Q) does not
    evaluate at gap 0: Ne(gap, 0) for each such gap, a condition of the result (the value
    there is a limit, derived on its own when the parameters are shared: two Levy laws with
    one location).

    >>> g, m1, m2 = sp.Dummy("g", positive=True), *sp.symbols("mu1 mu2", real=True)
    >>> _open_ends(sp.log(g) + 1, {g: m1 - m2}), _open_ends(g + 1, {g: m1 - m2})
    ((Ne(mu1 - mu2, 0),), ())
    """
    ends = []
    for gap, value in back.items():
        try:
            at = expr.subs(gap, 0)
        except Exception:  # noqa: BLE001 - undecided: stated as a condition
            at = sp.nan
        if at.has(sp.nan, sp.zoo, sp.oo, -sp.oo) and not expr.is_infinite:
            ends.append(sp.Ne(value, 0))
    return tuple(ends)


def _tail_divergence(P: Bound, Q: Bound, x: sp.Symbol, budget: float | None) -> str:
    """symkl.tails.tail_divergence under the budget: '' when the tails decide nothing."""
    try:
        with time_budget(budget):
            return tail_divergence(P, Q, x) or ""
    except BudgetExceeded:
        return ""


def _same_integral(reason: str | None, statistic: sp.Expr | None) -> str:
    """Why the integrate route is not tried after linearity failed on ``statistic``.

    The defining integral is p times a sum of statistics and SymPy integrates a sum term by
    term, so it would meet the very integral linearity could not do (with less time left).
    """
    if statistic is None:
        return ""
    return (f"not tried: the defining integral contains E_P[{statistic}], which the "
            f"linearity route could not find ({reason})")


def _hoist_tail_conditions(expr: sp.Expr) -> tuple[sp.Expr, sp.Boolean]:
    """Lift Piecewise((value, converges), (oo, True)) from statistic means to the top.

    A divergent E_P[stat] makes E_P[log q] infinite and so KL = +oo (H(P) being finite), so
    the whole result is finite exactly when every such condition holds.
    """
    conditions = []
    repl = {}
    for pw in expr.atoms(sp.Piecewise):
        if len(pw.args) == 2 and pw.args[1].expr == sp.oo and pw.args[1].cond == sp.S.true:
            repl[pw] = pw.args[0].expr
            conditions.append(pw.args[0].cond)
    return expr.xreplace(repl), sp.And(*conditions)


def _assuming(b: Bound | None, forward: dict) -> Bound | None:
    if b is None or not forward:
        return b
    return Bound(b.family, tuple(v.xreplace(forward) for v in b.values))


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


def _result(quantity, P, Q, expr, route, steps, reason="", extra=()) -> Result:
    joint = tuple(c for b in (P, Q) if b is not None for c in b.joint_conditions()) + extra
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
                own = v == s or getattr(v, "label", None) == s  # an IndexedBase's label
                out.setdefault(s, p.domain if own else _domain_of_symbol(s))
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
    expr = finite_sums_done(generic.expr.xreplace(subs))
    if expr.has(sp.nan):  # a limit where 0 log 0 appears (U(0,1) || Beta(1,1))
        expr = finite_sums_done(value_at(generic.expr, subs))
    if not all(v.is_Symbol for v in subs.values()) and not expr.is_infinite:
        expr = _present(P.family)(expr)
    steps = tuple(s.substitute(subs) for s in generic.steps)
    conditions = tuple(dict.fromkeys(c for b in (bp, bq) if b is not None
                                     for c in b.constraints()))  # shared names: once
    reason, route = generic.reason, generic.route
    if isinstance(generic.expr, sp.Piecewise) and not isinstance(expr, sp.Piecewise):
        # the instances decide the condition: a finite value, or infinity and why
        reason = ""
        if expr == sp.oo:
            outside = support_condition(bp, bq) == sp.S.false
            reason = (f"{generic.reason.split(':')[0]} and the parameters given violate it: "
                      + (gap_reason(bp, bq) if outside else "E_P[log q(X)] diverges"))
            route = "support" if outside else route
    return Result(quantity=generic.quantity, P=bp, Q=bq, expr=expr, route=route,
                  steps=steps, conditions=conditions, reason=reason, lhs=generic.lhs,
                  domains=_domains(bp, bq))
