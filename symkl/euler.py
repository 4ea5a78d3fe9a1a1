"""E[log f(X)] from a Mellin-type transform that is an Euler (Beta) integral.

E[log f(X)] = d/dt E[f(X)^t] at t = 0.  Many densities that are not exponential families
(Kumaraswamy, logistic, Student's t) turn E[f(X)^t] into a Beta integral after one change of
variables: u = x^c (a symbolic power of x), u = exp(a x + b), or, for an even function of a
quadratic, x = m + r sqrt(u).  The Beta integrals recognised are

    int_0^1 u^A (1 - u)^B du = B(A + 1, B + 1),
    int_0^oo u^A (1 + u)^B du = B(A + 1, -A - B - 1).

The transform must equal 1 at t = 0 (the density integrates to 1): a self-check on every
substitution.  SymPy's own integrate is not used here; it is slow or wrong on these forms.

>>> import sympy as sp
>>> from symkl.families import Logistic
>>> x = sp.Symbol("x", real=True)
>>> P = Logistic(0, 1).bind(1)
>>> log_mean(sp.log(1 + sp.exp(-x)), x, P)
1
"""
from __future__ import annotations

import sympy as sp

from symkl.family import Bound

Expr = sp.Expr


def log_mean(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E_P[stat] for stat = log f(X) when E_P[f(X)^t] is a Beta integral; else None."""
    if P.family.discrete or not isinstance(stat, sp.log):
        return None
    support = P.support()
    if not isinstance(support, sp.Interval) and support != sp.Reals:
        return None
    lo, hi = (support.inf, support.sup)
    t = sp.Dummy("t", real=True)
    density = P.density(x)
    for substituted, var, a, b, _ in _substitutions(density, stat.args[0], t, x, lo, hi):
        found = _beta_integral(substituted, var, a, b, t)
        if found is None:
            continue
        moment = found[0]
        if sp.simplify(sp.gammasimp(moment.subs(t, 0)) - 1) != 0:
            continue  # the change of variables lost mass: do not trust it
        value = sp.diff(moment, t).subs(t, 0)
        return sp.simplify(sp.expand_func(sp.gammasimp(value)))
    return None


def polynomial_mean(stat: Expr, x: sp.Symbol, P: Bound) -> Expr | None:
    """E_P[stat] for a polynomial stat when E[u^t] is a Beta integral, u = exp(c x + d) or x.

    For u = exp(c x + d), x = (log u - d) / c and E[(log u)^k] is the k-th derivative at t = 0
    of E[u^t]; for u = x (supports starting at 0), E[X^k] is E[X^t] at t = k when the Beta
    integral converges there (otherwise the rule declines).

    >>> import sympy as sp
    >>> from symkl.families import Logistic
    >>> x = sp.Symbol("x", real=True)
    >>> polynomial_mean(x**2, x, Logistic(0, 1).bind(1))
    pi**2/3
    """
    if P.family.discrete or not stat.has(x) or not stat.is_polynomial(x):
        return None
    support = P.support()
    if not isinstance(support, sp.Interval) and support != sp.Reals:
        return None
    t = sp.Dummy("t", real=True)
    density = sp.powsimp(P.density(x))  # exp(a) exp(b) -> exp(a + b): one kernel, not two
    kernels = [e for e in density.atoms(sp.exp)
               if e.args[0].is_polynomial(x) and sp.degree(e.args[0], x) == 1]
    if support.inf == 0:
        kernels.append(x)  # E[X^t] itself: E[x^k] = M(k) where the Beta integral converges
    for g in kernels:
        for substituted, var, a, b, used in _substitutions(density, g, t, x, support.inf,
                                                           support.sup):
            found = None if used != g and g != x else _beta_integral(substituted, var, a, b, t)
            if found is None or sp.simplify(sp.gammasimp(found[0].subs(t, 0)) - 1) != 0:
                continue
            moment, positive = found
            poly = sp.Poly(stat, x)
            if g == x:
                if not all(p.subs(t, k).is_positive for (k,), _ in poly.terms() for p in positive):
                    continue  # a moment that diverges, or may diverge: not this rule's to say
                value = sum(coeff * moment.subs(t, k) for (k,), coeff in poly.terms())
            else:
                c, d = sp.Poly(g.args[0], x).all_coeffs()
                log_u = sp.Dummy("L")
                poly = sp.Poly(sp.expand(stat.subs(x, (log_u - d) / c)), log_u)
                value = sum(coeff * sp.diff(moment, t, k).subs(t, 0)
                            for (k,), coeff in poly.terms())
            return sp.simplify(sp.expand_func(sp.gammasimp(value)))
    return None


def _substitutions(density: Expr, f: Expr, t: sp.Dummy, x: sp.Symbol, lo: Expr, hi: Expr):
    """Candidate (integrand in u, u, u_lo, u_hi) after one change of variables."""
    integrand = f**t * density
    u = sp.Dummy("u", positive=True)
    kernels = [p for p in integrand.atoms(sp.Pow)
               if p.base == x and not p.exp.is_number and p.exp.is_positive]
    kernels += [e for e in integrand.atoms(sp.exp)
                if e.args[0].is_polynomial(x) and sp.degree(e.args[0], x) == 1]
    if lo == 0:
        kernels.append(x)
    for g in kernels:
        try:
            new = sp.Integral(integrand, (x, lo, hi)).transform(g, u)
        except Exception:  # noqa: BLE001 - a substitution SymPy cannot make is just skipped
            continue
        (var, a, b), = new.limits
        if a.is_infinite is False and b.is_infinite is False and (b - a).is_negative:
            yield -_tidy(new.function), var, b, a, g
        else:
            yield _tidy(new.function), var, a, b, g
    if lo == -sp.oo and hi == sp.oo:
        yield from _even_quadratic(integrand, x, u)


def _even_quadratic(integrand: Expr, x: sp.Symbol, u: sp.Dummy):
    """x = m + r sqrt(u) for an integrand even about m, a function of r^2 + (x - m)^2 forms."""
    for p in integrand.atoms(sp.Pow):
        base = sp.expand(p.base)
        if not base.is_polynomial(x) or sp.degree(base, x) != 2:
            continue
        c2, c1, c0 = sp.Poly(base, x).all_coeffs()
        m = -c1 / (2 * c2)
        r2 = sp.simplify((c0 - c1**2 / (4 * c2)) / c2)
        if not (c2.is_positive and r2.is_positive):
            continue
        v = sp.Dummy("v", positive=True)
        at = integrand.subs(x, m + sp.sqrt(r2) * v)
        if sp.simplify(at - integrand.subs(x, m - sp.sqrt(r2) * v)) != 0:
            continue
        # int_R g dx = 2 int_0^oo g(m + r v) r dv,  v = sqrt(u): dv = du / (2 sqrt(u))
        yield _tidy(at.subs(v, sp.sqrt(u)) * sp.sqrt(r2) / sp.sqrt(u)), u, sp.S.Zero, sp.oo, None


def _tidy(f: Expr) -> Expr:
    """Merge powers and exponentials of logs so that u's factors are visible."""
    f = sp.powsimp(sp.expand_power_base(sp.powdenest(f, force=True), force=True), force=True)
    f = f.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.powsimp(sp.expand_log(e,
                                                                                      force=True)))
    f = f.replace(lambda e: e.is_Pow, lambda e: sp.Pow(e.base, sp.simplify(e.exp)))
    return sp.powsimp(sp.expand_power_base(f, force=True), force=True)


def _beta_integral(g: Expr, u: sp.Symbol, a: Expr, b: Expr,
                   t: sp.Symbol) -> tuple[Expr, tuple[Expr, ...]] | None:
    """The Beta integrals of the module docstring, with the quantities that must be positive
    for it to converge; or None."""
    if a != 0 or b not in (1, sp.oo):
        return None
    shifted = 1 - u if b == 1 else 1 + u
    k, pu, pw = sp.S.One, sp.S.Zero, sp.S.Zero
    for factor in sp.Mul.make_args(sp.factor_terms(g)):
        base, e = factor.as_base_exp()
        if not factor.has(u):
            k *= factor
        elif base == u:
            pu += e
        else:
            ratio = sp.simplify(base / shifted)
            if ratio.has(u):
                return None
            k, pw = k * ratio**e, pw + e
    if b == 1:
        value = k * sp.gamma(pu + 1) * sp.gamma(pw + 1) / sp.gamma(pu + pw + 2)
        return value, (pu + 1, pw + 1)
    return k * sp.gamma(pu + 1) * sp.gamma(-pu - pw - 1) / sp.gamma(-pw), (pu + 1, -pu - pw - 1)
