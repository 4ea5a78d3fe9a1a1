"""Stable code generation: accuracy near P = Q, boundary values, masked branches (vs mpmath)."""
import functools

import mpmath
import numpy as np
import pytest
import sympy as sp

import symkl
from symkl.families import Bernoulli, Beta, Cauchy, Exponential, Gamma, Laplace, Normal, Poisson
from symkl.remainder import taylor_remainder
from symkl.stable import stable_form


def exact(r, *args):
    """The closed form at 50 digits on the same float inputs."""
    g = r.lambdify("mpmath")
    with mpmath.workdps(50):
        return g(*[mpmath.mpf(float(a)) for a in args])


def rel(value, truth):
    return float(abs((mpmath.mpf(float(value)) - truth) / truth))


@pytest.mark.parametrize("step", [1e-3, 1e-6, 1e-9, 1e-12])
def test_normal_kl_keeps_twelve_digits_when_p_and_q_nearly_coincide(step):
    """Mean and scale both differing by `step`: the generated function keeps 1e-12 relative
    accuracy while the textbook spelling loses everything at 1e-9."""
    r = symkl.kl(Normal(), Normal())
    args = (0.3, 1.7, 0.3 + step, 1.7 * (1 + step))
    truth = exact(r, *args)
    assert rel(r.lambdify()(*args), truth) < 1e-12
    m1, s1, m2, s2 = args
    naive = np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    if step <= 1e-9:
        assert rel(naive, truth) > 1e-2


@pytest.mark.parametrize("family, p, q", [
    (Gamma, (3.5, 2.0), (3.5 * (1 + 1e-10), 2.0 * (1 - 1e-10))),
    (Beta, (0.7, 4.0), (0.7 * (1 + 1e-11), 4.0)),
    (Poisson, (250.0,), (250.0 * (1 + 1e-12),)),
    (Bernoulli, (0.3,), (0.3 - 1e-13,)),
    (Laplace, (1.0, 2.0), (1.0 + 1e-9, 2.0 * (1 + 1e-9))),
    (Cauchy, (0.0, 1.0), (1e-8, 1.0 + 1e-8)),
    (Exponential, (1e-3,), (1e-3 * (1 + 1e-12),)),
], ids=lambda v: getattr(v, "name", ""))
def test_every_same_family_kl_is_accurate_near_p_equal_q(family, p, q):
    """Same-family KLs at parameter differences of 1e-8..1e-13 match 50-digit mpmath to 1e-12."""
    r = symkl.kl(family(), family())
    truth = exact(r, *p, *q)
    assert truth > 0
    assert rel(r.lambdify()(*p, *q), truth) < 1e-12


@pytest.mark.parametrize("family, args", [
    # Gamma near P = Q at large shape, mean kept: psi1(a) h0^2 cancels a h1^2/b^2 - 2 h0 h1/b
    (Gamma, (148699.8550169011, 11.554686361382016, 148699.8550169011 * (1 + 1e-9),
             11.554686361382016 * (1 + 1e-9))),
    (Gamma, (6252.839729574281, 397759.7363085988, 6.503859445858862, 1.0860671916553362)),
    # Beta with shapes up to 1e6: loggamma terms of 1e7 cancel to a KL of order 1 to 100
    (Beta, (346548.17103641055, 26069.92882257503, 115.22844298417655, 4.539609199256248)),
    (Beta, (11.364973520670972, 447652.0430588123, 19.499878554075977, 719413.0143450955)),
    (Beta, (840.552768329041, 32.80852977460895, 924.6080451619451, 29.527676797148054)),
    (Beta, (50.0, 400.0, 50.0 * (1 + 1e-10), 400.0 * (1 + 1e-10))),
    # Bernoulli with p near 1: p/q rounds to 1 +- eps, and 1 - p(t) rounds on the segment
    (Bernoulli, (0.9999999999968707, 0.9999999996933054)),
    (Bernoulli, (0.9999999999989462, 0.9999999999990515)),
    (Bernoulli, (0.9999999985432267, 0.9999999999679228)),
    # near the switch to the remainder: its rule must certify itself, the direct sum must hold
    (Exponential, (1.0103471220847957, 1.0258107140938564)),
    (Bernoulli, (7.369531289921858e-12, 0.0001350986659962292)),
], ids=lambda v: getattr(v, "name", ""))
def test_hard_points_keep_twelve_digits(family, args):
    """Points from bench/accuracy.py where the generated code lost 3 to 11 digits before the
    trigamma split, the graded remainder and the end-relative evaluation (1e-12 vs 50 digits)."""
    r = symkl.kl(family(), family())
    assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


