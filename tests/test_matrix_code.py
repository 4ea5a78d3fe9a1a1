"""Numeric functions of symbolic-dimension results: batched linear algebra (symkl.matrix_code),
checked against the concrete-dimension functions, torch's own KL and mpmath."""
import mpmath
import numpy as np
import pytest

import symkl
from symkl.families.mvnormal import MultivariateNormal

F = MultivariateNormal("k")
NAMES = ["kl", "renyi", "bhattacharyya", "hellinger", "chi_square", "jeffreys"]


def _spd(rng, k, scale=1.0):
    a = rng.normal(size=(k, k))
    return scale * (a @ a.T + k * np.eye(k))


@pytest.fixture(scope="module")
def results():
    return {n: (symkl.renyi(F(), F(), "a") if n == "renyi" else symkl.divergence(n, F(), F()))
            for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_matrix_function_equals_the_concrete_dimension_function(results, name):
    """k = 2: the batched matrix code against MultivariateNormal(2)'s own lambdified entries
    (a different derivation path and a different code path) on 50 seeded points."""
    rng = np.random.default_rng(1)
    f = results[name].lambdify()
    concrete = (symkl.renyi(MultivariateNormal(2)(), MultivariateNormal(2)(), "a")
                if name == "renyi" else
                symkl.divergence(name, MultivariateNormal(2)(), MultivariateNormal(2)()))
    g = concrete.lambdify()
    finite = 0
    for _ in range(50):
        m1, m2 = rng.normal(size=2), rng.normal(size=2)
        S1, S2 = _spd(rng, 2), _spd(rng, 2, scale=1.5)
        extra = [0.7] if name == "renyi" else []
        with np.errstate(invalid="ignore"):
            got = f(m1, S1, m2, S2, *extra)
        want = g(m1[0], m1[1], S1[0, 0], S1[0, 1], S1[1, 1],
                 m2[0], m2[1], S2[0, 0], S2[0, 1], S2[1, 1], *extra)
        # outside the condition the divergence is +inf: the matrix code says so, the entry-wise
        # code gives NaN (documented; validate=True raises there)
        assert np.isclose(got, want, rtol=1e-12, atol=1e-14) or (got == np.inf
                                                                   and np.isnan(want))
        finite += bool(np.isfinite(got))
    assert finite >= 25


def test_matrix_kl_broadcasts_and_agrees_with_mpmath():
    """A stack of 6 pairs in dimension 5 at once, each against a 30-digit mpmath evaluation of
    (tr(S2^-1 S1) + d^T S2^-1 d - k + log det S2 - log det S1)/2 (oracle typed in)."""
    rng = np.random.default_rng(2)
    k = 5
    M1, M2 = rng.normal(size=(6, k)), rng.normal(size=(6, k))
    S1 = np.stack([_spd(rng, k) for _ in range(6)])
    S2 = np.stack([_spd(rng, k) for _ in range(6)])
    got = symkl.kl(F(), F()).lambdify()(M1, S1, M2, S2)
    assert got.shape == (6,)
    with mpmath.workdps(30):
        for i in range(6):
            A, B = mpmath.matrix(S1[i].tolist()), mpmath.matrix(S2[i].tolist())
            d = mpmath.matrix((M1[i] - M2[i]).tolist())
            Bi = B ** -1
            tr = sum((Bi * A)[j, j] for j in range(k))
            want = (tr + (d.T * Bi * d)[0] - k + mpmath.log(mpmath.det(B) / mpmath.det(A))) / 2
            assert abs(got[i] - float(want)) < 1e-12 * abs(float(want))


def test_matrix_kl_agrees_with_torch_in_dimension_4():
    torch = pytest.importorskip("torch")
    from torch.distributions import MultivariateNormal as TorchMVN
    from torch.distributions import kl_divergence
    rng = np.random.default_rng(3)
    m1, m2 = rng.normal(size=4), rng.normal(size=4)
    S1, S2 = _spd(rng, 4), _spd(rng, 4)
    ours = symkl.kl(F(), F()).lambdify(backend="torch")(
        torch.tensor(m1), torch.tensor(S1), torch.tensor(m2), torch.tensor(S2))
    theirs = kl_divergence(TorchMVN(torch.tensor(m1), torch.tensor(S1)),
                           TorchMVN(torch.tensor(m2), torch.tensor(S2)))
    assert abs(float(ours) - float(theirs)) < 1e-12 * abs(float(theirs))
    numpy_value = symkl.kl(F(), F()).lambdify()(m1, S1, m2, S2)
    assert abs(float(ours) - numpy_value) < 1e-13


def test_chi_square_is_infinite_where_the_mixture_is_not_positive_definite(results):
    """chi^2 = +inf unless 2 Sigma2 - Sigma1 is positive definite: inf there, not NaN."""
    f = results["chi_square"].lambdify()
    m = np.zeros(2)
    assert f(m, 3 * np.eye(2), m, np.eye(2)) == np.inf
    assert abs(f(m, np.eye(2), m, np.eye(2))) < 1e-15


def test_matrix_function_errors_are_clear(results):
    with pytest.raises(ValueError, match="known: numpy, torch"):
        results["kl"].lambdify(backend="jax")
    with pytest.raises(ValueError, match="value only"):
        results["kl"].lambdify(of="gradient")


def test_matrix_source_uses_solve_and_slogdet(results):
    """S^-1 d is solve(S, d) and log det is slogdet: no explicit inverse, no det overflow."""
    source = results["kl"].lambdify().__doc__
    assert "solve(" in source and "slogdet(" in source
    big = 1e3 * np.eye(200)  # det = 1e600 overflows; slogdet does not
    value = results["kl"].lambdify()(np.zeros(200), big, np.zeros(200), 2 * big)
    assert abs(value - 100 * (np.log(2) + 0.5 - 1)) < 1e-9
