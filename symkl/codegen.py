"""Print a SymPy expression as Python source over a backend's function namespace, and compile it.

The printer knows nothing about numpy or torch: functions print under plain names (``log``,
``xlogy``, ``digamma``, ``lgamma``) that each backend's namespace supplies; parameters print as
``_a0, _a1, ...`` so user names never collide with function names; constants such as ``sqrt(2)``
and ``pi`` print as float literals.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> source(sp.log(x) / x + sp.polygamma(0, x) - sp.sqrt(2), (x,))
'(-1.4142135623730951 + (log(_a0) / _a0) + digamma(_a0))'
>>> sorted(functions_used(sp.log(x) + sp.loggamma(x)))
['lgamma', 'log']
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from symkl import stable

_NAMES = {sp.loggamma: "lgamma", sp.Abs: "abs_", sp.Max: "maximum", sp.Min: "minimum",
          sp.besseli: "besseli", sp.LambertW: "lambertw", sp.Ei: "expi"}
_LOGIC = {sp.And: "logical_and", sp.Or: "logical_or"}


class _Printer:
    def __init__(self, params: Sequence[sp.Symbol]):
        self.names = {s: f"_a{i}" for i, s in enumerate(params)}
        self.used: set[str] = set()

    def __call__(self, e: sp.Basic) -> str:
        if e in self.names:
            return self.names[e]
        if isinstance(e, sp.Symbol):
            raise ValueError(f"the expression has a free symbol {e} that is not a parameter")
        if e is sp.true or e is sp.false:
            return str(bool(e))
        if e.is_Number or (isinstance(e, sp.Expr) and e.is_number):
            return self.number(e)
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.power(e)
        if e.is_Relational:
            return f"({self(e.lhs)} {e.rel_op} {self(e.rhs)})"
        if isinstance(e, sp.Piecewise):
            return self.piecewise(e)
        if type(e) in _LOGIC:
            return self.call(_LOGIC[type(e)], e.args, nest=True)
        if isinstance(e, sp.Not):
            return self.call("logical_not", e.args)
        if isinstance(e, stable.difference):  # taken first, with no call
            return f"({self(e.args[0])} - {self(e.args[1])})"
        if isinstance(e, sp.polygamma) and e.args[0] == 0:
            return self.call("digamma", e.args[1:])
        if isinstance(e, sp.polygamma):
            self.used.add("polygamma")
            return f"polygamma({int(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, (sp.meijerg, sp.hyper)):  # mpmath's signatures: lists of parameters
            self.used.add(type(e).__name__)
            groups = ((e.an, e.aother), (e.bm, e.bother)) if isinstance(e, sp.meijerg) \
                else (e.ap, e.bq)
            return f"{type(e).__name__}({', '.join(self.params_list(g) for g in groups)}, " \
                   f"{self(e.argument)})"
        if isinstance(e, (sp.Function, sp.Max, sp.Min)):
            name = _NAMES.get(type(e), type(e).__name__)
            return self.call(name, e.args, nest=type(e) in (sp.Max, sp.Min))
        raise ValueError(f"cannot generate numeric code for {type(e).__name__}: {e}")

    def params_list(self, group) -> str:
        """A (nested) tuple of parameters as a Python list literal."""
        if group and isinstance(group[0], (tuple, sp.Tuple)):
            return f"[{', '.join(self.params_list(g) for g in group)}]"
        return f"[{', '.join(self(a) for a in group)}]"

    def number(self, e: sp.Expr) -> str:
        if e.is_Integer:
            return f"{int(e)}.0"
        value = float(sp.N(e, 20))
        return repr(value) if value == value and abs(value) != float("inf") else \
            ("nan" if value != value else "inf" if value > 0 else "(-inf)")

    def call(self, name: str, args: Sequence[sp.Basic], nest: bool = False) -> str:
        if not name.isidentifier():  # only plain names reach the generated source
            raise ValueError(f"cannot generate numeric code for the function {name!r}")
        self.used.add(name)
        if nest and len(args) > 2:
            return f"{name}({self(args[0])}, {self.call(name, args[1:], nest=True)})"
        return f"{name}({', '.join(self(a) for a in args)})"

    def add(self, e: sp.Add) -> str:
        text = ""
        for a in e.args:
            negative = a.could_extract_minus_sign() and not a.is_Number
            part = self(-a) if negative else self(a)
            sign = (" - " if negative else " + ") if text else ("-" if negative else "")
            text += sign + part
        return f"({text})"

    def mul(self, e: sp.Mul) -> str:
        num, den = [], []
        for f in e.args:
            if f.is_Pow and f.exp.is_Number and f.exp < 0:
                den.append(f.base ** -f.exp)
            elif f.is_Rational and f.q != 1:
                if f.p != 1:
                    num.append(sp.Integer(f.p))
                den.append(sp.Integer(f.q))
            else:
                num.append(f)
        top = "*".join(self(f) for f in num) if num else "1.0"
        if not den:
            return f"({top})"
        bottom = "*".join(self(f) for f in den)
        return f"({top} / {bottom})" if len(den) == 1 else f"({top} / ({bottom}))"

    def power(self, e: sp.Pow) -> str:
        base, exp = e.base, e.exp
        if exp == sp.S.Half:
            return self.call("sqrt", (base,))
        if exp.is_Number and exp < 0:
            return f"(1.0 / {self(base ** -exp)})"
        if exp.is_Integer:
            return f"({self(base)}**{int(exp)})"
        return f"({self(base)}**{self(exp)})"

    def piecewise(self, e: sp.Piecewise) -> str:
        (value, cond), rest = e.args[0], e.args[1:]
        other = self(sp.Piecewise(*rest)) if rest else "nan"
        if cond is sp.true:
            return self(value)
        self.used.add("where")
        return f"where({self(cond)}, {self(value)}, {other})"


def source(expr: sp.Basic, params: Sequence[sp.Symbol]) -> str:
    """Python source for ``expr`` with parameters ``_a0, _a1, ...`` in ``params`` order."""
    return _Printer(params)(expr)


def functions_used(expr: sp.Basic) -> set[str]:
    """The namespace names the printed form of ``expr`` calls."""
    printer = _Printer(sorted(expr.free_symbols, key=str))
    printer(expr)
    return printer.used


def compile_function(exprs: Sequence[sp.Basic], params: Sequence[sp.Symbol],
                     namespace: dict[str, Any], shared: bool = False, out: bool = False
                     ) -> Callable[..., tuple]:
    """One function of the parameters returning the tuple of ``exprs``' values.

    ``shared=True`` computes common subexpressions once (SymPy's cse), as locals ``_c0, ...``.
    ``out=True`` (numpy) adds a keyword ``_out``: the first value, a sum, is written into it
    by its last addition (no copy afterwards).

    >>> x = sp.Symbol("x", positive=True)
    >>> print(compile_function([sp.log(x) + 1, sp.Abs(sp.log(x))], (x,), {}, shared=True).source)
    def _generated(_a0):
        _c0 = log(_a0)
        return ((1.0 + _c0), abs_(_c0),)
    <BLANKLINE>
    """
    args = ", ".join(f"_a{i}" for i in range(len(params)))
    lines = []
    if shared:
        pairs, exprs = sp.cse(list(exprs), symbols=sp.numbered_symbols("_c", cls=sp.Dummy),
                              order="none")
        printer = _Printer(params)
        for i, (sym, e) in enumerate(pairs):
            lines.append(f"    _c{i} = {printer(e)}\n")
            printer.names[sym] = f"_c{i}"
        body = ", ".join(_into(printer, e) if out and i == 0 else printer(e)
                         for i, e in enumerate(exprs))
    else:
        printer = _Printer(params)
        body = ", ".join(_into(printer, e) if out and i == 0 else printer(e)
                         for i, e in enumerate(exprs))
    if out:
        args += ", _out=None"
    code = f"def _generated({args}):\n{''.join(lines)}    return ({body},)\n"
    scope = dict(namespace)
    exec(compile(code, "<symkl generated>", "exec"), scope)  # noqa: S102 - our own printed code
    fn = scope["_generated"]
    fn.source = code  # type: ignore[attr-defined]
    return fn


def _into(printer: _Printer, e: sp.Basic) -> str:
    """``e`` printed with its last addition (or subtraction) writing into ``_out``.

    >>> x, y = sp.symbols("x y", positive=True)
    >>> _into(_Printer((x, y)), sp.log(x) - y)
    'subtract(log(_a0), _a1, out=_out)'
    """
    if not e.is_Add:
        return printer(e)
    terms = list(e.args)
    signs = [t.could_extract_minus_sign() and not t.is_Number for t in terms]
    k = signs.index(True) if True in signs else len(terms) - 1  # a - b rather than -b + a
    last, negative = terms.pop(k), signs[k]
    rest = terms
    name = "subtract" if negative else "add"
    printer.used.add(name)
    return f"{name}({printer(sp.Add(*rest))}, {printer(-last if negative else last)}, out=_out)"


STABLE_NAMES = tuple(f.__name__ for f in stable.STABLE_FUNCTIONS)
