"""Numeric value of a defining integral over R^k, a box, the simplex or the positive definite
cone (multivariate verify).

mpmath's adaptive ``quad`` in two dimensions takes about a minute per point at dps 15 on this
machine, so multivariate results are checked with a fixed tensor-product rule instead: each
coordinate is mapped from t in [-T, T] and the trapezoidal rule with step h is applied in t
(sinh map x = sinh t on the real line; exp-sinh on a half-line and tanh-sinh on an interval,
which absorb endpoint singularities; the simplex by stick-breaking x_1 = u_1,
x_2 = (1 - u_1) u_2, ...).  For integrands analytic in a strip the error decays like
exp(-c / h) (Takahasi and Mori 1974; Trefethen and Weideman 2014, "The exponentially convergent
trapezoidal rule"), so this is an independent numeric evaluation of the definition that uses
only the log-densities.

- supports with only unbounded coordinates (R^k, half-lines): numpy float64, h = 1/12;
  verification tolerance 1e-10 (double precision: about 1e-16 per node, amplified by the
  cancellation between log p and log q and by summing up to 10^6 nodes).
- a bounded coordinate or the simplex (dimension <= 2): mpmath at ``max(dps, 50)`` digits,
  h = 1/8 on bounded and 1/16 on unbounded coordinates, |t| <= 5.5 on bounded ones (nodes
  1e-167 from the ends: an x^-0.9 endpoint singularity leaves out less than 1e-16), the
  simplex's last part 1 - x_1 - ... fed as the product of exact complements 1 - u_i (never
  rounded to 0 near that face), and a node whose value is nan skipped only when its weight
  is below 1e-25; verification tolerance 1e-15.
- the cone of k x k positive definite matrices (Wishart): X = A L L^T A^T (:func:`cholesky`,
  A from :func:`cone_scale` whitens by the scale of P's density), a box of k half-lines
  (l_ii > 0) and k (k - 1)/2 lines, numpy float64 as above but h = 1/24 on the half-lines,
  where the density decays like exp(-c l^2): a 2 x 2 Wishart's total mass is off by up to
  5e-10 at h = 1/12, 4e-13 at 1/16 and 2e-16 at 1/24 (without whitening a nearly singular
  V, det V = 1/64, left 1e-4); tolerance 1e-10.  A 2 x 2 matrix is a 3-D rule of
  193 x 121 x 193 nodes (about a second per point); k = 3 (6-D) is out of reach.  The end
  |t| = 4 of a half-line leaves out mass of order (2e-19)^(nu - k + 1), negligible for the
  seeded nu >= k (see symkl.families.wishart).

>>> from symkl.families.mvnormal import mvn
>>> P = mvn([0, 0], [[1, 0], [0, 1]]).bind(1)
>>> round(float(definition_value("entropy", P, None)), 12)  # log(2 pi e)
2.837877066409
"""
from __future__ import annotations

import random

import mpmath
import numpy as np
import sympy as sp

from symkl.definitions import finish, integrand
from symkl.family import Bound
from symkl.multivariate import (
    box,
    coordinate_symbols,
    is_pd_cone,
    is_simplex,
    leading_minors_positive,
    plain,
    symmetric,
    triangle_order,
)

MP_TOL, FLOAT_TOL = 1e-15, 1e-10
H_MP, H_MP_UNBOUNDED, H_NP = 1 / 8, 1 / 16, 1 / 12
H_CONE_DIAGONAL = 1 / 24  # Cholesky diagonal l_ii: Gaussian decay exp(-c l^2) in exp-sinh
WORK_DPS = 50  # so that 1 - x keeps 12 digits at the outermost tanh-sinh node (1 - x ~ 6e-38)
SKIP_WEIGHT = 1e-25  # a node whose value rounds to nan must carry less weight than this


def tolerance(P: Bound) -> float:
    """The verification tolerance that goes with the rule used for P's support."""
    return MP_TOL if uses_mpmath(P) else FLOAT_TOL


