"""Divergences other than KL for the catalogue's multivariate families: products by Fubini,
normals and Dirichlets from the log-partition, clean refusals where no route applies."""
import mpmath
import pytest
import sympy as sp

import symkl
from symkl.engine import NotDerivable
from symkl.families import Exponential, Gamma, Normal
from symkl.families.independent import Independent
from symkl.families.mvnormal import MultivariateNormal
from symkl.families.mvnormal_symbolic import symbolic
from symkl.verify import verify


@pytest.mark.parametrize("name", ["renyi", "bhattacharyya", "hellinger", "chi_square"])
def test_product_power_divergences_factorise_over_coordinates(name):
    """I(a) of a product is the product of the coordinates' I_i(a): Renyi and Bhattacharyya are
    sums of the coordinates' values, 1 - H^2 and 1 + chi^2 products; checked at a point against
    the univariate results, and verified by quadrature over the plane."""
    alpha = "alpha" if name == "renyi" else None
    F = Independent(Normal, Gamma)
    r = symkl.divergence(name, F(), F(), alpha=alpha)
    assert r.route == "product"
    values = [sp.Rational(1, 3), 1, 2, 3, -1, sp.Rational(3, 2), 1, 2]  # mu, s, a, b: P, Q
    point = dict(zip(r.params, values))
    a = sp.Rational(7, 3)
    if r.order is not None:
        point[r.order] = a
    normal = symkl.divergence(name, Normal(*values[0:2]), Normal(*values[4:6]),
                              alpha=a if alpha else None).expr
    gamma = symkl.divergence(name, Gamma(*values[2:4]), Gamma(*values[6:8]),
                             alpha=a if alpha else None).expr
    combine = {"renyi": lambda u, v: u + v, "bhattacharyya": lambda u, v: u + v,
               "hellinger": lambda u, v: 1 - (1 - u) * (1 - v),
               "chi_square": lambda u, v: (1 + u) * (1 + v) - 1}[name]
    assert abs(sp.N(r.expr.xreplace(point) - combine(normal, gamma), 30)) < 1e-25
    assert r.verify().ok


def test_product_with_a_divergent_coordinate_says_which():
    """chi^2 of exponentials with lam2 > 2 lam1 diverges: the product reports it, not a value."""
    F = Independent(Normal, Exponential)
    with pytest.raises(NotDerivable, match="Exponential"):
        symkl.chi_square(F(0, 1, 1), F(0, 1, 3))


def test_bivariate_normal_bhattacharyya_is_the_textbook_distance():
    """B = (1/8) d^T S^-1 d + (1/2) log(det S / sqrt(det S1 det S2)), S = (S1 + S2)/2 (oracle),
    at a point with correlated covariances; and verified by cubature."""
    F = MultivariateNormal(2)
    r = symkl.bhattacharyya(F(), F())
    m1, m2 = sp.Matrix([1, -2]), sp.Matrix([sp.Rational(1, 2), 1])
    S1 = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    S2 = sp.Matrix([[1, -sp.Rational(1, 3)], [-sp.Rational(1, 3), 3]])
    S = (S1 + S2) / 2
    d = m1 - m2
    oracle = (d.T * S.inv() * d)[0] / 8 + sp.log(S.det() / sp.sqrt(S1.det() * S2.det())) / 2
    names = [str(s) for s in r.params]
    values = dict(zip(names, [m1[0], m1[1], S1[0, 0], S1[0, 1], S1[1, 1],
                              m2[0], m2[1], S2[0, 0], S2[0, 1], S2[1, 1]]))
    assert names == ["mu1_1", "mu2_1", "Sigma11_1", "Sigma12_1", "Sigma22_1",
                     "mu1_2", "mu2_2", "Sigma11_2", "Sigma12_2", "Sigma22_2"]
    value = r.expr.xreplace({s: values[str(s)] for s in r.params})
    assert abs(sp.N(value - oracle, 30)) < 1e-25
    assert r.verify().ok


