"""The laws every Lie algebra of the catalog obeys, as property tests over
:func:`liepoisson.testing.catalog_algebras`, plus negative controls for the constants check.

Every comparison is relative to an a-priori size of the terms (norms of the inputs times
the Frobenius norm of the structure constants), so cancellation is never taken for error.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import (
    InvalidStructureConstantsError,
    StructureConstantsAlgebra,
    check_structure_constants,
    heisenberg,
    se3,
    so3,
)
from liepoisson.derivatives import numerical_gradient
from liepoisson.testing import (
    reals,
    CATALOG_SAMPLES,
    catalog_algebra,
    catalog_algebras,
    covectors,
    elements,
    structure_constants,
    verify_algebra,
)

LAWS = settings(max_examples=30, deadline=None)
RTOL = 1e-12


def coords(g, x):
    return np.asarray(g.to_coords(x))


def dual(g, mu):
    return np.asarray(g.dual_to_coords(mu))


def size(v):
    return float(np.linalg.norm(np.asarray(v)))


def cnorm(g):
    return float(np.linalg.norm(g.structure_constants()))


def assert_small(residual, bound, rtol=RTOL):
    """``|residual| <= rtol * bound`` (with a floor so that exact zeros pass)."""
    assert size(residual) <= rtol * bound + 1e-300, (size(residual), bound)


@st.composite
def algebra_with(draw, n_elements=2, n_covectors=0, with_casimirs=False):
    """A catalog algebra, ``n_elements`` elements and ``n_covectors`` covectors of it."""
    algebras = catalog_algebras()
    if with_casimirs:
        algebras = algebras.filter(lambda h: bool(h.casimirs()))
    g = draw(algebras)
    return (g, *(draw(elements(g)) for _ in range(n_elements)), *(draw(covectors(g)) for _ in range(n_covectors)))


def shrink_ad(g, x, bound):
    """``x`` scaled so that the spectral norm of ``ad(x)`` is at most ``bound``."""
    norm = np.linalg.norm(g.ad(x), 2)
    return x if norm <= bound else g.from_coords(coords(g, x) * (bound / norm))


@LAWS
@given(drawn=algebra_with(3), a=reals(2), b=reals(2))
def test_bracket_is_bilinear(drawn, a, b):
    g, x, y, z = drawn
    left = coords(g, g.bracket(a * x + b * z, y)) - a * coords(g, g.bracket(x, y)) - b * coords(g, g.bracket(z, y))
    right = coords(g, g.bracket(x, a * y + b * z)) - a * coords(g, g.bracket(x, y)) - b * coords(g, g.bracket(x, z))
    bound = 3 * cnorm(g) * (abs(a) + abs(b) + 1) * max(size(coords(g, v)) for v in (x, y, z)) ** 2
    assert_small(left, bound)
    assert_small(right, bound)


@LAWS
@given(drawn=algebra_with(2))
def test_bracket_is_antisymmetric(drawn):
    g, x, y = drawn
    residual = coords(g, g.bracket(x, y)) + coords(g, g.bracket(y, x))
    assert_small(residual, cnorm(g) * size(coords(g, x)) * size(coords(g, y)))


@LAWS
@given(data=st.data())
def test_bracket_satisfies_the_jacobi_identity(data):
    g = data.draw(catalog_algebras())
    x, y, z = (data.draw(elements(g, batch_shape=(3,))) for _ in range(3))
    residual = coords(g, g.bracket(x, g.bracket(y, z)) + g.bracket(y, g.bracket(z, x)) + g.bracket(z, g.bracket(x, y)))
    bound = 3 * cnorm(g) ** 2 * size(coords(g, x)) * size(coords(g, y)) * size(coords(g, z))
    assert_small(residual, bound)


@LAWS
@given(drawn=algebra_with(2))
def test_ad_of_a_bracket_is_the_commutator_of_ads(drawn):
    g, x, y = drawn
    adx, ady = g.ad(x), g.ad(y)
    residual = g.ad(g.bracket(x, y)) - (adx @ ady - ady @ adx)
    assert_small(residual, 3 * cnorm(g) ** 2 * size(coords(g, x)) * size(coords(g, y)))


@LAWS
@given(drawn=algebra_with(2, 1))
def test_ad_star_is_the_transpose_of_ad_under_the_pairing(drawn):
    g, x, y, mu = drawn
    residual = g.pairing(g.ad_star(x, mu), y) - g.pairing(mu, g.bracket(x, y))
    assert_small(residual, 2 * cnorm(g) * size(coords(g, x)) * size(coords(g, y)) * size(dual(g, mu)))


@LAWS
@given(drawn=algebra_with(1, 1))
def test_pairing_is_the_dot_product_of_coordinates(drawn):
    g, y, mu = drawn
    residual = g.pairing(mu, y) - np.dot(dual(g, mu), coords(g, y))
    assert_small(residual, size(dual(g, mu)) * size(coords(g, y)))


@LAWS
@given(drawn=algebra_with(2))
def test_structure_constants_reproduce_the_bracket_and_ad(drawn):
    g, x, y = drawn
    C = g.structure_constants()
    expected = np.einsum("i,j,ijk->k", coords(g, x), coords(g, y), C)
    bound = cnorm(g) * size(coords(g, x)) * size(coords(g, y))
    assert_small(coords(g, g.bracket(x, y)) - expected, bound)
    assert_small(g.ad(x) @ coords(g, y) - expected, bound)


@pytest.mark.parametrize("label", CATALOG_SAMPLES)
def test_structure_constants_of_basis_brackets(label):
    g = catalog_algebra(label)
    basis = g.basis()
    C = g.structure_constants()
    for i in range(g.dim):
        got = coords(g, g.bracket(basis[i][None], basis))
        np.testing.assert_allclose(got, C[i], rtol=0, atol=1e-13 * max(1.0, np.abs(C).max()))


@LAWS
@given(drawn=algebra_with(1, 1))
def test_coadjoint_exp_is_the_transpose_of_expm_of_ad(drawn):
    g, xi, mu = drawn
    E = scipy.linalg.expm(g.ad(xi))
    residual = dual(g, g.coadjoint_exp(xi, mu)) - E.T @ dual(g, mu)
    assert_small(residual, np.linalg.norm(E, 2) * size(dual(g, mu)))


@LAWS
@given(drawn=algebra_with(1, 1), s=reals(1), t=reals(1))
def test_coadjoint_exp_is_a_one_parameter_group(drawn, s, t):
    g, xi, mu = drawn
    two = g.coadjoint_exp(t * xi, g.coadjoint_exp(s * xi, mu))
    one = g.coadjoint_exp((s + t) * xi, mu)
    growth = np.exp(2 * np.linalg.norm(g.ad(xi), 2))
    assert_small(dual(g, two) - dual(g, one), 10 * growth * size(dual(g, mu)))


@LAWS
@given(data=st.data())
def test_dexpinv_star_matches_the_dense_block_exponential_path(data):
    g = data.draw(catalog_algebras())
    xi = shrink_ad(g, data.draw(elements(g, scale=2.0)), 3.0)
    nu = data.draw(covectors(g))
    dense = StructureConstantsAlgebra(g.structure_constants())
    expected = dense.dexpinv_star(coords(g, xi), dual(g, nu))
    assert_small(dual(g, g.dexpinv_star(xi, nu)) - expected, 1e2 * size(dual(g, nu)))


@LAWS
@given(drawn=algebra_with(1, 1))
def test_dexpinv_star_matches_the_bernoulli_series(drawn):
    g, xi, nu = drawn
    xi = shrink_ad(g, xi, 1.0)
    residual = dual(g, g.dexpinv_star(xi, nu)) - dual(g, g.dexpinv_star_series(xi, nu))
    assert_small(residual, 10 * size(dual(g, nu)))


def _casimir_scale(g, fn, mu):
    """``|grad C| |mu| + |C|``: the size of the terms that make up a Casimir's value."""
    grad = coords(g, numerical_gradient(fn, g, mu))
    return size(grad) * size(dual(g, mu)) + abs(float(fn(mu))), grad


