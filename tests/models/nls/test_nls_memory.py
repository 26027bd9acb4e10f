"""Memory that matches the algorithm: a periodic NLS and its splitting are O(N) in memory;
the dense u(N)* path is refused, with its estimate, before it allocates what cannot fit."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from liepoisson import InvalidArgumentError, integrate, u
from liepoisson_models.nls import LiePoissonSplitting, PeriodicNLS


def _gaussian(nls: PeriodicNLS) -> np.ndarray:
    r2 = np.sum(nls.points**2, axis=-1)
    return np.exp(-r2 / 4.0).astype(complex)


def _splitting_steps(nls: PeriodicNLS, steps: int = 3):
    psi0 = _gaussian(nls)
    return psi0, integrate(nls, psi0, dt=0.01, n_steps=steps,
                           method=LiePoissonSplitting(order=4), save_every=steps)


@pytest.mark.parametrize("n_points, dim", [(32768, 1), (256, 2)], ids=["1d-32768", "2d-256^2"])
def test_large_periodic_grids_construct_and_take_splitting_steps(n_points, dim):
    nls = PeriodicNLS(n_points, 40.0, g=-1.0, dim=dim)
    psi0, traj = _splitting_steps(nls)
    assert traj.complete and traj.final.shape == (n_points**dim,)
    mass0 = np.sum(np.abs(psi0) ** 2)
    assert abs(np.sum(np.abs(traj.final) ** 2) - mass0) <= 1e-12 * mass0


@pytest.mark.parametrize("n_points, dim", [(8192, 1), (128, 2)], ids=["1d-8192", "2d-128^2"])
def test_construction_and_splitting_steps_take_memory_linear_in_N(n_points, dim):
    _splitting_steps(PeriodicNLS(n_points // 2, 40.0, dim=dim))  # warm the caches and imports
    tracemalloc.start()
    try:
        nls = PeriodicNLS(n_points, 40.0, g=-1.0, dim=dim)
        _splitting_steps(nls)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    N = nls.n
    # a few dozen complex vectors of size N; one N^2 index array alone would be 8 N^2 bytes
    assert peak < 100 * 16 * N < 8 * N**2


def test_a_dense_path_that_cannot_fit_is_refused_with_its_estimate_before_allocating():
    nls = PeriodicNLS(2**21, 40.0, max_dense=2**21)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidArgumentError, match=r"dense u\(N\)\* path.*bytes") as info:
            nls.covector(np.ones(nls.n, dtype=complex))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{nls.dense_bytes:,} bytes" in str(info.value)
    assert "LiePoissonSplitting" in str(info.value)
    assert peak < 2**28  # the vector itself and change, nothing of size N^2


def test_a_dense_path_above_max_dense_is_refused_with_its_estimate():
    nls = PeriodicNLS(1024, 40.0)
    with pytest.raises(InvalidArgumentError, match=r"max_dense = 512.*bytes"):
        nls.kinetic_matrix


def test_coordinates_of_a_huge_unitary_algebra_are_refused_with_their_estimate():
    g = u(2**20)  # a u(n) used through its matrices needs no n^2 index arrays
    with pytest.raises(InvalidArgumentError, match=r"u\(1048576\).*bytes"):
        g.dual_to_coords(np.zeros((2, 2)))
