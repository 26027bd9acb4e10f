"""The contract of a user's callables is checked once, before the first step: results of
the wrong shape, non-finite results and exceptions are refused with an error naming the
callable and the shapes; callables written for one state run with ``vectorized=False``."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import (
    InvalidArgumentError,
    LiePoissonHJ,
    LiePoissonSystem,
    NonFiniteError,
    RK4,
    integrate,
    so3,
)

I = np.array([1.0, 2.0, 3.0])
MU0 = np.array([1.0, 0.5, 0.2])


def _quadratic(m):
    return 0.5 * np.sum(m * m / I, axis=-1)


@pytest.mark.parametrize(
    "callables, error, match",
    [
        (dict(hamiltonian=lambda m: 0.5 * np.sum(m * m / I)), InvalidArgumentError,
         r"hamiltonian must return shape \(2,\) on a batch of states of shape \(2, 3\), got shape \(\).*vectorized=False"),
        (dict(hamiltonian=lambda m: 0.5 * m * m / I), InvalidArgumentError,
         r"hamiltonian must return shape \(\) on one state, got shape \(3,\)"),
        (dict(hamiltonian=_quadratic, gradient=lambda m: m[..., :2]), InvalidArgumentError,
         r"gradient must return shape \(3,\) on one state, got shape \(2,\)"),
        (dict(hamiltonian=_quadratic, gradient=lambda m: m / I,
              hessian_vector=lambda m, v: np.sum(v, axis=-1)), InvalidArgumentError,
         r"hessian_vector must return shape \(3,\)"),
        (dict(hamiltonian=_quadratic, gradient=lambda m: 1 / 0), InvalidArgumentError,
         r"gradient raised ZeroDivisionError on one state"),
        (dict(hamiltonian=_quadratic, gradient=lambda m: m * np.nan), NonFiniteError,
         r"gradient returned non-finite values on one state"),
    ],
    ids=["H for one state", "H per component", "gradient shape", "hvp shape", "raises",
         "non-finite"],
)
@pytest.mark.parametrize("method", [LiePoissonHJ(order=2), RK4()], ids=lambda m: m.name)
def test_a_callable_breaking_its_contract_is_refused_before_the_first_step(callables, error,
                                                                            match, method):
    system = LiePoissonSystem(so3(), **callables)
    with pytest.raises(error, match=match):
        integrate(system, MU0, 0.1, 3, method=method)


def test_callables_written_for_one_state_give_the_same_run_with_vectorized_false():
    single = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m * m / I), gradient=lambda m: m / I,
                              vectorized=False)
    batched = LiePoissonSystem(so3(), _quadratic, gradient=lambda m: m / I)
    mu0 = np.stack([MU0, 2 * MU0, -MU0])
    a = integrate(single, mu0, 0.1, 20, method=LiePoissonHJ(order=4))
    b = integrate(batched, mu0, 0.1, 20, method=LiePoissonHJ(order=4), engine="numpy")
    assert a.states.shape == b.states.shape == (21, 3, 3)
    assert a.invariant_values["energy"].shape == (21, 3)
    np.testing.assert_allclose(a.states, b.states, rtol=0, atol=1e-14)


def test_vectorized_must_be_a_bool():
    with pytest.raises(InvalidArgumentError, match="vectorized must be a bool"):
        LiePoissonSystem(so3(), _quadratic, vectorized="no")
