"""The Cayley chart of LiePoissonHJ on the quadratic groups (u(n), su(n), so(n), so(3), sp(n)):
the isospectral midpoint method, Poisson, symmetric, Casimirs to round-off, orders 2 and 4,
and refused where there is no Cayley chart."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import (LiePoissonHJ, LiePoissonSystem, ScipyIVP, heisenberg, integrate, se3, sl, so, so3, sp,
                        su, u)
from liepoisson.diagnostics import empirical_order, poisson_defect
from liepoisson.exceptions import InvalidArgumentError


def _quadratic_system(algebra, seed: int = 0):
    """H = 1/2 sum_k lam_k c_k^2 in dual coordinates c (a Zeitlin-like quadratic energy)."""
    lam = 0.5 + np.random.default_rng(seed).random(algebra.dim)
    return LiePoissonSystem(
        algebra,
        lambda mu: 0.5 * np.sum(lam * algebra.dual_to_coords(mu) ** 2, axis=-1),
        gradient=lambda mu: algebra.from_coords(lam * algebra.dual_to_coords(mu)),
        hessian_vector=lambda mu, v: algebra.from_coords(lam * algebra.dual_to_coords(v)),
    )


def _random_covector(algebra, seed: int, scale: float = 1.0):
    c = np.random.default_rng(seed).standard_normal(algebra.dim)
    return algebra.dual_from_coords(scale * c / np.linalg.norm(c))


def _isospectral_midpoint(system, W, h, iterations=200):
    """The isospectral midpoint method written from its equations: the midpoint
    nu = W - (h/2)[xi, nu]_+ ... solved by plain fixed-point iteration, with
    W = (I + xi/2) nu (I - xi/2), xi = h grad H(nu), and W_next = (I - xi/2) nu (I + xi/2)."""
    eye = np.eye(W.shape[-1])
    nu = W
    for _ in range(iterations):
        xi = h * system.gradient(nu)
        nu = W - 0.5 * (xi @ nu - nu @ xi) + 0.25 * xi @ nu @ xi
    xi = h * system.gradient(nu)
    return (eye - 0.5 * xi) @ nu @ (eye + 0.5 * xi)


@pytest.mark.parametrize("algebra", [su(3), su(5), u(4)], ids=str)
def test_cayley_step_is_the_isospectral_midpoint_method(algebra):
    system = _quadratic_system(algebra)
    for seed in range(3):
        W = _random_covector(algebra, seed)
        ours = LiePoissonHJ(order=2, chart="cayley").step(system, W, 0.1)
        assert np.max(np.abs(ours - _isospectral_midpoint(system, W, 0.1))) <= 1e-14


def _hat(v):
    """The skew matrix of a 3-vector: so(3)'s ad, its defining representation."""
    return so3().ad(v)


def _vee(M):
    """The 3-vector of a skew matrix (the inverse of :func:`_hat`)."""
    return np.array([M[2, 1], M[0, 2], M[1, 0]])


@pytest.mark.parametrize("algebra", [so3(), so(3)], ids=["so3()", "so(3)"])
def test_cayley_step_on_so3_is_the_isospectral_midpoint_method_on_skew_matrices(algebra):
    """The same method written on the skew matrices hat(mu) (transpose for the Hermitian
    transpose): W_next = (I - X/2) N (I + X/2) with hat(mu) = (I + X/2) N (I - X/2)."""
    system = _quadratic_system(algebra)
    eye = np.eye(3)
    for seed in range(3):
        mu = _random_covector(algebra, seed)
        W, nu = _hat(mu), _hat(mu)
        for _ in range(200):
            X = _hat(0.1 * system.gradient(_vee(nu)))
            nu = W - 0.5 * (X @ nu - nu @ X) + 0.25 * X @ nu @ X
        X = _hat(0.1 * system.gradient(_vee(nu)))
        step = (eye - 0.5 * X) @ nu @ (eye + 0.5 * X)
        ours = LiePoissonHJ(order=2, chart="cayley").step(system, mu, 0.1)
        assert np.max(np.abs(_hat(ours) - step)) <= 1e-14


