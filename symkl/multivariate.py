"""Multivariate families: the random vector, its coordinates, supports and the defining integral.

A multivariate family sets ``Family.vector`` to a k x 1 ``MatrixSymbol`` X and writes its
log-density in the coordinates ``X[i, 0]``.  Nothing else in the engine changes: an expression
depends on X exactly when it contains one of its coordinates, so the Bregman route (scalar
natural parameters, statistics such as X[0, 0] * X[1, 0]) and the linearity route (statistics
of one coordinate get the marginal's expectation, see ``expectation._by_marginal``) apply as
they are.  Supports are boxes (``ProductSet`` of intervals), the open simplex, or the cone of
positive definite matrices (Wishart: the vector holds the upper triangle of a symmetric matrix,
see :func:`pd_cone`).

>>> X = vector(2)
>>> coordinates(X)
[x[0, 0], x[1, 0]]
>>> plain(X[0, 0] ** 2 + X[1, 0], X)
x_1**2 + x_2
"""
from __future__ import annotations

import sympy as sp

from symkl.canonical import canonical
from symkl.definitions import integrand
from symkl.family import Bound


def vector(k: int, name: str = "x") -> sp.MatrixSymbol:
    """The random vector of a k-dimensional family, a k x 1 ``MatrixSymbol``."""
    return sp.MatrixSymbol(name, k, 1)


def coordinates(X: sp.MatrixSymbol) -> list[sp.Expr]:
    """The coordinates X[0, 0], ..., X[k - 1, 0] of a random vector of concrete size k."""
    return [X[i, 0] for i in range(X.shape[0])]


def coordinate_symbols(X: sp.MatrixSymbol) -> list[sp.Symbol]:
    """Plain real symbols x_1, ..., x_k standing for the coordinates (for integrals, lambdify).

    >>> coordinate_symbols(vector(3))
    [x_1, x_2, x_3]
    """
    return [sp.Symbol(f"{X.name}_{i + 1}", real=True) for i in range(X.shape[0])]


def plain(expr: sp.Expr, X: sp.MatrixSymbol) -> sp.Expr:
    """``expr`` with each coordinate X[i, 0] replaced by the plain symbol x_(i+1)."""
    return expr.xreplace(dict(zip(coordinates(X), coordinate_symbols(X))))


def simplex(dimension: int) -> sp.Set:
    """The open probability simplex in its first ``dimension`` coordinates (Dirichlet's support).

    >>> simplex(2).contains((sp.Rational(1, 4), sp.Rational(1, 2)))
    True
    """
    xs = coordinate_symbols(vector(dimension))
    inside = sp.And(*[v > 0 for v in xs], sp.Add(*xs) < 1)
    box01 = sp.ProductSet(*[sp.Interval.open(0, 1)] * len(xs))
    return sp.ConditionSet(sp.Tuple(*xs), inside, box01)


def is_simplex(support: sp.Set) -> bool:
    """True for a support built by :func:`simplex`."""
    return (isinstance(support, sp.ConditionSet) and isinstance(support.sym, sp.Tuple)
            and support == simplex(len(support.sym)))


def symmetric(entries, k: int) -> sp.Matrix:
    """The k x k symmetric matrix whose upper triangle, row by row, is ``entries``.

    >>> symmetric([1, 2, 3], 2)
    Matrix([
    [1, 2],
    [2, 3]])
    """
    slot = {e: n for n, e in enumerate((i, j) for i in range(k) for j in range(i, k))}
    return sp.Matrix(k, k, lambda i, j: entries[slot[(min(i, j), max(i, j))]])


def triangle_order(m: int) -> int | None:
    """The k with k (k + 1) / 2 = m (a k x k symmetric matrix has m free entries), or None."""
    k = int(((8 * m + 1) ** 0.5 - 1) / 2 + 0.5)
    return k if k * (k + 1) // 2 == m else None


