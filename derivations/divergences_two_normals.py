"""KL's relatives for the origin pair N(0,1) and N(1,1): every divergence symkl knows.

symkl's first worked example (``two_normals.py``) is about KL(N(0,1) || N(1,1)) = 1/2.  This
one puts that number next to its relatives, all in nats, with the conventions of
:mod:`symkl.definitions` (I(alpha) = integral p^alpha q^(1 - alpha)):

* **A table for P = N(0,1), Q = N(1,1).**  KL = 1/2 both ways; Renyi D_alpha = alpha/2 both
  ways (1/4, 1, 3/2 at alpha = 1/2, 2, 3); Bhattacharyya B = 1/8; squared Hellinger
  H^2 = 1 - exp(-1/8); chi^2 = e - 1 both ways; Jeffreys J = 1.  Each row says whether the
  value is the same with P and Q swapped.  Bhattacharyya, Hellinger, Jeffreys, total variation
  and Jensen-Shannon are symmetric by definition; KL, Renyi and chi-square are not, yet here they
  are too, because the two variances are equal and only (mu1 - mu2)^2 enters.  Total variation
  and Jensen-Shannon are printed as closed forms when symkl derives them, and otherwise as
  labelled numeric (quadrature) values, never passed off as exact.
* **The general closed forms** between N(mu1, sigma1^2) and N(mu2, sigma2^2), from the
  log-partition (route ``bregman``): Renyi of symbolic order alpha (finite only where
  alpha sigma2^2 + (1 - alpha) sigma1^2 > 0), Bhattacharyya, squared Hellinger and chi-square
  (finite only where 2 sigma2^2 > sigma1^2).  Each has its LaTeX and is checked against mpmath
  quadrature of the definition.
* **The relations between them**: D_{1/2} = 2 B, H^2 = 1 - exp(-B), chi^2 = exp(D_2) - 1 and
  D_alpha -> KL as alpha -> 1.  They are checked at the origin pair (exactly and as floats) and
  for all parameters (symbolically).

Run ``python derivations/divergences_two_normals.py``.  ``main()`` prints the three sections and
returns the values.  The known exact values are asserted, so the script fails loudly if the
maths breaks.
"""

from __future__ import annotations

import sympy as sp

import symkl
from symkl.families import Normal

P, Q = Normal(0, 1), Normal(1, 1)
HALF = sp.Rational(1, 2)
E = sp.E

#: exact values at the origin pair, known by hand (alpha/2 for Renyi with equal variances)
KNOWN = {
    "kl": HALF,
    "renyi_half": sp.Rational(1, 4),
    "renyi_2": sp.Integer(1),
    "renyi_3": sp.Rational(3, 2),
    "bhattacharyya": sp.Rational(1, 8),
    "hellinger": 1 - sp.exp(-sp.Rational(1, 8)),
    "chi_square": E - 1,
    "jeffreys": sp.Integer(1),
}
#: for equal variances TV(N(m1, s^2), N(m2, s^2)) = erf(|m1 - m2| / (2 sqrt(2) s)), a textbook
#: fact used here only as an independent cross-check of whatever symkl returns
TV_REFERENCE = sp.erf(1 / (2 * sp.sqrt(2)))
SYMMETRIC_BY_DEFINITION = ("bhattacharyya", "hellinger", "jeffreys", "total_variation",
                           "jensen_shannon")
EXPENSIVE = ("total_variation", "jensen_shannon")


def _section(title: str) -> None:
    print()
    print("=" * 78)
    print(title)
    print("=" * 78)


