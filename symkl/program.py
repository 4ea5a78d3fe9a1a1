"""The generated numeric function: stable terms, masked branches, and the remainder near P = Q.

A :class:`Program` evaluates a closed form on arrays of one backend:

* the expression is rewritten by :func:`symkl.stable.stable_form` and printed by
  :mod:`symkl.codegen`;
* a Piecewise result evaluates each branch only on the elements whose condition selects it, so
  an invalid branch never produces a NaN or an infinite gradient;
* for a KL between two members of one family the top-level terms are summed together with their
  magnitudes; where the sum is smaller than ``CANCELLATION`` times the magnitudes (the direct form
  could keep fewer than 12 digits: P is close to Q) the value is replaced by the Taylor
  remainder integral of :func:`symkl.remainder.taylor_remainder` on those elements only (for a
  Piecewise KL, on the branch that holds at P = Q, plus the gradient's linear term there);
* elements where a product of Gamma functions and powers overflowed factor by factor (inf or
  NaN) are evaluated again as the exponential of the sum of their logs
  (:func:`symkl.overflow_forms.exp_log_form`), sums of exponentials with their largest exponent
  taken out (:func:`symkl.overflow_forms.exp_sum_form`: +inf, not inf - inf, where the KL
  overflows);
* functions of one parameter with a removable 0/0 inside its domain (ContinuousBernoulli at
  1/2) are evaluated by their Taylor polynomial near that point
  (:func:`symkl.removable.removable_singularities`), on those elements only.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from symkl import codegen, overflow_forms, special_forms, stable
from symkl.end_series import end_series
from symkl.family import exact_number
from symkl.remainder import TaylorRemainder, log1p_steps, shifted
from symkl.removable import removable_singularities

CANCELLATION = 4e3  # switch where the direct sum could keep fewer than 12 digits (eps 2.2e-16)
MAX_PIECES = 8  # pieces per half of the remainder's segment, at most
NODES = 16  # Gauss-Legendre nodes of the remainder (a NODES // 2 rule checks it)
CHUNK = 32768  # elements per block on numpy: temporaries stay in cache


class Program:
    """Numeric function of ``params`` for ``expr`` (a scalar or a matrix) on ``ops``' arrays."""

    def __init__(self, expr: sp.Basic, params: Sequence[sp.Symbol], ops: Any,
                 remainder: TaylorRemainder | None = None, asymptotic: bool = True,
                 pairs: Sequence[tuple[sp.Symbol, sp.Symbol]] = (),
                 domains: Mapping[sp.Symbol, Any] | None = None, overflow: bool = True):
        self.ops, self.params = ops, tuple(params)
        namespace = ops.namespace()
        self.removable = None
        if isinstance(expr, sp.MatrixBase):
            self.shape = expr.shape if expr.cols != 1 else (expr.rows,)
            self.entries = [Program(e, params, ops, asymptotic=False) for e in expr]
            return
        self.entries = None
        expr = special_forms.regularized_gamma(expr)  # P(a, x), not lowergamma / Gamma(a)
        found = None
        if domains and not expr.has(sp.Piecewise):
            found = removable_singularities(expr, self.params, _interior(domains))
        if found is not None:  # functions of one parameter, by series near their 0/0 points
            expr, parts = found
            self.removable = [(self.params.index(p.param), p.point, p.radius,
                               codegen.compile_function([p.value], (p.param,), namespace),
                               p.coefficients) for p in parts]
            self.inner = Program(expr, self.params + tuple(p.symbol for p in parts), ops,
                                 remainder, asymptotic, pairs)
            return
        if expr.has(sp.Piecewise):
            expr = sp.piecewise_fold(expr)
        if remainder is None and asymptotic:  # no remainder to catch lgamma's cancellation
            expr = sp.Piecewise(*[(overflow_forms.stirling(v), c) for v, c in expr.args]) \
                if isinstance(expr, sp.Piecewise) else overflow_forms.stirling(expr)
        if remainder is not None:  # matching parameters of P and Q
            pairs = list(zip(remainder.anchor, remainder.q_symbols))
        form = stable.stable_form(expr if isinstance(expr, sp.Piecewise) or not domains else
                                  end_series(special_forms.scaled_bessel(expr), domains), pairs)
        if remainder is not None:  # log1p is slow; its cancellation is caught and handed on
            form = form.replace(stable.xlog1py, lambda x, y: stable.xlogy(x, _one_plus(y)))
            form = stable.group_differences(form, pairs)
        missing = sorted(codegen.functions_used(form) - set(namespace))
        orders = namespace.get("hyper_orders")  # scipy: 2F1 and 1F1 only
        if orders is not None:
            missing += [f"the {len(h.ap)}F{len(h.bq)} hypergeometric function"
                        for h in form.atoms(sp.hyper) if (len(h.ap), len(h.bq)) not in orders]
        if remainder is not None:
            missing += sorted(codegen.functions_used(remainder.quadratic_form) - set(namespace))
        if missing:
            raise ValueError(f"the {ops.name} backend lacks {', '.join(sorted(set(missing)))}, "
                             f"which this expression needs; use "
                             + ("backend='numpy' or " if ops.name != "numpy" else "")
                             + "backend='mpmath' (arbitrary precision, every special function)")
        pieces = form.args if isinstance(form, sp.Piecewise) else ((form, sp.true),)
        near = remainder.branch if remainder is not None and isinstance(form, sp.Piecewise) \
            else None
        self.branches = []
        for k, (value, cond) in enumerate(pieces):
            test = None if cond is sp.true else codegen.compile_function([cond], params,
                                                                         namespace)
            if k == near and k < len(expr.args):  # the branch holding P = Q, with its remainder
                sub = Program(expr.args[k][0], params, ops, replace(remainder, branch=None))
                self.branches.append((lambda *a, sub=sub: (sub(*a),), test))
                continue
            terms = (value,)
            if remainder is not None and near is None:  # the value and its rounding error's size
                terms = (value, _magnitude(*stable.terms_of(value), domains))
            self.branches.append((codegen.compile_function(
                terms, params, namespace, shared=True,
                out=len(terms) > 1 and ops.name == "numpy"), test))  # _direct's value in place
        self.remainder = self.spelled = None
        if remainder is not None and len(self.branches) == 1 and near is None:
            self.remainder = _Remainder(remainder, self.params, namespace, domains)
            factored = stable.factor_sums(expr)
            spelled = overflow_forms.exp_log_form(factored, pairs)
            value = stable.group_differences(stable.stable_form(spelled, pairs), pairs) \
                if spelled != factored else None
            if value is not None and codegen.functions_used(value) <= set(namespace):
                # the direct sum again where a factor overflowed
                self.spelled = codegen.compile_function(
                    (value, _magnitude(*stable.terms_of(value), domains)), params, namespace,
                    shared=True)
        self.overflow = None
        if overflow and ops.name == "numpy" and expr.has(sp.gamma, sp.Pow, sp.exp):
            factored = stable.factor_sums(special_forms.bessel_k(expr))
            spelled = overflow_forms.exp_sum_form(overflow_forms.exp_log_form(
                factored, pairs, asymptotic=True))
            if spelled != factored:  # elementwise only where the direct spelling is not finite
                self.overflow = Program(spelled, params, ops, asymptotic=False, pairs=pairs,
                                        overflow=False)
        self.strict = None
        if ops.name == "numpy" and form.has(stable.xlogy, stable.xlog1py):
            self.strict = Program(expr, params, _StrictOps(ops), asymptotic=False)

    def _fill_limits(self, out: Any, args: list) -> Any:
        """NaN elements again with 0 log y = 0 for every y (scipy's xlogy(0, nan) is NaN): the
        log's argument may be 0/0 where its coefficient vanishes, as in Bernoulli(0) || (0).

        >>> import symkl
        >>> from symkl.families import Bernoulli
        >>> float(symkl.kl(Bernoulli(), Bernoulli()).lambdify()(0.0, 0.0))
        0.0
        """
        np_ = self.ops.np
        if self.strict is None or np_.isfinite(np_.sum(out)):  # one pass when all is finite
            return out
        bad = np_.isnan(out)
        if not bad.any():
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
        if self.removable is not None:
            return self.inner(*values, *self._removable_values(values))
        args = ops.convert(values)
        out = self._values(args)
        return out if self.overflow is None else self._fill_overflow(out, args)

    def _removable_values(self, values: Sequence[Any]) -> list[Any]:
        """Each function of one parameter with a removable singularity at c: its closed form,
        and within its radius of c its Taylor polynomial (only those elements).

        >>> import symkl
        >>> from symkl.families import ContinuousBernoulli
        >>> f = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli(), budget=10).lambdify()
        >>> float(f(0.5, 0.5)), float(f(0.5, 0.25))  # mpmath: 0, 0.04979320860919144754...
        (0.0, 0.04979320860919...)
        """
        if self.ops.name != "numpy":
            return self._removable_masked(values)
        np_ = self.ops.np
        out = []
        for index, c, radius, direct, coefficients in self.removable:
            x = np_.asarray(values[index], dtype=self.ops.dtype)
            with np_.errstate(all="ignore"):
                value = np_.array(np_.broadcast_to(direct(x)[0], x.shape), dtype=x.dtype)
            near = np_.abs(x - float(c)) < radius
            if near.any():
                value[near] = _polynomial(coefficients, x[near] - float(c))
            out.append(value)
        return out

    def _removable_masked(self, values: Sequence[Any]) -> list[Any]:
        """:meth:`_removable_values` on torch and jax, as ``where`` over the whole array: the
        closed form is evaluated at x moved out of the radius where the series is used (and the
        series at 0 where it is not), so neither branch makes a NaN or a NaN gradient.

        >>> import symkl, torch
        >>> from symkl.families import ContinuousBernoulli
        >>> f = symkl.kl(ContinuousBernoulli(), ContinuousBernoulli(), budget=10).lambdify(
        ...     backend="torch")
        >>> lam = torch.tensor([0.5, 0.3], dtype=torch.float64, requires_grad=True)
        >>> kl = f(lam, torch.tensor([0.25, 0.5], dtype=torch.float64))
        >>> [round(float(v), 14) for v in kl]  # mpmath: 0.04979320860919144, 0.02938620223212908
        [0.04979320860919, 0.02938620223213]
        >>> bool(torch.isfinite(torch.autograd.grad(kl.sum(), lam)[0]).all())
        True
        """
        ops = self.ops
        out = []
        for index, c, radius, direct, coefficients in self.removable:
            x = ops.convert([values[index]])[0]
            u = x - float(c)
            near = ops.abs(u) < radius
            away = ops.where(near, x * 0 + (float(c) + radius), x)
            series = _polynomial(coefficients, ops.where(near, u, x * 0))
            out.append(ops.where(near, series, direct(away)[0]))
        return out

    def _fill_overflow(self, out: Any, args: list) -> Any:
        """Elements that are infinite or NaN again from the exp-of-logs spelling
        (:func:`symkl.overflow_forms.exp_log_form`): Gamma(200) / Gamma(199) is 199, not inf / inf.

        >>> import symkl
        >>> from symkl.families import Weibull
        >>> f = symkl.kl(Weibull(), Weibull()).lambdify()
        >>> float(f(1.0, 1.0, 200.0, 10.0)) / 7.8865786736479050355e+174  # mpmath, 20 digits
        0.99999999999993...
        """
        np_ = self.ops.np
        if np_.isfinite(np_.sum(out)):  # one pass when all is finite
            return out
        full = np_.broadcast_arrays(*args, out)
        bad = ~np_.isfinite(full[-1])
        out = full[-1].copy()
        again = self.overflow(*[a[bad] for a in full[:-1]])
        out[bad] = np_.where(np_.isnan(again), out[bad], again)  # inf: the KL overflows
        return out

    def _values(self, args: list) -> Any:
        ops = self.ops
        blocks = ops.chunks(args, CHUNK)
        if blocks is None:
            value = self._evaluate(args)
            return self._fill_limits(value, args) if self.strict is not None else value
        shape, flat = blocks
        np_ = ops.np
        out = np_.empty(len(flat[0]), dtype=ops.dtype)
        close = [] if self.remainder is not None else None
        for i in range(0, len(out), CHUNK):
            part = [a[i:i + CHUNK] for a in flat]
            if close is None:
                out[i:i + CHUNK] = self._evaluate(part)
            else:  # the remainder runs once, on all close elements together
                value, size, _ = self._direct(part, check=False, out=out[i:i + CHUNK])
                keep = np_.less_equal(size, CANCELLATION * value)
                found = np_.flatnonzero(np_.logical_not(keep, out=keep))  # cancelling or NaN
                if len(found):
                    close.append((found + i, np_.broadcast_to(size, value.shape)[found]))
        if close is None:
            return (self._fill_limits(out, flat) if self.strict is not None else out
                    ).reshape(shape)
        if close:
            idx = np_.concatenate([c[0] for c in close])
            size = np_.concatenate([c[1] for c in close])
            direct = out.take(idx)
            nan = np_.isnan(direct)
            if nan.any():  # 0 log 0, or outside the domain
                if self.strict is not None:
                    out[idx[nan]] = self.strict(*[a.take(idx[nan]) for a in flat])
                idx, direct, size = idx[~nan], direct[~nan], size[~nan]
            out[idx] = self._near_values([a.take(idx) for a in flat], direct, size)
        return out.reshape(shape)

    def _direct(self, args: list, check: bool = True, out: Any = None) -> tuple[Any, Any, Any]:
        """The closed form (into ``out`` when given, a numpy array of the right shape), the
        terms' magnitude, and (``check``) where it cancels (a KL is >= 0: a negative sum is
        rounding)."""
        ops = self.ops
        value, size = self.branches[0][0](*args, _out=out) if out is not None \
            else self.branches[0][0](*args)
        if out is not None and value is not out:
            out[...] = value
            value = out
        elif not hasattr(value, "shape"):
            value = ops.convert([value])[0]
        if self.spelled is not None:
            bad = ~ops.isfinite(value)
            if ops.any(bad):  # Gamma(200) / Gamma(199): exp of the sum of the logs
                full = ops.broadcast([*args, value, size, bad])
                bad = full[-1]
                again = self.spelled(*[ops.gather(a, bad) for a in full[:-3]])
                value = ops.scatter(full[-3], bad, again[0])
                size = ops.scatter(full[-2], bad, again[1])
                if out is not None:
                    out[...] = value
        return value, size, ~(size <= CANCELLATION * value) if check else None  # NaN: True

    def _near_values(self, args: list, direct: Any, size: Any = None) -> Any:
        """The remainder integral where it is more accurate than the direct sum (of terms of
        magnitude ``size``: computed again if not given)."""
        ops = self.ops
        if size is None:
            _, size, _ = self._direct(args)
        value, error = self.remainder(args, ops)
        good = error < 4 * ops.eps() * size  # False where the remainder is NaN
        if ops.name == "numpy" or ops.all(good):
            return ops.where(good, value, direct)
        # autograd: a NaN of the unused remainder would still reach the gradient through where
        # (0 * NaN); the remainder again on the elements that use it only
        again, _ = self.remainder([ops.gather(a, good) for a in ops.broadcast(args)], ops)
        return ops.scatter(direct, good, again)

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
        close = close & (value == value)  # NaN stays NaN (outside the domain, or 0 log 0)
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


