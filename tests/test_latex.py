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
                                  lambda: symkl.kl(Normal(), symkl_exponential()),
                                  lambda: symkl.renyi(mvn_k()(), mvn_k()(), "alpha")])
def test_standalone_document_compiles_with_pdflatex(make, tmp_path):
    """latex(document=True) with steps compiles with a real pdflatex into a non-empty PDF."""
    (tmp_path / "kl.tex").write_text(make().latex(steps=True, document=True))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "kl.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "kl.pdf").stat().st_size > 1000


def mvn_k():
    from symkl.families.mvnormal import MultivariateNormal
    return MultivariateNormal("k")


def test_a_rational_factor_of_a_matrix_prints_as_a_fraction():
    """(Sigma1 + Sigma2)/2 in the Bhattacharyya distance of two k-dimensional normals prints
    as \\frac{1}{2} Sigma, not as SymPy's \\left(\\frac{1}{2}\\right) Sigma."""
    tex = symkl.bhattacharyya(mvn_k()(), mvn_k()()).latex()
    assert r"\frac{1}{2} \Sigma_{1} + \frac{1}{2} \Sigma_{2}" in tex
    assert r"\left(\frac{1}{2}\right)" not in tex


def symkl_exponential():
    from symkl.families import Exponential
    return Exponential()


def test_bits_divides_by_log_two_and_labels_the_left_hand_side():
    """bits=True shows 1/log 2 times the nats formula and marks the left-hand side [bits]."""
    tex = symkl.kl(Normal(), Normal()).latex(bits=True, ln=True)
    lhs, rhs = tex.split(" = ", 1)
    assert lhs.endswith(r"\ [\mathrm{bits}]")
    assert rhs.startswith(r"\frac{1}{\ln 2}\left(")


def test_variance_writes_the_formula_in_sigma_squared():
    """variance=True: log(sigma2/sigma1) becomes log(sigma2^2/sigma1^2)/2; no square roots."""
    tex = symkl.kl(Normal(), Normal()).latex(variance=True)
    assert r"\frac{{\sigma_{2}^{2}}}{{\sigma_{1}^{2}}}" in tex
    assert r"\sqrt" not in tex


def test_inline_and_display_math_wrappers():
    """math='inline' gives $...$, math='display' gives \\[...\\], anything else is an error."""
    r = symkl.kl(Gamma(), Gamma())
    assert r.latex(math="inline").startswith("$D_") and r.latex(math="inline").endswith("$")
    assert r.latex(steps=True, math="display").startswith("\\[\n\\begin{aligned}")
    with pytest.raises(ValueError, match="inline"):
        r.latex(math="block")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_paper_options_compile_with_pdflatex(tmp_path):
    """A paper paragraph using every option (inline, display, bits, ln, variance, names, steps)
    compiles with the real pdflatex."""
    r = symkl.kl(Normal(), Normal())
    body = (f"Inline: {r.latex(math='inline', bits=True, names={'mu1': 'm_p'})}.\n\n"
            f"{r.latex(math='display', variance=True, ln=True)}\n"
            f"{r.latex(steps=True, math='display', variance=True, bits=True)}\n")
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
                                        f"\\begin{{document}}\n{body}\\end{{document}}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "paper.pdf").stat().st_size > 1000
