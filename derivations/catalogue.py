"""The symkl catalogue: every ordered pair of families, derived, verified and published.

Run from the repository root::

    python derivations/catalogue.py            # derive (cached), write catalogue.md and .tex
    python derivations/catalogue.py --no-cache # re-derive every pair
    python derivations/catalogue.py --jobs 2 --budget 6

For every ordered pair (P, Q) of families of the same kind (continuous, discrete, or one
multivariate shape) the outcome is exactly one of:

* **closed**: a closed form (possibly a Piecewise whose conditions say where it is finite),
  verified against mpmath quadrature / nsum of the definition at seeded points;
* **infinite**: +oo with its reason (supports, or a tail Q cannot cover), verified by P's mass
  outside supp Q or by partial integrals that keep growing;
* **not derivable**: every route's reason, plus a labelled numeric value at a sample point.

Each pair's entry is kept in ``derivations/catalogue.json`` (committed: it is the catalogue in
machine-readable form and the cache) under a key made of the symkl version, the source of the
derivation engine (every module of ``symkl`` but the families and the front ends) and the source
of the two families' modules: change a family or the engine and its pairs are re-derived;
otherwise a second run only re-renders.  ``--check`` derives nothing: it fails when any pair's
key is stale or the written files differ from what the entries render to (the test of
``tests/test_catalogue.py``).
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import symkl  # noqa: E402

STORE = HERE / "catalogue.json"
MARKDOWN = HERE / "catalogue.md"
LATEX = HERE / "catalogue.tex"
DEFAULT_BUDGET = 3.0  # CPU seconds per route for each pair
PEER_BUDGET = 20.0  # CPU seconds per route for a pair that a peer gives in closed form
VERIFY_BUDGET = 60.0  # CPU seconds for the numeric check of one pair
FRONT_ENDS = {"cli.py", "__main__.py", "parse.py", "checker.py", "backends.py", "codegen.py",
              "stable.py", "overflow_forms.py", "special_forms.py",  # numeric output only
              "program.py", "remainder.py", "removable.py", "end_series.py",
              "divergences.py", "poisson_kernel.py", "divergence_common.py", "tv_crossings.py",
              "overlap.py", "power_divergences.py", "integrability.py",
              "matrix_mixture.py", "matrix_code.py", "matrix_divergences.py"}  # not on KL


def peer_pairs() -> set[tuple[str, str]]:
    """The (P, Q) names that torch, TFP or the published tables give in closed form."""
    path = ROOT / "bench" / "peer_pairs.py"
    if not path.exists():
        return set()
    import importlib.util
    spec = importlib.util.spec_from_file_location("peer_pairs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(module.PEER_PAIRS)


def families() -> tuple:
    """symkl's families in catalogue order: every univariate record, then representative
    multivariate ones (their factories make one record per dimension)."""
    from symkl.families import ALL
    return tuple(ALL) + multivariate()


def multivariate() -> tuple:
    """The multivariate families the catalogue covers: dimension 2 normals (full, diagonal,
    isotropic), the symbolic-k normal, Dirichlet with K = 2 and 3, two products, and the
    2 x 2 Wishart."""
    from symkl.families import Exponential, Gamma, Normal
    from symkl.families.dirichlet import Dirichlet
    from symkl.families.independent import Independent
    from symkl.families.mvnormal import DiagonalNormal, IsotropicNormal, MultivariateNormal
    from symkl.families.mvnormal_symbolic import symbolic
    from symkl.families.wishart import Wishart
    return (MultivariateNormal(2), DiagonalNormal(2), IsotropicNormal(2), symbolic(),
            Dirichlet(2), Dirichlet(3), Independent(Normal, Exponential),
            Independent(Normal, Gamma), Wishart(2))


def by_name(name: str):
    """A catalogue family by its record name."""
    return {f.name: f for f in families()}[name]


def pairs() -> list[tuple]:
    """Every ordered pair of families of the same kind, same-family pairs first in each row."""
    fams = families()
    return [(p, q) for p in fams for q in fams if p.kind == q.kind]


def engine_digest() -> str:
    """Hash of the engine's source: every symkl module except the families and front ends."""
    package = Path(symkl.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] == "families" or rel.name in FRONT_ENDS:
            continue
        h.update(str(rel).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def family_source(family) -> str:
    """The source of the module that defines ``family`` (its whole definition)."""
    return inspect.getsource(sys.modules[family.logpdf.__module__])


def pair_key(P, Q, engine: str) -> str:
    """Cache key of one pair: symkl version, engine source, both families' definitions."""
    h = hashlib.sha256()
    for part in (symkl.__version__, engine, P.name, family_source(P), Q.name, family_source(Q)):
        h.update(part.encode())
    return h.hexdigest()[:24]


def fingerprint(keys: list[str]) -> str:
    """One hash for the whole catalogue: changes when any pair's key changes."""
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


def current_fingerprint() -> str:
    """The fingerprint the catalogue written by the current code carries.

    >>> len(current_fingerprint())
    16
    """
    engine = engine_digest()
    return fingerprint([pair_key(p, q, engine) for p, q in pairs()])


def _numeric_at_sample(error, seed: int = 0) -> dict:
    """A labelled numeric value of a NotDerivable pair at one admissible sample point."""
    import sympy as sp

    from symkl.support import support_condition
    rng = random.Random(seed)
    bp, bq = error.P.bind("1"), error.Q.bind("2")
    for _ in range(200):
        values = {}
        for b in (bp, bq):
            for param, v in zip(b.family.params, b.values):
                values[v.name] = param.domain.sample(rng)
        try:
            instances = [b.family(*[values[v.name] for v in b.values]) for b in (bp, bq)]
        except ValueError:
            continue
        if support_condition(instances[0].bind(1), instances[1].bind(2)) == sp.S.true:
            break  # a point where the divergence is finite, so the number means something
    numeric = error.numeric(dps=20, **values)
    return {"at": {k: str(v) for k, v in sorted(values.items())}, "value": str(numeric.value)[:24],
            "error": numeric.error, "label": numeric.label}


def derive_entry(job: tuple) -> dict:
    """Derive and verify one pair (runs in a worker process); a crash is recorded, not fatal."""
    try:
        return _derive_entry(job)
    except Exception:  # noqa: BLE001 - recorded as an error entry, which fails the tests
        import traceback
        p_name, q_name, key, _ = job
        return {"P": p_name, "Q": q_name, "kind": by_name(p_name).kind, "key": key,
                "outcome": "error", "error": traceback.format_exc()[-1500:], "seconds": 0.0}


def _derive_entry(job: tuple) -> dict:
    from symkl.budget import BudgetExceeded, time_budget
    from symkl.engine import NotDerivable
    p_name, q_name, key, budget = job
    P, Q = by_name(p_name), by_name(q_name)
    entry = {"P": P.name, "Q": Q.name, "kind": P.kind, "key": key}
    start = time.perf_counter()
    try:
        r = symkl.kl(P(), Q(), budget=budget)
    except NotDerivable as e:
        entry.update(outcome="not derivable", reasons=e.reasons)
        try:
            with time_budget(VERIFY_BUDGET):
                entry["numeric"] = _numeric_at_sample(e)
        except (BudgetExceeded, Exception) as why:  # noqa: BLE001 - recorded, not hidden
            entry["numeric"] = {"failed": f"{type(why).__name__}: {why}"}
        entry["seconds"] = round(time.perf_counter() - start, 2)
        return entry
    entry.update(outcome="infinite" if r.is_infinite else "closed", expr=str(r.expr),
                 latex=r.latex(), route=r.route, reason=r.reason,
                 params=[f"{s.name}: {r.domains[s].describe}" for s in r.params])
    derived = time.perf_counter() - start
    try:
        with time_budget(VERIFY_BUDGET):
            report = r.verify()
        entry.update(verified=report.ok, max_error=report.max_error, points=len(report.checks),
                     note=report.note)
    except (BudgetExceeded, Exception) as why:  # noqa: BLE001 - recorded as unverified
        entry.update(verified=False, max_error=None, points=0,
                     note=f"verification failed: {type(why).__name__}: {why}")
    entry["seconds"] = round(derived, 2)
    entry["verify_seconds"] = round(time.perf_counter() - start - derived, 2)
    return entry


def load_store() -> dict:
    """The stored entries by (P, Q) names."""
    if not STORE.exists():
        return {}
    return {(e["P"], e["Q"]): e for e in json.loads(STORE.read_text(encoding="utf-8"))}


def save_store(entries: dict) -> None:
    """Write the entries in catalogue order (stable, so the file diffs cleanly)."""
    order = {(p.name, q.name): i for i, (p, q) in enumerate(pairs())}
    rows = sorted((e for k, e in entries.items() if k in order), key=lambda e: order[(e["P"],
                                                                                      e["Q"])])
    STORE.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def stale_pairs(entries: dict) -> list[tuple]:
    """(P, Q, key) of every pair whose stored entry is missing or has a different key."""
    engine = engine_digest()
    out = []
    for P, Q in pairs():
        key = pair_key(P, Q, engine)
        if entries.get((P.name, Q.name), {}).get("key") != key:
            out.append((P.name, Q.name, key))
    return out


def build(use_cache: bool = True, jobs: int = 2, budget: float = DEFAULT_BUDGET,
          progress: bool = True, peer_budget: float = PEER_BUDGET) -> list[dict]:
    """Every pair's entry: stored ones whose key matches, the others derived afresh (with the
    larger ``peer_budget`` for the pairs a peer has in closed form)."""
    entries = load_store() if use_cache else {}
    peers = peer_pairs()
    todo = [(p, q, key, peer_budget if (p, q) in peers else budget)
            for p, q, key in stale_pairs(entries)]
    todo.sort(key=lambda job: -job[3])  # the long ones first, so the workers finish together
    bar = _progress(len(todo), progress)
    if todo:
        with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=10) as pool:
            for i, entry in enumerate(pool.imap_unordered(derive_entry, todo)):
                entries[(entry["P"], entry["Q"])] = entry
                bar(f"{entry['P']} || {entry['Q']}: {entry['outcome']}")
                if i % 10 == 9:
                    save_store(entries)  # progress survives an interrupted run
    save_store(entries)
    order = {(p.name, q.name): i for i, (p, q) in enumerate(pairs())}
    return sorted((e for k, e in entries.items() if k in order),
                  key=lambda e: order[(e["P"], e["Q"])])


