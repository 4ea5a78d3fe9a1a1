"""Half-normal distribution ``HalfNormal(sigma)``: |Y| for Y ~ N(0, sigma^2); sigma is the *scale*
of the underlying normal (not the standard deviation of X, which is sigma sqrt(1 - 2/pi)).

Mathematical details: p(x) = sqrt(2/pi) / sigma exp(-x^2 / (2 sigma^2)) for x > 0.
Exponential family with T(x) = x^2, eta = -1 / (2 sigma^2), A(eta) = -log(-2 eta) / 2,
log h(x) = log(2/pi) / 2.  scipy: ``halfnorm(scale=sigma)``.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 13.

>>> from symkl.families import HalfNormal
>>> HalfNormal(2)
HalfNormal(2)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

HalfNormal = Family(
    name="HalfNormal",
    latex_name=r"\mathrm{{HalfNormal}}\left({0}\right)",
    params=(Param("sigma", r"\sigma", POSITIVE),),
    discrete=False,
    support=lambda sigma: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, sigma: sp.log(2 / sp.pi) / 2 - sp.log(sigma) - x**2 / (2 * sigma**2),
    expfam=ExpFamilyView(
        natural_params=lambda sigma: (-1 / (2 * sigma**2),),
        log_partition=lambda eta: -sp.log(-2 * eta[0]) / 2,
        stats=lambda x: (x**2,),
        log_base=lambda x: sp.log(2 / sp.pi) / 2,
        natural_domain=lambda eta: eta[0] < 0,
    ),
    description="scale sigma of the underlying normal (X = |Y|, Y ~ N(0, sigma^2))",
)
