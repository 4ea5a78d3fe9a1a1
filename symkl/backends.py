"""Numeric functions from closed forms: numpy (+scipy.special) and mpmath backends.

>>> import sympy as sp
>>> a = sp.Symbol("a", positive=True)
>>> f = lambdify(sp.loggamma(a) + sp.digamma(a), (a,), "numpy")
>>> round(float(f(1.0)), 6)
-0.577216
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from symkl.family import exact_number

BACKENDS = ("numpy", "mpmath")


def _numpy_modules() -> list:
    import scipy.special as sc
    def polygamma(n, x):  # digamma directly: scipy's polygamma(0, x) costs ~1.7x as much
        return sc.digamma(x) if n == 0 else sc.polygamma(n, x)

    return [{"loggamma": sc.gammaln, "digamma": sc.digamma, "polygamma": polygamma,
             "erf": sc.erf, "erfc": sc.erfc, "gamma": sc.gamma, "beta": sc.beta,
             "besseli": sc.iv}, "numpy"]


def lambdify(expr: sp.Expr, params: Sequence[sp.Symbol], backend: str = "numpy"
             ) -> Callable[..., Any]:
    """A function of ``params`` (positional in order, or by keyword) evaluating ``expr``."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; known backends: {', '.join(BACKENDS)}")
    params = tuple(params)
    if expr.has(sp.Sum):
        if backend == "numpy":
            raise ValueError("this closed form contains an infinite series, which the numpy "
                             "backend cannot evaluate; use backend='mpmath'")
        core = _series_function(expr, params)
    else:
        modules = _numpy_modules() if backend == "numpy" else ["mpmath"]
        core = sp.lambdify(params, expr, modules=modules)
    names = [s.name for s in params]

    def function(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            unknown = set(kwargs) - set(names)
            if unknown:
                raise TypeError(f"unknown parameters {sorted(unknown)}; expected {names}")
            values = list(args) + [kwargs[n] for n in names[len(args):] if n in kwargs]
        else:
            values = list(args)
        if len(values) != len(names):
            raise TypeError(f"expected {len(names)} parameters {names}, got {len(values)}")
        return core(*values)

    function.__doc__ = f"{expr}\n\nParameters, in order: {', '.join(names)}."
    function.params = names  # type: ignore[attr-defined]
    return function


def _series_function(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    def evaluate(*values: Any) -> Any:
        import mpmath
        point = {s: exact_number(v, s.name) for s, v in zip(params, values)}
        return mpmath.mpf(str(sp.N(expr.xreplace(point), mpmath.mp.dps)))
    return evaluate
