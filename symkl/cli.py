"""The ``symkl`` command line: derive, explain and verify KL divergences and entropies.

Usage (also ``python -m symkl ...``)::

    symkl kl normal normal                   # closed form, route, LaTeX and verification
    symkl kl "normal(0,1)" "normal(1,1)"     # with values: numbers, expressions or names
    symkl kl "normal(m, s)" normal --steps   # named parameters; print the derivation steps
    symkl entropy gamma --no-verify
    symkl cross-entropy normal laplace --no-latex
    symkl divergence bhattacharyya uniform uniform   # KL's relatives (symkl.divergences)
    symkl divergence renyi normal normal --alpha a   # Renyi of order a (a name or a number)
    symkl list                               # the families and their parameters

A distribution is ``name`` or ``name(arg, ...)`` (``name(sigma=2)`` works too).  Each argument
is a plain identifier (it becomes a symbol with the parameter's domain, e.g. positive) or a
number/expression such as ``1/2`` or ``sqrt(2)``, read by the safe parser
:func:`symkl.parse.parse_expression` (never ``eval``).

Exit codes: 0 success; 1 no closed form (the reasons are printed) or the verification failed
or could not run; 2 bad input (unknown family, invalid parameter value, discrete/continuous
mix, unreadable argument).

>>> main(["list"])  # doctest: +ELLIPSIS
normal  ...  mu real, sigma > 0  ...  continuous  ...
0
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from symkl.family import Bound, Family, FamilyInstance
    from symkl.result import Result

__all__ = ["main", "parse_distribution", "family_lines", "UsageError"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_SPEC = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*", re.DOTALL)
_KEYWORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.*)", re.DOTALL)
# Names the safe parser reads as constants; as an argument they mean the constant, not a symbol.
_CONSTANT_NAMES = frozenset({"pi", "E", "EulerGamma", "oo", "inf"})
_TITLES = {"kl": "KL divergence", "cross_entropy": "cross-entropy", "entropy": "entropy",
           "renyi": "Renyi divergence", "bhattacharyya": "Bhattacharyya distance",
           "hellinger": "squared Hellinger distance", "chi_square": "chi-square divergence",
           "jeffreys": "Jeffreys divergence", "total_variation": "total variation distance",
           "jensen_shannon": "Jensen-Shannon divergence"}
_COMMANDS = {"kl": "kl", "cross-entropy": "cross_entropy", "entropy": "entropy"}


class UsageError(ValueError):
    """Input the command line cannot use (unknown family, unreadable argument); exit code 2."""


# --------------------------------------------------------------------------- parsing arguments

def _split_arguments(text: str) -> list[str]:
    """Split ``text`` at the commas that are not inside brackets.

    >>> _split_arguments("0, max(1, 2), s")
    ['0', ' max(1, 2)', ' s']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise UsageError(f"unbalanced ')' in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise UsageError(f"unbalanced brackets in {text!r}")
    parts.append(text[start:])
    return parts


def _argument_value(text: str) -> Any:
    """An identifier stays a ``str`` (the family makes it a symbol); anything else is parsed safely.

    >>> _argument_value("sigma_p")
    'sigma_p'
    >>> _argument_value("1/2 + 1")
    3/2
    """
    from symkl.parse import parse_expression
    text = text.strip()
    if not text:
        raise UsageError("empty parameter value")
    if text.isidentifier() and text not in _CONSTANT_NAMES:
        return text
    return parse_expression(text, {})


def _lookup_family(name: str) -> "Family":
    from symkl.families import BY_NAME
    key = name.strip().lower().replace("-", "_")
    if key in BY_NAME:
        return BY_NAME[key]
    close = difflib.get_close_matches(key, list(BY_NAME), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(f"unknown family {name.strip()!r}{hint}; "
                     f"known families: {', '.join(BY_NAME)}")


def parse_distribution(text: str) -> "FamilyInstance":
    """Turn ``"normal"``, ``"normal(0, 1)"``, ``"normal(m, s)"`` or ``"gamma(beta=2)"`` into an
    instance.

    Identifiers become symbols carrying the parameter's domain; other arguments are read by the
    safe parser (``1/2``, ``sqrt(2)``, ``pi``).  Raises :class:`UsageError` for an unknown family
    or unreadable text and ``ValueError`` (e.g. ``UnsafeExpressionError``) for invalid values.

    >>> parse_distribution("normal(0, 1)")
    Normal(0, 1)
    >>> parse_distribution("Gamma(beta=1/2)")
    Gamma(_, 1/2)
    >>> parse_distribution("exponential")
    Exponential(_)
    """
    match = _SPEC.fullmatch(text)
    if match is None:
        raise UsageError(f"cannot read the distribution {text!r}; write a family name, "
                         f"optionally with arguments, e.g. 'normal' or 'normal(0, 1)'")
    family = _lookup_family(match.group(1))
    inner = match.group(2)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if inner is not None and inner.strip():
        for piece in _split_arguments(inner):
            keyword = _KEYWORD.fullmatch(piece)
            if keyword is not None:
                key = keyword.group(1)
                if key in kwargs:
                    raise UsageError(f"{family.name}: parameter {key!r} given twice")
                kwargs[key] = _argument_value(keyword.group(2))
            elif kwargs:
                raise UsageError(f"{family.name}: positional value {piece.strip()!r} "
                                 f"after a keyword value")
            else:
                args.append(_argument_value(piece))
    try:
        return family(*args, **kwargs)
    except TypeError as exc:  # too many values, unknown keyword, a value given twice
        raise UsageError(str(exc)) from None


# --------------------------------------------------------------------------------- presenting

def _unicode_ok(stream: TextIO) -> bool:
    try:
        "σ₁⎛⎞─⋅".encode(getattr(stream, "encoding", None) or "ascii")
    except (LookupError, UnicodeEncodeError):
        return False
    return True


def _pretty(expr: Any, stream: TextIO) -> str:
    import sympy as sp
    return sp.pretty(expr, use_unicode=_unicode_ok(stream))


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line.strip() else line for line in str(text).splitlines())


def _show_bound(bound: "Bound") -> str:
    return f"{bound.family.name}({', '.join(str(v) for v in bound.values)})"


def _show_instance(inst: "FamilyInstance") -> str:
    names = [p.name for p in inst.family.params]
    shown = [n if a is None else str(a) for n, a in zip(names, inst.args)]
    return f"{inst.family.name}({', '.join(shown)})"


def _heading(quantity: str, P: str, Q: str | None) -> str:
    if quantity == "kl":
        return f"KL( {P} || {Q} )"
    if quantity == "cross_entropy":
        return f"H( {P}, {Q} )"
    if Q is not None:
        return f"{quantity}( {P} || {Q} )"
    return f"H( {P} )"


def family_lines() -> list[str]:
    """One aligned line per family: name, parameters with domains, kind, description.

    >>> family_lines()[0].split()[:5]
    ['normal', 'mu', 'real,', 'sigma', '>']
    """
    from symkl.families import ALL
    rows = []
    for fam in ALL:
        params = ", ".join(_describe_param(p.name, p.domain.describe) for p in fam.params)
        rows.append((fam.name.lower(), params, "discrete" if fam.discrete else "continuous",
                     fam.description))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
            for r in rows]


