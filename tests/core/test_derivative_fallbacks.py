"""Accuracy of the derivative fallbacks a system uses when the user gives only H (and
perhaps the gradient): the documented accuracies, checked against exact derivatives."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import LiePoissonSystem, numerical_gradient, so3
from liepoisson.testing import EXAMPLE_ALGEBRAS, coordinate_system, initial_state


def _nonpolynomial_body():
    """H = sum(mu^2 / 2I) + sin(mu_1) mu_2^2 + exp(mu_0 / 2), exact derivatives by hand."""
    inertia = np.array([1.0, 2.0, 3.0])

    def H(m):
        return (0.5 * np.sum(m**2 / inertia, axis=-1) + np.sin(m[..., 1]) * m[..., 2] ** 2
                + np.exp(0.5 * m[..., 0]))

    def grad(m):
        return m / inertia + np.stack([0.5 * np.exp(0.5 * m[..., 0]), np.cos(m[..., 1]) * m[..., 2] ** 2,
                                       2 * np.sin(m[..., 1]) * m[..., 2]], axis=-1)

    def hessian(m):
        out = np.zeros(m.shape + (3,))
        out[..., 0, 0] = 1 / inertia[0] + 0.25 * np.exp(0.5 * m[..., 0])
        out[..., 1, 1] = 1 / inertia[1] - np.sin(m[..., 1]) * m[..., 2] ** 2
        out[..., 2, 2] = 1 / inertia[2] + 2 * np.sin(m[..., 1])
        out[..., 1, 2] = out[..., 2, 1] = 2 * np.cos(m[..., 1]) * m[..., 2]
        return out

    def third(m, a):  # D^3 H[a, a, .]
        s, c = np.sin(m[..., 1]), np.cos(m[..., 1])
        a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
        return np.stack([
            0.125 * np.exp(0.5 * m[..., 0]) * a0**2,
            -c * m[..., 2] ** 2 * a1**2 - 4 * s * m[..., 2] * a1 * a2 + 2 * c * a2**2,
            -2 * s * m[..., 2] * a1**2 + 4 * c * a1 * a2,
        ], axis=-1)

    return H, grad, hessian, third


@pytest.mark.parametrize("given", ["gradient", "hamiltonian only"])
def test_fallback_derivatives_match_exact_ones(given):
    H, grad, hessian, third = _nonpolynomial_body()
    system = LiePoissonSystem(so3(), H, gradient=grad if given == "gradient" else None)
    rng = np.random.default_rng(0)
    for _ in range(20):
        mu, v, a = rng.normal(size=(3, 3))
        g_err = np.max(np.abs(system.gradient(mu) - grad(mu))) / np.max(np.abs(grad(mu)))
        hv = hessian(mu) @ v
        h_err = np.max(np.abs(system.hessian_vector(mu, v) - hv)) / np.max(np.abs(hv))
        d3 = third(mu, a)
        t_err = np.max(np.abs(system.third_derivative(mu, a, a) - d3)) / np.max(np.abs(d3))
        # documented: gradient ~1e-12, Hessian-vector exact (complex step) on an exact
        # gradient, ~1e-11 on the numerical one; third derivative ~1e-12 / ~1e-10
        assert g_err <= (1e-15 if given == "gradient" else 1e-10)
        assert h_err <= (1e-14 if given == "gradient" else 1e-10)
        assert t_err <= (1e-10 if given == "gradient" else 1e-8)


def test_third_derivative_polarisation_is_symmetric_and_bilinear():
    H, grad, hessian, third = _nonpolynomial_body()
    system = LiePoissonSystem(so3(), H, gradient=grad)
    rng = np.random.default_rng(1)
    mu, u, v = rng.normal(size=(3, 3))
    uv = system.third_derivative(mu, u, v)
    np.testing.assert_allclose(uv, system.third_derivative(mu, v, u), atol=1e-10)
    # D3[u+v, u+v] = D3[u,u] + 2 D3[u,v] + D3[v,v]
    lhs = system.third_derivative(mu, u + v, u + v)
    rhs = third(mu, u) + 2 * uv + third(mu, v)
    np.testing.assert_allclose(lhs, rhs, atol=1e-9)


def test_numerical_gradient_is_accurate_on_every_catalog_algebra():
    for name, make in EXAMPLE_ALGEBRAS.items():
        algebra = make()
        exact = coordinate_system(algebra, exact="gradient")
        mu = initial_state(algebra)
        num = numerical_gradient(exact.hamiltonian, algebra, mu)
        ref = exact.gradient(mu)
        err = np.max(np.abs(algebra.to_coords(num - ref))) / np.max(np.abs(algebra.to_coords(ref)))
        assert err <= 1e-10, (name, err)


def test_complex_element_algebras_use_central_differences_to_documented_accuracy():
    """On u(n) (complex matrices) complex steps do not apply; the fallback is a 4th-order
    central difference of the gradient (relative error ~1e-9)."""
    algebra = EXAMPLE_ALGEBRAS["su3"]()
    exact = coordinate_system(algebra, exact="all")
    approx = coordinate_system(algebra, exact="gradient")
    rng = np.random.default_rng(4)
    mu = initial_state(algebra)
    v = algebra.dual_from_coords(rng.normal(size=algebra.dim))
    hv, hv_ref = approx.hessian_vector(mu, v), exact.hessian_vector(mu, v)
    err = np.max(np.abs(hv - hv_ref)) / np.max(np.abs(hv_ref))
    assert err <= 1e-9
    d3, d3_ref = approx.third_derivative(mu, v, v), exact.third_derivative(mu, v, v)
    assert np.max(np.abs(d3 - d3_ref)) / np.max(np.abs(d3_ref)) <= 1e-7
