"""Result: a derived quantity with its steps, LaTeX, numeric functions and verification.

>>> import symkl
>>> from symkl.families import Normal
>>> r = symkl.kl(Normal(), Normal())
>>> r.params
(mu1, sigma1, mu2, sigma2)
>>> r.route
'bregman'
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symkl.family import Bound, Domain, exact_number
from symkl.steps import Step


def value_at(expr: sp.Expr, point: dict) -> sp.Expr:
    """``expr`` at ``point``; where plain substitution gives 0 * log 0 (nan) at the edge of the
    parameter space (Uniform(a, 1) against Beta), the limit towards that point instead.

    >>> u = sp.Symbol("u", positive=True)
    >>> value_at(u * sp.log(u) + 1, {u: 0})
    1
    """
    value = expr.xreplace(point)
    if not value.has(sp.nan, sp.zoo):
        return value
    if isinstance(expr, sp.Piecewise):
        for branch, condition in expr.args:
            if condition.xreplace(point) == sp.S.true:
                return value_at(branch, point)
    partial = expr
    for symbol, v in point.items():
        step = partial.xreplace({symbol: v})
        if step.has(sp.nan, sp.zoo):
            for side in ("+", "-"):
                step = sp.limit(partial, symbol, v, side)
                if step.is_extended_real:
                    break
        partial = step
    return partial


@dataclass(frozen=True)
class Result:
    """A derived closed form (or a documented infinity) for a quantity of P (and Q).

    ``expr`` is the closed form; ``params`` the free parameters in order (P's, then Q's);
    ``route`` the route that derived it; ``steps`` named intermediate results; ``conditions``
    validity conditions beyond the declared domains; ``reason`` why the value is infinite.
    """

    quantity: str
    P: Bound
    Q: Bound | None
    expr: sp.Expr
    route: str
    steps: tuple[Step, ...]
    conditions: tuple[sp.Basic, ...]
    reason: str
    lhs: str
    domains: dict[sp.Symbol, Domain] = field(hash=False, compare=False)
    order: sp.Expr | None = None  # alpha of the power integral (Renyi and relatives)
    generator: sp.Lambda | None = None  # f of an f-divergence

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        """The free parameters: P's symbols then Q's, in family parameter order."""
        seen: list[sp.Symbol] = []
        for b in (self.P, self.Q):
            if b is not None:
                seen += [s for s in b.symbols() if s not in seen]
        if self.order is not None:
            seen += sorted((s for s in self.order.free_symbols if s not in seen), key=str)
        return tuple(seen)

    @property
    def is_infinite(self) -> bool:
        """True when the quantity is +infinity (see ``reason``)."""
        return bool(self.expr == sp.oo)

    def latex(self, steps: bool = False, document: bool = False, **options: Any) -> str:
        """LaTeX of the closed form; ``steps=True`` the derivation; ``document=True`` standalone.

        >>> import symkl
        >>> from symkl.families import Normal
        >>> print(symkl.kl(Normal(), Normal()).latex())  # doctest: +ELLIPSIS
        D_{\\mathrm{KL}}\\left(\\mathcal{N}\\left(\\mu_{1}, \\sigma_{1}^{2}\\right) ...
        """
        from symkl.latex import render
        return render(self, steps=steps, document=document, **options)

    def lambdify(self, backend: str = "numpy", of: str = "value", dtype: str | None = None,
                 validate: bool = False) -> Callable[..., Any]:
        """A numeric function of ``params`` (positional, in order, or by keyword).

        ``backend`` is numpy (scipy.special), torch, jax (float64 or ``dtype="float32"``,
        broadcasting, differentiable) or mpmath (at ``mpmath.mp.dps``).  ``of="gradient"`` or
        ``"hessian"`` gives the derivatives instead (arrays of them, leading axes first).
        Parameters outside their domains give NaN or a meaningless number unless
        ``validate=True``, which raises ValueError naming the parameter.  The code is stable:
        see :mod:`symkl.stable` and :mod:`symkl.program`.

        >>> import symkl
        >>> from symkl.families import Normal
        >>> f = symkl.kl(Normal(), Normal()).lambdify()
        >>> float(f(0, 1, 1, 1))
        0.5
        >>> symkl.kl(Normal(), Normal()).lambdify(validate=True)(0, -1, 1, 1)
        Traceback (most recent call last):
        ValueError: parameter sigma1 must be > 0, got -1.0 (1 value(s) outside the domain)
        """
        from symkl.backends import lambdify
        from symkl.remainder import taylor_remainder
        if any(isinstance(p, sp.MatrixSymbol) for p in self.params):  # symbolic dimension
            from symkl import matrix_code
            if of != "value" or dtype is not None or validate:
                raise ValueError(
                    f"{self.P.family.name}: matrix parameters of symbolic size give the value "
                    "only (float64, no validate=); for gradients, float32 or validation take a "
                    "concrete dimension (e.g. MultivariateNormal(2))")
            return matrix_code.lambdify(self.expr, self.params, self.P.family.vector.shape[0],
                                        backend, self.conditions)
        targets = {"value": lambda: self.expr, "gradient": self.gradient, "hessian": self.hessian}
        if of not in targets:
            raise ValueError(f"of must be one of {', '.join(targets)}, got {of!r}")
        remainder = taylor_remainder(self) if of == "value" and backend != "mpmath" else None
        return lambdify(targets[of](), self.params, backend, dtype=dtype, validate=validate,
                        domains=self.domains, conditions=self.conditions, remainder=remainder)

    def verify(self, points: int = 3, seed: int = 0, dps: int = 30, tol: float = 1e-20):
        """Compare with mpmath quadrature of the definition at seeded admissible points.

        >>> import symkl
        >>> from symkl.families import Exponential
        >>> symkl.kl(Exponential(), Exponential()).verify().ok
        True
        """
        from symkl.verify import verify
        return verify(self, points=points, seed=seed, dps=dps, tol=tol)

    def gradient(self) -> sp.Matrix:
        """The derivatives of the closed form with respect to ``params`` (a column).

        >>> import symkl
        >>> from symkl.families import Exponential
        >>> symkl.kl(Exponential(), Exponential()).gradient().T
        Matrix([[(lam1 - lam2)/lam1**2, -1/lam2 + 1/lam1]])
        """
        from symkl.canonical import canonical
        return sp.Matrix([canonical(sp.diff(self.expr, s)) for s in self.params])

    def hessian(self) -> sp.Matrix:
        """The matrix of second derivatives with respect to ``params``."""
        from symkl.canonical import canonical
        return sp.Matrix(len(self.params), len(self.params),
                         lambda i, j: canonical(sp.diff(self.expr, self.params[i],
                                                        self.params[j])))

    def subs(self, **values: Any) -> sp.Expr:
        """The closed form at named parameter values, exactly (names as in ``params``)."""
        by_name = {s.name: s for s in self.params}
        unknown = set(values) - set(by_name)
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}; known: {sorted(by_name)}")
        point = {by_name[k]: exact_number(v, k) for k, v in values.items()}
        return value_at(self.expr, point)

    def __repr__(self) -> str:
        pair = self.P.family.name + (f" || {self.Q.family.name}" if self.Q is not None else "")
        extra = f", reason={self.reason!r}" if self.reason else ""
        return f"Result({self.quantity}[{pair}] = {self.expr}, route={self.route!r}{extra})"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"
