"""The Cayley chart of the algebras of quadratic groups given by coefficient vectors (so(3),
so(n), sp(n), and a StructureConstantsAlgebra given its representation): the step identity,
the odd part of the chart map, Casimirs kept by the action, agreement with the exponential
chart to its order, and clear errors for a representation that does not fit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from liepoisson import InvalidArgumentError, StructureConstantsAlgebra, so, so3, sp
from liepoisson.testing import reals

ALGEBRAS = {"so3()": so3(), **{g.name: g for g in (so(3), so(4), so(5), sp(2), sp(4), sp(6))}}
PER_ALGEBRA = settings(max_examples=20, deadline=None)


def _pair(algebra):
    """Strategy of (xi, nu): xi with sum |xi_a| <= 1/2, so that |X|_2 <= 1/2 for basis
    matrices of norm <= 1 and I +- X/2 are well conditioned, and nu with entries in [-1, 1]."""
    n = algebra.dim
    return st.tuples(hnp.arrays(np.float64, n, elements=reals(1.0)),
                     hnp.arrays(np.float64, n, elements=reals(1.0))).map(
        lambda p: (0.5 * p[0] / max(1.0, float(np.sum(np.abs(p[0])))), p[1]))


def _size(v):
    return max(1.0, float(np.max(np.abs(v))))


@pytest.mark.parametrize("name", ALGEBRAS)
@PER_ALGEBRA
@given(data=st.data())
def test_the_action_takes_the_chart_equation_of_xi_to_that_of_minus_xi(name, data):
    """coadjoint_cayley(xi, dcayinv_star(xi, nu)) = dcayinv_star(-xi, nu): the step
    mu_n = (I + X/2) N (I - X/2) -> mu_{n+1} = (I - X/2) N (I + X/2)."""
    g = ALGEBRAS[name]
    xi, nu = data.draw(_pair(g))
    mu = g.dcayinv_star(xi, nu)
    assert np.max(np.abs(g.coadjoint_cayley(xi, mu) - g.dcayinv_star(-xi, nu))) <= 1e-14 * _size(nu)


@pytest.mark.parametrize("name", ALGEBRAS)
@PER_ALGEBRA
@given(data=st.data())
def test_the_odd_part_of_the_chart_map_is_minus_ad_star(name, data):
    """dcayinv_star(xi, nu) - dcayinv_star(-xi, nu) = [X, N] = -ad*_xi nu: the chart has the
    sign convention of dexpinv_star (nu - ad*_xi nu / 2 + ...)."""
    g = ALGEBRAS[name]
    xi, nu = data.draw(_pair(g))
    odd = g.dcayinv_star(xi, nu) - g.dcayinv_star(-xi, nu)
    assert np.max(np.abs(odd + g.ad_star(xi, nu))) <= 1e-14 * _size(nu)


@pytest.mark.parametrize("name", ALGEBRAS)
@PER_ALGEBRA
@given(data=st.data())
def test_the_cayley_action_keeps_every_casimir(name, data):
    g = ALGEBRAS[name]
    xi, mu = data.draw(_pair(g))
    moved = g.coadjoint_cayley(xi, mu)
    size = float(np.linalg.norm(mu))
    for casimir_name, casimir in g.casimirs().items():
        degree = 2 if casimir_name == "|mu|^2" else int(casimir_name.rsplit("^", 1)[1])
        assert abs(casimir(moved) - casimir(mu)) <= 1e-13 * max(1.0, size) ** degree, casimir_name


@pytest.mark.parametrize("name", ALGEBRAS)
def test_the_cayley_chart_agrees_with_the_exponential_chart_to_its_order(name):
    """cay(X) = exp(X) + O(X^3) and its chart map dexpinv_star + O(xi^2): halving xi divides
    the differences by 8 and 4."""
    g = ALGEBRAS[name]
    rng = np.random.default_rng(7)
    xi, nu = rng.normal(size=(2, g.dim))
    xi /= np.sum(np.abs(xi))
    chart, action = [], []
    for eps in (1e-2, 5e-3):
        chart.append(np.max(np.abs(g.dcayinv_star(eps * xi, nu) - g.dexpinv_star(eps * xi, nu))))
        action.append(np.max(np.abs(g.coadjoint_cayley(eps * xi, nu) - g.coadjoint_exp(eps * xi, nu))))
    assert 3.9 <= chart[0] / chart[1] <= 4.1
    assert 7.8 <= action[0] / action[1] <= 8.2


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, (2, 3), elements=reals(2.0)))
def test_so3_closed_forms_equal_the_matrix_formulas_of_so_3(v):
    xi, mu = v
    for method in ("dcayinv_star", "coadjoint_cayley"):
        closed, matrices = getattr(so3(), method)(xi, mu), getattr(so(3), method)(xi, mu)
        assert np.max(np.abs(closed - matrices)) <= 1e-14 * _size(mu) * max(1.0, float(xi @ xi)), method


def test_a_batch_gives_the_members_own_results():
    g = sp(4)
    rng = np.random.default_rng(3)
    xis, mus = 0.05 * rng.normal(size=(5, g.dim)), rng.normal(size=(5, g.dim))
    for method in (g.dcayinv_star, g.coadjoint_cayley):
        batch = method(xis, mus)
        assert batch.shape == (5, g.dim)
        for k in range(5):
            assert np.max(np.abs(batch[k] - method(xis[k], mus[k]))) <= 1e-15


# ------------------------------------------------------------- bad representations
def _so3_data():
    """so(3)'s constants and its defining representation, hat(e_a) = ad(e_a)."""
    return so3().structure_constants(), so3().ad(np.eye(3))


