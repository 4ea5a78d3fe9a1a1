"""lambdify(): numpy+scipy and mpmath backends, argument order, keywords, broadcasting."""
import mpmath
import numpy as np
import pytest
import scipy.stats

import symkl
from symkl.families import Beta, Gamma, Normal, Poisson


def test_numpy_function_matches_the_textbook_formula_and_broadcasts():
    """The numpy function equals a hand-written formula over broadcast arrays."""
    f = symkl.kl(Normal(), Normal()).lambdify()
    rng = np.random.default_rng(0)
    m1, m2 = rng.normal(size=(2, 1000))
    s1, s2 = rng.uniform(0.1, 3, size=(2, 1000))
    hand = np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    np.testing.assert_allclose(f(m1, s1, m2, s2), hand, rtol=1e-12)
    assert f(m1[:, None], s1[:, None], m2[None, :5], s2[None, :5]).shape == (1000, 5)


def test_keywords_and_positional_arguments_agree():
    """Arguments may be given in r.params order or by name."""
    r = symkl.kl(Normal(), Normal())
    f = r.lambdify()
    assert f(0, 1, 1, 1) == pytest.approx(0.5)
    assert f(mu1=0, sigma1=1, mu2=1, sigma2=1) == pytest.approx(0.5)
    with pytest.raises(TypeError, match="unknown parameters"):
        f(mu=0, sigma1=1, mu2=1, sigma2=1)


@pytest.mark.parametrize("family", [Gamma, Beta], ids=lambda f: f.name)
def test_special_functions_map_to_scipy_and_agree_with_mpmath(family):
    """digamma/loggamma map to scipy.special; numpy and mpmath backends agree to 1e-12."""
    r = symkl.kl(family(), family())
    f, g = r.lambdify("numpy"), r.lambdify("mpmath")
    args = (2.5, 1.5, 0.7, 3.0)
    with mpmath.workdps(30):
        assert f(*args) == pytest.approx(float(g(*args)), rel=1e-12)


def test_unknown_backend_lists_the_known_ones():
    """An unknown backend name is an error listing numpy and mpmath."""
    with pytest.raises(ValueError, match="numpy, mpmath"):
        symkl.kl(Normal(), Normal()).lambdify("fortran")


def test_series_results_need_the_mpmath_backend():
    """The Poisson entropy keeps a series: numpy refuses clearly, mpmath evaluates it."""
    r = symkl.entropy(Poisson())
    with pytest.raises(ValueError, match="series"):
        r.lambdify("numpy")
    value = r.lambdify("mpmath")(3)
    assert float(value) == pytest.approx(float(scipy.stats.poisson(3).entropy()), rel=1e-12)


def test_gradient_matches_finite_differences_and_vanishes_at_p_equal_q():
    """The symbolic gradient agrees with central differences, and is zero in Q's parameters
    when Q = P (KL is minimal there)."""
    r = symkl.kl(Gamma(), Gamma())
    f, g = r.lambdify(), r.lambdify(of="gradient")
    point = np.array([2.5, 1.5, 0.7, 3.0])
    h = 1e-6
    numeric = [(f(*(point + h * e)) - f(*(point - h * e))) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(np.ravel(g(*point)), numeric, rtol=1e-6)
    at_equal = np.ravel(g(2.5, 1.5, 2.5, 1.5))
    np.testing.assert_allclose(at_equal, 0, atol=1e-12)


def test_hessian_is_symmetric_and_positive_at_p_equal_q():
    """At P = Q the Hessian in Q's parameters is the Fisher information: symmetric, PSD."""
    r = symkl.kl(Normal(), Normal())
    hess = np.asarray(r.lambdify(of="hessian")(0.3, 1.2, 0.3, 1.2), dtype=float)
    np.testing.assert_allclose(hess, hess.T)
    q_block = hess[2:, 2:]
    assert np.all(np.linalg.eigvalsh(q_block) > 0)
    np.testing.assert_allclose(q_block, np.diag([1 / 1.2**2, 2 / 1.2**2]), rtol=1e-12)
