"""Tests for symkl.parse: the safe text -> SymPy parser."""
from __future__ import annotations

import ast
import builtins
import doctest
import inspect
import time

import pytest
import sympy
import sympy.parsing.sympy_parser

from symkl import parse as parse_module
from symkl.parse import MAX_LENGTH, MAX_SECONDS, UnsafeExpressionError, parse_expression

MU1, MU2 = sympy.Symbol("mu1", real=True), sympy.Symbol("mu2", real=True)
SIGMA1, SIGMA2 = sympy.Symbol("sigma1", positive=True), sympy.Symbol("sigma2", positive=True)
NORMAL_NAMES = {"mu1": MU1, "mu2": MU2, "sigma1": SIGMA1, "sigma2": SIGMA2}
KL_TEXT = "log(sigma2/sigma1) + (sigma1**2 + (mu1-mu2)**2)/(2*sigma2**2) - 1/2"
X, Y = sympy.Symbol("x", positive=True), sympy.Symbol("y", real=True)
XY = {"x": X, "y": Y}


def same(a: sympy.Expr, b: sympy.Expr) -> bool:
    return a == b or sympy.simplify(a - b) == 0


def kl_direct() -> sympy.Expr:
    return (sympy.log(SIGMA2 / SIGMA1) + (SIGMA1**2 + (MU1 - MU2) ** 2) / (2 * SIGMA2**2)
            - sympy.Rational(1, 2))


def test_two_normals_kl_formula_matches_direct_sympy_construction():
    """The two-normals KL formula parses to exactly the expression built directly in SymPy."""
    result = parse_expression(KL_TEXT, NORMAL_NAMES)
    assert result == kl_direct()
    assert result.free_symbols == {MU1, MU2, SIGMA1, SIGMA2}


@pytest.mark.parametrize("text, expected", [
    ("x^2", X**2),
    ("x^2 + 1", X**2 + 1),            # '^' keeps the precedence of '**', not of Python's xor
    ("-x^2", -(X**2)),
    ("2^3^2", sympy.Integer(512)),    # right-associative like '**'
    ("(x^y)^2", (X**Y) ** 2),
])
def test_caret_is_power_with_mathematical_precedence(text, expected):
    """'^' means exponentiation with the same precedence and associativity as '**'."""
    assert same(parse_expression(text, XY), expected)


def test_parameter_names_shadowing_function_names_work_both_ways():
    """A name in `names` is the parameter when used bare, the whitelisted function when called."""
    a, b, beta1 = sympy.symbols("a b beta1", positive=True)
    result = parse_expression("beta1 * beta(a, b)", {"a": a, "b": b, "beta1": beta1})
    assert result == beta1 * sympy.beta(a, b)
    beta_param = sympy.Symbol("beta", positive=True)
    result = parse_expression("beta + beta(a, b)", {"a": a, "b": b, "beta": beta_param})
    assert result == beta_param + sympy.beta(a, b)
    gamma_param = sympy.Symbol("gamma", positive=True)
    result = parse_expression("gamma * gamma(a)", {"a": a, "gamma": gamma_param})
    assert result == gamma_param * sympy.gamma(a)


def test_constants_and_names_taking_precedence_over_constants():
    """pi, E, EulerGamma, oo and inf are recognised, and a parameter named like a constant wins."""
    assert parse_expression("pi + E + EulerGamma", {}) == sympy.pi + sympy.E + sympy.EulerGamma
    assert parse_expression("oo", {}) == sympy.oo and parse_expression("inf", {}) == sympy.oo
    e_param = sympy.Symbol("E", positive=True)
    assert parse_expression("E + 1", {"E": e_param}) == e_param + 1


def test_numeric_literals_become_exact_sympy_numbers():
    """Ints become Integers, division of ints is exact, and floats keep their decimal text."""
    assert parse_expression("12", {}) == sympy.Integer(12) and parse_expression("12", {}).is_Integer
    assert parse_expression("1/2", {}) == sympy.Rational(1, 2)
    for literal in ("0.1", "1e-3", "2.5E3", ".5"):
        value = parse_expression(literal, {})
        assert isinstance(value, sympy.Float) and value == sympy.Float(literal)
    assert parse_expression("1_000.5", {}) == sympy.Float("1000.5")


