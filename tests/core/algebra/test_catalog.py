"""Laws of the catalog algebras: dimensions, Jacobi, Casimirs, and the named conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from liepoisson import (
    SO3,
    Heisenberg,
    InvalidArgumentError,
    InvalidStructureConstantsError,
    ShapeError,
    StructureConstantsAlgebra,
    UnitaryAlgebra,
    check_structure_constants,
    direct_sum,
    gl,
    heisenberg,
    numerical_gradient,
    se,
    se3,
    semidirect_product,
    sl,
    so,
    so3,
    sp,
    su,
    u,
)
from liepoisson.testing import reals

SETTINGS = settings(max_examples=25, deadline=None)
PER_ALGEBRA = settings(max_examples=15, deadline=None)  # parametrized over ~20 algebras

HAT = so3().ad(np.eye(3))  # hat(e_a), the defining representation of so(3)

# (label, algebra, expected dimension)
CATALOG = [
    *[(f"so({n})", so(n), n * (n - 1) // 2) for n in (2, 3, 4, 5)],
    *[(f"sp({n})", sp(n), n * (n + 1) // 2) for n in (2, 4)],
    *[(f"se({n})", se(n), n * (n + 1) // 2) for n in (2, 3, 4)],
    ("se3", se3(), 6),
    *[(f"su({n})", su(n), n * n - 1) for n in (2, 3, 4)],
    *[(f"u({n})", u(n), n * n) for n in (1, 2, 3)],
    *[(f"sl({n})", sl(n), n * n - 1) for n in (2, 3, 4)],
    *[(f"gl({n})", gl(n), n * n) for n in (1, 2, 3)],
    *[(f"heisenberg({n})", heisenberg(n), 2 * n + 1) for n in (1, 2, 3)],
    ("so3+heisenberg(1)", direct_sum(so3(), heisenberg(1)), 6),
    ("su(2)+sl(2)", direct_sum(su(2), sl(2)), 6),
]
ALGEBRAS = {label: g for label, g, _ in CATALOG}
WITH_CASIMIRS = [label for label, g, _ in CATALOG if g.casimirs()]
MAX_CASIMIR_DEGREE = 4  # the highest degree among the Casimirs tested here


FOUR_VECTORS = hnp.arrays(np.float64, (4, 3), elements=reals(2))


def _skew_basis(n):
    from geomstats.geometry.skew_symmetric_matrices import SkewSymmetricMatrices

    return np.array(SkewSymmetricMatrices(n).basis, dtype=float)


def _unit(v, size):
    norm = np.linalg.norm(v)
    return v * (size / norm) if norm > 0 else v


# -------------------------------------------------------------- dims and Jacobi
@pytest.mark.parametrize("label,expected", [(label, d) for label, _, d in CATALOG])
def test_catalog_algebra_has_the_expected_dimension(label, expected):
    g = ALGEBRAS[label]
    assert g.dim == expected
    assert g.structure_constants().shape == (expected,) * 3


@pytest.mark.parametrize("label", list(ALGEBRAS))
def test_catalog_algebra_constants_satisfy_antisymmetry_and_jacobi(label):
    C = ALGEBRAS[label].structure_constants()
    checked = check_structure_constants(C, rtol=1e-12)
    assert np.array_equal(checked, C)


def test_factories_return_the_documented_types():
    for g in (so(3), se(3), se3(), sl(2), gl(2), direct_sum(so3(), so3())):
        assert type(g) is StructureConstantsAlgebra and g.casimirs()
    assert type(su(2)) is UnitaryAlgebra and su(2).special
    assert type(u(2)) is UnitaryAlgebra and not u(2).special
    assert type(so3()) is SO3 and type(heisenberg(1)) is Heisenberg
    assert [so(4).name, se(2).name, se3().name, sl(3).name, gl(2).name] == [
        "so(4)", "se(2)", "se(3)", "sl(3)", "gl(2)"
    ]


# -------------------------------------------------------------------- Casimirs
@pytest.mark.parametrize("label", WITH_CASIMIRS)
@PER_ALGEBRA
@given(data=st.data(), mu_size=st.floats(0.1, 1.0), xi_size=reals(0.7).map(abs))
def test_known_casimirs_are_invariant_under_coadjoint_exp(label, data, mu_size, xi_size):
    g = ALGEBRAS[label]
    a = data.draw(hnp.arrays(np.float64, g.dim, elements=reals(1)))
    b = data.draw(hnp.arrays(np.float64, g.dim, elements=reals(1)))
    xi, mu = g.from_coords(_unit(a, xi_size)), g.dual_from_coords(_unit(b, mu_size))
    moved = g.coadjoint_exp(xi, mu)
    size = max(1.0, float(np.linalg.norm(g.dual_to_coords(moved))))
    for name, casimir in g.casimirs().items():
        before, after = casimir(mu), casimir(moved)
        assert np.shape(before) == ()
        assert abs(after - before) <= 1e-12 * size**MAX_CASIMIR_DEGREE, name


@pytest.mark.parametrize("label", WITH_CASIMIRS)
@PER_ALGEBRA
@given(data=st.data())
def test_casimir_gradients_lie_in_the_kernel_of_the_poisson_tensor(label, data):
    g = ALGEBRAS[label]
    b = data.draw(hnp.arrays(np.float64, g.dim, elements=reals(1)))
    b = b + 0.1 * np.cos(np.arange(g.dim))  # keep away from the origin
    mu = g.dual_from_coords(b)
    C = g.structure_constants()
    J = -np.einsum("ijk,k->ij", C, b)
    for name, casimir in g.casimirs().items():
        grad = g.to_coords(numerical_gradient(casimir, g, mu))
        assert np.linalg.norm(grad) > 1e-6, name  # a nontrivial function
        residual = np.max(np.abs(J @ grad))
        scale = np.max(np.abs(J)) * np.linalg.norm(grad, 1)
        assert residual <= 1e-9 * max(1.0, scale), name


def test_casimirs_of_a_direct_sum_are_those_of_the_summands_on_their_blocks():
    g = direct_sum(su(2), heisenberg(1))
    assert sorted(g.casimirs()) == ["g.tr rho^2", "h.central"]
    mu = np.array([0.3, -1.2, 0.7, 2.0, -0.5, 1.5])
    assert np.isclose(g.casimirs()["g.tr rho^2"](mu), np.sum(mu[:3] ** 2), rtol=1e-14)
    assert g.casimirs()["h.central"](mu) == 1.5
    batch = np.stack([mu, 2 * mu])
    assert np.allclose(g.casimirs()["g.tr rho^2"](batch), np.array([1.0, 4.0]) * np.sum(mu[:3] ** 2))


def test_direct_sum_constants_are_block_diagonal():
    g, h = so3(), sl(2)
    s = direct_sum(g, h, name="so3+sl2")
    C = s.structure_constants()
    assert s.name == "so3+sl2"
    assert np.array_equal(C[:3, :3, :3], g.structure_constants())
    assert np.array_equal(C[3:, 3:, 3:], h.structure_constants())
    off = np.ones_like(C, dtype=bool)
    off[:3, :3, :3] = off[3:, 3:, 3:] = False
    assert not np.any(C[off])


# ---------------------------------------------------------------------- so(n)
def _assert_bracket_is_the_commutator(g, B, rng):
    """The bracket of ``g`` is the commutator of the matrices ``B`` (one per basis element)."""
    x, y = rng.normal(size=(2, g.dim))
    X, Y = np.einsum("a,aij->ij", x, B), np.einsum("a,aij->ij", y, B)
    Z = np.einsum("a,aij->ij", g.bracket(x, y), B)
    assert np.allclose(Z, X @ Y - Y @ X, rtol=0, atol=1e-13)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_so_bracket_is_the_commutator_of_the_geomstats_skew_basis(n):
    g = so(n)
    rng = np.random.default_rng(n)
    _assert_bracket_is_the_commutator(g, _skew_basis(n), rng)
    mu = rng.normal(size=g.dim)
    assert np.isclose(g.casimirs()["tr M^2"](mu), -2 * mu @ mu, rtol=1e-13)


# ---------------------------------------------------------------------- sp(n)
def _hamiltonian_basis(n):
    """J S for S = E_ii and E_ij + E_ji (i < j) in row order, J = [[0, I], [-I, 0]]."""
    m = n // 2
    J = np.block([[np.zeros((m, m)), np.eye(m)], [-np.eye(m), np.zeros((m, m))]])
    out = []
    for i in range(n):
        for j in range(i, n):
            S = np.zeros((n, n))
            S[i, j] = S[j, i] = 1.0
            out.append(J @ S)
    return J, np.array(out)


@pytest.mark.parametrize("n", [2, 4, 6])
def test_sp_bracket_is_the_commutator_of_hamiltonian_matrices(n):
    J, B = _hamiltonian_basis(n)
    assert np.allclose(np.swapaxes(B, -1, -2) @ J + J @ B, 0.0, rtol=0, atol=0)
    g = sp(n)
    assert g.dim == len(B) == n * (n + 1) // 2 and g.name == f"sp({n})" and g.has_cayley
    rng = np.random.default_rng(n)
    _assert_bracket_is_the_commutator(g, B, rng)
    # the covector as the Hamiltonian matrix M with tr(M B_a) = mu_a
    mu = rng.normal(size=g.dim)
    gram = np.einsum("aij,bji->ab", B, B)
    M = np.einsum("a,aij->ij", np.linalg.solve(gram, mu), B)
    for k in range(2, n + 1, 2):
        trace = np.trace(np.linalg.matrix_power(M, k))
        assert np.isclose(g.casimirs()[f"tr M^{k}"](mu), trace, rtol=1e-12, atol=1e-14), k


@pytest.mark.parametrize("n", [0, 3, 5, 2.0, "4"])
def test_sp_refuses_anything_but_an_even_integer_naming_it(n):
    with pytest.raises(InvalidArgumentError, match="n must be"):
        sp(n)


def test_so3_constants_are_exactly_those_of_so3():
    assert np.array_equal(so(3).structure_constants(), so3().structure_constants())
    assert sorted(so(5).casimirs()) == ["tr M^2", "tr M^4"]


# ---------------------------------------------------------------------- se(n)
@SETTINGS
@given(FOUR_VECTORS)
def test_se3_bracket_is_cross_products_with_rotation_part_first(v):
    w1, v1, w2, v2 = v
    g = se3()
    out = g.bracket(np.concatenate([w1, v1]), np.concatenate([w2, v2]))
    expected = np.concatenate([np.cross(w1, w2), np.cross(w1, v2) - np.cross(w2, v1)])
    assert np.allclose(out, expected, rtol=0, atol=1e-13)


@SETTINGS
@given(FOUR_VECTORS)
def test_se3_lie_poisson_equations_are_the_heavy_top_equations(v):
    Pi, Gamma, Omega, dH_dGamma = v
    g = se3()
    mu_dot = g.ad_star(np.concatenate([Omega, dH_dGamma]), np.concatenate([Pi, Gamma]))
    assert np.allclose(mu_dot[:3], np.cross(Pi, Omega) + np.cross(Gamma, dH_dGamma), atol=1e-13)
    assert np.allclose(mu_dot[3:], np.cross(Gamma, Omega), atol=1e-13)


def test_se3_casimirs_are_gamma_squared_and_pi_dot_gamma():
    cas = se3().casimirs()
    assert sorted(cas) == ["Gamma.Gamma", "Pi.Gamma"]
    mu = np.array([1.0, 2.0, 3.0, -1.0, 0.5, 2.0])
    assert cas["Gamma.Gamma"](mu) == 1.0 + 0.25 + 4.0
    assert cas["Pi.Gamma"](mu) == -1.0 + 1.0 + 6.0


@pytest.mark.parametrize("n", [2, 3, 4])
def test_se_translation_part_is_acted_on_by_the_defining_representation(n):
    g, rot = se(n), so(n)
    d = rot.dim
    C = g.structure_constants()
    assert np.array_equal(C[:d, :d, :d], rot.structure_constants())
    assert not np.any(C[d:, d:, :])  # translations commute
    assert not np.any(C[:d, :d, d:])  # rotations close among themselves
    B = _skew_basis(n)
    rng = np.random.default_rng(n)
    x, v = rng.normal(size=d), rng.normal(size=n)
    out = g.bracket(np.concatenate([x, np.zeros(n)]), np.concatenate([np.zeros(d), v]))
    assert np.allclose(out, np.concatenate([np.zeros(d), np.einsum("a,aij,j->i", x, B, v)]))


def test_semidirect_product_with_hat_matrices_is_se3():
    g = semidirect_product(so3(), HAT)
    assert g.name == "so(3) x| R^3" and g.dim == 6
    assert np.array_equal(g.structure_constants(), se3().structure_constants())


def test_semidirect_product_rejects_a_non_representation_naming_the_worst_pair():
    with pytest.raises(InvalidStructureConstantsError, match=r"worst pair \(a, b\) = \(\d, \d\)"):
        semidirect_product(so3(), 2.0 * HAT)
    bad = HAT.copy()
    bad[2] = 0.0
    with pytest.raises(InvalidStructureConstantsError, match=r"residual .* = [0-9.]+e[+-]\d+"):
        semidirect_product(so3(), bad)


def test_semidirect_product_rejects_wrong_shapes_and_arguments():
    with pytest.raises(ShapeError, match="representation"):
        semidirect_product(so3(), np.zeros((2, 3, 3)))
    with pytest.raises(ShapeError, match="representation"):
        semidirect_product(so3(), np.zeros((3, 3, 2)))
    with pytest.raises(InvalidArgumentError, match="g must be a LieAlgebra"):
        semidirect_product("so3", HAT)
    with pytest.raises(InvalidArgumentError, match="h must be a LieAlgebra"):
        direct_sum(so3(), None)


# ------------------------------------------------------------------ sl and gl
@pytest.mark.parametrize("n", [2, 3, 4])
def test_sl_bracket_is_the_commutator_of_its_documented_basis(n):
    off_rows, off_cols = np.nonzero(~np.eye(n, dtype=bool))
    B = [np.outer(np.eye(n)[i], np.eye(n)[j]) for i, j in zip(off_rows, off_cols)]
    B += [np.diag(np.eye(n)[i] - np.eye(n)[i + 1]) for i in range(n - 1)]
    B = np.array(B)
    g = sl(n)
    rng = np.random.default_rng(n)
    x, y, mu = rng.normal(size=(3, g.dim))
    X, Y = np.einsum("a,aij->ij", x, B), np.einsum("a,aij->ij", y, B)
    Z = np.einsum("a,aij->ij", g.bracket(x, y), B)
    assert np.allclose(Z, X @ Y - Y @ X, rtol=0, atol=1e-12)
    cas = g.casimirs()
    assert np.isclose(cas["killing"](mu), cas["tr M^2"](mu) / (2 * n), rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_gl_coadjoint_action_is_conjugation_of_the_trace_dual_matrix(n):
    import scipy.linalg

    g = gl(n)
    rng = np.random.default_rng(n)
    x, y, mu = rng.normal(size=(3, n * n))
    X, Y = x.reshape(n, n), y.reshape(n, n)
    assert np.allclose(g.bracket(x, y).reshape(n, n), X @ Y - Y @ X, rtol=0, atol=1e-13)
    M = mu.reshape(n, n).T  # mu(xi) = tr(M xi)
    assert np.isclose(np.trace(M @ X), g.pairing(mu, x))
    moved = g.coadjoint_exp(0.5 * x, mu).reshape(n, n).T
    expected = scipy.linalg.expm(-0.5 * X) @ M @ scipy.linalg.expm(0.5 * X)
    assert np.allclose(moved, expected, rtol=0, atol=1e-12)
    for k in range(1, n + 1):
        assert np.isclose(g.casimirs()[f"tr M^{k}"](mu), np.trace(np.linalg.matrix_power(M, k)))


# ------------------------------------------------------------------ validation
FACTORIES = [so, se, su, u, sl, gl, heisenberg]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_every_factory_rejects_bad_n(factory, n):
    with pytest.raises(InvalidArgumentError, match="n"):
        factory(n)


@pytest.mark.parametrize("factory", [so, se, su, sl], ids=lambda f: f.__name__)
def test_factories_of_algebras_that_vanish_at_n_1_require_n_at_least_2(factory):
    with pytest.raises(InvalidArgumentError, match="n must be >= 2, got 1"):
        factory(1)


def test_factories_accept_numpy_integers():
    assert so(np.int64(4)).dim == 6 and gl(np.int32(2)).dim == 4


def test_bernoulli_coefficients_are_the_exact_rationals_correctly_rounded():
    """:math:`B_k/k!` of the series of :math:`x/(e^x - 1)`, against the known Bernoulli
    numbers (scipy's are off by 1.7e-12 at :math:`B_4`)."""
    from fractions import Fraction
    from math import factorial

    from liepoisson.algebra.base import _BERNOULLI_TAYLOR

    known = {0: Fraction(1), 1: Fraction(-1, 2), 2: Fraction(1, 6), 4: Fraction(-1, 30),
             6: Fraction(1, 42), 8: Fraction(-1, 30), 10: Fraction(5, 66),
             12: Fraction(-691, 2730), 14: Fraction(7, 6), 16: Fraction(-3617, 510)}
    for k, b in known.items():
        assert _BERNOULLI_TAYLOR[k] == float(b / factorial(k)), k
    assert not np.any(_BERNOULLI_TAYLOR[3::2])
