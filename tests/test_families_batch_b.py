"""Batch B continuous families: ContinuousBernoulli, VonMises, Kumaraswamy, Logistic, HalfCauchy,
StudentT.  Derived closed forms against published ones, quadrature, NotDerivable + numeric.

Reference formulas here are oracles only (each with its source); symkl derives its own.
"""
import mpmath
import pytest
import scipy.stats as st
import sympy as sp

import symkl
from symkl.definitions import variable
from symkl.families import (
    Beta,
    ContinuousBernoulli,
    Exponential,
    HalfCauchy,
    Kumaraswamy,
    Logistic,
    Normal,
    StudentT,
    VonMises,
)
from symkl.verify import verify

R = sp.Rational
S = {name: sp.Symbol(name, positive=True) for name in
     ("lam1", "lam2", "lam", "kappa1", "kappa2", "kappa", "gamma1", "gamma2", "gamma", "a", "b",
      "s", "nu", "sigma", "s1", "sigma2", "alpha1", "beta1", "a1", "b1")}
M = {name: sp.Symbol(name, real=True) for name in ("mu1", "mu2", "mu")}


def _agree(derived, reference, points, digits=25):
    """derived == reference at exact points, to ``digits`` significant digits."""
    for point in points:
        d = sp.N(derived.xreplace(point), digits + 10)
        r = sp.N(reference.xreplace(point), digits + 10)
        assert abs(d - r) <= sp.Float(10) ** -digits * max(1, abs(r)), (point, d, r)


# --- Loaiza-Ganem & Cunningham (NeurIPS 2019), eq. (3) and appendix: normaliser and mean ---
def _cb_log_norm(lam):
    return sp.log(2 * sp.atanh(1 - 2 * lam) / (1 - 2 * lam))


def _cb_mean(lam):
    return lam / (2 * lam - 1) + 1 / (2 * sp.atanh(1 - 2 * lam))


def test_continuous_bernoulli_kl_and_entropy_match_the_paper():
    """KL(CB||CB) and H(CB) equal the closed forms of Loaiza-Ganem & Cunningham and verify."""
    l1, l2 = S["lam1"], S["lam2"]
    r = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli())
    assert r.route == "bregman" and r.verify().ok
    logit = lambda v: sp.log(v / (1 - v))  # noqa: E731
    ref = (_cb_mean(l1) * (logit(l1) - logit(l2)) + _cb_log_norm(l1) + sp.log(1 - l1)
           - _cb_log_norm(l2) - sp.log(1 - l2))
    _agree(r.expr, ref, [{l1: R(1, 5), l2: R(7, 10)}, {l1: R(9, 10), l2: R(1, 3)}])
    h = symkl.entropy(ContinuousBernoulli())
    lam = S["lam"]
    ref_h = -_cb_log_norm(lam) - _cb_mean(lam) * sp.log(lam) - (1 - _cb_mean(lam)) * sp.log(1 - lam)
    _agree(h.expr, ref_h, [{lam: R(1, 5)}, {lam: R(4, 5)}])
    assert h.verify().ok


def test_continuous_bernoulli_at_one_half_is_a_removable_singularity():
    """At lam1 = 1/2 the closed form is 0/0; nearby it tends to KL(Uniform(0,1) || CB(lam2))."""
    l1, l2 = S["lam1"], S["lam2"]
    expr = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli()).expr
    assert expr.xreplace({l1: R(1, 2), l2: R(1, 4)}).has(sp.nan, sp.zoo) or \
        not sp.N(expr.xreplace({l1: R(1, 2), l2: R(1, 4)})).is_finite
    # KL(U || CB(l)) = -E_U[log q] with E_U[X] = 1/2 (the uniform density is CB(1/2))
    uniform = -(sp.log(l2) / 2 + sp.log(1 - l2) / 2 + _cb_log_norm(l2))
    near = sp.N(expr.xreplace({l1: R(1, 2) + R(1, 10**15), l2: R(1, 4)}), 40)
    assert abs(near - sp.N(uniform.xreplace({l2: R(1, 4)}), 40)) < 1e-12


def test_von_mises_kl_and_entropy_match_mardia_jupp():
    """KL(VM||VM) = log(I0(k2)/I0(k1)) + A(k1)(k1 - k2 cos(mu1 - mu2)), A = I1/I0 (Mardia & Jupp
    2000, sec. 3.5; also TFP's _kl_von_mises_von_mises); H = log(2 pi I0(k)) - k A(k)."""
    k1, k2, m1, m2 = S["kappa1"], S["kappa2"], M["mu1"], M["mu2"]
    r = symkl.kl(VonMises(), VonMises())
    ratio = sp.besseli(1, k1) / sp.besseli(0, k1)
    ref = sp.log(sp.besseli(0, k2) / sp.besseli(0, k1)) + ratio * (k1 - k2 * sp.cos(m1 - m2))
    assert sp.simplify(r.expr - ref) == 0
    assert r.verify().ok
    k, m = S["kappa"], M["mu"]
    h = symkl.entropy(VonMises())
    assert sp.simplify(h.expr - (sp.log(2 * sp.pi * sp.besseli(0, k))
                                 - k * sp.besseli(1, k) / sp.besseli(0, k))) == 0
    assert not h.expr.has(m)


