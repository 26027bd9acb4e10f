"""The quantized sphere: the Hoppe–Yau Laplacian, its eigenbasis of real spherical
harmonics, and the correspondence between coefficients, matrices and functions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson.exceptions import InvalidArgumentError, NonFiniteError, ShapeError
from liepoisson_models.euler_sphere import (
    HarmonicBasis,
    QuantizedLaplacian,
    grid_values,
    harmonic_degrees,
    harmonic_index,
    hbar,
    spin_matrices,
)


def _commutator(a, b):
    return a @ b - b @ a


def _dense_laplacian(n, W):
    return -sum(_commutator(S, _commutator(S, W)) for S in spin_matrices(n))


def _random_matrix(rng, n, hermitian=False):
    W = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return W + W.conj().T if hermitian else W


def _traceless(W):
    n = W.shape[-1]
    return W - np.trace(W, axis1=-2, axis2=-1)[..., None, None] / n * np.eye(n)


def _all_matrices(basis):
    n = basis.n
    return np.array([basis.matrix(l, m) for l in range(n) for m in range(-l, l + 1)])


@pytest.mark.parametrize("n", [2, 3, 6, 9])
def test_spin_matrices_satisfy_the_su2_relations_with_casimir_s_s_plus_1(n):
    S1, S2, S3 = spin_matrices(n)
    s = 0.5 * (n - 1)
    assert np.allclose(_commutator(S1, S2), 1j * S3, atol=1e-13)
    assert np.allclose(_commutator(S2, S3), 1j * S1, atol=1e-13)
    assert np.allclose(_commutator(S3, S1), 1j * S2, atol=1e-13)
    assert np.allclose(S1 @ S1 + S2 @ S2 + S3 @ S3, s * (s + 1) * np.eye(n), atol=1e-12)
    assert hbar(n) == pytest.approx(1.0 / np.sqrt(s * (s + 1)), rel=1e-15)


@pytest.mark.parametrize("n", [2, 3, 6, 9])
def test_laplacian_equals_minus_the_double_commutator_with_the_spin_matrices(n):
    W = _random_matrix(np.random.default_rng(n), n)
    assert np.max(np.abs(QuantizedLaplacian(n).apply(W) - _dense_laplacian(n, W))) < 1e-12 * n**2


@pytest.mark.parametrize("n", [2, 5, 16, 64])
def test_laplacian_solve_inverts_apply_on_traceless_matrices(n):
    lap = QuantizedLaplacian(n)
    W = _random_matrix(np.random.default_rng(1), n)
    P = lap.solve(W)
    assert abs(np.trace(P)) < 1e-13 * np.max(np.abs(P)) * n
    residual = np.max(np.abs(lap.apply(P) - _traceless(W))) / np.max(np.abs(W))
    assert residual < 1e-13


def test_laplacian_solve_is_batched_and_keeps_hermitian_matrices_hermitian():
    lap = QuantizedLaplacian(7)
    rng = np.random.default_rng(2)
    batch = np.array([[_random_matrix(rng, 7, True) for _ in range(3)] for _ in range(2)])
    P = lap.solve(batch)
    assert P.shape == (2, 3, 7, 7)
    assert np.allclose(P[1, 2], lap.solve(batch[1, 2]), rtol=0, atol=1e-15)
    assert np.max(np.abs(P - np.swapaxes(P, -1, -2).conj())) < 1e-15


@pytest.mark.parametrize("n", [2, 5, 12])
def test_basis_is_orthonormal_in_the_trace_and_hermitian(n):
    T = _all_matrices(HarmonicBasis(n))
    gram = np.einsum("aij,bji->ab", T, T)
    assert np.max(np.abs(gram - np.eye(n * n))) < 1e-13
    assert np.max(np.abs(T - np.swapaxes(T, -1, -2).conj())) == 0.0


@pytest.mark.parametrize("n", [2, 5, 12])
def test_basis_matrices_are_laplacian_eigenmatrices_with_eigenvalues_minus_l_l_plus_1(n):
    basis, lap = HarmonicBasis(n), QuantizedLaplacian(n)
    T = _all_matrices(basis)
    l, _ = harmonic_degrees(n * n)
    eigenvalues = -l * (l + 1.0)
    assert np.max(np.abs(lap.apply(T) - eigenvalues[:, None, None] * T)) < 1e-12 * n**2
    assert np.array_equal(np.unique(eigenvalues)[::-1], lap.eigenvalues())


def _complex_harmonic(basis, l, m):
    """T_l^m for m >= 0, from the real ones: Y_l^m = (-1)^m (Y_lm + i Y_l,-m) / sqrt 2."""
    if m == 0:
        return basis.matrix(l, 0)
    return (-1) ** m * (basis.matrix(l, m) + 1j * basis.matrix(l, -m)) / np.sqrt(2)


@pytest.mark.parametrize("n", [3, 8])
def test_basis_is_rotation_equivariant_with_the_condon_shortley_phase(n):
    """[S_3, T_l^m] = m T_l^m and the lowering [S_-, T_l^m] = sqrt((l+m)(l-m+1)) T_l^{m-1}
    with a positive constant, as L_- acts on Y_l^m."""
    basis = HarmonicBasis(n)
    S1, S2, S3 = spin_matrices(n)
    lower = S1 - 1j * S2
    for l in range(1, n):
        for m in range(l + 1):
            T = _complex_harmonic(basis, l, m)
            assert np.max(np.abs(_commutator(S3, T) - m * T)) < 1e-12
            if m > 0:
                expected = np.sqrt((l + m) * (l - m + 1.0)) * _complex_harmonic(basis, l, m - 1)
                assert np.max(np.abs(_commutator(lower, T) - expected)) < 1e-11


@pytest.mark.parametrize("n", [4, 9])
def test_degree_one_matrices_are_the_coordinate_functions_x_y_z(n):
    basis = HarmonicBasis(n)
    for S, m in zip(spin_matrices(n), (1, -1, 0)):
        assert np.allclose(basis.matrix(1, m), S / np.linalg.norm(S), atol=1e-14)


@pytest.mark.parametrize("n", [6, 11])
def test_z_to_the_l_has_a_positive_degree_l_component_like_its_function(n):
    """z^l has a positive Y_l0 coefficient (P_l's leading coefficient is positive); the
    product of matrices S_3^l must agree in sign for the map to respect products."""
    basis = HarmonicBasis(n)
    S3 = spin_matrices(n)[2]
    for l in range(n):
        overlap = np.trace(basis.matrix(l, 0) @ np.linalg.matrix_power(S3, l)).real
        assert overlap > 1e-8


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32 - 1))
def test_coefficients_to_matrix_and_back_is_the_identity(n, seed):
    basis = HarmonicBasis(n)
    L = np.random.default_rng(seed).integers(0, n)
    c = np.random.default_rng(seed).standard_normal((2, (L + 1) ** 2))
    W = basis.to_matrix(c)
    assert W.shape == (2, n, n)
    back = basis.to_coefficients(W, lmax=L)
    assert np.max(np.abs(back - c)) < 1e-12 * (1 + np.max(np.abs(c)))
    full = basis.to_coefficients(W)
    assert np.max(np.abs(full[:, (L + 1) ** 2:]), initial=0.0) < 1e-12 * (1 + np.max(np.abs(c)))
    # an isometry: sum of squares of coefficients = tr W^2
    assert np.allclose(np.sum(c**2, axis=-1), np.einsum("bij,bji->b", W, W).real, rtol=1e-12)


def test_grid_values_are_the_real_spherical_harmonics_of_scipy():
    rng = np.random.default_rng(5)
    c = rng.standard_normal(harmonic_index(4, 4) + 1)
    lat, lon, values = grid_values(c, 7, 11)
    theta, phi = np.meshgrid(0.5 * np.pi - lat, lon + np.pi, indexing="ij")
    expected = np.zeros_like(theta)
    for l in range(5):
        for m in range(-l, l + 1):
            Y = scipy.special.sph_harm_y(l, abs(m), theta, phi)
            real = Y.real if m == 0 else np.sqrt(2) * (-1) ** m * (Y.real if m > 0 else Y.imag)
            expected += c[harmonic_index(l, m)] * real
    assert np.max(np.abs(values - expected)) < 1e-12


def test_grid_values_of_degree_one_are_x_y_z():
    scale = np.sqrt(4 * np.pi / 3)
    for m, coordinate in ((1, lambda la, lo: np.cos(la) * np.cos(lo + np.pi)),
                          (-1, lambda la, lo: np.cos(la) * np.sin(lo + np.pi)),
                          (0, lambda la, lo: np.sin(la) + 0 * lo)):
        c = np.zeros(4)
        c[harmonic_index(1, m)] = scale
        lat, lon, values = grid_values(c, 9, 13)
        assert np.allclose(values, coordinate(lat[:, None], lon[None, :]), atol=1e-14)


def test_bad_sizes_and_shapes_are_refused_with_the_argument_named():
    with pytest.raises(InvalidArgumentError, match="n must be"):
        QuantizedLaplacian(1)
    with pytest.raises(InvalidArgumentError, match="n must be"):
        HarmonicBasis(2.5)
    basis = HarmonicBasis(4)
    with pytest.raises(ShapeError, match="coefficients must have last axis of length"):
        basis.to_matrix(np.zeros(5))
    with pytest.raises(ShapeError, match="coefficients"):
        basis.to_matrix(np.zeros(25))  # L = 4 > n - 1
    with pytest.raises(InvalidArgumentError, match="coefficients must be real"):
        basis.to_matrix(np.zeros(4, dtype=complex))
    with pytest.raises(NonFiniteError, match="coefficients"):
        basis.to_matrix([np.nan, 0, 0, 0])
    with pytest.raises(ShapeError, match=r"W must have trailing shape \(4, 4\)"):
        basis.to_coefficients(np.zeros((3, 3)))
    with pytest.raises(InvalidArgumentError, match="l=4, m=0"):
        basis.matrix(4, 0)
    with pytest.raises(ShapeError, match="length"):
        grid_values(np.zeros(3))
