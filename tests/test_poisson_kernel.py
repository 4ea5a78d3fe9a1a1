"""Cauchy divergences through P's quantile (symkl.poisson_kernel): Renyi, Bhattacharyya,
Hellinger and Jensen-Shannon in closed form, checked against the forms Nielsen & Okamura
("On f-divergences between Cauchy distributions", 2021) give in terms of
z = 1 + chi^2 = ((x01 - x02)^2 + g1^2 + g2^2) / (2 g1 g2), against quadrature, and against the
relations every f-divergence between Cauchys obeys (symmetry)."""
import functools
import random
import shutil
import subprocess

import mpmath
import numpy as np
import pytest
import sympy as sp

import symkl
from symkl.families import Cauchy, HalfCauchy
from symkl.integration import Declined
from symkl.poisson_kernel import angle_form, mean_of_log, mean_of_power


@functools.cache
def derived(name: str):
    """Each Cauchy divergence derived once per test session (the tests only read it)."""
    return symkl.divergence(name, Cauchy(), Cauchy(), alpha="alpha" if name == "renyi" else None)


POINTS = [(0, 1, 1, 2), (sp.Rational(-3, 2), sp.Rational(1, 4), 2, 3), (5, 7, 5, 7),
          (1, sp.Rational(1, 10), -4, 9), (0, 1, 30, 1)]


def z_of(x01, g1, x02, g2):
    return mpmath.mpf((x01 - x02) ** 2 + g1 ** 2 + g2 ** 2) / (2 * g1 * g2)


def at(r, point, alpha=None):
    values = dict(zip(r.params, point))
    if alpha is not None:
        values[r.order] = alpha
    return sp.N(r.expr.xreplace(values), 40)


@pytest.mark.parametrize("point", POINTS)
def test_bhattacharyya_is_the_elliptic_integral_of_the_literature(point):
    """BC = (2/pi) sqrt(2/(z + 1)) K(m), m = (z - 1)/(z + 1) (K with parameter m): the
    derived hypergeometric form equals it to 30 digits."""
    mpmath.mp.dps = 40
    z = z_of(*point)
    bc = 2 / mpmath.pi * mpmath.sqrt(2 / (z + 1)) * mpmath.ellipk((z - 1) / (z + 1))
    r = derived("bhattacharyya")
    assert r.route == "poisson kernel"
    assert abs(at(r, point) + mpmath.log(bc)) <= 1e-30 * max(1, abs(mpmath.log(bc)))
    h = derived("hellinger")
    assert abs(at(h, point) - (1 - bc)) <= 1e-30


@pytest.mark.parametrize("alpha", [sp.Rational(1, 3), sp.Rational(1, 2), 2, 3, sp.Rational(7, 2)])
@pytest.mark.parametrize("point", POINTS[:3])
def test_renyi_power_integral_is_the_legendre_function(point, alpha):
    """integral p^a q^(1-a) = P_{-a}(z), the Legendre function (Laplace's integral); Renyi at
    integer orders is log of a Legendre polynomial (order 2: log z = log(1 + chi^2))."""
    mpmath.mp.dps = 40
    z = z_of(*point)
    legendre = mpmath.legenp(-mpmath.mpf(alpha), 0, z, type=3).real
    r = derived("renyi")
    expected = mpmath.log(legendre) / (mpmath.mpf(alpha) - 1)
    assert abs(at(r, point, alpha) - expected) <= 1e-28 * max(1, abs(expected))


@pytest.mark.parametrize("point", POINTS)
def test_jensen_shannon_closed_form(point):
    """JS = log(2 sqrt(z + 1) / (sqrt(z + 1) + sqrt 2)), at most log 2, 0 only at P = Q."""
    mpmath.mp.dps = 40
    z = z_of(*point)
    expected = mpmath.log(2 * mpmath.sqrt(z + 1) / (mpmath.sqrt(z + 1) + mpmath.sqrt(2)))
    r = derived("jensen_shannon")
    value = at(r, point)
    assert abs(value - expected) <= 1e-30
    assert 0 <= value < mpmath.log(2)


@pytest.mark.parametrize("name, alpha", [("renyi", "alpha"), ("bhattacharyya", None),
                                         ("hellinger", None), ("jensen_shannon", None)])
