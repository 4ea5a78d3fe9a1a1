"""LaTeX: subscripted symbols, the left-hand side, aligned steps, a document pdflatex compiles."""
import shutil
import subprocess

import pytest

import symkl
from symkl.families import Cauchy, Gamma, Normal


def test_closed_form_latex_has_subscripts_and_left_hand_side():
    """Symbols print as mu_{1}, sigma_{2}; the left-hand side names both normals."""
    tex = symkl.kl(Normal(), Normal()).latex()
    assert r"D_{\mathrm{KL}}\left(\mathcal{N}\left(\mu_{1}, \sigma_{1}^{2}\right)" in tex
    assert r"\sigma_{2}" in tex and "sigma2" not in tex


def test_steps_are_an_aligned_block_ending_in_the_closed_form():
    """latex(steps=True) is an aligned block with the entropy and cross-entropy lines."""
    tex = symkl.kl(Normal(), Normal()).latex(steps=True)
    assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
    assert "H(P, Q) &=" in tex and "H(P) &=" in tex


def test_digamma_prints_as_psi_and_cauchy_location_as_x_0_1():
    """Gamma's digamma prints as psi; Cauchy's x0 for P prints as x_{0,1}."""
    assert r"\psi\left(\alpha_{1}\right)" in symkl.kl(Gamma(), Gamma()).latex()
    assert "x_{0,1}" in symkl.kl(Cauchy(), Cauchy()).latex()


def test_user_symbol_names_and_ln():
    """names= overrides symbol names and ln=True prints natural logs as ln."""
    tex = symkl.kl(Normal(), Normal()).latex(names={"sigma1": "s_p"}, ln=True)
    assert "s_p" in tex and r"\ln" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("make", [lambda: symkl.kl(Normal(), Normal()),
                                  lambda: symkl.kl(Gamma(), Gamma()),
                                  lambda: symkl.kl(Normal(), symkl_exponential())])
def test_standalone_document_compiles_with_pdflatex(make, tmp_path):
    """latex(document=True) with steps compiles with a real pdflatex into a non-empty PDF."""
    (tmp_path / "kl.tex").write_text(make().latex(steps=True, document=True))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "kl.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "kl.pdf").stat().st_size > 1000


def symkl_exponential():
    from symkl.families import Exponential
    return Exponential()
