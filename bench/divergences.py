"""Benchmark: the whole divergence table (every divergence x every same-family pair), cold.

Run ``python bench/divergences.py`` (about 1-3 minutes on 2 cores).

For every family F of ``symkl.families.ALL`` and every multivariate family of the catalogue
(``derivations/catalogue.py``: normals of dimension 2 and k, Dirichlet, products, Wishart)
one fresh subprocess imports symkl and the families, then derives
``symkl.divergence(name, F(), F())`` for each name of ``symkl.divergences.KNOWN`` in turn
(Renyi with the symbolic order ``alpha="alpha"``), timing each call.  "Cold" means the first
call for that divergence in that process: the first one (kl) includes symkl's lazy engine
load, and later ones may reuse what earlier ones cached (Jeffreys reuses KL(P||Q)), exactly as
a user deriving the table in one session would.  Each outcome is one of

* closed         -- a closed form (possibly with validity conditions or a Piecewise);
* infinite       -- a documented +oo (``Result.is_infinite``);
* not derivable  -- ``symkl.NotDerivable`` (no closed-form route: an outcome, not an error);
* error          -- anything else raised.

These subprocesses run at most two at a time (2 cores), and the end-to-end wall time of that
phase (interpreter start, imports and derivations of all families) is compared with the issue's
target: the whole divergence table for the catalogue derived in under 2 minutes cold.

Verification is a separate phase so that it takes no time (and no core) from the derivations:
a second fresh subprocess per family derives the table again (untimed), checks that every
expression matches the timed run, and runs ``Result.verify()`` (mpmath quadrature of the
definition at seeded admissible points) on each closed form, each under a hard cap.
"""
from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(path: str, name: str):
    """A script as a private module (bench/ and derivations/ are not packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_derive():
    """bench/derive.py as a private module.

    Its ``run_worker`` launches ``__file__ --worker ...`` in a fresh interpreter and returns the
    last result line; pointing this private copy's ``__file__`` here makes it launch this script.
    """
    module = _load(os.path.join(HERE, "derive.py"), "_symkl_bench_derive")
    module.__file__ = os.path.abspath(__file__)
    return module


_derive = _load_derive()
_emit, run_worker, fmt, table, verdict = (_derive._emit, _derive.run_worker, _derive.fmt,
                                         _derive.table, _derive.verdict)

T_TABLE = 120.0  # seconds: "the whole divergence table ... in under 2 minutes cold"
ALPHA = "alpha"  # symbolic Renyi order
OUTCOMES = ("closed", "infinite", "not derivable", "error")


# --------------------------------------------------------------------------------------------
# Workers (run in fresh subprocesses: ``python bench/divergences.py --worker KIND FAMILY``)
# --------------------------------------------------------------------------------------------

def _derive_one(symkl, name: str, F) -> tuple[object, dict]:
    """Derive one divergence, timed; returns (Result or None, record)."""
    from time import perf_counter
    t = perf_counter()
    try:
        r = symkl.divergence(name, F(), F(), alpha=ALPHA if name == "renyi" else None)
    except symkl.NotDerivable as why:
        return None, {"outcome": "not derivable", "time": perf_counter() - t,
                      "reason": "; ".join(f"{k}: {v}" for k, v in why.reasons.items())}
    except Exception as why:  # noqa: BLE001 - recorded, the table goes on
        return None, {"outcome": "error", "time": perf_counter() - t,
                      "reason": f"{type(why).__name__}: {why}"[:300]}
    elapsed = perf_counter() - t
    return r, {"outcome": "infinite" if r.is_infinite else "closed", "time": elapsed,
               "route": r.route, "expr": str(r.expr), "conditions": [str(c) for c in r.conditions],
               "reason": r.reason}


def _family(name: str):
    """A family of the table by its record name: univariate by ``BY_NAME``, multivariate from
    the catalogue's list (MultivariateNormal2, Dirichlet3, Wishart2, Independent(...), ...)."""
    from symkl.families import BY_NAME
    if name.lower() in BY_NAME:
        return BY_NAME[name.lower()]
    return _catalogue().by_name(name)


@functools.cache
def _catalogue():
    """derivations/catalogue.py as a module (its family lists), loaded once."""
    return _load(os.path.join(HERE, os.pardir, "derivations", "catalogue.py"), "catalogue")


def worker_derive(family: str) -> None:
    from time import perf_counter
    t = perf_counter()
    import symkl
    t_import = perf_counter() - t
    t = perf_counter()
    F = _family(family)
    t_families = perf_counter() - t
    from symkl.divergences import KNOWN

    rows = {}
    for name in KNOWN:
        _, rows[name] = _derive_one(symkl, name, F)
    _emit({"import": t_import, "families": t_families, "known": list(KNOWN), "rows": rows,
           "derive_total": sum(r["time"] for r in rows.values())})