def _one_plus(y: sp.Expr) -> sp.Expr:
    """1 + y, over y's denominator when that takes fewer operations: 1 + (q - p)/(1 - q) is
    (1 - p)/(1 - q), where 1 - p is computed anyway (the coefficient of the log).  Only where
    the remainder takes over near P = Q, which the exact difference q - p was for.

    >>> p, q = sp.symbols("p q", positive=True)
    >>> _one_plus(stable.difference(q, p) / (1 - q))
    (1 - p)/(1 - q)
    """
    plain = y.replace(lambda n: isinstance(n, stable.difference), lambda n: n.args[0] - n.args[1])
    ratio = sp.together(1 + plain)
    return ratio if sp.count_ops(ratio) < sp.count_ops(1 + y) else 1 + y


def _interior(domains: Mapping[sp.Symbol, Any]) -> Callable[[sp.Symbol, sp.Expr], bool]:
    """Whether a point lies strictly inside a parameter's domain."""
    def inside(x: sp.Symbol, c: sp.Expr) -> bool:
        d = domains.get(x)
        step = sp.Rational(1, 10**6)
        return d is not None and all(d.condition(c + s) is sp.true for s in (-step, 0, step))
    return inside


SPECIAL = 8  # lgamma, digamma, betaln, ... err by a few ulps (seen: 4), log and exp by 1
_ROUNDED = (sp.log, sp.exp, stable.difference, stable.log1p, stable.expm1, stable.xlogy,
            stable.xlog1py)


