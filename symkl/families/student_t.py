"""Student's t distribution ``StudentT(nu, mu, sigma)``: degrees of freedom nu, location mu,
*scale* sigma (not the standard deviation).

Mathematical details: with z = (x - mu) / sigma,
p(x) = Gamma((nu + 1)/2) / (Gamma(nu/2) sqrt(nu pi) sigma) (1 + z^2 / nu)^(-(nu + 1)/2)
on the real line; nu > 0 need not be an integer.  Not an exponential family.
Source: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* vol. 2, ch. 28;
the parametrization is scipy's ``t(df=nu, loc=mu, scale=sigma)``.

>>> from symkl.families import StudentT
>>> StudentT(3, 0, 1)
StudentT(3, 0, 1)
"""
import sympy as sp

from symkl.family import POSITIVE, REAL, Family, Param

StudentT = Family(
    name="StudentT",
    latex_name=r"t_{{{0}}}\left({1}, {2}\right)",
    params=(Param("nu", r"\nu", POSITIVE), Param("mu", r"\mu", REAL),
            Param("sigma", r"\sigma", POSITIVE)),
    discrete=False,
    support=lambda nu, mu, sigma: sp.Reals,
    logpdf=lambda x, nu, mu, sigma: (sp.loggamma((nu + 1) / 2) - sp.loggamma(nu / 2)
                                     - sp.log(nu * sp.pi) / 2 - sp.log(sigma)
                                     - (nu + 1) / 2 * sp.log(1 + (x - mu)**2 / (nu * sigma**2))),
    # mu + sigma T with T standard: moments of T are integrals SymPy does at once (those of
    # X, in the expanded quadratic, it does not)
    representation=lambda nu, mu, sigma: None if (mu, sigma) == (0, 1) else (
        StudentT(nu, 0, 1), lambda t: mu + sigma * t),
    description="degrees of freedom nu, location mu, scale sigma",
)
