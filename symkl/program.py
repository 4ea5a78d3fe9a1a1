"""The generated numeric function: stable terms, masked branches, and the remainder near P = Q.

A :class:`Program` evaluates a closed form on arrays of one backend:

* the expression is rewritten by :func:`symkl.stable.stable_form` and printed by
  :mod:`symkl.codegen`;
* a Piecewise result evaluates each branch only on the elements whose condition selects it, so
  an invalid branch never produces a NaN or an infinite gradient;
* for a KL between two members of one family the top-level terms are summed together with their
  magnitudes; where the sum is smaller than ``CANCELLATION`` times the magnitudes (the direct form
  would keep fewer than about 12.5 digits: P is close to Q) the value is replaced by the Taylor
  remainder integral of :func:`symkl.stable.taylor_remainder` on those elements only.

>>> import symkl
>>> from symkl.families import Normal
>>> f = symkl.kl(Normal(), Normal()).lambdify()
>>> float(f(0.0, 1.0, 1e-9, 1.0 + 1e-9))  # mpmath: 1.50000016281408174707e-18
1.5000001628140818e-18
>>> import numpy as np  # the textbook formula cancels to nothing
>>> float(np.log(1.0 + 1e-9) + (1 + 1e-18) / (2 * (1.0 + 1e-9) ** 2) - 0.5)
0.0
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from symkl import codegen, stable
from symkl.family import exact_number

CANCELLATION = 1e3  # switch where the direct sum would keep fewer than ~12.5 digits
NODES = 8
CHUNK = 8192  # elements per block on numpy: temporaries stay in cache


class Program:
    """Numeric function of ``params`` for ``expr`` (a scalar or a matrix) on ``ops``' arrays."""

    def __init__(self, expr: sp.Basic, params: Sequence[sp.Symbol], ops: Any,
                 remainder: stable.TaylorRemainder | None = None):
        self.ops, self.params = ops, tuple(params)
        namespace = ops.namespace()
        if isinstance(expr, sp.MatrixBase):
            self.shape = expr.shape if expr.cols != 1 else (expr.rows,)
            self.entries = [Program(e, params, ops) for e in expr]
            return
        self.entries = None
        form = stable.stable_form(sp.piecewise_fold(expr) if expr.has(sp.Piecewise) else expr)
        missing = sorted(codegen.functions_used(form) - set(namespace))
        if remainder is not None:
            missing += sorted(codegen.functions_used(remainder.quadratic_form) - set(namespace))
        if missing:
            raise ValueError(f"the {ops.name} backend lacks {', '.join(sorted(set(missing)))}, "
                             f"which this expression needs; use backend='numpy' or 'mpmath'")
        pieces = form.args if isinstance(form, sp.Piecewise) else ((form, sp.true),)
        self.branches = []
        self.n_terms = 1
        for value, cond in pieces:
            terms = (value,)
            if remainder is not None:
                terms, weights = stable.terms_of(value)
                self.n_terms, terms = len(terms), terms + weights
            test = None if cond is sp.true else codegen.compile_function([cond], params,
                                                                         namespace)
            self.branches.append((codegen.compile_function(terms, params, namespace), test))
        self.remainder = None
        if remainder is not None and len(self.branches) == 1:
            self.remainder = _Remainder(remainder, self.params, namespace)

    def __call__(self, *values: Any) -> Any:
        ops = self.ops
        if self.entries is not None:
            return ops.stack([e(*values) for e in self.entries], self.shape)
        args = ops.convert(values)
        blocks = ops.chunks(args, CHUNK)
        if blocks is None:
            return self._evaluate(args)
        shape, flat = blocks
        np_ = ops.np
        out = np_.empty(len(flat[0]), dtype=ops.dtype)
        close = np_.zeros(len(out), dtype=bool) if self.remainder is not None else None
        for i in range(0, len(out), CHUNK):
            part = [a[i:i + CHUNK] for a in flat]
            if close is None:
                out[i:i + CHUNK] = self._evaluate(part)
            else:  # the remainder runs once, on all close elements together
                out[i:i + CHUNK], _, close[i:i + CHUNK] = self._direct(part)
        if close is not None and close.any():
            where = np_.nonzero(close)
            out[where] = self._near_values([a[where] for a in flat], out[where])
        return out.reshape(shape)

    def _direct(self, args: list) -> tuple[Any, Any, Any]:
        """The closed form summed term by term, the terms' magnitude, and where it cancels."""
        ops, outputs = self.ops, self.branches[0][0](*args)
        value, size = outputs[0], ops.abs(outputs[0])
        for i, t in enumerate(outputs[1:], start=1):
            if i < self.n_terms:
                value = value + t
            size = size + ops.abs(t)
        if not hasattr(value, "shape"):
            value = ops.convert([value])[0]
        return value, size, size > CANCELLATION * ops.abs(value)

    def _near_values(self, args: list, direct: Any) -> Any:
        """The remainder integral where it is more accurate than the direct sum."""
        ops = self.ops
        _, size, _ = self._direct(args)
        value, error = self.remainder(args, ops)
        return ops.where(error < 4 * ops.eps() * size, value, direct)

    def _evaluate(self, args: list) -> Any:
        if len(self.branches) == 1 and self.remainder is None:
            return self._plain(self.branches[0][0](*args), args)
        if self.remainder is not None:
            return self._near(args)
        return self._masked(args)

    def _plain(self, terms: tuple, args: list) -> Any:
        value = terms[0]
        for t in terms[1:]:
            value = value + t
        if not hasattr(value, "shape"):  # a constant expression
            value = self.ops.convert([value])[0]
        return value

    def _near(self, args: list) -> Any:
        ops = self.ops
        value, _, close = self._direct(args)
        if not ops.any(close):
            return value
        full = ops.broadcast([*args, value, close])
        close = full[-1]
        subset = [ops.gather(a, close) for a in full[:-2]]
        return ops.scatter(full[-2], close, self._near_values(subset, ops.gather(full[-2],
                                                                                 close)))

    def _masked(self, args: list) -> Any:
        ops = self.ops
        full = ops.broadcast(args)
        out = ops.full(full[0], float("nan"))
        left = ops.isfinite(out) == ops.isfinite(out)  # all True, the backend's bool array
        for fn, test in self.branches:
            take = left if test is None else left & ops.broadcast([test(*full)[0], left])[0]
            if ops.any(take):
                subset = [ops.gather(a, take) for a in full]
                out = ops.scatter(out, take, self._plain(fn(*subset), subset))
            left = left & ~take
        return out


