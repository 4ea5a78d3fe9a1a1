"""Discrete families (Binomial, Geometric, NegativeBinomial, Categorical) and their cross pairs.

Every derived result is checked against a published closed form where one exists and against
mpmath's sum of the definition (``verify``) at seeded points.
"""
import random

import pytest
import sympy as sp

import symkl
from symkl.engine import NotDerivable
from symkl.families import (
    Bernoulli,
    Binomial,
    Categorical,
    CategoricalK,
    Geometric,
    NegativeBinomial,
    Poisson,
)
from symkl.families.categorical import categorical
from symkl.verify import verify

n = sp.Symbol("n", integer=True, positive=True)
r_ = sp.Symbol("r", positive=True)
p1, p2, lam1, lam2 = sp.symbols("p1 p2 lam1 lam2", positive=True)

# Bernoulli KL: Cover & Thomas, *Elements of Information Theory*, 2nd ed., eq. (2.28)/Example 2.3.1.
BERNOULLI_KL = p1 * sp.log(p1 / p2) + (1 - p1) * sp.log((1 - p1) / (1 - p2))
# Geometric (failures) KL: with E[K] = (1 - p1)/p1 (Casella & Berger, sec. 3.2),
# KL = log(p1/p2) + E[K] log((1 - p1)/(1 - p2)); see also Nielsen & Nock (2011), "On the
# chi square and higher-order chi distances ...", Table of exponential families (Bregman form).
GEOMETRIC_KL = sp.log(p1 / p2) + (1 - p1) / p1 * sp.log((1 - p1) / (1 - p2))


def _equal(a, b):
    """Symbolically equal, or equal to 25 digits at three exact admissible points."""
    d = a - b
    if sp.simplify(sp.expand_log(d, force=True)) == 0:
        return True
    rng = random.Random(0)
    for _ in range(3):
        point = {s: (sp.Integer(rng.randint(1, 6)) if s.is_integer else
                     sp.Rational(rng.randint(1, 7), 8)) for s in d.free_symbols}
        if abs(sp.N(d.xreplace(point), 30)) > 1e-25:
            return False
    return True


def _verified(result):
    """verify() passes at >= 3 points and KL >= 0 at each (sum of the definition)."""
    report = result.verify()
    assert report.ok, str(report)
    assert len(report.checks) >= (1 if result.is_infinite else 3)
    for c in report.checks:
        assert c.reference >= -1e-25
    return report


@pytest.mark.parametrize("make", [lambda: (Binomial(), Binomial()),
                                  lambda: (Binomial("n"), Binomial("n")),
                                  lambda: (Binomial(), Binomial("n"))])
def test_binomial_same_n_is_n_times_bernoulli_kl(make):
    """KL(Bin(n, p1) || Bin(n, p2)) = n KL(Ber(p1) || Ber(p2)) (additivity over n trials,
    Cover & Thomas, Thm 2.5.3), derived by the Bregman route with one shared n."""
    r = symkl.kl(*make())
    assert r.route == "bregman" and r.params == (n, p1, p2)
    assert _equal(r.expr, n * BERNOULLI_KL)
    _verified(r)


def test_binomial_numeric_n_and_unnamed_n_takes_the_other_sides_value():
    """Binomial(10) against Binomial() uses n = 10 on both sides: 10 KL(Ber || Ber)."""
    for pair in [(Binomial(10), Binomial(10)), (Binomial(), Binomial(10)),
                 (Binomial(10), Binomial())]:
        r = symkl.kl(*pair)
        assert r.params == (p1, p2) and _equal(r.expr, 10 * BERNOULLI_KL)
    _verified(r)


@pytest.mark.parametrize("make, words", [
    (lambda: Binomial(2.5, 0.5), ["Binomial", "n", "a positive integer"]),
    (lambda: Binomial(0), ["Binomial", "n", "a positive integer"]),
    (lambda: Binomial(3, 1.5), ["Binomial", "p", "(0, 1)"]),
    (lambda: Geometric(0), ["Geometric", "p", "(0, 1)"]),
    (lambda: NegativeBinomial(-1), ["NegativeBinomial", "r", "> 0"]),
    (lambda: categorical(2)(0.5, 0.75), ["Categorical", "p1", "summing to 1"]),
    (lambda: Categorical(sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(1, 2)),
     ["Categorical", "summing to 1", "3/2"]),
])
def test_invalid_parameters_name_family_parameter_and_constraint(make, words):
    """Bad input is a ValueError naming the family, the parameter and the constraint."""
    with pytest.raises(ValueError) as info:
        make()
    for w in words:
        assert w in str(info.value)