@LAWS
@given(drawn=algebra_with(1, 1, with_casimirs=True))
def test_casimirs_are_invariant_under_coadjoint_exp(drawn):
    g, xi, mu = drawn
    moved = g.coadjoint_exp(xi, mu)
    for name, fn in g.casimirs().items():
        scale, _ = _casimir_scale(g, fn, mu)
        moved_scale, _ = _casimir_scale(g, fn, moved)
        assert_small(fn(moved) - fn(mu), 10 * (scale + moved_scale))


@LAWS
@given(drawn=algebra_with(0, 1, with_casimirs=True))
def test_casimir_gradients_are_in_the_kernel_of_the_poisson_tensor(drawn):
    g, mu = drawn
    C = g.structure_constants()
    J = -np.einsum("ijk,k->ij", C, dual(g, mu))
    for name, fn in g.casimirs().items():
        _, grad = _casimir_scale(g, fn, mu)
        # the difference stencil has step 2e-3 r, r = max(1, |mu|_inf); its round-off,
        # about 1e-13 |C| / r where |C| is the Casimir's size at distance r, is the floor
        r = max(1.0, np.max(np.abs(dual(g, mu))))
        reach = abs(float(fn(g.dual_from_coords(dual(g, mu) + r / np.sqrt(g.dim))))) + r
        floor = 1e-11 * reach / r
        assert_small(J @ grad, cnorm(g) * (size(grad) + floor) * size(dual(g, mu)), rtol=1e-8)