def _progress(total: int, enabled: bool):
    """A progress bar (tqdm when installed, a plain counter otherwise)."""
    if not enabled or total == 0:
        return lambda _msg: None
    try:
        from tqdm import tqdm
        bar = tqdm(total=total, unit="pair", file=sys.stderr, dynamic_ncols=True)

        def tick(msg: str) -> None:
            bar.set_postfix_str(msg[:60])
            bar.update()
        return tick
    except ImportError:
        done = [0]

        def count(msg: str) -> None:
            done[0] += 1
            print(f"[{done[0]}/{total}] {msg}", file=sys.stderr)
        return count


def summary(entries: list[dict]) -> dict:
    """Counts of each outcome and of verified closed forms."""
    out = {"pairs": len(entries)}
    for outcome in ("closed", "infinite", "not derivable"):
        out[outcome] = sum(e["outcome"] == outcome for e in entries)
    out["verified"] = sum(bool(e.get("verified")) for e in entries)
    out["unverified"] = [f"{e['P']} || {e['Q']}" for e in entries
                         if e["outcome"] != "not derivable" and not e.get("verified")]
    return out


def _md_escape(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


def write_markdown(entries: list[dict], stamp: str) -> str:
    """The catalogue as a Markdown table per kind (LaTeX math between dollars)."""
    counts = summary(entries)
    lines = [f"<!-- catalogue-fingerprint: {stamp} -->",
             "# symkl catalogue: KL(P || Q) for every ordered pair of families", "",
             "Generated by `python derivations/catalogue.py`; do not edit by hand. Every closed "
             "form was derived by the engine (route given) and checked against mpmath quadrature "
             "or nsum of the definition at seeded points (dps 30; the error column is the "
             "largest relative error). Infinite results were checked by P's mass outside supp Q "
             "or by partial integrals that keep growing.", "",
             f"**{counts['pairs']} pairs: {counts['closed']} closed forms, {counts['infinite']} "
             f"infinite, {counts['not derivable']} not derivable** "
             f"({counts['verified']} verified).", "", "## Parametrizations", ""]
    for fam in families():
        names = ", ".join(p.name for p in fam.params)
        lines.append(f"- **{fam.name}**({names}): {fam.description}")
    kinds = sorted({e["kind"] for e in entries}, key=lambda k: (k != "continuous", k))
    for kind in kinds:
        lines += ["", f"## {kind.capitalize()}", "",
                  "| P \\|\\| Q | KL(P \\|\\| Q) | route | verified (max rel. error) |",
                  "|---|---|---|---|"]
        for e in (e for e in entries if e["kind"] == kind):
            pair = f"{e['P']} \\|\\| {e['Q']}"
            if e["outcome"] == "not derivable":
                num = e.get("numeric", {})
                shown = (f"no closed form; numeric {num['value']} ± {num['error']:.0e} at "
                         f"{', '.join(f'{k}={v}' for k, v in num['at'].items())}"
                         if "value" in num else "no closed form")
                why = "; ".join(f"{k}: {v}" for k, v in sorted(e["reasons"].items()))
                lines.append(f"| {pair} | {_md_escape(shown)} | {_md_escape(why[:300])} | — |")
                continue
            formula = e["latex"].split("=", 1)[-1].strip() if "=" in e["latex"] else e["latex"]
            body = f"$\\infty$: {e['reason']}" if e["outcome"] == "infinite" else f"${formula}$"
            err = e.get("max_error")
            check = ("yes" if e.get("verified") else "NO") + (
                f" ({err:.0e})" if isinstance(err, float) and e["outcome"] == "closed" else "")
            lines.append(f"| {pair} | {_md_escape(body)} | {e['route']} | {check} |")
    return "\n".join(lines) + "\n"


_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=18mm]{geometry}
\usepackage{amsmath,amssymb,graphicx}
\newsavebox{\fitbox}
\newcommand{\fit}[1]{\sbox{\fitbox}{$\displaystyle #1$}%
  \ifdim\wd\fitbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\fitbox}}\else\usebox{\fitbox}\fi}
