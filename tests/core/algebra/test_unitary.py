"""Laws of u(n) and su(n) in the matrix representation (UnitaryAlgebra)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from liepoisson import InvalidArgumentError, LieAlgebra, ShapeError, StructureConstantsAlgebra, UnitaryAlgebra
from liepoisson import so3, su, u
from liepoisson.algebra.unitary import DENSE_COORDINATES_MAX
from liepoisson.testing import reals

SETTINGS = settings(max_examples=25, deadline=None)

SMALL = {
    "su(2)": UnitaryAlgebra(2, special=True),
    "su(3)": UnitaryAlgebra(3, special=True),
    "su(4)": UnitaryAlgebra(4, special=True),
    "u(1)": UnitaryAlgebra(1),
    "u(3)": UnitaryAlgebra(3),
}
DEXPINV_CASES = ["su(2)", "su(3)", "su(4)", "u(3)"]


def _dagger(a):
    return np.conj(np.swapaxes(a, -1, -2))


def _coords(draw, g, count, bound=1.0):
    return [
        draw(hnp.arrays(np.float64, g.dim, elements=reals(bound)))
        for _ in range(count)
    ]


@st.composite
def algebra_and_coords(draw, count, names=tuple(SMALL)):
    g = SMALL[draw(st.sampled_from(names))]
    return (g, *_coords(draw, g, count))


def _shrink_to_spectral_radius(g, xi, radius):
    """Rescale xi so that the eigenvalues of -i xi lie in [-radius, radius]."""
    norm = np.max(np.abs(np.linalg.eigvalsh(-1j * xi)))
    return xi * (radius / norm) if norm > radius else xi


# ----------------------------------------------------------------- coordinates
@SETTINGS
@given(algebra_and_coords(2))
def test_coordinate_maps_are_inverse_to_their_coordinate_reads(args):
    g, a, b = args
    assert np.allclose(g.to_coords(g.from_coords(a)), a, rtol=0, atol=1e-14)
    assert np.allclose(g.dual_to_coords(g.dual_from_coords(b)), b, rtol=0, atol=1e-14)


@SETTINGS
@given(st.sampled_from(list(SMALL)), st.integers(0, 2**32 - 1))
def test_from_coords_reconstructs_any_skew_hermitian_and_hermitian_matrix(name, seed):
    g = SMALL[name]
    rng = np.random.default_rng(seed)
    z = rng.normal(size=g.shape) + 1j * rng.normal(size=g.shape)
    herm = 0.5 * (z + _dagger(z))
    if g.special:
        herm -= np.trace(herm) / g.n * np.eye(g.n)
    skew = 1j * herm
    assert np.allclose(g.from_coords(g.to_coords(skew)), skew, rtol=0, atol=1e-13)
    assert np.allclose(g.dual_from_coords(g.dual_to_coords(herm)), herm, rtol=0, atol=1e-13)


@pytest.mark.parametrize("n, special", [(1, False), (2, True), (3, True), (3, False), (5, True),
                                        (DENSE_COORDINATES_MAX, False)])
def test_coordinates_by_one_product_are_the_index_maps_to_round_off(n, special):
    """Small n map coordinates by one real matrix product, built from the index maps: the
    same values (to a few units of round-off), on a batch, on a single matrix, on matrices
    that are not Hermitian, and from a real or non-contiguous input."""
    g = UnitaryAlgebra(n, special=special)
    assert g._coordinate_matrices is not None
    rng = np.random.default_rng(n)
    mu = rng.normal(size=(4, 2, n, n)) + 1j * rng.normal(size=(4, 2, n, n))  # not Hermitian
    c = rng.normal(size=(4, 2, g.dim))
    eps = np.finfo(float).eps
    for x in (mu, mu[0, 0], np.swapaxes(mu, -1, -2), mu.real):
        fast, slow = g.dual_to_coords(x), g._dual_to_coords_by_index(x)
        assert fast.shape == slow.shape and fast.dtype == np.float64
        assert np.max(np.abs(fast - slow)) <= 8 * eps * max(1.0, np.max(np.abs(slow)))
    for y in (c, c[0, 0], np.asfortranarray(c)):
        fast, slow = g.dual_from_coords(y), g._dual_from_coords_by_index(y)
        assert fast.shape == slow.shape and fast.dtype == np.complex128
        assert np.max(np.abs(fast - slow)) <= 8 * eps * max(1.0, np.max(np.abs(slow)))
    assert UnitaryAlgebra(DENSE_COORDINATES_MAX + 1)._coordinate_matrices is None


@pytest.mark.parametrize("name", list(SMALL))
def test_basis_is_i_times_a_trace_orthonormal_hermitian_basis(name):
    g = SMALL[name]
    H = g.dual_from_coords(np.eye(g.dim))
    assert H.shape == (g.dim, g.n, g.n) and H.dtype == np.complex128
    assert np.allclose(H, _dagger(H), rtol=0, atol=1e-15)
    gram = np.einsum("aij,bji->ab", H, H)
    assert np.allclose(gram, np.eye(g.dim), rtol=0, atol=1e-14)
    assert np.allclose(g.basis(), 1j * H, rtol=0, atol=0)
    if g.special:
        assert np.allclose(np.trace(H, axis1=1, axis2=2), 0, rtol=0, atol=1e-14)


def test_su2_basis_is_pauli_matrices_over_sqrt2():
    sigma = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
    assert np.allclose(su(2).dual_from_coords(np.eye(3)), sigma / np.sqrt(2), rtol=0, atol=1e-15)


@SETTINGS
@given(algebra_and_coords(2))
def test_pairing_equals_dot_product_of_coordinates(args):
    g, a, b = args
    rho, xi = g.dual_from_coords(b), g.from_coords(a)
    assert np.isclose(g.pairing(rho, xi), a @ b, rtol=0, atol=1e-13 * (1 + np.abs(a) @ np.abs(b)))
    # <rho, iX> = tr(rho X) for Hermitian X
    X = xi / 1j
    assert np.isclose(g.pairing(rho, xi), np.trace(rho @ X).real, rtol=0, atol=1e-13 * g.dim)


# --------------------------------------------------------------------- bracket
@SETTINGS
@given(algebra_and_coords(3))
def test_ad_star_is_defined_by_pairing_with_the_bracket(args):
    g, a, b, c = args
    x, y, mu = g.from_coords(a), g.from_coords(b), g.dual_from_coords(c)
    lhs = g.pairing(g.ad_star(x, mu), y)
    rhs = g.pairing(mu, g.bracket(x, y))
    assert np.isclose(lhs, rhs, rtol=0, atol=1e-13 * g.dim)
    # one product and its Hermitian transpose against two products: equal up to the
    # rounding of the products (BLAS sums in its own order)
    size = np.abs(mu).max() * np.abs(x).max() * g.n
    assert np.allclose(g.ad_star(x, mu), mu @ x - x @ mu, rtol=0, atol=4 * np.finfo(float).eps * size)


@SETTINGS
@given(algebra_and_coords(3))
def test_bracket_is_antisymmetric_and_satisfies_jacobi(args):
    g, a, b, c = args
    x, y, z = g.from_coords(a), g.from_coords(b), g.from_coords(c)
    assert np.allclose(g.bracket(x, y), -g.bracket(y, x), rtol=0, atol=1e-14 * g.dim)
    jacobi = (
        g.bracket(x, g.bracket(y, z)) + g.bracket(y, g.bracket(z, x)) + g.bracket(z, g.bracket(x, y))
    )
    assert np.max(np.abs(jacobi)) <= 1e-13 * g.dim
    br = g.bracket(x, y)
    assert np.allclose(br, -_dagger(br), rtol=0, atol=1e-14 * g.dim)
    assert abs(np.trace(br)) <= 1e-13 * g.dim


@SETTINGS
@given(algebra_and_coords(2))
def test_structure_constants_and_ad_matrix_agree_with_the_bracket(args):
    g, a, b = args
    expected = g.to_coords(g.bracket(g.from_coords(a), g.from_coords(b)))
    via_constants = np.einsum("i,j,ijk->k", a, b, g.structure_constants())
    via_ad = g.ad(g.from_coords(a)) @ b
    assert np.allclose(via_constants, expected, rtol=0, atol=1e-13 * g.dim)
    assert np.allclose(via_ad, expected, rtol=0, atol=1e-13 * g.dim)


# ------------------------------------------------------------ functions of ad
@SETTINGS
@given(algebra_and_coords(2))
def test_coadjoint_exp_agrees_with_exponential_of_ad_and_with_conjugation(args):
    g, a, b = args
    xi, rho = g.from_coords(a), g.dual_from_coords(b)
    out = g.coadjoint_exp(xi, rho)
    dense = scipy.linalg.expm(g.ad(xi)).T @ b
    scale = 1.0 + np.linalg.norm(b)
    assert np.allclose(g.dual_to_coords(out), dense, rtol=0, atol=1e-12 * scale)
    conj = scipy.linalg.expm(-xi) @ rho @ scipy.linalg.expm(xi)
    assert np.allclose(out, conj, rtol=0, atol=1e-12 * scale)
    assert np.allclose(out, _dagger(out), rtol=0, atol=0)


@SETTINGS
@given(algebra_and_coords(3), reals(2), reals(2))
def test_coadjoint_exp_is_an_action_for_commuting_elements(args, s, t):
    g, a, b, c = args
    xi, rho = g.from_coords(a), g.dual_from_coords(c)
    # eta commutes with xi: same eigenvectors, other eigenvalues (traceless for su)
    _, V = np.linalg.eigh(-1j * xi)
    lam = b[: g.n] - (np.mean(b[: g.n]) if g.special else 0.0)
    eta = V @ np.diag(1j * lam) @ _dagger(V)
    assert np.allclose(g.bracket(xi, eta), 0, rtol=0, atol=1e-12 * g.dim)
    x1, x2 = s * xi + eta, t * xi - 0.5 * eta
    composed = g.coadjoint_exp(x1, g.coadjoint_exp(x2, rho))
    direct = g.coadjoint_exp(x1 + x2, rho)
    assert np.allclose(composed, direct, rtol=0, atol=1e-12 * (1 + np.linalg.norm(c)))


@pytest.mark.parametrize("name", DEXPINV_CASES)
@SETTINGS
@given(data=st.data(), radius=st.floats(1e-3, 1.0))
def test_dexpinv_star_agrees_with_dense_path_and_bernoulli_series(name, data, radius):
    g = SMALL[name]
    a, b = _coords(data.draw, g, 2)
    xi = _shrink_to_spectral_radius(g, g.from_coords(a), radius)
    nu = g.dual_from_coords(b)
    out = g.dexpinv_star(xi, nu)
    scale = 1.0 + np.linalg.norm(b)
    dense = StructureConstantsAlgebra(g.structure_constants()).dexpinv_star(g.to_coords(xi), b)
    assert np.allclose(g.dual_to_coords(out), dense, rtol=0, atol=1e-12 * scale)
    generic = LieAlgebra.dexpinv_star(g, xi, nu)
    assert np.allclose(out, generic, rtol=0, atol=1e-12 * scale)
    series = g.dexpinv_star_series(xi, nu, terms=40)
    assert np.allclose(out, series, rtol=0, atol=1e-12 * scale)
    assert np.allclose(out, _dagger(out), rtol=0, atol=0)


@SETTINGS
@given(algebra_and_coords(2))
def test_dexpinv_star_at_minus_xi_is_coadjoint_exp_of_dexpinv_star(args):
    # A(-x) = e^x A(x): the explicit half of the Lie-Poisson Hamilton-Jacobi step
    g, a, b = args
    xi = _shrink_to_spectral_radius(g, g.from_coords(a), 2.5)
    nu = g.dual_from_coords(b)
    lhs = g.dexpinv_star(-xi, nu)
    rhs = g.coadjoint_exp(xi, g.dexpinv_star(xi, nu))
    assert np.allclose(lhs, rhs, rtol=0, atol=1e-11 * (1 + np.linalg.norm(b)))


@pytest.mark.parametrize("name", list(SMALL))
def test_dexpinv_star_is_accurate_for_tiny_xi(name):
    g = SMALL[name]
    rng = np.random.default_rng(7)
    xi = 1e-9 * g.from_coords(rng.normal(size=g.dim))
    nu = g.dual_from_coords(rng.normal(size=g.dim))
    expected = nu - 0.5 * g.ad_star(xi, nu)
    assert np.allclose(g.dexpinv_star(xi, nu), expected, rtol=0, atol=1e-15 * np.linalg.norm(nu))
    assert np.allclose(g.dexpinv_star(0 * xi, nu), nu, rtol=0, atol=1e-15 * np.linalg.norm(nu))


def _factorised(g, data, radius):
    """A drawn xi (spectral radius at most ``radius``) and covector mu of ``g``, mu's
    coordinates, the factorisation of xi and the scale of the tolerances."""
    a, b = _coords(data.draw, g, 2)
    xi = _shrink_to_spectral_radius(g, g.from_coords(a), radius)
    return g, xi, g.dual_from_coords(b), b, g.ad_factorisation(xi), 1.0 + np.linalg.norm(b)


@pytest.mark.parametrize("name", DEXPINV_CASES)
@SETTINGS
@given(data=st.data(), radius=st.floats(1e-3, 3.0))
def test_dexp_star_of_the_factorisation_inverts_dexpinv_star(name, data, radius):
    g, xi, mu, b, f, scale = _factorised(SMALL[name], data, radius)
    nu = f.dexp_star(mu)
    assert np.allclose(g.dexpinv_star(xi, nu), mu, rtol=0, atol=1e-13 * scale)
    assert np.allclose(f.dexpinv_star(f.dexp_star(mu)), mu, rtol=0, atol=1e-13 * scale)
    assert np.allclose(nu, _dagger(nu), rtol=0, atol=0)
    # against phi_1 of the dense ad matrix of the structure constants
    dense = StructureConstantsAlgebra(g.structure_constants()).ad_factorisation(g.to_coords(xi))
    assert np.allclose(g.dual_to_coords(nu), dense.dexp_star(b), rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("name", DEXPINV_CASES)
@SETTINGS
@given(data=st.data(), radius=st.floats(1e-3, 3.0))
def test_coadjoint_exp_is_mu_plus_ad_star_of_its_dexp_star(name, data, radius):
    # e^x = 1 + x phi_1(x): the action from the solution of the chart equation, one bracket
    g, xi, mu, b, f, scale = _factorised(SMALL[name], data, radius)
    action = f.coadjoint_exp(mu, dexp_star=f.dexp_star(mu))
    assert np.allclose(action, g.coadjoint_exp(xi, mu), rtol=0, atol=1e-13 * scale)
    assert np.allclose(f.coadjoint_exp(mu), g.coadjoint_exp(xi, mu), rtol=0, atol=0)
    assert np.allclose(action, _dagger(action), rtol=0, atol=0)
    assert np.allclose(np.linalg.eigvalsh(action), np.linalg.eigvalsh(mu), rtol=0, atol=1e-13 * scale)


def test_the_factorisation_is_computed_once_and_only_when_needed(monkeypatch):
    g = SMALL["su(4)"]
    rng = np.random.default_rng(4)
    xi = g.from_coords(0.5 * rng.normal(size=(2, g.dim)))
    mu = g.dual_from_coords(rng.normal(size=(2, g.dim)))
    calls = []
    eigh = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda a: calls.append(1) or eigh(a))
    f = g.ad_factorisation(xi)
    nu = f.dexp_star(mu)
    f.dexpinv_star(nu)
    f.coadjoint_exp(mu)
    assert len(calls) == 1
    g.ad_factorisation(xi).coadjoint_exp(mu, dexp_star=nu)
    assert len(calls) == 1
    assert g.has_ad_factorisation and not so3().has_ad_factorisation


def test_ad_factorisation_rejects_xi_of_the_wrong_shape():
    with pytest.raises(ShapeError, match="xi must have trailing shape"):
        su(3).ad_factorisation(np.zeros((2, 2), dtype=complex))


def test_functions_of_ad_broadcast_over_batch_axes():
    g = SMALL["su(3)"]
    rng = np.random.default_rng(3)
    xi = g.from_coords(0.5 * rng.normal(size=(4, g.dim)))
    rho = g.dual_from_coords(rng.normal(size=g.dim))
    for method in (g.coadjoint_exp, g.dexpinv_star, g.ad_star):
        out = method(xi, rho)
        assert out.shape == (4, 3, 3)
        for i in range(4):
            assert np.allclose(out[i], method(xi[i], rho), rtol=0, atol=1e-14)
    assert g.pairing(rho, xi).shape == (4,)
    assert g.ad(xi).shape == (4, g.dim, g.dim)


# -------------------------------------------------------------------- Casimirs
def test_casimir_names_are_trace_powers_up_to_four():
    assert sorted(u(3).casimirs()) == ["tr rho^1", "tr rho^2", "tr rho^3"]
    assert sorted(su(2).casimirs()) == ["tr rho^2"]
    assert sorted(su(6).casimirs()) == ["tr rho^2", "tr rho^3", "tr rho^4"]


@SETTINGS
@given(algebra_and_coords(1), st.integers(1, 6))
def test_trace_power_is_the_power_sum_of_eigenvalues(args, k):
    g, b = args
    rho = g.dual_from_coords(b)
    expected = np.sum(np.linalg.eigvalsh(rho) ** k)
    assert np.isclose(g.trace_power(k)(rho), expected, rtol=0, atol=1e-12 * (1 + np.abs(b).sum()) ** k)


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_trace_power_rejects_bad_k(k):
    with pytest.raises(InvalidArgumentError, match="k"):
        u(2).trace_power(k)


# -------------------------------------------------------------------- large n
def test_su64_functions_of_ad_run_without_dense_structure_constants():
    g = su(64)
    assert g.dim == 4095
    rng = np.random.default_rng(64)
    xi = g.from_coords(rng.normal(size=g.dim) / np.sqrt(g.dim))
    rho = g.dual_from_coords(rng.normal(size=g.dim))
    scale = np.max(np.abs(np.linalg.eigvalsh(rho)))

    br = g.bracket(xi, g.from_coords(rng.normal(size=g.dim)))
    assert np.allclose(br, -_dagger(br), rtol=0, atol=1e-12) and abs(np.trace(br)) < 1e-11

    out = g.coadjoint_exp(xi, rho)
    assert np.allclose(out, _dagger(out), rtol=0, atol=0)
    assert abs(np.trace(out)) <= 1e-12 * scale * g.n
    assert np.allclose(np.linalg.eigvalsh(out), np.linalg.eigvalsh(rho), rtol=0, atol=1e-12 * scale)

    small = 1e-2 * xi
    d = g.dexpinv_star(small, rho)
    ad1 = g.ad_star(small, rho)
    ad2 = g.ad_star(small, ad1)
    ad4 = g.ad_star(small, g.ad_star(small, ad2))
    truncated = rho - ad1 / 2 + ad2 / 12 - ad4 / 720
    assert np.allclose(d, _dagger(d), rtol=0, atol=0)
    assert np.max(np.abs(d - truncated)) <= 1e-12 * scale
    assert np.max(np.abs(d - rho)) > 1e-4 * scale  # the check above is not vacuous
    assert "_constants" not in g.__dict__


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
@pytest.mark.parametrize("special", [False, True])
def test_constructor_rejects_bad_n(n, special):
    with pytest.raises(InvalidArgumentError, match="n"):
        UnitaryAlgebra(n, special=special)


def test_su1_is_rejected_but_u1_is_allowed():
    with pytest.raises(InvalidArgumentError, match="n must be >= 2, got 1"):
        UnitaryAlgebra(1, special=True)
    assert UnitaryAlgebra(1).dim == 1


def test_constructor_rejects_non_bool_special():
    with pytest.raises(InvalidArgumentError, match="special"):
        UnitaryAlgebra(2, special="yes")


def test_declared_shape_dtype_and_name():
    g = su(3)
    assert (g.shape, g.dtype, g.name, g.dim, g.n, g.special) == (
        (3, 3), np.dtype(np.complex128), "su(3)", 8, 3, True
    )
    assert g.zeros((2,)).shape == (2, 3, 3) and g.zeros().dtype == np.complex128
    h = u(2)
    assert (h.name, h.dim, h.special) == ("u(2)", 4, False)


# ---------------------------------------------------------------- the Cayley chart
def _cayley_case(n: int, special: bool, seed: int, size: float):
    """An algebra, a skew-Hermitian xi with |xi|_2 = size, a Hermitian mu of unit
    Frobenius norm, and the exact nu* of (I + xi/2) nu* (I - xi/2) = mu."""
    algebra = UnitaryAlgebra(n, special=special)
    rng = np.random.default_rng(seed)
    xi = algebra.from_coords(rng.standard_normal(algebra.dim))
    xi *= size / np.linalg.norm(xi, 2)
    mu = algebra.dual_from_coords(rng.standard_normal(algebra.dim))
    mu /= np.linalg.norm(mu)
    eye = np.eye(n)
    inverse = np.linalg.inv(eye + 0.5 * xi)
    nu_exact = inverse @ mu @ _dagger(inverse)
    return algebra, xi, mu, 0.5 * (nu_exact + _dagger(nu_exact))


@pytest.mark.parametrize("n, special", [(3, True), (5, True), (4, False), (40, True)])
def test_dcayinv_star_is_the_congruence_by_i_plus_half_xi(n, special):
    algebra, xi, mu, _ = _cayley_case(n, special, seed=n, size=0.7)
    eye = np.eye(n)
    out = algebra.dcayinv_star(xi, mu)
    np.testing.assert_allclose(out, (eye + 0.5 * xi) @ mu @ (eye - 0.5 * xi), atol=1e-14)
    assert np.array_equal(out, _dagger(out))  # exactly Hermitian


@pytest.mark.parametrize("n, special", [(3, True), (5, True), (4, False), (200, True)])
@pytest.mark.parametrize("error", [0.0, 1e-13, 1e-6])
def test_the_cayley_action_from_a_solved_midpoint_is_the_exact_action_to_round_off(n, special, error):
    """With nu and its residual (accurate or not), the one-product route gives the
    conjugation by the Cayley transform to round-off, and keeps the eigenvalues."""
    algebra, xi, mu, nu_exact = _cayley_case(n, special, seed=n, size=0.05)
    rng = np.random.default_rng(1)
    nu = nu_exact + error * algebra.dual_from_coords(rng.standard_normal(algebra.dim))
    residual = algebra.dcayinv_star(xi, nu) - mu
    exact = algebra.coadjoint_cayley(xi, mu)
    fast = algebra.coadjoint_cayley(xi, mu, nu=nu, residual=residual)
    assert np.max(np.abs(fast - exact)) <= 1e-14
    assert np.array_equal(fast, _dagger(fast))
    eigenvalues = np.linalg.eigvalsh(mu)
    assert np.max(np.abs(np.linalg.eigvalsh(fast) - eigenvalues)) <= 1e-14 * max(1.0, np.max(np.abs(eigenvalues)))


def test_the_cayley_action_takes_a_residual_of_a_nearby_xi():
    """The residual of the last update of an implicit solve is taken at the previous
    iterate's xi (eta): the bound accounts for |xi - eta| and the action stays exact."""
    algebra, xi, mu, nu_exact = _cayley_case(6, True, seed=2, size=0.05)
    eta = xi + 1e-9 * algebra.from_coords(np.random.default_rng(3).standard_normal(algebra.dim))
    residual = algebra.dcayinv_star(eta, nu_exact) - mu
    fast = algebra.coadjoint_cayley(xi, mu, nu=nu_exact, residual=residual, residual_xi=eta)
    assert np.max(np.abs(fast - algebra.coadjoint_cayley(xi, mu))) <= 1e-14


def test_the_cayley_action_takes_the_lu_route_for_a_large_xi_and_per_batch_member():
    """Where |xi| is too large for the refinement to contract, the LU route gives the action
    (the same bits as without nu); in a batch each member gets the bits of its own call."""
    algebra, xi, mu, nu_exact = _cayley_case(5, True, seed=4, size=3.0)
    residual = algebra.dcayinv_star(xi, nu_exact) - mu
    large = algebra.coadjoint_cayley(xi, mu, nu=nu_exact, residual=residual)
    assert np.array_equal(large, algebra.coadjoint_cayley(xi, mu))
    cases = [_cayley_case(5, True, seed=s, size=size) for s, size in ((5, 0.05), (6, 3.0), (7, 0.3))]
    xis, mus, nus = (np.stack([c[k] for c in cases]) for k in (1, 2, 3))
    nus = nus + 1e-8 * np.stack([np.eye(5)] * 3)
    residuals = algebra.dcayinv_star(xis, nus) - mus
    batch = algebra.coadjoint_cayley(xis, mus, nu=nus, residual=residuals)
    for k in range(3):
        alone = algebra.coadjoint_cayley(xis[k], mus[k], nu=nus[k], residual=residuals[k])
        assert np.array_equal(batch[k], alone)