def test_a_wrong_von_mises_formula_is_caught():
    """cos(mu1 + mu2) in place of cos(mu1 - mu2) fails verification."""
    m1, m2 = M["mu1"], M["mu2"]
    r = symkl.kl(VonMises(), VonMises())
    wrong = r.expr.subs(sp.cos(m1 - m2), sp.cos(m1 + m2))
    assert wrong != r.expr and not verify(r, expr=wrong).ok


def test_half_cauchy_kl_and_entropy():
    """KL(HC||HC) = log((g1 + g2)^2 / (4 g1 g2)) (the Cauchy formula of Chyzak & Nielsen 2019,
    arXiv:1905.10965, at x0 = 0: folding both at 0 keeps the ratio); H = log(2 pi g)."""
    g1, g2, g = S["gamma1"], S["gamma2"], S["gamma"]
    r = symkl.kl(HalfCauchy(), HalfCauchy())
    assert sp.simplify(r.expr - sp.log((g1 + g2) ** 2 / (4 * g1 * g2))) == 0
    assert r.verify().ok
    h = symkl.entropy(HalfCauchy())
    assert sp.simplify(h.expr - sp.log(2 * sp.pi * g)) == 0 and h.verify().ok


def test_half_cauchy_against_exponential_is_infinite_by_its_tail():
    """E[X] is infinite under the half-Cauchy, so KL(HC || Exp) = oo, and partial integrals grow."""
    r = symkl.kl(HalfCauchy(), Exponential())
    assert r.expr == sp.oo and r.verify().ok


@pytest.mark.parametrize("family", [ContinuousBernoulli, VonMises, HalfCauchy])
def test_kl_of_a_distribution_with_itself_is_zero(family):
    """Substituting Q = P in the derived closed form gives 0."""
    r = symkl.kl(family(), family())
    same = dict(zip(r.Q.values, r.P.values))
    assert sp.simplify(r.expr.xreplace(same)) == 0


def test_entropies_of_non_exponential_families_match_published_forms():
    """Kumaraswamy (Jones 2009, eq. 6; H_b = psi(b + 1) + EulerGamma), Logistic (log s + 2) and
    Student t (Lazo & Rathie 1978, Table I) entropies are derived, equal the references, verify."""
    a, b, s, nu, sigma = S["a"], S["b"], S["s"], S["nu"], S["sigma"]
    harmonic = sp.polygamma(0, b + 1) + sp.EulerGamma
    references = {
        Kumaraswamy: (1 - 1 / b) + (1 - 1 / a) * harmonic - sp.log(a * b),
        Logistic: sp.log(s) + 2,
        StudentT: ((nu + 1) / 2 * (sp.polygamma(0, (nu + 1) / 2) - sp.polygamma(0, nu / 2))
                   + sp.log(sp.sqrt(nu) * sp.beta(nu / 2, sp.S.Half)) + sp.log(sigma)),
    }
    for family, ref in references.items():
        h = symkl.entropy(family())
        _agree(h.expr, ref, [{a: R(3, 2), b: R(5, 4), s: R(7, 3), nu: R(5, 2), sigma: R(2, 3)},
                             {a: R(1, 3), b: R(4), s: R(1, 5), nu: R(1, 2), sigma: R(9, 4)}])
        assert h.verify().ok, family.name


def test_logistic_against_normal_matches_the_variance_formula():
    """KL(Logistic || Normal) = -H(P) + log(sqrt(2 pi) sigma) + E[(X - mu2)^2] / (2 sigma^2), with
    the logistic variance pi^2 s^2 / 3 (Johnson, Kotz & Balakrishnan vol. 2, ch. 23)."""
    m1, m2, s1, s2 = M["mu1"], M["mu2"], S["s1"], S["sigma2"]
    r = symkl.kl(Logistic(), Normal())
    ref = (-(sp.log(s1) + 2) + sp.log(sp.sqrt(2 * sp.pi) * s2)
           + ((m1 - m2) ** 2 + sp.pi**2 * s1**2 / 3) / (2 * s2**2))
    assert sp.simplify(r.expr - ref) == 0
    assert r.verify().ok


