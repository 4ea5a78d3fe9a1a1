"""Families as data: parameter domains, the family record and its bound instances.

A :class:`Family` is a plain record (name, parameters with domains, support, log-density,
breakpoints, optional exponential-family view).  Calling it makes a :class:`FamilyInstance`;
binding an instance gives each parameter a SymPy value, inventing indexed symbols
(``mu1``, ``sigma2``) for the parameters the user left unnamed.

>>> from symkl.families import Normal
>>> Normal(0, 1).bind(1).values
(0, 1)
>>> Normal().bind(2).values
(mu2, sigma2)
"""
from __future__ import annotations

import keyword
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import sympy as sp

Expr = sp.Expr


@dataclass(frozen=True)
class Domain:
    """A parameter domain: SymPy assumptions, the condition it imposes, and a sampler.

    >>> POSITIVE.condition(sp.Integer(-1))
    False
    """

    name: str
    assumptions: tuple[tuple[str, bool], ...]
    condition_of: Callable[[Expr], sp.Basic]
    describe: str  # e.g. "> 0"; the message reads "sigma must be > 0"
    sample: Callable[[random.Random], Expr]

    def condition(self, value: Expr) -> sp.Basic:
        """The SymPy condition that ``value`` lies in the domain (True, False or relational)."""
        return self.condition_of(value)

    def symbol(self, name: str) -> sp.Symbol:
        """A Symbol named ``name`` carrying this domain's assumptions."""
        return sp.Symbol(name, **dict(self.assumptions))


def _rational(rng: random.Random, lo: float, hi: float) -> Expr:
    """A random rational in [lo, hi] with a small denominator (exact for quadrature checks)."""
    return sp.Rational(round(rng.uniform(lo, hi) * 8), 8) or sp.Rational(1, 8)


REAL = Domain("Real", (("real", True),), lambda v: sp.S.true if v.is_extended_real is not False
              else sp.S.false, "real", lambda r: _rational(r, -1.5, 1.5))
POSITIVE = Domain("Positive", (("positive", True),), lambda v: sp.Gt(v, 0), "> 0",
                  lambda r: _rational(r, 0.5, 3))
UNIT_INTERVAL = Domain("UnitInterval", (("positive", True),),
                       lambda v: sp.And(sp.Gt(v, 0), sp.Lt(v, 1)), "in the open interval (0, 1)",
                       lambda r: sp.Rational(r.randint(1, 7), 8))
POSITIVE_INTEGER = Domain("PositiveInteger", (("integer", True), ("positive", True)),
                          lambda v: sp.And(sp.Gt(v, 0), sp.S.true if v.is_integer is not False
                                           else sp.S.false), "a positive integer",
                          lambda r: sp.Integer(r.randint(1, 6)))


@dataclass(frozen=True)
class Param:
    """One parameter of a family: its name, LaTeX name and domain.

    An ``index`` parameter (Binomial's n, NegativeBinomial's r) picks *which* exponential family
    the distribution belongs to rather than a member of it.  Left unnamed it binds to its bare
    name on both sides of a pair (``n``, not ``n1`` and ``n2``), and an unnamed index takes the
    value given on the other side (see :func:`match_index`).
    """

    name: str
    latex: str
    domain: Domain
    index: bool = False


@dataclass(frozen=True)
class ExpFamilyView:
    """Exponential-family data: log p(x) = eta(theta) . T(x) - A(eta) + log h(x).

    ``log_partition`` is written in the natural parameters (a function of the tuple ``eta``);
    ``natural_params`` maps the family's parameters to eta; ``stats`` gives T(x); ``log_base``
    gives log h(x); ``natural_domain`` the condition for eta to be a natural parameter (A finite).
    Expectations E[T] = grad A(eta) are derived from ``log_partition``.
    """

    natural_params: Callable[..., tuple[Expr, ...]]
    log_partition: Callable[[Sequence[Expr]], Expr]
    stats: Callable[[sp.Symbol], tuple[Expr, ...]]
    log_base: Callable[[sp.Symbol], Expr]
    natural_domain: Callable[[Sequence[Expr]], sp.Basic] = lambda eta: sp.S.true
    fixed: Callable[..., tuple[Expr, ...]] | None = None
    held: tuple[Expr, ...] = ()

    def at(self, values: Sequence[Expr]) -> "ExpFamilyView":
        """The view for the member with parameter ``values``: fixed parameters bound in.

        >>> from symkl.families import Binomial
        >>> Binomial.expfam.at((5, sp.Rational(1, 2))).log_partition((sp.Symbol("e"),))
        5*log(exp(e) + 1)
        """
        if self.fixed is None:
            return self
        held = tuple(self.fixed(*values))
        partition, base = self.log_partition, self.log_base
        return replace(self, log_partition=lambda eta: partition(eta, *held),
                       log_base=lambda x: base(x, *held), fixed=None, held=held)
    size: int = 0  # number of natural parameters; 0: count T(x) at a scalar x
    shapes: tuple | None = None  # matrix-valued natural parameters: their shapes

    def natural_symbols(self) -> tuple[sp.Symbol, ...]:
        """Symbols eta0, eta1, ... for the natural parameters (to differentiate A or show it);
        MatrixSymbols when ``shapes`` is given (symbolic-dimension families)."""
        if self.shapes is not None:
            return tuple(sp.MatrixSymbol(f"eta{i}", *shape) for i, shape in enumerate(self.shapes))
        return sp.symbols(f"eta0:{self.size or len(self.stats(sp.Dummy()))}")


