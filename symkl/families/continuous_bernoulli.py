"""Continuous Bernoulli distribution ``ContinuousBernoulli(lam)`` on [0, 1], shape lam in (0, 1).

Mathematical details: p(x) = C(lam) lam^x (1 - lam)^(1 - x) for 0 <= x <= 1, with normaliser
C(lam) = 2 artanh(1 - 2 lam) / (1 - 2 lam) (and C(1/2) = 2).  lam is *not* the mean.
Exponential family with T(x) = x, eta = log(lam / (1 - lam)), A(eta) = log((e^eta - 1) / eta),
h(x) = 1.  A has a removable singularity at eta = 0 (lam = 1/2, the uniform density): every
closed form derived from it is then a 0/0 whose limit is the value (it is continuous in lam), so
the seeded verification points avoid lam = 1/2 and the limit there is checked separately.
Source: Loaiza-Ganem & Cunningham, "The continuous Bernoulli: fixing a pervasive error in
variational autoencoders", NeurIPS 2019, eq. (1)-(3) and appendix.

>>> from symkl.families import ContinuousBernoulli
>>> import sympy as sp
>>> ContinuousBernoulli(sp.Rational(1, 4))
ContinuousBernoulli(1/4)
"""
import sympy as sp

from symkl.family import UNIT_INTERVAL, Domain, ExpFamilyView, Family, Param

# (0, 1) as UNIT_INTERVAL, but sampled off lam = 1/2 where the closed forms are 0/0 (see above)
_OFF_HALF = Domain("UnitInterval", UNIT_INTERVAL.assumptions, UNIT_INTERVAL.condition_of,
                   UNIT_INTERVAL.describe,
                   lambda r: sp.Rational(r.choice((1, 2, 3, 4, 6, 7, 8, 9)), 10))


def _log_partition(eta):
    return sp.log((sp.exp(eta[0]) - 1) / eta[0])


ContinuousBernoulli = Family(
    name="ContinuousBernoulli",
    latex_name=r"\mathcal{{CB}}\left({0}\right)",
    params=(Param("lam", r"\lambda", _OFF_HALF),),
    discrete=False,
    support=lambda lam: sp.Interval(0, 1),
    logpdf=lambda x, lam: (x * sp.log(lam) + (1 - x) * sp.log(1 - lam)
                           + sp.log(sp.log(lam / (1 - lam)) / (2 * lam - 1))),
    expfam=ExpFamilyView(
        natural_params=lambda lam: (sp.log(lam / (1 - lam)),),
        log_partition=_log_partition,
        stats=lambda x: (x,),
        log_base=lambda x: sp.S.Zero,
    ),
    description="shape lam in (0, 1) (not the mean); lam = 1/2 is the uniform density",
)
