"""lambdify(): numpy+scipy and mpmath backends, argument order, keywords, broadcasting."""
import mpmath
import numpy as np
import pytest
import scipy.stats
import sympy as sp

import symkl
from symkl.families import Bernoulli, Beta, Exponential, Gamma, HalfCauchy, Laplace, Normal, Poisson


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
    """An unknown backend name is an error listing the known ones."""
    with pytest.raises(ValueError, match="numpy, mpmath, torch, jax"):
        symkl.kl(Normal(), Normal()).lambdify("fortran")


def test_a_result_without_parameters_is_a_constant_on_every_backend():
    """KL(HalfNormal(1) || HalfCauchy(1)) holds 2F2(1, 1; 3/2, 2; 1/2), which scipy lacks:
    numpy refused it (and a constant with erfcx crashed the printer); a value without
    parameters is now evaluated once at 30 digits and equals the quadrature of the definition."""
    from symkl.families import HalfNormal
    r = symkl.kl(HalfNormal(1), HalfCauchy(1))
    assert not r.params and r.expr.has(sp.hyper)
    truth = float(r.verify().checks[0].reference)
    assert r.lambdify()() == pytest.approx(truth, rel=1e-15)
    torch = pytest.importorskip("torch")
    assert float(r.lambdify("torch")()) == pytest.approx(truth, rel=1e-15)
    assert isinstance(r.lambdify("torch")(), torch.Tensor)


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


# --- torch, jax, dtypes, validation -------------------------------------------------------------

def test_unknown_dtype_and_mpmath_dtype_are_errors():
    """dtype must be float64 or float32, and mpmath has none (it works at mp.dps)."""
    r = symkl.kl(Normal(), Normal())
    with pytest.raises(ValueError, match="float64, float32"):
        r.lambdify(dtype="float16")
    with pytest.raises(ValueError, match="mpmath backend has no dtype"):
        r.lambdify("mpmath", dtype="float32")
    with pytest.raises(ValueError, match="numpy, mpmath, torch, jax"):
        r.lambdify("tensorflow")


def test_numpy_float32_returns_float32_within_single_precision():
    """dtype='float32' computes in float32 and agrees with float64 to ~1e-6."""
    r = symkl.kl(Gamma(), Gamma())
    args = (2.5, 1.5, 0.7, 3.0)
    v32, v64 = r.lambdify(dtype="float32")(*args), r.lambdify()(*args)
    assert v32.dtype == np.float32
    assert float(v32) == pytest.approx(float(v64), rel=1e-5)


def test_validate_raises_outside_the_domain_and_nan_otherwise():
    """validate=True names the parameter and the bad value; without it the result is NaN."""
    r = symkl.kl(Normal(), Normal())
    with pytest.raises(ValueError, match=r"sigma2 must be > 0, got -2.0 \(1 value"):
        r.lambdify(validate=True)(0, 1, 0, np.array([1.0, -2.0]))
    assert np.isnan(r.lambdify()(0, 1, 0, -2.0))
    with pytest.raises(ValueError, match="p1 must be in the open interval"):
        symkl.kl(Bernoulli(), Bernoulli()).lambdify(validate=True)(1.5, 0.5)
    assert r.lambdify(validate=True)(0, 1, 0, 1) == 0


def test_arrays_that_do_not_broadcast_raise_numpy_error():
    """Shapes (3,) and (4,) are refused by numpy, not silently reshaped."""
    with pytest.raises(ValueError, match="broadcast"):
        symkl.kl(Normal(), Normal()).lambdify()(np.zeros(3), 1.0, np.zeros(4), 1.0)


def test_large_arrays_are_evaluated_in_blocks_with_the_same_values():
    """A 50000-element call (evaluated in blocks) equals element-wise scalar calls."""
    f = symkl.kl(Normal(), Normal()).lambdify()
    rng = np.random.default_rng(1)
    m1, m2 = rng.normal(size=(2, 50000))
    s1 = rng.uniform(0.5, 2, size=50000)
    s2 = s1 * (1 + rng.choice([1e-9, 0.5], size=50000))
    values = f(m1, s1, m2, s2)
    for i in (0, 1, 49999):
        assert values[i] == f(m1[i], s1[i], m2[i], s2[i])


def test_backend_lacking_a_special_function_names_it():
    """torch has no exponential integral: refused when the function is made, naming it."""
    pytest.importorskip("torch")
    from symkl.backends import lambdify
    x = sp.Symbol("x", positive=True)
    with pytest.raises(ValueError, match="torch backend lacks expi"):
        lambdify(sp.Ei(x) + sp.log(x), (x,), "torch")


@pytest.mark.parametrize("family, args", [(Normal, (0.1, 1.2, 0.3, 0.9)),
                                          (Gamma, (2.0, 3.0, 1.5, 0.5)),
                                          (Beta, (2.0, 3.0, 1.5, 0.5)),
                                          (Bernoulli, (0.2, 0.7))],
                         ids=["Normal", "Gamma", "Beta", "Bernoulli"])
def test_torch_matches_mpmath_and_autograd_matches_the_symbolic_gradient(family, args):
    """torch float64: value within 1e-13 of 50-digit mpmath; autograd = r.gradient() (to 1e-8:
    torch's own trigamma, used by the digamma backward, is only good to ~4e-10)."""
    torch = pytest.importorskip("torch")
    r = symkl.kl(family(), family())
    x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in args]
    y = r.lambdify("torch")(*x)
    y.backward()
    g = r.lambdify("mpmath")
    with mpmath.workdps(50):
        truth = g(*[mpmath.mpf(v) for v in args])
    assert float(abs((mpmath.mpf(y.item()) - truth) / truth)) < 1e-13
    grads = np.array([v.grad.item() for v in x])
    np.testing.assert_allclose(grads, np.ravel(r.lambdify(of="gradient")(*args)), rtol=1e-8)


