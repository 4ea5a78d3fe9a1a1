"""The Wishart family: KL derived by the Bregman route, checked against Penny (2001) and by
quadrature over the positive definite cone (Cholesky coordinates, symkl.mvquad)."""
import random
import time

import numpy as np
import pytest
import sympy as sp

import symkl
from symkl.families import Gamma
from symkl.families.mvnormal import MultivariateNormal
from symkl.families.wishart import Wishart, log_multigamma, wishart
from symkl.multivariate import definition, pd_cone, vector
from symkl.verify import verify


def _symbols(r):
    return {s.name: s for s in r.params}


def _scale(s, j, k=2):
    """V_j as a matrix of the result's symbols (upper triangle V11_j, V12_j, ...)."""
    return sp.Matrix(k, k, lambda a, b: s[f"V{min(a, b) + 1}{max(a, b) + 1}_{j}"])


def _penny(nu1, V1, nu2, V2, swapped=False):
    """Penny (2001), "KL divergences of Normal, Gamma, Dirichlet and Wishart densities", the
    Wishart section (also The Book of Statistical Proofs, wish-kl):
    (nu2/2)(log|V2| - log|V1|) + (nu1/2)(tr(V2^-1 V1) - k) + log Gamma_k(nu2/2)
    - log Gamma_k(nu1/2) + ((nu1 - nu2)/2) psi_k(nu1/2), psi_k(a) = sum_j psi(a + (1 - j)/2).
    ``swapped``: a deliberately wrong variant, nu1 and nu2 exchanged in the last term."""
    k = V1.shape[0]
    first, second = (nu2, nu1) if swapped else (nu1, nu2)
    psi_k = sp.Add(*[sp.digamma(first / 2 + sp.Rational(1 - j, 2)) for j in range(1, k + 1)])
    return (nu2 / 2 * (sp.log(V2.det()) - sp.log(V1.det()))
            + nu1 / 2 * ((V2.inv() * V1).trace() - k)
            + log_multigamma(nu2 / 2, k) - log_multigamma(nu1 / 2, k)
            + (first - second) / 2 * psi_k)


@pytest.fixture(scope="module")
def w2():
    return symkl.kl(Wishart(2)(), Wishart(2)())


def test_wishart2_is_derived_by_bregman_and_equals_penny(w2):
    """The derived KL of two 2 x 2 Wisharts equals Penny's closed form symbolically and at
    exact admissible points to 30 digits."""
    s = _symbols(w2)
    reference = _penny(s["nu1"], _scale(s, 1), s["nu2"], _scale(s, 2))
    assert w2.route == "bregman"
    assert sp.simplify(sp.expand_log(w2.expr - reference, force=True)) == 0
    rng = random.Random(1)
    checked = 0
    while checked < 4:
        point = {v: sp.Rational(rng.randint(1, 30), 8) for v in w2.params}
        point.update({v: sp.Rational(rng.randint(-12, 12), 8) for v in w2.params
                      if v.name.startswith("V12")})
        if not all(c.xreplace(point) == sp.S.true for c in w2.conditions) or \
                min(point[s["nu1"]], point[s["nu2"]]) <= 1:
            continue
        assert abs(sp.N((w2.expr - reference).xreplace(point), 40)) < 1e-30
        checked += 1


def test_wishart2_mean_of_x_is_nu_v_from_the_log_partition(w2):
    """E[X] = nu V and E[log|X|] = psi_2(nu/2) + 2 log 2 + log|V|, both from grad A."""
    s = _symbols(w2)
    means = [st for st in w2.steps if st.label == "mean of the sufficient statistics"][0].expr
    nu, V = s["nu1"], _scale(s, 1)
    assert [sp.cancel(m - e) for m, e in zip(means[:3], (nu * V[0, 0], nu * V[0, 1],
                                                          nu * V[1, 1]))] == [0, 0, 0]
    log_det = sp.digamma(nu / 2) + sp.digamma(nu / 2 - sp.S.Half) + 2 * sp.log(2) \
        + sp.log(V.det())
    assert sp.simplify(sp.expand_log(means[3] - log_det, force=True)) == 0


def test_wishart2_verifies_by_quadrature_over_the_cone_and_a_wrong_formula_fails(w2):
    """verify() agrees with the 3-D tensor rule in Cholesky coordinates (in seconds); Penny's
    formula with nu1 and nu2 swapped in the last term does not."""
    start = time.perf_counter()
    report = w2.verify(points=3)
    assert report.ok, str(report)
    assert report.max_error < 1e-12 and len(report.checks) == 4
    assert time.perf_counter() - start < 60
    s = _symbols(w2)
    wrong = _penny(s["nu1"], _scale(s, 1), s["nu2"], _scale(s, 2), swapped=True)
    bad = verify(w2, points=2, expr=wrong)
    assert not bad.ok and bad.max_error > 1e-3, str(bad)


