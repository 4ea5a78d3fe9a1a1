"""pushforward(): the law of g(X) as a family; KL is invariant under a shared bijection."""
import pytest
import sympy as sp

import symkl
from symkl.families import Gamma, InverseGamma, LogNormal, Normal, Poisson
from symkl.transform import pushforward

LogNormalByExp = pushforward(Normal, "LogNormalByExp", sp.exp, sp.log)
InverseGammaByReciprocal = pushforward(Gamma, "InverseGammaByReciprocal", lambda x: 1 / x,
                                       lambda y: 1 / y, increasing=False)


def test_pushforward_of_normal_by_exp_is_the_lognormal_density():
    """exp(N(mu, sigma^2)) has exactly the LogNormal log-density and support."""
    x = sp.Symbol("x", positive=True)
    ours, theirs = LogNormalByExp().bind(1), LogNormal().bind(1)
    assert sp.simplify(sp.expand_log(ours.logpdf(x) - theirs.logpdf(x), force=True)) == 0
    assert ours.support() == theirs.support()


def test_kl_is_invariant_under_a_shared_bijection():
    """KL(g(X1) || g(X2)) derived for the pushed-forward family equals KL(X1 || X2)."""
    r = symkl.kl(LogNormalByExp(), LogNormalByExp())
    assert sp.simplify(r.expr - symkl.kl(Normal(), Normal()).expr) == 0
    assert r.verify().ok


def test_decreasing_bijection_gives_the_inverse_gamma():
    """1/Gamma(alpha, rate beta) is InverseGamma(alpha, scale beta): same KL, verified."""
    r = symkl.kl(InverseGammaByReciprocal(), InverseGammaByReciprocal())
    assert sp.simplify(r.expr - symkl.kl(InverseGamma(), InverseGamma()).expr) == 0
    assert sp.simplify(r.expr - symkl.kl(Gamma(), Gamma()).expr) == 0
    assert r.verify().ok


def test_entropy_picks_up_the_jacobian():
    """H(exp X) = H(X) + E[X]: the Jacobian term log|dg^-1/dy| = -log y enters the entropy."""
    mu = sp.Symbol("mu", real=True)
    h = symkl.entropy(LogNormalByExp()).expr - symkl.entropy(Normal()).expr
    assert sp.simplify(h - mu) == 0


def test_discrete_base_is_refused():
    """A change of variables needs a density: a discrete base raises ValueError naming it."""
    with pytest.raises(ValueError, match="Poisson"):
        pushforward(Poisson, "Bad", sp.exp, sp.log)
