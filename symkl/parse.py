"""Safe parsing of untrusted formula text into SymPy expressions.

The text is parsed with :func:`ast.parse` (``mode="eval"``) and the tree is walked against an
explicit whitelist; SymPy objects are built directly.  Nothing here evaluates text as code
(no ``eval``/``exec``/``sympify``/``parse_expr``).  ``^`` means power (rewritten to ``**`` before
parsing, so ``x^2 + 1`` keeps mathematical precedence).

Untrusted text must not be able to hang the process through SymPy's automatic evaluation:
numbers (also the values of constant subexpressions) are kept within ``2**±MAX_BITS``, risky
exact work (huge powers, gamma-like functions of large numbers) is refused before SymPy starts
it, and as a backstop the tree is built under :func:`symkl.budget.time_budget` of
``MAX_SECONDS`` (enforced in the main thread, where interactive and CLI use happens).
"""
from __future__ import annotations

import ast
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import NoReturn

import sympy

from symkl.budget import BudgetExceeded, time_budget

__all__ = ["UnsafeExpressionError", "parse_expression", "MAX_LENGTH", "MAX_DEPTH", "MAX_BITS"]

MAX_LENGTH = 10_000      # characters of input text
MAX_DEPTH = 100          # nesting levels of the syntax tree
MAX_BITS = 1024          # numeric constants must fit in about 2**±1024 (the double range)
MAX_SPECIAL_ARG = 100    # numeric arguments of gamma-like functions (they evaluate exactly)
MAX_FLOAT_EXPONENT = 308
MAX_SECONDS = 2.0        # backstop for SymPy evaluation paths the checks above do not foresee

_CONSTANTS: dict[str, sympy.Expr] = {
    "pi": sympy.pi, "E": sympy.E, "EulerGamma": sympy.EulerGamma, "oo": sympy.oo, "inf": sympy.oo}


class UnsafeExpressionError(ValueError):
    """Text rejected by :func:`parse_expression`; the message names the offending part and where.

    >>> issubclass(UnsafeExpressionError, ValueError)
    True
    """


def _bits(number: sympy.Rational) -> int:
    return max(int(number.p).bit_length(), int(number.q).bit_length())


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """``base**exponent``, refusing powers whose exact evaluation could produce gigantic numbers."""
    size = scale = 0
    if exponent.is_Rational:
        size, scale = max(map(_bits, base.atoms(sympy.Rational)), default=0), abs(exponent)
    elif base == sympy.E and exponent.has(sympy.log):  # exp(k*log(b)) evaluates to b**k
        numbers = exponent.atoms(sympy.Rational)
        size, scale = max(map(_bits, numbers), default=0), max(map(abs, numbers), default=0)
    if size * scale > 2 * MAX_BITS:
        raise UnsafeExpressionError(
            f"power too large to evaluate safely (numbers of {size} bits raised to about {scale})")
    return sympy.Pow(base, exponent)


def _check_numbers(expr: sympy.Expr) -> None:
    for atom in expr.atoms(sympy.Number):
        if atom.is_Rational:
            bits = _bits(atom)
        elif atom.is_Float and atom._mpf_[1]:  # (sign, mantissa, exponent, bitcount)
            bits = abs(atom._mpf_[2] + atom._mpf_[3])  # tiny values are as dangerous as huge ones
        else:
            continue
        if bits > MAX_BITS:
            shown = bits if bits < 10**6 else "over 10**6"
            raise UnsafeExpressionError(
                f"numeric value out of range ({shown} bits; limit {MAX_BITS})")


def _check_special(name: str, args: tuple[sympy.Expr, ...]) -> None:
    """Keep numeric arguments of gamma-like functions small.

    These functions evaluate numeric arguments exactly (or by slow series).
    """
    for arg in args:
        if arg.is_number:
            sizes = [max(abs(a.p), a.q) for a in arg.atoms(sympy.Rational)] + [abs(arg.evalf(5))]
            if any(size > MAX_SPECIAL_ARG for size in sizes):
                raise UnsafeExpressionError(
                    f"numeric argument {str(arg)[:30]} of {name}() is too large "
                    f"(limit {MAX_SPECIAL_ARG})")


