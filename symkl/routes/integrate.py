"""Last resort: the defining integral (or sum) itself, split at breakpoints.

KL(P || Q) = integral of p(x) (log p(x) - log q(x)) over supp P, and H(P) = -integral p log p;
H(P, Q) is then KL + H(P).  Runs under the engine's time budget like every route.

>>> import sympy as sp
>>> from symkl.families import Laplace
>>> x = sp.Symbol("x", real=True)
>>> sp.simplify(derive(Laplace(0, 1).bind(1), None, x).entropy - 1 - sp.log(2))
0
"""
from __future__ import annotations

import sympy as sp

from symkl.family import Bound
from symkl.integration import abs_kinks, integrate_over, sum_over
from symkl.steps import Pieces, Step


def derive(P: Bound, Q: Bound | None, x: sp.Symbol) -> Pieces:
    """H(P) and H(P, Q) from the defining integrals over P's support."""
    log_p = sp.expand(sp.expand_log(P.logpdf(x), force=True))
    entropy = -_integral(log_p, P, Q, x)
    steps = [Step("entropy H(P)", r"H(P) = -\int p \log p", entropy)]
    cross = None
    if Q is not None:
        log_ratio = sp.expand(sp.expand_log(P.logpdf(x) - Q.logpdf(x), force=True))
        kl = _integral(log_ratio, P, Q, x)
        steps.insert(0, Step("defining integral", r"\int p \log\frac{p}{q}", kl))
        cross = kl + entropy
        steps.insert(1, Step("cross-entropy H(P,Q)", "H(P, Q)", cross))
    return Pieces(entropy=entropy, cross_entropy=cross, steps=steps)


def _integral(g: sp.Expr, P: Bound, Q: Bound | None, x: sp.Symbol) -> sp.Expr:
    integrand = P.density(x) * g
    if P.family.discrete:
        return sp.simplify(sum_over(integrand, x, P.support()))
    points = list(P.breakpoints()) + list(Q.breakpoints() if Q else ()) + abs_kinks(g, x)
    return sp.simplify(integrate_over(integrand, x, P.support(), points))
