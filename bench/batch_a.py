"""Benchmark: cold derivation time, route and verify() of the batch-A continuous families.

Run ``python bench/batch_a.py`` (about 2-4 minutes on 2 cores).  Every row is a fresh
interpreter (two at a time) that imports symkl and the families, then times, inside the process:
``symkl.kl(P(), Q())`` (or ``symkl.entropy(P())``) cold, and its ``verify()`` (mpmath at dps 30,
3 seeded points plus P = Q where it applies).  Timings include contention with the other worker.

Rows: each same-family KL and entropy of HalfNormal, LogNormal, InverseGamma, ChiSquared, Chi,
Rayleigh, Weibull, Gumbel, and the cross pairs tests/test_families_batch_a.py claims.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = ("HalfNormal", "LogNormal", "InverseGamma", "ChiSquared", "Chi", "Rayleigh", "Weibull",
         "Gumbel")
CROSS = [("Exponential", "Gumbel"), ("Gamma", "Gumbel"), ("Gumbel", "Normal"),
         ("Normal", "Gumbel"), ("Gamma", "InverseGamma"), ("Exponential", "Weibull"),
         ("Weibull", "Exponential"), ("Rayleigh", "Weibull"), ("ChiSquared", "Gamma"),
         ("Gamma", "ChiSquared"), ("Chi", "Rayleigh"), ("HalfNormal", "Exponential")]
WORKER = """
import json, sys, time
import symkl
from symkl import families
P, Q = sys.argv[1], sys.argv[2]
t = time.perf_counter()
r = symkl.entropy(getattr(families, P)()) if Q == "-" else symkl.kl(getattr(families, P)(),
                                                                  getattr(families, Q)())
cold = time.perf_counter() - t
t = time.perf_counter()
v = r.verify()
print(json.dumps({"expr": str(r.expr), "route": r.route, "cold": cold, "ok": v.ok,
                  "err": v.max_error, "verify": time.perf_counter() - t}))
"""


def run(pair: tuple[str, str]) -> tuple[tuple[str, str], dict]:
    """One fresh interpreter for one pair ("-" as Q: the entropy of P)."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", WORKER, *pair], capture_output=True, text=True,
                         env=env, timeout=600)
    try:
        return pair, json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return pair, {"error": out.stderr.strip().splitlines()[-1:]}


def main() -> None:
    """Print one row per derivation: cold seconds, route, verify status, max error, verify time."""
    pairs = [(f, f) for f in BATCH] + [(f, "-") for f in BATCH] + CROSS
    print(f"load average {os.getloadavg()[0]:.1f}")
    with ThreadPoolExecutor(2) as pool:
        for (p, q), row in pool.map(run, pairs):
            name = f"H({p})" if q == "-" else f"KL({p} || {q})"
            if "error" in row:
                print(f"{name:34s} ERROR {row['error']}")
                continue
            print(f"{name:34s} {row['cold']:6.2f} s  {row['route']:9s} verify "
                  f"{'PASS' if row['ok'] else 'FAIL'} (max err {row['err']:.1e}, "
                  f"{row['verify']:.1f} s)  {row['expr']}")


if __name__ == "__main__":
    main()
