"""Expectations of functions of the density ratio when both densities are Poisson kernels.

A family whose density is the Poisson kernel of the upper half-plane at a point w,
p(x) = Im w / (pi |x - w|^2) (Cauchy: w = x0 + i gamma; ``Family.poisson_kernel_point``), is the
law of x = Re w + Im w tan(theta) with theta uniform on (-pi/2, pi/2): P's quantile function.
Under that substitution the ratio of two such densities is a trigonometric polynomial of
degree one in psi = 2 theta,

    p/q = A + B cos(psi) + C sin(psi),

and psi runs over a whole period.  A phase shift does not change a mean over a period, so
E_P[h(p/q)] = (1/2 pi) * integral of h(A + R cos psi) over a period, with R^2 = B^2 + C^2.  Here
A^2 - R^2 is a positive constant (the determinant of the quadratic form), so R < A, and h
expanded about A is a series in R cos(psi) / A whose terms average one by one: odd powers of
cos psi average to 0, cos^(2j) psi to binomial(2j, j) / 4^j (the constant term of
((e^(i psi) + e^(-i psi)) / 2)^(2j)).  SymPy sums the series: a Gauss hypergeometric function for
h(t) = t^s (the power integral of Renyi, Bhattacharyya and Hellinger), logarithms for
h(t) = log(c + t) (KL and Jensen-Shannon).  Every step is computed, not looked up; the results
are checked against quadrature by ``Result.verify``.

>>> import sympy as sp
>>> from symkl.families import Cauchy
>>> form = angle_form(Cauchy(0, 1).bind(1), Cauchy(0, 2).bind(2))
>>> form.A, form.det
(5/4, 1)
>>> mean_of_log(form)  # KL(Cauchy(0, 1) || Cauchy(0, 2)) = log((A + 1) / 2)
log(9/8)
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.simplify.fu import TR8

from symkl.integration import Declined

Expr = sp.Expr


def applies(bp, bq) -> bool:
    """True when both bound families are Poisson kernels on the whole real line.

    >>> from symkl.families import Cauchy, HalfCauchy
    >>> applies(Cauchy().bind(1), Cauchy().bind(2))
    True
    >>> applies(HalfCauchy().bind(1), HalfCauchy().bind(2))
    False
    """
    return all(b.family.poisson_kernel_point is not None and b.support() == sp.Reals
               for b in (bp, bq))


@dataclass(frozen=True)
class AngleForm:
    """p/q = A + B cos(psi) + C sin(psi) under P's quantile x = Re w + Im w tan(psi / 2).

    ``det`` = A^2 - B^2 - C^2 > 0; ``theta`` is the angle symbol and ``ratio`` the ratio in it
    (for the derivation's steps)."""

    A: Expr
    B: Expr
    C: Expr
    det: Expr
    theta: sp.Symbol
    substitution: Expr
    ratio: Expr

    @property
    def R2(self) -> Expr:
        """R^2 = B^2 + C^2 = A^2 - det, the squared amplitude after the phase shift."""
        return self.A ** 2 - self.det


def angle_form(bp, bq) -> AngleForm:
    """The ratio p/q of two Poisson-kernel densities as A + B cos(2 theta) + C sin(2 theta).

    Raises ``Declined`` when a step does not come out as the theory says (it then says which).

    >>> from symkl.families import Cauchy
    >>> f = angle_form(Cauchy(0, 1).bind(1), Cauchy(1, 1).bind(2))
    >>> f.A, f.B, f.C
    (3/2, 1/2, -1)
    """
    if not applies(bp, bq):
        raise Declined("not both Poisson kernels on the real line")
    theta = sp.Dummy("theta", real=True)
    w = bp.family.poisson_kernel_point(*bp.values)
    x_of = sp.re(w) + sp.im(w) * sp.tan(theta)
    mass = sp.simplify(sp.exp(bp.logpdf(x_of)) * sp.diff(x_of, theta))
    if sp.simplify(mass - 1 / sp.pi) != 0:
        raise Declined(f"x = {x_of} does not carry P to the uniform law: p dx = {mass} dtheta")
    ratio = sp.exp(bp.logpdf(x_of) - bq.logpdf(x_of))
    double = sp.expand(TR8(sp.expand(sp.cancel(
        sp.expand_log(ratio, force=True).rewrite(sp.cos)))))
    c, s = sp.Dummy("c"), sp.Dummy("s")
    linear = sp.expand(double.subs({sp.cos(2 * theta): c, sp.sin(2 * theta): s}))
    if linear.has(theta) or not sp.Poly(linear, c, s).total_degree() <= 1:
        raise Declined(f"p/q is not of degree one in cos(2 theta), sin(2 theta): {double}")
    A = sp.factor(linear.subs({c: 0, s: 0}))
    B, C = (sp.factor(linear.coeff(v)) for v in (c, s))
    det = sp.factor(sp.simplify(A ** 2 - B ** 2 - C ** 2))
    if not det.is_positive:
        raise Declined(f"A^2 - B^2 - C^2 = {det} is not known to be positive")
    return AngleForm(A, B, C, det, theta, x_of, A + B * sp.cos(2 * theta) + C * sp.sin(2 * theta))


def _summed(term: Expr, j: sp.Symbol, start: int, W: sp.Symbol) -> Expr:
    """sum_{j >= start} term(j) for 0 < W < 1, closed (the branch SymPy gives for |W| < 1)."""
    total = sp.piecewise_fold(sp.Sum(term, (j, start, sp.oo)).doit())
    if isinstance(total, sp.Piecewise):
        inside = [v for v, cond in total.args if cond.subs(W, sp.Rational(1, 2)) == sp.S.true]
        total = inside[0] if inside else total
    if total.has(sp.Sum):
        raise Declined(f"SymPy did not sum the series {term}")
    return total


def mean_of_power(form: AngleForm, s: Expr) -> Expr:
    """E_P[(p/q)^s] = mean over a period of (A + R cos psi)^s, by the binomial series.

    >>> from symkl.families import Cauchy
    >>> form = angle_form(Cauchy(0, 1).bind(1), Cauchy(0, 2).bind(2))
    >>> mean_of_power(form, 1)  # E_P[p/q] = chi-square(P||Q) + 1 = A
    5/4
    """
    j = sp.Symbol("j", integer=True, nonnegative=True)
    W = sp.Dummy("W", positive=True)
    term = sp.binomial(s, 2 * j) * sp.binomial(2 * j, j) / 4 ** j * W ** j
    series = _summed(term, j, 0, W)
    return form.A ** s * series.xreplace({W: sp.factor(form.R2 / form.A ** 2)})


def mean_of_log(form: AngleForm, c: Expr = sp.S.Zero) -> Expr:
    """E_P[log(c + p/q)] = mean over a period of log(c + A + R cos psi), by the log series.

    >>> from symkl.families import Cauchy
    >>> form = angle_form(Cauchy(0, 1).bind(1), Cauchy(0, 1).bind(2))
    >>> mean_of_log(form, 1)  # p = q: log 2
    log(2)
    """
    j = sp.Symbol("j", integer=True, nonnegative=True)
    W = sp.Dummy("W", positive=True)
    term = sp.binomial(2 * j, j) / 4 ** j * W ** j / (2 * j)
    shifted = c + form.A
    series = _summed(term, j, 1, W)
    root = sp.sqrt(sp.factor(shifted ** 2 - form.R2)) / shifted  # sqrt(1 - W), W = R^2/(c+A)^2
    value = sp.log(shifted) - series.xreplace({sp.sqrt(1 - W): root, W: form.R2 / shifted ** 2})
    return sp.simplify(value)
