"""The power integral I(a) = integral p^a q^(1 - a) and the divergences built on it: Renyi
log I / (a - 1), Bhattacharyya -log I(1/2), squared Hellinger 1 - I(1/2), chi-square I(2) - 1.

Routes, in order: the log-partition of one exponential family (Bregman: no integration,
log I = A(a eta_P + (1 - a) eta_Q) - a A(eta_P) - (1 - a) A(eta_Q), valid where the mixed
parameter is natural), products (Fubini), integration over the support or the overlap of the
supports with the conditions under which it converges (:mod:`symkl.integrability`), and the
Poisson-kernel series (Cauchy, :mod:`symkl.poisson_kernel`).

>>> from symkl.families import Normal
>>> _power("bhattacharyya", Normal(0, 1), Normal(1, 1), None).expr
1/8
"""
from __future__ import annotations

import functools

import sympy as sp

from symkl import matrix_divergences, poisson_kernel
from symkl.budget import BudgetExceeded, time_budget
from symkl.canonical import _tidy_poly, canonical
from symkl.definitions import finish, variable
from symkl.divergence_common import _LHS, _dedupe, _finite, _finite_sum, _order_domains, _readable
from symkl.engine import DEFAULT_BUDGET, NotDerivable, _present
from symkl.family import FamilyInstance
from symkl.integrability import (
    _converges,
    _exponential_tail_conditions,
    _rational_over_line,
    structural_obstacle,
)
from symkl.integration import Declined, abs_kinks, integrate_over, sum_over
from symkl.matrix_mixture import NotAMixture
from symkl.overlap import _overlap
from symkl.result import Result
from symkl.rewrite import exp_of_sum
from symkl.steps import Step
from symkl.support import check_same_kind, support_condition


def _power(name: str, P: FamilyInstance, Q: FamilyInstance, alpha: sp.Expr | None) -> Result:
    """A power divergence from the log-partition (same exponential family)."""
    bp, bq = P.bind("1"), Q.bind("2")
    check_same_kind(bp, bq)
    ef = bp.expfam
    a = {"renyi": alpha, "chi_square": sp.Integer(2)}.get(name, sp.S.Half)
    if bp.family.matrix_form is not None and bq.family is bp.family:
        return matrix_divergences.power_at_matrices(name, bp, bq, a)
    if ef is None or bq.family is not bp.family or bq.expfam.held != ef.held:
        why = (f"{bp.family.name} is not an exponential family" if ef is None
               else "P and Q are different families" if bq.family is not bp.family
               else "P and Q have different fixed parameters")
        if _finite(bp, bq):  # finite support: the defining sum, whatever the order
            return _finite_sum(name, bp, bq, a if name == "renyi" else None)
        reasons = {"bregman": why}
        for route, attempt in (("product", _power_of_product),
                               ("integrate", _power_by_integration),
                               ("poisson kernel", _power_by_poisson_kernel)):
            try:
                return attempt(name, bp, bq, a)
            except (Declined, BudgetExceeded) as failure:
                reasons[route] = str(failure)
            except Exception as failure:  # noqa: BLE001 - any SymPy failure declines the route
                reasons[route] = f"SymPy failed: {type(failure).__name__}: {failure}"
        raise NotDerivable(name, P, Q, reasons)
    eta_p, eta_q = ef.natural_params(*bp.values), ef.natural_params(*bq.values)
    eta_a = [a * u + (1 - a) * v for u, v in zip(eta_p, eta_q)]
    log_integral = (ef.log_partition(eta_a) - a * ef.log_partition(eta_p)
                    - (1 - a) * ef.log_partition(eta_q))
    if any(isinstance(v, sp.MatrixExpr) for v in bp.values):
        try:
            return matrix_divergences.power_of_matrices(name, bp, bq, a, log_integral)
        except NotAMixture as failure:
            raise NotDerivable(name, P, Q, {"bregman": str(failure)}) from None
    value = _from_log_integral(name, log_integral, a)
    return _finish(name, bp, bq, a if name == "renyi" else None, value,
                   ef.natural_domain(eta_a), log_integral)


def _tidy_arguments(expr: sp.Expr) -> sp.Expr:
    """A 2F1's argument as one factored fraction and a power's polynomial base through the
    location difference (``canonical`` expands a hypergeometric argument over its terms)."""
    def factors(z: sp.Expr) -> sp.Expr:
        return sp.factor(sp.together(z)).replace(
            lambda e: e.is_Add and e.is_polynomial(), _tidy_poly)
    expr = expr.replace(lambda e: isinstance(e, sp.hyper),
                        lambda e: sp.hyper(e.ap, e.bq, factors(e.argument)))
    return expr.replace(lambda e: isinstance(e, sp.Pow) and e.base.is_Add and
                        e.base.is_polynomial(), lambda e: _tidy_poly(e.base) ** e.exp)