# name -> (builder, min args, max args or None for unbounded)
_FUNCTIONS: dict[str, tuple[Callable[..., sympy.Expr], int, int | None]] = {
    "log": (sympy.log, 1, 2), "ln": (sympy.log, 1, 1),
    "exp": (lambda x: _power(sympy.E, x), 1, 1), "sqrt": (lambda x: _power(x, sympy.S.Half), 1, 1),
    "abs": (sympy.Abs, 1, 1), "Abs": (sympy.Abs, 1, 1),
    "sin": (sympy.sin, 1, 1), "cos": (sympy.cos, 1, 1), "tan": (sympy.tan, 1, 1),
    "sinh": (sympy.sinh, 1, 1), "cosh": (sympy.cosh, 1, 1), "tanh": (sympy.tanh, 1, 1),
    "atan": (sympy.atan, 1, 1), "erf": (sympy.erf, 1, 1), "erfc": (sympy.erfc, 1, 1),
    "gamma": (sympy.gamma, 1, 1), "loggamma": (sympy.loggamma, 1, 1),
    "lgamma": (sympy.loggamma, 1, 1), "digamma": (sympy.digamma, 1, 1),
    "psi": (sympy.digamma, 1, 1), "polygamma": (sympy.polygamma, 2, 2),
    "beta": (sympy.beta, 2, 2), "betaln": (lambda a, b: sympy.log(sympy.beta(a, b)), 2, 2),
    "log1p": (lambda x: sympy.log(1 + x), 1, 1), "expm1": (lambda x: _power(sympy.E, x) - 1, 1, 1),
    "besseli": (sympy.besseli, 2, 2), "factorial": (sympy.factorial, 1, 1),
    "binomial": (sympy.binomial, 2, 2), "min": (sympy.Min, 1, None), "Min": (sympy.Min, 1, None),
    "max": (sympy.Max, 1, None), "Max": (sympy.Max, 1, None), "sign": (sympy.sign, 1, 1),
}
_SPECIAL = frozenset({"gamma", "loggamma", "lgamma", "digamma", "psi", "polygamma", "beta",
                      "betaln", "besseli", "factorial", "binomial"})
_BINARY: dict[type, Callable[[sympy.Expr, sympy.Expr], sympy.Expr]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: _power}
_UNARY: dict[type, Callable[[sympy.Expr], sympy.Expr]] = {
    ast.UAdd: lambda a: a, ast.USub: lambda a: -a}
_OPERATORS = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Not: "not"}
_DESCRIPTIONS = {
    ast.Subscript: "subscript", ast.Slice: "slice", ast.Lambda: "lambda",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension", ast.Compare: "comparison",
    ast.BoolOp: "boolean operation (and/or)", ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment expression (walrus ':=')", ast.Starred: "starred argument (*args)",
    ast.JoinedStr: "f-string", ast.List: "list", ast.Tuple: "tuple", ast.Set: "set",
    ast.Dict: "dict"}