class _Timeout(Exception):
    pass


def worker_verify(family: str, cap: float) -> None:
    from time import perf_counter

    import symkl
    from symkl.divergences import KNOWN
    F = _family(family)

    def _expire(signum, frame):  # noqa: ARG001
        raise _Timeout()

    signal.signal(signal.SIGALRM, _expire)
    rows = {}
    for name in KNOWN:
        r, rec = _derive_one(symkl, name, F)
        out = {"outcome": rec["outcome"], "expr": rec.get("expr")}
        if rec["outcome"] == "closed":
            t = perf_counter()
            signal.setitimer(signal.ITIMER_REAL, cap)
            try:
                report = r.verify()
                signal.setitimer(signal.ITIMER_REAL, 0)
                out.update(ok=bool(report.ok), max_error=report.max_error,
                           points=len(report.checks))
            except _Timeout:
                out.update(ok=False, timeout=True)
            except Exception as why:  # noqa: BLE001
                signal.setitimer(signal.ITIMER_REAL, 0)
                out.update(ok=False, error=f"{type(why).__name__}: {why}"[:300])
            out["time"] = perf_counter() - t
        rows[name] = out
    _emit({"rows": rows})


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

def _timed(args: list[str], timeout: float) -> dict:
    """run_worker plus the wall time of the whole subprocess (interpreter start to exit)."""
    t = time.perf_counter()
    out = run_worker(args, timeout=timeout)
    out["wall"] = time.perf_counter() - t
    return out


#: families whose table takes longest (about 5-20 s of CPU each, measured on the 2-core
#: machine), slowest first: started first, so that the two subprocesses finish together
#: instead of one waiting for the last slow family after the other ran out of work
#: (longest-processing-time-first).  Only the order in which the fresh subprocesses start
#: changes; each is still cold.
SLOW_FIRST = ("MultivariateNormal2", "Wishart2", "Laplace", "Levy", "Normal",
              "ContinuousBernoulli", "Cauchy", "LogNormal", "VonMises", "DiagonalNormal2",
              "ChiSquared", "Chi", "Binomial")


def _start_order(families: list[str]) -> list[str]:
    """``families`` with those of :data:`SLOW_FIRST` moved to the front, in that order.

    >>> _start_order(["Normal", "Gamma", "Levy"])
    ['Levy', 'Normal', 'Gamma']
    """
    slow = [f for f in SLOW_FIRST if f in families]
    return slow + [f for f in families if f not in slow]


def _pool(kind: str, families: list[str], jobs: int, timeout: float,
          extra: tuple[str, ...] = ()) -> tuple[dict[str, dict], float]:
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {f: pool.submit(_timed, [kind, f, *extra], timeout)
                   for f in _start_order(families)}
        results = {}
        for f, fut in futures.items():
            results[f] = fut.result()
            r = results[f]
            status = (f"{r['derive_total']:.2f} s deriving" if "derive_total" in r else
                      "done" if "rows" in r else r.get("error", "timeout"))
            print(f"  {kind} {f}: {status} ({r['wall']:.1f} s wall)", file=sys.stderr,
                  flush=True)
    return results, time.perf_counter() - t