# --- symbolic dimension k: the mixture identities (symkl.matrix_mixture) ------------------

_S1 = sp.ImmutableMatrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
_S2 = sp.ImmutableMatrix([[2, sp.Rational(-1, 3)], [sp.Rational(-1, 3), sp.Rational(3, 2)]])
_M1, _M2 = sp.ImmutableMatrix([[sp.Rational(1, 3)], [-1]]), sp.ImmutableMatrix([[1], [2]])


def _gil_renyi(a):
    """Gil, Alajaji & Linder (2013), table 2, typed in as the oracle (exact matrices):
    (a/2) d^T S_a^-1 d - log(|S_a| / (|S1|^(1-a) |S2|^a)) / (2 (a - 1)), S_a = a S2 + (1-a) S1."""
    a = sp.nsimplify(a)
    d = _M1 - _M2
    Sa = a * _S2 + (1 - a) * _S1
    quad = (d.T * Sa.inv() * d)[0]
    return sp.N(a / 2 * quad - sp.log(Sa.det() / (_S1.det() ** (1 - a) * _S2.det() ** a))
                / (2 * (a - 1)), 40)


def _at_point(r, alpha=None):
    F = symbolic()
    k = F.vector.shape[0]
    mu1, S1, mu2, S2 = r.P.values + r.Q.values
    e = r.expr.xreplace({mu1: _M1, S1: _S1, mu2: _M2, S2: _S2, k: 2})
    if alpha is not None:
        e = e.xreplace({r.order: alpha})
    return sp.N(e.doit(), 40)


@pytest.fixture(scope="module")
def symbolic_power():
    F = symbolic()
    return {name: symkl.divergence(name, F(), F(), alpha="alpha" if name == "renyi" else None)
            for name in ("renyi", "bhattacharyya", "hellinger", "chi_square")}


@pytest.mark.parametrize("alpha", [sp.Rational(1, 3), sp.Rational(1, 2), 2, 3])
def test_symbolic_dimension_renyi_equals_the_published_table(symbolic_power, alpha):
    """Derived through A M B = S_a (no formula typed in), equal to Gil et al. at k = 2."""
    r = symbolic_power["renyi"]
    assert abs(_at_point(r, alpha) - _gil_renyi(alpha)) < 1e-30


def test_symbolic_dimension_power_divergences_are_the_textbook_forms(symbolic_power):
    """One mixed covariance, one quadratic form in mu1 - mu2, log-determinants; Bhattacharyya
    at a = 1/2, Hellinger^2 = 1 - exp(-B), chi^2 = exp((a - 1) D_a) - 1 at a = 2."""
    r = symkl.divergence("renyi", symbolic()(), symbolic()(), alpha="alpha")
    inverses = {e for e in r.expr.atoms(sp.Inverse) if isinstance(e.arg, sp.MatAdd)}
    assert len(inverses) == 1 and len(r.expr.atoms(sp.Trace)) == 1
    b = _at_point(symbolic_power["bhattacharyya"])
    assert abs(b - _gil_renyi(sp.Rational(1, 2)) / 2) < 1e-30
    assert abs(_at_point(symbolic_power["hellinger"]) - (1 - sp.exp(-b))) < 1e-30
    chi = _at_point(symbolic_power["chi_square"])
    assert abs(chi - (sp.exp(_gil_renyi(2)) - 1)) < 1e-28


def test_symbolic_dimension_conditions_name_the_mixture(symbolic_power):
    """alpha eta_P + (1 - alpha) eta_Q is natural iff alpha Sigma2 + (1 - alpha) Sigma1 is
    positive definite: a condition for chi-square (2 Sigma2 - Sigma1) and a symbolic order,
    none at alpha = 1/2 (a convex combination)."""
    F = symbolic()
    _, S1, _, S2 = symbolic_power["chi_square"].P.values + symbolic_power["chi_square"].Q.values
    assert symbolic_power["chi_square"].conditions == (sp.Q.positive_definite(2 * S2 - S1),)
    assert symbolic_power["bhattacharyya"].conditions == ()
    a = symbolic_power["renyi"].order
    assert symbolic_power["renyi"].conditions == (
        sp.Q.positive_definite(a * S2 + (1 - a) * S1),)
    assert symkl.divergence("renyi", F(), F(), alpha=sp.Rational(1, 3)).conditions == ()


