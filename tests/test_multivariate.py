"""Multivariate families: MVN (full, diagonal, isotropic), Dirichlet, products of univariates."""
import random

import numpy as np
import pytest
import sympy as sp

import symkl
from symkl.families import Beta, Exponential, Gamma, Normal
from symkl.families.dirichlet import Dirichlet, dirichlet
from symkl.families.independent import Independent
from symkl.families.mvnormal import DiagonalNormal, IsotropicNormal, MultivariateNormal, mvn
from symkl.verify import verify


def _close(a, b, points=3, digits=25):
    """Equal to ``digits`` digits at exact rational points (both sides exact expressions)."""
    d = a - b
    rng = random.Random(0)
    for _ in range(points):
        point = {s: sp.Rational(rng.randint(1, 7), 8) for s in d.free_symbols}
        if abs(sp.N(d.xreplace(point), digits + 5)) > 10.0 ** -digits:
            return False
    return True


def _symbols(r):
    return {s.name: s for s in r.params}


@pytest.fixture(scope="module")
def mvn2():
    return symkl.kl(MultivariateNormal(2)(), MultivariateNormal(2)())


def test_mvn2_equals_published_formula(mvn2):
    """KL of two bivariate normals is Penny (2001), eq. (2) / The Book of Statistical Proofs,
    "Kullback-Leibler divergence for the multivariate normal distribution":
    (tr(S2^-1 S1) + (m2 - m1)^T S2^-1 (m2 - m1) - k + log(det S2 / det S1)) / 2."""
    s = _symbols(mvn2)

    def mean(j):
        return sp.Matrix([s[f"mu1_{j}"], s[f"mu2_{j}"]])

    def cov(j):
        return sp.Matrix([[s[f"Sigma11_{j}"], s[f"Sigma12_{j}"]],
                          [s[f"Sigma12_{j}"], s[f"Sigma22_{j}"]]])
    S1, S2, d = cov(1), cov(2), mean(2) - mean(1)
    reference = ((S2.inv() * S1).trace() + (d.T * S2.inv() * d)[0, 0] - 2
                 + sp.log(S2.det() / S1.det())) / 2
    assert sp.cancel(sp.expand_log(mvn2.expr - reference, force=True)) == 0
    assert mvn2.route == "bregman"


def test_mvn2_verifies_against_quadrature_and_a_wrong_formula_does_not(mvn2):
    """verify() agrees with the 2-D tensor quadrature of the definition; a perturbed form fails."""
    report = mvn2.verify(points=2)
    assert report.ok, str(report)
    assert report.max_error < 1e-12
    assert not verify(mvn2, points=1, expr=mvn2.expr * (1 + sp.Rational(1, 10**6))).ok


def test_mvn2_kl_with_itself_is_zero_and_nonnegative_elsewhere(mvn2):
    """KL(P || P) = 0 symbolically; KL >= 0 at random positive-definite points."""
    s = _symbols(mvn2)
    same = {s[n]: s[n[:-1] + "1"] for n in s if n.endswith("_2")}
    assert sp.simplify(mvn2.expr.xreplace(same)) == 0
    f = mvn2.lambdify()
    rng = np.random.default_rng(0)
    for _ in range(200):
        m1, m2 = rng.normal(size=2), rng.normal(size=2)
        a, b = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        c1, c2 = a @ a.T + 0.1 * np.eye(2), b @ b.T + 0.1 * np.eye(2)
        value = f(*m1, c1[0, 0], c1[0, 1], c1[1, 1], *m2, c2[0, 0], c2[0, 1], c2[1, 1])
        assert value >= -1e-12


def test_numeric_instances_give_exact_values():
    """N(0, I) || N((1, 0), [[2, 1], [1, 2]]): trace 4/3 + quadratic form 2/3 - 2 + log 3."""
    r = symkl.kl(mvn([0, 0], [[1, 0], [0, 1]]), mvn([1, 0], [[2, 1], [1, 2]]))
    assert sp.simplify(r.expr - sp.log(3) / 2) == 0


def test_diagonal_normal_equals_product_of_normals_and_sums_over_coordinates():
    """DiagonalNormal(3) (Bregman) equals Independent(Normal, 3) (linearity) and equals the sum
    of three univariate KLs (Penny 2001, eq. (1), per coordinate)."""
    diag = symkl.kl(DiagonalNormal(3)(), DiagonalNormal(3)())
    prod = symkl.kl(Independent(Normal, 3)(), Independent(Normal, 3)())
    assert (diag.route, prod.route) == ("bregman", "linearity")
    assert sp.simplify(diag.expr - prod.expr.xreplace(
        {v: sp.Symbol(v.name, **v.assumptions0) for v in prod.params})) == 0
    s = _symbols(diag)
    total = sum(sp.log(s[f"sigma{i}_2"] / s[f"sigma{i}_1"])
                + (s[f"sigma{i}_1"] ** 2 + (s[f"mu{i}_1"] - s[f"mu{i}_2"]) ** 2)
                / (2 * s[f"sigma{i}_2"] ** 2) - sp.S.Half for i in (1, 2, 3))
    assert sp.simplify(sp.expand_log(diag.expr - total, force=True)) == 0


def test_isotropic_normal_is_diagonal_with_equal_scales_and_verifies():
    """IsotropicNormal(3) equals DiagonalNormal(3) at sigma_i = sigma; it verifies in 3-D."""
    iso = symkl.kl(IsotropicNormal(3)(), IsotropicNormal(3)())
    diag = symkl.kl(DiagonalNormal(3)(), DiagonalNormal(3)())
    s, t = _symbols(iso), _symbols(diag)
    equal = {t[f"sigma{i}_{j}"]: s[f"sigma{j}"] for i in (1, 2, 3) for j in (1, 2)}
    assert sp.simplify(sp.expand_log(diag.expr.xreplace(equal) - iso.expr, force=True)) == 0
    assert iso.verify(points=1).ok