@pytest.mark.parametrize("P, Q, args", [
    (Beta, Exponential, (4.5e5, 2.0e5, 1.3)),
    (Beta, Normal, (3.0e5, 7.0e5, 0.3, 0.01)),
    (Gamma, Exponential, (2.0e5, 1.5, 1e-5)),
], ids=lambda v: getattr(v, "name", ""))
def test_large_shapes_across_families_keep_twelve_digits(P, Q, args):
    """No remainder across families: loggamma and digamma are split into Stirling leading
    parts (x log x cancels symbolically) and small tails; 1e-12 of 50-digit mpmath."""
    r = symkl.kl(P(), Q())
    assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def test_bernoulli_zero_zero_is_the_limit_zero_not_nan():
    """0 log(0/0) is 0: KL(Bernoulli(0) || Bernoulli(0)) = KL(1 || 1) = 0, also in arrays."""
    f = symkl.kl(Bernoulli(), Bernoulli()).lambdify()
    assert float(f(0.0, 0.0)) == 0.0 and float(f(1.0, 1.0)) == 0.0
    p = np.array([0.0, 1.0, 0.0, 0.5] * 20000)
    q = np.array([0.0, 1.0, 0.5, 0.5] * 20000)
    np.testing.assert_allclose(f(p, q)[:4], [0.0, 0.0, np.log(2.0), 0.0], rtol=1e-15)
    assert np.isnan(f(-0.5, 0.3))  # outside the domain stays NaN


def test_far_points_where_the_remainder_is_unreliable_keep_the_direct_sum():
    """A far Gamma pair with large cancelling terms (remainder path crosses a steep region)
    is still accurate: the embedded error estimate rejects the quadrature there."""
    r = symkl.kl(Gamma(), Gamma())
    args = (478.51837566742785, 63.47763724907446, 0.0053664449795961505, 0.1784789469428628)
    assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def test_bernoulli_at_zero_and_one_is_finite_with_the_right_limit():
    """0 log 0 = 0: KL(Bernoulli(0) || Bernoulli(q)) = -log(1 - q) and at p = 1, -log q."""
    f = symkl.kl(Bernoulli(), Bernoulli()).lambdify()
    q = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(f(0.0, q), -np.log1p(-q), rtol=1e-15)
    np.testing.assert_allclose(f(1.0, q), -np.log(q), rtol=1e-15)


def test_piecewise_branches_never_evaluate_where_invalid():
    """Exponential || Laplace: the mu2 > 0 branch holds exp(-lam1 mu2), which overflows for
    mu2 << 0; masked evaluation gives the other branch's exact value, with no warning."""
    r = symkl.kl(Exponential(), Laplace())
    f = r.lambdify()
    lam, mu, b = np.array([1.0, 1.0, 2.0]), np.array([-800.0, 3.0, 1e-3]), np.array([2.0] * 3)
    with np.errstate(all="raise"):
        values = f(lam, mu, b)
    for v, args in zip(values, zip(lam, mu, b)):
        assert rel(v, exact(r, *args)) < 1e-13


def test_stable_form_is_the_same_function():
    """The rewrites (xlogy, log1p, betaln, expm1) do not change the value."""
    x, y = sp.symbols("x y", positive=True)
    expr = (x * sp.log(x / y) + (1 - x) * sp.log((1 - x) / (1 - y)) + sp.exp(y) - 1
            + sp.loggamma(x) + sp.loggamma(y) - sp.loggamma(x + y))
    form = stable_form(expr)
    names = {type(f).__name__ for f in form.atoms(sp.Function)}
    assert {"xlogy", "xlog1py", "betaln", "expm1"} <= names
    point = {x: sp.Rational(3, 10), y: sp.Rational(7, 10)}
    unfolded = form.replace(lambda e: type(e).__name__ == "betaln",
                            lambda e: sp.loggamma(e.args[0]) + sp.loggamma(e.args[1])
                            - sp.loggamma(e.args[0] + e.args[1]))
    unfolded = unfolded.replace(lambda e: type(e).__name__ in ("xlogy", "xlog1py", "expm1"),
                                lambda e: {"xlogy": lambda a, b: a * sp.log(b),
                                           "xlog1py": lambda a, b: a * sp.log(1 + b),
                                           "expm1": lambda a: sp.exp(a) - 1}[
                                    type(e).__name__](*e.args))
    assert abs(sp.N((unfolded - expr).subs(point), 30)) < 1e-25


def test_remainder_quadratic_form_is_the_fisher_information_at_p_equal_q():
    """The Hessian form at Q = P is the Fisher information: h^2 / lam^2 for Exponential."""
    rem = taylor_remainder(symkl.kl(Exponential(), Exponential()))
    lam1 = sp.Symbol("lam1", positive=True)
    assert sp.simplify(rem.quadratic_form.subs(sp.Symbol("lam2", positive=True), lam1)
                       - rem.steps[0] ** 2 / lam1**2) == 0
    assert taylor_remainder(symkl.kl(Exponential(), Gamma())) is None


