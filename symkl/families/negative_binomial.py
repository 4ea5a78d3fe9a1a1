"""Negative binomial ``NegativeBinomial(r, p)``: failures before the r-th success.

Mathematical details: p(k) = binomial(k + r - 1, k) p^r (1 - p)^k on k = 0, 1, 2, ...
(mean r (1 - p)/p), with success probability p and r > 0 (a real r is the Polya form).
Beware: torch.distributions.NegativeBinomial(total_count, probs) counts the events of
probability ``probs`` before ``total_count`` of the others, so it is this distribution with
total_count = r and probs = 1 - p; scipy.stats.nbinom(r, p) is this distribution as written.
r = 1 is Geometric(p).  For fixed r an exponential family with T(k) = k, eta = log(1 - p),
A(eta) = -r log(1 - exp(eta)), log h(k) = log binomial(k + r - 1, k).
r is an *index* parameter (like Binomial's n): left unnamed it is the same ``r`` on both sides.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.2.

>>> import sympy as sp
>>> from symkl.families import NegativeBinomial
>>> NegativeBinomial(3, sp.Rational(1, 2))
NegativeBinomial(3, 1/2)
"""
import sympy as sp

from symkl.family import POSITIVE, UNIT_INTERVAL, ExpFamilyView, Family, Param

NegativeBinomial = Family(
    name="NegativeBinomial",
    latex_name=r"\mathrm{{NB}}\left({0}, {1}\right)",
    params=(Param("r", "r", POSITIVE, index=True), Param("p", "p", UNIT_INTERVAL)),
    discrete=True,
    support=lambda r, p: sp.Range(0, sp.oo),
    logpdf=lambda k, r, p: (sp.log(sp.binomial(k + r - 1, k)) + r * sp.log(p)
                            + k * sp.log(1 - p)),
    expfam=ExpFamilyView(
        natural_params=lambda r, p: (sp.log(1 - p),),
        log_partition=lambda eta, r: -r * sp.log(1 - sp.exp(eta[0])),
        stats=lambda k: (k,),
        log_base=lambda k, r: sp.log(sp.binomial(k + r - 1, k)),
        natural_domain=lambda eta: sp.Lt(eta[0], 0),
        fixed=lambda r, p: (r,),
    ),
    description="r successes (fixed), success probability p; counts failures (torch: probs=1-p)",
)
