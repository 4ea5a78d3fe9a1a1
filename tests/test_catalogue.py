"""The committed catalogue (derivations/catalogue.json, .md, .tex) is current and sound.

Deriving every pair takes minutes, so CI does not re-derive the catalogue: it checks that each
stored entry's key matches the current engine and family sources (``catalogue.py --check``),
re-derives a seeded sample of pairs to confirm the stored results are what the code gives, and
compiles the LaTeX catalogue with a real pdflatex into a PDF whose first page is not blank.
"""
from __future__ import annotations

import importlib.util
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "derivations" / "catalogue.py"


def _catalogue():
    spec = importlib.util.spec_from_file_location("catalogue", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return json.loads((REPO / "derivations" / "catalogue.json").read_text(encoding="utf-8"))


def test_catalogue_is_current():
    """Every pair's stored key matches the code, and the .md/.tex render from the entries."""
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_pair_has_exactly_one_documented_outcome(entries):
    """Closed forms and infinities are verified; NotDerivable pairs give every route's reason
    and a labelled numeric value."""
    cat = _catalogue()
    assert len(entries) == len(cat.pairs())
    for e in entries:
        assert e["outcome"] in ("closed", "infinite", "not derivable")
        if e["outcome"] == "not derivable":
            assert {"bregman", "linearity", "integrate"} <= set(e["reasons"])
            assert "numeric" in e and ("value" in e["numeric"] or "failed" in e["numeric"])
        else:
            assert e["verified"], f"{e['P']} || {e['Q']}: {e.get('note')}"
            if e["outcome"] == "infinite":
                assert e["reason"]


def test_every_family_against_itself_is_decided(entries):
    """Same-family pairs are never silently missing."""
    same = {e["P"] for e in entries if e["P"] == e["Q"]}
    assert same == {f.name for f in _catalogue().families()}


def test_stored_entries_are_what_the_engine_derives(entries):
    """Re-derive three seeded closed-form pairs: the stored expression is reproduced."""
    import symkl
    cat = _catalogue()
    closed = [e for e in entries if e["outcome"] == "closed" and e["seconds"] < 3]
    for e in random.Random(0).sample(closed, min(3, len(closed))):
        r = symkl.kl(cat.by_name(e["P"])(), cat.by_name(e["Q"])())
        assert str(r.expr) == e["expr"]


def test_a_tampered_entry_fails_verification(entries):
    """The verification behind the 'verified' column catches a wrong stored formula."""
    import symkl
    from symkl.families import Normal
    from symkl.verify import verify
    r = symkl.kl(Normal(), Normal())
    assert r.verify().ok
    assert not verify(r, expr=r.expr + sp.Rational(1, 10**12)).ok


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftoppm") is None,
                    reason="pdflatex/pdftoppm not installed")
def test_catalogue_pdf_compiles_and_is_not_blank(tmp_path):
    """pdflatex compiles catalogue.tex; page 1 rendered to an image has ink on it."""
    tex = tmp_path / "catalogue.tex"
    shutil.copy(REPO / "derivations" / "catalogue.tex", tex)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:]
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", "catalogue.pdf",
                    "page"], cwd=tmp_path, check=True, timeout=60)
    image = next(tmp_path.glob("page*.pgm")).read_bytes()
    # binary PGM: header "P5\n<w> <h>\n255\n" then one byte per pixel
    header_end = image.index(b"255\n") + 4
    pixels = image[header_end:]
    dark = sum(1 for b in pixels if b < 128)
    assert 0.002 < dark / len(pixels) < 0.5  # text on a white page: some ink, not all black


def test_modules_left_out_of_the_engine_digest_are_not_on_the_kl_path():
    """The cache key skips FRONT_ENDS; a KL derivation and its check must not import them."""
    code = ("import sys, symkl; from symkl.families import Gamma, Normal; "
            "symkl.kl(Normal(), Normal()).verify(points=1); symkl.kl(Gamma(), Normal()); "
            "print(' '.join(m for m in sys.modules if m.startswith('symkl.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout
    loaded = {m.split(".")[-1] + ".py" for m in out.split()}
    assert "engine.py" in loaded and "verify.py" in loaded
    assert not loaded & _catalogue().FRONT_ENDS