def test_cauchy_divergences_verify_and_are_symmetric(name, alpha):
    """Quadrature of the definition at seeded points (1e-20 at dps 30) and D(P||Q) = D(Q||P)
    (every f-divergence between Cauchys is symmetric): swapping the parameters is exact."""
    r = derived(name)
    report = r.verify()
    assert report.ok and len(report.checks) >= 3, str(report)
    x01, g1, x02, g2 = r.params[:4]
    swapped = r.expr.xreplace({x01: x02, g1: g2, x02: x01, g2: g1})
    rng = random.Random(1)
    for _ in range(3):
        point = {x01: rng.uniform(-3, 3), g1: rng.uniform(0.2, 4), x02: rng.uniform(-3, 3),
                 g2: rng.uniform(0.2, 4)}
        if r.order is not None:
            point[r.order] = rng.uniform(0.2, 3)
        assert abs(sp.N((r.expr - swapped).subs(point), 30)) < 1e-25


def test_a_wrong_cauchy_formula_is_caught():
    """The Bhattacharyya hypergeometric with its parameters (1/4, 3/4) changed to (1/4, 1/4):
    verification fails."""
    r = derived("bhattacharyya")
    wrong = r.expr.replace(lambda e: isinstance(e, sp.hyper),
                           lambda e: sp.hyper((sp.Rational(1, 4), sp.Rational(1, 4)), e.bq,
                                              e.argument))
    assert wrong != r.expr
    assert not symkl.verify.verify(r, expr=wrong, points=3).ok


def test_the_series_gives_back_the_known_kl_and_chi_square():
    """E_P[log(p/q)] by the same series is the engine's Cauchy KL, and E_P[p/q] - 1 its
    chi-square: two routes that share nothing agree symbolically."""
    P, Q = Cauchy().bind("1"), Cauchy().bind("2")
    form = angle_form(P, Q)
    kl = symkl.kl(Cauchy(), Cauchy()).expr
    assert sp.simplify(sp.expand_log(mean_of_log(form) - kl, force=True)) == 0
    chi2 = symkl.chi_square(Cauchy(), Cauchy()).expr
    assert sp.simplify(mean_of_power(form, 1) - 1 - chi2) == 0
    assert sp.simplify(form.det) == 1  # A^2 - R^2: the quadratic form's determinant


def test_numpy_function_matches_mpmath():
    """Result.lambdify() (scipy's hyp2f1) against the mpmath backend.  (Near P = Q the
    float64 form loses digits: log of a hypergeometric close to 1; at x02 - x01 = 1e-3 the
    relative error is 1.4e-9.  No series remainder is switched in for these yet.)"""
    r = derived("renyi")
    f, g = r.lambdify(), r.lambdify(backend="mpmath")
    for args in [(0.0, 1.0, 1.0, 2.0, 0.7), (-2.0, 0.5, 3.0, 4.0, 2.5),
                 (0.0, 1.0, 0.3, 1.2, 0.5)]:
        exact = g(*args)
        assert abs(f(*args) - float(exact)) <= 1e-12 * abs(float(exact))
    assert np.shape(f(np.zeros(3), np.ones(3), np.ones(3), 2.0, 0.5)) == (3,)


def test_half_cauchy_is_not_a_poisson_kernel_on_the_line():
    """The route needs the whole real line: HalfCauchy declines with that reason."""
    with pytest.raises(Declined, match="Poisson kernels"):
        angle_form(HalfCauchy().bind(1), HalfCauchy().bind(2))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_hypergeometric_latex_compiles(tmp_path):
    """The 2F1 in the Renyi formula and the derivation's steps compile with pdflatex."""
    r = derived("renyi")
    (tmp_path / "r.tex").write_text(r.latex(steps=True, document=True))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "r.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


def test_hypergeometric_argument_is_one_factored_fraction():
    """The 2F1's argument 1 - 1/z^2 prints as ((g1 - g2)^2 + d^2)((g1 + g2)^2 + d^2) over
    (g1^2 + g2^2 + d^2)^2, not expanded over its terms (Hellinger had some 860 operations)."""
    r = symkl.hellinger(Cauchy(), Cauchy())
    assert sp.count_ops(r.expr) < 60
    (h,) = r.expr.atoms(sp.hyper)
    x01, g1, x02, g2 = r.params
    assert sp.fraction(h.argument)[1] == (g1**2 + g2**2 + (x01 - x02)**2) ** 2
