"""Rayleigh distribution ``Rayleigh(sigma)`` with *scale* sigma (mode sigma).

Mathematical details: p(x) = x / sigma^2 exp(-x^2 / (2 sigma^2)) for x > 0.
It is the slice eta_1 = 1 of the exponential family x^eta_1 exp(eta_2 x^2) on x > 0 (which
also holds the chi and half-normal laws): T(x) = (log x, x^2), eta = (1, -1 / (2 sigma^2)),
A(eta) = log Gamma((eta_1 + 1)/2) - log 2 - (eta_1 + 1)/2 log(-eta_2), h(x) = 1, so that
E[log X] comes from grad A as well as E[X^2] = 2 sigma^2.  scipy: ``rayleigh(scale=sigma)``.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 18.

>>> from symkl.families import Rayleigh
>>> Rayleigh(1)
Rayleigh(1)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

Rayleigh = Family(
    name="Rayleigh",
    latex_name=r"\mathrm{{Rayleigh}}\left({0}\right)",
    params=(Param("sigma", r"\sigma", POSITIVE),),
    discrete=False,
    support=lambda sigma: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, sigma: sp.log(x) - 2 * sp.log(sigma) - x**2 / (2 * sigma**2),
    expfam=ExpFamilyView(
        natural_params=lambda sigma: (sp.S.One, -1 / (2 * sigma**2)),
        log_partition=lambda eta: (sp.loggamma((eta[0] + 1) / 2) - sp.log(2)
                                   - (eta[0] + 1) / 2 * sp.log(-eta[1])),
        stats=lambda x: (sp.log(x), x**2),
        log_base=lambda x: sp.S.Zero,
        natural_domain=lambda eta: sp.And(eta[0] > -1, eta[1] < 0),
    ),
    description="scale sigma (mode sigma, mean sigma sqrt(pi/2))",
)