@dataclass(frozen=True, eq=False)
class Family:
    """A parametric family as a record.  Call it to get an instance.

    ``logpdf(x, *params)`` is the log-density (or log-pmf); ``support(*params)`` a SymPy set;
    ``breakpoints(*params)`` the points where the density has a kink (Laplace's mu).

    >>> from symkl.families import Gamma
    >>> [p.name for p in Gamma.params]
    ['alpha', 'beta']
    """

    name: str
    latex_name: str  # template with {0}, {1}, ... for the parameters' LaTeX
    params: tuple[Param, ...]
    discrete: bool
    support: Callable[..., sp.Set]
    logpdf: Callable[..., Expr]
    breakpoints: Callable[..., tuple[Expr, ...]] = lambda *_: ()
    expfam: ExpFamilyView | None = None
    poisson_kernel_point: Callable[..., Expr] | None = None  # Cauchy: density = Poisson kernel
    # X has the law of g(U), U ~ base: params -> (base instance, g).  E_P[f(X)] = E[f(g(U))].
    representation: Callable[..., tuple["FamilyInstance", Callable[[Expr], Expr]]] | None = None
    description: str = ""
    validate: Callable[..., None] = lambda *values: None  # joint checks; raise via `reject`
    joint: Callable[..., tuple[sp.Basic, ...]] = lambda *values: ()  # undecided: results carry
    group: str = ""  # pairs are formed within a group; "" means by `discrete` (see `kind`)
    # multivariate families (see symkl.multivariate): the random vector as a k x 1 MatrixSymbol,
    # a joint condition on the parameters (Sigma positive definite) and, for products, the
    # marginal family and parameter values of each coordinate
    vector: sp.MatrixSymbol | None = None
    condition: Callable[..., sp.Basic] = lambda *values: sp.S.true
    marginals: Callable[..., tuple[tuple[Family, tuple], ...]] | None = None
    concrete: Callable[..., FamilyInstance] | None = None  # symbolic k: (k, *values) -> instance
    # concrete k: the same law as the symbolic-dimension family at explicit matrices,
    # (*values) -> (that family, its matrix values); the inverse of ``concrete``
    matrix_form: Callable[..., tuple[Family, tuple]] | None = None

    @property
    def kind(self) -> str:
        """Which families this one is paired with: 'continuous', 'discrete' or its group.

        >>> from symkl.families import Normal, Poisson
        >>> Normal.kind, Poisson.kind
        ('continuous', 'discrete')
        """
        return self.group or ("discrete" if self.discrete else "continuous")

    def __call__(self, *args, **kwargs) -> "FamilyInstance":
        names = [p.name for p in self.params]
        if len(args) > len(names):
            raise TypeError(f"{self.name} takes at most {len(names)} parameters "
                            f"({', '.join(names)}), got {len(args)}")
        values: list[object] = list(args) + [None] * (len(names) - len(args))
        for key, val in kwargs.items():
            if key not in names:
                raise TypeError(f"{self.name} has no parameter {key!r}; "
                                f"its parameters are {', '.join(names)}")
            values[names.index(key)] = val
        coerced = tuple(_coerce(self, p, v) for p, v in zip(self.params, values))
        self.validate(*coerced)  # constraints between parameters (None = left unnamed)
        return FamilyInstance(self, coerced)

    def __repr__(self) -> str:
        return f"<family {self.name}({', '.join(p.name for p in self.params)})>"


def reject(family: Family | str, param: str, constraint: str, got: object) -> ValueError:
    """The error for an invalid parameter: names the family, the parameter and the constraint.

    >>> str(reject("Uniform", "b", "greater than a", 0))
    'Uniform: parameter b must be greater than a, got 0'
    """
    name = family if isinstance(family, str) else family.name
    return ValueError(f"{name}: parameter {param} must be {constraint}, got {got}")


def match_index(P: "FamilyInstance", Q: "FamilyInstance | None"):
    """Fill an unnamed index parameter from the other side when P and Q are the same family.

    >>> from symkl.families import Binomial
    >>> match_index(Binomial(), Binomial(10))
    (Binomial(10, _), Binomial(10, _))
    """
    if Q is None or Q.family is not P.family:
        return P, Q
    a, b = list(P.args), list(Q.args)
    for i, param in enumerate(P.family.params):
        if param.index:
            a[i] = b[i] if a[i] is None else a[i]
            b[i] = a[i] if b[i] is None else b[i]
    return FamilyInstance(P.family, tuple(a)), FamilyInstance(Q.family, tuple(b))


def exact_number(value: object, what: str = "value") -> Expr:
    """An int, float, Fraction or SymPy number as an exact SymPy number; text is refused.

    >>> exact_number(0.25)
    1/4
    """
    if isinstance(value, bool) or isinstance(value, str) or not (
            isinstance(value, (int, float, sp.Expr)) or hasattr(value, "numerator")):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Rational(value)
    return sp.Rational(int(value.numerator), int(value.denominator))


