"""find_casimirs recovers the known Casimirs of the catalog, and only Casimirs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import (
    PolynomialCasimir,
    StructureConstantsAlgebra,
    find_casimirs,
    gl,
    heisenberg,
    se3,
    sl,
    so,
    so3,
    su,
)
from liepoisson.derivatives import numerical_gradient
from liepoisson.testing import CATALOG_SAMPLES, catalog_algebra, structure_constants

RNG_SEED = 20240611


def random_covectors(g, n, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    return g.dual_from_coords(rng.uniform(-1.0, 1.0, (n, g.dim)))


def span_residual(functions, target, points):
    """Relative least-squares residual of ``target`` against ``span(functions)`` at points."""
    A = np.stack([np.asarray(f(points), dtype=float) for f in functions], axis=-1)
    b = np.asarray(target(points), dtype=float)
    coefficients, *_ = np.linalg.lstsq(A, b, rcond=None)
    return float(np.linalg.norm(A @ coefficients - b) / np.linalg.norm(b))


def degrees(found):
    return [c.degree for c in found]


def test_so3_casimir_is_the_squared_norm():
    (c,) = find_casimirs(so3())
    assert c.degree == 2
    assert str(c) == "mu0^2 + mu1^2 + mu2^2"
    mu = random_covectors(so3(), 7)
    np.testing.assert_allclose(c(mu), np.sum(mu**2, axis=-1), rtol=1e-14)


@pytest.mark.parametrize("factory", [so3, lambda: so(4), lambda: su(2), lambda: su(3), lambda: sl(2), lambda: sl(3)],
                         ids=["so3", "so4", "su2", "su3", "sl2", "sl3"])
def test_semisimple_algebras_have_no_linear_casimirs(factory):
    found = find_casimirs(factory(), max_degree=2)
    assert 1 not in degrees(found)
    assert 2 in degrees(found)


def test_se3_casimirs_are_gamma_squared_and_pi_dot_gamma():
    g = se3()
    found = find_casimirs(g)
    assert degrees(found) == [2, 2]
    assert [str(c) for c in found] == ["mu0*mu3 + mu1*mu4 + mu2*mu5", "mu3^2 + mu4^2 + mu5^2"]
    points = random_covectors(g, 20)
    for name in ("Gamma.Gamma", "Pi.Gamma"):
        assert span_residual(found, g.casimirs()[name], points) <= 1e-10


def test_sl2_quadratic_casimir_is_the_killing_form_quadratic():
    g = sl(2)
    found = find_casimirs(g)
    assert degrees(found) == [2]
    killing = g.casimirs()["killing"]
    assert span_residual(found, killing, random_covectors(g, 10)) <= 1e-10


def test_su3_has_one_quadratic_and_one_cubic_casimir():
    g = su(3)
    found = find_casimirs(g, max_degree=3)
    assert degrees(found) == [2, 3]
    points = random_covectors(g, 30)
    assert span_residual(found[:1], g.casimirs()["tr rho^2"], points) <= 1e-10
    assert span_residual(found[1:], g.casimirs()["tr rho^3"], points) <= 1e-10


def test_heisenberg_casimirs_are_the_central_coordinate_and_its_powers():
    found = find_casimirs(heisenberg(2), max_degree=3)
    assert [str(c) for c in found] == ["mu4", "mu4^2", "mu4^3"]
    assert degrees(found) == [1, 2, 3]


def test_gl2_has_the_trace_at_degree_one_and_two_quadratics():
    found = find_casimirs(gl(2))
    assert degrees(found) == [1, 2, 2]
    points = random_covectors(gl(2), 20)
    assert span_residual(found[:1], gl(2).casimirs()["tr M^1"], points) <= 1e-10
    assert span_residual(found, gl(2).casimirs()["tr M^2"], points) <= 1e-10


def test_abelian_algebra_has_every_polynomial_as_casimir():
    g = StructureConstantsAlgebra(np.zeros((2, 2, 2)))
    assert degrees(find_casimirs(g, max_degree=2)) == [1, 1, 2, 2, 2]


def _max_degree_of_known(label):
    return 4 if label in ("so(4)", "sp(4)", "sl(3)", "su(3)") else 3


@pytest.mark.parametrize("label", [label for label in CATALOG_SAMPLES if catalog_algebra(label).casimirs()])
def test_known_catalog_casimirs_lie_in_the_span_of_the_found_ones(label):
    g = catalog_algebra(label)
    found = find_casimirs(g, max_degree=_max_degree_of_known(label))
    points = random_covectors(g, 3 * len(found) + 10)
    for name, fn in g.casimirs().items():
        assert span_residual(found, fn, points) <= 1e-10, name


@pytest.mark.parametrize("label", CATALOG_SAMPLES)
def test_found_casimirs_are_in_the_kernel_of_the_poisson_tensor(label):
    g = catalog_algebra(label)
    mu = random_covectors(g, 5)
    c = g.dual_to_coords(mu)
    J = -np.einsum("ijk,...k->...ij", g.structure_constants(), c)
    for cas in find_casimirs(g, max_degree=3):
        grad = g.to_coords(cas.gradient(mu))
        bound = np.linalg.norm(g.structure_constants()) * np.linalg.norm(grad) * np.linalg.norm(c)
        assert np.linalg.norm(np.einsum("...ij,...j->...i", J, grad)) <= 1e-12 * bound, str(cas)


@pytest.mark.parametrize("label", ["so3", "se3", "su(3)", "gl(2)", "heisenberg(2)"])
def test_casimir_gradient_matches_numerical_gradient(label):
    g = catalog_algebra(label)
    mu = random_covectors(g, 4)
    for cas in find_casimirs(g, max_degree=3):
        exact = g.to_coords(cas.gradient(mu))
        numerical = g.to_coords(numerical_gradient(cas, g, mu))
        np.testing.assert_allclose(exact, numerical, rtol=0, atol=1e-10 * np.abs(exact).max())


@pytest.mark.parametrize("label", ["se3", "su(3)", "sl(2) x| R^2"])
def test_found_casimirs_are_invariant_under_coadjoint_exp(label):
    g = catalog_algebra(label)
    rng = np.random.default_rng(1)
    xi = g.from_coords(rng.uniform(-1, 1, (6, g.dim)))
    mu = random_covectors(g, 6)
    for cas in find_casimirs(g, max_degree=3):
        before, after = cas(mu), cas(g.coadjoint_exp(xi, mu))
        scale = np.linalg.norm(g.to_coords(cas.gradient(mu)), axis=-1) * np.linalg.norm(g.dual_to_coords(mu), axis=-1)
        assert np.all(np.abs(after - before) <= 1e-12 * scale), str(cas)


def test_polynomial_casimir_broadcasts_over_leading_axes():
    g = su(3)
    found = find_casimirs(g, max_degree=3)
    rng = np.random.default_rng(2)
    mu = g.dual_from_coords(rng.uniform(-1, 1, (4, 5, g.dim)))
    for cas in found:
        values = cas(mu)
        assert values.shape == (4, 5)
        np.testing.assert_allclose(values[2, 3], cas(mu[2, 3]), rtol=1e-14)
        assert cas.gradient(mu).shape == (4, 5, 3, 3)
        np.testing.assert_allclose(cas.gradient(mu)[1, 4], cas.gradient(mu[1, 4]), rtol=1e-14)


def test_polynomial_casimir_prints_signs_and_rational_coefficients():
    cas = PolynomialCasimir(so3(), 2, [[2, 0, 0], [1, 1, 0], [0, 0, 2]], [-1.0, -2.0, 0.5])
    assert str(cas) == "-mu0^2 - 2*mu0*mu1 + 1/2*mu2^2"
    assert "so(3)" in repr(cas)
    np.testing.assert_allclose(cas(np.array([1.0, 2.0, 2.0])), -1 - 4 + 2)
    np.testing.assert_allclose(cas.gradient(np.array([1.0, 2.0, 2.0])), [-2 - 4, -2, 2])


def test_polynomial_casimir_is_immutable():
    (cas,) = find_casimirs(so3())
    with pytest.raises(AttributeError):
        cas.degree = 3
    with pytest.raises(ValueError):
        cas.coefficients[0] = 7.0


@settings(max_examples=25, deadline=None)
@given(C=structure_constants(max_dim=5))
def test_found_casimirs_of_random_algebras_poisson_commute_with_coordinates(C):
    g = StructureConstantsAlgebra(C)
    mu = random_covectors(g, 4)
    c = g.dual_to_coords(mu)
    for cas in find_casimirs(g, max_degree=2):
        grad = cas.gradient(mu)
        residual = np.einsum("ijk,...k,...j->...i", C, c, grad)  # {C, mu_i}
        bound = np.linalg.norm(C) * np.linalg.norm(grad) * np.linalg.norm(c)
        assert np.linalg.norm(residual) <= 1e-9 * bound, str(cas)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_casimir_count_is_invariant_under_change_of_basis(seed):
    from liepoisson.testing import change_of_basis

    rng = np.random.default_rng(seed)
    P = np.eye(6) + 0.4 * rng.uniform(-1, 1, (6, 6)) / 3
    g = StructureConstantsAlgebra(change_of_basis(se3().structure_constants(), P))
    assert degrees(find_casimirs(g)) == [2, 2]
