"""integrate(): checkpoints, interruption, batches, trajectories, orbit charts, validation."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import (
    RK4,
    ConvergenceError,
    InvalidArgumentError,
    LiePoissonEuler,
    LiePoissonHJ,
    LiePoissonSystem,
    NonFiniteError,
    ShapeError,
    Trajectory,
    energy_drift,
    integrate,
    u,
)
from liepoisson.orbit import PureStateChart
from liepoisson.testing import EXAMPLE_ALGEBRAS, coordinate_system, initial_state


@pytest.fixture(scope="module")
def body():
    algebra = EXAMPLE_ALGEBRAS["se3"]()
    return coordinate_system(algebra), initial_state(algebra)


def _interrupting(system, after_calls, calls=None):
    """The same system, but its gradient raises KeyboardInterrupt after ``after_calls``
    (counted in ``calls["n"]``)."""
    calls = {"n": 0} if calls is None else calls

    def gradient(mu):
        calls["n"] += 1
        if calls["n"] > after_calls:
            raise KeyboardInterrupt
        return system.gradient(mu)

    return LiePoissonSystem(system.algebra, system.hamiltonian, gradient=gradient,
                            casimirs=system.casimirs, name=system.name,
                            hessian_vector=system.hessian_vector,
                            third_derivative=system.third_derivative)


def test_resumed_run_is_bit_identical_to_an_uninterrupted_one(body, tmp_path):
    system, mu0 = body
    method = LiePoissonHJ(order=4)
    full = integrate(system, mu0, 0.05, 120, method=method, save_every=7)
    path = tmp_path / "run.npz"
    with pytest.warns(RuntimeWarning, match="interrupted"):
        partial = integrate(_interrupting(system, 300), mu0, 0.05, 120, method=method,
                            save_every=7, checkpoint=path, checkpoint_every=5)
    assert not partial.complete
    done = partial.metadata["steps_done"]
    assert 0 < done < 120
    # what the interrupted run returned is exactly the start of the full run
    k = np.searchsorted(full.t, partial.t[-2])
    np.testing.assert_array_equal(partial.states[:-1], full.states[: k + 1])
    resumed = integrate(system, mu0, 0.05, 120, method=method, save_every=7, checkpoint=path,
                        checkpoint_every=5)
    assert resumed.complete
    np.testing.assert_array_equal(resumed.t, full.t)
    np.testing.assert_array_equal(resumed.states, full.states)  # bit-identical
    # a finished checkpoint returns the trajectory at once: no step is taken (the gradient
    # is only evaluated at the few fixed states of the run's fingerprint)
    calls = {"n": 0}
    again = integrate(_interrupting(system, 10, calls), mu0, 0.05, 120, method=method,
                      save_every=7, checkpoint=path, checkpoint_every=5)
    np.testing.assert_array_equal(again.states, full.states)
    assert calls["n"] <= 4


def test_checkpoint_of_another_run_is_refused(body, tmp_path):
    system, mu0 = body
    path = tmp_path / "run.npz"
    integrate(system, mu0, 0.05, 10, checkpoint=path)
    with pytest.raises(InvalidArgumentError, match="different run"):
        integrate(system, mu0, 0.1, 10, checkpoint=path)


def test_batched_run_equals_the_per_trajectory_runs(body):
    system, _ = body
    rng = np.random.default_rng(5)
    batch = 0.6 * rng.normal(size=(4, system.algebra.dim))
    for method in (LiePoissonHJ(order=2), LiePoissonHJ(order=4), RK4()):
        together = integrate(system, batch, 0.1, 30, method=method, save_every=10)
        assert together.states.shape == (4, 4, system.algebra.dim)
        for i in range(4):
            alone = integrate(system, batch[i], 0.1, 30, method=method, save_every=10)
            np.testing.assert_allclose(together.states[:, i], alone.states, rtol=0, atol=1e-13)


def test_trajectory_round_trips_through_npz_and_is_immutable(body, tmp_path):
    system, mu0 = body
    traj = integrate(system, mu0, 0.1, 20, save_every=5)
    assert traj.states.shape[0] == len(traj.t) == 5
    loaded = Trajectory.load(traj.save(tmp_path / "t.npz"))
    np.testing.assert_array_equal(loaded.states, traj.states)
    np.testing.assert_array_equal(loaded.t, traj.t)
    for key, values in traj.invariants().items():
        np.testing.assert_array_equal(loaded.invariants()[key], values)
    assert loaded.metadata == traj.metadata
    with pytest.raises(ValueError):
        traj.states[0, 0] = 1.0
    with pytest.raises(AttributeError):
        traj.t = np.zeros(5)


def test_relative_invariant_errors_vanish_at_time_zero_and_measure_changes(body):
    system, mu0 = body
    traj = integrate(system, mu0, 0.1, 50, method=RK4(), save_every=10)
    errors = traj.relative_invariant_errors()
    for key, err in errors.items():
        assert err[0] == 0.0
        values = traj.invariants()[key]
        expected = np.abs(values - values[0]) / (abs(values[0]) if values[0] != 0 else 1.0)
        np.testing.assert_allclose(err, expected, rtol=1e-15)


def test_energy_drift_is_the_slope_of_the_energy_error():
    t = np.linspace(0.0, 10.0, 11)
    energy = 1.0 + 3e-3 * t + 1e-4 * np.sin(7 * t)
    traj = Trajectory(t=t, states=np.zeros((11, 3)), invariant_values={"energy": energy})
    assert abs(energy_drift(traj) - 3e-3) < 2e-5


def test_convergence_failure_names_the_step_and_keeps_the_computed_states(body):
    system, mu0 = body
    with pytest.raises(ConvergenceError, match=r"step \d+") as info:
        integrate(system, mu0, 2.5, 10, method=LiePoissonHJ(order=2, solver="fixed_point", max_iter=3))
    err = info.value
    assert err.step is not None and err.iterations == 3 and err.residual > 0
    assert err.trajectory is not None and not err.trajectory.complete
    assert len(err.trajectory.t) == err.step + 1 or err.trajectory.t[-1] == err.step * 2.5


# ------------------------------------------------------------------ orbit charts
def _graph_nls(n=8, g=1.0):
    """Discrete NLS on a ring through u(n)*: h = tr(L rho) + g/2 sum rho_jj^2."""
    L = 2 * np.eye(n) - np.roll(np.eye(n), 1, axis=0) - np.roll(np.eye(n), -1, axis=0)
    algebra = u(n)

    def h(rho):
        d = np.real(np.diagonal(rho, axis1=-2, axis2=-1))
        return np.real(np.trace(L @ rho, axis1=-2, axis2=-1)) + 0.5 * g * np.sum(d**2, axis=-1)

    def grad(rho):
        d = np.real(np.diagonal(rho, axis1=-2, axis2=-1))
        return 1j * (L + d[..., None, :] * g * np.eye(n))

    return algebra, h, grad


def test_wavefunction_and_density_matrix_evolutions_agree():
    """The group-based methods give the same map in both pictures (psi psi^H of the psi run
    equals the rho run); RK4 is not equivariant and is left out."""
    algebra, h, grad = _graph_nls()
    rho_system = LiePoissonSystem(algebra, h, gradient=grad)
    psi_system = LiePoissonSystem(algebra, h, gradient=grad, chart=PureStateChart(algebra))
    rng = np.random.default_rng(2)
    psi0 = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi0 /= np.linalg.norm(psi0)
    for method in (LiePoissonHJ(order=2), LiePoissonHJ(order=4), LiePoissonEuler()):
        psi = integrate(psi_system, psi0, 0.05, 100, method=method, save_every=20)
        rho = integrate(rho_system, np.outer(psi0, psi0.conj()), 0.05, 100, method=method, save_every=20)
        outer = np.einsum("ti,tj->tij", psi.states, psi.states.conj())
        np.testing.assert_allclose(outer, rho.states, atol=1e-13)
        assert psi.states.shape == (6, 8)


@pytest.mark.slow
def test_pure_state_chart_keeps_mass_and_purity_to_roundoff_over_many_steps():
    algebra, h, grad = _graph_nls()
    system = LiePoissonSystem(algebra, h, gradient=grad, chart=PureStateChart(algebra))
    rng = np.random.default_rng(3)
    psi0 = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi0 /= np.linalg.norm(psi0)
    traj = integrate(system, psi0, 0.05, 3000, method=LiePoissonHJ(order=2), save_every=100)
    errors = traj.max_relative_invariant_errors()
    assert errors["tr rho^1"] <= 1e-13  # the mass |psi|^2
    assert errors["tr rho^2"] <= 1e-13  # purity (|psi|^4 for a pure state)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"mu0": np.zeros(5)}, ShapeError, "mu0"),
        ({"mu0": np.array([np.nan, 0, 0, 0, 0, 0])}, NonFiniteError, "mu0"),
        ({"mu0": "abc"}, InvalidArgumentError, "mu0"),
        ({"dt": 0.0}, InvalidArgumentError, "dt"),
        ({"dt": np.inf}, NonFiniteError, "dt"),
        ({"n_steps": 0}, InvalidArgumentError, "n_steps"),
        ({"n_steps": 2.5}, InvalidArgumentError, "n_steps"),
        ({"save_every": 0}, InvalidArgumentError, "save_every"),
        ({"method": "rk4"}, InvalidArgumentError, "method"),
        ({"system": "body"}, InvalidArgumentError, "system"),
        ({"checkpoint_every": -1}, InvalidArgumentError, "checkpoint_every"),
    ],
)
def test_integrate_rejects_bad_arguments_with_named_errors(body, kwargs, error, pattern):
    system, mu0 = body
    args = {"system": system, "mu0": mu0, "dt": 0.1, "n_steps": 3}
    args.update(kwargs)
    with pytest.raises(error, match=pattern):
        integrate(**args)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [({"order": 3}, "order"), ({"tol": -1.0}, "tol"), ({"max_iter": 0}, "max_iter"), ({"solver": "magic"}, "solver")],
)
def test_lie_poisson_hj_rejects_bad_parameters(kwargs, pattern):
    with pytest.raises(InvalidArgumentError, match=pattern):
        LiePoissonHJ(**kwargs)


def test_pure_state_chart_rejects_su_and_wrong_states():
    from liepoisson import su

    with pytest.raises(InvalidArgumentError, match="algebra"):
        PureStateChart(su(3))
    algebra, h, grad = _graph_nls()
    system = LiePoissonSystem(algebra, h, gradient=grad, chart=PureStateChart(algebra))
    with pytest.raises(ShapeError, match="mu0"):
        integrate(system, np.ones(7, dtype=complex), 0.1, 2)


# ------------------------------------------------------------------ failures inside a run
from liepoisson import NonFiniteStateError, ScipyIVP, StepError, so3  # noqa: E402

RIGID_MU0 = np.array([np.cos(1.1), 0.0, np.sin(1.1)])


def _rigid_body(gradient_after=None):
    """The rigid body I = (2, 1, 2/3); ``gradient_after(calls, mu)`` may replace the gradient's
    value (or raise) from its ``calls``-th call on."""
    inertia = np.array([2.0, 1.0, 2.0 / 3.0])
    calls = {"n": 0}

    def gradient(m):
        calls["n"] += 1
        if gradient_after is not None:
            return gradient_after(calls["n"], m, m / inertia)
        return m / inertia

    return LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1), gradient=gradient)


def _assert_partial(err, dt, n_steps):
    """``err`` carries its step and the finite trajectory computed before it (up to that
    step on the numpy path; on the compiled path up to the start of the compiled chunk in
    which it failed, which every member of a batch has completed)."""
    assert isinstance(err, StepError) and err.step is not None and 0 <= err.step < n_steps
    partial = err.partial
    assert partial is err.trajectory and not partial.complete
    done = partial.metadata["steps_done"]
    assert partial.t[-1] == done * dt
    assert done == err.step if partial.metadata["engine"] == "numpy" else done <= err.step
    assert np.isfinite(partial.states).all()
    assert f"step {err.step} " in str(err)


def _nan_gradient_after(n):
    return lambda calls, m, g: g * np.nan if calls > n else g


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "method, system, dt, cause",
    [
        (RK4(), _rigid_body(), 10.0, "overflowed"),
        (LiePoissonEuler(), _rigid_body(_nan_gradient_after(8)), 0.5, "gradient of the Hamiltonian is not finite"),
        (ScipyIVP(), _rigid_body(_nan_gradient_after(400)), 0.5, ""),
    ],
    ids=["RK4", "LiePoissonEuler", "ScipyIVP"],
)
def test_a_non_finite_state_stops_the_run_with_the_step_and_the_partial_trajectory(method, system, dt, cause):
    with pytest.raises(StepError) as info:
        integrate(system, RIGID_MU0, dt, 50, method=method)
    _assert_partial(info.value, dt, 50)
    assert info.value.step > 0
    assert method.name in str(info.value) and cause in str(info.value)
    if not isinstance(method, ScipyIVP):  # solve_ivp may give up before a NaN state
        assert isinstance(info.value, NonFiniteStateError)


def test_scipy_ivp_stops_when_its_budget_of_evaluations_is_spent():
    with pytest.raises(StepError, match="max_evaluations=300") as info:
        integrate(_rigid_body(), 1e10 * RIGID_MU0, 1.0, 5, method=ScipyIVP(max_evaluations=300))
    _assert_partial(info.value, 1.0, 5)
    with pytest.raises(InvalidArgumentError, match="max_evaluations"):
        ScipyIVP(max_evaluations=0)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_an_overflow_inside_a_step_carries_the_step_the_partial_trajectory_and_the_cause(engine):
    from liepoisson_models.rigid_body import RigidBody

    with pytest.raises(StepError, match=r"LiePoissonHJ\(order=4\) with dt = 1e\+103, step 0 ") as info:
        integrate(RigidBody((2.0, 1.0, 2.0 / 3.0)), RIGID_MU0, 1e103, 5,
                  method=LiePoissonHJ(order=4), engine=engine)
    _assert_partial(info.value, 1e103, 5)
    assert isinstance(info.value.__cause__, OverflowError)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_math_domain_error_of_the_algebra_carries_the_step_and_says_the_gradient_is_not_finite():
    system = _rigid_body(lambda calls, m, g: g * np.inf if calls > 5 else g)  # 2 calls: the up-front check
    with pytest.raises(StepError, match="gradient of the Hamiltonian is not finite") as info:
        integrate(system, RIGID_MU0, 0.1, 10, method=LiePoissonEuler())
    _assert_partial(info.value, 0.1, 10)
    assert info.value.step == 3
    assert isinstance(info.value.__cause__, ValueError)


class _UserError(Exception):
    pass


def _raising_after(n):
    def after(calls, m, g):
        if calls > n:
            raise _UserError("the model is not defined there")
        return g
    return after


@pytest.mark.parametrize("method, calls", [(RK4(), 40), (LiePoissonEuler(), 40), (LiePoissonHJ(order=4), 400)],
                         ids=["RK4", "LiePoissonEuler", "LiePoissonHJ"])
def test_an_exception_of_the_users_gradient_carries_the_step_the_partial_trajectory_and_the_cause(method, calls):
    system = _rigid_body(_raising_after(calls))
    with pytest.raises(StepError, match="the gradient of the Hamiltonian raised _UserError") as info:
        integrate(system, RIGID_MU0, 0.1, 200, method=method, save_every=3)
    _assert_partial(info.value, 0.1, 200)
    assert info.value.step > 0
    assert isinstance(info.value.__cause__, _UserError)


def test_an_exception_of_the_users_hamiltonian_is_named():
    """Without a gradient, the numerical gradient evaluates the Hamiltonian."""
    inertia = np.array([2.0, 1.0, 2.0 / 3.0])
    calls = {"n": 0}

    def hamiltonian(m):
        calls["n"] += 1
        if calls["n"] > 100:
            raise _UserError("boom")
        return 0.5 * np.sum(m**2 / inertia, axis=-1)

    with pytest.raises(StepError, match="the Hamiltonian raised _UserError") as info:
        integrate(LiePoissonSystem(so3(), hamiltonian), RIGID_MU0, 0.1, 50, method=RK4())
    _assert_partial(info.value, 0.1, 50)


def test_a_singular_matrix_in_the_newton_solver_carries_the_step_and_the_partial_trajectory(monkeypatch):
    """At dt = 2 the fixed point does not converge within 10 iterations and Newton takes
    over (on both engines, the compiled one handing those steps to numpy); its linear solve
    fails from its 30th call on. Both engines name the step of that call."""
    from liepoisson_models.rigid_body import RigidBody

    body, method, solve = RigidBody((2.0, 1.0, 2.0 / 3.0)), LiePoissonHJ(order=2, max_iter=10), np.linalg.solve
    calls = {"n": 0, "fail_at": None}

    def patched(a, b):
        calls["n"] += 1
        if calls["fail_at"] is not None and calls["n"] >= calls["fail_at"]:
            raise np.linalg.LinAlgError("Singular matrix")
        return solve(a, b)

    monkeypatch.setattr(np.linalg, "solve", patched)
    mu, expected = RIGID_MU0, None  # the step in which the 30th solve happens
    for k in range(40):
        mu = method.step(body, mu, 2.0)
        if expected is None and calls["n"] >= 30:
            expected = k
    assert expected is not None and expected > 0
    for engine in ("numpy", "compiled"):
        calls.update(n=0, fail_at=30)
        with pytest.raises(StepError, match="LinAlgError: Singular matrix") as info:
            integrate(body, RIGID_MU0, 2.0, 40, method=method, engine=engine)
        _assert_partial(info.value, 2.0, 40)
        assert isinstance(info.value.__cause__, np.linalg.LinAlgError)
        assert info.value.step == expected, engine


@pytest.mark.parametrize("order, dt", [(6, 500.0), (8, 500.0)])
def test_a_failing_composition_reports_the_method_and_the_dt_asked_for(order, dt):
    from liepoisson_models.rigid_body import RigidBody

    with pytest.raises(StepError) as info:
        integrate(RigidBody((2.0, 1.0, 2.0 / 3.0)), RIGID_MU0, dt, 3, method=LiePoissonHJ(order=order),
                  engine="numpy")
    message = str(info.value)
    assert f"LiePoissonHJ(order={order})" in message and "dt = 500," in message
    assert "order=4" not in message and "dt=500" in message
    _assert_partial(info.value, dt, 3)