def test_torch_near_p_equal_q_broadcasting_and_float32():
    """torch keeps accuracy at a 1e-9 difference, broadcasts, and honours float32."""
    torch = pytest.importorskip("torch")
    r = symkl.kl(Normal(), Normal())
    f = r.lambdify("torch")
    m = torch.zeros(5, 1, dtype=torch.float64)
    out = f(m, 1.0, torch.full((1, 3), 1e-9, dtype=torch.float64), 1.0 + 1e-9)
    assert out.shape == (5, 3) and out.dtype == torch.float64
    assert float(out[0, 0]) == pytest.approx(1.5000001628140817e-18, rel=1e-12)
    assert f(0.0, 1.0, 1e-9, 1.0 + 1e-9).item() > 0
    assert r.lambdify("torch", dtype="float32")(0.0, 1.0, 1.0, 1.0).dtype == torch.float32


def test_torch_bernoulli_gradients_are_finite_at_zero_and_one():
    """pytorch#15288: with p = 0 or 1 the KL and all its autograd gradients are finite."""
    torch = pytest.importorskip("torch")
    f = symkl.kl(Bernoulli(), Bernoulli()).lambdify("torch")
    for p in (0.0, 1.0):
        x = [torch.tensor(p, dtype=torch.float64, requires_grad=True),
             torch.tensor(0.3, dtype=torch.float64, requires_grad=True)]
        y = f(*x)
        y.backward()
        expected = -np.log(0.7) if p == 0 else -np.log(0.3)
        assert y.item() == pytest.approx(expected, rel=1e-15)
        assert all(np.isfinite(v.grad.item()) for v in x)
        assert x[1].grad.item() == pytest.approx(1 / 0.7 if p == 0 else -1 / 0.3, rel=1e-14)


def test_torch_piecewise_gradient_is_finite_where_the_other_branch_overflows():
    """Exponential || Laplace at mu2 = -800: masked branches keep value and gradient finite."""
    torch = pytest.importorskip("torch")
    r = symkl.kl(Exponential(), Laplace())
    x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (1.0, -800.0, 2.0)]
    y = r.lambdify("torch")(*x)
    y.backward()
    assert np.isfinite(y.item()) and all(np.isfinite(v.grad.item()) for v in x)
    assert y.item() == pytest.approx(float(r.lambdify()(1.0, -800.0, 2.0)), rel=1e-15)


def test_jax_matches_numpy_near_p_equal_q_with_finite_gradients():
    """jax float64 equals numpy's stable value; jax.grad is finite for Bernoulli at p = 0 and
    equals the symbolic gradient for Gamma (skipped when jax is not installed)."""
    jax = pytest.importorskip("jax")
    r = symkl.kl(Normal(), Normal())
    args = (0.0, 1.0, 1e-9, 1.0 + 1e-9)
    assert float(r.lambdify("jax")(*args)) == pytest.approx(1.5000001628140817e-18, rel=1e-12)
    bern = symkl.kl(Bernoulli(), Bernoulli()).lambdify("jax")
    grads = jax.grad(lambda p, q: bern(p, q), argnums=(0, 1))(0.0, 0.3)
    assert all(np.isfinite(float(g)) for g in grads)
    assert float(grads[1]) == pytest.approx(1 / 0.7, rel=1e-14)
    gam = symkl.kl(Gamma(), Gamma())
    f, point = gam.lambdify("jax"), (2.0, 3.0, 1.5, 0.5)
    auto = jax.grad(lambda *x: f(*x), argnums=(0, 1, 2, 3))(*point)
    np.testing.assert_allclose([float(g) for g in auto],
                               np.ravel(gam.lambdify(of="gradient")(*point)), rtol=1e-12)
    assert gam.lambdify("jax", dtype="float32")(*point).dtype == np.float32


def test_a_meijer_g_result_is_refused_by_numpy_by_name_and_evaluated_by_mpmath():
    """Exponential || HalfCauchy comes out with a Meijer G: numpy has none, and says so at
    lambdify time; the mpmath backend evaluates it and agrees with quadrature."""
    r = symkl.kl(Exponential(), HalfCauchy(), budget=10)
    assert r.expr.has(sp.meijerg)
    with pytest.raises(ValueError, match="numpy backend lacks meijerg.*backend='mpmath'"):
        r.lambdify()
    lam, g = 1.5, 2.0
    value = r.lambdify("mpmath")(lam, g)
    with mpmath.workdps(30):
        def integrand(x):
            p = lam * mpmath.exp(-lam * x)
            return p * (mpmath.log(p) - mpmath.log(2 / (mpmath.pi * g * (1 + (x / g) ** 2))))
        truth = mpmath.quad(integrand, [0, 1, mpmath.inf])
    assert abs(value - truth) < 1e-12 * abs(truth)


def test_a_hypergeometric_order_scipy_lacks_is_refused_at_lambdify_time():
    """Levy || Levy with different locations holds a 2F2: numpy refuses it when asked for the
    function (naming 2F2), not at the first call; mpmath evaluates it; erfi maps to scipy."""
    import scipy.special as sc

    from symkl.backends import lambdify as backend_lambdify
    from symkl.families import Levy
    r = symkl.kl(Levy(), Levy())
    assert r.expr.has(sp.hyper)
    with pytest.raises(ValueError, match="2F2"):
        r.lambdify()
    x = sp.Symbol("x", positive=True)
    f = backend_lambdify(sp.erfi(x) + x, (x,))
    assert abs(float(f(0.5)) - (sc.erfi(0.5) + 0.5)) < 1e-15
