"""Numeric functions of results with matrix parameters of symbolic size (the normal of dimension
k): batched linear algebra, not entries.

The closed form is a scalar expression of traces, determinants, inverses and products of the
MatrixSymbols mu (k x 1) and Sigma (k x k).  It is printed as code over stacks of matrices:
``A @ B`` for products, a swap of the last two axes for a transpose, ``solve(S, B)`` for
``S^-1 B``, ``slogdet`` for a log-determinant (no overflow of det in high dimension), the trace of
a 1 x 1 product as its single entry; k is read from the arrays' shapes.  numpy and torch share
the code: only the namespace differs.  Mean vectors are passed with shape (..., k), covariance
matrices (..., k, k); leading axes broadcast.

>>> import numpy as np, symkl
>>> from symkl.families.mvnormal import MultivariateNormal
>>> F = MultivariateNormal("k")
>>> f = symkl.kl(F(), F()).lambdify()
>>> float(f(np.zeros(3), np.eye(3), np.ones(3), np.eye(3)))
1.5
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import sympy as sp

BACKENDS = ("numpy", "torch")


def _namespace(backend: str) -> dict[str, Any]:
    if backend == "numpy":
        import numpy as np
        return {"xp": np, "asarray": lambda a: np.asarray(a, dtype=float),
                "solve": np.linalg.solve, "inv": np.linalg.inv,
                "slogdet": lambda a: np.linalg.slogdet(a)[1], "det": np.linalg.det,
                "T": lambda a: np.swapaxes(a, -1, -2),
                "pd": lambda a: np.linalg.eigvalsh(a).min(-1) > 0,
                "where": lambda c, v: np.where(c, v, np.inf),
                "quiet": lambda: np.errstate(invalid="ignore", divide="ignore")}
    if backend == "torch":
        try:
            import torch
        except ImportError:
            raise ImportError("backend 'torch' needs PyTorch: pip install torch") from None
        return {"xp": torch,
                "asarray": lambda a: torch.as_tensor(a, dtype=torch.float64),
                "solve": torch.linalg.solve, "inv": torch.linalg.inv,
                "slogdet": lambda a: torch.linalg.slogdet(a)[1], "det": torch.linalg.det,
                "T": lambda a: a.transpose(-1, -2),
                "pd": lambda a: torch.linalg.eigvalsh(a).min(-1).values > 0,
                "where": lambda c, v: torch.where(c, v, torch.inf),
                "quiet": contextlib.nullcontext}
    raise ValueError(f"unknown backend {backend!r} for matrix parameters; known: "
                     f"{', '.join(BACKENDS)}")


class _Printer:
    """Python source for a scalar expression of matrix expressions over stacked arrays."""

    def __init__(self, names: dict[sp.Basic, str]):
        self.names = names

    def __call__(self, e: sp.Basic) -> str:
        if e in self.names:
            return self.names[e]
        if e.is_Number:
            return repr(float(e))
        if isinstance(e, sp.MatMul):  # before Mul: SymPy's MatMul is a Mul
            return self._product(e.args)
        if isinstance(e, (sp.Add, sp.MatAdd)):
            return "(" + " + ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            return "(" + " * ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            if isinstance(e.base, sp.MatrixExpr):
                raise ValueError(f"no numeric code for the matrix power {e}")
            return f"({self(e.base)} ** {self(e.exp)})"
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            return f"slogdet({self(e.args[0].arg)})"
        if isinstance(e, (sp.log, sp.exp)):
            return f"xp.{type(e).__name__}({self(e.args[0])})"
        if isinstance(e, sp.Determinant):
            return f"det({self(e.arg)})"
        if isinstance(e, sp.Trace):
            if e.arg.shape == (1, 1):
                return f"({self(e.arg)})[..., 0, 0]"
            return f"xp.diagonal({self(e.arg)}, 0, -2, -1).sum(-1)"
        if isinstance(e, sp.Transpose):
            return f"T({self(e.arg)})"
        if isinstance(e, sp.Inverse):
            return f"inv({self(e.arg)})"
        if isinstance(e, sp.AppliedPredicate) and e.function == sp.Q.positive_definite:
            return f"pd({self(e.arguments[0])})"
        if isinstance(e, sp.And):
            return "(" + " & ".join(self(a) for a in e.args) + ")"
        raise ValueError(f"no numeric code for {type(e).__name__}: {e}")

    def _product(self, factors) -> str:
        scalars = [f for f in factors if not isinstance(f, sp.MatrixExpr)]
        mats = [f for f in factors if isinstance(f, sp.MatrixExpr)]
        code = None
        for f in reversed(mats):  # right to left: S^-1 B is solve(S, B), not inv(S) @ B
            if code is not None and isinstance(f, sp.Inverse):
                code = f"solve({self(f.arg)}, {code})"
            else:
                code = self(f) if code is None else f"({self(f)} @ {code})"
        if scalars:
            code = f"({' * '.join(self(s) for s in scalars)} * {code})"
        return code


def lambdify(expr: sp.Expr, params: tuple, dimension: sp.Symbol, backend: str = "numpy",
             conditions: tuple = ()) -> Callable[..., Any]:
    """A function of ``params`` (matrix arguments as stacks of arrays) evaluating ``expr``;
    +inf where one of ``conditions`` (positive definiteness of a mixture) fails.

    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> S = sp.MatrixSymbol("S", k, k)
    >>> f = lambdify(sp.log(sp.Determinant(S)) + k, (S,), k)
    >>> round(float(f([[2.0, 0.0], [0.0, 3.0]])), 12)  # log 6 + 2
    3.791759469228
    """
    names = {p: f"_a{i}" for i, p in enumerate(params)}
    square = next((p for p in params if isinstance(p, sp.MatrixSymbol)
                   and p.shape[0] == p.shape[1]), None)
    if square is None:
        raise ValueError("no square matrix parameter to read the dimension from")
    names[dimension] = f"{names[square]}.shape[-1]"
    body = _Printer(names)(expr)
    vectors = [names[p] for p in params if isinstance(p, sp.MatrixSymbol) and p.shape[1] == 1]
    lines = [f"def _f({', '.join(names[p] for p in params)}):"]
    lines += [f"    {names[p]} = asarray({names[p]})" for p in params]
    lines += [f"    {n} = {n}[..., None]" for n in vectors]  # (..., k) -> (..., k, 1)
    if conditions:
        test = _Printer(names)(sp.And(*conditions))
        lines += ["    with quiet():", f"        return where({test}, {body})"]
    else:
        lines.append(f"    return {body}")
    namespace = _namespace(backend)
    exec("\n".join(lines), namespace)  # noqa: S102 - source printed above from a SymPy tree
    function = namespace["_f"]
    function.__doc__ = f"{expr}\n\nsource:\n" + "\n".join(lines)
    return function