def test_continuous_bernoulli_kl_compiles_and_matches_mpmath_away_from_one_half():
    """poles_of met log(1 - lam2) as a factor and sympy.Poly raised KeyError inside lambdify();
    the generated function now exists and agrees with 50-digit mpmath (lam = 1/2 itself is a
    removable singularity the generated code does not handle yet)."""
    import mpmath
    import numpy as np

    import symkl
    from symkl.families import ContinuousBernoulli
    r = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli(), budget=10)
    f, exact = r.lambdify(), r.lambdify("mpmath")
    for a, b in [(0.3, 0.7), (0.9, 0.1), (0.01, 0.99), (0.2, 0.2000001)]:
        with mpmath.workdps(50):
            truth = exact(mpmath.mpf(a), mpmath.mpf(b))
        ours = float(f(np.array([a]), np.array([b]))[0])
        assert abs(ours - truth) <= 1e-12 * abs(truth)


@pytest.mark.parametrize("args", [
    # P = Q up to 1e-9 .. 1e-12 relative: r - 1 - log r (r = alpha2/alpha1) cancels to nothing
    (2.0, 3.0, 2.0, 3.0 * (1 + 1e-9)),
    (2.0, 3.0, 2.0, 3.0 * (1 - 1e-12)),
    (2.0, 3.0, 2.0 * (1 - 1e-9), 3.0 * (1 + 1e-6)),
    (0.5, 250.0, 0.5 * (1 - 1e-12), 250.0 * (1 + 1e-6)),
    (23.40955692397315, 1.690027064392192, 23.386147367049176, 1.6883370373277997),
])
def test_pareto_kl_near_p_equal_q_keeps_twelve_digits(args):
    """Pareto's KL is Piecewise (finite for x_m1 >= x_m2) and its gradient at Q = P does not
    vanish (the support edge): the remainder is the branch's linear term plus the Hessian
    integral.  The direct form lost 5 digits (bench/accuracy.py: 1.9e-2 near P = Q)."""
    from symkl.families import Pareto
    r = symkl.kl(Pareto(), Pareto())
    truth = exact(r, *args)
    assert truth > 0
    assert rel(r.lambdify()(*args), truth) < 1e-12
    xm1, a1, xm2, a2 = args
    naive = a2 * np.log(xm1 / xm2) + np.log(a1 / a2) - 1 + a2 / a1
    if xm1 == xm2:
        assert rel(naive, truth) > 1e-3
    values = r.lambdify()(*[np.array([v, v]) for v in args])  # the masked array path too
    assert all(rel(v, truth) < 1e-12 for v in values)


@pytest.mark.parametrize("args", [
    (0.5, 1e3, 0.5 - 1e-12, 1e3 + 1e-9),
    (-8.085086029986924, -0.3600340293741162, -8.086086029986923, -0.3590340293741162),
    (1.0, 2.0, 1.0 - 1e-13, 2.0),
])
def test_uniform_kl_takes_the_parameter_differences_first(args):
    """log((b2 - a2)/(b1 - a1)) near ratio 1 is log1p(((b2 - b1) - (a2 - a1))/(b1 - a1)) with
    each difference exact (Sterbenz); the log of the rounded ratio (the code generated before)
    lost 3 to 12 digits."""
    from symkl.families import Uniform
    r = symkl.kl(Uniform(), Uniform())
    truth = exact(r, *args)
    assert rel(r.lambdify()(*args), truth) < 1e-14
    a1, b1, a2, b2 = args
    assert rel(np.log((b2 - a2) / (b1 - a1)), truth) > 1e-13


@pytest.mark.parametrize("P, Q, args", [
    # Gamma(1 + k2/k1) = Gamma(201) overflows while (lam1/lam2)^k2 = 1e-200: KL ~ 7.9e174
    ("Weibull", "Weibull", (1.0, 1.0, 200.0, 10.0)),
    # far apart at large shapes: the direct sum overflowed to NaN, the remainder must not win
    ("Weibull", "Weibull", (17018.94038930571, 4.891997286823974, 598.1564038787368,
                            20172.14708275398)),
    # near P = Q at large shape: lam^k overflows, the Hessian form must be spelled with logs
    ("Weibull", "Weibull", (1993.2668146263038, 25963.599590036298, 1993.2668146243107,
                            25963.599590010333)),
    ("Weibull", "Weibull", (336973.28858047567, 34.351289435425606, 336973.28891744895,
                            34.3512894697769)),
    ("Weibull", "Weibull", (40358.57115511256, 311.17054258434956, 40398.92972626766,
                            310.8593720417652)),
    # Gamma(b1 + 1) / Gamma(b1 + 1 + 2/a1) at b1 ~ 5e5: inf / inf, and the loggamma
    # difference must cancel symbolically (Stirling) inside the exponent
    ("Kumaraswamy", "Chi", (79.38083636415321, 468084.42872709, 4.829550723337058)),
    ("Kumaraswamy", "Weibull", (2.0, 3.0e5, 3.0, 0.7)),
    ("Chi", "Weibull", (121831.38143875328, 5.6766051054930395, 27.08495643482196)),
    ("Gumbel", "Gumbel", (0.0, 1.0, 0.5, 2.0)),
])
def test_overflowing_gamma_and_power_factors_give_the_finite_kl(P, Q, args):
    """Products of Gamma functions and powers that overflow factor by factor where the KL is
    finite (the generated code gave inf or NaN): exp of the sum of the logs, on those
    elements; 1e-12 of 50-digit mpmath."""
    from symkl.families import BY_NAME
    r = symkl.kl(BY_NAME[P.lower()](), BY_NAME[Q.lower()]())
    truth = exact(r, *args)
    assert mpmath.isfinite(truth) and abs(truth) < 1e300
    value = r.lambdify()(*args)
    assert np.isfinite(value) and rel(value, truth) < 1e-12


