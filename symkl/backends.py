"""Numeric backends: the functions each library supplies and the array operations it needs.

``numpy`` (with scipy.special), ``torch`` and ``jax`` evaluate generated code
(:mod:`symkl.codegen`, :mod:`symkl.program`) in float64 or float32; ``mpmath`` evaluates the
closed form at ``mpmath.mp.dps`` digits.  torch and jax are optional: they are imported only
when asked for.  A backend that lacks a special function the expression needs is refused when
the function is made, naming what is missing.

>>> import sympy as sp
>>> a = sp.Symbol("a", positive=True)
>>> f = lambdify(sp.loggamma(a) + sp.digamma(a), (a,), "numpy")
>>> round(float(f(1.0)), 6)
-0.577216
>>> lambdify(sp.log(a), (a,), "fortran")
Traceback (most recent call last):
ValueError: unknown backend 'fortran'; known backends: numpy, mpmath, torch, jax
"""
from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from symkl.family import Domain
from symkl.special_forms import (
    besselk_gamma_log_function,
    digamma_tail,
    erfcx_tail_function,
    lgamma_tail,
    tail_function,
    trigamma_tail_function,
)

BACKENDS = ("numpy", "mpmath", "torch", "jax")
DTYPES = ("float64", "float32")


class NumpyOps:
    """Array operations for numpy (and the namespace of functions generated code calls)."""

    name = "numpy"

    def __init__(self, dtype: str):
        import numpy as np
        self.np, self.dtype = np, getattr(np, dtype)

    def namespace(self) -> dict[str, Any]:
        np = self.np
        import scipy.special as sc

        def polygamma(n, x):
            return sc.polygamma(n, x)

        def xlogy(x, y):  # x log y: faster than scipy's; NaN for 0 log 0, which
            with np.errstate(divide="ignore", invalid="ignore"):  # Program fills with 0
                return x * np.log(y)

        def hyper(ap, bq, z):  # mpmath's signature; scipy has 2F1 and 1F1
            if len(ap) == 2 and len(bq) == 1:
                return sc.hyp2f1(*ap, *bq, z)
            if len(ap) == 1 and len(bq) == 1:
                return sc.hyp1f1(*ap, *bq, z)
            raise ValueError(f"the numpy backend has no {len(ap)}F{len(bq)} (scipy.special has "
                             f"2F1 and 1F1); use backend='mpmath'")
        return {"hyper": hyper, "hyper_orders": {(2, 1), (1, 1)},
                "trigamma_tail": trigamma_tail_function(np.where),
                "lgamma_tail": tail_function(lgamma_tail, np.where, sc.gammaln),
                "digamma_tail": tail_function(digamma_tail, np.where, sc.digamma),
                "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "log1p": np.log1p,
                "expm1": np.expm1, "xlogy": xlogy, "xlog1py": sc.xlog1py,
                "lgamma": sc.gammaln, "digamma": sc.digamma, "polygamma": polygamma,
                "gamma": sc.gamma, "erf": sc.erf, "erfc": sc.erfc, "erfcx": sc.erfcx,
                "erfi": sc.erfi,
                "erfcx_tail": erfcx_tail_function(np.where, sc.erfcx), "besselk": sc.kv,
                "besselk_gamma_log": besselk_gamma_log_function(np, sc.kve, sc.gammaln),
                "abs_": np.abs,
                "sign": np.sign, "besseli": sc.iv, "besselie": sc.ive, "beta": sc.beta,
                "betaln": sc.betaln,
                "lowergamma": lambda a, x: sc.gammainc(a, x) * sc.gamma(a),
                "uppergamma": lambda a, x: sc.gammaincc(a, x) * sc.gamma(a),
                "gammainc_lower": sc.gammainc, "gammainc_upper": sc.gammaincc,
                "expi": sc.expi, "lambertw": lambda x: sc.lambertw(x).real,
                "where": np.where, "logical_and": np.logical_and, "logical_or": np.logical_or,
                "logical_not": np.logical_not, "maximum": np.maximum, "minimum": np.minimum,
                "add": np.add, "subtract": np.subtract, "inf": np.inf, "nan": np.nan,
                "cos": np.cos, "sin": np.sin, "atan": np.arctan, "tanh": np.tanh,
                "cosh": np.cosh, "sinh": np.sinh}

    def convert(self, values: Sequence[Any]) -> list[Any]:
        return [self.np.asarray(v, dtype=self.dtype) for v in values]

    def broadcast(self, arrays: Sequence[Any]) -> list[Any]:
        return list(self.np.broadcast_arrays(*arrays))

    def full(self, like: Any, value: float) -> Any:
        return self.np.full(self.np.shape(like), value, dtype=self.dtype)

    def gather(self, a: Any, mask: Any) -> Any:
        return a[mask]

    def eps(self) -> float:
        """The unit roundoff of the working dtype."""
        return float(self.np.finfo(self.dtype).eps)

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        return self.np.where(mask, a, b)

    def column(self, values: Any) -> Any:
        """``values`` as a (n, 1) array of this backend."""
        return self.np.asarray(values, dtype=self.dtype)[:, None]



    def chunks(self, args: Sequence[Any], size: int) -> tuple[tuple[int, ...], list[Any]] | None:
        """Flat views of the broadcast arguments when there are more than ``2 size`` elements.

        Evaluating in chunks keeps temporaries in cache: the check for cancellation then costs
        less than the memory traffic it would otherwise add.
        """
        np = self.np
        shape = np.broadcast_shapes(*[np.shape(a) for a in args])
        if int(np.prod(shape)) <= 2 * size:
            return None
        return shape, [np.broadcast_to(a, shape).ravel() for a in args]

    def scatter(self, out: Any, mask: Any, values: Any) -> Any:
        out = self.np.array(out, dtype=self.dtype, copy=True)
        out[mask] = values
        return out

    def any(self, mask: Any) -> bool:
        return bool(self.np.any(mask))

    def all(self, mask: Any) -> bool:
        return bool(self.np.all(mask))

    def abs(self, a: Any) -> Any:
        return self.np.abs(a)

    def constant(self, a: Any) -> Any:
        """``a`` cut from the gradient: for choices (how many pieces) that are not math."""
        return a

    def isfinite(self, a: Any) -> Any:
        return self.np.isfinite(a)

    def stack(self, arrays: Sequence[Any], shape: tuple[int, ...]) -> Any:
        arrays = self.broadcast([self.np.asarray(a, dtype=self.dtype) for a in arrays])
        out = self.np.stack(arrays)
        return out.reshape(shape + out.shape[1:])


