"""KL(N(0,1) || N(1,1)): one exact value and the sample-based numbers that confuse it.

This is symkl's first worked example (the story is in ORIGIN.md). A reader of *Dive into
Deep Learning* wanted the KL divergence between N(0,1) and N(1,1) and met three kinds of answer:

* **The exact value, 1/2 in both directions.** symkl derives the general closed form
  KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)) = log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)
  / (2 sigma2^2) - 1/2 as H(P,Q) - H(P), checks it against quadrature, and at
  (0,1) vs (1,1) it gives exactly 1/2 both ways. Each half is exact too:
  H(N(0,1), N(1,1)) = log sqrt(2 pi) + 1 and H(N(0,1)) = log sqrt(2 pi) + 1/2.
* **The book's numbers, 8582 and 14130.** The book applies the discrete formula
  sum p_i log(p_i/q_i) to sorted *raw samples*, which are not probabilities, so it gets numbers
  in the thousands that depend on the draw and mean nothing. Its 8582 is that recipe against
  N(-1,1), not N(1,1); against N(1,1) the same recipe gives 8828.
* **scipy's 0.256 and 0.255.** ``scipy.stats.entropy`` applied to density values at
  independent draws tends to 1/4 in both orders, not 1/2. At shared draws it estimates
  KL(N(0,1/2) || N(1/2,1/2)), which symkl shows is exactly 1/4.
* **The right sample-based estimate.** The Monte Carlo mean of log p(X) - log q(X), X ~ P,
  with its 95% confidence interval, which contains 1/2.

The numpy/scipy reproductions are in ``origin_numbers.py`` next to this file. Run
``python derivations/two_normals.py``. ``main()`` prints the sections and returns the key
numbers. The exact facts are asserted, so the script fails loudly if the maths breaks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

import symkl
from symkl.families import Normal

sys.path.insert(0, str(Path(__file__).parent))
import origin_numbers  # noqa: E402  (sibling module, found through the path set just above)

HALF = sp.Rational(1, 2)
QUARTER = sp.Rational(1, 4)
LOG_SQRT_2PI = sp.log(sp.sqrt(2 * sp.pi))
BOOK_PUBLISHED = {"P||Q (book)": 8582, "Q||P (book)": 14130, "P||Q (recomputed)": 8828}

ROUTE_NOTES = {
    "bregman": "both are exponential families: E_P[T(X)] = grad A(eta_P) turns "
               "H(P,Q) and H(P) into closed forms in the natural parameters",
}

_UNICODE = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8"


def _pretty(expr: sp.Basic) -> str:
    return sp.pretty(expr, use_unicode=_UNICODE)


def _indent(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def _section(title: str) -> None:
    print()
    print("=" * 78)
    print(title)
    print("=" * 78)


def _same(a: sp.Basic, b: sp.Basic) -> bool:
    return a == b or sp.simplify(a - b) == 0


def general_derivation() -> symkl.Result:
    """Section 1: derive, print and verify KL(N(mu1,sigma1^2) || N(mu2,sigma2^2))."""
    _section("1. Derivation of KL(N(mu1, sigma1^2) || N(mu2, sigma2^2))")
    r = symkl.kl(Normal(), Normal())
    note = ROUTE_NOTES.get(r.route, "")
    print(f"route: {r.route}" + (f"  ({note})" if note else ""))
    print(f"parameters: {', '.join(map(str, r.params))}")
    print("\nsteps:")
    for i, step in enumerate(r.steps, 1):
        print(f"  {i}. {step.label}:   {step.lhs}")
        print(_indent(_pretty(step.expr), "       "))
    labels = [s.label for s in r.steps]
    for needed in ("cross-entropy H(P,Q)", "entropy H(P)", "KL = H(P,Q) - H(P)"):
        assert needed in labels, f"missing step {needed!r}"
    by_label = {s.label: s.expr for s in r.steps}
    assert _same(by_label["cross-entropy H(P,Q)"] - by_label["entropy H(P)"], r.expr)
    assert _same(by_label["KL = H(P,Q) - H(P)"], r.expr)

    print("\nclosed form:")
    print(_indent(_pretty(r.expr)))
    mu1, sigma1, mu2, sigma2 = r.params
    textbook = sp.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - HALF
    assert _same(r.expr, textbook), r.expr
    print("\nLaTeX:")
    print(_indent(r.latex()))
    print("\n(r.latex(steps=True) renders the whole derivation as an aligned environment.)")

    report = r.verify()
    print("\nverification against mpmath quadrature of the definition:")
    print(_indent(str(report)))
    assert report.ok, "closed form disagrees with quadrature"
    return r


def exact_numbers(general: symkl.Result) -> dict[str, sp.Basic]:
    """Section 2: the exact KL both ways, and the cross-entropy and entropy it comes from."""
    _section("2. The exact numbers for N(0,1) and N(1,1)")
    P, Q = Normal(0, 1), Normal(1, 1)
    kl_pq, kl_qp = symkl.kl(P, Q).expr, symkl.kl(Q, P).expr
    assert kl_pq == HALF and kl_qp == HALF, (kl_pq, kl_qp)
    at_point = general.subs(mu1=0, sigma1=1, mu2=1, sigma2=1)
    assert at_point == HALF, at_point
    print(f"KL(N(0,1) || N(1,1)) = {kl_pq}")
    print(f"KL(N(1,1) || N(0,1)) = {kl_qp}")
    print(f"(the general formula at mu1=0, sigma1=1, mu2=1, sigma2=1 gives {at_point} too;\n"
          " with equal variances KL = (mu1-mu2)^2 / (2 sigma^2), symmetric in the means)")

    h_pq = symkl.cross_entropy(P, Q).expr
    h_p = symkl.entropy(P).expr
    assert sp.simplify(h_pq - (LOG_SQRT_2PI + 1)) == 0, h_pq
    assert sp.simplify(h_p - (LOG_SQRT_2PI + HALF)) == 0, h_p
    assert sp.simplify(h_pq - h_p - kl_pq) == 0
    print(f"\nH(N(0,1), N(1,1)) = {h_pq}  =  log sqrt(2 pi) + 1      ~ {float(h_pq):.6f}")
    print(f"H(N(0,1))         = {h_p}  =  log sqrt(2 pi) + 1/2    ~ {float(h_p):.6f}")
    print(f"KL = H(P,Q) - H(P) = (log sqrt(2 pi) + 1) - (log sqrt(2 pi) + 1/2) = "
          f"{sp.simplify(h_pq - h_p)}")
    return {"kl_pq": kl_pq, "kl_qp": kl_qp, "cross_entropy": h_pq, "entropy": h_p}


def sample_numbers() -> dict[str, object]:
    """Section 3: the book's and scipy's numbers (origin_numbers) and the exact limits 1/4."""
    _section("3. The sample-based numbers and what they really are")
    print("The book printed 8582 and 14130. Its 8582 is actually its recipe applied to\n"
          "P || N(-1,1); with N(1,1) the same recipe gives 8828. Whatever the seed, these are\n"
          "sums over raw sample values, not probabilities, so they mean nothing.\n")
    print("\n".join(origin_numbers.report_lines()))

    # The exact 1/4 behind scipy.stats.entropy.
    root_half = sp.sqrt(HALF)  # N(m, 1/2) has variance 1/2, so standard deviation sqrt(1/2)
    same_points = symkl.kl(Normal(sp.Integer(0), root_half), Normal(HALF, root_half)).expr
    assert same_points == QUARTER, same_points
    # Independent-draws reading: E_{N(0,1/2)}[log phi] - E_{N(0,1)}[log phi]
    #   = -H(N(0,1/2), N(0,1)) + H(N(0,1)).
    e_half = -symkl.cross_entropy(Normal(sp.Integer(0), root_half), Normal(0, 1)).expr
    e_one = -symkl.entropy(Normal(0, 1)).expr
    independent = sp.simplify(e_half - e_one)
    assert independent == QUARTER, independent
    print("\nExact limits of the scipy recipes, derived with symkl:")
    print(f"  same draws:        KL(N(0,1/2) || N(1/2,1/2)) = {same_points}")
    print(f"  independent draws: E_N(0,1/2)[log phi] - E_N(0,1)[log phi]\n"
          f"                     = -H(N(0,1/2), N(0,1)) + H(N(0,1))\n"
          f"                     = ({e_half}) - ({e_one}) = {independent}")
    print("  Both are 1/4, not 1/2: the reader's 0.256 and 0.255 are estimates of 1/4,\n"
          "  and they are nearly equal because the recipe is symmetric in the limit, not\n"
          "  because KL is.")

    book = origin_numbers.book_discrete_formula()
    scipy_small = origin_numbers.scipy_entropy_of_pdf_values()
    scipy_large = origin_numbers.scipy_entropy_limit()
    scipy_same = origin_numbers.scipy_entropy_same_points()
    return {"book": book, "book_published": dict(BOOK_PUBLISHED),
            "scipy_entropy": scipy_small, "scipy_entropy_large_n": scipy_large,
            "scipy_entropy_same_points": scipy_same,
            "kl_scipy_limit": same_points, "entropy_trick_limit": independent}


def monte_carlo(n: int = 10**6, seed: int = 0) -> dict[str, dict[str, object]]:
    """Section 4: the correct Monte Carlo estimate with a 95% interval, both directions."""
    _section("4. The correct sample-based estimate: Monte Carlo with a 95% interval")
    print(f"KL(P||Q) = E_P[log p(X) - log q(X)]: average over n = {n:,} draws X ~ P "
          f"(seed {seed}),\nstandard error sd/sqrt(n), normal-approximation 95% interval.\n")
    out: dict[str, dict[str, object]] = {}
    for name, args in (("KL(N(0,1)||N(1,1))", (0.0, 1.0, 1.0, 1.0)),
                       ("KL(N(1,1)||N(0,1))", (1.0, 1.0, 0.0, 1.0))):
        est, se = origin_numbers.monte_carlo_kl(*args, n=n, seed=seed)
        lo, hi = origin_numbers.confidence_interval(est, se, 0.95)
        covers = lo <= float(HALF) <= hi
        print(f"  {name}: {est:.5f} (s.e. {se:.5f}), 95% CI [{lo:.5f}, {hi:.5f}]; "
              f"exact 1/2 is {'inside' if covers else 'OUTSIDE'} the interval")
        out[name] = {"estimate": est, "se": se, "ci": (lo, hi), "contains_exact": covers}
    print("\nUnlike the recipes in section 3, this estimator converges to the exact 1/2.")
    return out


def main() -> dict[str, object]:
    """Print the four sections and return the exact values, sample numbers and MC estimates."""
    general = general_derivation()
    exact = exact_numbers(general)
    samples = sample_numbers()
    mc = monte_carlo()
    return {"kl_general": general.expr, "params": general.params, "route": general.route,
            **exact, **samples, "mc": mc}


if __name__ == "__main__":
    main()