def test_beta_against_continuous_bernoulli_matches_torch_formula():
    """KL(Beta || CB) = -H(Beta) - E[X] logit(lam) - log(1 - lam) - log C(lam)
    (torch.distributions.kl._kl_beta_continuous_bernoulli) and verifies."""
    a1, b1, l2 = S["alpha1"], S["beta1"], S["lam2"]
    r = symkl.kl(Beta(), ContinuousBernoulli())
    h_beta = symkl.entropy(Beta()).expr.xreplace({sp.Symbol("alpha", positive=True): a1,
                                                  sp.Symbol("beta", positive=True): b1})
    ref = (-h_beta - a1 / (a1 + b1) * sp.log(l2 / (1 - l2)) - sp.log(1 - l2) - _cb_log_norm(l2))
    _agree(r.expr, ref, [{a1: R(5, 8), b1: R(23, 8), l2: R(9, 10)}, {a1: R(3), b1: 2, l2: R(1, 5)}])
    assert r.verify().ok


def test_kumaraswamy_against_exponential_uses_its_moments():
    """KL(Kum || Exp) = -H(Kum) - log lam + lam E[X], E[X] = b B(1 + 1/a, b) (Jones 2009, eq. 4;
    entropy eq. 6): derived from the Beta-integral transform, equal to the reference, verified."""
    a1, b1, lam2 = S["a1"], S["b1"], S["lam2"]
    r = symkl.kl(Kumaraswamy(), Exponential())
    harmonic = sp.polygamma(0, b1 + 1) + sp.EulerGamma
    entropy = (1 - 1 / b1) + (1 - 1 / a1) * harmonic - sp.log(a1 * b1)
    ref = -entropy - sp.log(lam2) + lam2 * b1 * sp.beta(1 + 1 / a1, b1)
    _agree(r.expr, ref, [{a1: R(3, 2), b1: R(5, 4), lam2: R(7, 3)},
                         {a1: R(1, 3), b1: 4, lam2: R(1, 5)}])
    assert r.verify().ok


def test_student_t_against_normal_is_closed_with_its_moment_condition():
    """KL(t_nu(mu1, sigma1) || N(mu2, sigma2^2)) = -H(t) + log(sqrt(2 pi) sigma2)
    + (sigma1^2 nu/(nu - 2) + (mu1 - mu2)^2) / (2 sigma2^2) for nu > 2, +oo otherwise (E[X^2]
    diverges), with the t entropy of Kotz & Nadarajah (2004, eq. 1.4). It was NotDerivable: SymPy's
    tail limit of x times the t density is wrong for symbolic nu, and E[X] is undefined for nu <= 1,
    so E[X] and E[X^2] are taken together."""
    nu, s1, s2 = S["nu"], sp.Symbol("sigma1", positive=True), S["sigma2"]
    m1, m2 = M["mu1"], M["mu2"]
    r = symkl.kl(StudentT(), Normal())
    nu1 = next(p for p in r.params if p.name == "nu1")
    entropy = ((nu + 1) / 2 * (sp.polygamma(0, (nu + 1) / 2) - sp.polygamma(0, nu / 2))
               + sp.log(sp.sqrt(nu) * sp.beta(nu / 2, R(1, 2))) + sp.log(s1))
    ref = (-entropy + sp.log(sp.sqrt(2 * sp.pi) * s2)
           + (s1**2 * nu / (nu - 2) + (m1 - m2) ** 2) / (2 * s2**2))
    finite, infinite = r.expr.args
    assert finite[1] == (nu1 > 2) and infinite == (sp.oo, True)
    names = {p.name: p for p in r.params}
    _agree(finite[0].xreplace({names["nu1"]: nu, names["sigma1"]: s1}), ref,
           [{nu: R(5, 2), s1: R(1, 2), m1: 1, m2: R(-1, 3), s2: 2},
            {nu: 30, s1: 3, m1: 0, m2: 0, s2: R(1, 7)}])
    assert r.expr.xreplace({names["nu1"]: R(3, 2)}) == sp.oo
    assert r.verify().ok


@pytest.mark.parametrize("family, p, q", [
    (StudentT, (3, R(1, 2), 2), (5, R(-1, 4), 1)),
    (Logistic, (R(1, 2), 2), (R(-1, 4), 1)),
    (Kumaraswamy, (3, R(3, 2)), (5, 2)),
], ids=lambda v: getattr(v, "name", ""))
def test_pairs_without_closed_form_end_in_not_derivable_with_reasons(family, p, q):
    """Every route gives its reason (fast, within the budget) and .numeric() is labelled."""
    with pytest.raises(symkl.NotDerivable) as info:
        symkl.kl(family(), family(), budget=1)
    assert set(info.value.reasons) == {"bregman", "linearity", "integrate"}
    assert "not an exponential family" in info.value.reasons["bregman"]
    names = [param.name for param in family.params]
    values = {f"{n}{i}": v for i, vals in ((1, p), (2, q)) for n, v in zip(names, vals)}
    value = info.value.numeric(**values)
    assert "numeric" in value.label and float(value) > 0 and value.error < 1e-20