@pytest.mark.parametrize("name", ["renyi", "bhattacharyya", "hellinger", "chi_square",
                                  "jeffreys"])
def test_symbolic_dimension_divergences_verify(symbolic_power, name):
    """Concrete k = 1, 2, seeded positive definite matrices satisfying the conditions, symbolic
    alpha at seeded orders on both sides of 1; the tensor rule is the reference."""
    r = symbolic_power.get(name) or symkl.jeffreys(symbolic()(), symbolic()())
    report = r.verify()
    assert report.ok, report


def test_symbolic_dimension_a_wrong_mixture_is_caught(symbolic_power):
    """The mixture's weights swapped (alpha Sigma1 + (1 - alpha) Sigma2): verify fails."""
    r = symbolic_power["renyi"]
    _, S1, _, S2 = r.P.values + r.Q.values
    a = r.order
    wrong = r.expr.xreplace({a * S2 + (1 - a) * S1: a * S1 + (1 - a) * S2})
    assert wrong != r.expr
    assert not verify(r, expr=wrong).ok


def test_symbolic_dimension_renyi_tends_to_the_kl(symbolic_power):
    """D_a -> KL as a -> 1 (both derived; compared at a = 1 +- 1e-12 at k = 2)."""
    kl = _at_point(symkl.kl(symbolic()(), symbolic()()))
    for side in (1, -1):
        alpha = 1 + side * sp.Rational(1, 10 ** 12)
        assert abs(_at_point(symbolic_power["renyi"], alpha) - kl) < 1e-10


def test_symbolic_dimension_jeffreys_is_two_quadratic_forms_and_two_traces():
    r = symkl.jeffreys(symbolic()(), symbolic()())
    assert len(r.expr.atoms(sp.Trace)) == 4 and not r.expr.has(sp.log)


def test_a_matrix_sum_of_another_shape_is_refused():
    from symkl.matrix_mixture import NotAMixture, mixture_form
    k = sp.Symbol("k", integer=True, positive=True)
    A, B, C = (sp.MatrixSymbol(n, k, k) for n in "ABC")
    with pytest.raises(NotAMixture, match="not x A"):
        mixture_form(sp.log(sp.Determinant(A.inverse() + B.inverse() + C.inverse())), (A, B, C))


@pytest.mark.parametrize("F", [MultivariateNormal(2), Independent(Normal, Exponential)],
                         ids=["MultivariateNormal2", "Independent"])
def test_total_variation_in_several_dimensions_declines_with_the_reason(F):
    """TV on R^k is an integral over a region bounded by a surface: NotDerivable with that
    reason (it used to raise NotImplementedError from ProductSet.inf), and .numeric works for
    products by cubature."""
    with pytest.raises(NotDerivable, match="dimension > 1") as info:
        symkl.total_variation(F(), F())
    assert info.value.reasons["crossing"]
    mpmath.mp.dps = 15


