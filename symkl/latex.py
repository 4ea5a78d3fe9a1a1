r"""LaTeX for results: subscripted symbols, a left-hand side, aligned steps, whole documents.

>>> import symkl
>>> from symkl.families import Normal
>>> r = symkl.kl(Normal(0, 1), Normal(1, 1))
>>> print(r.latex())  # doctest: +NORMALIZE_WHITESPACE
D_{\mathrm{KL}}\left(\mathcal{N}\left(0, 1^{2}\right) \,\middle\|\,
    \mathcal{N}\left(1, 1^{2}\right)\right) = \frac{1}{2}
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sympy as sp
from sympy.printing.latex import LatexPrinter

if TYPE_CHECKING:
    from symkl.family import Bound
    from symkl.result import Result

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\allowdisplaybreaks
\begin{document}
"""


def symbol_names(*bounds: "Bound | None") -> dict[sp.Symbol, str]:
    r"""LaTeX names for the symbols a binding invented: mu1 -> \mu_{1}, x01 -> x_{0,1}.

    >>> from symkl.families import Cauchy
    >>> symbol_names(Cauchy().bind(1))[sp.Symbol("x01", real=True)]
    'x_{0,1}'
    """
    names: dict[sp.Symbol, str] = {}
    for b in bounds:
        if b is None:
            continue
        for p, v in zip(b.family.params, b.values):
            if v.is_Symbol and v.name.startswith(p.name) and v.name[len(p.name):] in ("", "1", "2"):
                index = v.name[len(p.name):]
                if not index:
                    names[v] = p.latex
                elif p.latex.endswith("}") and "_{" in p.latex:
                    names[v] = p.latex[:-1] + "," + index + "}"
                else:
                    names[v] = f"{p.latex}_{{{index}}}"
    return names


def render(result: "Result", steps: bool = False, document: bool = False,
           names: dict | None = None, ln: bool = False, bits: bool = False,
           variance: bool = False, math: str | None = None) -> str:
    r"""The equation ``lhs = closed form`` (or the aligned derivation), optionally as a document.

    ``names`` overrides symbol names ({"sigma1": r"s_p"} or {Symbol: latex}); ``ln`` prints
    natural logs as \ln; ``bits`` divides by log 2 and labels the left-hand side; ``variance``
    writes the formula in the squared parameters the left-hand side shows (sigma^2 for a normal);
    ``math`` wraps the result in ``"inline"`` ($...$) or ``"display"`` (\[...\]) math.

    >>> import symkl
    >>> from symkl.families import Normal
    >>> print(symkl.kl(Normal(0, "s"), Normal(0, 1)).latex(bits=True, math="inline"))
    ... # doctest: +ELLIPSIS
    $D_{\mathrm{KL}}...\ [\mathrm{bits}] = \frac{1}{\log 2}\left(\frac{s^{2}}{2} - ...\right)$
    """
    if math not in (None, "inline", "display"):
        raise ValueError(f"math must be 'inline', 'display' or None, got {math!r}")
    table = symbol_names(result.P, result.Q)
    for key, value in (names or {}).items():
        matches = [s for s in result.params if s == key or s.name == key]
        if not matches:
            raise ValueError(f"no parameter named {key!r}; parameters: "
                             f"{', '.join(s.name for s in result.params)}")
        table[matches[0]] = value
    swap = _squared(result, table) if variance else {}

    printer = _Printer({"symbol_names": table, "ln_notation": ln})

    def tex(e: sp.Basic) -> str:
        return printer.doprint(_in_squares(e, swap) if swap else e)

    lhs = result.lhs.format(P=result.P.latex(table),
                            Q=result.Q.latex(table) if result.Q is not None else "",
                            alpha=tex(result.order) if result.order is not None else "")
    rhs = _value(result, tex)
    if bits:
        lhs += r"\ [\mathrm{bits}]"
        if not result.is_infinite:
            log2 = r"\ln 2" if ln else r"\log 2"
            rhs = rf"\frac{{1}}{{{log2}}}\left({rhs}\right)"
    if not steps:
        body = f"{lhs} = {rhs}"
        if document:
            return f"{PREAMBLE}\\[\n{body}\n\\]\n\\end{{document}}\n"
        return _wrap(body, math)
    lines = []
    for step in result.steps:
        label = step.lhs or (lhs if step.label == "definition" else step.label)
        if step.about is not None:
            label = label.replace("{about}", tex(step.about))
        lines.append(f"{label} &= {tex(step.expr)}")
    lines.append(f"{lhs} &= {rhs}")
    if result.reason and not document:
        lines.append(r"&\text{" + _escape(result.reason) + "}")
    body = "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"
    if document:
        why = f"\\noindent Why: {_escape(result.reason)}\n" if result.reason else ""
        return f"{PREAMBLE}\\[\n{body}\n\\]\n{why}\\end{{document}}\n"
    return _wrap(body, math)