def _magnitude(terms: tuple[sp.Expr, ...], weights: tuple[sp.Expr, ...],
               domains: Mapping[sp.Symbol, Any] | None = None) -> sp.Expr:
    """Sum of |terms| and |weights| (see :func:`symkl.stable.terms_of`), with no abs where the
    sign is known (also from ``domains``: 1 - p >= 0 for p in (0, 1)), so that SymPy folds it
    (p + (1 - p) is 1), and without exact constants.  Terms with special functions (lgamma,
    digamma, ...: a few ulps) count SPECIAL times.

    >>> p = sp.Symbol("p", positive=True)
    >>> _magnitude((sp.log(p), -p, sp.S(-1)), (p,))
    2*p + Abs(log(p))
    >>> from symkl.family import UNIT_INTERVAL
    >>> _magnitude((p * sp.log(p), (1 - p) * sp.log(1 - p)), (p, 1 - p), {p: UNIT_INTERVAL})
    Abs(p*log(p)) + Abs((1 - p)*log(1 - p)) + 1
    """
    def size(e: sp.Expr) -> sp.Expr:
        special = any(not isinstance(f, _ROUNDED) for f in e.atoms(sp.Function))
        sign = _sign(e, domains or {})
        return (SPECIAL if special else 1) * (
            e if sign is True else -e if sign is False else sp.Abs(e, evaluate=False))
    exact = [t for t in terms if t.is_Rational and t.q & (t.q - 1) == 0]  # -1, 1/2: no error
    return sp.Add(*[size(e) for e in terms + weights if not any(e is x for x in exact)])


