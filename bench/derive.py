"""Benchmark: symkl derivation times vs plain SymPy, import time, lambdified numpy speed.

Run ``python bench/derive.py`` (about 2-10 minutes: the plain-SymPy baselines run with a hard
cap of ``--sympy-cap`` seconds each, two at a time) or ``python bench/derive.py --quick``
(20 s cap, 10^5 parameter sets).

What is measured, for every same-family pair F || F of ``symkl.families.ALL``:

* cold    -- ``symkl.kl(F(), F())`` in a fresh subprocess, timed inside it around the call
             (this includes the lazy loading of symkl's engine on first use, but not the
             interpreter start, ``import symkl`` or ``from symkl.families import F``, which are
             reported separately);
* warm    -- the second, identical call in the same process (served from the cache);
* warm numeric -- then ``symkl.kl(F(a...), F(b...))`` with numeric values drawn from each
             parameter's domain sampler (``random.Random(0)``): the cached generic form is
             substituted and canonicalised;
* plain SymPy -- ``sympy.integrate(p*(log p - log q), (x, a, b))`` (``sympy.summation`` for the
             discrete families) then ``sympy.simplify``, in a subprocess with the cap as a hard
             timeout; "closed form" means no unevaluated Integral/Sum and no nan/zoo remain.
             When a closed form is found it is also compared numerically with symkl's result at
             the sampled point ("agrees").  These run two at a time (2 cores), so their times
             include some contention.

Then ``import symkl`` alone vs ``import symkl`` + families + first ``kl`` call (median of 3 fresh
interpreters), and the lambdified numpy functions of Normal||Normal, Gamma||Gamma and
Bernoulli||Bernoulli against hand-written numpy/scipy formulas on seeded random parameter
arrays (best of 5, plus the max abs difference).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAMILIES = ("Normal", "Exponential", "Gamma", "Beta", "Laplace", "Cauchy", "Poisson", "Bernoulli")
MARK = "@@RESULT@@"

# Targets from the issue.
T_IMPORT, T_WARM, T_COLD, T_RATIO = 0.5, 0.5, 5.0, 1.5


# --------------------------------------------------------------------------------------------
# Workers (run in fresh subprocesses: ``python bench/derive.py --worker KIND FAMILY``)
# --------------------------------------------------------------------------------------------

def _emit(payload: dict) -> None:
    print(MARK + json.dumps(payload), flush=True)


def _sample_values(F, rng):
    return [p.domain.sample(rng) for p in F.params]


def timed_imports(name: str):
    """In a fresh worker: (symkl, the family, time of `import symkl`, time to load families)."""
    from time import perf_counter
    t = perf_counter()
    import symkl
    t_import = perf_counter() - t

    t = perf_counter()
    from symkl.families import BY_NAME
    F = BY_NAME[name.lower()]
    return symkl, F, t_import, perf_counter() - t


def worker_cold(name: str) -> None:
    from time import perf_counter
    symkl, F, t_import, t_families = timed_imports(name)

    t = perf_counter()
    r = symkl.kl(F(), F())
    t_cold = perf_counter() - t

    t = perf_counter()
    r2 = symkl.kl(F(), F())
    t_warm = perf_counter() - t
    warm_repeat = []
    for _ in range(3):
        t = perf_counter()
        symkl.kl(F(), F())
        warm_repeat.append(perf_counter() - t)

    import random
    rng = random.Random(0)
    a, b = _sample_values(F, rng), _sample_values(F, rng)
    t = perf_counter()
    rn = symkl.kl(F(*a), F(*b))
    t_numeric = perf_counter() - t
    numeric_repeat = []
    for _ in range(2):
        t = perf_counter()
        symkl.kl(F(*a), F(*b))
        numeric_repeat.append(perf_counter() - t)

    _emit({"import": t_import, "families": t_families, "cold": t_cold, "warm": t_warm,
           "warm_min": min(warm_repeat), "numeric": t_numeric,
           "numeric_min": min(numeric_repeat), "route": r.route, "expr": str(r.expr),
           "same": r2.expr == r.expr, "numeric_args": [str(v) for v in a + b],
           "numeric_value": str(rn.expr)})


def worker_import(what: str) -> None:
    from time import perf_counter
    t = perf_counter()
    import symkl
    t_import = perf_counter() - t
    out = {"import": t_import}
    if what == "full":
        t = perf_counter()
        from symkl.families import Normal
        out["families"] = perf_counter() - t
        t = perf_counter()
        symkl.kl(Normal(), Normal())
        out["first_kl"] = perf_counter() - t
        out["total"] = t_import + out["families"] + out["first_kl"]
    out["sympy_loaded"] = "sympy" in sys.modules
    _emit(out)


class _Timeout(Exception):
    pass


def worker_plain(name: str, cap: float) -> None:
    """Plain SymPy on the definition of KL(F || G) (``name`` is "F" or "F/G"); capped."""
    from time import perf_counter

    import sympy as sp

    from symkl.engine import variable
    from symkl.families import BY_NAME
    p_name, _, q_name = name.partition("/")
    F = BY_NAME[p_name.lower()]
    G = BY_NAME[(q_name or p_name).lower()]
    P, Q = F().bind("1"), G().bind("2")
    x = variable(F)
    p = P.density(x)
    log_ratio = P.logpdf(x) - Q.logpdf(x)
    support = P.support()
    limits = (x, support.inf, support.sup)

    def _expire(signum, frame):  # noqa: ARG001
        raise _Timeout()

    signal.signal(signal.SIGALRM, _expire)
    out: dict = {"timeout": False, "closed": False}
    t = perf_counter()
    signal.setitimer(signal.ITIMER_REAL, cap)
    stage = "integrate"
    try:
        if F.discrete:
            raw = sp.summation(p * log_ratio, limits)
        else:
            raw = sp.integrate(p * log_ratio, limits)
        out["t_integrate"] = perf_counter() - t
        stage = "simplify"
        res = sp.simplify(raw)
        signal.setitimer(signal.ITIMER_REAL, 0)
        out["time"] = perf_counter() - t
    except _Timeout:
        out.update(timeout=True, stage=stage, time=perf_counter() - t)
        _emit(out)
        return
    except Exception as why:  # noqa: BLE001 - a SymPy failure is a result too
        signal.setitimer(signal.ITIMER_REAL, 0)
        out.update(error=f"{type(why).__name__}: {why}"[:200], time=perf_counter() - t)
        _emit(out)
        return
    closed = not res.has(sp.Integral, sp.Sum, sp.nan, sp.zoo)
    out.update(closed=closed, piecewise=res.has(sp.Piecewise), ops=int(sp.count_ops(res)),
               result=str(res)[:300])
    if closed:  # compare with symkl at the sampled point (not timed)
        try:
            import random

            import symkl
            rng = random.Random(0)
            a, b = _sample_values(F, rng), _sample_values(G, rng)
            point = dict(zip(P.values, a))
            point.update(zip(Q.values, b))
            mine = sp.N(res.xreplace(point), 20)
            theirs = sp.N(symkl.kl(F(*a), G(*b)).expr, 20)
            out["agrees"] = bool(abs(complex(mine) - complex(theirs)) < 1e-9)
            out["plain_value"], out["symkl_value"] = str(mine), str(theirs)
        except Exception as why:  # noqa: BLE001
            out["agrees"] = None
            out["check_error"] = f"{type(why).__name__}: {why}"[:200]
    _emit(out)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

def run_worker(args: list[str], timeout: float | None = None) -> dict:
    """Run this script as a worker in a fresh interpreter; kill its process group on timeout."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, start_new_session=True)
    start = time.perf_counter()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"timeout": True, "killed": True, "time": time.perf_counter() - start,
                "closed": False}
    for line in reversed(out.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"error": f"worker exited {proc.returncode}: {err.strip()[-300:]}", "closed": False}