@pytest.mark.parametrize("P, Q, args", [
    ("InverseGamma", "Exponential", (915809.2714619909, 138.2351026940074, 28.159921137990803)),
    ("InverseGamma", "Normal", (243446.86176861267, 4989.267120064042, 3.0193595431179343,
                                321.57739414929756)),
    ("InverseGamma", "Gamma", (3.0e5, 2.0e3, 1.5, 0.01)),
    ("Gamma", "InverseGamma", (3.0e5, 2.0e3, 1.5, 0.01)),
    ("Binomial", "Binomial", (37.0, 0.9999999999964778, 0.9999999999982331)),
    ("NegativeBinomial", "NegativeBinomial", (8.326987735794727, 0.9999999968234894,
                                              0.9999999999660341)),
])
def test_cancellations_in_piecewise_and_shared_parameter_kls(P, Q, args):
    """InverseGamma cross pairs are Piecewise: the Stirling split of loggamma - (a + 1)
    digamma(a) now applies per branch (2.7e-11 before); Binomial shares n, so the remainder
    moves p only (4.6e-12 before); NegativeBinomial's r/p1 - r is r (1 - p1)/p1 (5.9e-9)."""
    from symkl.families import BY_NAME
    r = symkl.kl(BY_NAME[P.lower()](), BY_NAME[Q.lower()]())
    assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def _continuous_bernoulli_truth(r, a, b):
    """The closed form at 120 digits, a removable 0/0 at 1/2 stepped over by 1e-25."""
    g = r.lambdify("mpmath")
    with mpmath.workdps(120):
        a, b = (mpmath.mpf(v) + (mpmath.mpf("1e-25") if v == 0.5 else 0) for v in (a, b))
        return g(a, b)


@pytest.mark.parametrize("args", [
    (0.5, 0.25), (0.25, 0.5), (0.5, 0.9), (0.5 + 1e-7, 0.3), (0.3, 0.5 - 1e-9),
    (0.5 - 3e-3, 0.8), (0.46, 0.9), (0.9, 0.54), (0.5 + 0.049, 0.1), (0.5 + 0.051, 0.1),
])
def test_continuous_bernoulli_at_and_near_one_half(args):
    """ContinuousBernoulli's normaliser holds log(lam/(1 - lam))/(2 lam - 1): 0/0 at 1/2.
    The generated code gave NaN there and lost 4 digits near it; the Taylor series (derived
    by SymPy) is switched in within 0.05 of 1/2, on those elements only."""
    from symkl.families import ContinuousBernoulli
    r = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli(), budget=10)
    f = r.lambdify()
    truth = _continuous_bernoulli_truth(r, *args)
    assert rel(f(*args), truth) < 1e-12
    values = f(np.array([args[0], 0.3]), np.array([args[1], 0.7]))  # arrays, mixed
    assert rel(values[0], truth) < 1e-12
    assert float(f(0.5, 0.5)) == 0.0


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_continuous_bernoulli_at_one_half_on_autograd_backends(backend):
    """torch and jax gave NaN for every element of an array holding lam = 1/2 (the series
    was numpy-only), and NaN gradients at P = Q = 1/2 (the unused remainder's 0/0 reached the
    gradient through where). Values equal 120-digit mpmath; gradients are finite and equal
    the numpy function's central differences."""
    pytest.importorskip(backend)
    from symkl.families import ContinuousBernoulli
    r = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli(), budget=10)
    a = [0.5, 0.5, 0.3, 0.9, 0.5 + 1e-7, 0.46]
    b = [0.5, 0.25, 0.5, 0.1, 0.3, 0.54]
    if backend == "torch":
        import torch
        ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
        value = r.lambdify("torch")(ta, tb)
        value.sum().backward()
        values, grads = value.detach().numpy(), (ta.grad.numpy(), tb.grad.numpy())
    else:
        import jax
        import jax.numpy as jnp
        f = r.lambdify("jax")
        values = np.asarray(f(jnp.array(a), jnp.array(b)))
        grads = [np.asarray(g) for g in jax.grad(lambda x, y: f(x, y).sum(), argnums=(0, 1))(
            jnp.array(a), jnp.array(b))]
    for k, (x, y) in enumerate(zip(a, b)):
        truth = _continuous_bernoulli_truth(r, x, y)
        assert abs(values[k] - float(truth)) <= 1e-12 * abs(float(truth)) + 1e-60  # 1e-25 shift
    g = r.lambdify()
    step = 1e-6
    for i, grad in enumerate(grads):
        assert np.all(np.isfinite(grad))
        up, down = [np.array(a), np.array(b)], [np.array(a), np.array(b)]
        up[i] = up[i] + step
        down[i] = down[i] - step
        assert np.allclose(grad, (g(*up) - g(*down)) / (2 * step), rtol=1e-5, atol=1e-8)