def test_bernoulli_against_binomial_with_one_trial_is_bernoulli_kl():
    """Binomial(1, p) is Bernoulli(p): both cross pairs give the Bernoulli formula."""
    for pair in [(Bernoulli(), Binomial(1)), (Binomial(1), Bernoulli())]:
        r = symkl.kl(*pair)
        assert _equal(r.expr, BERNOULLI_KL) and not r.expr.has(sp.Sum)
        _verified(r)


def test_binomial_with_fewer_trials_is_finite_and_with_more_is_infinite():
    """supp Bin(3) is inside supp Bin(5): a finite closed form; the reverse puts mass on 4, 5."""
    r = symkl.kl(Binomial(3), Binomial(5))
    assert not r.is_infinite and not r.expr.has(sp.Sum) and r.route == "linearity"
    _verified(r)
    back = symkl.kl(Binomial(5), Binomial(3))
    assert back.is_infinite and "supp P" in back.reason
    _verified(back)


def test_binomial_against_poisson_numeric_n_is_a_finite_closed_form():
    """Bin(4, p) || Poisson(lam): supp {0..4} is inside N; E[log k!] is a finite sum."""
    r = symkl.kl(Binomial(4), Poisson())
    assert not r.expr.has(sp.Sum) and r.expr.has(sp.log(2))
    _verified(r)


def test_binomial_against_poisson_symbolic_n_keeps_the_sums_over_0_to_n():
    """With a symbolic n the E[log k!] term has no closed form: the exact Sum over {0..n} is
    kept (labelled by being a Sum), verified, and becomes a finite closed form at n = 4."""
    r = symkl.kl(Binomial(), Poisson())
    sums = r.expr.atoms(sp.Sum)
    assert sums and all(s.limits[0][1:] == (0, n) for s in sums)
    _verified(r)
    at4 = symkl.kl(Binomial(4), Poisson()).expr
    assert _equal(sp.expand(r.expr.subs(n, 4).doit()), at4)


@pytest.mark.parametrize("Q", [lambda: Binomial(), lambda: Binomial(4)])
def test_poisson_against_binomial_is_infinite_by_support(Q):
    """Poisson puts mass above n, where the Binomial has none: KL = oo, with the reason."""
    r = symkl.kl(Poisson(), Q())
    assert r.is_infinite and r.route == "support" and "supp Q" in r.reason
    _verified(r)


def test_geometric_pairs_match_the_published_form():
    """Geometric || Geometric and Geometric || NegativeBinomial(1) (the same distribution)."""
    for pair in [(Geometric(), Geometric()), (Geometric(), NegativeBinomial(1)),
                 (NegativeBinomial(1), Geometric())]:
        r = symkl.kl(*pair)
        assert _equal(r.expr, GEOMETRIC_KL), r.expr
        _verified(r)


def test_negative_binomial_same_r_is_r_times_geometric_kl():
    """NB(r, p) is a sum of r geometrics: KL = r KL(Geom || Geom), by the Bregman route."""
    r = symkl.kl(NegativeBinomial(), NegativeBinomial())
    assert r.route == "bregman" and _equal(r.expr, r_ * GEOMETRIC_KL)
    _verified(r)
    three = symkl.kl(NegativeBinomial(3), NegativeBinomial(3))
    assert _equal(three.expr, 3 * GEOMETRIC_KL)


def test_negative_binomial_with_one_success_is_geometric():
    """NB(1, p) has the Geometric(p) pmf exactly (the failures convention on both)."""
    k = sp.Symbol("k", integer=True, nonnegative=True)
    nb, g = NegativeBinomial(1).bind(1), Geometric().bind(1)
    assert sp.simplify(nb.logpdf(k) - g.logpdf(k)) == 0


@pytest.mark.parametrize("P, Q", [(Geometric, Poisson), (Poisson, Geometric)],
                         ids=["Geometric-Poisson", "Poisson-Geometric"])
def test_geometric_and_poisson_keep_the_series_for_log_factorial(P, Q):
    """E[log K!] under a Geometric or Poisson has no closed form: the exact series is kept,
    and the result agrees with the sum of the definition."""
    r = symkl.kl(P(), Q())
    assert r.expr.has(sp.Sum) and not r.is_infinite
    _verified(r)


def test_categorical_kl_is_the_sum_of_p_log_p_over_q_with_its_condition():
    """KL between categoricals is sum_j p_j log(p_j / q_j) (Cover & Thomas, eq. 2.26); the
    condition that each side sums to 1 is carried and respected by the verification points."""
    r = symkl.kl(Categorical(), Categorical())
    a = sp.symbols("p11 p21 p31", positive=True)
    b = sp.symbols("p12 p22 p32", positive=True)
    assert _equal(r.expr, sum(u * sp.log(u / v) for u, v in zip(a, b)))
    assert sp.Eq(sum(a), 1) in r.conditions and sp.Eq(sum(b), 1) in r.conditions
    for c in _verified(r).checks:
        assert sum(c.point[s.name] for s in a) == 1 and sum(c.point[s.name] for s in b) == 1