def measure_lambdify(n: int, repeat: int = 5) -> list[dict]:
    import numpy as np
    import scipy.special as sc

    import symkl
    from symkl.families import Bernoulli, Gamma, Normal

    rng = np.random.default_rng(12345)

    def best_of_interleaved(f, g, args, repeat=5):
        """Best of ``repeat`` for f and for g, alternating f/g (then g/f) round by round, so a
        burst of load from other processes hits both rather than one."""
        tf, tg = [], []
        for i in range(repeat):
            for fn, times in ((f, tf), (g, tg)) if i % 2 == 0 else ((g, tg), (f, tf)):
                t = time.perf_counter()
                fn(*args)
                times.append(time.perf_counter() - t)
        return min(tf), min(tg)

    def hand_normal(m1, s1, m2, s2):
        return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5

    def hand_gamma(a1, b1, a2, b2):  # shape a, rate b
        return ((a1 - a2) * sc.digamma(a1) - sc.gammaln(a1) + sc.gammaln(a2)
                + a2 * np.log(b1 / b2) + a1 * (b2 - b1) / b1)

    def hand_bernoulli(p1, p2):
        return p1 * np.log(p1 / p2) + (1 - p1) * np.log((1 - p1) / (1 - p2))

    u = rng.uniform
    cases = [
        ("Normal", Normal, hand_normal,
         [u(-1.5, 1.5, n), u(0.5, 3, n), u(-1.5, 1.5, n), u(0.5, 3, n)]),
        ("Gamma", Gamma, hand_gamma, [u(0.5, 3, n), u(0.5, 3, n), u(0.5, 3, n), u(0.5, 3, n)]),
        ("Bernoulli", Bernoulli, hand_bernoulli, [u(0.01, 0.99, n), u(0.01, 0.99, n)]),
    ]
    rows = []
    for name, F, hand, args in cases:
        r = symkl.kl(F(), F())
        t = time.perf_counter()
        f = r.lambdify()
        t_lambdify = time.perf_counter() - t
        for _ in range(2):  # full-size warm-up: lets the allocator settle (glibc's mmap
            f(*args)        # threshold adapts after the first large frees) for both functions
            hand(*args)
        t_sym, t_hand = best_of_interleaved(f, hand, args, repeat)
        diff = float(np.max(np.abs(np.asarray(f(*args)) - hand(*args))))
        rows.append({"name": name, "params": [s.name for s in r.params], "symkl": t_sym,
                     "hand": t_hand, "ratio": t_sym / t_hand, "maxdiff": diff,
                     "t_lambdify": t_lambdify, "expr": str(r.expr)})
    return rows