def pd_cone(k: int) -> sp.Set:
    """The cone of k x k symmetric positive definite matrices, in the coordinates of their upper
    triangle (x_1 = X_11, x_2 = X_12, ..., row by row): the Wishart family's support.

    >>> pd_cone(2).contains((2, 1, 1)), pd_cone(2).contains((1, 2, 1))
    (True, False)
    """
    xs = coordinate_symbols(vector(k * (k + 1) // 2))
    diagonal = {(i, i) for i in range(k)}
    base = sp.ProductSet(*[sp.Interval.open(0, sp.oo) if e in diagonal else sp.Reals
                           for e in ((i, j) for i in range(k) for j in range(i, k))])
    return sp.ConditionSet(sp.Tuple(*xs), leading_minors_positive(symmetric(xs, k)), base)


def is_pd_cone(support: sp.Set) -> bool:
    """True for a support built by :func:`pd_cone`."""
    if not (isinstance(support, sp.ConditionSet) and isinstance(support.sym, sp.Tuple)):
        return False
    k = triangle_order(len(support.sym))
    return k is not None and support == pd_cone(k)


def cone_limits(xs: list[sp.Symbol], k: int) -> list[tuple]:
    """Iterated limits (outermost first) of the cone: column by column, the entries above the
    diagonal over R, then X_jj above b^T B^-1 b (B the leading block, b the column above X_jj),
    which makes the j-th leading minor, det B (X_jj - b^T B^-1 b), positive.

    >>> cone_limits(coordinate_symbols(vector(3)), 2)
    [(x_1, 0, oo), (x_2, -oo, oo), (x_3, x_2**2/x_1, oo)]
    """
    X = symmetric(xs, k)
    out = []
    for j in range(k):
        out += [(X[i, j], -sp.oo, sp.oo) for i in range(j)]
        b = X[:j, j]
        low = sp.cancel((b.T * X[:j, :j].inv() * b)[0, 0]) if j else sp.S.Zero
        out.append((X[j, j], low, sp.oo))
    return out


def box(support: sp.Set, k: int) -> list[tuple[sp.Expr, sp.Expr]]:
    """The (lower, upper) limits of each coordinate of a box support (R^k or a ProductSet).

    >>> box(sp.ProductSet(sp.Reals, sp.Interval.open(0, sp.oo)), 2)
    [(-oo, oo), (0, oo)]
    """
    sets = support.sets if isinstance(support, sp.ProductSet) else (support,) * k
    return [(s.inf, s.sup) for s in sets]


def definition(quantity: str, P: Bound, Q: Bound | None, X: sp.MatrixSymbol) -> sp.Expr:
    """The defining (unevaluated) multiple integral of ``quantity`` over supp P, in x_1..x_k.

    >>> from symkl.families.dirichlet import Dirichlet
    >>> definition("entropy", Dirichlet(2)().bind(""), None, vector(1)).limits
    ((x_1, 0, 1),)
    """
    if not X.shape[0].is_Integer:  # symbolic dimension: an integral over R^k
        return sp.Integral(integrand(quantity, P, Q, X), X)
    xs = coordinate_symbols(X)
    body = plain(integrand(quantity, P, Q, X), X)
    support = P.support()
    if is_simplex(support):
        limits = [(v, 0, 1 - sp.Add(*xs[:i])) for i, v in enumerate(xs)]
    elif is_pd_cone(support):
        limits = cone_limits(xs, triangle_order(len(xs)))
    else:
        limits = [(v, lo, hi) for v, (lo, hi) in zip(xs, box(support, len(xs)))]
    return sp.Integral(body, *reversed(limits))


def leading_minors_positive(matrix: sp.Matrix) -> sp.Basic:
    """Sylvester's criterion: a symmetric matrix is positive definite iff its leading minors are
    positive.

    >>> leading_minors_positive(sp.Matrix([[1, 2], [2, 1]]))
    False
    """
    k = matrix.shape[0]
    return sp.And(*[sp.factor(matrix[:i, :i].det()) > 0 for i in range(1, k + 1)])


def canonical_form(expr: sp.Expr) -> sp.Expr:
    """Presentation of a multivariate result: combined logs plus one fraction plus a constant.

    The general :func:`symkl.canonical.canonical` tries every pair of real parameters as a
    location difference, which is slow for the many entries of a covariance matrix; here each
    log is split into the logs of its factors (log det Sigma), and the rational part is written
    over its denominator with the constant taken out by polynomial reduction.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> canonical_form(sp.log(a) / 2 - sp.log(b) / 2 + (a - 3 * b) / (2 * b))
    a/(2*b) + log(a/b)/2 - 3/2
    """
    if expr.is_infinite or not expr.free_symbols:
        return sp.simplify(expr)
    if expr.has(sp.MatrixSymbol):
        return matrix_canonical(expr, tuple(expr.atoms(sp.MatrixSymbol)))
    if any(not isinstance(f, sp.log) for f in expr.atoms(sp.Function)) or expr.has(sp.Abs):
        return canonical(expr)  # digamma, erf, |.|: the general form (fast without Sigma_ij)
    logs = sorted(expr.atoms(sp.log), key=sp.default_sort_key)
    marks = [sp.Dummy(f"L{i}") for i in range(len(logs))]
    body = expr.xreplace(dict(zip(logs, marks)))
    weights: dict[sp.Expr, sp.Expr] = {}
    for lg, m in zip(logs, marks):
        c = sp.cancel(sp.diff(body, m))
        if c.has(*marks) or c.free_symbols:
            return sp.cancel(expr)  # not linear in the logs with numeric weights: leave it
        for part in sp.Add.make_args(sp.expand_log(sp.log(sp.factor(lg.args[0])), force=True)):
            w, inner = part.as_coeff_Mul()
            arg = inner.args[0] if isinstance(inner, sp.log) else sp.exp(inner)
            weights[arg] = weights.get(arg, sp.S.Zero) + c * w
    by_weight: dict[sp.Expr, list[sp.Expr]] = {}
    for arg, w in weights.items():
        if w != 0:
            by_weight.setdefault(abs(w), []).append(arg ** sp.sign(w))
    log_part = sp.Add(*[w * sp.log(sp.Mul(*args)) for w, args in by_weight.items()])
    rational = _cancel_by_denominator(body.xreplace({m: sp.S.Zero for m in marks}))
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(rational)):  # one fraction per denominator
        num, den = sp.fraction(term)
        scale, core = sp.factor_terms(den).as_coeff_Mul()
        groups[core] = groups.get(core, sp.S.Zero) + num / scale
    constant, fractions = groups.pop(sp.S.One, sp.S.Zero), []
    for core, num in sorted(groups.items(), key=lambda g: sp.default_sort_key(g[0])):
        scale, num = sp.expand(num).as_content_primitive()
        if num.free_symbols:
            (quotient,), rem = sp.reduced(num, [sp.expand(core)], *sorted(
                num.free_symbols | core.free_symbols, key=sp.default_sort_key))
            if quotient.is_number:  # k/2 hides in a numerator as a multiple of the denominator
                constant, num = constant + quotient * scale, rem
        fractions.append(_differences(num) / (sp.factor(core) / scale))
    return sp.Add(log_part, *fractions) + constant


def _cancel_by_denominator(expr: sp.Expr) -> sp.Expr:
    """Cancel a sum of rational terms group by group (terms over the same denominator
    together): one ``cancel`` of the whole sum is far slower for 3 x 3 covariance entries.

    >>> a, b = sp.symbols("a b", positive=True)
    >>> _cancel_by_denominator((a**2 - b**2) / (a - b) + 1 / (2 * b))
    a + b + 1/(2*b)
    """
    for _ in range(2):
        groups: dict[sp.Expr, sp.Expr] = {}
        for term in sp.Add.make_args(sp.expand(expr, deep=False, multinomial=False,
                                               power_exp=False, log=False)):
            num, den = sp.fraction(sp.together(term))
            scale, core = sp.factor_terms(sp.factor(den)).as_coeff_Mul()
            groups[core] = groups.get(core, sp.S.Zero) + num / scale
        expr = sp.Add(*[sp.cancel(num / core) for core, num in groups.items()])
    return expr


def _differences(poly: sp.Expr) -> sp.Expr:
    """Write P's and Q's location entries (``mu1_1``, ``mu1_2``) through their differences
    where the polynomial depends on them only that way.

    >>> a, b = sp.symbols("mu1_1 mu1_2", real=True)
    >>> _differences(a**2 - 2*a*b + b**2 + 3)
    (mu1_1 - mu1_2)**2 + 3
    """
    real = {s.name: s for s in poly.free_symbols if s.is_real and s.is_positive is None}
    out = sp.expand(poly)
    for name, s in sorted(real.items()):
        t = real.get(name[:-1] + "2")
        if not name.endswith("_1") or t is None:
            continue
        d = sp.Dummy("d")
        shifted = sp.expand(out.xreplace({s: t + d}))
        if not shifted.has(t):
            out = shifted.xreplace({d: sp.Symbol(f"<{name}>")})
            real[name] = (s, t)
    marks = {v: sp.Add(s, -t, evaluate=False) for v in out.free_symbols if v.name.startswith("<")
             for s, t in [real[v.name[1:-1]]]}
    grouped = sp.collect(out, sorted(marks, key=lambda v: v.name))
    return grouped.xreplace(marks)


# --- symbolic dimension: matrix-valued parameters (MatrixSymbol mu, Sigma of size k) ----------

def matrix_gradient(expr: sp.Expr, X: sp.MatrixSymbol) -> sp.MatrixExpr:
    """d expr / dX for a scalar expression of matrices, with d log det(c X) / dX = X^-T.

    SymPy differentiates traces of products (d tr(a^T X^-1 a)/dX = -X^-T a a^T X^-T) but
    returns 0 for log det; the log-det rule (Magnus and Neudecker, *Matrix Differential
    Calculus*, 3rd ed., ch. 8) is applied here to terms c log det(a X) with a scalar a.

    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> X = sp.MatrixSymbol("X", k, k)
    >>> matrix_gradient(-sp.log(sp.Determinant(-2 * X)) / 2, X)
    -(1/2)*X.T**(-1)
    """
    total = sp.ZeroMatrix(*X.shape)
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, rest = term.as_independent(X)
        if isinstance(rest, sp.log) and isinstance(rest.args[0], sp.Determinant):
            inner = rest.args[0].args[0]
            scale = inner.args[0] if isinstance(inner, sp.MatMul) and len(inner.args) == 2 \
                else sp.S.One
            if (inner / scale) != X:
                raise NotImplementedError(f"d/d{X} of log det {inner}")
            total = total + coeff * X.inverse().T
        elif rest.has(X):
            total = total + coeff * rest.diff(X)
    return total


def matrix_tidy(expr, values=()) -> sp.Basic:
    """Evaluate a matrix expression and use the symmetry of square matrix parameters
    (covariance matrices: Sigma^T = Sigma), expanding products over sums.

    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> S, m = sp.MatrixSymbol("S", k, k), sp.MatrixSymbol("m", k, 1)
    >>> matrix_tidy(S.T * S.inverse() * m + S.T, (m, S))
    S + m
    """
    square = [v for v in values if isinstance(v, sp.MatrixSymbol) and v.shape[0] == v.shape[1]]
    symmetric = {sp.Transpose(v): v for v in square}
    symmetric.update({sp.Inverse(sp.Transpose(v)): sp.Inverse(v) for v in square})
    for _ in range(3):
        expr = sp.expand(expr.xreplace(symmetric).doit())
    return expr


def _quadratic_forms(expr: sp.Expr) -> sp.Expr:
    """tr(a^T M a) - tr(a^T M b) - tr(b^T M a) + tr(b^T M b) -> tr((a - b)^T M (a - b))."""
    forms: dict[tuple, sp.Expr] = {}
    rest = sp.S.Zero
    for term in sp.Add.make_args(expr):
        coeff, tr = term.as_independent(sp.Trace)
        arg = tr.args[0] if isinstance(tr, sp.Trace) else None
        if isinstance(arg, sp.MatMul) and len(arg.args) >= 3:
            scalars = [f for f in arg.args if not isinstance(f, sp.MatrixExpr)]
            mats = [f for f in arg.args if isinstance(f, sp.MatrixExpr)]
            if len(mats) == 3 and isinstance(mats[0], sp.Transpose) and mats[2].shape[1] == 1:
                key = (mats[0].arg, mats[1], mats[2])
                forms[key] = forms.get(key, sp.S.Zero) + coeff * sp.Mul(*scalars)
                continue
        rest += term
    done = set()
    for a, M, b in list(forms):
        if a == b or (a, M, b) in done:
            continue
        pair = [(a, M, a), (b, M, b), (a, M, b), (b, M, a)]
        cs = [forms.get(p, sp.S.Zero) for p in pair]
        if cs[0] == cs[1] != 0 and sp.expand(cs[2] + cs[3] + 2 * cs[0]) == 0:
            rest += cs[0] * sp.Trace((a - b).T * M * (a - b))
            done.update(pair)
    for key, c in forms.items():
        if key not in done:
            a, M, b = key
            rest += c * sp.Trace(a.T * M * b)
    return rest


def _cyclic(tr: sp.Trace, symmetric: dict) -> sp.Expr:
    """tr(A u v^T) = v^T A u (a 1 x 1 product), and a^T M b = b^T M a for symmetric M, with
    the vectors in name order."""
    arg = tr.args[0]
    if not isinstance(arg, sp.MatMul):
        return tr
    scalars = [f for f in arg.args if not isinstance(f, sp.MatrixExpr)]
    mats = [f for f in arg.args if isinstance(f, sp.MatrixExpr)]
    last = mats[-1]
    if isinstance(last, sp.Transpose) and last.arg.shape[1] == 1 and len(mats) > 1:
        mats = [last, *mats[:-1]]
    if len(mats) == 3 and isinstance(mats[0], sp.Transpose) and mats[2].shape[1] == 1:
        a, M, b = mats[0].arg, mats[1], mats[2]
        if sp.default_sort_key(b) < sp.default_sort_key(a):
            mats = [b.T, M.T.xreplace(symmetric).doit().xreplace(symmetric), a]
    return sp.Mul(*scalars) * sp.Trace(sp.MatMul(*mats))


def matrix_canonical(expr: sp.Expr, values=()) -> sp.Expr:
    """Presentation of a symbolic-dimension result: traces in cyclic normal form, one quadratic
    form per pair of means, and log det ratios.

    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> S, m = sp.MatrixSymbol("S", k, k), sp.MatrixSymbol("m", k, 1)
    >>> matrix_canonical(sp.Trace(S.inverse() * m * m.T) - sp.Trace(m.T * S.inverse() * m), (S,))
    0
    """
    expr = matrix_tidy(expr, values)
    square = [v for v in values if isinstance(v, sp.MatrixSymbol) and v.shape[0] == v.shape[1]]
    symmetric = {sp.Transpose(v): v for v in square}
    expr = expr.replace(lambda e: isinstance(e, sp.Trace), lambda e: _cyclic(e, symmetric))
    expr = sp.expand(sp.expand_log(expr, force=True))
    return _quadratic_forms(expr)


def catalogue_families() -> tuple:
    """Representative multivariate family records for catalogues (pair them by ``kind``).

    They are built by functions (``MultivariateNormal(2)``, ``Dirichlet(3)``, ...) rather than
    being module-level records, so ``symkl.families.ALL`` stays univariate.

    >>> sorted({f.kind for f in catalogue_families()})[:2]
    ['Dirichlet, K = 2', 'Dirichlet, K = 3']
    """
    from symkl.families import Exponential, Normal
    from symkl.families.dirichlet import Dirichlet
    from symkl.families.independent import Independent
    from symkl.families.mvnormal import DiagonalNormal, IsotropicNormal, MultivariateNormal
    from symkl.families.wishart import Wishart
    return (MultivariateNormal(2), DiagonalNormal(2), IsotropicNormal(2), DiagonalNormal(3),
            IsotropicNormal(3), MultivariateNormal("k"), Dirichlet(2), Dirichlet(3),
            Independent(Normal, Normal), Independent(Normal, Exponential),
            Independent(Exponential, Normal), Wishart(2))
