"""Whether and under which conditions a power integral integral p^a q^(1 - a) can be done:
structural obstacles read off the integrand before integrating (incommensurable kernels, two
polynomials under non-integer powers: elliptic or Appell integrals), rational integrands over
the line, and the convergence conditions from exponential and power tails.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> structural_obstacle(-x**2 - x, x, sp.Reals) is None
True
"""
from __future__ import annotations

import sympy as sp


def _rational_over_line(body: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """integral over R of N(x) / (const * Q(x)^n) with Q a quadratic without real roots
    (p^2 / q for two Cauchys), by x = c + d t where Q = A ((x - c)^2 + d^2): each term
    t^k / (1 + t^2)^n is then a parameter-free integral.  None if ``body`` is not of that shape.

    >>> x = sp.Symbol("x", real=True)
    >>> m, g = sp.Symbol("m", real=True), sp.Symbol("g", positive=True)
    >>> _rational_over_line(g / (sp.pi * (g**2 + (x - m)**2)), x)
    1
    """
    num, den = sp.fraction(sp.factor(sp.together(body)))
    if not (num.is_polynomial(x) and den.is_polynomial(x)):
        return None
    bases = {(f.base if f.is_Pow else f) for f in sp.Mul.make_args(den) if f.has(x)}
    if len(bases) != 1:
        return None
    quadratic = sp.Poly(bases.pop(), x)
    if quadratic.degree() != 2:
        return None
    A, B, C = quadratic.all_coeffs()
    c = sp.simplify(-B / (2 * A))
    d = sp.sqrt(sp.factor(C / A - c**2))
    if not d.is_positive:
        return None
    t = sp.Dummy("t", real=True)
    scale, shape = sp.factor(den.subs(x, c + d * t)).as_independent(t, as_Add=False)
    n = sp.Poly(shape, t)
    if sp.Poly(n.as_expr(), t).degree() <= sp.degree(num, x) + 1:
        return None  # diverges (the tail rule elsewhere says so): not this helper's case
    total = sp.S.Zero
    for (k,), coeff in sp.Poly(sp.expand(num.subs(x, c + d * t)), t).terms():
        if k % 2 == 0:
            total += coeff * sp.integrate(t**k / shape, (t, -sp.oo, sp.oo))
    return total * d / scale


def structural_obstacle(log_body: sp.Expr, x: sp.Symbol, support: sp.Set) -> str | None:
    """Why integral exp(log_body) dx over ``support`` has no closed form, read off its shape
    before any integration is tried; None when nothing rules a closed form out.

    Three obstacles are recognised, all for generic (symbolic) parameters:

    * x enters through kernels of incommensurable scales: x^k1 and x^k2 (Weibull,
      Kumaraswamy), or exp(x/s1) and exp(x/s2) (Gumbel, Logistic), with a ratio k1/k2 or s2/s1
      that is not a fixed rational number (or a power kernel together with an exponential one).
      No substitution turns such an integrand into a single standard integral (Gamma, Beta or
      a Meijer G function): for k1 != k2 its value is a Fox-Wright / H-function.
    * two different polynomials under non-integer powers, of total degree >= 3
      (Cauchy, Student t with different locations): for exponents -1/2 an elliptic integral,
      for symbolic exponents an Appell / hypergeometric function of their roots.  Exempt: on
      (0, oo), binomials b + c x^k sharing one k (a Mellin convolution, which SymPy's Meijer G
      integration does evaluate: half-Cauchy).
    * rational terms of the exponent with different poles: exp(-c1 / (x - mu1) - c2 / (x - mu2))
      (two Levy laws with different locations); with one shared pole it is a Gamma kernel.

    >>> x = sp.Symbol("x", positive=True)
    >>> k1, k2, l1, l2 = sp.symbols("k1 k2 lam1 lam2", positive=True)
    >>> print(structural_obstacle(-(x / l1)**k1 / 2 - (x / l2)**k2 / 2, x,
    ...                           sp.Interval.open(0, sp.oo)))
    x enters through x**k1 and x**k2, whose ratio is not a fixed rational number ...
    >>> structural_obstacle(-(x / l1)**k1 / 2 - (x / l2)**k1 / 2, x,
    ...                     sp.Interval.open(0, sp.oo)) is None
    True
    """
    kernels: dict[tuple, sp.Expr] = {}
    polys: dict[sp.Expr, sp.Expr] = {}
    poles: dict[sp.Expr, sp.Expr] = {}  # pole -> a rational term of the exponent with it
    for term in sp.Add.make_args(sp.expand(sp.expand_log(log_body, force=True))):
        if not term.has(x):
            continue
        coeff, rest = term.as_independent(x, as_Add=False)
        if rest == x or rest == sp.log(x):
            continue
        if rest.is_rational_function(x) and not rest.is_polynomial(x):
            for pole in sp.roots(sp.denom(sp.together(rest)), x):
                if not any(sp.simplify(pole - p) == 0 for p in poles):
                    poles[pole] = rest
            continue
        if isinstance(rest, sp.log) and rest.args[0].is_polynomial(x):
            poly = sp.Poly(rest.args[0], x)
            if len(poly.terms()) > 1:  # not a monomial c x^n (that is n log x + const)
                monic = sp.expand(poly.as_expr() / poly.LC())
                polys[monic] = polys.get(monic, sp.S.Zero) + coeff
            continue
        kernels.update(_kernels(rest, x))
    clash = _incommensurable(kernels)
    if clash:
        return (f"x enters through {clash[0]} and {clash[1]}, whose ratio is not a fixed "
                f"rational number (incommensurable scales): no substitution reduces the "
                f"integral to a Gamma, Beta or Meijer G integral, and no closed form exists "
                f"for generic parameters")
    if len(poles) >= 2:
        (p1, t1), (p2, t2) = list(poles.items())[:2]
        return (f"x enters the exponent through {t1} and {t2}, whose poles {p1} and {p2} "
                f"differ: substituting 1/(x - {p1}) turns one into a Gamma kernel and leaves "
                f"the other a rational function of the new variable, so the integral is no "
                f"Gamma, Beta or Meijer G integral, and no closed form exists for generic "
                f"parameters")
    powered = {p: c for p, c in polys.items() if sp.simplify(c).is_integer is not True}
    if len(powered) >= 2 and sum(sp.degree(p, x) for p in powered) >= 3:
        if support.inf == 0 and _shared_binomials(list(powered), x):
            return None
        shown = " * ".join(f"({p})**({sp.simplify(c)})" for p, c in powered.items())
        kind = ("an elliptic integral" if all(sp.simplify(2 * c).is_integer for c in
                                              powered.values())
                else "an Appell / hypergeometric function of the polynomials' roots")
        return (f"the integrand is {shown} up to constants: two different polynomials under "
                f"non-integer powers make it {kind}, not an elementary or Gamma-type closed "
                f"form")
    return None


def _kernels(e: sp.Expr, x: sp.Symbol) -> dict[tuple, sp.Expr]:
    """The ways x enters ``e`` beyond polynomials and log x: x^k with a symbolic k, and
    exp(c x + d); keyed by (kind, k or c)."""
    found: dict[tuple, sp.Expr] = {}
    for node in sp.preorder_traversal(sp.expand(e)):
        if isinstance(node, sp.Pow) and node.base == x and not node.exp.is_number:
            found.setdefault(("power", node.exp), node)
        elif isinstance(node, sp.exp) and node.args[0].has(x) \
                and sp.diff(node.args[0], x, 2) == 0:
            found.setdefault(("exp", sp.diff(node.args[0], x)), node)
    return found


def _incommensurable(kernels: dict[tuple, sp.Expr]) -> tuple[sp.Expr, sp.Expr] | None:
    """Two kernels of different kinds, or of one kind with a ratio that is not a rational
    number (k1/k2, s2/s1 symbolic): returned as a pair; None if all are commensurable."""
    keys = list(kernels)
    for i, (kind1, r1) in enumerate(keys):
        for kind2, r2 in keys[i + 1:]:
            if kind1 != kind2 or not sp.simplify(r1 / r2).is_Rational:
                return kernels[(kind1, r1)], kernels[(kind2, r2)]
    return None


def _shared_binomials(polys: list, x: sp.Symbol) -> bool:
    """All of the form b + x^k with one k (a Mellin convolution on (0, oo))."""
    exps = set()
    for p in polys:
        terms = sp.Poly(p, x).terms()
        if len(terms) != 2 or terms[1][0] != (0,):
            return False
        exps.add(terms[0][0])
    return len(exps) == 1


def _exponential_tail_conditions(log_body: sp.Expr, x: sp.Symbol, bp) -> list | None:
    """d/dx log(integrand) tends to a constant rate at each infinite end: it must point inward."""
    if bp.family.discrete:
        return None
    support, conditions = bp.support(), []
    for end, sign in ((support.sup, -1), (support.inf, 1)):
        if not end.is_infinite:
            continue
        try:
            rate = sp.simplify(sp.limit(sp.diff(log_body, x), x, end))
        except (NotImplementedError, ValueError, TypeError):
            return None
        if rate.has(x, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Limit):
            return None
        if rate == 0:  # a power tail |x|^rho: rho = lim x d/dx log(integrand) < -1
            try:
                rho = sp.simplify(sp.limit(x * sp.diff(log_body, x), x, end))
            except (NotImplementedError, ValueError, TypeError):
                return None
            if rho.has(x, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Limit):
                return None
            rate, sign = -1 - rho, 1
        condition = sp.Gt(sign * rate, 0)
        if condition == sp.S.false:
            return None
        if condition != sp.S.true:
            conditions.append(condition)
    return conditions


def _converges(body: sp.Expr, x: sp.Symbol, bp) -> bool:
    """True when x^2 * body stays bounded at the infinite ends, for every parameter value.
    (For 0 < a < 1 no check is needed: p^a q^(1-a) <= a p + (1 - a) q.)"""
    if bp.family.discrete:
        return False
    support = bp.support()
    for end in (support.inf, support.sup):
        if end.is_infinite:
            try:
                tail = sp.limit(x**2 * body, x, end)
            except (NotImplementedError, ValueError, TypeError):
                return False
            if tail.is_finite is not True:
                return False
    return True
