"""verify() and check(): quadrature catches wrong formulas; hand derivations are judged."""
import pytest
import sympy as sp

import symkl
from symkl.families import Cauchy, Gamma, Laplace, Normal
from symkl.parse import UnsafeExpressionError
from symkl.verify import verify

m1, m2 = sp.symbols("mu1 mu2", real=True)
s1, s2 = sp.symbols("sigma1 sigma2", positive=True)


def test_report_lists_points_values_and_errors():
    """The report has >= 3 seeded points plus one with P = Q, each with both values and an error."""
    report = symkl.kl(Normal(), Normal()).verify()
    assert report.ok and len(report.checks) == 4
    same = report.checks[-1].point
    assert same["mu1"] == same["mu2"] and same["sigma1"] == same["sigma2"]
    assert all(c.error <= 1e-20 for c in report.checks) and "PASS" in str(report)


def test_verification_is_seeded_and_repeatable():
    """The same seed gives the same points; another seed gives other points."""
    r = symkl.kl(Gamma(), Gamma())
    assert [c.point for c in r.verify(seed=3).checks] == [c.point for c in r.verify(seed=3).checks]
    assert [c.point for c in r.verify(seed=3).checks] != [c.point for c in r.verify(seed=4).checks]


@pytest.mark.parametrize("wrong", [
    sp.log(s2 / s1) + (s1**2 + (m1 - m2)**2) / (2 * s2**2),               # forgot the -1/2
    sp.log(s2 / s1) + (s1 + (m1 - m2)**2) / (2 * s2**2) - sp.S.Half,      # sigma1 for sigma1^2
    sp.log(s2 / s1) + (s1**2 + (m1 - m2)**2) / (2 * s2**2) - sp.S.Half + 1e-15 * m1**2,
])
def test_a_deliberately_wrong_formula_fails_verification(wrong):
    """verify() rejects formulas that are wrong, even by 1e-15."""
    report = verify(symkl.kl(Normal(), Normal()), expr=wrong)
    assert not report.ok and "FAIL" in str(report)


def test_check_accepts_a_correct_hand_derivation_in_another_spelling():
    """check() proves a differently written but equal formula equivalent."""
    text = "log(sigma2) - log(sigma1) + sigma1^2/(2*sigma2^2) + (mu2 - mu1)^2/(2*sigma2^2) - 1/2"
    assert symkl.check(text, Normal(), Normal()).equivalent


def test_check_rejects_a_wrong_derivation_with_a_counterexample():
    """check() reports a counterexample point with both values for a wrong formula."""
    report = symkl.check("log(b2/b1) + Abs(mu1 - mu2)/b2 - 1", Laplace(), Laplace())
    assert not report.equivalent and report.method == "numeric"
    assert {"mu1", "b1", "mu2", "b2"} <= set(report.counterexample)


def test_check_verifies_the_cauchy_formula():
    """The published Cauchy KL is confirmed by check()."""
    text = "log(((gamma1 + gamma2)^2 + (x01 - x02)^2)/(4*gamma1*gamma2))"
    assert symkl.check(text, Cauchy(), Cauchy())


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "mu1.__class__",
                                  "(lambda: 1)()", "open('x')", "unknown_name + 1"])
def test_check_rejects_text_that_is_not_math(text):
    """Text that is not math is rejected with a clear error, never evaluated."""
    with pytest.raises(UnsafeExpressionError):
        symkl.check(text, Normal(), Normal())


def test_check_rejects_names_of_another_pair():
    """A candidate using symbols that are not parameters of the pair is an error."""
    with pytest.raises(ValueError, match="not parameters"):
        symkl.check(sp.Symbol("lam1") + 1, Normal(), Normal())


def test_numeric_entry_points_refuse_text_values():
    """Result.subs, numeric fallbacks and series functions take numbers only, never text."""
    r = symkl.kl(Normal(), Normal())
    assert r.subs(mu1=0, sigma1=1, mu2=1, sigma2=1) == sp.Rational(1, 2)
    with pytest.raises(TypeError, match="must be a number"):
        r.subs(mu1="__import__('os')")