def _indent(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def _same(a: sp.Basic, b: sp.Basic) -> bool:
    return a == b or sp.simplify(a - b) == 0


def _value(name: str, first, second, alpha=None) -> dict[str, object]:
    """The divergence at (first, second): a closed form, or a labelled numeric value."""
    try:
        r = symkl.divergence(name, first, second, alpha=alpha)
    except symkl.NotDerivable as why:
        num = why.numeric()  # numeric instances: no parameter values to give
        return {"exact": None, "float": float(num.value), "error": num.error,
                "label": num.label, "reasons": why.reasons}
    assert not r.conditions, (name, r.conditions)  # numeric instances: nothing left to assume
    return {"exact": r.expr, "float": float(r.expr), "route": r.route}


# (key, label, symkl name, alpha, directed)
ROWS = (
    ("kl", "KL", "kl", None, True),
    ("renyi_half", "Renyi alpha=1/2", "renyi", HALF, True),
    ("renyi_2", "Renyi alpha=2", "renyi", 2, True),
    ("renyi_3", "Renyi alpha=3", "renyi", 3, True),
    ("bhattacharyya", "Bhattacharyya B", "bhattacharyya", None, False),
    ("hellinger", "sq. Hellinger H^2", "hellinger", None, False),
    ("chi_square", "chi-square", "chi_square", None, True),
    ("jeffreys", "Jeffreys J", "jeffreys", None, False),
    ("total_variation", "total variation", "total_variation", None, False),
    ("jensen_shannon", "Jensen-Shannon", "jensen_shannon", None, False),
)


def _symmetry(key: str, forward: dict, backward: dict | None) -> str:
    if backward is None:  # not recomputed: see table()
        return "yes (by definition)"
    if forward["exact"] is not None and backward["exact"] is not None:
        equal = _same(forward["exact"], backward["exact"])
    else:
        tol = 10 * max(forward.get("error", 0.0), backward.get("error", 0.0), 1e-12)
        equal = abs(forward["float"] - backward["float"]) <= tol
    if key in SYMMETRIC_BY_DEFINITION:
        assert equal, (key, forward, backward)
        return "yes (by definition)"
    return "yes (here)" if equal else "no"


def table() -> dict[str, dict]:
    """Section 1: every divergence at the origin pair, exact and float, with symmetry."""
    _section("1. Every divergence for P = N(0,1), Q = N(1,1)  (nats)")
    values: dict[str, dict] = {}
    lines = []
    for key, label, name, alpha, directed in ROWS:
        forward = _value(name, P, Q, alpha)
        # the reverse direction: always for directed ones, and as a check for the cheap
        # symmetric ones (total variation and Jensen-Shannon are symmetric by their integrands;
        # recomputing them, by integration or quadrature, would only cost time)
        backward = (_value(name, Q, P, alpha) if directed or name not in EXPENSIVE else None)
        symmetric = _symmetry(key, forward, backward)
        values[key] = forward
        pairs = [("(P||Q)" if directed else "(P,Q)", forward)]
        if directed:
            values[key + "_qp"] = backward
            pairs.append(("(Q||P)", backward))
        for suffix, v in pairs:
            exact = str(v["exact"]) if v["exact"] is not None else "numeric, see below"
            lines.append((f"{label} {suffix}", exact, f"{v['float']:.12f}", symmetric))

    header = ("divergence", "exact value", "float", "symmetric here?")
    widths = [max(len(row[i]) for row in lines + [header]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*header))
    print(fmt.format(*("-" * w for w in widths)))
    for row in lines:
        print(fmt.format(*row))

    numeric = [(k, v) for k, v in values.items() if v["exact"] is None]
    if numeric:
        print("\nNo closed form yet (symkl.NotDerivable), so these are quadrature values:")
        for key, v in numeric:
            print(f"  {key}: {v['float']:.12f} +- {v['error']:.1e}  [{v['label']}]")
            for route, why in v["reasons"].items():
                print(f"      ({route}: {why})")
    print("\nWith equal variances every divergence here depends on the means only through\n"
          "(mu1 - mu2)^2, so even the directed ones (KL, Renyi, chi-square) are symmetric\n"
          "for this pair; with unequal variances they are not.")

    # The exact values known by hand.
    for key, expected in KNOWN.items():
        got = values[key]["exact"]
        assert got is not None and _same(got, expected), (key, got, expected)
        if key + "_qp" in values:
            back = values[key + "_qp"]["exact"]
            assert back is not None and _same(back, expected), (key + "_qp", back, expected)
    # Total variation against the textbook erf form (closed or numeric, whichever symkl gave).
    tv = values["total_variation"]
    if tv["exact"] is not None:
        assert _same(tv["exact"], TV_REFERENCE), tv["exact"]
    assert abs(tv["float"] - float(TV_REFERENCE)) < 1e-4, tv
    print(f"\nCross-check: for equal variances TV = erf(|mu1 - mu2| / (2 sqrt(2) sigma)),\n"
          f"here {TV_REFERENCE} = {float(TV_REFERENCE):.12f}; symkl's value differs by "
          f"{abs(tv['float'] - float(TV_REFERENCE)):.1e}.")
    js = values["jensen_shannon"]
    assert 0 < js["float"] < float(sp.log(2)), js  # JS is at most log 2
    return values


GENERAL = (
    ("Renyi of order alpha", lambda: symkl.renyi(Normal(), Normal(), "alpha")),
    ("Bhattacharyya", lambda: symkl.bhattacharyya(Normal(), Normal())),
    ("squared Hellinger", lambda: symkl.hellinger(Normal(), Normal())),
    ("chi-square", lambda: symkl.chi_square(Normal(), Normal())),
)


def general_forms() -> dict[str, symkl.Result]:
    """Section 2: the general closed forms with symbols, their conditions, LaTeX and checks."""
    _section("2. General closed forms between N(mu1, sigma1^2) and N(mu2, sigma2^2)")
    out: dict[str, symkl.Result] = {}
    for label, make in GENERAL:
        r = make()
        print(f"\n{label}  [route {r.route}; parameters {', '.join(map(str, r.params))}]")
        print(_indent(str(r.expr)))
        if r.conditions:
            print("  finite (valid) only where: "
                  + "; ".join(str(c) for c in r.conditions)
                  + "  (otherwise the power integral diverges)")
        print("  LaTeX:")
        print(_indent(r.latex()))
        report = r.verify()
        print("  check against mpmath quadrature of the definition:")
        print(_indent(str(report)))
        assert report.ok, f"{label}: closed form disagrees with quadrature"
        out[r.quantity] = r

    # The conditions are alpha sigma2^2 + (1 - alpha) sigma1^2 > 0 and 2 sigma2^2 > sigma1^2.
    renyi, chi = out["renyi"], out["chi_square"]
    _, s1, _, s2, alpha = renyi.params
    assert len(renyi.conditions) == 1 and isinstance(renyi.conditions[0], sp.StrictGreaterThan)
    assert _same(renyi.conditions[0].lhs - renyi.conditions[0].rhs,
                 alpha * s2**2 + (1 - alpha) * s1**2), renyi.conditions
    _, s1, _, s2 = chi.params
    assert len(chi.conditions) == 1 and isinstance(chi.conditions[0], sp.StrictGreaterThan)
    assert _same(chi.conditions[0].lhs - chi.conditions[0].rhs, 2 * s2**2 - s1**2), chi.conditions
    return out


def relations(values: dict[str, dict], general: dict[str, symkl.Result]) -> dict[str, sp.Expr]:
    """Section 3: D_{1/2} = 2B, H^2 = 1 - exp(-B), chi^2 = exp(D_2) - 1, D_alpha -> KL."""
    _section("3. Relations between them")
    b = values["bhattacharyya"]["exact"]
    d_half, d_2 = values["renyi_half"]["exact"], values["renyi_2"]["exact"]
    h2, chi = values["hellinger"]["exact"], values["chi_square"]["exact"]
    checks = (
        ("D_{1/2} = 2 B", d_half, 2 * b),
        ("H^2 = 1 - exp(-B)", h2, 1 - sp.exp(-b)),
        ("chi^2 = exp(D_2) - 1", chi, sp.exp(d_2) - 1),
    )
    print("At P = N(0,1), Q = N(1,1):")
    for label, lhs, rhs in checks:
        assert _same(lhs, rhs), (label, lhs, rhs)
        print(f"  {label:<22} {str(lhs):>14} = {str(rhs):<14}  "
              f"({float(lhs):.12f} vs {float(rhs):.12f})")

    at_pair = symkl.renyi(P, Q, "alpha")
    a = at_pair.order
    limit = sp.limit(at_pair.expr, a, 1)
    kl = values["kl"]["exact"]
    assert _same(limit, kl), (limit, kl)
    print(f"  D_alpha(P||Q) = {at_pair.expr} for every alpha > 0; "
          f"limit alpha -> 1: {limit} = KL = {kl}")

    # The same relations for all parameters, symbolically.
    g_b = general["bhattacharyya"].expr
    g_half = symkl.renyi(Normal(), Normal(), HALF).expr
    g_2 = symkl.renyi(Normal(), Normal(), 2).expr
    assert sp.simplify(g_half - 2 * g_b) == 0
    assert sp.simplify(general["hellinger"].expr - (1 - sp.exp(-g_b))) == 0
    assert sp.simplify(general["chi_square"].expr - (sp.exp(g_2) - 1)) == 0
    g_renyi = general["renyi"]
    g_limit = sp.limit(g_renyi.expr, g_renyi.order, 1)
    g_kl = symkl.kl(Normal(), Normal()).expr
    assert sp.simplify(g_limit - g_kl) == 0, (g_limit, g_kl)
    print("\nFor all mu1, sigma1, mu2, sigma2 (simplify(difference) == 0): D_{1/2} = 2 B,\n"
          "H^2 = 1 - exp(-B), chi^2 = exp(D_2) - 1 (where finite), and the limit of the\n"
          "general D_alpha as alpha -> 1 is the general KL:")
    print(_indent(str(g_kl)))
    return {"renyi_alpha_at_pair": at_pair.expr, "renyi_limit_alpha_to_1": limit,
            "renyi_limit_general": g_limit}


def main() -> dict[str, object]:
    """Print the three sections; return the values at the origin pair and the general forms."""
    values = table()
    general = general_forms()
    rel = relations(values, general)
    out: dict[str, object] = {}
    for key, v in values.items():
        out[key] = v["exact"] if v["exact"] is not None else v["float"]
        out[key + "_is_numeric"] = v["exact"] is None
    out.update({f"{name}_general": r.expr for name, r in general.items()})
    out["renyi_condition"] = general["renyi"].conditions[0]
    out["chi_square_condition"] = general["chi_square"].conditions[0]
    out.update(rel)
    return out


if __name__ == "__main__":
    main()
