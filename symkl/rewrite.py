"""Small rewrites shared by the density and the moment rules.

>>> import sympy as sp
>>> a = sp.Symbol("a", positive=True)
>>> exp_of_sum(sp.loggamma(a + 1) - sp.loggamma(a) + 2 * sp.log(a))
a**2*gamma(a + 1)/gamma(a)
"""
from __future__ import annotations

import sympy as sp


def exp_of_sum(log_expr: sp.Expr) -> sp.Expr:
    """exp(log_expr) as a product of powers: c log u -> u^c, c loggamma u -> Gamma(u)^c."""
    factors = []
    for term in sp.Add.make_args(sp.expand(sp.expand_log(log_expr, force=True))):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, (sp.log, sp.loggamma))]
        if len(logs) == 1:
            base = logs[0].args[0] if isinstance(logs[0], sp.log) else sp.gamma(logs[0].args[0])
            factors.append(base ** (term / logs[0]))
        else:
            factors.append(sp.exp(term))
    return sp.powsimp(sp.Mul(*factors), combine="exp")


def erf_of_imaginary(e: sp.Expr) -> sp.Expr:
    """erf of an imaginary argument as the real erfi, erf(I z) = I erfi(z), after dropping
    polar_lift (SymPy's Meijer G integrals leave both: E[log(x - m)] under a Levy law).

    >>> z = sp.Symbol("z", positive=True)
    >>> erf_of_imaginary(sp.I * sp.pi * sp.erf(sp.I * z / sp.sqrt(sp.polar_lift(2))))
    -pi*erfi(sqrt(2)*z/2)
    """
    e = sp.unpolarify(e)

    def imaginary(n: sp.Basic) -> bool:
        return isinstance(n, sp.erf) and not sp.expand(n.args[0] / sp.I).has(sp.I)
    return e.replace(imaginary, lambda n: sp.I * sp.erfi(sp.expand(n.args[0] / sp.I)))
