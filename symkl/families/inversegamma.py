"""Inverse-gamma distribution ``InverseGamma(alpha, beta)``: shape alpha, *scale* beta (1/X is
Gamma(alpha, rate beta)).

Mathematical details: p(x) = beta^alpha x^(-alpha - 1) exp(-beta / x) / Gamma(alpha), x > 0.
Exponential family with T(x) = (log x, 1/x), eta = (-alpha - 1, -beta),
A(eta) = log Gamma(-eta_1 - 1) - (-eta_1 - 1) log(-eta_2), h(x) = 1.
scipy: ``invgamma(alpha, scale=beta)``.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 17;
Gelman et al., *Bayesian Data Analysis*, 3rd ed., appendix A.

>>> from symkl.families import InverseGamma
>>> InverseGamma(3, 2)
InverseGamma(3, 2)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

InverseGamma = Family(
    name="InverseGamma",
    latex_name=r"\mathrm{{InvGamma}}\left({0}, {1}\right)",
    params=(Param("alpha", r"\alpha", POSITIVE), Param("beta", r"\beta", POSITIVE)),
    discrete=False,
    support=lambda alpha, beta: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, alpha, beta: (alpha * sp.log(beta) - (alpha + 1) * sp.log(x) - beta / x
                                   - sp.loggamma(alpha)),
    expfam=ExpFamilyView(
        natural_params=lambda alpha, beta: (-alpha - 1, -beta),
        log_partition=lambda eta: sp.loggamma(-eta[0] - 1) - (-eta[0] - 1) * sp.log(-eta[1]),
        stats=lambda x: (sp.log(x), 1 / x),
        log_base=lambda x: sp.S.Zero,
        natural_domain=lambda eta: sp.And(eta[0] < -1, eta[1] < 0),
    ),
    description="shape alpha, scale beta (1/X ~ Gamma(alpha, rate beta))",
)
