"""Benchmark: generated numpy KL vs a hand-written numpy transcription vs torch, on 10^6 sets.

Run ``python bench/speed.py`` (about a minute).  For each same-family pair of Normal,
Exponential, Gamma, Beta, Poisson, Bernoulli and Laplace, seeded random parameter arrays
(``--n``, 10^6 by default) are fed to

* generated -- ``symkl.kl(F(), F()).lambdify()`` (numpy + scipy.special; stable code with the
               cancellation check and the near-P = Q remainder);
* naive     -- the textbook closed form typed in by hand with numpy/scipy (the unstable
               spelling, as found in most code bases);
* torch     -- ``torch.distributions.kl_divergence`` on CPU float64 tensors (construction
               included, ``validate_args=False``, one thread like numpy).

Timings are the best of ``--repeat`` runs, the three functions alternating, after a warm-up.
Ratios are generated/naive (target <= 1.5) and generated/torch (target < 1).
"""
from __future__ import annotations

import argparse
import functools
import os
import time

import numpy as np
import scipy.special as sc

import symkl
from symkl.families import BY_NAME

# Hand-written transcriptions of the textbook closed forms: the baseline, not symkl's code.
NAIVE = {
    "Normal": lambda m1, s1, m2, s2: np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2)
    - 0.5,
    "Exponential": lambda l1, l2: np.log(l1 / l2) + l2 / l1 - 1,
    "Gamma": lambda a1, b1, a2, b2: ((a1 - a2) * sc.digamma(a1) - sc.gammaln(a1)
                                     + sc.gammaln(a2) + a2 * np.log(b1 / b2)
                                     + a1 * (b2 - b1) / b1),
    "Beta": lambda a1, b1, a2, b2: (sc.betaln(a2, b2) - sc.betaln(a1, b1)
                                    + (a1 - a2) * sc.digamma(a1) + (b1 - b2) * sc.digamma(b1)
                                    + (a2 - a1 + b2 - b1) * sc.digamma(a1 + b1)),
    "Poisson": lambda l1, l2: l1 * np.log(l1 / l2) - l1 + l2,
    "Bernoulli": lambda p, q: p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)),
    "Laplace": lambda m1, b1, m2, b2: (np.log(b2 / b1) + np.abs(m1 - m2) / b2
                                       + b1 / b2 * np.exp(-np.abs(m1 - m2) / b1) - 1),
}


def draw(domain, rng: np.random.Generator, n: int) -> np.ndarray:
    if domain.name == "Real":
        return rng.uniform(-3, 3, n)
    if domain.name == "UnitInterval":
        return rng.uniform(0.01, 0.99, n)
    return 10 ** rng.uniform(-1, 1, n)


def torch_kl(name: str):
    try:
        import torch
        import torch.distributions as D
    except ImportError:
        return None
    torch.set_num_threads(1)
    cls = getattr(D, name)

    def kl(*values):
        t = [torch.from_numpy(v) for v in values]
        k = len(t) // 2
        return torch.distributions.kl_divergence(cls(*t[:k], validate_args=False),
                                                 cls(*t[k:], validate_args=False))
    return kl


def best_of(functions: dict, args, repeat: int) -> dict[str, float]:
    times = {k: float("inf") for k in functions}
    for f in functions.values():
        f(*args)  # warm-up
    for _ in range(repeat):
        for k, f in functions.items():
            t0 = time.perf_counter()
            f(*args)
            times[k] = min(times[k], time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**6)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--families", default=",".join(NAIVE))
    args = ap.parse_args()
    np.seterr(all="ignore")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.n} parameter sets, best of {args.repeat}; load average {load:.1f}")
    head = (f"{'pair':<24}{'generated':>11}{'naive':>9}{'torch':>9}"
            f"{'gen/naive':>11}{'gen/torch':>11}{'max |gen-naive|/|naive|':>25}")
    print(head)
    print("-" * len(head))
    rng = np.random.default_rng(0)
    for name in args.families.split(","):
        F = BY_NAME[name.lower()]
        r = symkl.kl(F(), F())
        values = [draw(r.domains[s], rng, args.n) for s in r.params]
        functions = {"generated": r.lambdify(), "naive": NAIVE[name]}
        tk = torch_kl(name)
        if tk is not None:
            functions["torch"] = tk
        t = best_of(functions, values, args.repeat)
        gen, naive = functions["generated"](*values), NAIVE[name](*values)
        ok = np.abs(naive) > 1e-6  # where the naive form is itself trustworthy
        diff = float(np.max(np.abs(gen[ok] - naive[ok]) / np.abs(naive[ok])))
        tt = t.get("torch", float("nan"))
        print(f"{name + ' || ' + name:<24}{t['generated'] * 1e3:>9.1f}ms{t['naive'] * 1e3:>7.1f}ms"
              f"{tt * 1e3:>7.1f}ms{t['generated'] / t['naive']:>11.2f}"
              f"{t['generated'] / tt:>11.2f}{diff:>25.1e}", flush=True)
    elementary_baseline(args.n, args.repeat)


def elementary_baseline(n: int, repeat: int) -> None:
    """The price of one elementary function on n float64 values, numpy against torch (one
    thread each): what bounds generated/torch for forms that need a log or an exp."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    x = np.random.default_rng(1).uniform(0.5, 2.0, n)
    tx = torch.from_numpy(x)
    print(f"\none elementary function on {n} float64 values (best of {repeat}):")
    for name in ("log", "exp", "log1p", "divide"):
        arity = 2 if name == "divide" else 1
        f_np, f_torch = getattr(np, name), getattr(torch, name)
        t = best_of({"numpy": functools.partial(f_np, *(x,) * arity),
                     "torch": functools.partial(f_torch, *(tx,) * arity)}, (), repeat)
        print(f"  {name:<7} numpy {t['numpy'] * 1e3:6.1f} ms   torch {t['torch'] * 1e3:6.1f} ms"
              f"   numpy/torch {t['numpy'] / t['torch']:.2f}")


if __name__ == "__main__":
    main()