def definition_value(quantity: str, P: Bound, Q: Bound | None, dps: int = 30,
                     alpha: sp.Expr | None = None) -> mpmath.mpf:
    """``quantity`` at numeric parameters from its defining integral, by the tensor DE rule."""
    X = P.family.vector
    xs = coordinate_symbols(X)
    f = plain(integrand(quantity, P, Q, X, alpha), X)
    d = len(xs)
    support = P.support()
    simplex = is_simplex(support)
    steps = None
    if is_pd_cone(support):
        f, xs, limits = cholesky(f, xs, cone_scale(plain(P.logpdf(X), X), xs))
        steps = [H_CONE_DIAGONAL if lo == 0 else H_NP for lo, _ in limits]
    else:
        limits = [(sp.S.Zero, sp.S.One)] * d if simplex else box(support, d)
    kinds = [_kind(lo, hi) for lo, hi in limits]
    a = None if alpha is None else mpmath.mpf(str(sp.N(alpha, dps)))
    if uses_mpmath(P):
        with mpmath.workdps(max(dps, WORK_DPS)):
            return finish(quantity, _mp_rule(f, xs, kinds, limits, simplex), a)
    value = _np_rule(f, xs, kinds, limits, steps)
    with mpmath.workdps(dps):
        return finish(quantity, mpmath.mpf(value), a)


def cholesky(f: sp.Expr, xs: list[sp.Symbol], A: sp.Matrix | None = None):
    """An integrand over the cone of positive definite matrices (coordinates: the upper
    triangle) as one over a box: X = A L L^T A^T with L lower triangular, l_ii > 0, and
    dX = |A|^(k + 1) 2^k prod_i l_ii^(k - i + 1) dL (Muirhead, *Aspects of Multivariate
    Statistical Theory*, 1982, theorems 2.1.6 and 2.1.9).  A (lower triangular, default I)
    whitens: with A A^T near the scale of the density, L is near a standard Bartlett factor
    whatever the conditioning of the scale.  Logs and powers of polynomials in the entries are
    expanded in l and factored, so that log |X| becomes log(|A|^2 l_11^2 ... l_kk^2) and is not
    computed as a difference of large numbers near the boundary of the cone.  Returns
    (integrand, the symbols l_ij row by row, their limits: (0, oo) on the diagonal, R below).

    >>> from symkl.multivariate import vector
    >>> x1, x2, x3 = coordinate_symbols(vector(3))
    >>> g, ls, limits = cholesky(sp.log(x1 * x3 - x2 ** 2), [x1, x2, x3])
    >>> g, ls, limits
    (4*l_11**2*l_22*log(l_11**2*l_22**2), [l_11, l_21, l_22], [(0, oo), (-oo, oo), (0, oo)])
    """
    k = triangle_order(len(xs))
    A = sp.eye(k) if A is None else A
    L = sp.Matrix(k, k, lambda i, j: sp.Symbol(f"l_{i + 1}{j + 1}", positive=(i == j) or None,
                                               real=True) if j <= i else sp.S.Zero)
    LLt = (A * L) * (A * L).T
    upper = symmetric(xs, k)
    g = f.xreplace({upper[i, j]: sp.expand(LLt[i, j]) for i in range(k) for j in range(i, k)})
    g = g.replace(lambda e: isinstance(e, sp.log) or (e.is_Pow and not e.exp.is_Integer),
                  lambda e: e.func(sp.factor(sp.expand(e.args[0])), *e.args[1:]))
    jacobian = A.det() ** (k + 1) * 2**k * sp.Mul(*[L[i, i] ** (k - i) for i in range(k)])
    ls = [L[i, j] for i in range(k) for j in range(i + 1)]
    return jacobian * g, ls, [(sp.S.Zero if v.is_positive else -sp.oo, sp.oo) for v in ls]