def test_a_representation_gives_the_cayley_chart_of_a_user_algebra():
    C, basis = _so3_data()
    g = StructureConstantsAlgebra(C, name="rotations", representation=basis, form=np.eye(3))
    assert g.has_cayley and not StructureConstantsAlgebra(C).has_cayley
    xi, mu = np.array([0.3, -0.2, 0.1]), np.array([1.0, 2.0, -0.5])
    assert np.max(np.abs(g.coadjoint_cayley(xi, mu) - so3().coadjoint_cayley(xi, mu))) <= 1e-15
    with pytest.raises(InvalidArgumentError, match="g3 has no Cayley chart"):
        StructureConstantsAlgebra(C).dcayinv_star(xi, mu)


@pytest.mark.parametrize("change, message", [
    (lambda C, B, P: (C, B, None), "representation and form must be given together.*representation only"),
    (lambda C, B, P: (C, None, P), "representation and form must be given together.*form only"),
    (lambda C, B, P: (C, B[:2], P), r"representation must have shape \(3, m, m\).*got shape \(2, 3, 3\)"),
    (lambda C, B, P: (C, B, np.eye(2)), r"form must have shape \(3, 3\), got shape \(2, 2\)"),
    (lambda C, B, P: (C, B[[1, 0, 2]], P), r"does not represent the constants: max \|\[B_i, B_j\]"),
    (lambda C, B, P: (C, B, np.diag([1.0, 1.0, 0.0])), "form must be invertible"),
    (lambda C, B, P: (C, B, np.diag([1.0, 2.0, 3.0])), r"form is not kept.*max \|B_i\^T P \+ P B_i\|"),
    (lambda C, B, P: (C, B, np.full((3, 3), np.nan)), "form"),
])
def test_a_representation_that_does_not_fit_is_refused_naming_it(change, message):
    C, basis = _so3_data()
    C, B, P = change(C, basis, np.eye(3))
    with pytest.raises(InvalidArgumentError, match=message):
        StructureConstantsAlgebra(C, representation=B, form=P)


def test_a_degenerate_trace_form_is_refused():
    """A nilpotent Hamiltonian matrix spans a one-dimensional algebra of sp(2) (the form J is
    kept) whose trace form tr(X X) is zero: covectors cannot be matrices of the algebra."""
    X = np.array([[[0.0, 1.0], [0.0, 0.0]]])
    J = np.array([[0.0, 1.0], [-1.0, 0.0]])
    with pytest.raises(InvalidArgumentError, match="trace form tr\\(XY\\) of representation is degenerate"):
        StructureConstantsAlgebra(np.zeros((1, 1, 1)), representation=X, form=J)
