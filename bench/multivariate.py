"""Outcome, derivation time and verification error of each multivariate pair.

Run: ``python bench/multivariate.py [--full3]`` (``--full3`` adds the full-covariance k = 3 normal,
which takes about a minute to derive).  Each pair is derived once in this process (no cache
warm-up), with no time budget, then checked with ``Result.verify()``.
"""
from __future__ import annotations

import sys
import time


def pairs(full3: bool):
    """(label, P, Q) for every multivariate pair measured."""
    from symkl.families import Beta, Exponential, Gamma, Normal
    from symkl.families.dirichlet import Dirichlet
    from symkl.families.independent import Independent
    from symkl.families.mvnormal import DiagonalNormal, IsotropicNormal, MultivariateNormal
    from symkl.families.wishart import Wishart
    out = [(F.name, F(), F()) for F in (
        MultivariateNormal(2), DiagonalNormal(2), DiagonalNormal(3), IsotropicNormal(2),
        IsotropicNormal(3), Dirichlet(2), Dirichlet(3), MultivariateNormal("k"), Wishart(2))]
    if full3:
        out.append(("MultivariateNormal3", MultivariateNormal(3)(), MultivariateNormal(3)()))
    for P, Q in [(Independent(Normal, 2), Independent(Normal, 2)),
                 (Independent(Normal, 3), Independent(Normal, 3)),
                 (Independent(Exponential, Normal), Independent(Gamma, Normal)),
                 (Independent(Beta, Gamma), Independent(Beta, Gamma)),
                 (Independent(Normal, Exponential), Independent(Exponential, Normal))]:
        out.append((f"{P.name} || {Q.name}", P(), Q()))
    return out


def main(argv: list[str]) -> None:
    import symkl
    for label, P, Q in pairs("--full3" in argv):
        start = time.perf_counter()
        try:
            r = symkl.derive("kl", P, Q, budget=None)
        except symkl.NotDerivable as why:
            print(f"{label:55s} NotDerivable ({time.perf_counter() - start:.1f} s): {why}")
            continue
        derived = time.perf_counter() - start
        start = time.perf_counter()
        report = r.verify(points=2)
        checked = time.perf_counter() - start
        outcome = "infinite" if r.is_infinite else "closed form"
        print(f"{label:55s} {outcome:11s} route={r.route:9s} derive {derived:5.1f} s  "
              f"verify {'PASS' if report.ok else 'FAIL'} max err {report.max_error:.1e} "
              f"(tol {report.tol:g}) {checked:5.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