def fmt(v: float | None, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sympy-cap", type=float, default=120.0,
                    help="hard time cap in seconds for each plain-SymPy baseline (default 120)")
    ap.add_argument("--quick", action="store_true",
                    help="20 s plain-SymPy cap and 10^5 parameter sets")
    ap.add_argument("--sets", type=int, default=None, help="parameter sets for the numpy timing")
    ap.add_argument("--repeat", type=int, default=5,
                    help="best-of-N for the numpy timings (default 5)")
    ap.add_argument("--jobs", type=int, default=2, help="plain-SymPy subprocesses at a time")
    ap.add_argument("--json", metavar="FILE", help="also write the raw measurements here")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    opts = ap.parse_args()

    if opts.worker:
        kind, *rest = opts.worker
        if kind == "cold":
            worker_cold(rest[0])
        elif kind == "import":
            worker_import(rest[0])
        elif kind == "plain":
            worker_plain(rest[0], float(rest[1]))
        return

    cap = 20.0 if opts.quick else opts.sympy_cap
    sets = opts.sets or (10**5 if opts.quick else 10**6)
    jobs = max(1, min(opts.jobs, 2))
    t_start = time.perf_counter()
    load = os.getloadavg()
    print(f"symkl derivation benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load avg {load[0]:.2f}; plain-SymPy cap {cap:g} s, {jobs} at a time; "
          f"{sets:.0e} parameter sets)", flush=True)

    # 1+2. Cold / warm in fresh subprocesses, one at a time (no contention).
    cold: dict[str, dict] = {}
    for name in FAMILIES:
        cold[name] = run_worker(["cold", name], timeout=600)
        c = cold[name]
        print(f"  cold {name}: " + (f"{c['cold']:.3f} s" if "cold" in c else c.get("error", c)),
              file=sys.stderr, flush=True)

    # Import time: median of 3 fresh interpreters each.
    imports_alone = [run_worker(["import", "alone"], timeout=120) for _ in range(3)]
    imports_full = [run_worker(["import", "full"], timeout=600) for _ in range(3)]

    # 3. Plain SymPy, at most two at a time, each hard-capped.
    print(f"  plain SymPy baselines (cap {cap:g} s, {jobs} at a time)...", file=sys.stderr,
          flush=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {name: pool.submit(run_worker, ["plain", name, str(cap)], cap + 60)
                   for name in FAMILIES}
        plain = {name: f.result() for name, f in futures.items()}

    # 4. Lambdified numpy vs hand-written.
    print("  lambdify timings...", file=sys.stderr, flush=True)
    lamb = measure_lambdify(sets, opts.repeat)

    # ---------------------------------------------------------------- report
    rows = []
    for name in FAMILIES:
        c, p = cold[name], plain[name]
        if "cold" not in c:
            rows.append([f"{name}||{name}", "error", "-", "-", "-", "-", "-", "-", "-"])
            continue
        if p.get("timeout"):
            plain_s = f">{cap:g} (timeout)"
            closed = "no (timeout)"
            speed = f">{cap / c['cold']:.0f}x"
        elif "error" in p:
            plain_s = fmt(p.get("time"), 2)
            closed = "no (error)"
            speed = "-"
        else:
            plain_s = fmt(p["time"], 2)
            closed = "yes" if p["closed"] else "no (unevaluated)"
            if p["closed"]:
                if p.get("piecewise"):
                    closed += ", Piecewise"
                closed += {True: ", agrees", False: ", DISAGREES", None: ", unchecked"}[
                    p.get("agrees")]
            speed = f"{p['time'] / c['cold']:.1f}x"
        rows.append([f"{name}||{name}", fmt(c["import"], 4), fmt(c["families"], 2),
                     fmt(c["cold"]), fmt(c["warm"], 5), fmt(c["numeric"], 4), plain_s, closed,
                     speed])
    print()
    print("Same-family KL(F || F): symkl vs plain SymPy  (times in seconds)")
    print(table(["pair", "import symkl", "import families", "cold s", "warm s",
                 "warm numeric s", "plain sympy s", "plain sympy closed form?",
                 "speed-up (plain/cold)"], rows))

    notes = []
    for name in FAMILIES:
        p = plain[name]
        if p.get("timeout"):
            notes.append(f"{name}: plain SymPy still in {p.get('stage', '?')} at the cap"
                         + (" (killed by the parent)" if p.get("killed") else ""))
        elif "error" in p:
            notes.append(f"{name}: plain SymPy raised {p['error']}")
        elif p.get("agrees") is False:
            notes.append(f"{name}: plain SymPy gave {p.get('plain_value')}, symkl "
                         f"{p.get('symkl_value')} at the sampled point")
        elif p.get("check_error"):
            notes.append(f"{name}: agreement check failed: {p['check_error']}")
    for n in notes:
        print("  * " + n)
    print("  cold = symkl.kl(F(), F()) in a fresh interpreter (incl. lazy engine load); warm = "
          "2nd identical call;\n  warm numeric = then kl(F(a..), F(b..)) at values from the "
          "domain samplers; plain sympy runs 2 at a time.")

    med = lambda xs: statistics.median(xs)  # noqa: E731
    ok_alone = [r for r in imports_alone if "import" in r]
    ok_full = [r for r in imports_full if "total" in r]
    imp_alone = med([r["import"] for r in ok_alone]) if ok_alone else None
    imp_fam = med([r["import"] + r["families"] for r in ok_full]) if ok_full else None
    imp_full = med([r["total"] for r in ok_full]) if ok_full else None
    sympy_lazy = all(not r["sympy_loaded"] for r in ok_alone)
    colds = {n: c["cold"] for n, c in cold.items() if "cold" in c}
    worst = max(colds, key=colds.get) if colds else None
    warm_normal = cold["Normal"].get("warm")

    trows = [
        ["import symkl (alone, median of 3)", fmt(imp_alone, 4), "< 0.5 s",
         verdict(imp_alone is not None and imp_alone < T_IMPORT)
         + (" (sympy not loaded)" if sympy_lazy else " (sympy loaded)")],
        ["import symkl + symkl.families (loads sympy)", fmt(imp_fam), "(info)", "-"],
        ["import symkl + families + first kl(Normal, Normal)", fmt(imp_full), "(info)", "-"],
        ["kl(Normal(), Normal()) warm (2nd call)", fmt(warm_normal, 5), "< 0.5 s",
         verdict(warm_normal is not None and warm_normal < T_WARM)],
        ["every same-family pair cold (max)",
         f"{fmt(colds.get(worst))} ({worst})" if worst else "-", "< 5 s",
         verdict(len(colds) == len(FAMILIES) and max(colds.values()) < T_COLD)
         + ("" if all(v < T_COLD for v in colds.values()) else
            " (over: " + ", ".join(f"{n} {v:.1f} s" for n, v in colds.items() if v >= T_COLD)
            + ")")],
    ]
    for r in lamb:
        trows.append([f"lambdified {r['name']}||{r['name']} vs hand-written "
                      f"(symkl {r['symkl'] * 1e3:.1f} ms, hand {r['hand'] * 1e3:.1f} ms, "
                      f"max|diff| {r['maxdiff']:.1e})",
                      f"{r['ratio']:.2f}x", "<= 1.5x", verdict(r["ratio"] <= T_RATIO)])
    print()
    print(f"Import, warm, cold and lambdify targets  ({sets:.0e} parameter sets, "
          f"best of {opts.repeat}, interleaved)")
    print(table(["measurement", "value", "target", "result"], trows))
    print(f"\ntotal benchmark wall time {time.perf_counter() - t_start:.0f} s")

    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump({"cap": cap, "sets": sets, "cold": cold, "plain": plain,
                       "imports_alone": imports_alone, "imports_full": imports_full,
                       "lambdify": lamb}, fh, indent=1)


if __name__ == "__main__":
    main()
