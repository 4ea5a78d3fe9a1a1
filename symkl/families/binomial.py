"""Binomial distribution ``Binomial(n, p)``: successes in n independent trials of probability p.

Mathematical details: p(k) = binomial(n, k) p^k (1 - p)^(n - k) on k = 0, 1, ..., n.
For fixed n an exponential family with T(k) = k, eta = log(p / (1 - p)),
A(eta) = n log(1 + exp(eta)), log h(k) = log binomial(n, k).

n is an *index* parameter: it picks the family, p picks the member.  Left unnamed, n is the
same symbol ``n`` on both sides, so ``kl(Binomial(), Binomial())`` is the textbook
n (p1 log(p1/p2) + (1 - p1) log((1 - p1)/(1 - p2))); ``Binomial(10)`` against ``Binomial()``
uses n = 10 on both sides.  Different trial counts must be asked for explicitly
(``Binomial(3)`` against ``Binomial(5)``, or the names ``"n1"`` and ``"n2"``); then the
supports differ and KL is finite only when n1 <= n2.  n must be a positive integer.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.2.

>>> import sympy as sp
>>> from symkl.families import Binomial
>>> Binomial(10, sp.Rational(1, 4))
Binomial(10, 1/4)
"""
import sympy as sp

from symkl.family import POSITIVE_INTEGER, UNIT_INTERVAL, ExpFamilyView, Family, Param

Binomial = Family(
    name="Binomial",
    latex_name=r"\mathrm{{Binomial}}\left({0}, {1}\right)",
    params=(Param("n", "n", POSITIVE_INTEGER, index=True), Param("p", "p", UNIT_INTERVAL)),
    discrete=True,
    support=lambda n, p: sp.Range(0, n + 1),
    logpdf=lambda k, n, p: sp.log(sp.binomial(n, k)) + k * sp.log(p) + (n - k) * sp.log(1 - p),
    expfam=ExpFamilyView(
        natural_params=lambda n, p: (sp.log(p / (1 - p)),),
        log_partition=lambda eta, n: n * sp.log(1 + sp.exp(eta[0])),
        stats=lambda k: (k,),
        log_base=lambda k, n: sp.log(sp.binomial(n, k)),
        fixed=lambda n, p: (n,),
    ),
    description="n trials (fixed), success probability p",
)
