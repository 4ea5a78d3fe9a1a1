"""Gamma distribution ``Gamma(alpha, beta)``: shape alpha and *rate* beta (mean alpha/beta).

Mathematical details: p(x) = beta^alpha x^(alpha - 1) exp(-beta x) / Gamma(alpha) for x > 0.
Beware: scipy and numpy use the *scale* 1/beta.  Exponential family with T(x) = (log x, x),
eta = (alpha - 1, -beta), A(eta) = log Gamma(eta_1 + 1) - (eta_1 + 1) log(-eta_2), h(x) = 1.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.3.

>>> from symkl.families import Gamma
>>> Gamma(2, 3)
Gamma(2, 3)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

Gamma = Family(
    name="Gamma",
    latex_name=r"\mathrm{{Gamma}}\left({0}, {1}\right)",
    params=(Param("alpha", r"\alpha", POSITIVE), Param("beta", r"\beta", POSITIVE)),
    discrete=False,
    support=lambda alpha, beta: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, alpha, beta: (alpha * sp.log(beta) + (alpha - 1) * sp.log(x) - beta * x
                                   - sp.loggamma(alpha)),
    expfam=ExpFamilyView(
        natural_params=lambda alpha, beta: (alpha - 1, -beta),
        log_partition=lambda eta: sp.loggamma(eta[0] + 1) - (eta[0] + 1) * sp.log(-eta[1]),
        stats=lambda x: (sp.log(x), x),
        log_base=lambda x: sp.S.Zero,
        natural_domain=lambda eta: sp.And(eta[0] > -1, eta[1] < 0),
    ),
    description="shape alpha, rate beta (mean alpha/beta); scipy's scale is 1/beta",
)
