"""Benchmark: accuracy of the generated numpy KL functions against 50-digit mpmath (and torch's).

Run ``python bench/accuracy.py`` (every ordered pair of ``symkl.families.ALL`` with equal
``Family.kind``) or ``python bench/accuracy.py --families Normal,Gamma``.

For each pair that derives to a finite closed form within ``--budget`` seconds, seeded random
parameters are drawn (``--points`` per regime) in three regimes:

* wide   -- positive parameters log-uniform in [1e-3, 1e3], locations uniform in [-10, 10],
            probabilities uniform in (0, 1) and log-uniform down to 1e-12 from either end;
* large  -- positive parameters log-uniform in [1, 1e6] (large shapes and rates);
* near   -- same-family pairs only: Q = P perturbed by a relative difference of 1e-1, 1e-3, 1e-6,
            1e-9 or 1e-12 in every parameter (locations by that fraction of 1).

The truth is the closed form evaluated by mpmath at 50 digits on the same float64 inputs, with
two identities applied first, where 50 digits of the form as derived lose everything:
``c erf(x) - c`` spelled ``-c erfc(x)`` (:func:`symkl.special_forms.erf_complement`;
1 - erf(x) is 0 beyond x ~ 11, which dropped a term that can be 1e30) and
``c I_(-v)(x) - c I_v(x)`` spelled ``c (2/pi) sin(pi v) K_v(x)``
(:func:`symkl.special_forms.bessel_k_identity`; the I's cancel to e^(-2x) of their size,
which gave negative "KLs" for InverseGamma || Gumbel).  The relative
error |f - truth| / |truth| is reported as a max per pair and per regime.
Where the truth exceeds the largest float64 (1.8e308), +inf is the correctly rounded value and
counts as exact (error 0); NaN or a finite number there counts as inf.  For pairs that
``torch.distributions.kl_divergence`` implements (after checking that torch's parametrisation
gives the same log-density as symkl's), torch's error on the same points is shown beside it.
"""
from __future__ import annotations

import argparse
import math
import random
import time
import warnings

import mpmath
import numpy as np

import symkl
from symkl.families import ALL, BY_NAME

REGIMES = ("wide", "large", "near")
STEPS = (1e-1, 1e-3, 1e-6, 1e-9, 1e-12)
TARGET = 1e-12
FLOAT_MAX = mpmath.mpf(np.finfo(np.float64).max)


def draw(domain, rng: random.Random, regime: str) -> float:
    """One parameter value from its domain for a regime."""
    if domain.name == "Real":
        return rng.uniform(-10, 10)
    if domain.name == "Positive":
        lo, hi = (0.0, 6.0) if regime == "large" else (-3.0, 3.0)
        return 10 ** rng.uniform(lo, hi)
    if domain.name == "UnitInterval":
        tiny = 10 ** rng.uniform(-12, -1)
        return rng.choice((rng.uniform(0, 1), tiny, 1 - tiny))
    if domain.name == "PositiveInteger":
        return float(round(10 ** rng.uniform(0, 6 if regime == "large" else 2)))
    return float(domain.sample(rng))


def perturb(value: float, domain, step: float, rng: random.Random) -> float:
    sign = rng.choice((-1, 1))
    if domain.name == "PositiveInteger":
        return value
    if domain.name == "UnitInterval":
        return value + sign * step * min(value, 1 - value)
    if domain.name == "Real":
        return value + sign * step
    return value * (1 + sign * step)


def admissible(r, point: tuple[float, ...]) -> bool:
    """Whether the result's own conditions (a < b for a Uniform, probabilities summing to 1,
    a Piecewise's finiteness condition) hold at ``point``: the grid measures the closed form
    where it claims to be the KL, not at parameters outside its domain."""
    import sympy as sp
    values = {s: sp.Float(v, 30) for s, v in zip(r.params, point)}
    conditions = [*r.conditions, *r.P.constraints(), *r.Q.constraints()]
    if isinstance(r.expr, sp.Piecewise):
        conditions.append(r.expr.args[0].cond)
    return all(sp.simplify(c.xreplace(values)) == sp.true for c in conditions)