class TorchOps(NumpyOps):
    """Array operations for torch tensors; gradients flow through every operation used."""

    name = "torch"

    def __init__(self, dtype: str):
        import torch
        self.torch, self.dtype = torch, getattr(torch, dtype)

    def namespace(self) -> dict[str, Any]:
        t = self.torch

        def xlogy(x, y):  # 0 where x = 0, with finite gradients there (pytorch#15288)
            x, y = t.broadcast_tensors(t.as_tensor(x, dtype=self.dtype),
                                       t.as_tensor(y, dtype=self.dtype))
            zero = x == 0
            return t.where(zero, t.zeros_like(x), x * t.log(t.where(zero, t.ones_like(y), y)))

        def xlog1py(x, y):
            x, y = t.broadcast_tensors(t.as_tensor(x, dtype=self.dtype),
                                       t.as_tensor(y, dtype=self.dtype))
            zero = x == 0
            return t.where(zero, t.zeros_like(x), x * t.log1p(t.where(zero, t.zeros_like(y), y)))

        def betaln(a, b):
            return t.lgamma(a) + t.lgamma(b) - t.lgamma(a + b)

        return {"trigamma_tail": trigamma_tail_function(t.where),
                "lgamma_tail": tail_function(lgamma_tail, t.where, t.lgamma),
                "digamma_tail": tail_function(digamma_tail, t.where, t.digamma),
                "log": t.log, "exp": t.exp, "sqrt": t.sqrt, "log1p": t.log1p, "expm1": t.expm1,
                "xlogy": xlogy, "xlog1py": xlog1py, "lgamma": t.lgamma, "digamma": t.digamma,
                "polygamma": t.polygamma, "gamma": lambda x: t.exp(t.lgamma(x)),
                "erf": t.erf, "erfc": t.erfc, "erfcx": t.special.erfcx,
                "erfcx_tail": erfcx_tail_function(t.where, t.special.erfcx), "abs_": t.abs,
                "sign": t.sign,
                "beta": lambda a, b: t.exp(betaln(a, b)), "betaln": betaln,
                "lowergamma": lambda a, x: t.special.gammainc(a, x) * t.exp(t.lgamma(a)),
                "uppergamma": lambda a, x: t.special.gammaincc(a, x) * t.exp(t.lgamma(a)),
                "gammainc_lower": t.special.gammainc, "gammainc_upper": t.special.gammaincc,
                "where": t.where, "logical_and": t.logical_and, "logical_or": t.logical_or,
                "logical_not": t.logical_not, "maximum": t.maximum, "minimum": t.minimum,
                "inf": float("inf"), "nan": float("nan"), "cos": t.cos, "sin": t.sin,
                "atan": t.atan, "tanh": t.tanh, "cosh": t.cosh, "sinh": t.sinh}

    def convert(self, values: Sequence[Any]) -> list[Any]:
        t = self.torch
        return [v.to(self.dtype) if isinstance(v, t.Tensor) else t.as_tensor(v, dtype=self.dtype)
                for v in values]

    def broadcast(self, arrays: Sequence[Any]) -> list[Any]:
        t = self.torch
        return list(t.broadcast_tensors(*[a if isinstance(a, t.Tensor)
                                          else t.as_tensor(a, dtype=self.dtype) for a in arrays]))

    def full(self, like: Any, value: float) -> Any:
        return self.torch.full(like.shape, value, dtype=self.dtype)

    def column(self, values: Any) -> Any:
        return self.torch.as_tensor(values, dtype=self.dtype)[:, None]

    def eps(self) -> float:
        return float(self.torch.finfo(self.dtype).eps)

    def scatter(self, out: Any, mask: Any, values: Any) -> Any:
        return out.masked_scatter(mask, values.to(self.dtype))

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        return self.torch.where(mask, a, b)

    def any(self, mask: Any) -> bool:
        return bool(mask.any())



    def chunks(self, args: Sequence[Any], size: int) -> None:
        return None

    def all(self, mask: Any) -> bool:
        return bool(mask.all())

    def abs(self, a: Any) -> Any:
        return self.torch.abs(self.torch.as_tensor(a, dtype=self.dtype))

    def constant(self, a: Any) -> Any:
        return a.detach()

    def isfinite(self, a: Any) -> Any:
        return self.torch.isfinite(a)

    def stack(self, arrays: Sequence[Any], shape: tuple[int, ...]) -> Any:
        out = self.torch.stack(self.broadcast(arrays))
        return out.reshape(shape + tuple(out.shape[1:]))


