"""Sums of inverses in a symbolic-dimension log-partition, rewritten through one mixture matrix.

A power divergence of two exponential-family members evaluates the log-partition at the mixed
natural parameter alpha eta_P + (1 - alpha) eta_Q.  For a matrix parameter (the precision
Sigma^-1 of a normal of symbolic dimension) that brings in M = x A^-1 + y B^-1, inside an
inverse and a determinant.  The textbook form (Gil, Alajaji & Linder 2013, table 2) is written
with the mixture S = y A + x B instead; the identities that connect them are computed here, not
assumed:

* A M B = y A + x B and B M A = y A + x B (SymPy expands and cancels A A^-1), so with
  S = c W (c = x + y, W the normalised mixture) M = A^-1 S B^-1 = B^-1 S A^-1;
* hence M^-1 = B S^-1 A = A S^-1 B (two spellings; each term takes the one whose first factor
  cancels its left neighbour) and det M = c^k det W / (det A det B);
* a factor A or B left next to W^-1 is eliminated through S's definition, B = (c W - y A) / x,
  when that lowers the number of A, B factors (W^-1 W = I).

>>> k = sp.Symbol("k", integer=True, positive=True)
>>> A, B = sp.MatrixSymbol("A", k, k), sp.MatrixSymbol("B", k, k)
>>> a = sp.Symbol("alpha", positive=True)
>>> M = a * A.inverse() + (1 - a) * B.inverse()
>>> out, mixtures, steps = mixture_form(sp.log(sp.Determinant(M)), (A, B))
>>> print(out)
log(Determinant(alpha*B + (1 - alpha)*A)) - log(Determinant(A)) - log(Determinant(B))
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symkl.multivariate import _differences, matrix_canonical
from symkl.steps import Step


class NotAMixture(ValueError):
    """The expression holds an inverse or determinant of a matrix sum of another shape."""


@dataclass(frozen=True)
class Mixture:
    """M = x A^-1 + y B^-1 = A^-1 (c W) B^-1 with W = (y A + x B) / c, c = x + y."""

    M: sp.MatrixExpr
    A: sp.MatrixSymbol
    B: sp.MatrixSymbol
    x: sp.Expr
    y: sp.Expr
    W: sp.MatrixExpr  # the normalised mixture (y A + x B) / (x + y), as a matrix expression

    @property
    def c(self) -> sp.Expr:
        return self.x + self.y


def _scaled_inverse(term: sp.MatrixExpr, symbols) -> tuple[sp.Expr, sp.MatrixSymbol] | None:
    """term = coefficient * A^-1 with A one of ``symbols``, else None."""
    coeff, mats = _factors(term)
    if len(mats) == 1 and isinstance(mats[0], sp.Inverse) and mats[0].arg in symbols:
        return coeff, mats[0].arg
    return None


def decompose(M: sp.MatrixExpr, symbols) -> Mixture:
    """M = x A^-1 + y B^-1 as a :class:`Mixture`, its mixture computed as A M B / (x + y).

    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> A, B = sp.MatrixSymbol("A", k, k), sp.MatrixSymbol("B", k, k)
    >>> decompose(-A.inverse() / 4 - B.inverse() / 4, (A, B)).W
    (1/2)*A + (1/2)*B
    """
    parts = [_scaled_inverse(t, symbols) for t in M.args] \
        if isinstance(M, sp.MatAdd) else [None]
    if len(parts) != 2 or None in parts or parts[0][1] == parts[1][1]:
        raise NotAMixture(f"{M} is not x A^-1 + y B^-1 for two parameter matrices")
    (x, A), (y, B) = sorted(parts, key=lambda p: sp.default_sort_key(p[1]))
    S = (A * M * B).expand().doit()
    if (B * M * A).expand().doit() != S:  # the second spelling of M^-1 rests on it
        raise NotAMixture(f"A M B != B M A for {M}")
    c = sp.factor(x + y)
    if c == 0:
        raise NotAMixture(f"{M}: the coefficients sum to 0, no normalised mixture")
    return Mixture(M, A, B, x, y, sp.expand(S / c))


def _factors(term: sp.Expr) -> tuple[sp.Expr, list]:
    """A product's scalar coefficient and its matrix factors in order."""
    coeff, mats = sp.S.One, []
    for f in (term.args if isinstance(term, sp.MatMul) else (term,)):
        if isinstance(f, sp.MatMul):  # SymPy leaves some products nested
            inner, inner_mats = _factors(f)
            coeff, mats = coeff * inner, mats + inner_mats
        elif isinstance(f, sp.MatrixExpr):
            mats.append(f)
        else:
            coeff *= f
    return coeff, mats