def _coerce(family: Family, param: Param, value: object) -> Expr | None:
    """Turn a user value into a SymPy object, rejecting definitely invalid ones."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.isidentifier() or keyword.iskeyword(value) or value.startswith("__"):
            raise ValueError(f"{family.name}: parameter {param.name} was given the string "
                             f"{value!r}, which is not a plain identifier; pass a number, a SymPy "
                             f"expression or a name such as 'sigma_p'")
        expr: Expr = param.domain.symbol(value)
    elif isinstance(value, bool):
        raise ValueError(f"{family.name}: parameter {param.name} must be a number, got {value!r}")
    elif isinstance(value, sp.Expr):
        expr = value
    elif isinstance(value, int):
        expr = sp.Integer(value)
    elif isinstance(value, float) or hasattr(value, "__float__"):
        expr = sp.Float(float(value))
    else:
        raise ValueError(f"{family.name}: parameter {param.name} must be a number, a SymPy "
                         f"expression or a name, got {type(value).__name__}")
    if expr.has(sp.I) or expr.has(sp.nan) or expr.has(sp.zoo) or expr.has(sp.oo):
        raise ValueError(f"{family.name}: parameter {param.name} must be finite and real, "
                         f"got {expr}")
    if param.domain.condition(expr) == sp.S.false:
        raise reject(family, param.name, param.domain.describe, expr)
    return expr


@dataclass(frozen=True)
class FamilyInstance:
    """A family with (some) parameter values fixed; ``None`` means 'unnamed, make a symbol'.

    >>> from symkl.families import Normal
    >>> Normal(0, 1)
    Normal(0, 1)
    """

    family: Family
    args: tuple[Expr | None, ...]

    def bind(self, index: int | str) -> "Bound":
        """Give every unnamed parameter a symbol ``<name><index>`` with its domain's assumptions."""
        values = tuple(p.domain.symbol(p.name if p.index else f"{p.name}{index}")
                       if v is None else v for p, v in zip(self.family.params, self.args))
        return Bound(self.family, values)

    def __repr__(self) -> str:
        shown = ", ".join("_" if a is None else str(a) for a in self.args)
        return f"{self.family.name}({shown})"


@dataclass(frozen=True)
class Bound:
    """A family instance whose parameters are all SymPy expressions."""

    family: Family
    values: tuple[Expr, ...]

    def logpdf(self, x: sp.Symbol) -> Expr:
        """The log-density at ``x``."""
        return self.family.logpdf(x, *self.values)

    def density(self, x: sp.Symbol) -> Expr:
        """The density (or mass function) written as powers, not exp(log ...), for integration.

        >>> import sympy as sp
        >>> from symkl.families import Gamma
        >>> x = sp.Symbol("x", positive=True)
        >>> Gamma(2, 3).bind(1).density(x)
        9*x*exp(-3*x)
        """
        from symkl.rewrite import exp_of_sum
        return exp_of_sum(self.logpdf(x))

    @property
    def expfam(self) -> ExpFamilyView | None:
        """The family's exponential-family view for this member (fixed parameters bound in)."""
        ef = self.family.expfam
        return None if ef is None else ef.at(self.values)

    def support(self) -> sp.Set:
        """The support as a SymPy set."""
        return self.family.support(*self.values)

    def breakpoints(self) -> tuple[Expr, ...]:
        """Points where the density is not smooth."""
        return tuple(self.family.breakpoints(*self.values))

    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Free symbols of the parameter values, in parameter order, without repeats."""
        seen: list[sp.Symbol] = []
        for v in self.values:
            for s in sorted(v.free_symbols, key=lambda s: s.name):
                if s not in seen:
                    seen.append(s)
        return tuple(seen)

    def constraints(self) -> tuple[sp.Basic, ...]:
        """Domain conditions on the parameter values that are not settled by assumptions."""
        out = []
        for p, v in zip(self.family.params, self.values):
            c = p.domain.condition(v)
            if c not in (sp.S.true, True):
                out.append(c)
        return tuple(out) + self.joint_conditions()

    def joint_conditions(self) -> tuple[sp.Basic, ...]:
        """Conditions between parameters not yet settled (Categorical: the p_i sum to 1;
        MultivariateNormal: Sigma positive definite)."""
        joint = (*self.family.joint(*self.values), self.family.condition(*self.values))
        return tuple(c for c in joint if c not in (sp.S.true, True))

    def latex(self, names: dict | None = None) -> str:
        """LaTeX such as ``\\mathcal{N}(\\mu_{1}, \\sigma_{1}^{2})``."""
        template = self.family.latex_name
        parts = []
        for i, v in enumerate(self.values):
            text = sp.latex(v, symbol_names=names or {})
            powered = re.search(rf"\{{{i}\}}\^", template)
            if powered and not (v.is_Symbol or (v.is_Number and v >= 0)):
                text = f"\\left({text}\\right)"
            parts.append(text)
        return template.format(*parts)
