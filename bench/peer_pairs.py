"""Data: the ordered pairs (P, Q) for which a peer gives KL(P || Q) in closed form (or as +oo).

``PEER_PAIRS[(P, Q)]`` is the tuple of peers that have the pair; ``INFINITE[(P, Q)]`` says when a
peer returns +oo because supp P is not inside supp Q ("always", or "depends" on the parameters).
Names are symkl's family names.  Run ``python bench/peer_pairs.py`` for a summary.

Peers and how the pairs were collected (read, not executed):

* ``torch``: ``torch/distributions/kl.py`` (PyTorch main branch, read through the public source
  index; torch was not installed here).  Every ``@register_kl(P, Q)``, plus what its dispatch by
  subclass adds: ``Chi2`` subclasses ``Gamma``, so it inherits every Gamma pair on either side;
  ``OneHotCategorical`` is mapped to Categorical and ``LowRankMultivariateNormal`` to
  MultivariateNormal; the generic ``ExponentialFamily || ExponentialFamily`` (same type) and
  ``TransformedDistribution || TransformedDistribution`` (equal transforms) rules give
  LogNormal || LogNormal and HalfCauchy || HalfCauchy (the transform has no parameters);
  Weibull and Kumaraswamy are left out (their transforms carry the parameters, so they differ
  between P and Q and torch raises NotImplementedError).
* ``tfp``: TensorFlow Probability's ``@kullback_leibler.RegisterKL(P, Q)`` in
  ``tensorflow_probability/python/distributions/*.py`` (located in the public source index).
  TFP's Exponential subclasses Gamma, which gives Exponential || Gamma and Gamma || Exponential.
* ``gil2013``: M. Gil, F. Alajaji, T. Linder, "Renyi divergence measures for commonly used
  univariate continuous distributions", Information Sciences 249 (2013) 124-131, Table 2
  (KL as the alpha -> 1 limit); same-family pairs only.
* ``penny2001``: W. D. Penny, "KL-divergences of Normal, Gamma, Dirichlet and Wishart densities",
  technical report, Wellcome Department of Cognitive Neurology, UCL (2001).
* ``bsp``: The Book of Statistical Proofs (statproofbook.github.io), the "-kl" proofs present
  in its repository: bern-kl, bin-kl, cuni-kl, duni-kl, dir-kl, gam-kl, matn-kl, mvn-kl, ng-kl,
  norm-kl, wish-kl.

>>> PEER_PAIRS[("Normal", "Normal")]
('torch', 'tfp', 'gil2013', 'penny2001', 'bsp')
>>> INFINITE[("Normal", "Exponential")]
'always'
"""
from __future__ import annotations

_TORCH_SAME = ("Bernoulli", "Beta", "Binomial", "Categorical", "ContinuousBernoulli", "Dirichlet",
               "Exponential", "Gamma", "Gumbel", "Geometric", "HalfNormal", "Laplace",
               "MultivariateNormal", "Normal", "Pareto", "Poisson", "Uniform", "Independent",
               "Cauchy", "ChiSquared", "LogNormal", "HalfCauchy")
_TORCH_CROSS = (
    ("Bernoulli", "Poisson"),
    ("Beta", "ContinuousBernoulli"), ("Beta", "Exponential"), ("Beta", "Gamma"),
    ("Beta", "Normal"), ("Beta", "Uniform"), ("Beta", "Pareto"),
    ("ContinuousBernoulli", "Exponential"), ("ContinuousBernoulli", "Normal"),
    ("ContinuousBernoulli", "Uniform"), ("ContinuousBernoulli", "Pareto"),
    ("Exponential", "Gamma"), ("Exponential", "Gumbel"), ("Exponential", "Normal"),
    ("Exponential", "Beta"), ("Exponential", "ContinuousBernoulli"), ("Exponential", "Pareto"),
    ("Exponential", "Uniform"),
    ("Gamma", "Exponential"), ("Gamma", "Gumbel"), ("Gamma", "Normal"), ("Gamma", "Beta"),
    ("Gamma", "ContinuousBernoulli"), ("Gamma", "Pareto"), ("Gamma", "Uniform"),
    ("Gumbel", "Normal"), ("Gumbel", "Beta"), ("Gumbel", "ContinuousBernoulli"),
    ("Gumbel", "Exponential"), ("Gumbel", "Gamma"), ("Gumbel", "Pareto"), ("Gumbel", "Uniform"),
    ("Laplace", "Normal"), ("Laplace", "Beta"), ("Laplace", "ContinuousBernoulli"),
    ("Laplace", "Exponential"), ("Laplace", "Gamma"), ("Laplace", "Pareto"),
    ("Laplace", "Uniform"),
    ("Normal", "Gumbel"), ("Normal", "Laplace"), ("Normal", "Beta"),
    ("Normal", "ContinuousBernoulli"), ("Normal", "Exponential"), ("Normal", "Gamma"),
    ("Normal", "Pareto"), ("Normal", "Uniform"),
    ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Pareto", "Beta"),
    ("Pareto", "ContinuousBernoulli"), ("Pareto", "Uniform"),
    ("Poisson", "Bernoulli"), ("Poisson", "Binomial"),
    ("Uniform", "Beta"), ("Uniform", "ContinuousBernoulli"), ("Uniform", "Exponential"),
    ("Uniform", "Gamma"), ("Uniform", "Gumbel"), ("Uniform", "Normal"), ("Uniform", "Pareto"),
)
# torch.distributions.Chi2 subclasses Gamma: it takes Gamma's place on either side of a pair
_TORCH_CHI2 = tuple({(p.replace("Gamma", "ChiSquared"), q) for p, q in _TORCH_CROSS if p == "Gamma"}
                    | {(p, q.replace("Gamma", "ChiSquared")) for p, q in _TORCH_CROSS
                       if q == "Gamma"}
                    | {("ChiSquared", "Gamma"), ("Gamma", "ChiSquared")})

