"""The laws every Lie algebra of the catalog obeys: each law of
:data:`liepoisson.testing.ALGEBRA_LAWS` as a property test over
:func:`liepoisson.testing.algebra_samples`, plus negative controls for the constants check
and closed forms against the generic dense ones.

Every comparison is relative to an a-priori size of the terms (norms of the inputs times
the Frobenius norm of the structure constants), so cancellation is never taken for error.
"""

from __future__ import annotations

import numpy as np
import pytest
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
    ALGEBRA_LAWS,
    algebra_samples,
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


# Each law of ALGEBRA_LAWS on data drawn by hypothesis. The defects are relative to the sum
# of the terms' sizes and their a-priori bound (at most three times that bound), so
# TABLE_RTOL = RTOL / 3 asks at least as much as RTOL times the bound alone.
TABLE_RTOL = RTOL / 3


@pytest.mark.parametrize("law", list(ALGEBRA_LAWS), ids=lambda law: law.key)
@LAWS
@given(sample=algebra_samples())
def test_catalog_algebras_obey_the_law(law, sample):
    if law.applies(sample):
        check = law.check(sample, TABLE_RTOL)
        assert check.passed, (sample.algebra.name, check)


@pytest.mark.parametrize("law", list(ALGEBRA_LAWS), ids=lambda law: law.key)
def test_every_law_of_the_table_is_a_row_of_verify_algebra(law):
    report = verify_algebra(catalog_algebra("sp(4)" if law.cayley else "se3"), n_examples=3)
    assert any(c.law.startswith(law.name) for c in report.checks), law.name


def test_the_laws_of_the_cayley_chart_are_rows_only_where_there_is_one():
    cayley = [law.name for law in ALGEBRA_LAWS if law.cayley]
    assert len(cayley) == 3
    for label, has in (("se3", False), ("so3", True), ("su(3)", True), ("sp(4)", True), ("heisenberg(2)", False)):
        report = verify_algebra(catalog_algebra(label), n_examples=3)
        rows = [c for c in report.checks if any(c.law.startswith(name) for name in cayley)]
        assert len(rows) == (3 if has else 0), label
        assert all(c.passed for c in rows), rows


def _casimir_scale(g, fn, mu):
    """``|grad C| |mu| + |C|``: the size of the terms that make up a Casimir's value."""
    grad = coords(g, numerical_gradient(fn, g, mu))
    return size(grad) * size(dual(g, mu)) + abs(float(fn(mu))), grad


# Stricter than the table's casimir_kernel law, whose numerical-derivative tolerance is 1e-7.
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
