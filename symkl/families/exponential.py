"""Exponential distribution ``Exponential(lam)`` with *rate* lam (mean 1/lam).

Mathematical details: p(x) = lam exp(-lam x) for x > 0.
Exponential family with T(x) = x, eta = -lam, A(eta) = -log(-eta), h(x) = 1.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.3.

>>> from symkl.families import Exponential
>>> Exponential(2)
Exponential(2)
"""
import sympy as sp

from symkl.family import POSITIVE, ExpFamilyView, Family, Param

Exponential = Family(
    name="Exponential",
    latex_name=r"\mathrm{{Exp}}\left({0}\right)",
    params=(Param("lam", r"\lambda", POSITIVE),),
    discrete=False,
    support=lambda lam: sp.Interval.open(0, sp.oo),
    logpdf=lambda x, lam: sp.log(lam) - lam * x,
    expfam=ExpFamilyView(
        natural_params=lambda lam: (-lam,),
        log_partition=lambda eta: -sp.log(-eta[0]),
        stats=lambda x: (x,),
        log_base=lambda x: sp.S.Zero,
        natural_domain=lambda eta: eta[0] < 0,
    ),
    description="rate lam (mean 1/lam)",
)
