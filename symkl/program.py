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
1.5000001628140816e-18
>>> import numpy as np  # the textbook formula cancels to nothing
>>> float(np.log(1.0 + 1e-9) + (1 + 1e-18) / (2 * (1.0 + 1e-9) ** 2) - 0.5)
0.0
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from symkl import codegen, stable
from symkl.family import exact_number

CANCELLATION = 1e3  # switch where the direct sum would keep fewer than ~12.5 digits
MAX_PIECES = 8  # pieces per half of the remainder's segment, at most
NODES = 16  # Gauss-Legendre nodes of the remainder (a NODES // 2 rule checks it)
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
        self.strict = None
        if ops.name == "numpy" and form.has(stable.xlogy, stable.xlog1py):
            self.strict = Program(expr, params, _StrictOps(ops))

    def _fill_limits(self, out: Any, args: list) -> Any:
        """NaN elements again with 0 log y = 0 for every y (scipy's xlogy(0, nan) is NaN): the
        log's argument may be 0/0 where its coefficient vanishes, as in Bernoulli(0) || (0).

        >>> import symkl
        >>> from symkl.families import Bernoulli
        >>> float(symkl.kl(Bernoulli(), Bernoulli()).lambdify()(0.0, 0.0))
        0.0
        """
        np_ = self.ops.np
        bad = np_.isnan(out)
        if self.strict is None or not bad.any():
            return out
        out = np_.array(out, dtype=self.ops.dtype, copy=True)
        full = np_.broadcast_arrays(*args, out)
        out = full[-1].copy()
        out[bad] = self.strict(*[a[bad] for a in full[:-1]])
        return out

    def __call__(self, *values: Any) -> Any:
        ops = self.ops
        if self.entries is not None:
            return ops.stack([e(*values) for e in self.entries], self.shape)
        args = ops.convert(values)
        blocks = ops.chunks(args, CHUNK)
        if blocks is None:
            value = self._evaluate(args)
            return self._fill_limits(value, args) if self.strict is not None else value
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
        if self.strict is not None:
            out = self._fill_limits(out, flat)
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


class _StrictOps:
    """numpy operations whose xlogy and xlog1py are 0 wherever x is 0, even for y = NaN."""

    def __init__(self, ops: Any):
        self._ops, self.name = ops, "numpy-strict"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ops, name)

    def namespace(self) -> dict[str, Any]:
        ns = self._ops.namespace()
        where, xlogy, xlog1py = ns["where"], ns["xlogy"], ns["xlog1py"]
        ns["xlogy"] = lambda x, y: where(x == 0, 0.0, xlogy(x, y))
        ns["xlog1py"] = lambda x, y: where(x == 0, 0.0, xlog1py(x, y))
        return ns


