"""The exponential chart of LiePoissonHJ on u(n) and su(n): one eigendecomposition per
iteration serves the update and the final action, and the step is the dense step of the
defining equations (residual dexpinv_star, action coadjoint_exp) to the solver's tolerance.
Its symmetry and Poisson property are checked with the Cayley chart's
(test_cayley_chart.py, both charts on su(3))."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import LiePoissonHJ, LiePoissonSystem, ScipyIVP, integrate, su, u
from liepoisson.diagnostics import empirical_order
from liepoisson.integrators.lie_poisson_hj import generating_gradient


def _quartic_system(algebra, seed: int = 0, exact_hessian: bool = True):
    """H = 1/2 sum_k lam_k c_k^2 + (1/4) eps (sum_k c_k^2)^2 in dual coordinates c: quadratic
    plus a quartic term, so that D^3H is not zero (the order-4 series uses it)."""
    lam = 0.5 + np.random.default_rng(seed).random(algebra.dim)
    eps = 0.05
    coords = algebra.dual_to_coords

    def hamiltonian(mu):
        c = coords(mu)
        s = np.sum(c**2, axis=-1)
        return 0.5 * np.sum(lam * c**2, axis=-1) + 0.25 * eps * s**2

    def gradient(mu):
        c = coords(mu)
        return algebra.from_coords(lam * c + eps * np.sum(c**2, axis=-1)[..., None] * c)

    def hessian_vector(mu, v):
        c, w = coords(mu), coords(v)
        return algebra.from_coords(lam * w + eps * (np.sum(c**2, axis=-1)[..., None] * w
                                                    + 2.0 * np.sum(c * w, axis=-1)[..., None] * c))

    def third_derivative(mu, a, b):
        c, x, y = coords(mu), coords(a), coords(b)
        dot = lambda p, q: np.sum(p * q, axis=-1)[..., None]  # noqa: E731
        return algebra.from_coords(2.0 * eps * (dot(x, y) * c + dot(c, y) * x + dot(c, x) * y))

    return LiePoissonSystem(
        algebra, hamiltonian, gradient=gradient,
        hessian_vector=hessian_vector if exact_hessian else None,
        third_derivative=third_derivative if exact_hessian else None,
    )


def _random_covector(algebra, seed: int, scale: float = 1.0):
    c = np.random.default_rng(seed).standard_normal(algebra.dim)
    return algebra.dual_from_coords(scale * c / np.linalg.norm(c))


def _dense_step(system, mu, dt, order, iterations=200):
    """The defining equations written out: nu <- nu - (dexpinv_star(xi(nu), nu) - mu) to the
    fixed point, then coadjoint_exp(xi(nu), mu)."""
    algebra = system.algebra
    nu = mu
    for _ in range(iterations):
        nu = nu - (algebra.dexpinv_star(generating_gradient(system, nu, dt, order), nu) - mu)
    return algebra.coadjoint_exp(generating_gradient(system, nu, dt, order), mu)


ALGEBRAS = [su(3), su(5), u(4)]


@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("algebra", ALGEBRAS, ids=str)
def test_shared_eigendecomposition_step_is_the_dense_step(algebra, order):
    for exact_hessian in (True, False):  # preconditioned, and plain without a Hessian
        system = _quartic_system(algebra, exact_hessian=exact_hessian)
        for seed in range(3):
            mu = _random_covector(algebra, seed, scale=2.0)
            ours = LiePoissonHJ(order=order).step(system, mu, 0.1)
            dense = _dense_step(system, mu, 0.1, order)
            assert np.max(np.abs(ours - dense)) <= 1e-13 * np.max(np.abs(dense))
            # and the previous formula of the library (plain fixed point, then coadjoint_exp)
            plain = LiePoissonHJ(order=order, solver="fixed_point").step(system, mu, 0.1)
            assert np.max(np.abs(ours - plain)) <= 1e-13 * np.max(np.abs(dense))


def test_one_eigendecomposition_per_iteration_serves_the_update_and_the_action(monkeypatch):
    import liepoisson.integrators.lie_poisson_hj as module
    from liepoisson import solvers

    algebra = su(6)
    system = _quartic_system(algebra, seed=1)
    mu = _random_covector(algebra, 2)
    calls = {"eigh": 0, "iterations": []}
    eigh = np.linalg.eigh

    def counting_eigh(a, *args, **kwargs):
        calls["eigh"] += 1
        return eigh(a, *args, **kwargs)

    def counting_solve(*args, **kwargs):
        out = solvers.solve_fixed_point(*args, **kwargs)
        calls["iterations"].append(out[1])
        return out

    monkeypatch.setattr(np.linalg, "eigh", counting_eigh)
    monkeypatch.setattr(module, "solve_fixed_point", counting_solve)
    LiePoissonHJ(order=2).step(system, mu, 0.05)
    assert calls["iterations"] and calls["eigh"] == calls["iterations"][0]


def test_casimirs_stay_at_round_off_over_hundreds_of_steps():
    algebra = su(6)
    system = _quartic_system(algebra, seed=3)
    W0 = _random_covector(algebra, 1, scale=2.0)
    traj = integrate(system, W0, 0.1, 400, method=LiePoissonHJ(order=2), save_every=400)
    W = traj.final
    for k in (2, 3, 4, 5):
        before = np.trace(np.linalg.matrix_power(W0, k)).real
        after = np.trace(np.linalg.matrix_power(W, k)).real
        scale = np.sum(np.abs(np.linalg.eigvalsh(W0)) ** k)
        assert abs(after - before) <= 1e-14 * scale, k
    assert np.max(np.abs(np.linalg.eigvalsh(W) - np.linalg.eigvalsh(W0))) <= 1e-14 * np.max(np.abs(W0))


@pytest.mark.parametrize("order", [2, 4])
def test_shared_eigendecomposition_step_keeps_its_order(order):
    algebra = su(3)
    system = _quartic_system(algebra, seed=4)
    W0 = _random_covector(algebra, 6, scale=2.0)
    reference = integrate(system, W0, 1.0, 1, method=ScipyIVP(method="DOP853", rtol=1e-13, atol=1e-15)).final
    dts = [0.2, 0.1, 0.05] if order == 2 else [0.25, 0.125, 0.0625]
    measured = empirical_order(system, LiePoissonHJ(order=order), W0, 1.0, dts, reference)
    assert order - 0.2 <= measured.order <= order + 0.5, measured


def test_a_batch_gives_each_member_its_own_step():
    algebra = u(4)
    system = _quartic_system(algebra, seed=5)
    # members of different sizes take different numbers of iterations
    batch = np.stack([_random_covector(algebra, seed, scale=s) for seed, s in ((0, 0.1), (1, 3.0), (2, 1.0))])
    method = LiePoissonHJ(order=4)
    out = method.step(system, batch, 0.2)
    for member, result in zip(batch, out):
        assert np.max(np.abs(method.step(system, member, 0.2) - result)) <= 1e-15 * np.max(np.abs(result))


@pytest.mark.parametrize("solver", ["preconditioned", "fixed_point", "newton"])
def test_every_solver_finds_the_same_step_as_the_shared_eigendecomposition(solver):
    algebra = su(4)
    system = _quartic_system(algebra, seed=6, exact_hessian=False)
    mu = _random_covector(algebra, 3, scale=2.0)
    ours = LiePoissonHJ(order=2).step(system, mu, 0.1)
    other = LiePoissonHJ(order=2, solver=solver).step(system, mu, 0.1)
    assert np.max(np.abs(ours - other)) <= 1e-12 * np.max(np.abs(ours))