def test_cayley_step_keeps_the_spectrum_to_round_off_over_a_long_run():
    algebra = su(6)
    system = _quadratic_system(algebra, seed=3)
    W0 = _random_covector(algebra, 1)
    traj = integrate(system, W0, 0.1, 2000, method=LiePoissonHJ(order=2, chart="cayley"),
                     save_every=2000)
    spectrum0, spectrum = np.linalg.eigvalsh(W0), np.linalg.eigvalsh(traj.final)
    assert np.max(np.abs(spectrum - spectrum0)) <= 1e-13
    assert traj.max_relative_invariant_errors()["energy"] <= 1e-2


@pytest.mark.parametrize("algebra", [so3(), so(5), sp(4), sp(6)], ids=str)
def test_cayley_step_keeps_every_casimir_to_round_off_over_a_long_run(algebra):
    """On a unit covector, each Casimir drifts by at most 1e-13 of max(1, |C(mu_0)|): an
    indefinite Casimir of sp(n), tr M^2 say, may be near 0 at mu_0, where its relative
    change says nothing of round-off."""
    system = _quadratic_system(algebra, seed=3)
    mu0 = _random_covector(algebra, 1)
    traj = integrate(system, mu0, 0.1, 2000, method=LiePoissonHJ(order=2, chart="cayley"), save_every=20)
    for name, casimir in algebra.casimirs().items():
        values = casimir(traj.states)
        drift = np.max(np.abs(values - values[0])) / max(1.0, abs(float(values[0])))
        assert drift <= 1e-13, (name, drift)
    assert traj.max_relative_invariant_errors()["energy"] <= 1e-2


@pytest.mark.parametrize("chart", ["exp", "cayley"])
@pytest.mark.parametrize("algebra", [su(3), so(4), sp(4)], ids=str)
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), dt=st.floats(0.01, 0.3))
def test_both_charts_are_symmetric(algebra, chart, seed, dt):
    system = _quadratic_system(algebra, seed % 7)
    W = _random_covector(algebra, seed)
    method = LiePoissonHJ(order=2, chart=chart)
    back = method.step(system, method.step(system, W, dt), -dt)
    assert np.max(np.abs(back - W)) <= 1e-13


@pytest.mark.parametrize("chart", ["exp", "cayley"])
@pytest.mark.parametrize("algebra", [su(3), so3(), sp(4)], ids=str)
def test_both_charts_are_poisson_maps(algebra, chart):
    system = _quadratic_system(algebra, seed=2)
    W = _random_covector(algebra, 5)
    assert poisson_defect(system, LiePoissonHJ(order=2, chart=chart), W, 0.2) <= 1e-8
    # the explicit coadjoint Euler step keeps Casimirs but is not Poisson
    from liepoisson import LiePoissonEuler

    assert poisson_defect(system, LiePoissonEuler(), W, 0.2) > 1e-4


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("algebra", [su(3), so(4), sp(4)], ids=str)
def test_cayley_chart_orders(algebra, order):
    system = _quadratic_system(algebra, seed=4)
    W0 = _random_covector(algebra, 6)
    reference = integrate(system, W0, 1.0, 1, method=ScipyIVP(method="DOP853", rtol=1e-13, atol=1e-15)).final
    method = LiePoissonHJ(order=order, chart="cayley")
    assert method.for_system(system).name == (
        "LiePoissonHJ(order=2, cayley)" if order == 2 else "LiePoissonHJ(order=4, cayley, suzuki composition)"
    )
    measured = empirical_order(system, method, W0, 1.0, [0.2, 0.1, 0.05], reference)
    assert order - 0.2 <= measured.order <= order + 0.5, measured


@pytest.mark.parametrize("algebra", [se3(), heisenberg(2), sl(2)], ids=str)
def test_cayley_chart_is_refused_without_a_quadratic_group(algebra):
    body = LiePoissonSystem(algebra, lambda m: 0.5 * np.sum(m**2, axis=-1), gradient=lambda m: m)
    name = algebra.name.replace("(", "\\(").replace(")", "\\)")
    with pytest.raises(InvalidArgumentError, match=f"{name} has no Cayley chart"):
        integrate(body, np.ones(algebra.dim), 0.1, 2, method=LiePoissonHJ(chart="cayley"))
    with pytest.raises(InvalidArgumentError, match="chart must be one of"):
        LiePoissonHJ(chart="cay")
    with pytest.raises(InvalidArgumentError, match="scheme='series'"):
        LiePoissonHJ(order=4, chart="cayley", scheme="series")