@pytest.mark.parametrize("label", CATALOG_SAMPLES)
def test_verify_algebra_passes_on_every_catalog_algebra(label):
    report = verify_algebra(catalog_algebra(label), n_examples=10, seed=7)
    assert report.passed, str(report)
    report.raise_if_failed()
    assert all(c.residual <= 1e-12 for c in report.checks), str(report)


# ------------------------------------------------------------- negative controls
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(5, 7))
def test_random_antisymmetric_constants_fail_the_jacobi_check(seed, dim):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(dim, dim, dim))
    C = A - np.swapaxes(A, 0, 1)
    with pytest.raises(InvalidStructureConstantsError, match="Jacobi"):
        StructureConstantsAlgebra(C)


def test_se3_constants_pass_the_check_and_every_law():
    C = se3().structure_constants()
    np.testing.assert_array_equal(check_structure_constants(C), C)
    assert verify_algebra(StructureConstantsAlgebra(C), n_examples=10).passed


@settings(max_examples=25, deadline=None)
@given(C=structure_constants())
def test_generated_structure_constants_are_those_of_a_lie_algebra(C):
    g = StructureConstantsAlgebra(C)
    report = verify_algebra(g, n_examples=4, seed=1)
    assert report.passed, str(report)


@settings(max_examples=40, deadline=None)
@given(
    direction=st.lists(reals(1), min_size=3, max_size=3).filter(lambda v: np.linalg.norm(v) > 1e-3),
    theta=st.one_of(reals(1e-6).map(abs), reals(6.0).map(abs)),
    mu=st.lists(reals(1), min_size=3, max_size=3),
)
def test_so3_closed_forms_agree_with_the_generic_dense_ones(direction, theta, mu):
    g, dense = so3(), StructureConstantsAlgebra(so3().structure_constants())
    xi = theta * np.asarray(direction) / np.linalg.norm(direction)
    mu = np.asarray(mu)
    np.testing.assert_allclose(g.coadjoint_exp(xi, mu), dense.coadjoint_exp(xi, mu), rtol=0, atol=1e-13 * (1 + size(mu)))
    # dexpinv_star is singular at |xi| = 2 pi; its size grows like 1 / (2 pi - |xi|)
    bound = (1 + theta) / (2 * np.pi - theta)
    np.testing.assert_allclose(g.dexpinv_star(xi, mu), dense.dexpinv_star(xi, mu), rtol=0, atol=1e-12 * bound * (1 + size(mu)))


@LAWS
@given(data=st.data(), n=st.integers(1, 3))
def test_heisenberg_exact_formulas_agree_with_the_generic_dense_ones(data, n):
    g = heisenberg(n)
    dense = StructureConstantsAlgebra(g.structure_constants())
    xi = data.draw(elements(g, scale=3.0))
    mu = data.draw(covectors(g, scale=3.0))
    scale = 1 + size(xi) * size(mu) + size(mu)
    np.testing.assert_allclose(g.coadjoint_exp(xi, mu), dense.coadjoint_exp(xi, mu), rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(g.dexpinv_star(xi, mu), dense.dexpinv_star(xi, mu), rtol=0, atol=1e-13 * scale)