def _power_of_product(name: str, bp, bq, a: sp.Expr) -> Result:
    """Products of independent coordinates: the power integral factorises (Fubini),
    I(a) = prod_i I_i(a), so log I is the sum of the coordinates' log I_i, each derived on
    its own; Renyi and Bhattacharyya are sums, 1 - H^2 and 1 + chi^2 products.

    >>> from symkl.families import Exponential, Normal
    >>> from symkl.families.independent import Independent
    >>> F = Independent(Exponential, Exponential)
    >>> from symkl.divergences import bhattacharyya
    >>> print(bhattacharyya(F(1, 1), F(1, 1)).expr)
    0
    """
    marginals = bp.family.marginals
    if marginals is None or bq.family is not bp.family:
        raise Declined("not a product of independent coordinates (Independent) on both sides")
    steps, conditions, log_integral, integral = [], [], sp.S.Zero, sp.S.One
    for (family, p_values), (_, q_values) in zip(marginals(*bp.values), marginals(*bq.values)):
        part = _power("renyi", family(*p_values), family(*q_values), a)
        if part.is_infinite:
            raise Declined(f"coordinate {family.name}: the power integral diverges "
                           f"({part.reason})")
        log_part = canonical((a - 1) * part.expr)
        log_integral += log_part
        if name in ("hellinger", "chi_square"):
            integral *= canonical(_tidy_integral(log_part))
        conditions.extend(part.conditions)
        steps.append(Step(f"log power integral of the {family.name} coordinate",
                          r"\log \int p_i^{\alpha} q_i^{1-\alpha}", log_part))
    value = _from_log_integral(name, log_integral, a, integral)
    domains = _order_domains(bp, bq, a)
    if name in ("renyi", "bhattacharyya"):  # canonical would split the products' exponentials
        value = canonical(value)
    return Result(name, bp, bq, value, "product", tuple(steps),
                  _dedupe(conditions), "", _LHS[name], domains, a if name == "renyi" else None)


def _from_log_integral(name: str, log_integral: sp.Expr, a: sp.Expr,
                       integral: sp.Expr | None = None) -> sp.Expr:
    """The divergence from log I(a): Renyi log I / (a - 1) and Bhattacharyya -log I stay in
    logs; squared Hellinger 1 - I and chi-square I - 1 need I itself, ``integral`` when the
    caller has it tidied already, else exp(log I) tidied (:func:`_tidy_integral`).

    >>> a = sp.Symbol("a", positive=True)
    >>> _from_log_integral("renyi", sp.log(a), a), _from_log_integral("hellinger", sp.log(a), a)
    (log(a)/(a - 1), 1 - a)
    """
    if name in ("renyi", "bhattacharyya"):
        return log_integral / (a - 1) if name == "renyi" else -log_integral
    if integral is None:
        integral = _tidy_integral(log_integral)
    return finish(name, integral)


def _power_by_integration(name: str, bp, bq, a: sp.Expr) -> Result:
    """The power integral I(a) itself, split at the densities' kinks.

    For 0 < a < 1 it always converges (p^a q^(1-a) <= a p + (1 - a) q).  Otherwise it must be
    shown to converge: tails bounded by 1/x^2 for all parameters, or exponential tails whose
    rates give explicit conditions (Laplace: a/b1 - (a - 1)/b2 > 0)."""
    if bp.support() != bq.support():
        return _power_over_overlap(name, bp, bq, a)
    with time_budget(DEFAULT_BUDGET):
        integral, tail_conditions = _power_integral(bp, bq, a, bp.support())
        value = canonical(finish(name, integral, a, log=sp.log))
    steps = (Step("power integral", r"\int p^{\alpha} q^{1-\alpha}", integral),)
    conditions = _dedupe([*(_readable(c) for c in tail_conditions),
                          *_nonzero_denominators(integral), *_meijer_conditions(value)])
    domains = _order_domains(bp, bq, a)
    return Result(name, bp, bq, value, "integrate", steps, conditions, "", _LHS[name], domains,
                  a if name == "renyi" else None)