def test_cone_quadrature_is_accurate_for_a_nearly_singular_scale(w2):
    """Seed 1 draws V1 = [[5/8, 1], [1, 13/8]] (det 1/64): the whitened Cholesky rule still
    agrees with the closed form to about 1e-15."""
    report = w2.verify(points=3, seed=1)
    assert report.ok and report.max_error < 1e-12, str(report)


def test_wishart2_kl_with_itself_is_zero_and_nonnegative_elsewhere(w2):
    """KL(P || P) = 0 symbolically; KL >= 0 at random admissible points."""
    s = _symbols(w2)
    same = {s[n]: s[n[:-1] + "1"] for n in s if n.endswith("2") and n[:-1] + "1" in s}
    assert sp.cancel(sp.expand_log(w2.expr.xreplace(same), force=True)) == 0
    f = w2.lambdify()
    rng = np.random.default_rng(0)
    for _ in range(200):
        nu1, nu2 = 1 + 6 * rng.random(2)
        a, b = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        c1, c2 = a @ a.T + 0.1 * np.eye(2), b @ b.T + 0.1 * np.eye(2)
        assert f(nu1, c1[0, 0], c1[0, 1], c1[1, 1], nu2, c2[0, 0], c2[0, 1], c2[1, 1]) >= -1e-12


def test_entropy_of_wishart2_verifies():
    """The Bregman entropy of a 2 x 2 Wishart matches the quadrature of -E[log p]."""
    assert symkl.entropy(Wishart(2)()).verify(points=2).ok


def test_renyi_of_wishart2_comes_from_the_same_log_partition_and_verifies():
    """The Renyi divergence of order alpha is also derived from A(eta) and verifies."""
    d = symkl.divergence("renyi", Wishart(2)(), Wishart(2)(), alpha="a")
    assert d.route == "bregman"
    assert d.verify(points=2).ok


def test_numeric_wishart_instances_give_exact_values():
    """W(4, I) || W(3, 2 I) = 2 log 2 - 1/2 - EulerGamma (Penny's formula by hand); W || W = 0."""
    r = symkl.kl(wishart(4, [[1, 0], [0, 1]]), wishart(3, [[2, 0], [0, 2]]))
    assert sp.simplify(r.expr - (2 * sp.log(2) - sp.S.Half - sp.EulerGamma)) == 0
    assert symkl.kl(wishart(3, [[2, 1], [1, 2]]), wishart(3, [[2, 1], [1, 2]])).expr == 0


def test_wishart1_is_a_gamma():
    """Wishart(1)(nu, V) is Gamma(nu/2, rate 1/(2 V)): the KLs agree."""
    r = symkl.kl(Wishart(1)(), Wishart(1)())
    s = _symbols(r)
    g = symkl.kl(Gamma(s["nu1"] / 2, 1 / (2 * s["V11_1"])), Gamma(s["nu2"] / 2,
                                                                  1 / (2 * s["V11_2"])))
    assert sp.simplify(sp.expand_log(r.expr - g.expr, force=True)) == 0


def test_the_cone_and_the_defining_integral():
    """supp = the PD cone; the definition's limits make every leading minor positive."""
    assert pd_cone(2).contains((1, 0, 1)) == sp.S.true
    assert pd_cone(2).contains((1, 2, 1)) == sp.S.false
    P = Wishart(2)().bind(1)
    limits = definition("entropy", P, None, vector(3)).limits
    x1, x2, x3 = (lim[0] for lim in reversed(limits))
    assert [lim[1:] for lim in reversed(limits)] == [(0, sp.oo), (-sp.oo, sp.oo),
                                                      (x2**2 / x1, sp.oo)]


@pytest.mark.parametrize("make, words", [
    (lambda: wishart(3, [[1, 2], [2, 1]]), ["Wishart2", "V", "positive definite"]),
    (lambda: wishart(1, [[1, 0], [0, 1]]), ["Wishart2", "nu", "> 1", "nu > k - 1"]),
    (lambda: wishart(sp.Rational(1, 2), [[1, 0], [0, 1]]), ["Wishart2", "nu", "> 1"]),
    (lambda: Wishart(3)(2, 1, 0, 0, 1, 0, 1), ["Wishart3", "nu", "> 2"]),
    (lambda: wishart(3, [[1, 0.5], [0, 1]]), ["Wishart2", "V", "symmetric"]),
    (lambda: wishart(3, [[1, 0], [0, -1]]), ["Wishart2", "V22_", "> 0"]),
    (lambda: Wishart(0), ["Wishart", "k", "positive integer"]),
    (lambda: symkl.kl(Wishart(2)(), MultivariateNormal(2)()), ["Wishart2",
                                                              "MultivariateNormal2"]),
])
def test_bad_input_is_a_clear_value_error(make, words):
    """Bad input names the family, the parameter and the constraint."""
    with pytest.raises(ValueError) as info:
        make()
    for w in words:
        assert w in str(info.value)