class JaxOps(NumpyOps):
    """Array operations for jax (eager use; masks select elements with ``.at[].set``)."""

    name = "jax"

    def __init__(self, dtype: str):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        self.np, self.dtype = jnp, getattr(jnp, dtype)

    def namespace(self) -> dict[str, Any]:
        jnp = self.np
        import jax.scipy.special as js
        ns = NumpyOps.namespace(self)

        def xlogy(x, y):  # 0 where x = 0, with finite gradients there
            zero = x == 0
            return jnp.where(zero, 0.0, x * jnp.log(jnp.where(zero, 1.0, y)))

        def xlog1py(x, y):
            zero = x == 0
            return jnp.where(zero, 0.0, x * jnp.log1p(jnp.where(zero, 0.0, y)))
        ns.update({"xlogy": xlogy, "xlog1py": xlog1py, "lgamma": js.gammaln,
                   "digamma": js.digamma, "polygamma": js.polygamma, "gamma": js.gamma,
                   "erf": js.erf, "erfc": js.erfc, "erfcx": js.erfcx,
                   "erfcx_tail": erfcx_tail_function(jnp.where, js.erfcx), "beta": js.beta,
                   "betaln": js.betaln,
                   "lowergamma": lambda a, x: js.gammainc(a, x) * js.gamma(a),
                   "uppergamma": lambda a, x: js.gammaincc(a, x) * js.gamma(a),
                   "gammainc_lower": js.gammainc, "gammainc_upper": js.gammaincc,
                   "expi": js.expi, "trigamma_tail": trigamma_tail_function(jnp.where),
                   "lgamma_tail": tail_function(lgamma_tail, jnp.where, js.gammaln),
                   "digamma_tail": tail_function(digamma_tail, jnp.where, js.digamma)})
        for name in ("besseli", "besselie", "lambertw", "besselk", "besselk_gamma_log"):
            ns.pop(name)
        return {k: (getattr(jnp, v.__name__, v) if getattr(v, "__module__", "") == "numpy"
                    else v) for k, v in ns.items()}

    def scatter(self, out: Any, mask: Any, values: Any) -> Any:
        return self.np.asarray(out, dtype=self.dtype).at[mask].set(values)

    def constant(self, a: Any) -> Any:
        import jax
        return jax.lax.stop_gradient(a)



    def chunks(self, args: Sequence[Any], size: int) -> None:
        return None


_OPS = {"numpy": NumpyOps, "torch": TorchOps, "jax": JaxOps}