def _power_by_poisson_kernel(name: str, bp, bq, a: sp.Expr) -> Result:
    """Two Poisson-kernel densities (Cauchy): I(a) = E_P[(p/q)^(a - 1)] by P's quantile.

    Under x = x0 + gamma tan(theta), p/q = A + R cos(psi) after a phase shift, and the mean of
    its power over a period is a binomial series (:mod:`symkl.poisson_kernel`): a Gauss
    hypergeometric function of 1 - (A^2 - R^2)/A^2.  The integral converges for every a > 0
    (both tails are 1/x^2), so there is no condition.

    >>> from symkl.families import Cauchy
    >>> from symkl.divergences import bhattacharyya
    >>> print(bhattacharyya(Cauchy(0, 1), Cauchy(0, 1)).expr)
    0
    """
    if not poisson_kernel.applies(bp, bq):
        raise Declined("P and Q are not both Poisson kernels on the real line (Cauchy)")
    with time_budget(DEFAULT_BUDGET):
        form = poisson_kernel.angle_form(bp, bq)
        integral = poisson_kernel.mean_of_power(form, a - 1)
        value = _tidy_arguments(canonical(finish(name, integral, a, log=sp.log)))
    steps = (Step("P's quantile: theta uniform on (-pi/2, pi/2)", "x", form.substitution),
             Step("the density ratio at that point", r"\frac{p}{q}", form.ratio),
             Step("power integral: the ratio's mean over a period",
                  r"\int p^{\alpha} q^{1-\alpha} = \operatorname{E}_P\left[(p/q)^{\alpha-1}\right]",
                  integral))
    domains = _order_domains(bp, bq, a)
    return Result(name, bp, bq, value, "poisson kernel", steps, (), "", _LHS[name], domains,
                  a if name == "renyi" else None)


def _power_integral(bp, bq, a: sp.Expr, support: sp.Set,
                    below_one: bool = False) -> tuple[sp.Expr, list]:
    """integral of p^a q^(1 - a) over ``support`` (inside both supports), with the conditions
    on the parameters under which it converges (``below_one``: a < 1 is known, so it does).

    Derived once per (P, Q, a, support): Bhattacharyya and the squared Hellinger distance both
    need I(1/2), and a Laplace pair's integration takes seconds."""
    integral, tails = _power_integral_once(bp, bq, a, support, below_one)
    return integral, list(tails)


@functools.lru_cache(maxsize=256)
def _power_integral_once(bp, bq, a: sp.Expr, support: sp.Set,
                         below_one: bool) -> tuple[sp.Expr, tuple]:
    x = variable(bp.family)
    log_body = a * bp.logpdf(x) + (1 - a) * bq.logpdf(x)
    obstacle = None if bp.family.discrete else structural_obstacle(log_body, x, support)
    if obstacle:
        raise Declined(f"not attempted: {obstacle}")
    body = exp_of_sum(log_body)
    tail_conditions: list[sp.Basic] = []
    if not (below_one or a.is_number and 0 < a < 1) and not _converges(body, x, bp):
        tail_conditions = _exponential_tail_conditions(log_body, x, bp)
        if tail_conditions is None:
            raise Declined(f"for order {a} the integral converges only under conditions on the "
                           f"parameters that this route does not derive")
    if bp.family.discrete:
        integral = sum_over(body, x, support)
    else:
        integral = _rational_over_line(body, x) if support == sp.Reals else None
        if integral is None:
            kinks = [*bp.breakpoints(), *bq.breakpoints(), *abs_kinks(body, x)]
            integral = integrate_over(body, x, support, kinks)
        integral = sp.simplify(integral)
    if isinstance(integral, sp.Piecewise) and integral.has(sp.I, sp.Integral):
        integral, valid = _real_branch(integral)  # SymPy's validity conditions (Meijer G)
        tail_conditions.append(valid)
    if integral.has(sp.Sum, sp.Integral, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.I):
        raise Declined(f"the power integral did not come out in closed form: {integral}")
    return integral, tuple(tail_conditions)


def _real_branch(integral: sp.Piecewise) -> tuple[sp.Expr, sp.Basic]:
    """The first branch of a Piecewise integral that is real and closed, with its condition.

    SymPy may answer with a Piecewise whose other branches are analytic continuations (a
    sqrt of a negative number where the integral really diverges: Levy's chi-square for
    2 c1 < c2) or unevaluated integrals.  The integral of p^a q^(1-a) >= 0 is claimed only
    where that branch's condition holds, and the condition is stated on the result.

    >>> c = sp.Symbol("c", positive=True)
    >>> _real_branch(sp.Piecewise((1 / sp.sqrt(2 - c), c < 2), (sp.I / sp.sqrt(c - 2), True)))
    (1/sqrt(2 - c), c < 2)
    """
    for value, condition in integral.args:
        if not value.has(sp.I, sp.Integral, sp.nan, sp.zoo):
            return value, condition
    raise Declined(f"the power integral has no real closed-form branch: {integral}")