def points(r, rng: random.Random, n: int) -> dict[str, list[tuple[float, ...]]]:
    """Seeded admissible parameter tuples per regime, in ``r.params`` order."""
    domains = [r.domains[s] for s in r.params]
    out = {"wide": [], "large": [], "near": []}
    for regime in ("wide", "large"):
        for _ in range(20 * n):
            if len(out[regime]) == n:
                break
            p = tuple(draw(d, rng, regime) for d in domains)
            if admissible(r, p):
                out[regime].append(p)
    same = r.P.family is r.Q.family and len(r.params) == 2 * len(r.P.values)
    if same:
        k = len(r.P.values)
        for i in range(20 * n):
            if len(out["near"]) == n:
                break
            p = tuple(draw(d, rng, "large" if i % 4 == 3 else "wide") for d in domains[:k])
            step = STEPS[i % len(STEPS)]
            p = p + tuple(perturb(v, d, step, rng) for v, d in zip(p, domains))
            if admissible(r, p):
                out["near"].append(p)
    return out


def truths(r, pts) -> list[float | None]:
    """The closed form at 50 digits at each point (None where mpmath cannot evaluate it)."""
    from symkl.program import mpmath_function
    from symkl.special_forms import bessel_k_identity, erf_complement
    g = mpmath_function(bessel_k_identity(erf_complement(r.expr)), r.params)
    out = []
    k = len(r.P.values)
    same = r.P.family is r.Q.family and len(r.params) == 2 * k
    with mpmath.workdps(50):
        for p in pts:
            if same and p[:k] == p[k:]:  # P = Q exactly (a step below half an ulp): KL is 0,
                out.append(mpmath.mpf(0))  # where 50 digits of the closed form leave ~1e-50
                continue
            try:
                v = g(*[mpmath.mpf(x) for x in p])
                out.append(v if mpmath.isfinite(v) else None)
            except (ValueError, ZeroDivisionError, TypeError, OverflowError,
                    mpmath.libmp.NoConvergence):  # a series mpmath cannot sum there
                out.append(None)
    return out


def rel_errors(values, exact) -> list[float]:
    errs = []
    for v, t in zip(values, exact):
        if t is None:
            continue
        v = float(v)
        if math.isinf(v) and abs(t) > FLOAT_MAX and (v > 0) == (t > 0):
            errs.append(0.0)  # the true KL overflows float64: inf is the correctly rounded value
        elif not math.isfinite(v):
            errs.append(math.inf)
        elif t == 0:
            errs.append(abs(v))
        else:
            errs.append(float(abs((mpmath.mpf(v) - t) / t)))
    return errs


def torch_kl(r):
    """torch's KL for this pair on float64 tensors, or None when torch lacks the pair."""
    try:
        import torch
        import torch.distributions as D
    except ImportError:
        return None
    P, Q = r.P.family, r.Q.family
    cls_p, cls_q = getattr(D, P.name, None), getattr(D, Q.name, None)
    try:
        if cls_p is None or cls_q is None or not (_same_density(P, cls_p)
                                                  and _same_density(Q, cls_q)):
            return None
    except (ValueError, TypeError):  # e.g. Binomial's n drawn as a float: not comparable
        return None
    k = len(P.params)

    def kl(*values):
        t = [torch.as_tensor(np.asarray(v, dtype=float)) for v in values]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.distributions.kl_divergence(
                cls_p(*t[:k], validate_args=False), cls_q(*t[k:], validate_args=False)).numpy()
    try:
        kl(*[np.array([0.5])] * len(r.params))
    except NotImplementedError:
        return None
    return kl


