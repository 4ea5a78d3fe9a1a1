"""Normal distribution ``Normal(mu, sigma)``: mean mu, *standard deviation* sigma.

Mathematical details: p(x) = exp(-(x - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2) on the real line.
Exponential family with T(x) = (x, x^2), eta = (mu / sigma^2, -1 / (2 sigma^2)),
A(eta) = -eta_1^2 / (4 eta_2) - log(-2 eta_2) / 2, log h(x) = -log(2 pi) / 2.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.3.

>>> from symkl.families import Normal
>>> Normal(0, 1)
Normal(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, ExpFamilyView, Family, Param

Normal = Family(
    name="Normal",
    latex_name=r"\mathcal{{N}}\left({0}, {1}^{{2}}\right)",
    params=(Param("mu", r"\mu", REAL), Param("sigma", r"\sigma", POSITIVE)),
    discrete=False,
    support=lambda mu, sigma: sp.Reals,
    logpdf=lambda x, mu, sigma: -(x - mu) ** 2 / (2 * sigma**2) - sp.log(2 * sp.pi * sigma**2) / 2,
    expfam=ExpFamilyView(
        natural_params=lambda mu, sigma: (mu / sigma**2, -1 / (2 * sigma**2)),
        log_partition=lambda eta: -eta[0] ** 2 / (4 * eta[1]) - sp.log(-2 * eta[1]) / 2,
        stats=lambda x: (x, x**2),
        log_base=lambda x: -sp.log(2 * sp.pi) / 2,
        natural_domain=lambda eta: eta[1] < 0,
    ),
    description="mean mu, standard deviation sigma (not the variance)",
)
