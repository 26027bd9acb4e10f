"""The one periodic grid (liepoisson.grids), shared by the NLS and hydrodynamics models."""

import numpy as np
import pytest

from liepoisson.grids import PeriodicGrid
from liepoisson_models.hydrodynamics import PeriodicGrid as HydrodynamicsGrid
from liepoisson_models.nls import PeriodicNLS


@pytest.mark.parametrize("dim", [1, 2])
def test_spectral_laplacian_of_resolved_fourier_modes_is_exact_to_round_off(dim):
    grid = PeriodicGrid(32, 2 * np.pi, dim)
    coords = grid.coordinates
    f = np.cos(3 * coords[0]) * (np.sin(2 * coords[-1]) if dim == 2 else 1.0)
    expected = -(9.0 + (4.0 if dim == 2 else 0.0)) * f
    np.testing.assert_allclose(grid.laplacian(f, "spectral"), expected, atol=1e-12)
    assert grid.laplacian_symbol.shape == grid.shape and not grid.laplacian_symbol.flags.writeable


@pytest.mark.parametrize("dim", [1, 2])
def test_nls_kinetic_operator_is_minus_half_the_grid_laplacian(dim):
    nls = PeriodicNLS(16, 8.0, dim=dim)
    assert isinstance(nls.grid, PeriodicGrid) and HydrodynamicsGrid is PeriodicGrid
    np.testing.assert_array_equal(nls.x, nls.grid.x)
    psi = np.random.default_rng(0).normal(size=nls.n) + 1j * np.random.default_rng(1).normal(size=nls.n)
    field = psi.reshape(nls.grid.shape)
    np.testing.assert_allclose(nls.apply_kinetic(psi).reshape(nls.grid.shape),
                               -0.5 * nls.grid.laplacian(field, "spectral"), atol=1e-12)
