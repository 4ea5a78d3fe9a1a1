"""Beta distribution ``Beta(alpha, beta)`` on the unit interval.

Mathematical details: p(x) = x^(alpha - 1) (1 - x)^(beta - 1) / B(alpha, beta) for 0 < x < 1.
Exponential family with T(x) = (log x, log(1 - x)), eta = (alpha - 1, beta - 1),
A(eta) = log Gamma(eta_1 + 1) + log Gamma(eta_2 + 1) - log Gamma(eta_1 + eta_2 + 2), h(x) = 1.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.3.

>>> from symkl.families import Beta
>>> Beta(2, 3)
Beta(2, 3)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

Beta = Family(
    name="Beta",
    latex_name=r"\mathrm{{Beta}}\left({0}, {1}\right)",
    params=(Param("alpha", r"\alpha", POSITIVE), Param("beta", r"\beta", POSITIVE)),
    discrete=False,
    support=lambda alpha, beta: sp.Interval.open(0, 1),
    logpdf=lambda x, a, b: ((a - 1) * sp.log(x) + (b - 1) * sp.log(1 - x)
                            - sp.loggamma(a) - sp.loggamma(b) + sp.loggamma(a + b)),
    expfam=ExpFamilyView(
        natural_params=lambda a, b: (a - 1, b - 1),
        log_partition=lambda eta: (sp.loggamma(eta[0] + 1) + sp.loggamma(eta[1] + 1)
                                   - sp.loggamma(eta[0] + eta[1] + 2)),
        stats=lambda x: (sp.log(x), sp.log(1 - x)),
        log_base=lambda x: sp.S.Zero,
        natural_domain=lambda eta: sp.And(eta[0] > -1, eta[1] > -1),
    ),
    description="shapes alpha and beta on (0, 1)",
)
