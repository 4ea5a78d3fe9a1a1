"""Tests of the ``symkl`` command line (symkl/cli.py), calling ``main([...])`` in-process."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sympy

from symkl.cli import main, parse_distribution
from symkl.engine import NotDerivable
from symkl.families import ALL, BY_NAME


def test_kl_normal_normal_shows_closed_form_latex_and_verification(capsys):
    """`symkl kl normal normal` prints the closed form, the LaTeX and a passing verification."""
    assert main(["kl", "normal", "normal"]) == 0
    out = capsys.readouterr().out
    assert "sigma2" in out
    assert "\\mathcal{N}" in out
    assert "PASS" in out
    assert "route: bregman" in out


def test_kl_with_numeric_values_gives_one_half(capsys):
    """Numeric arguments are substituted: KL(N(0,1) || N(1,1)) is printed as 1/2."""
    assert main(["kl", "normal(0,1)", "normal(1,1)", "--no-verify"]) == 0
    out = capsys.readouterr().out
    assert "as text: 1/2" in out
    assert "Normal(0, 1) || Normal(1, 1)" in out


def test_named_parameters_and_steps(capsys):
    """Identifier arguments become symbols and --steps prints each step's label and expression."""
    assert main(["kl", "normal(m, s)", "normal", "--steps", "--no-latex", "--no-verify"]) == 0
    out = capsys.readouterr().out
    assert "log(sigma2/s)" in out
    assert "steps:" in out and "entropy H(P)" in out and "log(sqrt(2)*sqrt(pi)*s) + 1/2" in out
    assert "LaTeX:" not in out


def test_entropy_and_cross_entropy_commands(capsys):
    """The entropy and cross-entropy subcommands derive their quantities."""
    assert main(["entropy", "exponential", "--no-verify"]) == 0
    assert "1 - log(lam)" in capsys.readouterr().out
    assert main(["cross-entropy", "exponential(1)", "exponential(2)", "--no-latex"]) == 0
    out = capsys.readouterr().out
    assert "as text: 2 - log(2)" in out and "PASS" in out


def test_list_shows_every_family(capsys):
    """`symkl list` prints one line per family with parameter domains and kind."""
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(ALL)
    for family, line in zip(ALL, lines):
        assert line.startswith(family.name.lower())
        assert ("discrete" if family.discrete else "continuous") in line
        for param in family.params:
            assert f"{param.name} {param.domain.describe}" in line
    assert any("sigma > 0" in line for line in lines)


def test_unknown_family_exits_2_and_lists_known_names(capsys):
    """An unknown family name exits with code 2 and names every known family."""
    assert main(["kl", "nosuchfamily", "normal"]) == 2
    err = capsys.readouterr().err
    assert "nosuchfamily" in err
    for name in BY_NAME:
        assert name in err


def test_invalid_parameter_exits_2_naming_it(capsys):
    """normal(0,-1) is rejected with code 2 and a message about sigma."""
    assert main(["kl", "normal(0,-1)", "normal"]) == 2
    captured = capsys.readouterr()
    assert "sigma" in captured.err
    assert captured.out == ""


def test_discrete_continuous_mix_exits_2(capsys):
    """A Poisson/Normal pair (discrete vs continuous) exits with code 2 and explains why."""
    assert main(["kl", "poisson", "normal"]) == 2
    err = capsys.readouterr().err
    assert "discrete" in err and "continuous" in err


def test_infinite_pair_prints_reason(capsys):
    """KL(Normal || Exponential) is infinite and the support reason is printed."""
    assert main(["kl", "normal", "exponential", "--no-latex"]) == 0
    out = capsys.readouterr().out
    assert "as text: oo" in out
    assert "reason: supp P" in out
    assert "PASS" in out


@pytest.mark.parametrize("text", ["normal(__import__('os'))", "normal(0, (1).__class__)",
                                  "normal(0, exec('1'))", "normal(0,1"])