def _same_density(family, cls) -> bool:
    """Does torch's class, given symkl's parameters in order, have symkl's log-density?"""
    import sympy as sp
    import torch
    rng = random.Random(1)
    values = [float(p.domain.sample(rng)) for p in family.params]
    x = sp.Symbol("x", real=True)
    inst = family(*values).bind(1)
    support = inst.support()
    point = 1.0 if family.discrete else float(support.inf + 1 if support.inf.is_finite else 0.3)
    if support.sup.is_finite and point >= float(support.sup):
        point = float((support.inf + support.sup) / 2)
    ours = float(inst.logpdf(x).subs(x, point))
    try:
        dist = cls(*[torch.tensor(v, dtype=torch.float64) for v in values], validate_args=False)
        theirs = float(dist.log_prob(torch.tensor(point, dtype=torch.float64)))
    except (TypeError, ValueError, NotImplementedError, RuntimeError):
        return False
    return abs(ours - theirs) < 1e-9 * max(1.0, abs(ours))


def pairs(families, budget):
    for P in families:
        for Q in families:
            if P.kind != Q.kind:
                continue
            t0 = time.perf_counter()
            try:
                r = symkl.kl(P(), Q(), budget=budget)
            except Exception as why:  # noqa: BLE001 - a pair that does not derive is reported
                yield P, Q, None, f"not derived: {type(why).__name__}", time.perf_counter() - t0
                continue
            if r.is_infinite or r.expr.has(__import__("sympy").Sum):
                yield P, Q, None, "infinite" if r.is_infinite else "series", 0.0
                continue
            yield P, Q, r, "", time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", help="comma-separated names (default: all)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per route to derive")
    ap.add_argument("--points", type=int, default=200, help="points per regime")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    families = ALL if not args.families else [BY_NAME[n.strip().lower()]
                                              for n in args.families.split(",")]
    print(f"max relative error vs mpmath (50 digits), {args.points} points per regime, "
          f"seed {args.seed}; target <= {TARGET:g}")
    head = f"{'pair':<26}{'wide':>10}{'large':>10}{'near':>10}  {'torch':>10}{'torch near':>11}"
    print(head)
    print("-" * len(head))
    failures, worse, rows, unknown = [], [], 0, 0
    np.seterr(all="ignore")
    for P, Q, r, why, _ in pairs(families, args.budget):
        name = f"{P.name} || {Q.name}"
        if r is None:
            if why.startswith("not"):
                print(f"{name:<26}{why}")
            continue
        rng = random.Random(f"{args.seed}-{name}")
        try:
            f = r.lambdify()
        except ValueError as why:  # e.g. a Meijer G: numpy has none (mpmath does)
            print(f"{name:<26}no numpy code: {why}")
            continue
        tk = torch_kl(r)
        cells, tcells, worst = [], [], 0.0
        for regime, pts in points(r, rng, args.points).items():
            if not pts:
                cells.append(f"{'-':>10}")
                continue
            exact = truths(r, pts)
            unknown += sum(t is None for t in exact)
            cols = [np.array(c) for c in zip(*pts)]
            ours = max(rel_errors(f(*cols), exact), default=0.0)
            worst = max(worst, ours)
            cells.append(f"{ours:>10.1e}")
            if tk is not None and regime != "large":
                theirs = max(rel_errors(tk(*cols), exact), default=0.0)
                tcells.append((regime, theirs))
                if theirs < ours and ours > TARGET:
                    worse.append(f"{name} ({regime})")
        shown = {reg: v for reg, v in tcells}
        tw = f"{shown['wide']:>10.1e}" if "wide" in shown else f"{'':>10}"
        tn = f"{shown['near']:>11.1e}" if "near" in shown else f"{'':>11}"
        print(f"{name:<26}{''.join(cells)}  {tw}{tn}", flush=True)
        rows += 1
        if worst > TARGET:
            failures.append(f"{name} ({worst:.1e})")
    print(f"\n{rows} pairs measured; over the target {TARGET:g}: {', '.join(failures) or 'none'}")
    print(f"points left out because mpmath could not evaluate the closed form there: {unknown}")
    print(f"worse than torch where over the target: {', '.join(worse) or 'none'}")


if __name__ == "__main__":
    main()