class _Remainder:
    """KL = integral_0^1 (1 - t) h' H(P, anchor + t h) h dt, by Gauss-Legendre on two halves.

    A positive parameter q_j(t) = a_j + t h_j vanishes at t = -a_j / h_j: when that is just
    outside [0, 1] (Q far from P in ratio, e.g. a shape going from 10 to 10^5) the integrand
    has a nearby pole and plain Gauss-Legendre converges slowly.  Each half is therefore mapped
    geometrically towards its end, t = d (c^s - 1) with c = 1 + 1/(2 d) and d that end's
    distance to the nearest pole: the pole becomes an exponential in s, which converges fast;
    with no pole near (d large) the map is linear.
    """

    def __init__(self, rem: stable.TaylorRemainder, params: tuple[sp.Symbol, ...],
                 namespace: dict[str, Any]):
        self.anchor = codegen.compile_function(rem.anchor, params, namespace)
        deltas = tuple(sp.Dummy(f"d{j}", real=True) for j in range(len(rem.steps)))
        self.forms = [codegen.compile_function(  # evaluated from each end of the segment
            [stable.shifted(rem.quadratic_form, rem.q_symbols, ends, deltas)],
            params + rem.steps + deltas, namespace) for ends in (rem.anchor, rem.q_symbols)]
        self.q_index = [params.index(q) for q in rem.q_symbols]
        at_p = dict(zip(rem.q_symbols, rem.anchor))
        self.poles = codegen.compile_function(  # each singular form at P and at Q
            [e for pole in rem.poles for e in (pole.xreplace(at_p), pole)], params,
            namespace) if rem.poles else None
        self.ns = namespace
        rules = [np.polynomial.legendre.leggauss(n) for n in (NODES, NODES // 2)]
        self.s = np.concatenate([(x + 1) / 2 for x, _ in rules])
        self.w = np.concatenate([rules[0][1] / 2, 0 * rules[1][1]])  # the NODES-point rule
        self.w_check = np.concatenate([0 * rules[0][1], rules[1][1] / 2])  # the coarse one

    def _half(self, s: Any, d: Any) -> tuple[Any, Any]:
        """The distance from a half's end of its nodes (graded towards the end), and its
        derivative in s."""
        ns = self.ns
        rate = ns["log1p"](0.5 / d)
        return d * ns["expm1"](s * rate), d * rate * ns["exp"](s * rate)

    def __call__(self, args: list, ops: Any) -> tuple[Any, Any]:
        """The integral and an error estimate; all nodes at once (shape (nodes, elements))."""
        s, w, w_check = ops.column(self.s), ops.column(self.w), ops.column(self.w_check)
        where = self.ns["where"]
        anchor = self.anchor(*args)
        h = [args[i] - a for i, a in zip(self.q_index, anchor)]
        far = 1e300
        d0 = d1 = ops.full(ops.broadcast(list(args))[0], far)
        values = self.poles(*args) if self.poles is not None else ()
        for at_p, at_q in zip(values[::2], values[1::2]):
            # linear in t from at_p (t = 0) to at_q (t = 1); its zero lies outside [0, 1]
            keep = (at_p * at_q > 0) & (at_p != at_q)
            to_q = keep & (abs(at_q) < abs(at_p))
            gap = where(keep, at_p - at_q, 1.0)
            d0 = where(keep & ~to_q, self.ns["minimum"](d0, at_p / -gap), d0)
            d1 = where(to_q, self.ns["minimum"](d1, at_q / gap), d1)
        value, check, size = 0.0, 0.0, 0.0
        for start, d in ((0.0, d0), (1.0, d1)):
            # the functions of a positive parameter (log, lgamma, ...) are analytic in its log
            # within a strip of half-width about pi: pieces of log-length <= 1.5 converge fast
            widest = float(self.ns["log1p"](0.5 / d).max()) if d.shape[0] else 0.0
            pieces = min(MAX_PIECES, max(1, math.ceil(widest / 1.5)))
            for k in range(pieces):
                step, slope = self._half((k + s) / pieces, d)
                deltas = [step * hj if start == 0 else -step * hj for hj in h]
                weight = (1 - step if start == 0 else step) * slope / pieces
                form = self.forms[int(start)](*args, *h, *deltas)[0] * weight
                value = value + (w * form).sum(0)
                check = check + (w_check * form).sum(0)
                size = size + ops.abs(w * form).sum(0)
        # Gauss-Legendre errors fall geometrically with the nodes: with the coarse rule off by
        # a relative d, the fine rule (twice the nodes) is off by about d^2; d^1.5 is the
        # cautious estimate QUADPACK uses for its embedded pairs.
        scale = ops.abs(value) + ops.eps() * size + 1e-300
        d = ops.abs(value - check) / scale
        return value, scale * d ** 1.5


def mpmath_function(expr: sp.Basic, params: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    """The closed form at mpmath precision (infinite series summed by SymPy at mp.dps)."""
    if not expr.has(sp.Sum):
        return sp.lambdify(params, expr, modules=["mpmath"])

    def evaluate(*values: Any) -> Any:
        import mpmath
        point = {s: exact_number(v, s.name) for s, v in zip(params, values)}
        return mpmath.mpf(str(sp.N(expr.xreplace(point), mpmath.mp.dps)))
    return evaluate
