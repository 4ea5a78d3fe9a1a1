"""Gumbel (maximum) distribution ``Gumbel(mu, beta)``: location mu, *scale* beta.

Mathematical details: p(x) = exp(-(z + exp(-z))) / beta with z = (x - mu) / beta, on the real
line (the max-type extreme-value law; mean mu + beta * EulerGamma).  Not an exponential family
when beta is unknown.  X = mu - beta log U with U ~ Exp(1).  scipy: ``gumbel_r(mu, beta)``.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 2, ch. 22.

>>> from symkl.families import Gumbel
>>> Gumbel(0, 1)
Gumbel(0, 1)
"""
import sympy as sp

from symkl.families.gamma import Gamma
from symkl.family import POSITIVE, REAL, Family, Param

Gumbel = Family(
    name="Gumbel",
    latex_name=r"\mathrm{{Gumbel}}\left({0}, {1}\right)",
    params=(Param("mu", r"\mu", REAL), Param("beta", r"\beta", POSITIVE)),
    discrete=False,
    support=lambda mu, beta: sp.Reals,
    logpdf=lambda x, mu, beta: -(x - mu) / beta - sp.exp(-(x - mu) / beta) - sp.log(beta),
    # Exp(1) written as Gamma(1, 1), whose statistics (log u, u) give E[log U] and E[U^s]
    representation=lambda mu, beta: (Gamma(1, 1), lambda u: mu - beta * sp.log(u)),
    description="location mu, scale beta (max-type; mean mu + beta EulerGamma)",
)