@pytest.mark.parametrize("text, expected", [
    ("log(x)", sympy.log(X)), ("log(x, 2)", sympy.log(X) / sympy.log(2)), ("ln(x)", sympy.log(X)),
    ("exp(x)", sympy.exp(X)), ("sqrt(x)", sympy.sqrt(X)),
    ("abs(y)", sympy.Abs(Y)), ("Abs(y)", sympy.Abs(Y)),
    ("sin(x)", sympy.sin(X)), ("cos(x)", sympy.cos(X)), ("tan(x)", sympy.tan(X)),
    ("sinh(x)", sympy.sinh(X)), ("cosh(x)", sympy.cosh(X)), ("tanh(x)", sympy.tanh(X)),
    ("atan(x)", sympy.atan(X)), ("erf(x)", sympy.erf(X)), ("erfc(x)", sympy.erfc(X)),
    ("gamma(x)", sympy.gamma(X)), ("loggamma(x)", sympy.loggamma(X)),
    ("lgamma(x)", sympy.loggamma(X)), ("digamma(x)", sympy.digamma(X)),
    ("psi(x)", sympy.digamma(X)), ("polygamma(1, x)", sympy.polygamma(1, X)),
    ("beta(x, y)", sympy.beta(X, Y)), ("betaln(x, y)", sympy.log(sympy.beta(X, Y))),
    ("log1p(x)", sympy.log(1 + X)), ("expm1(x)", sympy.exp(X) - 1),
    ("besseli(1, x)", sympy.besseli(1, X)),
    ("factorial(x)", sympy.factorial(X)), ("binomial(x, 2)", sympy.binomial(X, 2)),
    ("min(x, y)", sympy.Min(X, Y)), ("Min(x, y, 1)", sympy.Min(X, Y, 1)),
    ("max(x, y)", sympy.Max(X, Y)), ("Max(x, y)", sympy.Max(X, Y)),
    ("sign(y)", sympy.sign(Y)), ("gamma(5)", sympy.Integer(24)),
])
def test_whitelisted_functions_build_the_matching_sympy_objects(text, expected):
    """Every whitelisted function (and alias) builds the corresponding SymPy expression."""
    assert same(parse_expression(text, XY), expected)


@pytest.mark.parametrize("text, function", [
    ("log()", "log"), ("log(x, 2, 3)", "log"), ("exp(x, y)", "exp"), ("beta(x)", "beta"),
    ("polygamma(x)", "polygamma"), ("min()", "min"),
])
def test_wrong_argument_count_is_reported(text, function):
    """A wrong number of arguments to a whitelisted function is reported with name and count."""
    with pytest.raises(UnsafeExpressionError, match=rf"{function}\(\) takes .* argument"):
        parse_expression(text, XY)


@pytest.mark.parametrize("text, fragments", [
    ("x.__class__", ("attribute", "__class__")),
    ("(1).real", ("attribute", ".real")),
    ("os.system('ls')", ("attribute", "os.system")),
    ("__import__('os')", ("dunder", "__import__")),
    ("log(__builtins__)", ("dunder", "__builtins__")),
    ("x[0]", ("subscript",)),
    ("foo(x)", ("non-whitelisted", "'foo'", "allowed functions", "log")),
    ("log(x)(y)", ("bare name",)),
    ("log(x, base=2)", ("keyword", "base")),
    ("log(**y)", ("**kwargs",)),
    ("log(*y)", ("*args",)),
    ("lambda: 1", ("lambda",)),
    ("[x for x in y]", ("comprehension",)),
    ("sum(t for t in y)", ("non-whitelisted", "sum")),
    ("'abc'", ("string literal", "'abc'")),
    ("b'abc'", ("bytes literal",)),
    ("f'{x}'", ("f-string",)),
    ("1j", ("complex literal", "1j")),
    ("True", ("boolean literal",)),
    ("x < 1", ("comparison",)),
    ("x and y", ("boolean operation",)),
    ("not x", ("operator", "not")),
    ("x % 2", ("operator", "%")),
    ("x if y else 1", ("conditional expression",)),
    ("(y := 1)", ("walrus",)),
    ("(x, y)", ("tuple",)),
    ("foo", ("unknown name 'foo'", "allowed names: E, EulerGamma, inf, oo, pi, x, y")),
    ("os", ("unknown name 'os'",)),
    ("sin", ("function 'sin' must be called",)),
    ("import os", ("syntax error", "import os")),
    ("x +", ("syntax error",)),
    ("", ("empty",)),
    ("   \n ", ("empty",)),
    ("1e400", ("float literal out of range",)),
    ("2**1100", ("power too large",)),
    ("exp(1e300)", ("numeric value out of range",)),
    ("(-100)^(99^pi)", ("numeric value out of range",)),
    ("exp(-1000)", ("numeric value out of range",)),
    ("factorial(1000)", ("factorial()", "too large")),
    ("-" * 150 + "x", ("nested deeper than 100",)),
    ("(" * 300 + "x" + ")" * 300, ("nested",)),
    ("-" * (MAX_LENGTH - 1) + "x", ("nested",)),
    ("x+" * (MAX_LENGTH // 2) + "x", ("too long",)),
])
def test_rejections_raise_with_a_message_naming_the_offence(text, fragments):
    """Each rejected construct raises UnsafeExpressionError with a message naming the offence."""
    with pytest.raises(UnsafeExpressionError) as info:
        parse_expression(text, XY)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("text, location", [
    ("mu1 + foo", "column 7"),
    ("mu1^2 + foo", "column 9"),         # columns refer to the original text, '^' included
    ("  mu1 + foo", "column 9"),         # leading whitespace is allowed and counted
    ("(mu1 +\n foo)", "line 2, column 2"),
    ("mu1 + mu2.__class__", "column 7"),
])
def test_error_messages_give_the_position_in_the_original_text(text, location):
    """Error messages report the line/column of the offending node in the text the user wrote."""
    with pytest.raises(UnsafeExpressionError, match=location):
        parse_expression(text, NORMAL_NAMES)


def test_non_string_input_raises_type_error():
    """Only str input is accepted; bytes and other objects raise TypeError."""
    for bad in (b"x", 1, None, sympy.Symbol("x")):
        with pytest.raises(TypeError):
            parse_expression(bad, XY)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "9**9**9", "9^9^9", "(2*x)**(10**9)", "sqrt(2)**(10**9)", "exp(10**9*log(2))",
    "E**(y + 10**9*log(3))", "(2**1000)**(2**10)", "factorial(10**6)", "gamma(10**6 + 1/2)",
    "digamma(10**6)", "polygamma(300, 300)", "loggamma(10**6)", "binomial(10**7, 5*10**6)",
    "besseli(1e100, 1e100)", "1e999999999", "1e300**9",
])
def test_resource_exhaustion_attempts_finish_quickly(text):
    """Inputs whose naive evaluation would hang (huge powers, factorials, ...) raise quickly.

    Each must raise within a second.
    """
    start = time.perf_counter()
    with pytest.raises(UnsafeExpressionError):
        parse_expression(text, XY)
    assert time.perf_counter() - start < 1.0


