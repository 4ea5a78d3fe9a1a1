"""KL's relatives from the same engine: Renyi, Bhattacharyya, Hellinger, chi-square, Jeffreys, ...

Conventions are written out in :mod:`symkl.definitions`.  For two members of one exponential
family the power integral needs no integration:

    log I(alpha) = log integral p^alpha q^(1 - alpha)
                 = A(eta_alpha) - alpha A(eta_P) - (1 - alpha) A(eta_Q),
    eta_alpha = alpha eta_P + (1 - alpha) eta_Q,

valid where eta_alpha is a natural parameter (carried as a condition on the result; outside it
the integral diverges).  Renyi = log I / (alpha - 1), Bhattacharyya = -log I(1/2),
squared Hellinger = 1 - I(1/2), chi-square = I(2) - 1.  Jeffreys is KL both ways.  Outside an
exponential family the power integral itself is integrated, unless its shape rules a closed form
out (:func:`structural_obstacle`: incommensurable kernels, or two polynomials under non-integer
powers), which is then said at once.  Total variation goes through the crossing points p = q,
Jensen-Shannon through finite sums; otherwise NotDerivable, whose ``numeric`` gives a labelled
quadrature value.

This module is the public face; the work is in :mod:`symkl.power_divergences` (the power
integral and its routes), :mod:`symkl.integrability` (obstacles and convergence conditions),
:mod:`symkl.tv_crossings` (total variation through p = q), :mod:`symkl.overlap` (supports that
differ), :mod:`symkl.poisson_kernel` (Cauchy) and :mod:`symkl.divergence_common`.

>>> from symkl.families import Normal
>>> bhattacharyya(Normal(0, 1), Normal(1, 1)).expr
1/8
"""
from __future__ import annotations

import warnings

import sympy as sp

from symkl import poisson_kernel
from symkl.budget import time_budget
from symkl.canonical import canonical
from symkl.definitions import variable
from symkl.divergence_common import _LHS, KNOWN, ORDER, _finite, _finite_sum, _order
from symkl.engine import DEFAULT_BUDGET, NotDerivable, _domains, derive
from symkl.family import FamilyInstance
from symkl.integrability import _incommensurable, _kernels, structural_obstacle
from symkl.matrix_mixture import mixture_collect
from symkl.multivariate import matrix_canonical
from symkl.overlap import _on_overlap
from symkl.parse import parse_expression
from symkl.power_divergences import _finish, _power
from symkl.quantities import kl as _derived_kl
from symkl.result import Result
from symkl.steps import Step
from symkl.support import check_same_kind
from symkl.tv_crossings import total_variation

__all__ = ["KNOWN", "ORDER", "bhattacharyya", "chi_square", "divergence", "f_divergence",
           "hellinger", "jeffreys", "jensen_shannon", "kl", "kl_obstacle", "renyi", "renyi_entropy",
           "total_variation"]


def divergence(name: str, P: FamilyInstance, Q: FamilyInstance, alpha: object = None,
               budget: float | None = DEFAULT_BUDGET) -> Result:
    """The divergence ``name`` (one of :data:`KNOWN`) between P and Q.

    >>> from symkl.families import Poisson
    >>> divergence("chi-square", Poisson(1), Poisson(2)).expr
    -1 + exp(1/2)
    """
    key = name.lower().replace("-", "_").replace(" ", "_")
    if key not in KNOWN:
        raise ValueError(f"unknown divergence {name!r}; known: {', '.join(KNOWN)}")
    if key == "kl":
        return kl(P, Q, budget)
    if key == "jeffreys":
        return jeffreys(P, Q, budget)
    if key == "renyi":
        return renyi(P, Q, alpha, budget)
    if key == "total_variation":
        return total_variation(P, Q)
    if key == "jensen_shannon":
        return jensen_shannon(P, Q)
    return _power(key, P, Q, None)


def renyi(P: FamilyInstance, Q: FamilyInstance, alpha: object,
          budget: float | None = DEFAULT_BUDGET) -> Result:
    """Renyi divergence of order alpha (number, SymPy expression or name); alpha = 1 is KL.

    >>> from symkl.families import Normal
    >>> renyi(Normal(0, 1), Normal(1, 1), 2).expr
    1
    """
    order = _order(alpha)
    if order == 1:
        return kl(P, Q, budget)  # the limit alpha -> 1, documented in definitions
    return _power("renyi", P, Q, order)