_TFP_SAME = ("Bernoulli", "Beta", "Categorical", "Chi", "ChiSquared", "Dirichlet", "Exponential",
             "Gamma", "Gumbel", "HalfNormal", "Laplace", "LogNormal", "MultivariateNormal",
             "Normal", "Pareto", "Uniform", "VonMises", "Weibull", "Independent")
_TFP_CROSS = (("Exponential", "Gamma"), ("Gamma", "Exponential"))

_GIL_SAME = ("Beta", "Chi", "ChiSquared", "Dirichlet", "Exponential", "Gamma", "Gumbel",
             "HalfNormal", "Laplace", "Levy", "LogNormal", "MultivariateNormal", "Normal", "Pareto",
             "Rayleigh", "Uniform", "Weibull")
_PENNY_SAME = ("Normal", "MultivariateNormal", "Gamma", "Dirichlet", "Wishart")
_BSP_SAME = ("Bernoulli", "Binomial", "Uniform", "DiscreteUniform", "Dirichlet", "Gamma",
             "MatrixNormal", "MultivariateNormal", "NormalGamma", "Normal", "Wishart")

_PEERS = {
    "torch": tuple((f, f) for f in _TORCH_SAME) + _TORCH_CROSS + _TORCH_CHI2,
    "tfp": tuple((f, f) for f in _TFP_SAME) + _TFP_CROSS,
    "gil2013": tuple((f, f) for f in _GIL_SAME),
    "penny2001": tuple((f, f) for f in _PENNY_SAME),
    "bsp": tuple((f, f) for f in _BSP_SAME),
}


def _collect() -> dict[tuple[str, str], tuple[str, ...]]:
    """Invert ``_PEERS``: each ordered pair with the peers that have it, in peer order."""
    out: dict[tuple[str, str], list[str]] = {}
    for peer, pairs in _PEERS.items():
        for pair in pairs:
            if peer not in out.setdefault(pair, []):
                out[pair].append(peer)
    return {pair: tuple(peers) for pair, peers in sorted(out.items())}


PEER_PAIRS: dict[tuple[str, str], tuple[str, ...]] = _collect()

_UNBOUNDED = ("Normal", "Laplace", "Gumbel")  # supported on the whole line
_HALF_LINE = ("Exponential", "Gamma", "ChiSquared")  # supported on (0, oo)
_BOUNDED_OR_SHIFTED = ("Beta", "ContinuousBernoulli", "Uniform", "Pareto")
# +oo because supp P is not inside supp Q: "always", or "depends" on the parameters (Uniform's
# ends, Pareto's scale); torch returns +oo (or masks it to +oo) for each of these.
INFINITE: dict[tuple[str, str], str] = {
    **{(p, q): "always" for p in _UNBOUNDED
       for q in _BOUNDED_OR_SHIFTED + _HALF_LINE if (p, q) in PEER_PAIRS},
    **{(p, q): "always" for p in _HALF_LINE + ("Pareto",)
       for q in _BOUNDED_OR_SHIFTED if p != q and (p, q) in PEER_PAIRS},
    ("Beta", "Pareto"): "always", ("ContinuousBernoulli", "Pareto"): "always",
    ("Poisson", "Bernoulli"): "always", ("Poisson", "Binomial"): "always",
    ("Beta", "Uniform"): "depends", ("ContinuousBernoulli", "Uniform"): "depends",
    ("Uniform", "Uniform"): "depends", ("Pareto", "Pareto"): "depends",
    ("Uniform", "Pareto"): "depends", ("Uniform", "Beta"): "depends",
    ("Uniform", "ContinuousBernoulli"): "depends", ("Uniform", "Exponential"): "depends",
    ("Uniform", "Gamma"): "depends", ("Uniform", "ChiSquared"): "depends",
    ("Binomial", "Binomial"): "depends",
}


def main() -> None:
    """Print how many ordered pairs each peer has, and the union."""
    for peer, pairs in _PEERS.items():
        print(f"{peer:10s} {len(set(pairs)):4d} ordered pairs")
    finite = [p for p in PEER_PAIRS if p not in INFINITE]
    print(f"{'union':10s} {len(PEER_PAIRS):4d} ordered pairs "
          f"({len(finite)} finite; by support {len(INFINITE)} infinite, "
          f"{sum(v == 'depends' for v in INFINITE.values())} of them only for some parameters)")


if __name__ == "__main__":
    main()
