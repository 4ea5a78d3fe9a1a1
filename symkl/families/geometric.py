"""Geometric distribution ``Geometric(p)``: the number of *failures* before the first success.

Mathematical details: p(k) = (1 - p)^k p on k = 0, 1, 2, ... (mean (1 - p)/p).
This is torch.distributions.Geometric's convention; scipy.stats.geom counts *trials*
(k + 1, on 1, 2, ...), so scipy's geom(p, loc=-1) is this distribution.
Exponential family with T(k) = k, eta = log(1 - p), A(eta) = -log(1 - exp(eta)), h(k) = 1.
Source: Casella & Berger, *Statistical Inference*, 2nd ed., section 3.2 (failures form).

>>> import sympy as sp
>>> from symkl.families import Geometric
>>> Geometric(sp.Rational(1, 2))
Geometric(1/2)
"""
import sympy as sp

from symkl.family import UNIT_INTERVAL, ExpFamilyView, Family, Param

Geometric = Family(
    name="Geometric",
    latex_name=r"\mathrm{{Geometric}}\left({0}\right)",
    params=(Param("p", "p", UNIT_INTERVAL),),
    discrete=True,
    support=lambda p: sp.Range(0, sp.oo),
    logpdf=lambda k, p: k * sp.log(1 - p) + sp.log(p),
    expfam=ExpFamilyView(
        natural_params=lambda p: (sp.log(1 - p),),
        log_partition=lambda eta: -sp.log(1 - sp.exp(eta[0])),
        stats=lambda k: (k,),
        log_base=lambda k: sp.S.Zero,
        natural_domain=lambda eta: sp.Lt(eta[0], 0),
    ),
    description="success probability p; counts failures before the first success (torch)",
)