def _bare(mats: list, m: Mixture) -> int:
    return sum(1 for f in mats if f in (m.A, m.B))


def _eliminate(trace_arg: sp.Expr, m: Mixture, W: sp.MatrixSymbol) -> sp.Expr:
    """Replace a bare A or B next to W^-1 through c W = y A + x B where that lowers the count
    of bare A, B factors; returns the (expanded) sum of traces."""
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(trace_arg.doit())):
        coeff, mats = _factors(term)
        done = False
        for i, f in enumerate(mats):
            if f not in (m.A, m.B):
                continue
            near = mats[i - 1:i] + mats[i + 1:i + 2]
            if W.inverse() not in near:
                continue
            other, (mine, theirs) = (m.B, (m.y, m.x)) if f == m.A else (m.A, (m.x, m.y))
            spelled = (m.c * W - theirs * other) / mine  # from c W = y A + x B
            new = sp.expand(sp.MatMul(*mats[:i], spelled, *mats[i + 1:]).doit()).doit()
            if all(_bare(_factors(t)[1], m) < _bare(mats, m) for t in sp.Add.make_args(new)):
                out += coeff * _eliminate(new, m, W)
                done = True
                break
        if not done:
            out += coeff * (sp.Trace(sp.MatMul(*mats)) if mats else sp.S.One)
    return out


def _rewrite_trace(tr: sp.Trace, m: Mixture, W: sp.MatrixSymbol) -> sp.Expr:
    """One trace holding M^-1: the spelling of M^-1 whose first factor cancels the factor on
    its left, then the elimination of bare A, B next to W^-1."""
    coeff, mats = _factors(tr.arg)
    at = mats.index(m.M.inverse())
    left = mats[at - 1] if at else None
    first, last = (m.A, m.B) if left == m.A.inverse() else (m.B, m.A)
    spelled = first * W.inverse() * last / m.c  # M^-1 = A S^-1 B = B S^-1 A, S = c W
    product = sp.MatMul(*mats[:at], spelled, *mats[at + 1:])
    return coeff * _eliminate(product, m, W)


def mixture_form(expr: sp.Expr, symbols) -> tuple[sp.Expr, list[Mixture], tuple[Step, ...]]:
    """``expr`` with every inverse and determinant of x A^-1 + y B^-1 (A, B among ``symbols``)
    written through the normalised mixture W = (y A + x B)/(x + y); also the mixtures and the
    steps that show the identities used.  Raises :class:`NotAMixture` for another matrix sum.
    """
    sums = {e.arg for e in expr.atoms(sp.Inverse, sp.Determinant) if isinstance(e.arg, sp.MatAdd)}
    mixtures = [decompose(M, symbols) for M in sorted(sums, key=sp.default_sort_key)]
    named = {}
    for m in mixtures:
        named.setdefault(m.W, sp.MatrixSymbol(f"W{len(named)}", *m.M.shape))
    shown = {}  # one identity per mixture, the spelling with c = 1 first
    for m in sorted(mixtures, key=lambda m: m.c != 1):
        shown.setdefault(m.W, Step("the mixed precision through the mixed covariance",
                                   sp.latex(m.A * m.M * m.B), sp.expand(m.c * m.W)))
    steps = list(shown.values())
    for m in mixtures:
        W = named[m.W]
        k = m.M.shape[0]
        expr = expr.replace(lambda e, M=m.M: isinstance(e, sp.Determinant) and e.arg == M,
                            lambda e, m=m, W=W, k=k: (m.c ** k * sp.Determinant(W)
                                                      / (sp.Determinant(m.A)
                                                         * sp.Determinant(m.B))))
        expr = sp.expand(expr)
        expr = expr.replace(lambda e, M=m.M: isinstance(e, sp.Trace) and e.arg.has(M.inverse()),
                            lambda e, m=m, W=W: _rewrite_trace(e, m, W))
    placeholders = tuple(named.values())
    expr = mixture_collect(sp.expand(sp.expand_log(expr, force=True)))
    expr = mixture_collect(matrix_canonical(expr, (*symbols, *placeholders)))
    if any(isinstance(e.arg, sp.MatAdd) for e in expr.atoms(sp.Inverse, sp.Determinant)):
        raise NotAMixture("an inverse or determinant of a matrix sum is left after the rewrite")
    return expr.xreplace({W: m_W for m_W, W in named.items()}), mixtures, tuple(steps)


