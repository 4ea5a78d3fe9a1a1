"""Bernoulli distribution ``Bernoulli(p)``: P(X = 1) = p, on {0, 1}.

Mathematical details: p(k) = p^k (1 - p)^(1 - k).
Exponential family with T(k) = k, eta = log(p / (1 - p)), A(eta) = log(1 + exp(eta)), h(k) = 1.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.2.

>>> from symkl.families import Bernoulli
>>> import sympy as sp
>>> Bernoulli(sp.Rational(1, 3))
Bernoulli(1/3)
"""
import sympy as sp

from symkl.family import UNIT_INTERVAL, ExpFamilyView, Family, Param

Bernoulli = Family(
    name="Bernoulli",
    latex_name=r"\mathrm{{Bernoulli}}\left({0}\right)",
    params=(Param("p", "p", UNIT_INTERVAL),),
    discrete=True,
    support=lambda p: sp.Range(0, 2),
    logpdf=lambda k, p: k * sp.log(p) + (1 - k) * sp.log(1 - p),
    expfam=ExpFamilyView(
        natural_params=lambda p: (sp.log(p / (1 - p)),),
        log_partition=lambda eta: sp.log(1 + sp.exp(eta[0])),
        stats=lambda k: (k,),
        log_base=lambda k: sp.S.Zero,
    ),
    description="success probability p",
)