def test_kl_of_a_product_is_the_sum_of_the_marginal_kls():
    """Independent(Exponential, Normal) || Independent(Gamma, Normal) = KL(Exp || Gamma) +
    KL(Normal || Normal), the chain rule for independent coordinates (Cover & Thomas 2.5)."""
    r = symkl.kl(Independent(Exponential, Normal)(), Independent(Gamma, Normal)())
    s = _symbols(r)
    first = symkl.kl(Exponential(s["lam1_1"]), Gamma(s["alpha1_2"], s["beta1_2"])).expr
    second = symkl.kl(Normal(s["mu2_1"], s["sigma2_1"]), Normal(s["mu2_2"], s["sigma2_2"])).expr
    assert _close(r.expr, first + second)
    assert r.verify(points=1).ok


def test_product_with_a_coordinate_outside_the_support_is_infinite():
    """A normal coordinate against an exponential one: P puts mass where q = 0."""
    r = symkl.kl(Independent(Normal, Exponential)(), Independent(Exponential, Normal)())
    assert r.expr == sp.oo and r.route == "support"
    assert r.verify().ok


def test_dirichlet_two_is_beta():
    """Dirichlet(alpha_1, alpha_2) is Beta(alpha_1, alpha_2): the KLs agree symbolically."""
    d = symkl.kl(Dirichlet(2)(), Dirichlet(2)())
    s = _symbols(d)
    b = symkl.kl(Beta(s["alpha1_1"], s["alpha2_1"]), Beta(s["alpha1_2"], s["alpha2_2"]))
    assert sp.simplify(d.expr - b.expr) == 0


def test_dirichlet_three_equals_penny_and_verifies():
    """Penny (2001), Dirichlet densities: KL = log G(a0) - sum log G(a_i) - log G(b0)
    + sum log G(b_i) + sum (a_i - b_i)(psi(a_i) - psi(a0))."""
    r = symkl.kl(Dirichlet(3)(), Dirichlet(3)())
    s = _symbols(r)
    a = [s[f"alpha{i}_1"] for i in (1, 2, 3)]
    b = [s[f"alpha{i}_2"] for i in (1, 2, 3)]
    a0, b0 = sum(a), sum(b)
    reference = (sp.loggamma(a0) - sum(map(sp.loggamma, a)) - sp.loggamma(b0)
                 + sum(map(sp.loggamma, b))
                 + sum((ai - bi) * (sp.digamma(ai) - sp.digamma(a0)) for ai, bi in zip(a, b)))
    assert sp.simplify(r.expr - reference) == 0
    report = r.verify(points=1)
    assert report.ok and report.max_error < 1e-18, str(report)
    assert symkl.kl(dirichlet([1, 2, 3]), dirichlet([1, 2, 3])).expr == 0


@pytest.mark.parametrize("make, words", [
    (lambda: mvn([0, 0], [[1, 2], [2, 1]]), ["MultivariateNormal2", "Sigma", "positive definite"]),
    (lambda: mvn([0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]), ["MultivariateNormal", "Sigma",
                                                                "2 x 2"]),
    (lambda: mvn([0, 0], [[1, 0.5], [0, 1]]), ["Sigma", "symmetric"]),
    (lambda: symkl.kl(mvn([0, 0], [[1, 0], [0, 1]]), MultivariateNormal(3)()),
     ["MultivariateNormal2", "MultivariateNormal3", "dimension mismatch"]),
    (lambda: symkl.kl(Dirichlet(2)(), Beta()), ["Dirichlet2", "Beta", "same kind"]),
    (lambda: dirichlet([1, -2]), ["Dirichlet2", "alpha2_", "> 0"]),
    (lambda: Independent(Normal, 0), ["Independent", "n", "positive integer"]),
])
def test_bad_input_is_a_clear_value_error(make, words):
    """Bad input names the family, the parameter and the constraint."""
    with pytest.raises(ValueError) as info:
        make()
    for w in words:
        assert w in str(info.value)


def test_symbolic_dimension_mvn_derives_the_matrix_formula_and_verifies_at_k_1_and_2():
    """For symbolic k the Bregman route on A(eta) in matrix form gives Penny (2001), eq. (2):
    (tr(S2^-1 S1) + (m1 - m2)^T S2^-1 (m1 - m2) - k + log det S2 - log det S1) / 2;
    verify() substitutes concrete k = 1, 2 and matrices and integrates numerically."""
    F = MultivariateNormal("k")
    r = symkl.kl(F(), F())
    m1, S1, m2, S2 = r.params
    k = S1.shape[0]
    reference = (sp.Trace(S2.inverse() * S1) + sp.Trace((m1 - m2).T * S2.inverse() * (m1 - m2))
                 - k + sp.log(sp.Determinant(S2)) - sp.log(sp.Determinant(S1))) / 2
    assert r.route == "bregman"
    assert sp.expand(r.expr - reference) == 0
    means = [s for s in r.steps if s.label == "mean of the sufficient statistics"][0].expr
    assert tuple(means) == (m1, S1 + m1 * m1.T)  # E[x], E[x x^T] from grad A
    assert r.verify(points=2).ok
    assert not verify(r, points=1, expr=r.expr + sp.Rational(1, 10**6)).ok