def test_pareto_weibull_power_ratio_over_an_unfactored_sum():
    """x_m1^k2 / (alpha1 lam2^k2 - k2 lam2^k2): lam2^k2 underflows to 0 and x_m1^k2 overflows
    (0/0, NaN) where the KL is 5e91; the sum is factored before the exp-of-logs spelling."""
    from symkl.families import Pareto, Weibull
    r = symkl.kl(Pareto(), Weibull())
    args = (0.02004985604687736, 729.1330636652472, 484.3806897416058, 0.012994282929443341)
    assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def test_uniform_gumbel_exponentials_combined_before_they_overflow():
    """beta2 (exp(a1/beta2) - exp(b1/beta2)) exp(-a1/beta2) exp(-b1/beta2) exp(mu2/beta2) at
    beta2 = 0.0016: each exponential overflows (inf - inf) where the KL is 3.5e48; the sum is
    distributed and each product's exponents added (torch: 3e-15, the generated code: inf)."""
    from symkl.families import Gumbel, Uniform
    r = symkl.kl(Uniform(), Gumbel())
    args = (-1.9900637819130669, 0.8538156172187712, -0.09229493489328, 0.01622704017616364)
    assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def test_logistic_laplace_log_of_a_sum_of_exponentials_is_a_logsumexp():
    """2 s1 log(exp(mu1/s1) + exp(mu2/s1)) / b2 at s1 = 0.0014: exp(2500) is inf; the largest
    exponent taken out of the sum was multiplied back inside the log (inf again); it now
    comes out as a sum. 6 of 50 wide-regime points of bench/accuracy.py were inf."""
    from symkl.families import Logistic
    r = symkl.kl(Logistic(), Laplace())
    for args in [(3.6117826512451305, 0.0014460415366326755, 2.6999981982291654,
                  4.345407469234629),
                 (-9.272159247770285, 0.0013484009788872669, 9.220625604792222,
                  0.012877502663657774)]:
        assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def test_gamma_laplace_incomplete_gammas_are_regularized():
    """mu2 lowergamma(alpha1, beta1 mu2) / Gamma(alpha1) is inf/inf in float64 from
    alpha1 ~ 171: the generated code spells lowergamma(a, x) as P(a, x) Gamma(a) (scipy's
    gammainc) and the Gammas cancel; the wide and large regimes of bench/accuracy.py were inf."""
    from symkl.families import Gamma
    r = symkl.kl(Gamma(), Laplace(), budget=20)
    for args in [(500.0, 2.0, 100.0, 3.0), (3.5, 0.25, 7.0, 0.5), (250.0, 0.1, -4.0, 20.0)]:
        assert rel(r.lambdify()(*args), exact(r, *args)) < 1e-12


def test_von_mises_kl_at_large_concentrations_uses_scaled_bessel_functions():
    """I_0(kappa) overflows float64 beyond kappa ~ 713: the generated code spells I_n(x) as
    exp(x) ive(n, x), so KL(vM(0.3, 1000) || vM(0.4, 1100)) is finite and matches 50-digit
    mpmath, also near P = Q (remainder path) at kappa = 800; a log-ratio of Bessel functions
    becomes kappa2 - kappa1 + log ive - log ive."""
    import mpmath

    from symkl.families import VonMises
    r = symkl.kl(VonMises(), VonMises())
    f, exact = r.lambdify(), r.lambdify(backend="mpmath")
    with mpmath.workdps(50):
        for args in [(0.3, 1000.0, 0.4, 1100.0), (0.3, 800.0, 0.3 + 1e-6, 800.0 * (1 + 1e-6)),
                     (0.3, 5.0, 0.2, 6.0)]:
            truth = exact(*[mpmath.mpf(a) for a in args])
            assert abs(float(f(*args)) - truth) <= 1e-9 * abs(truth), args