#: a power divergence's finite value when the power integral I(a) is 0 (disjoint supports);
#: Renyi and Bhattacharyya are +oo there, the Piecewise's last branch
_AT_ZERO = {"hellinger": sp.S.One}


def _power_over_overlap(name: str, bp, bq, a: sp.Expr) -> Result:
    """Supports that differ (ends that depend on the parameters: uniforms, Paretos).

    p^a q^(1 - a) vanishes outside supp P and supp Q, so for a < 1 the power integral is over
    their overlap [max(lo_P, lo_Q), min(hi_P, hi_Q)], and 0 when they do not overlap (then
    Renyi and Bhattacharyya are +oo and the squared Hellinger distance is 1).  For a > 1,
    q^(1 - a) = +oo where q = 0 < p, so I(a) is finite only when supp P lies inside supp Q
    (then it is the integral over supp P).  The result is a Piecewise on those conditions,
    nested supports first (the simplest form), each branch with its own convergence
    conditions.

    >>> from symkl.families import Uniform
    >>> from symkl.divergences import bhattacharyya
    >>> print(bhattacharyya(Uniform(0, 2), Uniform(1, 3)).expr)
    log(2)
    """
    sp_p, sp_q = bp.support(), bq.support()
    if bp.family.discrete or not all(isinstance(s, sp.Interval) or s == sp.Reals
                                     for s in (sp_p, sp_q)):
        raise Declined("the supports differ and are not intervals")
    steps, branches = [], []
    with time_budget(DEFAULT_BUDGET):
        inside = support_condition(bp, bq)
        if inside != sp.S.false:
            integral, tails = _power_integral(bp, bq, a, sp_p)
            branches.append((finish(name, integral, a, log=sp.log), sp.And(inside, *tails)))
            steps.append(Step("power integral, supp P inside supp Q",
                              r"\int_{\operatorname{supp} P} p^{\alpha} q^{1-\alpha}", integral))
        below = sp.S.true if a.is_number else sp.Lt(a, 1)
        if (a < 1) != sp.S.false and inside != sp.S.true:
            span, back, meet = _overlap(sp_p, sp_q, sp.Not(inside))
            integral, _ = _power_integral(bp, bq, a, span, below_one=True)
            branches.append((canonical(finish(name, integral, a, log=sp.log)).xreplace(back),
                             sp.And(below, meet)))
            integral = integral.xreplace(back)
            steps.append(Step("power integral over the overlap of the supports",
                              r"\int_{\operatorname{supp} P \cap \operatorname{supp} Q} "
                              r"p^{\alpha} q^{1-\alpha}", integral))
            if name in _AT_ZERO:
                branches.append((_AT_ZERO[name], below))
        value = sp.Piecewise(*[(v if v.has(sp.Min, sp.Max) else canonical(v), c)
                               for v, c in branches], (sp.oo, True))
    conditions = _dedupe([*_nonzero_denominators(value), *_meijer_conditions(value)])
    domains = _order_domains(bp, bq, a)
    return Result(name, bp, bq, value, "integrate", tuple(steps), conditions, "", _LHS[name],
                  domains, a if name == "renyi" else None)


def _meijer_conditions(e: sp.Expr) -> list[sp.Basic]:
    """Where a Meijer G in ``e`` is defined: no a_i - b_j (i <= n, j <= m) may be a positive
    integer, so a difference that depends on the parameters gives sin(pi (a_i - b_j)) != 0.
    At those values (a Renyi order alpha = 2, 3, ... for two half-Cauchys) the formula does
    not apply and is not claimed: the value there is its limit, not derived here.

    >>> a, z = sp.symbols("alpha z", positive=True)
    >>> _meijer_conditions(sp.meijerg(((sp.S.Half, a), ()), ((0, a - sp.S.Half), ()), z))
    [Ne(sin(pi*alpha), 0)]
    """
    out = []
    for g in e.atoms(sp.meijerg):
        for ai in g.an:
            for bj in g.bm:
                d = sp.simplify(ai - bj)
                if d.free_symbols:
                    zero_at = sp.simplify(sp.sin(sp.pi * d))  # sin(pi (1 - a)) is sin(pi a)
                    out.append(sp.Ne(-zero_at if zero_at.could_extract_minus_sign()
                                     else zero_at, 0))
    return list(dict.fromkeys(out))


