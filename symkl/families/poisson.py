"""Poisson distribution ``Poisson(lam)`` with mean (rate) lam, on k = 0, 1, 2, ...

Mathematical details: p(k) = lam^k exp(-lam) / k!.
Exponential family with T(k) = k, eta = log lam, A(eta) = exp(eta), log h(k) = -log k!.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.2.

>>> from symkl.families import Poisson
>>> Poisson(3)
Poisson(3)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

Poisson = Family(
    name="Poisson",
    latex_name=r"\mathrm{{Poisson}}\left({0}\right)",
    params=(Param("lam", r"\lambda", POSITIVE),),
    discrete=True,
    support=lambda lam: sp.Range(0, sp.oo),
    logpdf=lambda k, lam: k * sp.log(lam) - lam - sp.log(sp.factorial(k)),
    expfam=ExpFamilyView(
        natural_params=lambda lam: (sp.log(lam),),
        log_partition=lambda eta: sp.exp(eta[0]),
        stats=lambda k: (k,),
        log_base=lambda k: -sp.log(sp.factorial(k)),
    ),
    description="mean lam",
)
