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


def test_symbolic_dimension_normal_power_divergences_decline_with_the_reason():
    """No TypeError from inside SymPy: NotDerivable naming the matrix identity that is missing."""
    F = symbolic()
    for name in ("renyi", "bhattacharyya", "hellinger", "chi_square"):
        with pytest.raises(NotDerivable, match="matrix identities"):
            symkl.divergence(name, F(), F(), alpha="alpha" if name == "renyi" else None)


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