class _Parser:
    def __init__(self, source: str, names: Mapping[str, sympy.Expr]) -> None:
        self.source = source
        # NFKC-normalize the names, as Python does with identifiers
        self.names = {unicodedata.normalize("NFKC", k): v for k, v in names.items()}
        pieces: list[str] = []
        self.index: list[int] = []  # position in the rewritten text -> position in `source`
        for i, ch in enumerate(source):
            if pieces or not ch.isspace():  # leading whitespace would be an IndentationError
                pieces.append("**" if ch == "^" else ch)
                self.index.extend((i, i) if ch == "^" else (i,))
        self.index.append(len(source))
        self.text = "".join(pieces)
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]

    def locate(self, lineno: int, col: int, in_bytes: bool = True) -> int:
        """Map a (line, column) of the rewritten text to an index into the original source."""
        start = self.line_starts[min(max(lineno, 1), len(self.line_starts)) - 1]
        if in_bytes:  # ast column offsets count UTF-8 bytes
            col = len(self.text[start:].split("\n", 1)[0].encode()[:col].decode(errors="ignore"))
        return self.index[min(start + max(col, 0), len(self.index) - 1)]

    def where(self, index: int) -> str:
        column = index - self.source.rfind("\n", 0, index)
        line = self.source.count("\n", 0, index) + 1
        return f"line {line}, column {column}" if "\n" in self.source else f"column {column}"

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.locate(node.lineno, node.col_offset),
                self.locate(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset))

    def fail(self, node: ast.AST, what: str) -> NoReturn:
        start, end = self.span(node)
        snippet = self.source[start:end]
        snippet = snippet if len(snippet) <= 60 else snippet[:57] + "..."
        raise UnsafeExpressionError(f"{what} at {self.where(start)}: {snippet!r}")

    def apply(self, node: ast.AST, build: Callable[..., sympy.Expr], *args: object) -> sympy.Expr:
        try:
            result = build(*args)
            _check_numbers(result)
            # bound the value of constant subexpressions
            if result.is_number and not result.is_Atom:
                _check_numbers(result.evalf(5))
        except UnsafeExpressionError as exc:
            self.fail(node, str(exc))
        # SymPy/mpmath failures (overflow, no convergence, ...) have no common base class or
        # documented list of types, so any Exception is reported as "cannot evaluate"; the time
        # budget's BudgetExceeded is a BaseException and still passes through.
        except Exception as exc:  # noqa: BLE001
            self.fail(node, f"cannot evaluate ({type(exc).__name__}: {exc})")
        return result

    def parse(self) -> sympy.Expr:
        try:
            with warnings.catch_warnings():  # e.g. "2x" warns "invalid decimal literal": reject it
                warnings.simplefilter("error")
                tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            index = self.locate(exc.lineno or 1, (exc.offset or 1) - 1, in_bytes=False)
            near = self.source[index:index + 30].split("\n", 1)[0]
            raise UnsafeExpressionError(
                f"syntax error ({exc.msg}) at {self.where(index)} near {near!r}") from None
        except Warning as exc:
            raise UnsafeExpressionError(f"suspicious syntax ({exc})") from None
        except (RecursionError, MemoryError, ValueError) as exc:
            raise UnsafeExpressionError(
                f"expression too deeply nested to parse ({type(exc).__name__})") from None
        for node in ast.walk(tree):  # forbidden anywhere, whatever surrounds them
            if isinstance(node, ast.Attribute):
                self.fail(node, f"attribute access ('.{node.attr}') is not allowed")
            ident = getattr(node, "id", None) or getattr(node, "arg", None)
            if isinstance(ident, str) and ident.startswith("__") and hasattr(node, "lineno"):
                self.fail(node, f"dunder name {ident!r} is not allowed")
        return self.build(tree.body, 1)

    def build(self, node: ast.AST, depth: int) -> sympy.Expr:
        if depth > MAX_DEPTH:
            self.fail(node, f"expression nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            return self.apply(node, _BINARY[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return self.apply(node, _UNARY[type(node.op)], self.build(node.operand, depth + 1))
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            operator = _OPERATORS.get(type(node.op), type(node.op).__name__)
            self.fail(node, f"operator {operator!r} is not allowed")
        description = _DESCRIPTIONS.get(type(node), type(node).__name__ + " expression")
        self.fail(node, f"{description} is not allowed")

    def constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if type(value) is int:
            return self.apply(node, sympy.Integer, value)
        if type(value) is float:
            start, end = self.span(node)
            literal = self.source[start:end].replace("_", "")
            try:
                exponent = Decimal(literal).adjusted()
            except InvalidOperation:
                self.fail(node, "unreadable float literal")
            if abs(exponent) > MAX_FLOAT_EXPONENT:
                self.fail(node, "float literal out of range "
                                f"(decimal exponent limit {MAX_FLOAT_EXPONENT})")
            return self.apply(node, sympy.Float, literal)
        kinds = {complex: "complex literal", str: "string literal", bytes: "bytes literal",
                 bool: "boolean literal"}
        self.fail(node, f"{kinds.get(type(value), 'constant')} is not allowed")

    def name(self, node: ast.Name) -> sympy.Expr:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in _FUNCTIONS:
            self.fail(node, f"function {node.id!r} must be called with arguments")
        allowed = ", ".join(sorted(set(self.names) | set(_CONSTANTS)))
        self.fail(node, f"unknown name {node.id!r}; allowed names: {allowed}")

    def call(self, node: ast.Call, depth: int) -> sympy.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            self.fail(func, "only calls of whitelisted functions by bare name are allowed")
        if func.id not in _FUNCTIONS:
            self.fail(func, f"call to non-whitelisted function {func.id!r} "
                            f"(allowed functions: {', '.join(sorted(_FUNCTIONS))})")
        for kw in node.keywords:
            if kw.arg:
                self.fail(kw, f"keyword argument {kw.arg!r} is not allowed")
            self.fail(kw, "**kwargs is not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail(arg, "starred argument (*args) is not allowed")
        builder, low, high = _FUNCTIONS[func.id]
        count = len(node.args)
        if count < low or (high is not None and count > high):
            plural = "s" if (high or low) > 1 else ""
            expected = (f"at least {low}" if high is None
                        else str(low) if low == high else f"{low} or {high}")
            self.fail(node, f"{func.id}() takes {expected} argument{plural} but {count} given")
        args = [self.build(arg, depth + 1) for arg in node.args]

        def make(*values: sympy.Expr) -> sympy.Expr:
            if func.id in _SPECIAL:
                _check_special(func.id, values)
            return builder(*values)
        return self.apply(node, make, *args)


def parse_expression(text: str, names: Mapping[str, sympy.Expr]) -> sympy.Expr:
    """Parse `text` into a SymPy expression. `names` maps allowed identifiers to SymPy objects (the
    parameters, e.g. {"mu1": Symbol("mu1", real=True), ...}).

    Raises :class:`UnsafeExpressionError` for anything outside the whitelist (see module docs)
    and :class:`TypeError` if `text` is not a ``str``.

    >>> from sympy import Symbol
    >>> s1, s2 = Symbol("sigma1", positive=True), Symbol("sigma2", positive=True)
    >>> parse_expression("log(sigma2/sigma1) + sigma1^2/(2*sigma2^2)", {"sigma1": s1, "sigma2": s2})
    sigma1**2/(2*sigma2**2) + log(sigma2/sigma1)
    >>> try:
    ...     parse_expression("sigma1.__class__", {"sigma1": s1})
    ... except UnsafeExpressionError as exc:
    ...     print(exc)
    attribute access ('.__class__') is not allowed at column 1: 'sigma1.__class__'
    """
    if not isinstance(text, str):
        raise TypeError(f"expression text must be str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise UnsafeExpressionError(
            f"expression too long ({len(text)} characters; limit {MAX_LENGTH})")
    if not text.strip():
        raise UnsafeExpressionError("empty expression")
    for key, value in names.items():
        if not isinstance(key, str) or not isinstance(value, sympy.Basic):
            raise TypeError(
                f"names must map str to SymPy objects; got {key!r}: {type(value).__name__}")
    return _within_time_budget(_Parser(text, names).parse)


def _within_time_budget(work: Callable[[], sympy.Expr]) -> sympy.Expr:
    """Run `work` under a MAX_SECONDS budget; running past it is an UnsafeExpressionError."""
    try:
        with time_budget(MAX_SECONDS):
            return work()
    except BudgetExceeded:
        sympy.core.cache.clear_cache()  # drop objects whose assumption queries were cut short
        raise UnsafeExpressionError(
            f"expression took longer than {MAX_SECONDS:g} s to build") from None