def _describe_param(name: str, describe: str) -> str:
    return f"{name} {describe}".strip()


def _report_result(result: "Result", args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the closed form, route, reason, steps, LaTeX and verification; the exit code."""
    P = _show_bound(result.P)
    Q = _show_bound(result.Q) if result.Q is not None else None
    print(f"{_TITLES[result.quantity]} (nats): {_heading(result.quantity, P, Q)}", file=out)
    if result.params:
        print("parameters: " + ", ".join(
            f"{s.name} {result.domains[s].describe}" if s in result.domains else s.name
            for s in result.params), file=out)
    print("", file=out)
    print("closed form:", file=out)
    print(_indent(_pretty(result.expr, out)), file=out)
    print("", file=out)
    print(f"as text: {result.expr}", file=out)
    print(f"route: {result.route}", file=out)
    if result.reason:
        print(f"reason: {result.reason}", file=out)
    if result.conditions:
        print("valid when: " + ", ".join(str(c) for c in result.conditions), file=out)
    if args.steps:
        print("", file=out)
        print("steps:", file=out)
        for i, step in enumerate(result.steps, 1):
            print(f"  {i}. {step.label}", file=out)
            print(_indent(str(step.expr), "       "), file=out)
    if args.latex:
        print("", file=out)
        print("LaTeX:", file=out)
        print(result.latex(steps=args.steps, document=args.document), file=out)
    if not args.verify:
        return EXIT_OK
    print("", file=out)
    try:
        report = result.verify(points=args.points, seed=args.seed)
    except Exception as exc:  # noqa: BLE001 - report it, do not print a traceback
        print("verification: could not be run", file=out)
        print(f"symkl: verification failed to run: {type(exc).__name__}: {exc}", file=err)
        return EXIT_FAILED
    print(str(report), file=out)
    return EXIT_OK if report.ok else EXIT_FAILED


def _report_not_derivable(exc: Any, out: TextIO) -> int:
    P = _show_instance(exc.P)
    Q = _show_instance(exc.Q) if exc.Q is not None else None
    print(f"{_TITLES[exc.quantity]}: {_heading(exc.quantity, P, Q)}", file=out)
    print("no closed form found; every route declined:", file=out)
    for route, why in exc.reasons.items():
        print(f"  {route}: {why}", file=out)
    if all(a is not None and not getattr(a, "free_symbols", True)
           for inst in (exc.P, exc.Q) if inst is not None for a in inst.args):
        try:
            print(f"numeric value: {exc.numeric()}", file=out)
        except Exception as why:  # noqa: BLE001 - the reasons above are the main message
            print(f"numeric value: unavailable ({type(why).__name__}: {why})", file=out)
    else:
        print("give every parameter a number for a labelled numeric value "
              "(e.g. normal(0, 1)), or use NotDerivable.numeric(**values) from Python", file=out)
    return EXIT_FAILED


# -------------------------------------------------------------------------------- commands

def _run_quantity(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import symkl
    from symkl.engine import NotDerivable

    quantity = _COMMANDS[args.command]
    P = parse_distribution(args.P)
    Q = parse_distribution(args.Q) if quantity != "entropy" else None
    budget = args.budget if args.budget > 0 else None
    try:
        if quantity == "entropy":
            result = symkl.entropy(P, budget=budget)
        elif quantity == "kl":
            result = symkl.kl(P, Q, budget=budget)
        else:
            result = symkl.cross_entropy(P, Q, budget=budget)
    except NotDerivable as exc:
        return _report_not_derivable(exc, out)
    return _report_result(result, args, out, err)


def _run_divergence(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``symkl divergence NAME P Q [--alpha A]``: one of :data:`symkl.divergences.KNOWN`."""
    from symkl import divergences
    from symkl.engine import NotDerivable

    name = args.name.lower().replace("-", "_")
    if name not in divergences.KNOWN:
        raise UsageError(f"unknown divergence {args.name!r}; known: "
                         f"{', '.join(divergences.KNOWN)}")
    if (name == "renyi") != (args.alpha is not None):
        raise UsageError("--alpha (the order) is needed for renyi, and only for renyi")
    P, Q = parse_distribution(args.P), parse_distribution(args.Q)
    alpha = None if args.alpha is None else _argument_value(args.alpha)
    budget = args.budget if args.budget > 0 else None
    try:
        result = divergences.divergence(name, P, Q, alpha=alpha, budget=budget)
    except NotDerivable as exc:
        return _report_not_derivable(exc, out)
    return _report_result(result, args, out, err)


def _run_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    for line in family_lines():
        print(line, file=out)
    return EXIT_OK


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def _build_parser() -> argparse.ArgumentParser:
    import symkl
    parser = argparse.ArgumentParser(
        prog="symkl",
        description="Derive, explain and verify KL divergences, cross-entropies and entropies "
                    "of parametric distributions in closed form (SymPy).",
        epilog="Distributions: NAME or NAME(ARG, ...), e.g. normal, 'normal(0, 1)', "
               "'normal(m, s)', 'gamma(beta=2)'; see 'symkl list'.  Exit codes: 0 ok, "
               "1 no closed form or verification failed, 2 bad input.")
    parser.add_argument("--version", action="version", version=f"symkl {symkl.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    shown = common.add_argument_group("output")
    shown.add_argument("--latex", action=argparse.BooleanOptionalAction, default=True,
                       help="print the LaTeX (default: on)")
    shown.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True,
                       help="check the closed form against numerical quadrature (default: on)")
    shown.add_argument("--steps", action="store_true",
                       help="print the derivation steps (and the LaTeX of the derivation)")
    shown.add_argument("--document", action="store_true",
                       help="print the LaTeX as a standalone document")
    tune = common.add_argument_group("tuning")
    tune.add_argument("--budget", type=float, default=20.0, metavar="SECONDS",
                      help="time budget per derivation route (0: none; default: 20)")
    tune.add_argument("--points", type=_positive_int, default=3,
                      help="verification points (default: 3)")
    tune.add_argument("--seed", type=int, default=0, help="verification seed (default: 0)")

    for command, helptext in (("kl", "KL divergence KL(P || Q)"),
                              ("cross-entropy", "cross-entropy H(P, Q)")):
        p = sub.add_parser(command, parents=[common], help=helptext, description=helptext)
        p.add_argument("P", help="the distribution P, e.g. normal or 'normal(0, 1)'")
        p.add_argument("Q", help="the distribution Q")
        p.set_defaults(run=_run_quantity)
    p = sub.add_parser("divergence", parents=[common], help="Renyi, Bhattacharyya, Hellinger, "
                       "chi-square, Jeffreys, TV, JS", description="one of KL's relatives "
                       "between P and Q (conventions: symkl/definitions.py)")
    p.add_argument("name", help="kl, renyi, bhattacharyya, hellinger, chi_square, jeffreys, "
                                "total_variation or jensen_shannon")
    p.add_argument("P", help="the distribution P")
    p.add_argument("Q", help="the distribution Q")
    p.add_argument("--alpha", help="the Renyi order: a number (1/2, 2) or a name (alpha)")
    p.set_defaults(run=_run_divergence)
    p = sub.add_parser("entropy", parents=[common], help="entropy H(P)",
                       description="(differential) entropy H(P)")
    p.add_argument("P", help="the distribution, e.g. gamma or 'gamma(2, 1)'")
    p.set_defaults(run=_run_quantity)
    p = sub.add_parser("list", help="list the known families",
                       description="one line per family: name, parameters with their domains, "
                                   "discrete/continuous, description")
    p.set_defaults(run=_run_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    >>> main(["kl", "exponential(1)", "exponential(2)", "--no-latex", "--no-verify"])
    KL divergence (nats): KL( Exponential(1) || Exponential(2) )
    <BLANKLINE>
    closed form:
        1 - log(2)
    <BLANKLINE>
    as text: 1 - log(2)
    route: bregman
    0
    """
    from symkl.engine import NotDerivable  # noqa: F401 - fail early if the package is broken
    from symkl.support import IncompatiblePair

    out, err = sys.stdout, sys.stderr
    parser = _build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help, --version, usage errors: return instead of exiting
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    run: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.run
    try:
        return run(args, out, err)
    except IncompatiblePair as exc:
        print(f"symkl: incompatible pair: {exc}", file=err)
    except UsageError as exc:
        print(f"symkl: {exc}", file=err)
    except ValueError as exc:  # invalid parameter values, unsafe or unreadable expressions
        print(f"symkl: invalid parameter: {exc}", file=err)
    except KeyboardInterrupt:
        print("symkl: interrupted", file=err)
        return 130
    return EXIT_USAGE
