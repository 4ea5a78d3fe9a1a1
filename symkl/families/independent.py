"""Products of independent univariate families: ``Independent(F1, F2, ...)`` or
``Independent(F, n)``.

Mathematical details: X = (X_1, ..., X_n) with independent coordinates X_i ~ F_i, density
p(x) = prod_i p_i(x_i) on the product of the supports; log p(x) = sum_i log p_i(x_i).
Parameters: the coordinates' parameters in order, each renamed ``<name><i>_`` (``mu1_``,
``sigma1_``, ``mu2_``, ...; bound to ``mu1_1``: coordinate 1 of distribution 1).
``Independent(Normal, 3)`` is three normals with their own parameters (not i.i.d. copies).
No exponential-family view is declared: the KL of a product is derived by the linearity route,
which splits log q(x) into statistics of single coordinates, and each statistic's mean comes
from its coordinate's family (``Family.marginals``; see ``expectation._by_marginal``).
Source: Cover & Thomas, *Elements of Information Theory*, 2nd ed., section 2.5 (the chain
rule; KL is additive over independent coordinates).

>>> from symkl.families import Normal, Exponential
>>> F = Independent(Normal, Exponential)
>>> [p.name for p in F.params], F.kind
(['mu1_', 'sigma1_', 'lam2_'], 'independent product (continuous, continuous)')
>>> Independent(Normal, 2) is Independent(Normal, Normal)
True
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from symkl.family import Family, Param, reject
from symkl.multivariate import coordinates, vector


def Independent(*components) -> Family:
    """The product family of the given univariate families (or of one family n times)."""
    if len(components) == 2 and isinstance(components[1], int) and not isinstance(
            components[1], bool):
        family, n = components
        if n < 1:
            raise reject("Independent", "n", "a positive integer", n)
        components = (family,) * n
    for f in components:
        if not isinstance(f, Family):
            raise TypeError(f"Independent takes families such as Normal (not instances), "
                            f"got {f!r}")
        if f.vector is not None or f.discrete:
            raise reject("Independent", f.name, "a continuous univariate family", f.name)
    if not components:
        raise reject("Independent", "components", "at least one family", "none")
    return _product(tuple(components))


def _shifted(template: str, start: int, count: int) -> str:
    """A component's LaTeX template with its placeholders renumbered from ``start`` and its
    literal braces still escaped (the product's template is formatted once more)."""
    marks = [f"\x00{start + j}\x00" for j in range(count)]
    text = template.format(*marks).replace("{", "{{").replace("}", "}}")
    for j in range(count):
        text = text.replace(marks[j], "{" + str(start + j) + "}")
    return text


@cache
def _product(components: tuple[Family, ...]) -> Family:
    n = len(components)
    X = vector(n)
    sizes = [len(f.params) for f in components]
    starts = [sum(sizes[:i]) for i in range(n)]

    def split(values):
        return [tuple(values[s:s + k]) for s, k in zip(starts, sizes)]

    def logpdf(x, *values):
        return sp.Add(*[f.logpdf(xi, *v) for f, xi, v in zip(components, coordinates(x),
                                                             split(values))])

    params = tuple(Param(f"{p.name}{i + 1}_", p.latex, p.domain)
                   for i, f in enumerate(components) for p in f.params)
    latex = r" \otimes ".join(_shifted(f.latex_name, s, k)
                               for f, s, k in zip(components, starts, sizes))
    name = "Independent(" + ", ".join(f.name for f in components) + ")"

    def validate(*values):
        for f, v in zip(components, split(values)):
            f.validate(*v)

    return Family(
        name=name,
        latex_name=latex,
        params=params,
        discrete=False,
        support=lambda *values: sp.ProductSet(*[f.support(*v) for f, v in
                                                zip(components, split(values))]),
        logpdf=logpdf,
        description="independent coordinates: " + ", ".join(f.name for f in components),
        validate=validate,
        group="independent product (" + ", ".join(f.kind for f in components) + ")",
        vector=X,
        condition=lambda *values: sp.And(*[f.condition(*v) for f, v in
                                           zip(components, split(values))]),
        marginals=lambda *values: tuple(zip(components, split(values))),
    )