def ops_for(backend: str, dtype: str | None) -> NumpyOps:
    """The array operations of ``backend`` at ``dtype`` (float64 unless asked otherwise)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; known backends: {', '.join(BACKENDS)}")
    if dtype is not None and dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; known dtypes: {', '.join(DTYPES)}")
    if backend == "mpmath":
        raise ValueError("the mpmath backend has no dtype: it evaluates at mpmath.mp.dps digits "
                         f"(got dtype={dtype!r}); use mpmath.workdps to set the precision")
    module = "jax" if backend == "jax" else backend
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"the {backend} backend needs the {module} package, which is not "
                          f"installed (pip install 'symkl[{backend}]')")
    return _OPS[backend](dtype or "float64")


def lambdify(expr: sp.Expr | sp.MatrixBase, params: Sequence[sp.Symbol],
             backend: str = "numpy", dtype: str | None = None, validate: bool = False,
             domains: Mapping[sp.Symbol, Domain] | None = None,
             conditions: Sequence[sp.Basic] = (), remainder: Any = None
             ) -> Callable[..., Any]:
    """A function of ``params`` (positional in order, or by keyword) evaluating ``expr``.

    ``validate=True`` raises ValueError for parameters outside ``domains`` (otherwise they give
    NaN or a meaningless number); ``remainder`` is a :class:`symkl.remainder.TaylorRemainder` used
    where P is close to Q.
    """
    from symkl.program import Program, mpmath_function
    params = tuple(params)
    if backend == "mpmath" and dtype is None:
        core = mpmath_function(expr, params)
    elif expr.has(sp.Sum):
        ops_for(backend, dtype)  # bad names first
        raise ValueError(f"this closed form contains an infinite series, which the {backend} "
                         f"backend cannot evaluate; use backend='mpmath'")
    elif not expr.free_symbols and not isinstance(expr, sp.MatrixBase):
        core = _constant(expr, ops_for(backend, dtype))
    else:
        core = Program(expr, params, ops_for(backend, dtype), remainder, domains=domains)
    checks = _checks(params, domains or {}, conditions) if validate else []
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
        for check in checks:
            check(values)
        return core(*values)

    function.__doc__ = f"{expr}\n\nParameters, in order: {', '.join(names)}."
    function.params = names  # type: ignore[attr-defined]
    return function


def _constant(expr: sp.Expr, ops: NumpyOps) -> Callable[[], Any]:
    """A value without parameters, evaluated once by SymPy at 30 digits (so any special
    function it holds works on every backend) and rounded to the backend's dtype.

    >>> f = lambdify(sp.hyper((1, 1), (sp.Rational(3, 2), 2), sp.Rational(1, 2)), ())
    >>> float(f())  # 2F2, which scipy lacks; mpmath: 1.1914986370255154...
    1.19149863702551...
    """
    value = sp.N(expr, 30)
    if expr in (sp.oo, sp.zoo) or value is sp.oo:
        number = float("inf")
    elif not value.is_real or not value.is_number:
        raise ValueError(f"{expr} does not evaluate to a real number (got {value})")
    else:
        number = float(value)
    return lambda: ops.convert([number])[0]


def _checks(params: tuple[sp.Symbol, ...], domains: Mapping[sp.Symbol, Domain],
            conditions: Sequence[sp.Basic]) -> list[Callable[[list], None]]:
    """Validators raising ValueError naming the parameter, its domain and the first bad value."""
    import numpy as np

    from symkl.codegen import compile_function
    ns = NumpyOps("float64").namespace()
    checks = []
    for i, s in enumerate(params):
        d = domains.get(s)
        free = sp.Dummy("v", real=True)  # no assumptions that would decide the condition
        rule = d.condition(free) if d is not None else sp.S.true
        test = compile_function([rule], (free,), ns) if rule not in (sp.true, sp.false) else None
        integer = d is not None and dict(d.assumptions).get("integer", False)
        describe = d.describe if d is not None else "finite"

        def check(values, i=i, s=s, test=test, integer=integer, describe=describe):
            v = np.asarray(_plain(values[i]), dtype=float)
            ok = np.isfinite(v)
            if test is not None:
                ok &= np.asarray(test(v)[0], dtype=bool)
            if integer:
                ok &= v == np.round(v)
            if not np.all(ok):
                v_all, ok_all = np.broadcast_arrays(v, ok)
                bad = v_all[~ok_all]
                first = float(bad.flat[0])
                raise ValueError(f"parameter {s.name} must be {describe}, got {first!r}"
                                 f" ({bad.size} value(s) outside the domain)")
        checks.append(check)
    for c in conditions:
        if c in (sp.true, sp.false) or not c.free_symbols <= set(params):
            continue
        test = compile_function([c], params, ns)

        def joint(values, test=test, c=c):
            if not np.all(test(*[_plain(x) for x in values])[0]):
                raise ValueError(f"parameters violate the constraint {c}")
        checks.append(joint)
    return checks


def _plain(value: Any) -> Any:
    """A numpy view of a tensor (detached) or the value itself."""
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value
