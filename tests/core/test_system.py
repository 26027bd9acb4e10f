"""LiePoissonSystem: vector field, Poisson tensor, bracket, invariants, gradient fallback,
and the verify_system report on good and deliberately wrong systems."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import InvalidArgumentError, LiePoissonSystem, NonFiniteError, VerificationError, se3, so3, su
from liepoisson.testing import (
    SYSTEM_LAWS,
    catalog_algebra,
    catalog_algebras,
    covectors,
    elements,
    reals,
    system_samples,
    verify_system,
)

PROPERTY = settings(max_examples=30, deadline=None)
INERTIA = np.array([1.0, 2.0, 3.5])


def rigid_body(gradient=True):
    return LiePoissonSystem(
        so3(),
        lambda m: 0.5 * np.sum(m**2 / INERTIA, axis=-1),
        gradient=(lambda m: m / INERTIA) if gradient else None,
    )


def coordinate_quadratic(g, weights_seed=0):
    """``H = 1/2 sum_k w_k c_k^2`` in the dual coordinates of any algebra, exact gradient."""
    w = np.random.default_rng(weights_seed).uniform(0.5, 2.0, g.dim)
    return LiePoissonSystem(
        g,
        lambda m: 0.5 * np.sum(w * g.dual_to_coords(m) ** 2, axis=-1),
        gradient=lambda m: g.from_coords(w * g.dual_to_coords(m)),
    )


@pytest.mark.parametrize("law", list(SYSTEM_LAWS), ids=lambda law: law.key)
@PROPERTY
@given(sample=system_samples(catalog_algebras().map(coordinate_quadratic)))
def test_quadratic_systems_on_catalog_algebras_obey_the_law(law, sample):
    if law.applies(sample):
        check = law.check(sample, 1e-12)
        assert check.passed, (sample.system.name, check)


@PROPERTY
@given(mu=st.lists(reals(10), min_size=3, max_size=3))
def test_rigid_body_vector_field_is_eulers_equation(mu):
    mu = np.asarray(mu)
    expected = np.cross(mu, mu / INERTIA)  # Pi x Omega, Omega = I^-1 Pi
    got = rigid_body().vector_field(mu)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14 * (1 + np.sum(mu**2)))


def _quartic(m):
    c = np.asarray(m)
    return np.exp(0.3 * c[..., 0]) * np.cos(c[..., 1]) + 0.25 * np.sum(c**4, axis=-1) + c[..., 0] * c[..., 2] ** 3


def _quartic_gradient(m):
    c = np.asarray(m)
    e, cos, sin = np.exp(0.3 * c[..., 0]), np.cos(c[..., 1]), np.sin(c[..., 1])
    g = c**3
    g[..., 0] += 0.3 * e * cos + c[..., 2] ** 3
    g[..., 1] += -e * sin
    g[..., 2] += 3 * c[..., 0] * c[..., 2] ** 2
    return g


@PROPERTY
@given(mu=st.lists(reals(3), min_size=3, max_size=3))
def test_numerical_gradient_fallback_is_accurate_on_a_non_quadratic_hamiltonian(mu):
    mu = np.asarray(mu)
    system = LiePoissonSystem(so3(), _quartic)
    assert not system.has_exact_gradient
    exact = _quartic_gradient(mu)
    # relative to the gradient's size at the scale of the difference stencil (where it may vanish)
    scale = np.linalg.norm(exact) + np.linalg.norm(_quartic_gradient(np.abs(mu) + 1.0))
    np.testing.assert_allclose(system.gradient(mu), exact, rtol=0, atol=1e-10 * scale)


@PROPERTY
@given(data=st.data())
def test_poisson_tensor_times_gradient_is_the_vector_field(data):
    g = data.draw(catalog_algebras())
    system = coordinate_quadratic(g)
    mu = data.draw(covectors(g, batch_shape=(2,)))
    J = system.poisson_tensor(mu)
    assert J.shape == (2, g.dim, g.dim)
    grad = g.to_coords(system.gradient(mu))
    expected = np.einsum("...ij,...j->...i", J, grad)
    got = g.dual_to_coords(system.vector_field(mu))
    bound = np.linalg.norm(g.structure_constants()) * np.linalg.norm(grad) * np.linalg.norm(g.dual_to_coords(mu))
    assert np.linalg.norm(got - expected) <= 1e-13 * bound + 1e-300


@PROPERTY
@given(data=st.data())
def test_poisson_tensor_is_antisymmetric(data):
    g = data.draw(catalog_algebras())
    J = coordinate_quadratic(g).poisson_tensor(data.draw(covectors(g)))
    np.testing.assert_array_equal(J, -J.T)


@st.composite
def bracket_arguments(draw):
    """A system on a catalog algebra, two gradients ``f, h``, a covector ``mu``, and the
    a-priori size ``|C| |f| |h| |mu|`` of their Lie-Poisson bracket."""
    g = draw(catalog_algebras())
    f, h, mu = draw(elements(g)), draw(elements(g)), draw(covectors(g))
    # sums of |entries| rather than 2-norms: squaring tiny drawn entries would underflow
    size = np.abs(g.structure_constants()).sum() * np.prod(
        [np.abs(v).sum() for v in (g.to_coords(f), g.to_coords(h), g.dual_to_coords(mu))]
    )
    return coordinate_quadratic(g), f, h, mu, size


@PROPERTY
@given(args=bracket_arguments())
def test_lie_poisson_bracket_is_antisymmetric(args):
    system, f, h, mu, size = args
    assert abs(system.bracket(f, h, mu) + system.bracket(h, f, mu)) <= 1e-14 * size + 1e-300


@PROPERTY
@given(args=bracket_arguments())
def test_lie_poisson_bracket_of_linear_functions_is_grad_f_dot_j_grad_g(args):
    system, f, h, mu, size = args
    g = system.algebra
    # {F, G} = -<mu, [f, h]> = grad F . J grad G
    expected = g.to_coords(f) @ system.poisson_tensor(mu) @ g.to_coords(h)
    assert abs(system.bracket(f, h, mu) - expected) <= 1e-13 * size + 1e-300


@pytest.mark.parametrize("label", ["so3", "se3", "su(3)", "gl(2)", "heisenberg(2)", "so3 + heisenberg(1)"])
def test_casimirs_poisson_commute_with_every_linear_function(label):
    from liepoisson.derivatives import numerical_gradient

    g = catalog_algebra(label)
    system = coordinate_quadratic(g)
    rng = np.random.default_rng(4)
    mu = g.dual_from_coords(rng.uniform(-1, 1, (5, g.dim)))
    for k in range(g.dim):
        f = g.from_coords(np.eye(g.dim)[k])  # F = mu_k
        for name, fn in system.casimirs.items():
            grad = numerical_gradient(fn, g, mu)
            scale = np.linalg.norm(g.to_coords(grad)) * np.linalg.norm(g.dual_to_coords(mu))
            assert np.max(np.abs(system.bracket(grad, f, mu))) <= 1e-9 * scale * np.linalg.norm(
                g.structure_constants()
            ), name


def test_invariants_contain_energy_first_and_every_casimir():
    system = LiePoissonSystem(se3(), lambda m: 0.5 * np.sum(m**2, axis=-1), gradient=lambda m: m)
    mu = np.array([[1.0, 2.0, 3.0, 0.5, -1.0, 2.0], [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]])
    inv = system.invariants(mu)
    assert list(inv)[0] == "energy"
    assert set(inv) == {"energy", "Gamma.Gamma", "Pi.Gamma"}
    np.testing.assert_allclose(inv["energy"], 0.5 * np.sum(mu**2, axis=-1))
    np.testing.assert_allclose(inv["Gamma.Gamma"], np.sum(mu[:, 3:] ** 2, axis=-1))
    np.testing.assert_allclose(inv["Pi.Gamma"], np.sum(mu[:, :3] * mu[:, 3:], axis=-1))


def test_custom_casimirs_replace_the_algebras():
    system = LiePoissonSystem(so3(), lambda m: np.sum(m, axis=-1), casimirs={"norm": lambda m: np.linalg.norm(m, axis=-1)})
    assert set(system.invariants(np.ones(3))) == {"energy", "norm"}


@pytest.mark.parametrize("label", ["so3", "se3", "su(3)", "sl(2) x| R^2", "heisenberg(3)"])
def test_verify_system_passes_on_correct_systems(label):
    report = verify_system(coordinate_quadratic(catalog_algebra(label)), n_examples=8, seed=3)
    assert report.passed, str(report)
    assert report.n_examples == 8 and report.seed == 3


def test_verify_system_passes_with_the_numerical_gradient_fallback():
    report = verify_system(LiePoissonSystem(so3(), _quartic), n_examples=6)
    assert report.passed, str(report)


def test_verify_system_flags_a_wrong_gradient():
    wrong = LiePoissonSystem(
        so3(), lambda m: 0.5 * np.sum(m**2 / INERTIA, axis=-1), gradient=lambda m: 2.0 * m / INERTIA
    )
    report = verify_system(wrong, n_examples=5)
    assert not report.passed
    assert [c.law for c in report.failed] == ["gradient = numerical gradient of H"]
    assert report["gradient = numerical gradient of H"].residual > 0.1
    with pytest.raises(VerificationError, match="gradient = numerical gradient of H") as info:
        report.raise_if_failed()
    assert info.value.report is report


def test_verify_system_flags_a_function_that_is_not_a_casimir():
    system = LiePoissonSystem(
        so3(), lambda m: 0.5 * np.sum(m**2 / INERTIA, axis=-1), gradient=lambda m: m / INERTIA,
        casimirs={"first coordinate": lambda m: np.asarray(m)[..., 0]},
    )
    failed = {c.law for c in verify_system(system, n_examples=5).failed}
    assert failed == {
        "{C, F} = 0 for Casimirs and linear F [first coordinate]",
        "Casimirs conserved: <X_H, grad C> = 0 [first coordinate]",
    }


def test_verify_system_uses_the_given_states():
    g = su(2)
    system = coordinate_quadratic(g)
    states = g.dual_from_coords(np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    report = verify_system(system, states=states)
    assert report.passed and report.n_examples == 2


def test_report_prints_a_table_with_every_law():
    report = verify_system(rigid_body(), n_examples=3)
    text = str(report)
    assert text.splitlines()[0].startswith("Verification of")
    assert "all 6 laws passed" in text
    for check in report.checks:
        assert check.law in text


# ------------------------------------------------------------ declared affine gradients
def test_a_declared_affine_gradient_must_match_the_gradient():
    inertia = np.array([1.0, 2.0, 3.0])
    H = lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1)  # noqa: E731
    grad = lambda m: m / inertia  # noqa: E731
    system = LiePoissonSystem(so3(), H, gradient=grad, affine_gradient=(np.diag(1 / inertia), np.zeros(3)))
    M, c = system.derivative_callables()["affine_gradient"]
    assert np.array_equal(M, np.diag(1 / inertia)) and not M.flags.writeable
    with pytest.raises(InvalidArgumentError, match="does not match the gradient"):
        LiePoissonSystem(so3(), H, gradient=grad, affine_gradient=(np.eye(3), np.zeros(3)))
    with pytest.raises(InvalidArgumentError, match=r"shapes \(3, 3\) and \(3,\)"):
        LiePoissonSystem(so3(), H, gradient=grad, affine_gradient=(np.eye(2), np.zeros(3)))
    with pytest.raises(InvalidArgumentError, match="must be a pair"):
        LiePoissonSystem(so3(), H, gradient=grad, affine_gradient=np.eye(3))
    with pytest.raises(InvalidArgumentError, match="needs the gradient"):
        LiePoissonSystem(so3(), H, affine_gradient=(np.eye(3), np.zeros(3)))
    with pytest.raises(NonFiniteError, match="affine_gradient"):
        LiePoissonSystem(so3(), H, gradient=grad, affine_gradient=(np.full((3, 3), np.nan), np.zeros(3)))
    with pytest.raises(InvalidArgumentError, match="coefficient vectors"):
        LiePoissonSystem(su(2), lambda m: 0.0 * np.sum(np.abs(m) ** 2, axis=(-2, -1)),
                         gradient=lambda m: 0.0 * m, affine_gradient=(np.eye(3), np.zeros(3)))