@pytest.mark.parametrize("args", [
    (9.669287642420798, 0.012484549373378699, -3.657226870724621, 0.01609142047605523),
    (0.9066372841199399, 0.01663869244543383, 9.17417447320378, 0.0027758490824669503),
    (-9.965410755226298, 325359.1926296781, -6.628820569061206, 2.745490918777253),
    (-5.82613758059945, 829885.4060744566, -5.82613758059845, 829885.4060752866),
    (0.11591341599142524, 498913.18627406587, 0.11591341499142524, 498913.1857751527),
    (-1.8183624861220835, 68035.96465409563, -1.8183624861210834, 68035.9646540276),
    (0.3, 30.0, 0.3 + 1e-7, 30.0 * (1 + 1e-9)), (0.3, 0.4, 0.3 + 1e-7, 0.4 * (1 + 1e-9))])
def test_von_mises_kl_keeps_twelve_digits_at_small_and_large_concentrations(args):
    """Points of bench/accuracy.py's grid where the generated VonMises KL kept 9 to 11 digits:
    log I_0(k) = log ive(0, k) + k cancels to k^2/4 at small k, k I_1/I_0 - k - log ive(0, k)
    to log(2 pi k)/2 - 1/2 + O(1/k) at large k, and the remainder's Hessian entry
    1/2 + I_2/(2 I_0) - (I_1/I_0)^2 to 1/(2 k^2); each is now switched to its series
    (:mod:`symkl.end_series`) there.  1e-12 of 50-digit mpmath."""
    r, f = _von_mises()
    assert rel(f(*args), exact(r, *args)) < 1e-12


@functools.lru_cache(maxsize=1)
def _von_mises():
    from symkl.families import VonMises
    r = symkl.kl(VonMises(), VonMises())
    return r, r.lambdify()


def test_end_series_switches_a_cancelling_sum_to_its_derived_series():
    """log ive(0, k) + k (= log I_0(k)) near k = 0 and the VonMises Hessian entry near
    k = oo: the series is derived (not typed), agrees with 50-digit mpmath within its radius,
    and a sum that does not cancel is left alone."""
    from symkl.end_series import end_series
    from symkl.family import POSITIVE
    from symkl.special_forms import besselie
    k, h = sp.Symbol("k", positive=True), sp.Symbol("h", real=True)
    small = end_series(sp.log(besselie(0, k)) + k, {k: POSITIVE})
    large = end_series(h**2 / 2 + h**2 * besselie(2, k) / (2 * besselie(0, k))
                       - h**2 * besselie(1, k) ** 2 / besselie(0, k) ** 2, {k: POSITIVE})
    assert isinstance(small, sp.Piecewise) and large.has(sp.Piecewise)
    series_small = small.args[0].expr
    series_large = large.xreplace({h: 1}).args[0].expr
    with mpmath.workdps(50):
        for x in (1e-3, 0.1, 0.3):
            truth = mpmath.log(mpmath.besseli(0, x))
            assert abs(float(series_small.subs(k, x)) - truth) < 1e-15 * truth
        for x in (40.0, 1e3, 1e6):
            ratio = [mpmath.besseli(n, x) / mpmath.besseli(0, x) for n in (1, 2)]
            truth = mpmath.mpf(1) / 2 + ratio[1] / 2 - ratio[0] ** 2
            assert abs(float(series_large.subs(k, x)) - truth) < 1e-15 * truth
    assert end_series(sp.log(k) + k, {k: POSITIVE}) == sp.log(k) + k


def _naive(r, args):
    """The closed form as SymPy's own lambdify spells it in float64 (numpy and scipy)."""
    with np.errstate(all="ignore"):
        return float(sp.lambdify(r.params, r.expr, modules=["scipy", "numpy"])(
            *[np.float64(a) for a in args]))


def _pair(P, Q):
    from symkl.families import BY_NAME
    return symkl.kl(BY_NAME[P.lower()](), BY_NAME[Q.lower()](), budget=3)


@pytest.mark.parametrize("P, Q, args", [
    # Gamma((k - 1)/2) / Gamma(k/2) on the branch k > 1: inf / inf at k = 784
    ("Chi", "InverseGamma", (784.0317416106901, 0.006261499315923639, 56.797654386056834)),
    # beta1^k2 Gamma(alpha1 - k2) / (lam2^k2 Gamma(alpha1)) on the branch alpha1 > k2
    ("InverseGamma", "Weibull", (443.3194904457692, 0.22204577540776807, 2.6490614826700045,
                                 0.045197918960495444)),
    # a1^k2 / lam2^k2 and b1^k2 / lam2^k2 with a1 real (>= 0 on the branch): 0 * inf
    ("Uniform", "Weibull", (6.459694770639043, 6.8572241743129005, 963.1928554620722,
                            328.3312477513912)),
])
def test_gamma_and_power_factors_on_a_piecewise_branch_go_into_the_exponent(P, Q, args):
    """Gamma functions whose argument is positive only under the branch's condition, and
    powers of a real base, overflow factor by factor (NaN) where the KL is about 10: they
    are spelled as exp of a sum of logs under that condition; 1e-12 of 50-digit mpmath."""
    r = _pair(P, Q)
    truth = exact(r, *args)
    assert not np.isfinite(_naive(r, args))
    assert rel(r.lambdify()(*args), truth) < 1e-12


