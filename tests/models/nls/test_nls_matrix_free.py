"""The matrix-free Lie–Poisson HJ steps of the NLS: the same map as the dense step, Casimirs
to round-off, the orders, O(N) memory at sizes the dense path refuses."""

from __future__ import annotations

import functools
import tracemalloc

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import LiePoissonHJ, LiePoissonSystem, ScipyIVP, integrate
from liepoisson.diagnostics import empirical_order
from liepoisson.matrix_free import FunctionalGradient
from liepoisson.orbit import PureStateChart
from liepoisson_models.nls import GraphNLS, LiePoissonSplitting, PeriodicNLS, bright_soliton


def _dense_twin(nls):
    """The same Hamiltonian as a plain system on u(N)* with pure states: the dense step."""
    return LiePoissonSystem(nls.algebra, nls.hamiltonian, gradient=nls.gradient,
                            hessian_vector=nls.hessian_vector,
                            third_derivative=nls.third_derivative, casimirs={},
                            chart=PureStateChart(nls.algebra))


def _random_psi(n: int, seed: int, mass: float = 2.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    return psi * np.sqrt(mass) / np.linalg.norm(psi)


SYSTEMS = {
    "ring": lambda: GraphNLS(nx.cycle_graph(12), g=-2.0),
    "grid graph": lambda: GraphNLS(nx.grid_2d_graph(3, 4), g=1.5, hopping=0.7),
    "periodic 1-D": lambda: PeriodicNLS(16, 8.0, g=-1.0),
    "periodic 2-D": lambda: PeriodicNLS(4, 6.0, g=-1.0, dim=2),
}


@pytest.mark.parametrize("chart", ["exp", "cayley"])
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_matrix_free_step_is_the_dense_step_to_round_off(name, order, chart):
    nls = SYSTEMS[name]()
    twin = _dense_twin(nls)
    assert nls.functional_gradient is not None and twin.functional_gradient is None
    method = LiePoissonHJ(order=order, chart=chart)
    for seed in range(3):
        psi = _random_psi(nls.n, seed)
        free, dense = method.step(nls, psi, 0.1), method.step(twin, psi, 0.1)
        assert np.max(np.abs(free - dense)) <= 1e-13
        assert abs(np.linalg.norm(free) ** 2 - 2.0) <= 1e-14


@pytest.mark.parametrize("potential", [False, True])
@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_fused_cayley_maps_are_the_composed_maps_to_round_off(name, potential):
    nls = SYSTEMS[name]()
    if potential:
        nls = type(nls)(**{**_arguments(nls), "potential": np.linspace(-1.0, 2.0, nls.n)})
    fg = nls.functional_gradient
    for seed in range(3):
        psi = _random_psi(nls.n, seed)
        delta = 0.05 * _random_psi(nls.n, seed + 10)
        x = 0.05 * _random_psi(nls.n, seed + 20)
        fused, frozen, guess = fg.cayley_maps(psi, 0.1)
        composed, composed_frozen, composed_guess = FunctionalGradient.cayley_maps(fg, psi, 0.1)
        assert np.max(np.abs(fused(delta) - composed(delta))) <= 1e-15
        assert np.max(np.abs(frozen(delta)(x) - composed_frozen(delta)(x))) <= 1e-15
        assert np.max(np.abs(guess - composed_guess)) <= 1e-15
        # the maps do not change their arguments (the solve works on temporaries)
        assert np.array_equal(delta, 0.05 * _random_psi(nls.n, seed + 10))


def _arguments(nls):
    if isinstance(nls, GraphNLS):
        return dict(graph=nls.graph, g=nls.g, hopping=nls.hopping)
    return dict(n_points=nls.n_points, length=nls.length, g=nls.g, dim=nls.dim)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), dt=st.floats(0.01, 0.3), chart=st.sampled_from(["exp", "cayley"]))
def test_matrix_free_step_is_symmetric_and_keeps_the_mass(seed, dt, chart):
    nls = SYSTEMS["ring"]()
    method = LiePoissonHJ(order=2, chart=chart)
    psi = _random_psi(nls.n, seed)
    there = method.step(nls, psi, dt)
    assert abs(np.vdot(there, there).real - 2.0) <= 1e-14
    assert np.max(np.abs(method.step(nls, there, -dt) - psi)) <= 1e-13


@pytest.mark.parametrize("chart", ["exp", "cayley"])
def test_mass_and_purity_to_round_off_and_energy_bounded_over_a_long_run(chart):
    nls = GraphNLS(nx.cycle_graph(16), g=-3.0)
    psi0 = np.zeros(16, dtype=complex)
    psi0[0] = 1.0
    traj = integrate(nls, psi0, 0.05, 2000, method=LiePoissonHJ(order=2, chart=chart),
                     save_every=40)
    errors = traj.max_relative_invariant_errors()
    assert errors["mass"] <= 1e-13 and errors["tr rho^4"] <= 4e-13
    assert errors["energy"] <= 1e-2  # bounded, no drift: a symplectic scheme