class _Remainder:
    """KL = sum_i w_i (1 - t_i) h' H(P, anchor + t_i h) h, by Gauss-Legendre on [0, 1]."""

    def __init__(self, rem: stable.TaylorRemainder, params: tuple[sp.Symbol, ...],
                 namespace: dict[str, Any]):
        self.anchor = codegen.compile_function(rem.anchor, params, namespace)
        self.form = codegen.compile_function([rem.quadratic_form], params + rem.steps,
                                             namespace)
        self.q_index = [params.index(q) for q in rem.q_symbols]
        rules = [np.polynomial.legendre.leggauss(n) for n in (NODES, NODES // 2)]
        self.t = np.concatenate([(t + 1) / 2 for t, _ in rules])
        w = [wi / 2 * (1 - (t + 1) / 2) for t, wi in rules]
        self.w = np.concatenate([w[0], 0 * w[1]])  # the NODES-point rule
        self.w_check = np.concatenate([0 * w[0], w[1]])  # the coarse rule, to estimate error

    def __call__(self, args: list, ops: Any) -> tuple[Any, Any]:
        """The integral and an error estimate; all nodes at once (shape (nodes, elements))."""
        t, w, w_check = ops.column(self.t), ops.column(self.w), ops.column(self.w_check)
        anchor = self.anchor(*args)
        h = [args[i] - a for i, a in zip(self.q_index, anchor)]
        point = list(args)
        for i, a, hj in zip(self.q_index, anchor, h):
            point[i] = a + t * hj
        form = ops.broadcast([self.form(*point, *h)[0], point[self.q_index[0]]])[0]
        value = (w * form).sum(0)
        return value, ops.abs(value - (w_check * form).sum(0))


def mpmath_function(expr: sp.Basic, params: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    """The closed form at mpmath precision (infinite series summed by SymPy at mp.dps)."""
    if not expr.has(sp.Sum):
        return sp.lambdify(params, expr, modules=["mpmath"])

    def evaluate(*values: Any) -> Any:
        import mpmath
        point = {s: exact_number(v, s.name) for s, v in zip(params, values)}
        return mpmath.mpf(str(sp.N(expr.xreplace(point), mpmath.mp.dps)))
    return evaluate