def _wrap(body: str, math: str | None) -> str:
    if math == "inline":
        return f"${body}$"
    if math == "display":
        return f"\\[\n{body}\n\\]"
    return body


def _squared(result: "Result", table: dict) -> dict[sp.Symbol, sp.Symbol]:
    """Parameters the left-hand side shows squared (``{1}^{2}``) -> symbols for their squares."""
    swap: dict[sp.Symbol, sp.Symbol] = {}
    for b in (result.P, result.Q):
        if b is None:
            continue
        for i, v in enumerate(b.values):
            if v.is_Symbol and v.is_positive and re.search(rf"\{{{i}\}}\^\{{\{{2\}}\}}",
                                                          b.family.latex_name):
                square = sp.Symbol(f"{v.name}_sq", positive=True)
                table[square] = "{" + table.get(v, sp.latex(v)) + "^{2}}"
                swap[v] = square
    return swap


def _in_squares(e: sp.Basic, swap: dict[sp.Symbol, sp.Symbol]) -> sp.Basic:
    """``e`` written in the squares: sigma -> sqrt(sigma^2), log(sqrt(u)) -> log(u) / 2."""
    out = e.xreplace({s: sp.sqrt(v) for s, v in swap.items()})
    squares = set(swap.values())

    def roots(e: sp.Basic) -> bool:
        return any(p.base in squares and p.exp.is_Rational and p.exp.q == 2
                   for p in e.atoms(sp.Pow))

    def halve(node: sp.Basic) -> sp.Basic:
        square = sp.powsimp(sp.expand_power_base(node.args[0] ** 2, force=True), force=True)
        return sp.log(square) / 2 if roots(node.args[0]) and not roots(square) else node
    return out.replace(lambda n: isinstance(n, sp.log) and n.args[0].free_symbols & squares,
                       halve)


class _Printer(LatexPrinter):
    """SymPy's printer with the digamma function as psi rather than polygamma(0, .), and a
    rational factor of a matrix product as a plain fraction (not in parentheses)."""

    def _print_MatMul(self, expr):
        head, *rest = expr.args
        if head.is_Rational and head.is_positive and rest:
            tail = sp.MatMul(*rest)
            body = self._print(tail)
            if isinstance(tail, sp.MatAdd):
                body = rf"\left({body}\right)"
            return rf"{self._print(head)} {body}"
        return super()._print_MatMul(expr)

    def _print_polygamma(self, expr, exp=None):
        order, arg = expr.args
        head = r"\psi" if order == 0 else rf"\psi^{{({self._print(order)})}}"
        tex = rf"{head}\left({self._print(arg)}\right)"
        if exp is None:
            return tex
        return f"{tex}^{{{exp}}}" if order == 0 else rf"\left({tex}\right)^{{{exp}}}"


def _value(result: "Result", tex) -> str:
    if result.is_infinite:
        return r"\infty"
    return tex(result.expr)


def _escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("&", r"\&"), ("%", r"\%"),
                 ("#", r"\#"), ("{", r"\{"), ("}", r"\}"), ("||", r"$\|$")):
        text = text.replace(a, b)
    return re.sub(r"(?<![A-Za-z])oo(?![A-Za-z])", r"$\\infty$", text)