def _nonzero_denominators(e: sp.Expr) -> tuple[sp.Basic, ...]:
    """Integration assumed generic parameters: each denominator factor that can vanish is a
    condition (at such points the value is the limit, e.g. b1 = b2 for two Laplace scales)."""
    conditions = []
    for factor in sp.Mul.make_args(sp.factor(sp.denom(sp.together(e)))):
        base = factor.base if factor.is_Pow else factor
        if base.free_symbols and base.is_positive is not True and base.is_negative is not True:
            conditions.append(sp.Ne(base, 0))
    return tuple(conditions)


def _tidy_integral(log_integral: sp.Expr) -> sp.Expr:
    """I = exp(log I) as a product of powers and Gamma functions, simplified -- unless it is
    too large to simplify (:func:`_too_large`: a 2 x 2 covariance's rational functions keep
    simplify busy for minutes), then the Gamma-simplified product stands.  ``_TIDY_BUDGET``
    is a safety net only: a result must not depend on how fast the machine is."""
    integral = sp.gammasimp(exp_of_sum(log_integral))
    if _too_large(integral):
        return integral
    try:
        with time_budget(_TIDY_BUDGET):
            simpler = sp.simplify(integral)
    except BudgetExceeded:
        return integral
    return simpler if sp.count_ops(simpler) < sp.count_ops(integral) else integral


_TIDY_BUDGET = 30.0  # CPU seconds: a safety net for simplify, never reached in the table
_PRESENT_BUDGET = 60.0  # CPU seconds: the same for the canonical presentation
_PRESENT_OPS = 2000  # larger expressions (the bivariate normal's 12 000 operations) stay as derived


def _too_large(e: sp.Basic) -> bool:
    """Whether ``e`` is past what simplify and the presentation forms handle in seconds: a
    deterministic size rule, so that the form of a result never depends on the machine's speed.

    >>> x = sp.Symbol("x")
    >>> _too_large(x + 1), _too_large(sp.Add(*[x**k for k in range(3000)]))
    (False, True)
    """
    return sp.count_ops(e) > _PRESENT_OPS


@functools.lru_cache(maxsize=64)
def _admissible_simplified(admissible: sp.Basic) -> sp.Basic:
    """The condition that the mixed parameter is natural, simplified (once per condition:
    Bhattacharyya and Hellinger share it, and a 2 x 2 covariance's takes seconds)."""
    if _too_large(admissible):
        return admissible
    try:
        with time_budget(_TIDY_BUDGET):
            return sp.simplify(admissible)
    except BudgetExceeded:  # leading minors of a 2 x 2 mixture, as given
        return admissible


@functools.lru_cache(maxsize=64)
def _presented(family, e: sp.Expr) -> sp.Expr:
    """The family's presentation form of ``e``, once per expression (see :func:`_finish`)."""
    if _too_large(e):  # a 2 x 2 covariance with symbolic alpha: minutes
        return e
    try:
        with time_budget(_PRESENT_BUDGET):
            return _present(family)(e)
    except BudgetExceeded:
        return e


def _finish(name, bp, bq, order, value, admissible, log_integral) -> Result:
    condition = _admissible_simplified(admissible)
    domains = _order_domains(bp, bq, order)

    def present(e: sp.Expr) -> sp.Expr:
        return _presented(bp.family, e)
    shown = present(sp.expand(log_integral))
    steps = (Step("log of the power integral", r"\log \int p^{\alpha} q^{1-\alpha}", shown),)
    once = bp.family.vector is not None and name in ("renyi", "bhattacharyya")
    if once:  # presented once, not twice (a 2 x 2 covariance: seconds each)
        value = _from_log_integral(name, shown, order)
    if condition == sp.S.false:
        return Result(name, bp, bq, sp.oo, "bregman", steps, (), "the power integral diverges: "
                      "alpha eta_P + (1 - alpha) eta_Q is not a natural parameter",
                      _LHS[name], domains, order)
    conditions = () if condition == sp.S.true else (_readable(condition),)
    if not once:
        value = present(value)
    return Result(name, bp, bq, value, "bregman", steps, conditions, "", _LHS[name],
                  domains, order)
