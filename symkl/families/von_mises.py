"""Von Mises distribution ``VonMises(mu, kappa)`` on the circle (-pi, pi]: mean direction mu,
concentration kappa.

Mathematical details: p(x) = exp(kappa cos(x - mu)) / (2 pi I0(kappa)), I0 the modified Bessel
function of the first kind.  Exponential family with T(x) = (cos x, sin x),
eta = (kappa cos mu, kappa sin mu), A(eta) = log(2 pi I0(|eta|)), h(x) = 1; so
E[T] = grad A = I1(kappa)/I0(kappa) (cos mu, sin mu).
Source: Mardia & Jupp, *Directional Statistics* (2000), section 3.5.4.

>>> from symkl.families import VonMises
>>> VonMises(0, 1)
VonMises(0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, ExpFamilyView, Family, Param

VonMises = Family(
    name="VonMises",
    latex_name=r"\mathrm{{VonMises}}\left({0}, {1}\right)",
    params=(Param("mu", r"\mu", REAL), Param("kappa", r"\kappa", POSITIVE)),
    discrete=False,
    support=lambda mu, kappa: sp.Interval.Lopen(-sp.pi, sp.pi),
    logpdf=lambda x, mu, kappa: (kappa * sp.cos(x - mu) - sp.log(2 * sp.pi)
                                 - sp.log(sp.besseli(0, kappa))),
    expfam=ExpFamilyView(
        natural_params=lambda mu, kappa: (kappa * sp.cos(mu), kappa * sp.sin(mu)),
        log_partition=lambda eta: sp.log(2 * sp.pi * sp.besseli(0, sp.sqrt(eta[0]**2
                                                                             + eta[1]**2))),
        stats=lambda x: (sp.cos(x), sp.sin(x)),
        log_base=lambda x: sp.S.Zero,
    ),
    description="mean direction mu, concentration kappa",
)
