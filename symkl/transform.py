"""New families from old: the law of Y = g(X) for a strictly monotone g and X from a family.

The pushed-forward family keeps the base's parameters.  Its log-density is
log p_X(g^-1(y)) + log |d g^-1 / dy|, its support the image of the base's support, and, when the
base is an exponential family, so is the new one, with T(g^-1(y)), the same natural parameters
and log-partition, and the Jacobian moved into log h.  It also records the representation
Y = g(X), so expectations under it can be taken under the base.

KL divergence is invariant under a bijection applied to both arguments, and the derivation shows
it: the Jacobian is part of log h, which cancels in the Bregman divergence.

>>> import sympy as sp
>>> import symkl
>>> from symkl.families import Normal
>>> LogN = pushforward(Normal, "LogNormalByExp", sp.exp, sp.log)
>>> sp.simplify(symkl.kl(LogN(), LogN()).expr - symkl.kl(Normal(), Normal()).expr)
0
"""
from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from symkl.family import ExpFamilyView, Family

Expr = sp.Expr


def pushforward(base: Family, name: str, forward: Callable[[Expr], Expr],
                inverse: Callable[[Expr], Expr], increasing: bool = True,
                latex_name: str | None = None) -> Family:
    """The family of Y = forward(X) for X ~ ``base``; ``inverse`` undoes ``forward``.

    ``forward`` must be strictly increasing on the base's support (``increasing=False``: strictly
    decreasing); the Jacobian's sign is taken from that, not guessed.

    >>> import sympy as sp
    >>> from symkl.families import Gamma
    >>> InvG = pushforward(Gamma, "InvGammaByReciprocal", lambda x: 1 / x, lambda y: 1 / y,
    ...                    increasing=False)
    >>> InvG(2, 3).bind(1).support()
    Interval.open(0, oo)
    """
    if base.discrete:
        raise ValueError(f"pushforward: {base.name} is discrete; a change of variables needs a "
                         f"density (relabel a discrete family's support instead)")
    sign = 1 if increasing else -1

    def log_jacobian(y: Expr) -> Expr:
        return sp.log(sign * sp.diff(inverse(y), y))

    def logpdf(y: Expr, *params: Expr) -> Expr:
        return base.logpdf(inverse(y), *params) + log_jacobian(y)

    def support(*params: Expr) -> sp.Set:
        s = base.support(*params)
        t = sp.Dummy("t", real=True)
        ends = [sp.limit(forward(t), t, s.inf, "+"), sp.limit(forward(t), t, s.sup, "-")]
        lo, hi = ends if increasing else ends[::-1]
        return sp.Interval.open(lo, hi)

    expfam = None
    if base.expfam is not None:
        ef = base.expfam
        expfam = ExpFamilyView(
            natural_params=ef.natural_params, log_partition=ef.log_partition,
            stats=lambda y: tuple(ef.stats(inverse(y))),
            log_base=lambda y: ef.log_base(inverse(y)) + log_jacobian(y),
            natural_domain=ef.natural_domain)
    return Family(
        name=name, latex_name=latex_name or (r"\mathrm{{" + name + r"}}\left(" + ", ".join(
            f"{{{i}}}" for i in range(len(base.params))) + r"\right)"),
        params=base.params, discrete=False, support=support, logpdf=logpdf,
        breakpoints=lambda *params: tuple(forward(b) for b in base.breakpoints(*params)),
        expfam=expfam,
        representation=lambda *params: (base(*params), forward),
        description=f"the law of {forward(sp.Symbol('X'))} for X ~ {base.name}",
        validate=base.validate, group=base.group)