def mixture_collect(expr: sp.Expr) -> sp.Expr:
    """Terms grouped by their trace or log-determinant, each coefficient factored."""
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        coeff, rest = term.as_independent(sp.Trace, sp.Determinant, as_Add=False)
        groups[rest] = groups.get(rest, sp.S.Zero) + coeff
    return sp.Add(*[sp.factor(sp.cancel(c)) * rest for rest, c in groups.items()])


def positive_definite(mixture: Mixture) -> sp.Basic:
    """The condition that the normalised mixture is positive definite (where the mixed
    natural parameter is admissible)."""
    return sp.Q.positive_definite(mixture.W)


def at_matrices(expr: sp.Expr, values: dict) -> sp.Expr:
    """A symbolic-dimension result at explicit matrices (a concrete dimension), presented term
    by term: each determinant as its factored polynomial, each quadratic form as one fraction
    in the mean differences, positive definiteness as positive pivots (:func:`pivots_positive`).

    >>> k = sp.Symbol("k", integer=True, positive=True)
    >>> S, m = sp.MatrixSymbol("S", k, k), sp.MatrixSymbol("m", k, 1)
    >>> s, t, u = sp.symbols("s t u", positive=True)
    >>> at_matrices(sp.Trace(m.T * S.inverse() * m) - sp.log(sp.Determinant(S)),
    ...             {S: sp.ImmutableMatrix([[s, 0], [0, t]]), m: sp.ImmutableMatrix([u, u]), k: 2})
    -log(s*t) + (s*u**2 + t*u**2)/(s*t)
    """
    def quadratic(form: sp.MatrixExpr) -> sp.Expr:
        num, den = sp.fraction(sp.cancel(sp.together(sp.Matrix(form.doit())[0, 0])))
        return _differences(sp.expand(num)) / sp.factor(den)

    out = expr.xreplace(values)
    out = out.replace(lambda e: isinstance(e, sp.AppliedPredicate)
                      and e.function == sp.Q.positive_definite,
                      lambda e: pivots_positive(sp.Matrix(e.arguments[0].doit())))
    out = out.replace(lambda e: isinstance(e, sp.Determinant),
                      lambda e: sp.factor(sp.Matrix(e.arg.doit()).det()))
    return out.replace(lambda e: isinstance(e, sp.Trace), lambda e: quadratic(e.arg))


def pivots_positive(matrix: sp.Matrix) -> sp.Basic:
    """Positive definiteness as positive pivots of the symmetric elimination: the i-th leading
    minor over the previous one where that ratio is a polynomial (a diagonal matrix: its
    entries; sigma^2 I: one condition), the leading minor itself otherwise.

    >>> a, b = sp.symbols("a b", real=True)
    >>> pivots_positive(sp.diag(a, b, a))
    (a > 0) & (b > 0)
    """
    conditions, previous = [], sp.S.One
    for i in range(1, matrix.shape[0] + 1):
        minor = sp.factor(matrix[:i, :i].det())
        pivot = sp.factor(sp.cancel(minor / previous))
        conditions.append((pivot if sp.fraction(pivot)[1] == 1 else minor) > 0)
        previous = minor
    return sp.And(*dict.fromkeys(conditions))
