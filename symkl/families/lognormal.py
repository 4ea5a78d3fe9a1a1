"""Log-normal distribution ``LogNormal(mu, sigma)``: log X ~ N(mu, sigma^2); mu and sigma are the
mean and standard deviation of log X, not of X.

Mathematical details: p(x) = exp(-(log x - mu)^2 / (2 sigma^2)) / (x sigma sqrt(2 pi)), x > 0.
Exponential family with T(x) = (log x, (log x)^2), eta = (mu / sigma^2, -1 / (2 sigma^2)),
A(eta) = -eta_1^2 / (4 eta_2) - log(-2 eta_2) / 2 (the normal's), log h(x) = -log x - log(2 pi)/2.
scipy: ``lognorm(s=sigma, scale=exp(mu))``.

Transform invariance: X = exp(Y) with Y ~ N(mu, sigma^2), and KL divergence is invariant under a
bijection applied to both arguments, so KL(LogNormal(mu1, sigma1) || LogNormal(mu2, sigma2)) equals
KL(Normal(mu1, sigma1) || Normal(mu2, sigma2)); the derivation shows it, since the Jacobian term
log h(x) = -log x cancels in the Bregman divergence (tests/test_families_batch_a.py checks it).
Entropies differ by E[log X] = mu: H(LogNormal) = H(Normal) + mu.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 14.

>>> from symkl.families import LogNormal
>>> LogNormal(0, 1)
LogNormal(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, ExpFamilyView, Family, Param

LogNormal = Family(
    name="LogNormal",
    latex_name=r"\mathrm{{LogNormal}}\left({0}, {1}^{{2}}\right)",
    params=(Param("mu", r"\mu", REAL), Param("sigma", r"\sigma", POSITIVE)),
    discrete=False,
    support=lambda mu, sigma: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, mu, sigma: (-(sp.log(x) - mu) ** 2 / (2 * sigma**2) - sp.log(x)
                                 - sp.log(2 * sp.pi * sigma**2) / 2),
    expfam=ExpFamilyView(
        natural_params=lambda mu, sigma: (mu / sigma**2, -1 / (2 * sigma**2)),
        log_partition=lambda eta: -eta[0] ** 2 / (4 * eta[1]) - sp.log(-2 * eta[1]) / 2,
        stats=lambda x: (sp.log(x), sp.log(x) ** 2),
        log_base=lambda x: -sp.log(x) - sp.log(2 * sp.pi) / 2,
        natural_domain=lambda eta: eta[1] < 0,
    ),
    description="mu, sigma: mean and standard deviation of log X",
)