def bhattacharyya(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Bhattacharyya distance -log integral sqrt(p q)."""
    return _power("bhattacharyya", P, Q, None)


def hellinger(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Squared Hellinger distance 1 - integral sqrt(p q), in [0, 1].

    >>> from symkl.families import Normal
    >>> hellinger(Normal(0, 1), Normal(0, 1)).expr
    0
    """
    return _power("hellinger", P, Q, None)


def chi_square(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Pearson chi-square divergence integral p^2/q - 1 (infinite where 2 eta_P - eta_Q is not
    a natural parameter)."""
    return _power("chi_square", P, Q, None)


def jeffreys(P: FamilyInstance, Q: FamilyInstance,
             budget: float | None = DEFAULT_BUDGET) -> Result:
    """Jeffreys divergence KL(P || Q) + KL(Q || P) (symmetric).

    >>> from symkl.families import Normal
    >>> jeffreys(Normal(0, 1), Normal(1, 1)).expr
    1
    """
    forward = kl(P, Q, budget)
    bp, bq = forward.P, forward.Q
    backward = kl(FamilyInstance(bq.family, bq.values), FamilyInstance(bp.family, bp.values),
                  budget)
    expr = forward.expr + backward.expr
    if any(isinstance(v, sp.MatrixExpr) for v in bp.values):  # symbolic dimension
        expr = mixture_collect(matrix_canonical(expr, (*bp.values, *bq.values)))
    elif not expr.is_infinite:
        expr = _possible(canonical(expr), forward.conditions)
    steps = (Step("KL(P||Q)", r"D_{\mathrm{KL}}(P \,\|\, Q)", forward.expr),
             Step("KL(Q||P)", r"D_{\mathrm{KL}}(Q \,\|\, P)", backward.expr))
    both = forward.reason and backward.reason and expr.is_infinite  # finite each way, not both
    reason = (f"KL(P||Q) is {forward.reason}; and the same with P and Q exchanged, so one of "
              f"the two is infinite wherever the result's conditions hold" if both
              else forward.reason or backward.reason)
    return Result("jeffreys", bp, bq, expr, f"{forward.route}+{backward.route}", steps,
                  () if expr.is_infinite else forward.conditions, reason, _LHS["jeffreys"],
                  _domains(bp, bq))


def _possible(expr: sp.Expr, conditions: tuple) -> sp.Expr:
    """A Piecewise without the branches that the result's conditions rule out: two Levy laws
    are finite one way only for mu2 <= mu1 and the other only for mu1 <= mu2, so the sum's
    finite branch needs mu1 = mu2, which Ne(mu1 - mu2, 0) excludes -- Jeffreys is +oo.

    >>> m1, m2 = sp.symbols("mu1 mu2", real=True)
    >>> _possible(sp.Piecewise((1, (m1 >= m2) & (m1 <= m2)), (sp.oo, True)), (sp.Ne(m1 - m2, 0),))
    oo
    """
    if not isinstance(expr, sp.Piecewise) or not conditions:
        return expr
    kept = [(e, c) for e, c in expr.args
            if c == sp.S.true or sp.And(c, *conditions).simplify() != sp.S.false]
    return kept[0][0] if len(kept) == 1 and kept[0][1] == sp.S.true else sp.Piecewise(*kept)


def renyi_entropy(P: FamilyInstance, alpha: object) -> Result:
    """Renyi entropy log(integral p^alpha) / (1 - alpha) (constant base measure families).

    >>> from symkl.families import Exponential
    >>> renyi_entropy(Exponential(1), 2).expr
    log(2)
    """
    order = _order(alpha)
    if order == 1:
        return derive("entropy", P, None)
    bp = P.bind("")
    ef = bp.expfam
    x = sp.Dummy("x")
    if ef is None or ef.log_base(x).has(x):
        raise NotDerivable("renyi_entropy", P, None, {
            "bregman": f"{bp.family.name} is not an exponential family with a constant base "
                       f"measure"})
    eta_p = ef.natural_params(*bp.values)
    scaled = [order * e for e in eta_p]
    log_integral = ((order - 1) * ef.log_base(x) + ef.log_partition(scaled)
                    - order * ef.log_partition(eta_p))
    return _finish("renyi_entropy", bp, None, order, log_integral / (1 - order),
                   ef.natural_domain(scaled), log_integral)


def jensen_shannon(P: FamilyInstance, Q: FamilyInstance) -> Result:
    """Jensen-Shannon divergence KL(P||M)/2 + KL(Q||M)/2 with M = (P + Q)/2 (at most log 2).

    Closed forms exist for finite supports (the sum itself).  For densities the mixture M is in
    no family and E[log(p + q)] has no closed form, so NotDerivable (with ``.numeric``).

    >>> from symkl.families import Bernoulli
    >>> half = sp.Rational(1, 2)
    >>> jensen_shannon(Bernoulli(half), Bernoulli(half)).expr
    0
    """
    bp, bq = P.bind("1"), Q.bind("2")
    check_same_kind(bp, bq)
    if _finite(bp, bq):
        return _finite_sum("jensen_shannon", bp, bq)
    if not bp.family.discrete and bp.support() != bq.support():
        return _on_overlap("jensen_shannon", bp, bq, P, Q)
    if poisson_kernel.applies(bp, bq):
        return _js_by_poisson_kernel(bp, bq)
    raise NotDerivable("jensen_shannon", P, Q, {
        "mixture": "M = (P + Q)/2 belongs to no family here: E_P[log(p + q)] (the entropy of a "
                   "mixture) has no closed form for these densities"})


def f_divergence(P: FamilyInstance, Q: FamilyInstance, f: object) -> Result:
    """D_f(P || Q) = integral q f(p/q) for convex f with f(1) = 0, derived by linearity in f.

    f is a callable of one SymPy symbol, a SymPy expression in ``t``, or text in ``t`` (parsed
    safely).  Terms c t^a become c I(a) (power integrals from the log-partition), c t log t
    becomes c KL(P||Q) and c log t becomes -c KL(Q||P).

    >>> from symkl.families import Normal
    >>> f_divergence(Normal(0, 1), Normal(1, 1), "t*log(t)").expr
    1/2
    """
    t = sp.Symbol("t", positive=True)
    gen = _generator(f, t)
    if sp.simplify(gen.subs(t, 1)) != 0:
        raise ValueError(f"f must satisfy f(1) = 0; f(1) = {sp.simplify(gen.subs(t, 1))}")
    second = sp.simplify(sp.diff(gen, t, 2))
    if second.is_negative or (second.is_nonnegative is None and second.subs(t, 1).is_negative):
        raise ValueError(f"f must be convex on (0, oo); f''(t) = {second}")
    if second.is_nonnegative is None:
        warnings.warn(f"could not decide that f''(t) = {second} >= 0 on (0, oo)", stacklevel=2)
    total, conditions, steps = sp.S.Zero, [], []
    for term in sp.Add.make_args(sp.expand(sp.expand_log(gen, force=True))):
        coeff, rest = term.as_independent(t, as_Add=False)
        value, cond = _f_term(rest, t, P, Q)
        total += coeff * value
        conditions += list(cond)
        steps.append(Step(f"integral q f(p/q) term {rest}", r"\int q\,{about}", value,
                          about=rest.subs(t, sp.Symbol("p/q"))))
    bp, bq = P.bind("1"), Q.bind("2")
    expr = total if total.is_infinite else canonical(total)
    return Result("f_divergence", bp, bq, expr, "linearity in f", tuple(steps),
                  tuple(dict.fromkeys(conditions)), "", _LHS["f_divergence"], _domains(bp, bq),
                  generator=sp.Lambda(t, gen))


def _generator(f: object, t: sp.Symbol) -> sp.Expr:
    if isinstance(f, str):
        return parse_expression(f, {"t": t})
    if isinstance(f, sp.Expr):
        return f.xreplace({s: t for s in f.free_symbols if s.name == "t"})
    if callable(f):
        out = f(t)
        if not isinstance(out, sp.Expr):
            raise TypeError("f(t) must return a SymPy expression")
        return out
    raise TypeError(f"f must be text, a SymPy expression in t, or a callable, not {type(f)}")


def _f_term(rest: sp.Expr, t: sp.Symbol, P: FamilyInstance, Q: FamilyInstance):
    """integral q * rest(p/q) for rest = t^a or t^a log t (a in {0, 1} with the log)."""
    if not rest.has(t):
        return rest, ()
    logs = [u for u in sp.Mul.make_args(rest) if isinstance(u, sp.log)]
    power = sp.powsimp(rest / sp.Mul(*logs))
    a = sp.degree(power, t) if power.is_polynomial(t) else (
        power.exp if power.is_Pow and power.base == t else None)
    if not logs and a is not None:
        if a in (0, 1):
            return sp.S.One, ()
        r = _power("renyi", P, Q, sp.Integer(a) if isinstance(a, int) else a)
        if r.is_infinite:
            return sp.oo, ()
        return sp.exp((a - 1) * r.expr), r.conditions
    if len(logs) == 1 and logs[0].args[0] == t and a == 1:
        return kl(P, Q).expr, ()
    if len(logs) == 1 and logs[0].args[0] == t and a == 0:
        bp, bq = P.bind("1"), Q.bind("2")
        back = kl(FamilyInstance(bq.family, bq.values),
                      FamilyInstance(bp.family, bp.values))
        return -back.expr, ()
    raise NotDerivable("f_divergence", P, Q, {"linearity": f"no rule for the term {rest} of f"})


def _js_by_poisson_kernel(bp, bq) -> Result:
    """Jensen-Shannon between two Poisson-kernel densities (Cauchy), in closed form.

    Under P, 2p/(p + q) = 2t/(1 + t) with t = p/q = A + R cos(psi), so
    E_P[log(2p/(p + q))] = log 2 + E[log t] - E[log(1 + t)], each a mean over a period of a
    logarithm, summed as a series (:mod:`symkl.poisson_kernel`); the same under Q with q/p.

    >>> from symkl.families import Cauchy
    >>> print(jensen_shannon(Cauchy(0, 1), Cauchy(0, 1)).expr)
    0
    """
    halves, steps = [], []
    with time_budget(DEFAULT_BUDGET):
        for first, second, label in ((bp, bq, "P"), (bq, bp, "Q")):
            form = poisson_kernel.angle_form(first, second)
            half = (sp.log(2) + poisson_kernel.mean_of_log(form)
                    - poisson_kernel.mean_of_log(form, sp.S.One))
            halves.append(half)
            steps.append(Step(f"the log-ratio to the mixture under {label}",
                              r"\operatorname{E}_{" + label + r"}\left[\log \frac{2 "
                              + label.lower() + r"}{p + q}\right]", half))
        value = canonical(sp.simplify(sp.expand_log((halves[0] + halves[1]) / 2, force=True)))
    return Result("jensen_shannon", bp, bq, value, "poisson kernel", tuple(steps), (), "",
                  _LHS["jensen_shannon"], _domains(bp, bq))


def kl(P: FamilyInstance, Q: FamilyInstance, budget: float | None = DEFAULT_BUDGET) -> Result:
    """KL(P || Q) for the divergences built from it: NotDerivable at once where
    :func:`kl_obstacle` rules a closed form out, otherwise :func:`symkl.kl`.

    >>> from symkl.families import Normal
    >>> kl(Normal(0, 1), Normal(1, 1)).expr
    1/2
    """
    obstacle = kl_obstacle(P, Q)
    if obstacle:
        raise NotDerivable("kl", P, Q, {"structure": obstacle})
    return _derived_kl(P, Q, budget)


def _off_centre(log_p: sp.Expr, log_poly: sp.log, x: sp.Symbol, support: sp.Set) -> str | None:
    """Why E_P[log poly(X)] has no closed form: P's density holds another polynomial under a
    non-integer power and the two are centred at different points (two Student t laws with
    different locations).  E_P[log poly] is the derivative at s = 0 of integral p poly^s, whose
    integrand is two different polynomials under non-integer powers -- the power integral's
    obstacle (:func:`structural_obstacle`: an Appell / hypergeometric function of their roots).
    A shared centre is left to the routes (x -> x - mu: a one-variable integral).

    >>> from symkl.families import StudentT
    >>> x = sp.Symbol("x", real=True)
    >>> P, Q = StudentT().bind(1), StudentT().bind(2)
    >>> why = _off_centre(P.logpdf(x), sp.log(1 + (x - Q.values[1])**2), x, sp.Reals)
    >>> print(why)  # doctest: +ELLIPSIS
    E_P[log q(X)] needs E_P[log((-mu2 + x)**2 + 1)]: ... centred at mu1 and mu2; ...
    """
    poly = sp.Poly(log_poly.args[0], x)
    if poly.degree() != 2:
        return None
    s = sp.Dummy("s")
    obstacle = structural_obstacle(log_p + s * log_poly, x, support)
    if obstacle is None or "polynomials" not in obstacle:
        return None
    own = [f.args[0] for term in sp.Add.make_args(sp.expand(sp.expand_log(log_p, force=True)))
           for f in sp.Mul.make_args(term) if isinstance(f, sp.log) and f.args[0].has(x)
           and f.args[0].is_polynomial(x) and sp.degree(f.args[0], x) == 2]
    if not own:
        return None
    a1, b1, _ = sp.Poly(own[0], x).all_coeffs()
    a2, b2, _ = poly.all_coeffs()
    c1, c2 = sp.simplify(-b1 / (2 * a1)), sp.simplify(-b2 / (2 * a2))
    if sp.simplify(c1 - c2) == 0:
        return None
    return (f"E_P[log q(X)] needs E_P[{log_poly}]: P's density holds {own[0]} under a "
            f"non-integer power, and the two quadratics are centred at {c1} and {c2}; "
            f"E_P[log poly] is the derivative at s = 0 of integral p poly^s, and {obstacle}")


def kl_obstacle(P: FamilyInstance, Q: FamilyInstance) -> str | None:
    """Why KL(P || Q) has no closed form, read off the densities before any route runs; None
    when nothing rules one out.  The divergences built from a KL (``divergence('kl')``,
    Jeffreys, the KL generator of ``f_divergence``) check it first to answer at once;
    :func:`symkl.kl` itself always runs the engine's routes.

    The cross term E_P[log q(X)] is a moment or moment-generating value of P wherever log q is
    linear in the kernels of P.  When log q holds a kernel *inside a logarithm*, log(1 +
    exp(-x/s2)) (logistic) or log(1 - x^a2) (Kumaraswamy), and that kernel's scale is
    incommensurable with P's own kernels (exp(-x/s1), x^a1), the expectation is a series in the
    ratio of the scales with no closed form for generic parameters.  Likewise when log q holds
    a quadratic centred away from the one P's density holds under a non-integer power (two
    Student t laws: :func:`_off_centre`).  Only pairs of one non-exponential family with the
    same, parameter-free support are judged.

    >>> from symkl.families import Logistic, Gumbel
    >>> print(kl_obstacle(Logistic(), Logistic()))  # doctest: +ELLIPSIS
    E_P[log q(X)] needs E_P[log(exp(mu2/s2)*exp(-x/s2) + 1)]...
    >>> kl_obstacle(Gumbel(), Gumbel()) is None  # E_P[exp(-x/beta2)]: a moment, closed
    True
    """
    bp, bq = P.bind("1"), Q.bind("2")
    if (bp.family is not bq.family or bp.family.discrete or bp.family.vector is not None
            or bp.expfam is not None or bp.support() != bq.support()
            or bp.support().free_symbols):
        return None
    x = variable(bp.family)
    own = _kernels(bp.logpdf(x), x)
    for term in sp.Add.make_args(sp.expand(sp.expand_log(bq.logpdf(x), force=True))):
        _, rest = term.as_independent(x, as_Add=False)
        if not isinstance(rest, sp.log):
            continue
        if rest.args[0].is_polynomial(x):
            clash = _off_centre(bp.logpdf(x), rest, x, bp.support())
            if clash:
                return clash
            continue
        inner = _kernels(rest.args[0], x)
        clash = _incommensurable({**own, **inner}) if inner and own else None
        if clash:
            return (f"E_P[log q(X)] needs E_P[{rest}]: the kernel {list(inner.values())[0]} "
                    f"inside the logarithm is incommensurable with P's "
                    f"{list(own.values())[0]} (scale ratio not a fixed rational number), so "
                    f"the expectation is a series in that ratio with no closed form for "
                    f"generic parameters")
    return None