def test_categorical_with_numbers_and_other_sizes():
    """Numeric probabilities give an exact number; K = 4 works the same way."""
    half, quarter = sp.Rational(1, 2), sp.Rational(1, 4)
    r = symkl.kl(Categorical(half, quarter, quarter), Categorical(quarter, quarter, half))
    assert r.expr == sp.log(2) / 4 and _verified(r)
    r4 = symkl.kl(categorical(4)(), categorical(4)())
    assert len(r4.expr.atoms(sp.log)) == 4
    _verified(r4)


def test_categorical_with_a_symbolic_sum_is_accepted_with_the_condition():
    """Symbolic probabilities are accepted; p1 + p2 + 1/2 = 1 is carried, not assumed."""
    r = symkl.kl(Categorical("a", "b", sp.Rational(1, 2)), Categorical())
    assert any(isinstance(c, sp.Equality) and c.has(sp.Symbol("a", positive=True))
               for c in r.conditions)
    _verified(r)


def test_categorical_with_symbolic_k_is_a_sum_over_the_categories():
    """With K symbolic and p, q IndexedBase vectors the derived KL is
    Sum(p[k] log(p[k]/q[k]), (k, 1, K)) (Cover & Thomas, eq. 2.26), verified at sampled K."""
    r = symkl.kl(CategoricalK("K", "p"), CategoricalK("K", "q"))
    K = sp.Symbol("K", integer=True, positive=True)
    p, q = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)
    assert isinstance(r.expr, sp.Sum)
    term, (k, lo, hi) = r.expr.function, r.expr.limits[0]
    assert (lo, hi) == (1, K)
    assert sp.simplify(sp.expand_log(term - p[k] * sp.log(p[k] / q[k]), force=True)) == 0
    report = _verified(r)
    assert {c.point["K"] for c in report.checks} != {1}  # entries p[1..K] drawn per K


def test_categorical_with_symbolic_k_agrees_with_fixed_k_and_catches_a_wrong_formula():
    """At K = 3 the symbolic-K result is the K = 3 record's; the reversed ratio is caught."""
    r = symkl.kl(CategoricalK(3), CategoricalK())
    assert not r.expr.has(sp.Sum) and len(r.expr.atoms(sp.log)) == 3
    _verified(r)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    K = sp.Symbol("K", integer=True, positive=True)
    p, q = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)
    wrong = sp.Sum(p[k] * sp.log(q[k] / p[k]), (k, 1, K))
    report = verify(symkl.kl(CategoricalK("K", "p"), CategoricalK("K", "q")), expr=wrong)
    assert not report.ok


@pytest.mark.parametrize("make", [
    lambda: Binomial("m", "q"), lambda: Geometric("q"), lambda: NegativeBinomial("s", "q"),
    lambda: Categorical("a", "b", "c"), lambda: CategoricalK("L", "v")],
    ids=["Binomial", "Geometric", "NB", "Categorical", "CategoricalK"])
def test_kl_of_a_distribution_with_itself_is_zero(make):
    """KL(P || P) = 0 symbolically."""
    assert sp.simplify(symkl.kl(make(), make()).expr) == 0


@pytest.mark.parametrize("text, P, Q", [
    ("p1*log(p1/p2) + (1 - p1)*log((1 - p1)/(1 - p2))", Binomial, Binomial),  # forgot n
    ("log(p1/p2) + (1 - p1)*log((1 - p1)/(1 - p2))", Geometric, Geometric),   # forgot 1/p1
], ids=["Binomial", "Geometric"])
def test_a_wrong_formula_is_caught_by_check(text, P, Q):
    """check() rejects a plausible but wrong formula, with a counterexample."""
    report = symkl.check(text, P(), Q())
    assert not report.equivalent and report.counterexample


def test_renyi_between_binomials_with_the_same_n_comes_from_the_log_partition():
    """The Renyi divergence of order 2 uses the shared A(eta) = n log(1 + e^eta) and verifies."""
    r = symkl.renyi(Binomial(), Binomial(), 2)
    assert not r.expr.has(sp.Sum)
    _verified(r)


def test_not_derivable_is_never_the_outcome_for_the_required_pairs():
    """Every required discrete pair ends in a closed form, a kept exact sum, or infinity."""
    pairs = [(Geometric(), NegativeBinomial()), (NegativeBinomial(), Geometric())]
    for pair in pairs:
        try:
            r = symkl.kl(*pair)
        except NotDerivable as e:  # pragma: no cover - reported as a failure below
            pytest.fail(str(e))
        _verified(r)
