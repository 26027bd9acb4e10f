"""Quantum hydrodynamics through the one integrator: QHDSystem is a Lie–Poisson system whose
LiePoissonHJ runs keep the mass to round-off, bound the energy, equal the NLS run of the
same data and solve the quantum Euler equations at the scheme's order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import LiePoissonHJ, integrate
from liepoisson.exceptions import InvalidArgumentError, ShapeError
from liepoisson.testing import verify_system
from liepoisson_models.hydrodynamics import PeriodicGrid, QHDSystem, quantum_euler_residual
from liepoisson_models.nls import PeriodicNLS


def _gaussian_state(grid, k: float = 0.7, width: float = 1.0, mass: float = 1.0):
    """(rho, S) of a Gaussian packet with momentum k: rho of the given mass, S = k x (hbar = 1 units)."""
    if grid.dim == 1:
        x = grid.x
        rho = np.exp(-(x**2) / width**2)
        S = k * x
    else:
        X, Y = np.meshgrid(grid.x, grid.x, indexing="ij")
        rho = np.exp(-(X**2 + Y**2) / width**2)
        S = k * X
    rho *= mass / grid.integrate(rho)
    return np.stack([rho, S])


def test_qhd_system_passes_verify_system():
    grid = PeriodicGrid(12, 8.0)
    qhd = QHDSystem(grid, hbar=0.7, potential=0.3 * np.cos(grid.x), coupling=1.5)
    report = verify_system(qhd, n_examples=5, scale=0.3)
    assert report.passed, report


@pytest.mark.parametrize("chart", ["exp", "cayley"])
def test_mass_to_round_off_and_energy_bounded_over_a_long_run(chart):
    grid = PeriodicGrid(64, 16.0)
    qhd = QHDSystem(grid, hbar=0.5, potential=0.5 * grid.x**2 / 16, coupling=2.0)
    traj = integrate(qhd, _gaussian_state(grid), 0.02, 1500, method=LiePoissonHJ(order=2, chart=chart),
                     save_every=15)
    errors = traj.max_relative_invariant_errors()
    assert errors["mass"] <= 1e-13
    assert errors["energy"] <= 5e-3
    assert traj.states.shape == (101, 2, 64) and np.all(traj.states[:, 0] >= 0)


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("order", [2, 4])
def test_qhd_run_is_the_nls_run_of_the_same_data(dim, order):
    n = 32 if dim == 1 else 12
    grid = PeriodicGrid(n, 12.0, dim)
    hbar, g = 0.8, -1.2
    W = 0.2 * np.cos(2 * np.pi * grid.x / 12.0)
    W = W if dim == 1 else np.add.outer(W, W)
    qhd = QHDSystem(grid, hbar=hbar, potential=W, coupling=g)
    state0 = _gaussian_state(grid)
    dt, steps = 0.05, 20
    traj = integrate(qhd, state0, dt, steps, method=LiePoissonHJ(order=order))
    # iħψ_t = -ħ²/2 Δψ + (W + g|ψ|²)ψ is PeriodicNLS(g/ħ², W/ħ²) in the time ħt
    nls = PeriodicNLS(n, 12.0, g=g / hbar**2, dim=dim, potential=W.ravel() / hbar**2)
    ref = integrate(nls, qhd.wavefunction(state0), hbar * dt, steps, method=LiePoissonHJ(order=order))
    assert np.max(np.abs(qhd.wavefunction(traj.states) - ref.states)) <= 1e-13
    assert traj.max_relative_invariant_errors()["mass"] <= 1e-14


def test_quantum_euler_residual_decreases_at_second_order():
    grid = PeriodicGrid(64, 16.0)
    hbar, g = 1.0, 1.0
    qhd = QHDSystem(grid, hbar=hbar, coupling=g)
    state0 = _gaussian_state(grid, width=1.5)
    residuals = []
    for dt in (0.04, 0.02):
        # every step saved: the residual's central differences in time have spacing dt too
        traj = integrate(qhd, state0, dt, round(0.48 / dt), method=LiePoissonHJ(order=2))
        fields = qhd.fields(traj.states)
        R = quantum_euler_residual(grid, traj.t, fields["rho"], fields["m"], hbar,
                                   g * fields["rho"], "spectral")
        residuals.append(float(np.max(np.abs(R))))
    order = np.log2(residuals[0] / residuals[1])
    assert 1.8 <= order <= 2.3, residuals


@settings(max_examples=20, deadline=None)
@given(k=st.floats(-2.0, 2.0), width=st.floats(0.5, 2.0), hbar=st.floats(0.3, 2.0))
def test_madelung_chart_round_trip_and_the_mass_casimir(k, width, hbar):
    grid = PeriodicGrid(32, 12.0)
    qhd = QHDSystem(grid, hbar=hbar, coupling=0.5)
    state = _gaussian_state(grid, k=k, width=width)
    back = qhd.state_of(qhd.wavefunction(state))
    assert np.max(np.abs(back[0] - state[0])) <= 1e-14
    # the phase comes back modulo 2 pi hbar where the density is not negligible
    phase = np.angle(np.exp(1j * (back[1] - state[1]) / hbar))
    assert np.max(np.abs(phase[state[0] > 1e-12])) <= 1e-10
    assert qhd.invariants(state)["mass"] == pytest.approx(1.0, rel=1e-13)


def test_bad_states_are_refused():
    grid = PeriodicGrid(16, 8.0)
    qhd = QHDSystem(grid)
    with pytest.raises(ShapeError):
        integrate(qhd, np.zeros((3, 16)), 0.1, 1)
    bad = _gaussian_state(grid)
    bad[0, 3] = -1.0
    with pytest.raises(InvalidArgumentError, match="density"):
        integrate(qhd, bad, 0.1, 1)
    with pytest.raises(InvalidArgumentError, match="hbar"):
        QHDSystem(grid, hbar=0.0)