@pytest.mark.parametrize("P, Q, args, dps", [
    # x = sigma1 / (sqrt(2) beta2) = 7.1: 1 - erf(x) is 0 in float64, 1e-23 in fact
    ("HalfNormal", "Gumbel", (0.5, 3.0, 0.05), 50),
    # x = 8436: exp(w) is inf and erfc(x) 0; the KL is 3.1e32 (1 - erf(x) ~ 1e-30900000,
    # so the truth is the erfc spelling of the same closed form at 50 digits)
    ("HalfNormal", "Gumbel", (673.5974119450715, 4.767148087179223, 0.05646182197236903), 0),
    # x = 30.1: exp(w) is inf, 1 - erf(x) = 1e-395; the raw closed form needs 450 digits
    ("Rayleigh", "Gumbel", (9.049325243082896, -6.471331612242692, 0.21242439534573185), 450),
    # Rayleigh: exp(m) (1 - sqrt(pi) x erfcx(x)) with x = 21 and 1.0e5, about exp(m) / (2 x^2):
    # the difference from 1 kept 2 x^2 eps of its size (2.7e-6 at x = 1e5): erfcx_tail
    ("Rayleigh", "Gumbel", (6.0, 2.0, 0.2), 250),
    ("Rayleigh", "Gumbel", (322.6984166917281, 0.42813598648384676, 0.002275885115896263), 0),
])
def test_exp_times_one_minus_erf_is_spelled_with_erfcx(P, Q, args, dps):
    """exp(w) - exp(w) erf(x) (E_P[exp(-X/beta2)] of a half-normal or Rayleigh P) is
    exp(w - x^2) erfcx(x), and a - a sqrt(pi) x erfcx(x) is a erfcx_tail(x): float64 gave
    NaN (inf - inf) or lost every digit (1 - erf(x) rounds to 0); 1e-12 of mpmath at enough
    digits that 1 - erf(x) is not rounded away."""
    from symkl.program import mpmath_function
    from symkl.special_forms import erf_complement
    r = _pair(P, Q)
    if dps:  # the closed form as derived, at enough digits
        g = r.lambdify("mpmath")
        with mpmath.workdps(dps):
            truth = g(*[mpmath.mpf(float(a)) for a in args])
    else:
        g = mpmath_function(erf_complement(r.expr), r.params)
        with mpmath.workdps(50):
            truth = g(*[mpmath.mpf(float(a)) for a in args])
    naive = _naive(r, args)
    assert not np.isfinite(naive) or rel(naive, truth) > 1e-3
    assert rel(r.lambdify()(*args), truth) < 1e-12


@pytest.mark.parametrize("P, Q, args", [
    # exp(2 mu1 + 2 sigma1^2) = 1.5e310 over 2 sigma2^2 = 2e4: a KL of 9.3e305, not inf
    ("LogNormal", "Normal", (0.0, 18.9, 1.0, 100.0)),
    ("LogNormal", "Normal", (-3.0, 19.0, -2.0, 1e3)),
])
def test_sums_of_overflowing_exponentials_are_finite_where_the_kl_is(P, Q, args):
    """c1 exp(E1) + c2 exp(E2) with an exponential beyond float64 and a finite sum: spelled
    exp(M) (sign(c1) exp(E1 + log|c1| - M) + ...), M the largest exponent; 1e-12 of mpmath."""
    r = _pair(P, Q)
    truth = exact(r, *args)
    assert abs(truth) < mpmath.mpf(np.finfo(np.float64).max)
    assert not np.isfinite(_naive(r, args))
    assert rel(r.lambdify()(*args), truth) < 1e-12


@pytest.mark.parametrize("P, Q, args", [
    ("LogNormal", "Normal", (8.186916081355964, 42.44695042048943, 8.875563893061152,
                             207.7120536044054)),
    ("Uniform", "Gumbel", (-7.881648774984898, -7.742448391282435, -4.510286317309116,
                           0.0017407781828390004)),
    ("ContinuousBernoulli", "Gumbel", (2.2161491037878483e-07, 9.421502337606078,
                                       0.0021723019073603567)),
])
def test_a_kl_beyond_float64_is_inf_not_nan(P, Q, args):
    """Where the true KL exceeds 1.8e308 (1e839 to 1e1882 here), +inf is the correctly
    rounded float64 value; the direct spelling gave inf - inf = NaN."""
    r = _pair(P, Q)
    assert exact(r, *args) > mpmath.mpf(np.finfo(np.float64).max)
    assert np.isnan(_naive(r, args))
    assert r.lambdify()(*args) == np.inf


