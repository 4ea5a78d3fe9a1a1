"""Tests for the worked examples in derivations/: every script runs, and two_normals is right."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

REPO = Path(__file__).resolve().parent.parent
DERIVATIONS = REPO / "derivations"


def _has_main_guard(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return "if __name__ == \"__main__\":" in text or "if __name__ == '__main__':" in text


# catalogue.py derives every pair (minutes, cold): tests/test_catalogue.py runs its --check.
SCRIPTS = sorted(p for p in DERIVATIONS.glob("*.py")
                 if not p.name.startswith("_") and _has_main_guard(p)
                 and p.name != "catalogue.py")


def test_derivation_scripts_are_found():
    """The derivations directory holds at least the founding example and its numpy helper."""
    names = {p.name for p in SCRIPTS}
    assert {"two_normals.py", "origin_numbers.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_derivation_script_runs(script: Path):
    """Each derivation script with a __main__ guard runs from the repo root and exits with 0."""
    proc = subprocess.run([sys.executable, str(script.relative_to(REPO))], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr}"
    assert proc.stdout.strip(), f"{script.name} printed nothing"


@pytest.fixture(scope="module")
def two_normals_numbers() -> dict:
    """two_normals.main(), imported from its path and run once for this module."""
    spec = importlib.util.spec_from_file_location("two_normals_under_test",
                                                  DERIVATIONS / "two_normals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main()


def test_exact_kl_is_one_half_both_ways(two_normals_numbers):
    """main() returns KL(N(0,1)||N(1,1)) and KL(N(1,1)||N(0,1)) as exactly Rational(1, 2)."""
    assert two_normals_numbers["kl_pq"] == sympy.Rational(1, 2)
    assert two_normals_numbers["kl_qp"] == sympy.Rational(1, 2)


def test_cross_entropy_minus_entropy_is_the_kl(two_normals_numbers):
    """H(N(0,1),N(1,1)) = log sqrt(2 pi) + 1 and H(N(0,1)) = log sqrt(2 pi) + 1/2 exactly."""
    log_sqrt_2pi = sympy.log(sympy.sqrt(2 * sympy.pi))
    h_pq, h_p = two_normals_numbers["cross_entropy"], two_normals_numbers["entropy"]
    assert sympy.simplify(h_pq - log_sqrt_2pi - 1) == 0
    assert sympy.simplify(h_p - log_sqrt_2pi - sympy.Rational(1, 2)) == 0
    assert sympy.simplify(h_pq - h_p - two_normals_numbers["kl_pq"]) == 0


def test_scipy_entropy_limit_is_one_quarter(two_normals_numbers):
    """The limit behind scipy.stats.entropy, KL(N(0,1/2)||N(1/2,1/2)), is exactly Rational(1, 4)."""
    assert two_normals_numbers["kl_scipy_limit"] == sympy.Rational(1, 4)
    assert two_normals_numbers["entropy_trick_limit"] == sympy.Rational(1, 4)


def test_monte_carlo_intervals_contain_one_half(two_normals_numbers):
    """The 95% Monte Carlo interval contains the exact 1/2 in both directions."""
    mc = two_normals_numbers["mc"]
    assert len(mc) == 2
    for name, entry in mc.items():
        lo, hi = entry["ci"]
        assert lo <= 0.5 <= hi, (name, entry)
        assert entry["contains_exact"] is True


def test_book_numbers_have_meaningless_magnitude(two_normals_numbers):
    """The book's discrete formula on raw samples gives numbers in the thousands, not near 1/2."""
    b_pq, b_qp = two_normals_numbers["book"]
    assert b_pq > 1000 and b_qp > 1000
    assert all(v > 1000 for v in two_normals_numbers["book_published"].values())