@functools.lru_cache(maxsize=1)
def _soliton():
    """The soliton on a coarse grid and, as the reference at T = 1, a fine-step run of the
    6th-order splitting on the same grid (the grid's own error cancels)."""
    nls = PeriodicNLS(128, 30.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=0.5)
    reference = integrate(nls, psi0, 0.005, 200, method=LiePoissonSplitting(order=6), save_every=200)
    return nls, psi0, reference.final


@pytest.mark.parametrize("order, chart", [(2, "exp"), (4, "exp"), (2, "cayley"), (4, "cayley")])
def test_matrix_free_orders_on_a_ring(order, chart):
    nls = GraphNLS(nx.cycle_graph(16), g=-2.0)
    psi0 = _random_psi(16, 7)
    reference = integrate(nls, psi0, 1.0, 1, method=ScipyIVP(method="DOP853", rtol=1e-13, atol=1e-15)).final
    measured = empirical_order(nls, LiePoissonHJ(order=order, chart=chart), psi0, 1.0,
                               [0.1, 0.05, 0.025], reference)
    assert order - 0.25 <= measured.order <= order + 0.6, measured


def test_cayley_chart_loses_order_on_stiff_grids_where_the_exponential_chart_does_not():
    # the soliton on a fine grid (dt * lambda_max(L) > 1): the Cayley transform of the
    # kinetic part is not exact, the exponential of it is
    nls, psi0, reference = _soliton()
    exp = empirical_order(nls, LiePoissonHJ(order=4), psi0, 1.0, [0.05, 0.025], reference)
    cay = empirical_order(nls, LiePoissonHJ(order=4, chart="cayley"), psi0, 1.0, [0.05, 0.025], reference)
    assert exp.order > 3.8 and cay.order < 3.0 and exp.errors[-1] < 0.1 * cay.errors[-1]


def test_exponential_chart_is_more_accurate_per_step_than_the_cayley_chart():
    nls, psi0, reference = _soliton()
    errors = {}
    for chart in ("exp", "cayley"):
        traj = integrate(nls, psi0, 0.05, 20, method=LiePoissonHJ(order=2, chart=chart), save_every=20)
        errors[chart] = float(np.max(np.abs(traj.final - reference)))
    assert errors["exp"] < errors["cayley"], errors


@pytest.mark.parametrize("chart", ["exp", "cayley"])
def test_matrix_free_step_runs_far_above_the_dense_limit_in_linear_memory(chart):
    nls = PeriodicNLS(8192, 80.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=0.5)
    tracemalloc.start()
    try:
        traj = integrate(nls, psi0, 0.002, 2, method=LiePoissonHJ(order=2, chart=chart))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the dense path would hold 8 complex N x N arrays (8.6 GB); here O(N k)
    assert peak < 200 * 16 * nls.n
    assert traj.max_relative_invariant_errors()["mass"] <= 1e-14
    assert np.max(np.abs(traj.final - bright_soliton(nls.x, 0.004, a=1.0, c=0.5))) < 1e-5


def test_stiff_steps_converge_where_the_dense_fixed_point_does_not():
    # dt * lambda_max(L) = 0.1 * 2pi^2 * 64^2 / 30^2 ~ 90: the Krylov basis grows instead
    nls = PeriodicNLS(64, 30.0, g=-1.0)
    psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=0.5)
    steps = {c: LiePoissonHJ(order=2, chart=c).step(nls, psi0, 0.1) for c in ("exp", "cayley")}
    exact = bright_soliton(nls.x, 0.1, a=1.0, c=0.5)
    for c, new in steps.items():
        assert np.max(np.abs(new - exact)) < 1e-3, c


@pytest.mark.parametrize("chart", ["exp", "cayley"])
def test_a_batch_of_wavefunctions_steps_member_by_member(chart):
    nls = SYSTEMS["ring"]()
    batch = np.stack([_random_psi(nls.n, seed) for seed in range(3)])
    method = LiePoissonHJ(order=4, chart=chart)
    together = integrate(nls, batch, 0.1, 5, method=method).final
    alone = np.stack([integrate(nls, psi, 0.1, 5, method=method).final for psi in batch])
    assert together.shape == (3, nls.n)
    assert np.array_equal(together, alone)


@pytest.mark.parametrize("dim, n_points", [(1, 256), (2, 32)])
def test_fftw_and_scipy_transforms_give_the_same_runs_to_round_off(dim, n_points):
    pytest.importorskip("pyfftw")
    from liepoisson import fft

    nls = PeriodicNLS(n_points, 20.0, g=-1.0, dim=dim)
    r2 = np.sum(nls.points**2, axis=1)
    psi0 = np.exp(-r2 / 4.0 + 0.5j * nls.points[:, 0]).astype(complex)
    before = fft.backend()
    finals = {}
    try:
        for name in ("pyfftw", "scipy"):
            fft.set_backend(name)
            finals[name] = [integrate(nls, psi0, 0.01, 20, method=method, save_every=20).final
                            for method in (LiePoissonHJ(order=2, chart="cayley"), LiePoissonSplitting(order=2))]
    finally:
        fft.set_backend(before)
    for a, b in zip(finals["pyfftw"], finals["scipy"]):
        assert np.max(np.abs(a - b)) <= 1e-13 * np.max(np.abs(b))