def test_time_budget_interrupts_runaway_evaluation_even_if_exceptions_are_swallowed(monkeypatch):
    """The time budget interrupts a builder that loops forever, swallowing ordinary exceptions."""
    swallowed = []

    def runaway(x):
        while True:
            try:
                while True:
                    pass
            # SymPy-style broad handler, deliberately blind: must not swallow the interruption
            except Exception:  # noqa: BLE001 - simulates SymPy's broad handlers
                swallowed.append("Exception")
            except BaseException:  # a bare except swallows one interruption; the next one wins
                if swallowed:
                    raise
                swallowed.append("BaseException")

    monkeypatch.setitem(parse_module._FUNCTIONS, "sin", (runaway, 1, 1))
    monkeypatch.setattr(parse_module, "MAX_SECONDS", 0.2)
    start = time.perf_counter()
    with pytest.raises(UnsafeExpressionError, match="took longer than 0.2 s"):
        parse_expression("sin(x)", XY)
    assert time.perf_counter() - start < 1.0
    assert swallowed == ["BaseException"]


def test_slow_sympy_evaluation_found_by_fuzzing_is_bounded():
    """An input sending SymPy's numeric evaluation into a very long loop ends within the budget
    (budgets count CPU time, so a busy machine does not change the outcome)."""
    text = "log(((1e300)*(oo))*(beta(10, 1e-300)), erf(binomial(EulerGamma, 100)))"
    start = time.process_time()
    try:
        parse_expression(text, {})
    except UnsafeExpressionError as exc:
        assert "took longer than" in str(exc)
    assert time.process_time() - start < MAX_SECONDS + 1.0


def test_moderate_numbers_are_still_accepted():
    """The size guards leave ordinary and moderately large numbers alone."""
    assert parse_expression("2**1000", {}) == sympy.Integer(2) ** 1000
    assert parse_expression("x**5000", XY) == X**5000
    assert parse_expression("gamma(7/2)", {}) == sympy.gamma(sympy.Rational(7, 2))


def test_no_code_evaluating_function_is_called(monkeypatch):
    """Parsing succeeds with eval, exec, sympify and parse_expr replaced by functions that raise."""
    def forbidden(*args, **kwargs):
        raise AssertionError("a code-evaluating function was called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    monkeypatch.setattr(sympy, "parse_expr", forbidden, raising=False)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", forbidden)
    result = parse_expression(KL_TEXT + " + sqrt(exp(mu1)) * besseli(0, sigma1) + 0.25",
                              NORMAL_NAMES)
    expected = (kl_direct() + sympy.sqrt(sympy.exp(MU1)) * sympy.besseli(0, SIGMA1)
                + sympy.Float("0.25"))
    assert result == expected


def test_module_source_never_references_code_evaluating_functions():
    """The parser's own source mentions no eval, exec, compile, sympify or parse_expr identifier."""
    tree = ast.parse(inspect.getsource(parse_module))
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not used & {"eval", "exec", "compile", "sympify", "parse_expr", "__import__"}


def test_docstring_examples_run():
    """The doctest examples in symkl.parse run and pass."""
    results = doctest.testmod(parse_module)
    assert results.attempted > 0 and results.failed == 0