def _short(text: str | None, width: int = 64) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[:width - 3] + "..."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=2, help="subprocesses at a time (at most 2)")
    ap.add_argument("--verify-cap", type=float, default=180.0,
                    help="hard cap in seconds for each .verify() (default 180)")
    ap.add_argument("--json", metavar="FILE", help="also write the raw measurements here")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    opts = ap.parse_args()

    if opts.worker:
        kind, *rest = opts.worker
        if kind == "derive":
            worker_derive(rest[0])
        elif kind == "verify":
            worker_verify(rest[0], float(rest[1]))
        return

    from symkl.families import ALL
    families = [F.name for F in ALL] + [F.name for F in _catalogue().multivariate()]
    jobs = max(1, min(opts.jobs, 2))
    t_start = time.perf_counter()
    load = os.getloadavg()
    print(f"symkl divergence-table benchmark  (python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load avg {load[0]:.2f}; {len(families)} families, "
          f"{jobs} subprocesses at a time; verify cap {opts.verify_cap:g} s)", flush=True)

    # 1. Cold derivations: one fresh subprocess per family, at most `jobs` at a time.
    derived, wall_derive = _pool("derive", families, jobs, timeout=600)
    # 2. Verification: again one fresh subprocess per family (not part of the timing above).
    checked, wall_verify = _pool("verify", families, jobs,
                                 timeout=600 + 8 * opts.verify_cap, extra=(str(opts.verify_cap),))

    known: list[str] = next((d["known"] for d in derived.values() if "known" in d), [])
    rows, notes = [], []
    counts = dict.fromkeys(OUTCOMES, 0)
    v_pass = v_fail = mismatched = 0
    for name in known:
        for fam in families:
            d = derived[fam].get("rows", {}).get(name)
            if d is None:
                counts["error"] += 1
                rows.append([f"{fam}||{fam}", name, "-", "error (worker)", "-", "-", "-",
                             _short(derived[fam].get("error", "subprocess timed out"))])
                continue
            counts[d["outcome"]] += 1
            v = checked[fam].get("rows", {}).get(name, {})
            max_err, result = "-", "-"
            if d["outcome"] == "closed":
                if not v:
                    mismatched += 1
                    notes.append(f"{name} {fam}: not verified ("
                                 f"{checked[fam].get('error', 'verify subprocess timed out')})")
                elif v.get("expr") != d.get("expr"):
                    mismatched += 1
                    notes.append(f"{name} {fam}: the verification run derived a different "
                                 f"expression ({_short(v.get('expr'), 40)})")
                if v.get("timeout"):
                    result = f"FAIL (timeout {opts.verify_cap:g} s)"
                elif v.get("error"):
                    result = "FAIL (error)"
                    notes.append(f"{name} {fam}: verify raised {v['error']}")
                elif "ok" in v:
                    max_err = f"{v['max_error']:.1e}"
                    result = f"{verdict(v['ok'])} ({v['points']} pts, {v['time']:.1f} s)"
                if v.get("ok"):
                    v_pass += 1
                else:
                    v_fail += 1
            note = (d["reason"] if d["outcome"] in ("not derivable", "error", "infinite")
                    else "; ".join(d.get("conditions", [])))
            rows.append([f"{fam}||{fam}", name, fmt(d["time"]), d["outcome"],
                         d.get("route", "-"), max_err, result, _short(note)])

    print()
    print(f"Divergence table, same-family pairs: cold derivation per divergence  (one fresh "
          f"subprocess per family, divergences in order {', '.join(known)}; Renyi with "
          f"symbolic order {ALPHA})")
    print(table(["pair", "divergence", "cold s", "outcome", "route", "verify max err",
                 "verify", "conditions / reason"], rows))
    for n in notes:
        print("  * " + n)

    frows = []
    for fam in families:
        d = derived[fam]
        if "rows" not in d:
            frows.append([fam, "-", "-", fmt(d["wall"], 2), "-"])
            continue
        slowest = max(d["rows"], key=lambda k: d["rows"][k]["time"])
        frows.append([fam, fmt(d["import"] + d["families"]), fmt(d["derive_total"]),
                      fmt(d["wall"], 2),
                      f"{slowest} {d['rows'][slowest]['time']:.3f} s"])
    print()
    print("Per family (one fresh subprocess each)")
    print(table(["family", "import symkl + families s", "derivations s (sum)",
                 "subprocess wall s", "slowest divergence"], frows))

    total = len(known) * len(families)
    all_ok = all("rows" in d for d in derived.values())
    sum_derive = sum(d.get("derive_total", 0.0) for d in derived.values())
    print()
    print(f"Outcomes ({total} entries): " + ", ".join(f"{k} {counts[k]}" for k in OUTCOMES))
    print(f"Verification of closed forms: {v_pass} PASS, {v_fail} FAIL"
          + (f" ({mismatched} not verified against the timed expression)" if mismatched else "")
          + f"; verification phase wall {wall_verify:.1f} s (not counted below)")
    trows = [
        ["sum of per-family cold derivation times (inside the subprocesses)", fmt(sum_derive, 2),
         "< 120 s", verdict(all_ok and sum_derive < T_TABLE)],
        [f"end-to-end wall, derivation phase ({jobs} at a time; interpreter start + imports "
         f"+ derivations)", fmt(wall_derive, 2), "< 120 s",
         verdict(all_ok and wall_derive < T_TABLE)],
    ]
    print()
    print('Target: "the whole divergence table for the catalogue derived in under 2 minutes '
          'cold on this machine"')
    print(table(["measurement", "seconds", "target", "result"], trows))
    print(f"\ntotal benchmark wall time {time.perf_counter() - t_start:.0f} s")

    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump({"families": families, "known": known, "jobs": jobs,
                       "derived": derived, "verified": checked,
                       "wall_derive": wall_derive, "wall_verify": wall_verify,
                       "sum_derive": sum_derive, "counts": counts,
                       "verify_pass": v_pass, "verify_fail": v_fail}, fh, indent=1)


if __name__ == "__main__":
    main()