def test_kumaraswamy_numeric_value_matches_the_equal_a_reduction():
    """With a1 = a2, X^a ~ Beta(1, b), so KL = log(b1/b2) + b2/b1 - 1 (Jones 2009, sec. 2):
    the labelled numeric value of the NotDerivable pair agrees with it."""
    with pytest.raises(symkl.NotDerivable) as info:
        symkl.kl(Kumaraswamy(), Kumaraswamy(), budget=1)
    value = info.value.numeric(a1=2, b1=3, a2=2, b2=R(1, 2))
    with mpmath.workdps(30):
        ref = mpmath.log(mpmath.mpf(6)) + mpmath.mpf(1) / 6 - 1
        assert abs(value.value - ref) < 1e-25


@pytest.mark.parametrize("make, words", [
    (lambda: ContinuousBernoulli(1.5), ["ContinuousBernoulli", "lam", "(0, 1)"]),
    (lambda: VonMises(0, -1), ["VonMises", "kappa", "> 0"]),
    (lambda: Kumaraswamy(-1, 2), ["Kumaraswamy", "a", "> 0"]),
    (lambda: Logistic(0, 0), ["Logistic", "s", "> 0"]),
    (lambda: HalfCauchy(-2), ["HalfCauchy", "gamma", "> 0"]),
    (lambda: StudentT(0, 0, 1), ["StudentT", "nu", "> 0"]),
])
def test_invalid_parameters_are_rejected_by_name(make, words):
    """ValueError naming the family, the parameter and the constraint."""
    with pytest.raises(ValueError) as info:
        make()
    assert all(w in str(info.value) for w in words)


SCIPY = {
    "VonMises": (VonMises(R(1, 3), R(5, 2)), st.vonmises(2.5, loc=1 / 3), [-2.0, 0.3, 3.0]),
    "Logistic": (Logistic(R(-1, 2), R(3, 2)), st.logistic(-0.5, 1.5), [-3.0, 0.2, 4.0]),
    "HalfCauchy": (HalfCauchy(R(3, 2)), st.halfcauchy(scale=1.5), [0.1, 1.0, 7.0]),
    "StudentT": (StudentT(R(5, 2), 1, R(1, 2)), st.t(2.5, 1, 0.5), [-2.0, 1.1, 6.0]),
}


@pytest.mark.parametrize("name", sorted(SCIPY))
def test_log_density_matches_scipy(name):
    """The log-density equals scipy.stats' (this pins the parametrization, scale vs rate)."""
    inst, dist, points = SCIPY[name]
    b, x = inst.bind(1), variable(inst.family)
    for v in points:
        assert float(b.logpdf(x).subs(x, v)) == pytest.approx(dist.logpdf(v), rel=1e-12)


def test_kumaraswamy_density_is_the_derivative_of_its_cdf():
    """p(x) = d/dx [1 - (1 - x^a)^b] (Jones 2009, eq. 1): pins the shape parametrization."""
    x = sp.Symbol("x", positive=True)
    a, b = R(3, 2), R(5, 2)
    cdf = 1 - (1 - x**a) ** b
    p = sp.exp(Kumaraswamy(a, b).bind(1).logpdf(x))
    for v in (R(1, 10), R(1, 2), R(9, 10)):
        assert abs(sp.N((p - sp.diff(cdf, x)).subs(x, v), 30)) < 1e-25


def test_a_wrong_symbolic_tail_limit_is_not_taken_as_divergence():
    """SymPy's limit of x log(1 + x^2) (1 + x^2/nu)^(-(nu + 1)/2) claims oo for symbolic nu > 0
    (it is 0). The tail check used to decline there; it now reads the power rate factor by
    factor (1 - (nu + 1) + 0 = -nu < 0) and finds no divergence."""
    from symkl.integration import _divergent_tail
    x, nu = sp.Symbol("x", real=True), sp.Symbol("nu", positive=True)
    f = (1 + x**2 / nu) ** (-(nu + 1) / 2) * sp.log(1 + x**2)
    assert sp.limit(x * f, x, sp.oo) != 0  # the SymPy behaviour being guarded against
    assert _divergent_tail(f, x, -sp.oo, sp.oo) is None
    g = sp.exp(-x**2 / nu) * x * sp.log(1 + x**2) * nu  # fast decay: no power rate needed
    assert _divergent_tail(g, x, -sp.oo, sp.oo) is None
    cauchy_tail = x**2 / (1 + x**2)  # E[X^2] under a Cauchy: really divergent, still oo
    assert _divergent_tail(cauchy_tail, x, -sp.oo, sp.oo) == sp.oo