def test_difference_of_close_exponentials_is_spelled_with_expm1():
    """Uniform || Gumbel at beta2 = 4.7e5: exp(-a1/beta2) - exp(-b1/beta2) differ by 3.5e-6
    of their size, and the direct difference kept 5 digits fewer (2.2e-12 overall); as
    exp(-b1/beta2) expm1((b1 - a1)/beta2) the KL keeps 1e-15 of 50-digit mpmath."""
    r = _pair("Uniform", "Gumbel")
    args = (5.794003285397187, 7.437412810236793, -0.12105961985557023, 470041.88298072724)
    truth = exact(r, *args)
    assert rel(_naive(r, args), truth) > 1e-13
    assert rel(r.lambdify()(*args), truth) < 1e-15


@pytest.mark.parametrize("args, dps", [
    # v = 2.5, x = 2 sqrt(beta1/beta2) = 37: I_(-v)(x) - I_v(x) cancel to e^(-74) of their size
    ((2.5457977607577575, 838.0350790933705, -7.714970577887275, 2.457532755641971), 120),
    # v = 381: K_v(x), Gamma(v), Gamma(1 - v), I_v(x) all beyond float64
    ((381.0107118139452, 0.16319459840335745, -9.437882552750631, 0.00363036328296925), 120),
    # v = 18.6, exp(mu2/beta2) = exp(988) with K_v(x)/Gamma(v) (x/2)^v = e^-430: KL 7e246
    ((18.61971250842466, 398.44340886638594, 6.702649081513936, 0.006784480596504506), 500),
    # v = 14.2, x = 1697: the I's are 1e735; 700 digits of the derived form still give 5.1
    ((14.238901675177798, 819146.2123295506, -2.0780913573047037, 1.1381123838676732), 1600),
])
def test_difference_of_bessel_i_is_spelled_with_bessel_k(args, dps):
    """InverseGamma || Gumbel holds Gamma(1 - v) (I_(-v)(x) - I_v(x)) = 2 K_v(x) / Gamma(v),
    then spelled exp(besselk_gamma_log(v, x)) (x/2)^(-v) / 2 (Debye and Stirling expansions
    combined for v >= 20): float64 gave NaN, inf, or (the I's cancelling) a wrong finite
    value; 1e-12 of mpmath at enough digits for the derived form's own cancellation."""
    r = _pair("InverseGamma", "Gumbel")
    g = r.lambdify("mpmath")
    with mpmath.workdps(dps):
        truth = g(*[mpmath.mpf(float(a)) for a in args])
    assert truth > 0
    naive = _naive(r, args)
    assert not np.isfinite(naive) or rel(naive, truth) > 1e-3
    assert rel(r.lambdify()(*args), truth) < 1e-12


@pytest.mark.parametrize("family", [Bernoulli, Poisson])
def test_chunked_evaluation_matches_small_arrays_near_p_equal_q_and_at_0_log_0(family):
    """More than 2 CHUNK elements go through Program._values' chunks (indices of cancelling
    elements collected per chunk, the value written in place); they must give what the same
    points give as small arrays, including elements near P = Q (the remainder) and 0 log 0
    (Bernoulli's p = 0: NaN in the fast xlogy, filled with the limit)."""
    from symkl.program import CHUNK
    rng = np.random.default_rng(3)
    n = 3 * CHUNK + 5
    p = rng.uniform(0.05, 0.85, n) if family is Bernoulli else 10 ** rng.uniform(-1, 1, n)
    q = p * (1 + rng.choice([1e-1, 1e-6, 1e-10], n) * rng.choice([-1, 1], n))
    if family is Bernoulli:  # 0 log 0: KL(0 || 0) = 0, KL(0 || 0.3) = -log 0.7
        p[::7], q[::7], q[::14] = 0.0, 0.0, 0.3
    f = symkl.kl(family(), family()).lambdify()
    big = f(p, q)
    picks = rng.choice(n, 400, replace=False)
    small = np.concatenate([f(p[k:k + 1], q[k:k + 1]) for k in picks])
    assert np.all(np.isfinite(big))
    assert np.allclose(big[picks], small, rtol=1e-14, atol=0)
    r = symkl.kl(family(), family())
    for k in picks[:40]:
        truth = -mpmath.log1p(-q[k]) if p[k] == 0 else exact(r, p[k], q[k])  # mpmath: 0 log 0
        assert big[k] == truth == 0 or rel(big[k], truth) < 1e-12