def test_simplex_rule_resolves_strong_singularities_on_the_last_face():
    """chi^2 of Dirichlets where p^2/q ~ x_3^(-3/4) at the face x_1 + x_2 = 1: the rule used to
    round 1 - x_1 - x_2 to 0 and stop its nodes at 6e-38, missing 5e-10 of the integral; now
    it agrees with the closed form (and the Dirichlet integral computed here) to 1e-18."""
    from symkl import mvquad
    from symkl.families.dirichlet import Dirichlet
    F = Dirichlet(3)
    a1 = [sp.Rational(5, 2), sp.Rational(11, 4), sp.Rational(5, 4)]
    a2 = [sp.Rational(19, 8), sp.Rational(11, 4), sp.Rational(9, 4)]
    P, Q = F(*a1).bind(1), F(*a2).bind(2)
    mpmath.mp.dps = 30
    c = [2 * x - y for x, y in zip(a1, a2)]  # exponents + 1 of p^2/q: Dirichlet's integral
    B = lambda a: mpmath.fprod(mpmath.gamma(x) for x in a) / mpmath.gamma(sum(a))  # noqa: E731
    exact = B([mpmath.mpf(x) for x in c]) * B([mpmath.mpf(x) for x in a2]) \
        / B([mpmath.mpf(x) for x in a1]) ** 2 - 1
    value = mvquad.definition_value("chi_square", P, Q)
    assert abs(value - exact) < 1e-18 * exact
    r = symkl.chi_square(F(), F())
    assert abs(sp.N(r.expr.xreplace(dict(zip(r.params, a1 + a2))), 30) - exact) < 1e-25
    mpmath.mp.dps = 15


# --- concrete dimension: the symbolic-k result at explicit matrices ------------------------

@pytest.mark.parametrize("name", ["renyi", "bhattacharyya", "hellinger", "chi_square"])
def test_concrete_normal_power_divergences_are_compact_and_match_the_log_partition(name):
    """MultivariateNormal(2) through the matrix form: a few hundred operations (the entries'
    log-partition route gave some 12 000), equal at a point to log I computed straight from the
    family's own log-partition A(a eta_P + (1 - a) eta_Q) - a A(eta_P) - (1 - a) A(eta_Q)."""
    F = MultivariateNormal(2)
    r = symkl.divergence(name, F(), F(), alpha="alpha" if name == "renyi" else None)
    assert sp.count_ops(r.expr) < 400
    a = {"renyi": sp.Rational(5, 2), "chi_square": sp.Integer(2)}.get(name, sp.S.Half)
    p_values = [_M1[0], _M1[1], _S1[0, 0], _S1[0, 1], _S1[1, 1]]
    q_values = [_M2[0], _M2[1], _S2[0, 0], _S2[0, 1], _S2[1, 1]]
    ef = F(*p_values).bind("1").expfam
    eta_p, eta_q = ef.natural_params(*p_values), ef.natural_params(*q_values)
    log_i = (ef.log_partition([a * u + (1 - a) * v for u, v in zip(eta_p, eta_q)])
             - a * ef.log_partition(eta_p) - (1 - a) * ef.log_partition(eta_q))
    expected = {"renyi": log_i / (a - 1), "bhattacharyya": -log_i,
                "hellinger": 1 - sp.exp(log_i), "chi_square": sp.exp(log_i) - 1}[name]
    point = dict(zip(r.params, p_values + q_values))
    if r.order is not None:
        point[r.order] = a
    assert abs(sp.N(r.expr.xreplace(point) - expected, 40)) < 1e-30


def test_concrete_normal_conditions_are_pivots():
    """Positive definiteness of the mixture as positive pivots: one condition per coordinate
    for a diagonal covariance, one for sigma^2 I."""
    from symkl.families.mvnormal import DiagonalNormal, IsotropicNormal
    r = symkl.chi_square(DiagonalNormal(3)(), DiagonalNormal(3)())
    assert len(sp.And(*r.conditions).args) == 3
    s1, s2 = r.P.values[3], r.Q.values[3]
    assert sp.And(*r.conditions).args[0] == (2 * s2**2 - s1**2 > 0)
    iso = symkl.chi_square(IsotropicNormal(3)(), IsotropicNormal(3)())
    t1, t2 = iso.P.values[-1], iso.Q.values[-1]
    assert iso.conditions == (2 * t2**2 - t1**2 > 0,)
    assert iso.verify().ok


def test_symbolic_dimension_gradient_says_what_to_do():
    """The batched matrix code gives values only: a gradient request names the way out (a
    concrete dimension), instead of a SymPy TypeError from deep inside."""
    with pytest.raises(ValueError, match=r"MultivariateNormal\(2\)"):
        symkl.kl(symbolic()(), symbolic()()).lambdify(of="gradient")
