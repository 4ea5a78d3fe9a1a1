"""Benchmark of the catalogue (issue targets): coverage, outcome counts, times, plain SymPy.

Run ``python bench/catalogue.py`` after ``python derivations/catalogue.py``.  It prints

* the outcome counts of ``derivations/catalogue.json`` and the wall seconds spent per pair
  (derivation and verification, as recorded when each pair was derived);
* coverage: of the ordered pairs that torch.distributions, TensorFlow Probability or the
  published tables give in closed form (``bench/peer_pairs.py``), how many symkl derives in
  closed form (target >= 95%), listing the misses; and the pairs where any verification failed
  (target 0);
* the wall time of a fully cached re-run of ``derivations/catalogue.py`` (target < 2 s);
* with ``--plain N``: for N seeded closed-form pairs, plain ``sympy.integrate`` + ``simplify``
  on the same definition (``bench/derive.py``'s worker, hard cap ``--cap`` seconds) against
  symkl's recorded derivation time: the speed-up and whether plain SymPy found a closed form.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STORE = ROOT / "derivations" / "catalogue.json"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the catalogue's representative of a peer's multivariate family
ALIASES = {"MultivariateNormal": "MultivariateNormal2", "Dirichlet": "Dirichlet3",
           "Independent": "Independent(Normal, Exponential)", "Wishart": "Wishart2"}


def coverage(entries: list[dict]) -> tuple[int, int, list[str]]:
    """(peer pairs, of those decided by symkl, the misses): a pair is decided when symkl gives a
    closed form or a (verified) infinity; a family symkl lacks is a miss."""
    peers = _load(HERE / "peer_pairs.py", "peer_pairs").PEER_PAIRS
    by_pair = {(e["P"], e["Q"]): e for e in entries}
    misses = []
    for p, q in peers:
        entry = by_pair.get((ALIASES.get(p, p), ALIASES.get(q, q)))
        if entry is None:
            misses.append(f"{p} || {q} (no such family in symkl)")
        elif entry["outcome"] == "not derivable":
            misses.append(f"{p} || {q} (not derivable)")
    return len(peers), len(peers) - len(misses), misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plain", type=int, default=0, help="pairs to run plain SymPy on")
    ap.add_argument("--cap", type=float, default=60.0, help="plain SymPy cap per pair (s)")
    args = ap.parse_args()
    entries = json.loads(STORE.read_text(encoding="utf-8"))
    counts = {k: sum(e["outcome"] == k for e in entries)
              for k in ("closed", "infinite", "not derivable")}
    bad = [f"{e['P']} || {e['Q']}" for e in entries
           if e["outcome"] != "not derivable" and not e.get("verified")]
    derive = [e["seconds"] for e in entries]
    check = [e.get("verify_seconds", 0.0) for e in entries]
    print(f"catalogue: {len(entries)} ordered pairs: {counts['closed']} closed, "
          f"{counts['infinite']} infinite, {counts['not derivable']} not derivable")
    print(f"  derivation wall time per pair (recorded in its worker): median "
          f"{statistics.median(derive):.2f} s, "
          f"max {max(derive):.1f} s, total {sum(derive):.0f} s; verification total "
          f"{sum(check):.0f} s (one process; the script runs 2 workers)")
    print(f"  closed forms or infinities that failed verification: {len(bad)} (target 0) "
          + (", ".join(bad) if bad else ""))
    if (HERE / "peer_pairs.py").exists():
        known, decided, misses = coverage(entries)
        share = 100.0 * decided / known if known else float("nan")
        print(f"coverage of peer closed-form pairs: {decided}/{known} = {share:.1f}% "
              f"(target >= 95%)" + ("; missing: " + ", ".join(misses) if misses else ""))
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "derivations" / "catalogue.py"), "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    print(f"cached re-run of derivations/catalogue.py: {time.perf_counter() - start:.2f} s "
          f"wall (target < 2 s)")
    if args.plain:
        derive_bench = _load(HERE / "derive.py", "derive_bench")
        closed = [e for e in entries if e["outcome"] == "closed"]
        rows = []
        for e in random.Random(0).sample(closed, min(args.plain, len(closed))):
            out = derive_bench.run_worker(["plain", f"{e['P']}/{e['Q']}", str(args.cap)],
                                          timeout=args.cap + 30)
            plain = out.get("time", args.cap)
            status = ("timeout" if out.get("timeout") else "closed" if out.get("closed")
                      else "no closed form")
            rows.append((f"{e['P']} || {e['Q']}", e["seconds"], plain, status))
            ratio = plain / max(e["seconds"], 1e-3)
            at_least = ">=" if status == "timeout" else ""
            print(f"  {rows[-1][0]:<28} symkl {e['seconds']:6.2f} s   plain SymPy "
                  f"{'>' if status == 'timeout' else ' '}{plain:6.1f} s ({status})   "
                  f"speed-up {at_least}{ratio:.0f}x", flush=True)
        if rows:
            fastest = min(plain / max(s, 1e-3) for _, s, plain, _ in rows)
            print(f"smallest speed-up {fastest:.0f}x (target >= 50x); plain SymPy found a "
                  f"closed form for {sum(r[3] == 'closed' for r in rows)}/{len(rows)}")


if __name__ == "__main__":
    main()
