"""KL = +oo decided from the tails (symkl.tails), checked against quadrature and against
pairs whose KL is finite, so that the shortcut cannot call a finite KL infinite."""
import mpmath
import pytest
import sympy as sp

import symkl
from symkl.families import BY_NAME
from symkl.tails import tail_divergence

X = sp.Symbol("x", real=True)


def bound(name: str, index: str):
    return BY_NAME[name]().bind(index)


@pytest.mark.parametrize("p, q, rate", [("cauchy", "logistic", "-1"), ("cauchy", "gumbel", "-1"),
                                        ("levy", "normal", "1/2"), ("levy", "logistic", "-1/2"),
                                        ("halfcauchy", "exponential", "-1")])
def test_heavy_tail_against_light_tail_is_infinite(p, q, rate):
    why = tail_divergence(bound(p, "1"), bound(q, "2"), X)
    assert why is not None and f"|x|^{rate} " in why


@pytest.mark.parametrize("p, q", [("cauchy", "cauchy"), ("cauchy", "studentt"),
                                  ("studentt", "cauchy"), ("pareto", "pareto"),
                                  ("levy", "pareto"), ("normal", "logistic"), ("gamma", "gumbel")])
def test_tails_that_do_not_decide_return_none(p, q):
    assert tail_divergence(bound(p, "1"), bound(q, "2"), X) is None


def test_cauchy_logistic_is_infinite_and_the_partial_integrals_grow():
    r = symkl.kl(BY_NAME["cauchy"](0, 1), BY_NAME["logistic"](0, 1), budget=3.0)
    assert r.expr == sp.oo and r.route == "tail"
    f = lambda x: (mpmath.log(1 / (mpmath.pi * (1 + x**2)))  # noqa: E731
                   - (-x - 2 * mpmath.log(1 + mpmath.exp(-x)))) / (mpmath.pi * (1 + x**2))
    parts = [mpmath.quad(f, [10**k, 10**(k + 1)]) for k in range(1, 5)]
    assert all(p > 0.2 for p in parts)  # ~ log(10)/pi per decade: the integral diverges
    assert r.verify().ok


def test_a_finite_heavy_tailed_kl_is_not_called_infinite():
    r = symkl.kl(BY_NAME["cauchy"](0, 1), BY_NAME["cauchy"](1, 2), budget=3.0)
    assert r.expr.is_finite and r.route != "tail"


@pytest.mark.parametrize("p, q", [("halfnormal", "inversegamma"), ("exponential", "inversegamma")])
def test_a_finite_end_where_log_q_blows_up_is_infinite(p, q):
    """E_P[1/x] diverges when p(0) > 0: the check runs at the finite end 0 as well."""
    why = tail_divergence(bound(p, "1"), bound(q, "2"), X)
    assert why is not None and "as x -> 0" in why
    f = {"halfnormal": lambda x: mpmath.sqrt(2 / mpmath.pi) * mpmath.exp(-x**2 / 2),
         "exponential": lambda x: mpmath.exp(-x)}[p]
    parts = [mpmath.quad(lambda x: f(x) / x, [10**-(k + 1), 10**-k]) for k in range(1, 5)]
    assert all(part > 0.5 for part in parts)  # ~ p(0) log 10 per decade: E_P[1/X] = oo


@pytest.mark.parametrize("p, q", [("halfnormal", "gamma"), ("gamma", "inversegamma"),
                                  ("exponential", "weibull")])
def test_finite_ends_that_do_not_decide_return_none(p, q):
    assert tail_divergence(bound(p, "1"), bound(q, "2"), X) is None