def _sign(e: sp.Expr, domains: Mapping[sp.Symbol, Any]) -> bool | None:
    """True if ``e`` >= 0, False if <= 0, None if unknown; a parameter p in (0, 1) is written
    s / (1 + s) with s > 0 so that SymPy's assumptions see 1 - p > 0."""
    if e.is_nonnegative:
        return True
    if e.is_nonpositive:
        return False
    unit = {x: sp.Dummy(positive=True) for x in e.free_symbols
            if getattr(domains.get(x), "name", "") == "UnitInterval"}
    if not unit or e.atoms(sp.Function):
        return None
    t = sp.together(e.xreplace({x: s / (1 + s) for x, s in unit.items()}))
    return True if t.is_nonnegative else False if t.is_nonpositive else None


def _polynomial(coefficients: Sequence[float], u: Any) -> Any:
    """sum_k coefficients[k] u^k by Horner's rule, on any backend's arrays.

    >>> float(_polynomial((1.0, 2.0, 3.0), np.float64(2.0)))
    17.0
    """
    value = u * 0 + coefficients[-1]
    for a in reversed(coefficients[:-1]):
        value = value * u + a
    return value


class _StrictOps:
    """numpy operations whose xlogy and xlog1py are 0 wherever x is 0, even for y = NaN."""

    def __init__(self, ops: Any):
        self._ops, self.name = ops, "numpy-strict"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ops, name)

    def namespace(self) -> dict[str, Any]:
        ns = self._ops.namespace()
        import scipy.special as sc
        where, xlogy, xlog1py = ns["where"], sc.xlogy, ns["xlog1py"]
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

    def __init__(self, rem: TaylorRemainder, params: tuple[sp.Symbol, ...],
                 namespace: dict[str, Any], domains: Mapping[sp.Symbol, Any] | None = None):
        self.anchor = codegen.compile_function(rem.anchor, params, namespace)
        deltas = tuple(sp.Dummy(f"d{j}", real=True) for j in range(len(rem.steps)))
        self.forms = [codegen.compile_function(  # evaluated from each end of the segment
            [log1p_steps(shifted(stable.factor_sums(end_series(special_forms.scaled_bessel(
                rem.quadratic_form), domains or {})), rem.q_symbols, ends, deltas),
                rem.q_symbols, rem.anchor, rem.steps, deltas)],
            params + rem.steps + deltas, namespace) for ends in (rem.anchor, rem.q_symbols)]
        self.q_index = [params.index(q) for q in rem.q_symbols]
        at_p = dict(zip(rem.q_symbols, rem.anchor))
        self.poles = codegen.compile_function(  # each singular form at P and at Q
            [e for pole in rem.poles for e in (pole.xreplace(at_p), pole)], params,
            namespace) if rem.poles else None
        self.linear = None if rem.linear == 0 else codegen.compile_function(
            [rem.linear], params + rem.steps, namespace)
        self.ns = namespace
        self.rules = {}
        for n in (6, 8, NODES):  # n Gauss-Legendre nodes on [0, 1] and n/2 to check them
            fine, coarse = np.polynomial.legendre.leggauss(n), np.polynomial.legendre.leggauss(
                n // 2)
            self.rules[n] = (np.concatenate([(fine[0] + 1) / 2, (coarse[0] + 1) / 2]),
                             np.concatenate([fine[1] / 2, 0 * coarse[1]]),
                             np.concatenate([0 * fine[1], coarse[1] / 2]))

    def _half(self, s: Any, d: Any) -> tuple[Any, Any]:
        """The distance from a half's end of its nodes (graded towards the end), and its
        derivative in s."""
        ns = self.ns
        rate = ns["log1p"](0.5 / d)
        return d * ns["expm1"](s * rate), d * rate * ns["exp"](s * rate)

    def _pole_ratios(self, args: list) -> list[Any]:
        """For each singular linear form, its value at Q over its value at P: the form is
        linear in t, so its zero lies 1 / (r - 1) before t = 0 (r > 1) or r / (1 - r) after
        t = 1 (0 < r < 1)."""
        if self.poles is None:
            return []
        values = self.poles(*args)
        return [at_q / at_p for at_p, at_q in zip(values[::2], values[1::2])]

    def _pole_distances(self, ratios: list[Any], like: Any, ops: Any) -> tuple[Any, Any]:
        """How far before 0 and after 1 the nearest pole of the integrand lies, in t."""
        where, far = self.ns["where"], 1e300
        d0 = d1 = ops.full(like, far)
        for r in ratios:
            up, down = r > 1, (r > 0) & (r < 1)
            d0 = where(up, self.ns["minimum"](d0, 1 / where(up, r - 1, 1.0)), d0)
            d1 = where(down, self.ns["minimum"](d1, r / where(down, 1 - r, 1.0)), d1)
        tiny = ops.full(like, 1e-300)  # a tensor: torch.maximum takes no float
        return self.ns["maximum"](d0, tiny), self.ns["maximum"](d1, tiny)

    def __call__(self, args: list, ops: Any) -> tuple[Any, Any]:
        """The integral and an error estimate.

        Elements whose poles lie at least d = 25 (4) segment lengths away take one 6 (8)-point
        rule on [0, 1] (its half-size check must itself be good to about 1e-8 for the error
        estimate to accept it); the others the graded halves.
        """
        full = ops.broadcast(list(args))
        ratios = [ops.broadcast([r, full[0]])[0] for r in self._pole_ratios(full)]
        tiers, left = [], None
        for n, d in ((6, 25.0), (8, 4.0)):
            ok = (full[0] == full[0]) if left is None else left
            for r in ratios:  # d(r) >= d for r in [d / (d + 1), (d + 1) / d]
                ok = ok & (r >= d / (d + 1)) & (r <= (d + 1) / d)
            tiers.append((ok, n))
            left = ~ok if left is None else left & ~ok
        tiers.append((left, None))
        tiers = [(mask, n) for mask, n in tiers if ops.any(mask)]
        if len(tiers) == 1 and tiers[0][1] is not None:
            return self._integrate(full, ops, tiers[0][1], ())
        value, error = ops.full(full[0], 0.0), ops.full(full[0], 0.0)
        for mask, n in tiers:
            subset = [ops.gather(a, mask) for a in full]
            poles = () if n else self._pole_distances([ops.gather(r, mask) for r in ratios],
                                                      subset[0], ops)
            part = self._integrate(subset, ops, n, poles)
            value, error = ops.scatter(value, mask, part[0]), ops.scatter(error, mask, part[1])
        return value, error

    def _integrate(self, args: list, ops: Any, nodes: int | None, poles: tuple
                   ) -> tuple[Any, Any]:
        """All nodes at once (shape (nodes, elements)): a ``nodes``-point rule on [0, 1], or
        (``nodes`` None) two halves graded towards ``poles`` (d0 before 0, d1 after 1)."""
        anchor = self.anchor(*args)
        h = [args[i] - a for i, a in zip(self.q_index, anchor)]
        value, check, size = 0.0, 0.0, 0.0
        if nodes is not None:  # both rules as one matrix product, (1 - t) folded in
            t, w, w_check = self.rules[nodes]
            s = ops.column(t)
            deltas = [s * hj for hj in h]
            form = ops.broadcast([self.forms[0](*args, *h, *deltas)[0], deltas[0]])[0]
            rules = ops.convert([np.stack([w * (1 - t), w_check * (1 - t)])])[0]
            value, check = ops.broadcast([rules @ form, ops.column([0.0, 0.0])])[0]
            size = ops.abs(value)
            halves = ()
        else:
            s, w, w_check = (ops.column(x) for x in self.rules[NODES])
            halves = zip((0, 1), poles)
        for start, d in halves:
            # the functions of a positive parameter (log, lgamma, ...) are analytic in its log
            # within a strip of half-width about pi: pieces of log-length <= 1.5 converge fast
            widest = float(self.ns["log1p"](0.5 / ops.constant(d)).max()) if d.shape[0] else 0.0
            pieces = min(MAX_PIECES, max(1, math.ceil(widest / 1.5)))
            for k in range(pieces):
                step, slope = self._half((k + s) / pieces, d)
                deltas = [step * hj if start == 0 else -step * hj for hj in h]
                weight = (1 - step if start == 0 else step) * slope / pieces
                form = self.forms[start](*args, *h, *deltas)[0] * weight
                value = value + (w * form).sum(0)
                check = check + (w_check * form).sum(0)
                size = size + ops.abs(w * form).sum(0)
        if self.linear is not None:  # g . h, where the closed form's gradient at P is g
            linear = self.linear(*args, *h)[0]
            value, check, size = value + linear, check + linear, size + ops.abs(linear)
        # Gauss-Legendre errors fall geometrically with the nodes: with the coarse rule off by
        # a relative d, the fine rule (twice the nodes) is off by about d^2; d^1.5 is the
        # cautious estimate QUADPACK uses for its embedded pairs.
        scale = ops.abs(value) + ops.eps() * size + 1e-300
        d = ops.abs(value - check) / scale
        return value, scale * d * self.ns["sqrt"](d)


def mpmath_function(expr: sp.Basic, params: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    """The closed form at mpmath precision (infinite series summed by SymPy at mp.dps)."""
    if not expr.has(sp.Sum):
        return sp.lambdify(params, expr, modules=["mpmath"])

    def evaluate(*values: Any) -> Any:
        import mpmath
        point = {s: exact_number(v, s.name) for s, v in zip(params, values)}
        return mpmath.mpf(str(sp.N(expr.xreplace(point), mpmath.mp.dps)))
    return evaluate