def test_code_in_arguments_is_rejected(capsys, text):
    """Text that is not a number, safe expression or identifier is refused with code 2."""
    assert main(["kl", text, "normal", "--no-verify"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("symkl:")
    assert captured.out == ""


def test_parse_distribution_values():
    """Arguments may be identifiers, constants, safe expressions or keywords."""
    inst = parse_distribution("Normal(m, sqrt(2)*pi)")
    assert str(inst.args[0]) == "m" and inst.args[0].is_real
    assert str(inst.args[1]) == "sqrt(2)*pi"
    assert parse_distribution("gamma(beta=1/2)").args == (None, sympy.Rational(1, 2))


def test_not_derivable_prints_reasons_and_exits_1(capsys, monkeypatch):
    """When every route declines, each route's reason is printed and the exit code is 1."""
    def decline(P, Q, budget=None):
        raise NotDerivable("kl", P, Q, {"bregman": "not exponential family",
                                        "integrate": "integral not found"})
    monkeypatch.setattr("symkl.quantities.kl", decline)
    assert main(["kl", "normal(0,1)", "normal(1,1)"]) == 1
    out = capsys.readouterr().out
    assert "bregman: not exponential family" in out
    assert "integrate: integral not found" in out
    assert "numeric value: kl ~= 0.5" in out


def test_usage_errors_return_2(capsys):
    """argparse errors are returned as code 2 rather than raising SystemExit."""
    assert main(["entropy"]) == 2
    assert main(["kl", "normal(1,2,3)", "normal"]) == 2
    assert "at most 2" in capsys.readouterr().err


def test_python_dash_m_runs():
    """`python -m symkl kl normal normal` runs in a fresh interpreter and exits 0."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "symkl", "kl", "normal", "normal"],
                          capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "PASS" in proc.stdout and "\\mathcal{N}" in proc.stdout


def test_divergence_command_derives_and_verifies_bhattacharyya_of_uniforms(capsys):
    """U(0, 2) and U(1, 3) overlap on [1, 2]: B = -log(1 / sqrt(2 * 2)) = log 2, verified."""
    assert main(["divergence", "bhattacharyya", "uniform(0, 2)", "uniform(1, 3)",
                 "--no-latex"]) == 0
    out = capsys.readouterr().out
    assert "as text: log(2)" in out and "PASS" in out


def test_divergence_command_prints_the_pareto_total_variation_closed_form(capsys):
    """`symkl divergence total_variation pareto pareto` prints a closed form (a Piecewise
    through the crossing p = q, route overlap), its LaTeX and a passing verification."""
    assert main(["divergence", "total_variation", "pareto", "pareto"]) == 0
    out = capsys.readouterr().out
    assert "closed form:" in out and "route: overlap" in out and "PASS" in out
    assert "as text: Piecewise(" in out and "\\mathrm{TV}" in out and "\\begin{cases}" in out


def test_divergence_command_renyi_needs_its_order_and_names_are_checked(capsys):
    assert main(["divergence", "renyi", "normal(0, 1)", "normal(1, 1)", "--alpha", "2",
                 "--no-latex", "--no-verify"]) == 0
    assert "as text: 1" in capsys.readouterr().out  # D_2 = alpha (mu1 - mu2)^2 / 2 = 1
    assert main(["divergence", "renyi", "normal", "normal"]) == 2
    assert main(["divergence", "hellinger", "normal", "normal", "--alpha", "2"]) == 2
    assert main(["divergence", "kullback", "normal", "normal"]) == 2
    assert "known: kl, renyi" in capsys.readouterr().err


def test_divergence_command_without_closed_form_gives_the_labelled_numeric_value(capsys):
    assert main(["divergence", "jensen_shannon", "normal(0, 1)", "normal(1, 1)"]) == 1
    out = capsys.readouterr().out
    assert "mixture" in out and "numeric value" in out and "not a closed form" in out