\setlength{\parindent}{0pt}
\title{symkl catalogue: $D_{\mathrm{KL}}(P \,\|\, Q)$ for every ordered pair of families}
\date{}
\begin{document}
\maketitle
"""


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}"}


def _tex_text(text: str) -> str:
    """Plain text (names, reasons, descriptions) safe inside a LaTeX paragraph.

    >>> print(_tex_text("b^2 & x_0, 50%"))
    b\\textasciicircum{}2 \\& x\\_0, 50\\%
    """
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


def write_latex(entries: list[dict], stamp: str) -> str:
    """The catalogue as a standalone LaTeX document (compiles with pdflatex)."""
    counts = summary(entries)
    out = [f"% catalogue-fingerprint: {stamp}", _PREAMBLE,
           _tex_text(f"Generated by derivations/catalogue.py. {counts['pairs']} ordered pairs: "
                     f"{counts['closed']} closed forms, {counts['infinite']} infinite, "
                     f"{counts['not derivable']} not derivable. Every closed form was derived "
                     f"by the engine and checked against mpmath quadrature of the definition "
                     f"at seeded points (dps 30)."), "", r"\section*{Parametrizations}",
           r"\begin{itemize}"]
    for fam in families():
        out.append(r"\item " + _tex_text(f"{fam.name}({', '.join(p.name for p in fam.params)})"
                                         f": {fam.description}"))
    out.append(r"\end{itemize}")
    kinds = sorted({e["kind"] for e in entries}, key=lambda k: (k != "continuous", k))
    for kind in kinds:
        out.append(r"\section*{" + _tex_text(kind.capitalize()) + "}")
        for e in (e for e in entries if e["kind"] == kind):
            out.append(r"\subsection*{" + _tex_text(f"{e['P']} || {e['Q']}") + "}")
            if e["outcome"] == "not derivable":
                num = e.get("numeric", {})
                text = "No closed form: " + "; ".join(f"{k}: {v}" for k, v in
                                                      sorted(e["reasons"].items()))[:400]
                if "value" in num:
                    text += (f". Numeric (mpmath quadrature, not a closed form): {num['value']} "
                             f"at {', '.join(f'{k}={v}' for k, v in num['at'].items())}")
                out.append(_tex_text(text) + "\n")
                continue
            out.append(r"\fit{" + e["latex"] + "}\n")
            facts = f"Route: {e['route']}."
            if e["reason"]:
                facts += f" {e['reason']}."
            if e.get("verified"):
                facts += f" Verified at {e['points']} points"
                if isinstance(e.get("max_error"), float) and e["outcome"] == "closed":
                    facts += f" (max relative error {e['max_error']:.1e})"
                facts += "."
            else:
                facts += " NOT verified: " + str(e.get("note", ""))
            out.append(_tex_text(facts) + "\n")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def check() -> int:
    """0 when every stored entry is current and the written files match them, else 1."""
    entries = load_store()
    stale = stale_pairs(entries)
    if stale:
        print(f"{len(stale)} pairs are stale or missing (e.g. "
              + ", ".join(f"{p} || {q}" for p, q, _ in stale[:5])
              + "): run python derivations/catalogue.py")
        return 1
    rows = [entries[(p.name, q.name)] for p, q in pairs()]
    stamp = current_fingerprint()
    for path, text in ((MARKDOWN, write_markdown(rows, stamp)), (LATEX, write_latex(rows, stamp))):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path.name} differs from what the stored entries render to: "
                  f"run python derivations/catalogue.py")
            return 1
    print(f"catalogue current: {len(rows)} pairs, fingerprint {stamp}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-cache", action="store_true", help="re-derive every pair")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--budget", type=float, default=DEFAULT_BUDGET,
                    help=f"seconds per route per pair (default {DEFAULT_BUDGET})")
    ap.add_argument("--peer-budget", type=float, default=PEER_BUDGET,
                    help=f"seconds per route for peer pairs (default {PEER_BUDGET})")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    ap.add_argument("--check", action="store_true",
                    help="derive nothing; fail if the catalogue is not current")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    start = time.perf_counter()
    entries = build(not args.no_cache, args.jobs, args.budget, progress=not args.quiet,
                    peer_budget=args.peer_budget)
    stamp = current_fingerprint()
    MARKDOWN.write_text(write_markdown(entries, stamp), encoding="utf-8")
    LATEX.write_text(write_latex(entries, stamp), encoding="utf-8")
    counts = summary(entries)
    elapsed = time.perf_counter() - start
    print(f"{counts['pairs']} pairs: {counts['closed']} closed, {counts['infinite']} infinite, "
          f"{counts['not derivable']} not derivable; {counts['verified']} verified; "
          f"{elapsed:.1f} s total")
    if counts["unverified"]:
        print("NOT verified: " + ", ".join(counts["unverified"]))
    print(f"wrote {MARKDOWN.relative_to(ROOT)} and {LATEX.relative_to(ROOT)}")
    return 1 if counts["unverified"] else 0


if __name__ == "__main__":
    sys.exit(main())
