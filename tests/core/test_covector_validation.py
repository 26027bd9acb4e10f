"""Arguments that are not what the algebra says they are get the library's errors, naming
the argument: states that are not covectors, operands of the wrong shape, structure
constants that break the Jacobi identity at any scale, an empty batch."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from liepoisson import (
    RK4,
    ImplicitMidpoint,
    InvalidArgumentError,
    InvalidStructureConstantsError,
    LiePoissonEuler,
    LiePoissonHJ,
    LiePoissonSystem,
    NonFiniteError,
    ScipyIVP,
    ShapeError,
    StructureConstantsAlgebra,
    heisenberg,
    integrate,
    se3,
    so3,
    su,
    u,
)
from liepoisson_models.nls import GraphNLS


def _energy_system(algebra):
    return LiePoissonSystem(algebra, lambda m: 0.5 * np.sum(np.abs(m) ** 2, axis=(-2, -1)),
                            gradient=lambda m: -1j * m)


@pytest.mark.parametrize("algebra", [u(3), su(3)], ids=str)
def test_a_non_hermitian_state_is_not_a_covector_of_u_n(algebra):
    rho = algebra.dual_from_coords(np.linspace(0.1, 0.9, algebra.dim))
    rho[..., 0, 1] += 0.5  # breaks the Hermitian symmetry
    with pytest.raises(InvalidArgumentError, match="mu0 must be Hermitian"):
        integrate(_energy_system(algebra), rho, 0.1, 2)


def test_a_state_with_a_trace_is_not_a_covector_of_su_n():
    algebra = su(3)
    rho = algebra.dual_from_coords(np.linspace(0.1, 0.9, algebra.dim)) + 0.3 * np.eye(3)
    with pytest.raises(InvalidArgumentError, match="traceless"):
        algebra.validate_element(rho, name="rho", dual=True)
    assert algebra.validate_element(rho - 0.3 * np.eye(3), name="rho", dual=True).shape == (3, 3)


def test_a_skew_hermitian_element_is_an_element_of_u_n_and_a_hermitian_one_is_not():
    algebra = u(2)
    xi = algebra.from_coords(np.array([0.3, -0.2, 0.5, 0.1]))
    assert np.array_equal(algebra.validate_element(xi), xi)
    with pytest.raises(InvalidArgumentError, match="skew-Hermitian"):
        algebra.validate_element(1j * xi)


def test_a_density_state_of_graph_nls_must_be_hermitian():
    system = GraphNLS(nx.cycle_graph(3), density=True)
    rho = np.array([[1, 2, 0], [0, 1, 0], [0, 0, 1]], dtype=complex)
    with pytest.raises(InvalidArgumentError, match="Hermitian"):
        integrate(system, rho, 0.1, 2)


def test_a_complex_edge_weight_is_refused_not_dropped():
    graph = nx.cycle_graph(4)
    graph[0][1]["weight"] = 1 + 2j
    with pytest.raises(InvalidArgumentError, match=r"weight of graph edge \(0, 1\) must be a real number, got \(1\+2j\)"):
        GraphNLS(graph)


@pytest.mark.parametrize("rtol", [float("nan"), float("inf"), 0.0, -1e-10, "1e-10"])
def test_the_tolerance_of_the_structure_constants_check_must_be_finite_and_positive(rtol):
    with pytest.raises(InvalidArgumentError, match="rtol"):
        StructureConstantsAlgebra(so3().structure_constants(), rtol=rtol)


def _not_jacobi() -> np.ndarray:
    """so(3) plus a fourth direction whose brackets break the Jacobi identity."""
    C = np.zeros((4, 4, 4))
    C[:3, :3, :3] = so3().structure_constants()
    C[0, 1, 3], C[1, 0, 3] = 1.0, -1.0
    C[0, 3, 1], C[3, 0, 1] = 1.0, -1.0
    return C


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_the_jacobi_check_is_relative_to_the_scale_of_the_constants(scale):
    with pytest.raises(InvalidStructureConstantsError, match="Jacobi"):
        StructureConstantsAlgebra(scale * _not_jacobi())
    # a true Lie algebra passes at every scale
    StructureConstantsAlgebra(scale * se3().structure_constants())


@pytest.mark.parametrize(
    "algebra, call, match",
    [
        (so3(), lambda g: g.bracket(np.ones(3), np.ones(4)), r"so\(3\)\.bracket: y must have trailing shape \(3,\), got shape \(4,\)"),
        (so3(), lambda g: g.coadjoint_exp(np.ones(2), np.ones(3)), r"coadjoint_exp: xi must have trailing shape"),
        (so3(), lambda g: g.dexpinv_star(np.ones((2, 3)), np.ones((3, 3))), r"batch shapes .* do not broadcast"),
        (se3(), lambda g: g.ad_star(np.ones(6), np.ones(5)), r"se\(3\)\.ad_star: mu must have trailing shape \(6,\)"),
        (heisenberg(1), lambda g: g.pairing(np.ones(2), np.ones(3)), r"pairing: mu must have trailing shape \(3,\)"),
        (su(2), lambda g: g.coadjoint_exp(np.eye(3), np.eye(2)), r"su\(2\)\.coadjoint_exp: xi must have trailing shape \(2, 2\)"),
    ],
)
def test_operands_of_the_wrong_shape_get_a_shape_error_naming_them(algebra, call, match):
    with pytest.raises(ShapeError, match=match):
        call(algebra)


def test_a_non_finite_operand_gets_a_non_finite_error_naming_it():
    with pytest.raises(NonFiniteError, match=r"so\(3\)\.coadjoint_exp: xi has non-finite entries"):
        so3().coadjoint_exp(np.array([np.inf, 0.0, 0.0]), np.ones(3))


@pytest.mark.parametrize(
    "method", [LiePoissonHJ(order=2), LiePoissonHJ(order=4), ImplicitMidpoint(), RK4(),
               LiePoissonEuler(), ScipyIVP("DOP853")], ids=lambda m: m.name,
)
def test_an_empty_batch_is_refused_by_every_integrator(method):
    system = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m * m, axis=-1), gradient=lambda m: m)
    with pytest.raises(ShapeError, match=r"mu0 is an empty batch \(shape \(0, 3\)\)"):
        integrate(system, np.zeros((0, 3)), 0.1, 2, method=method)