def cone_scale(log_p: sp.Expr, xs: list[sp.Symbol]) -> sp.Matrix | None:
    """A lower triangular A with rational entries, A A^T close to B^-1 where -tr(B X) is the
    part of the log-density linear in X's entries (Wishart: B = V^-1 / 2); None when there is no
    such part or B is not positive definite.  Any nonsingular A gives the same integral (its
    determinant is in the Jacobian): rounding A to 2^-20 loses nothing.

    >>> from symkl.multivariate import vector
    >>> x1, x2, x3 = xs = coordinate_symbols(vector(3))
    >>> cone_scale(-x1 / 4 - x3 / 16 + sp.log(x1 * x3 - x2**2), xs)
    Matrix([
    [2, 0],
    [0, 4]])
    """
    k = triangle_order(len(xs))
    linear = {x: sp.S.Zero for x in xs}
    for term in sp.Add.make_args(sp.expand(log_p)):
        coeff, rest = term.as_independent(*xs)
        if rest in linear:
            linear[rest] += coeff
    diagonal = {k * i - i * (i - 1) // 2 for i in range(k)}  # positions of X_ii in xs
    B = -symmetric([c / (1 if n in diagonal else 2) for n, c in enumerate(linear.values())], k)
    if B.free_symbols or leading_minors_positive(B) != sp.S.true:
        return None
    chol = (B.inv() * 1.0).evalf().cholesky(hermitian=False)
    return chol.applyfunc(lambda v: sp.Rational(round(float(v) * 2**20), 2**20))


def mass_outside(P: Bound, Q: Bound, dps: int = 30) -> mpmath.mpf:
    """P(X outside supp Q) = 1 - (integral of p over supp P intersected with supp Q), for boxes.

    >>> from symkl.families import Normal, Exponential
    >>> from symkl.families.independent import Independent
    >>> P = Independent(Normal, Normal)(0, 1, 0, 1).bind(1)
    >>> Q = Independent(Normal, Exponential)(0, 1, 1).bind(2)
    >>> round(float(mass_outside(P, Q)), 9)
    0.5
    """
    X = P.family.vector
    xs, d = coordinate_symbols(X), X.shape[0]
    if any(is_simplex(b.support()) or is_pd_cone(b.support()) for b in (P, Q)):
        raise NotImplementedError("mass outside a simplex or cone support")
    limits = [(sp.Max(a, c), sp.Min(b, e)) for (a, b), (c, e) in
              zip(box(P.support(), d), box(Q.support(), d))]
    if any(sp.Ge(lo, hi) == sp.S.true for lo, hi in limits):
        return mpmath.mpf(1)
    density = plain(sp.exp(P.logpdf(X)), X)
    kinds = [_kind(lo, hi) for lo, hi in limits]
    if "interval" in kinds:
        with mpmath.workdps(max(dps, WORK_DPS)):
            return 1 - _mp_rule(density, xs, kinds, limits, False)
    with mpmath.workdps(dps):
        return 1 - mpmath.mpf(_np_rule(density, xs, kinds, limits))


def uses_mpmath(P: Bound) -> bool:
    """True when some coordinate is bounded (interval or simplex): the mpmath rule is used."""
    support = P.support()
    d = P.family.vector.shape[0]
    if is_simplex(support):
        return True
    if is_pd_cone(support):  # a box of half-lines and lines in Cholesky coordinates
        return False
    return any(_kind(lo, hi) == "interval" for lo, hi in box(support, d))


def _kind(lo: sp.Expr, hi: sp.Expr) -> str:
    if lo == -sp.oo and hi == sp.oo:
        return "line"
    if hi == sp.oo and lo.is_finite:
        return "half"
    if lo == -sp.oo and hi.is_finite:
        return "lower"
    if lo.is_finite and hi.is_finite:
        return "interval"
    raise NotImplementedError(f"no rule for ({lo}, {hi})")


def _nodes(kind: str, lo, hi, h, exp, sinh, cosh, pi):
    """(x, weight) pairs of the rule for one coordinate (weights include dx/dt and h).

    line: x = sinh(t), |t| <= 5 (|x| <= 74); half-line: x = lo + exp(pi/2 sinh t), |t| <= 4;
    interval: tanh-sinh with |t| <= 5.5, whose outermost nodes sit 1e-167 from the ends, so that
    an endpoint singularity as strong as x^-0.9 leaves out less than 1e-16 of the integral
    (chi-square of Dirichlets: p^2/q ~ x^(2 a1 - a2 - 1)).
    """
    span = {"line": 5.0, "interval": 5.5, "simplex-interval": 5.5}.get(kind, 4.0)
    n = int(span / h)
    out = []
    for j in range(-n, n + 1):
        t = j * h
        s, c = sinh(t), cosh(t)
        if kind == "line":
            x, w = s, c
        elif kind in ("half", "lower"):  # (lo, oo) or (-oo, hi)
            e = exp(pi / 2 * s)
            x, w = (lo + e, pi / 2 * c * e) if kind == "half" else (hi - e, pi / 2 * c * e)
        else:
            e = exp(-pi * s)
            x, w = lo + (hi - lo) / (1 + e), (hi - lo) * pi * c * e / (1 + e) ** 2
            if kind == "simplex-interval":  # with hi - x exact, not rounded from x
                out.append((x, w * h, (hi - lo) * e / (1 + e)))
                continue
        out.append((x, w * h))
    return out


def _mp_rule(f, xs, kinds, limits, simplex: bool):
    """The tensor rule at mpmath precision.  On the simplex the last part 1 - x_1 - ... is a
    symbol of its own, fed the product of the stick-breaking complements (1 - u_i computed
    exactly by the nodes): subtracting would round it to 0 within 1e-50 of that face, and an
    x^-0.75 singularity there holds 1e-13 of the integral."""
    if len(xs) > 2:
        raise NotImplementedError("bounded coordinates in 3 or more dimensions are not handled")
    last = sp.Dummy("last")
    if simplex:
        f = f.xreplace({1 - sp.Add(*xs): last})
        kinds = ["simplex-interval"] * len(kinds)
    g = sp.lambdify([*xs, last], f.evalf(mpmath.mp.dps), modules=["mpmath"])
    one = mpmath.mpf(1)
    axes = [_nodes(k, mpmath.mpf(str(sp.N(lo, 50))) if lo.is_finite else lo,
                   mpmath.mpf(str(sp.N(hi, 50))) if hi.is_finite else hi,
                   one * (H_MP if k in ("interval", "simplex-interval") else H_MP_UNBOUNDED),
                   mpmath.exp, mpmath.sinh, mpmath.cosh, mpmath.pi)
            for k, (lo, hi) in zip(kinds, limits)]
    total = mpmath.mpf(0)
    for point in _product(axes):
        us = [node[0] for node in point]
        weight = mpmath.fprod(node[1] for node in point)
        rest = one
        if simplex:  # stick-breaking: x_i = u_i * prod_{j<i} (1 - u_j), Jacobian prod(1 - ...)
            coords = []
            for u, (_, _, complement) in zip(us, point):
                coords.append(rest * u)
                weight *= rest
                rest *= complement
            us = coords
        value = g(*us, rest)
        if not mpmath.isfinite(value):  # 0 * log(0) where 1 - x rounds to 0 at an end node
            if weight > SKIP_WEIGHT:
                raise ArithmeticError(f"integrand is {value} at {us} (weight {weight})")
            continue
        total += weight * value
    return total


def _product(axes):
    if not axes:
        yield ()
        return
    for head in axes[0]:
        for tail in _product(axes[1:]):
            yield (head, *tail)


def _np_rule(f, xs, kinds, limits, steps=None) -> float:
    g = sp.lambdify(xs, f, modules=["numpy", "scipy"])
    steps = steps or [H_NP] * len(xs)
    axes = [np.array(_nodes(k, float(lo) if lo.is_finite else 0.0,
                            float(hi) if hi.is_finite else 0.0, h, np.exp,
                            np.sinh, np.cosh, np.pi), dtype=float)
            for k, (lo, hi), h in zip(kinds, limits, steps)]
    grids = np.meshgrid(*[a[:, 0] for a in axes], indexing="ij")
    weights = np.ones_like(grids[0])
    for i, a in enumerate(axes):
        shape = [1] * len(axes)
        shape[i] = -1
        weights = weights * a[:, 1].reshape(shape)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(g(*grids), grids[0].shape)
    values = np.where(weights * np.abs(np.nan_to_num(values)) > 0, values, 0.0)
    return float(np.sum(weights * values))


def _holds(condition: sp.Basic, values: dict, symbol, order) -> bool:
    """A condition at concrete matrices: positive definiteness by Cholesky (SymPy's test)."""
    at = condition.xreplace(values)
    if symbol is not None and order is not None:
        at = at.xreplace({symbol: order})
    at = at.replace(lambda e: isinstance(e, sp.AppliedPredicate)
                    and e.function == sp.Q.positive_definite,
                    lambda e: sp.S(sp.ImmutableMatrix(e.arguments[0].doit()).is_positive_definite))
    return bool(at.doit()) if not isinstance(at, bool) else at


def verify_symbolic(result, points: int = 3, seed: int = 0, dps: int = 30,
                    expr: sp.Expr | None = None):
    """Check a symbolic-dimension result at k = 1, 2, ...: substitute seeded concrete vectors
    and positive definite matrices (Sigma = A A^T + I/2 with rational A) into the closed form,
    and integrate the same distributions as concrete-dimension instances
    (``Family.concrete``) numerically.  Returns the checks and the tolerance used."""
    from symkl.verify import PointCheck
    rng = random.Random(seed)
    P, Q = result.P, result.Q
    k = P.family.vector.shape[0]
    checks, tol = [], 0.0

    def draw(template, kk):
        square = template.shape[1] == template.shape[0]
        a = sp.Matrix(kk, kk if square else 1, lambda i, j: sp.Rational(rng.randint(-12, 12), 8))
        return sp.ImmutableMatrix(a * a.T + sp.eye(kk) / 2 if square else a)

    orders = [sp.Rational(1, 3), sp.Integer(2), sp.Rational(3, 2), sp.Integer(3)]
    for n in range(points + 1):
        kk = 1 + n % 2
        order = result.order
        if order is not None and order.free_symbols:  # a symbolic Renyi order: seeded values
            order = order.xreplace({s: orders[n % len(orders)] for s in order.free_symbols})
        for _ in range(50):  # admissible matrices: the result's conditions must hold
            values = {v: draw(v, kk) for b in (P, Q) if b is not None for v in b.values}
            if n == points and Q is not None:  # the P = Q point
                values.update(zip(Q.values, [values[v] for v in P.values]))
            if all(_holds(c, {**values, k: kk}, result.order, order)
                   for c in result.conditions):
                break
        closed_expr = (result.expr if expr is None else expr).xreplace({**values, k: kk})
        if order is not None and result.order is not None:
            closed_expr = closed_expr.xreplace({result.order: order})
        closed_expr = closed_expr.doit()
        Pc = P.family.concrete(kk, *[values[v] for v in P.values]).bind("1")
        Qc = None if Q is None else Q.family.concrete(kk, *[values[v] for v in Q.values]).bind(
            "2")
        tol = max(tol, tolerance(Pc))
        with mpmath.workdps(dps):
            value = sp.N(closed_expr, dps + 5)
            # a complex value (log of a negative determinant) is a failed check, not a crash
            closed = mpmath.mpf(str(value)) if value.is_real else mpmath.nan
            reference = definition_value(result.quantity, Pc, Qc, dps, order)
            # below the rule's own tolerance a value is compared absolutely (P = Q: a float64
            # rule returns 1e-16 for 0)
            relative = abs(reference) > max(mpmath.mpf(10) ** (-dps + 5), tolerance(Pc))
            err = abs(closed - reference) / (abs(reference) if relative else 1)
            err = mpmath.inf if mpmath.isnan(err) else err
        point = {"k": kk, **{v.name: values[v].tolist() for v in values}}
        if order is not None:
            point["alpha"] = str(order)
        checks.append(PointCheck(point, closed, reference, float(err), relative))
    return tuple(checks), tol
