"""Families whose support depends on their parameters: Uniform, Pareto, Levy.

KL(P || Q) is finite only where supp P lies inside supp Q; with symbolic ends the result is a
Piecewise whose condition reads like a textbook's, and infinity (with the reason) otherwise.
"""
import pytest
import sympy as sp

import symkl
from symkl.families import Beta, Exponential, Gamma, Levy, Normal, Pareto, Uniform
from symkl.support import assume, support_condition

a1, b1, a2, b2, m2 = sp.symbols("a1 b1 a2 b2 mu2", real=True)
s2, l2, xm1, xm2, al1, al2 = sp.symbols("sigma2 lam2 x_m1 x_m2 alpha1 alpha2", positive=True)


def _same(a, b, points=3):
    """Equal at seeded admissible points (b1 > a1) to 25 digits (the oracle check)."""
    import random
    rng = random.Random(1)
    w = sp.Symbol("w", positive=True)
    a, b = a.subs(b1, a1 + w), b.subs(b1, a1 + w)
    free = sorted(a.free_symbols | b.free_symbols, key=str)
    for _ in range(points):
        pt = {s: sp.Rational(rng.randint(1, 15), 8) for s in free}
        if abs(sp.N((a - b).xreplace(pt), 30)) > 1e-25:
            return False
    return True


def _relations(cond):
    """A condition as a set of canonical relations (a2 <= a1 and a1 >= a2 are the same)."""
    return {c.canonical for c in (cond.args if isinstance(cond, sp.And) else (cond,))}


def test_uniform_rejects_reversed_ends():
    """Uniform(a, b) with a >= b names the family, the parameter and the constraint."""
    with pytest.raises(ValueError, match="Uniform: parameter b must be greater than a"):
        Uniform(2, 1)


def test_uniform_uniform_is_a_piecewise_on_nesting():
    """KL(U(a1,b1) || U(a2,b2)) = log((b2-a2)/(b1-a1)) when nested, infinity otherwise."""
    r = symkl.kl(Uniform(), Uniform())
    assert isinstance(r.expr, sp.Piecewise)
    (finite, cond), (inf, _) = r.expr.args
    assert inf == sp.oo
    assert _relations(cond) == _relations(sp.And(sp.Le(a2, a1), sp.Le(b1, b2)))
    assert sp.simplify(finite - sp.log((b2 - a2) / (b1 - a1))) == 0
    assert "supp P" in r.reason and r.verify().ok


def test_numeric_uniforms_give_log_ratio_or_infinity_with_reason():
    """Nested numeric ends give a number; non-nested give oo with the support reason."""
    assert symkl.kl(Uniform(0, 1), Uniform(0, 2)).expr == sp.log(2)
    r = symkl.kl(Uniform(0, 2), Uniform(0, 1))
    assert r.expr == sp.oo and r.route == "support" and "not inside" in r.reason


def test_uniform_normal_matches_reference():
    """Reference: -log(b-a) + log(sqrt(2 pi) sigma) + (Var + (mean - mu)^2) / (2 sigma^2)."""
    ref = (-sp.log(b1 - a1) + sp.log(sp.sqrt(2 * sp.pi) * s2)
           + ((b1 - a1) ** 2 / 12 + ((a1 + b1) / 2 - m2) ** 2) / (2 * s2**2))
    r = symkl.kl(Uniform(), Normal())
    assert _same(r.expr, ref) and r.verify().ok


def test_pareto_pareto_matches_reference():
    """Reference (e.g. Gil, Alajaji & Linder 2013 family table, Pareto): for x_m1 >= x_m2,
    log(alpha1/alpha2) + alpha2 log(x_m1/x_m2) + alpha2/alpha1 - 1."""
    r = symkl.kl(Pareto(), Pareto())
    (finite, cond), _ = r.expr.args
    assert cond == sp.Ge(xm1, xm2)
    ref = sp.log(al1 / al2) + al2 * sp.log(xm1 / xm2) + al2 / al1 - 1
    assert _same(finite, ref) and r.verify().ok


def test_pareto_exponential_is_finite_only_with_a_finite_mean():
    """E_P[X] is finite only for alpha1 > 1: the tail condition is derived, not assumed."""
    r = symkl.kl(Pareto(), Exponential())
    (finite, cond), _ = r.expr.args
    assert cond == sp.Gt(al1, 1)
    assert symkl.kl(Pareto(1, sp.Rational(1, 2)), Exponential(1)).expr == sp.oo
    assert r.verify().ok


def test_pareto_normal_needs_a_finite_variance():
    """Against a normal, E_P[X^2] must be finite: alpha1 > 2 (simplified from > 1 and > 2)."""
    r = symkl.kl(Pareto(), Normal())
    assert r.expr.args[0].cond == sp.Gt(al1, 2)


def test_beta_against_uniform_and_the_torch_nan_case():
    """KL(Beta || U(a2, b2)) needs a2 <= 0 and b2 >= 1; KL(U(0,1) || Beta(1,1)) = 0 exactly
    (torch returns NaN there, pytorch#144279)."""
    r = symkl.kl(Beta(), Uniform())
    assert _relations(r.expr.args[0].cond) == _relations(sp.And(sp.Le(a2, 0), sp.Ge(b2, 1)))
    assert r.verify().ok
    assert symkl.kl(Uniform(0, 1), Beta(1, 1)).expr == 0


def test_uniform_gamma_uses_the_log_moment():
    """E_U[log X] = (b log b - a log a)/(b - a) - 1, via d/ds E[X^s] (no Meijer G)."""
    r = symkl.kl(Uniform(), Gamma())
    finite = r.expr.args[0].expr
    assert not finite.has(sp.meijerg, sp.Integral) and r.verify().ok


def test_support_condition_and_assumptions():
    """Conditions come from comparing the ends; gap symbols make each one hold."""
    P, Q = Levy().bind(1), Levy().bind(2)
    cond = support_condition(P, Q)
    assert cond == sp.Le(sp.Symbol("mu2", real=True), sp.Symbol("mu1", real=True))
    forward, back = assume(cond)
    (sym, value), = forward.items()
    gap = next(iter(back))
    assert gap.is_positive and sp.simplify(value.xreplace(back) - sym) == 0


def test_a_wrong_formula_is_caught_on_the_finite_branch():
    """check() rejects log((b2-a2)/(b1-a1)) + 1/100: the oracle really discriminates."""
    wrong = sp.Piecewise((sp.log((b2 - a2) / (b1 - a1)) + sp.Rational(1, 100),
                          sp.And(sp.Le(a2, a1), sp.Le(b1, b2))), (sp.oo, True))
    assert not symkl.check(wrong, Uniform(), Uniform())
