"""Laws of the compiled path (:mod:`liepoisson.compiled`): it computes what the numpy
reference computes, on every catalog algebra of vector elements, every order, single states
and batches; it keeps the Casimirs over long runs; it falls back, and says why, where it
cannot compile; and the steps it cannot take go to the numpy path."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import (
    ConvergenceError,
    InvalidArgumentError,
    LiePoissonHJ,
    LiePoissonSystem,
    RK4,
    direct_sum,
    gl,
    heisenberg,
    integrate,
    se3,
    sl,
    so,
    so3,
    sp,
    su,
)

ALGEBRAS = {
    "so3": so3,
    "se3": se3,
    "heisenberg2": lambda: heisenberg(2),
    "so4": lambda: so(4),
    "sp4": lambda: sp(4),
    "sl2": lambda: sl(2),
    "gl2": lambda: gl(2),
    "so3+heisenberg1": lambda: direct_sum(so3(), heisenberg(1)),
}
ORDERS = (2, 4, 6, 8)


def user_system(algebra, quartic: float, exact: bool, seed: int = 0) -> LiePoissonSystem:
    """:math:`H = \\tfrac12\\sum_k \\mu_k^2/I_k + \\varepsilon\\sum_k w_k\\mu_k^4`, written as a
    user writes it: numpy lambdas closing over arrays (affine gradient when ``quartic == 0``)."""
    rng = np.random.default_rng(seed)
    inertia = 1.0 + rng.random(algebra.dim)
    w = rng.random(algebra.dim)
    q = float(quartic)
    kwargs = {}
    if exact:
        kwargs = dict(
            hessian_vector=lambda m, v: (1.0 / inertia + 12.0 * q * w * m**2) * v,
            third_derivative=lambda m, u, v: 24.0 * q * w * m * u * v,
        )
    return LiePoissonSystem(
        algebra,
        lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1) + q * np.sum(w * m**4, axis=-1),
        gradient=lambda m: m / inertia + 4.0 * q * w * m * m * m,
        name=f"quartic {q} on {algebra.name}",
        **kwargs,
    )


def initial_states(algebra, batch: int = 0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = 0.7 * rng.normal(size=(max(batch, 1), algebra.dim))
    if algebra.name.startswith("heisenberg"):
        c[:, -1] = 1.0  # the canonical orbit
    return c if batch else c[0]


def _relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


# -------------------------------------------------------- agreement with numpy
@pytest.mark.parametrize("name", list(ALGEBRAS))
@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("batch", [0, 3], ids=["single", "batch"])
@pytest.mark.parametrize("quartic", [0.0, 0.05], ids=["affine", "quartic"])
def test_compiled_steps_equal_numpy_steps(name, order, batch, quartic):
    """20 steps of dt = 0.05 agree with the numpy reference to 1e-13 (relative), for user
    lambdas with gradients only (complex-step derivatives, or the affine matrix form)."""
    algebra = ALGEBRAS[name]()
    system = user_system(algebra, quartic, exact=False)
    mu0 = initial_states(algebra, batch)
    method = LiePoissonHJ(order=order)
    compiled = integrate(system, mu0, 0.05, 20, method=method, engine="compiled")
    reference = integrate(system, mu0, 0.05, 20, method=method, engine="numpy")
    assert compiled.metadata["engine"] == "compiled"
    assert reference.metadata["engine"] == "numpy"
    assert compiled.states.shape == reference.states.shape
    assert _relative_gap(compiled.states, reference.states) <= 1e-13


@pytest.mark.parametrize("name", ["so3", "se3", "so4"])
@pytest.mark.parametrize("order", [2, 4])
def test_compiled_steps_equal_numpy_steps_with_exact_derivatives(name, order):
    algebra = ALGEBRAS[name]()
    system = user_system(algebra, 0.05, exact=True)
    mu0 = initial_states(algebra, 2)
    method = LiePoissonHJ(order=order)
    compiled = integrate(system, mu0, 0.05, 20, method=method, engine="compiled")
    reference = integrate(system, mu0, 0.05, 20, method=method, engine="numpy")
    assert "hessian_vector" in compiled.metadata["engine_detail"]
    assert _relative_gap(compiled.states, reference.states) <= 1e-13


@pytest.mark.parametrize("name", ["so3", "se3"])
@pytest.mark.parametrize("composition", ["suzuki", "triple-jump"])
def test_compiled_compositions_equal_numpy_compositions(name, composition):
    """The compositions of order-2 steps (5 and 3 substeps) give the numpy path's states to
    1e-13 on the compiled path, single and batched."""
    algebra = ALGEBRAS[name]()
    system = user_system(algebra, 0.05, exact=False)
    method = LiePoissonHJ(order=4, composition=composition)
    for batch in (0, 3):
        mu0 = initial_states(algebra, batch)
        compiled = integrate(system, mu0, 0.05, 20, method=method, engine="compiled")
        reference = integrate(system, mu0, 0.05, 20, method=method, engine="numpy")
        assert compiled.metadata["engine"] == "compiled"
        assert compiled.metadata["method"] == f"LiePoissonHJ(order=4, {composition} composition)"
        assert _relative_gap(compiled.states, reference.states) <= 1e-13


def test_a_run_continues_from_a_trajectorys_read_only_final_state():
    system = user_system(so3(), 0.0, exact=False)
    first = integrate(system, initial_states(so3()), 0.1, 10, engine="compiled")
    assert not first.final.flags.writeable
    second = integrate(system, first.final, 0.1, 10, engine="compiled")
    whole = integrate(system, initial_states(so3()), 0.1, 20, engine="compiled")
    assert np.array_equal(second.final, whole.final)


def test_a_batch_steps_member_by_member_exactly():
    """The parallel batch loop integrates each member as the single-state loop does:
    bit-identical results."""
    algebra = so3()
    system = user_system(algebra, 0.05, exact=False)
    mu0 = initial_states(algebra, 64)
    batch = integrate(system, mu0, 0.1, 50, method=LiePoissonHJ(order=4), engine="compiled")
    for b in (0, 17, 63):
        one = integrate(system, mu0[b], 0.1, 50, method=LiePoissonHJ(order=4), engine="compiled")
        assert np.array_equal(batch.states[:, b], one.states)


# ------------------------------------------------------------- invariants
@pytest.mark.slow
@pytest.mark.parametrize("name", ["so3", "se3"])
def test_compiled_casimirs_are_preserved_over_1e5_steps(name):
    """The quadratic Casimirs change by at most 1e-13 relative to |mu|^2 (the size of a
    quadratic invariant at the state's size: Pi.Gamma itself may be near 0)."""
    algebra = ALGEBRAS[name]()
    system = user_system(algebra, 0.05, exact=False)
    mu0 = initial_states(algebra)
    traj = integrate(system, mu0, 0.1, 100_000, method=LiePoissonHJ(order=2), save_every=1000,
                     engine="compiled")
    size = float(mu0 @ mu0)
    for key, values in traj.invariants().items():
        if key != "energy":
            assert np.max(np.abs(values - values[0])) <= 1e-13 * size, key
    energy = traj.relative_invariant_errors()["energy"]
    # bounded, not drifting: the error over the last tenth is no larger than over the first
    assert energy.max() <= 1e-2
    assert energy[-10:].max() <= 2.0 * energy[1:11].max() + 1e-12


# ---------------------------------------------------------- which path ran
def test_the_path_that_ran_is_recorded():
    system = user_system(so3(), 0.0, exact=False)
    traj = integrate(system, initial_states(so3()), 0.1, 10, engine="compiled")
    assert traj.metadata["engine"] == "compiled"
    assert "so3 algebra kernels" in traj.metadata["engine_detail"]
    assert "affine gradient" in traj.metadata["engine_detail"]
    assert traj.metadata["compile_seconds"] > 0
    traj = integrate(system, initial_states(so3()), 0.1, 10, engine="numpy")
    assert traj.metadata["engine"] == "numpy"
    assert traj.metadata["compile_seconds"] == 0
    quartic = integrate(user_system(so3(), 0.05, exact=False), initial_states(so3()), 0.1, 10,
                        method=LiePoissonHJ(order=4, scheme="series"), engine="compiled")
    assert "affine" not in quartic.metadata["engine_detail"]
    assert "complex-step second derivatives" in quartic.metadata["engine_detail"]


def test_auto_compiles_runs_that_pay_for_it():
    """A short run of a new system stays on numpy (compiling costs seconds); once the
    process has compiled the system, runs of more than about 10 ms go compiled; a long run
    goes compiled from the start."""
    mu0 = initial_states(so3())
    fresh = user_system(so3(), 0.0, exact=False, seed=11)
    short = integrate(fresh, mu0, 0.1, 200)
    assert short.metadata["engine"] == "numpy"
    assert "short run" in short.metadata["engine_detail"]
    integrate(fresh, mu0, 0.1, 2, engine="compiled")
    again = integrate(fresh, mu0, 0.1, 2000)
    assert again.metadata["engine"] == "compiled"
    long = integrate(user_system(so3(), 0.0, exact=False, seed=12), mu0, 0.1, 100_000,
                     save_every=100_000)
    assert long.metadata["engine"] == "compiled"


class _Opaque:
    """A gradient numba cannot compile (a method of a Python object)."""

    def __init__(self, inertia):
        self.inertia = inertia

    def gradient(self, m):
        return m / self.inertia


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: LiePoissonSystem(su(2), lambda r: np.zeros(r.shape[:-2]),
                                  gradient=lambda r: np.zeros_like(r)), "not real coefficient vectors"),
        (lambda: LiePoissonSystem(so3(), lambda m: np.sum(m**2, axis=-1),
                                  gradient=_Opaque(np.ones(3)).gradient), "could not be compiled"),
        (lambda: LiePoissonSystem(so3(), lambda m: np.sum(m**2, axis=-1)), "no gradient"),
    ],
    ids=["matrix algebra", "bound method", "no gradient"],
)
def test_what_cannot_be_compiled_runs_on_numpy_and_says_why(make, reason):
    system = make()
    mu0 = system.algebra.zeros() if system.algebra.dtype.kind == "c" else np.array([0.3, 1.0, -0.7])
    if system.algebra.dtype.kind == "c":
        mu0 = np.array([[1.0, 0.5j], [-0.5j, -1.0]])
    with pytest.raises(InvalidArgumentError, match=reason):
        integrate(system, mu0, 0.1, 3, engine="compiled")
    traj = integrate(system, mu0, 0.1, 3)
    assert traj.metadata["engine"] == "numpy"
    with pytest.raises(InvalidArgumentError, match="engine='compiled' is not available"):
        integrate(system, mu0, 0.1, 3, engine="compiled")


def test_other_integrators_run_on_numpy():
    traj = integrate(user_system(so3(), 0.0, exact=False), initial_states(so3()), 0.1, 3, method=RK4())
    assert traj.metadata["engine"] == "numpy"
    assert "RK4 has no compiled kernels" in traj.metadata["engine_detail"]


def test_a_changed_closure_array_is_compiled_again():
    """numba freezes closure arrays at compile time: a gradient whose array changed is
    compiled anew (its values are part of the cache key), never run stale."""
    inertia = np.array([1.0, 2.0, 3.5])
    system = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
                              gradient=lambda m: m / inertia)
    mu0 = initial_states(so3())
    integrate(system, mu0, 0.1, 3, engine="compiled")
    inertia[0] = 5.0  # the user changes the array the gradient closes over
    traj = integrate(system, mu0, 0.1, 3, engine="compiled")
    reference = integrate(system, mu0, 0.1, 3, engine="numpy")
    assert _relative_gap(traj.states, reference.states) <= 1e-13


_GLOBAL_INERTIA = np.array([1.0, 2.0, 3.5])


def test_a_gradient_compiled_before_its_global_changed_is_not_run_stale():
    """numba freezes global arrays at compile time; after the global changes, the remembered
    compiled gradient disagrees with the numpy one at the probe and is not used: the run
    still computes what the numpy path computes."""
    system = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / _GLOBAL_INERTIA, axis=-1),
                              gradient=lambda m: m / _GLOBAL_INERTIA)
    mu0 = initial_states(so3())
    integrate(system, mu0, 0.1, 3, engine="compiled")
    saved = _GLOBAL_INERTIA.copy()
    try:
        _GLOBAL_INERTIA[0] = 5.0
        traj = integrate(system, mu0, 0.1, 20, engine="compiled")
        reference = integrate(system, mu0, 0.1, 20, engine="numpy")
        assert _relative_gap(traj.states, reference.states) <= 1e-13
    finally:
        _GLOBAL_INERTIA[:] = saved


def test_engine_must_be_a_known_name():
    with pytest.raises(InvalidArgumentError, match="engine must be one of"):
        integrate(user_system(so3(), 0.0, exact=False), initial_states(so3()), 0.1, 3, engine="gpu")


# ------------------------------------------------- steps handed back to numpy
def test_steps_the_fixed_point_cannot_take_go_to_newton():
    """At dt = 2 the fixed point does not converge within 10 iterations; those steps take
    the numpy path's Newton fallback and the run equals the numpy run."""
    inertia = np.array([2.0, 1.0, 2.0 / 3.0])
    system = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
                              gradient=lambda m: m / inertia)
    mu0 = np.array([np.cos(1.1), 0.0, np.sin(1.1)])
    method = LiePoissonHJ(order=2, max_iter=10)
    reference = integrate(system, mu0, 2.0, 10, method=method, engine="numpy")
    traj = integrate(system, mu0, 2.0, 10, method=method, engine="compiled")
    assert _relative_gap(traj.states, reference.states) <= 1e-12


def test_a_step_nothing_can_take_names_the_step_and_keeps_the_trajectory():
    system = user_system(so3(), 0.0, exact=False)
    mu0 = initial_states(so3(), 4)
    method = LiePoissonHJ(order=2, solver="fixed_point", max_iter=2, tol=1e-15)
    with pytest.raises(ConvergenceError, match=r"step 0 ") as info:
        integrate(system, mu0, 0.3, 10, method=method, engine="compiled")
    assert info.value.step == 0
    assert info.value.trajectory is not None
    assert info.value.trajectory.states.shape[1:] == mu0.shape
    assert not info.value.trajectory.complete


def test_a_wrong_affine_model_is_caught_at_the_first_step(monkeypatch):
    """The loop checks the affine model against the user's gradient at every step; a
    model that is wrong hands the run to the general loop, which gives the numpy result."""
    import liepoisson.compiled.runner as runner

    system = user_system(so3(), 0.05, exact=False)
    wrong = (np.diag([1.0, 0.5, 0.25]), np.zeros(3))
    monkeypatch.setattr(runner, "affine_model", lambda fns, probe, rng: wrong)
    mu0 = initial_states(so3(), 2)
    traj = integrate(system, mu0, 0.05, 20, method=LiePoissonHJ(order=2), engine="compiled")
    reference = integrate(system, mu0, 0.05, 20, method=LiePoissonHJ(order=2), engine="numpy")
    assert _relative_gap(traj.states, reference.states) <= 1e-13


# -------------------------------------------------------- composition scheme
@pytest.mark.parametrize("order", [4, 6, 8])
def test_the_composition_scheme_has_its_order(order):
    """Compositions of the order-2 step (Suzuki's for order 4, nested triple jumps for 6
    and 8) reach orders 4, 6, 8 (errors against a fine run of the same method; slope
    measured between two step sizes)."""
    system = user_system(so3(), 0.05, exact=False)
    mu0 = initial_states(so3())
    method = LiePoissonHJ(order=order, scheme="composition")
    assert method.name == f"LiePoissonHJ(order={order}, {'suzuki' if order == 4 else 'triple-jump'} composition)"
    T = 3.0
    fine = integrate(system, mu0, T / 512, 512, method=LiePoissonHJ(order=8), save_every=512).final
    errors = [np.max(np.abs(integrate(system, mu0, T / n, n, method=method, save_every=n).final - fine))
              for n in (4, 8)]  # errors 1e-6 .. 1e-10: far above round-off
    slope = np.log2(errors[0] / errors[1])
    assert slope >= order - 0.6, (errors, slope)


def test_auto_scheme_takes_the_series_where_its_derivatives_are_exact_or_affine():
    """``scheme="auto"``: the series with exact or affine derivatives, Suzuki's composition
    at order 4 for a non-affine gradient with complex-step derivatives, the composition at
    every order for a gradient the complex step cannot differentiate."""
    algebra = so3()
    mu0 = initial_states(algebra)

    def method_of(system, order=4):
        return integrate(system, mu0, 0.1, 2, method=LiePoissonHJ(order=order)).metadata["method"]

    quartic = user_system(algebra, 0.05, exact=False)
    assert method_of(user_system(algebra, 0.05, exact=True)) == "LiePoissonHJ(order=4)"
    assert method_of(user_system(algebra, 0.0, exact=False)) == "LiePoissonHJ(order=4)"  # affine
    assert method_of(quartic) == "LiePoissonHJ(order=4, suzuki composition)"
    assert method_of(quartic, order=6) == "LiePoissonHJ(order=6)"
    inertia = np.array([1.0, 2.0, 3.0])
    kinked = LiePoissonSystem(algebra, lambda m: np.sum(np.abs(m) ** 3 / inertia, axis=-1),
                              gradient=lambda m: 3.0 * m * np.abs(m) / inertia)
    assert method_of(kinked) == "LiePoissonHJ(order=4, suzuki composition)"
    assert method_of(kinked, order=6) == "LiePoissonHJ(order=6, triple-jump composition)"


# ------------------------------------------------------------ fused affine loops
@pytest.mark.parametrize("name", ["so3", "se3", "heisenberg2"])
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("solver", ["preconditioned", "fixed_point"])
def test_fused_affine_loops_equal_the_general_loop_bit_for_bit(name, order, solver, monkeypatch):
    """An affine gradient on so(3), se(3) or heisenberg(n) runs each member's substeps in
    one fused loop: the same states, saved states, statuses, residuals and iteration
    counts, bit for bit, as the general block loop."""
    from liepoisson.compiled import lie_poisson_hj as kernels
    from liepoisson.compiled.runner import lie_poisson_hj_runner

    algebra = ALGEBRAS[name]()
    system = user_system(algebra, 0.0, exact=False)
    mu0 = initial_states(algebra, 70)  # more than one block
    method = LiePoissonHJ(order=order, solver=solver).for_system(system)
    runner = lie_poisson_hj_runner(method, system, mu0[0])
    assert "fused" in runner.description
    fused = runner.advance(mu0, 0.1, 0, 12, 12, 5)
    monkeypatch.setattr(kernels, "affine_loop", lambda family: None)
    general = runner.advance(mu0, 0.1, 0, 12, 12, 5)
    for a, b in zip(fused, general):
        assert np.array_equal(a, b)
    assert np.all(fused[2][:, 2] == kernels.OK)


def test_a_declared_affine_gradient_runs_unchecked_with_the_same_result():
    """A system that declares its gradient affine runs the fused loop without confirming
    the model at every step, and gives the bits of the same system without the
    declaration (whose affine form the loop reads off and checks)."""
    inertia = np.array([1.0, 2.0, 3.5])
    H = lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1)  # noqa: E731
    gradient = lambda m: m / inertia  # noqa: E731
    declared = LiePoissonSystem(so3(), H, gradient=gradient,
                                affine_gradient=(np.diag(1.0 / inertia), np.zeros(3)))
    detected = LiePoissonSystem(so3(), H, gradient=gradient)
    mu0 = initial_states(so3(), 5)
    a = integrate(declared, mu0, 0.1, 30, method=LiePoissonHJ(order=4), engine="compiled")
    b = integrate(detected, mu0, 0.1, 30, method=LiePoissonHJ(order=4), engine="compiled")
    assert "declared" in a.metadata["engine_detail"]
    assert "checked at every step" in b.metadata["engine_detail"]
    assert np.array_equal(a.states, b.states)


def _assert_same_bits(a, b) -> None:
    """Two results of :meth:`CompiledRunner.advance` are the same bits: final states, info,
    and each member's saved states up to its saved count (the rest is not written)."""
    (final_a, saved_a, info_a), (final_b, saved_b, info_b) = a, b
    assert np.array_equal(final_a, final_b, equal_nan=True)
    assert np.array_equal(info_a, info_b, equal_nan=True)
    for r, count in enumerate(info_a[:, 1].astype(int)):
        assert np.array_equal(saved_a[r, :count], saved_b[r, :count], equal_nan=True)


def _so3_members_that_stop_apart(rng) -> np.ndarray:
    """130 so(3) states (three blocks, the last one partial) whose solves stop at different
    iterations: norms from 0.01 to 40 (at dt = 0.3, :math:`|\\xi|` on both sides of 1, where
    dexpinv_star's coefficient switches from its series to its closed form), a state that
    overflows, one that is NaN, one that is zero."""
    mu0 = rng.normal(size=(130, 3))
    mu0 *= np.geomspace(0.01, 40.0, 130)[:, None] / np.linalg.norm(mu0, axis=1)[:, None]
    rng.shuffle(mu0)
    mu0[5] = 1e300
    mu0[70] = np.nan
    mu0[71] = 0.0
    return mu0


@pytest.mark.parametrize("solver", ["preconditioned", "fixed_point"])
@pytest.mark.parametrize("max_iter", [3, 100])
def test_the_vectorised_so3_block_gives_each_member_the_bits_of_the_general_loop(
        solver, max_iter, monkeypatch):
    """On so(3) at order 2 the fused loop solves a block of members in SIMD lanes, each
    member to its own stopping rule: members that stop at different iterations, on either
    side of the series/closed-form switch of dexpinv_star, that do not converge, overflow
    or are NaN get the states, saved states, statuses, residuals and iteration counts of
    the general block loop, bit for bit."""
    from liepoisson.compiled import lie_poisson_hj as kernels
    from liepoisson.compiled.runner import lie_poisson_hj_runner

    system = user_system(so3(), 0.0, exact=False)
    mu0 = _so3_members_that_stop_apart(np.random.default_rng(3))
    method = LiePoissonHJ(order=2, solver=solver, max_iter=max_iter).for_system(system)
    runner = lie_poisson_hj_runner(method, system, mu0[0])
    assert "vectorised across members" in runner.description
    fused = runner.advance(mu0, 0.3, 0, 6, 6, 2)
    monkeypatch.setattr(kernels, "affine_loop", lambda family: None)
    general = runner.advance(mu0, 0.3, 0, 6, 6, 2)
    _assert_same_bits(fused, general)
    status, iterations = fused[2][:, 2], fused[2][:, 4]
    assert {kernels.OK, kernels.NOT_CONVERGED} <= set(status)
    assert len(set(iterations[status == kernels.OK])) >= 3


def test_the_vectorised_so3_block_stops_a_member_whose_gradient_leaves_the_affine_model(
        monkeypatch):
    """The per-step check of a detected affine model stays a check of each member: where
    the user's gradient leaves the model (here for :math:`\\mu_0 > 1`), that member stops
    with status NOT_AFFINE and the others go on, with the bits of the general loop."""
    import liepoisson.compiled.runner as runner_module
    from liepoisson.compiled import lie_poisson_hj as kernels

    inertia = np.array([1.0, 2.0, 3.5])
    system = LiePoissonSystem(
        so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
        gradient=lambda m: m / inertia + 1e-3 * (m[..., :1] > 1.0) * m)
    model = (np.diag(1.0 / inertia), np.zeros(3))
    monkeypatch.setattr(runner_module, "affine_model", lambda fns, probe, rng: model)
    mu0 = np.random.default_rng(4).normal(size=(100, 3))
    method = LiePoissonHJ(order=2).for_system(system)
    runner = runner_module.lie_poisson_hj_runner(method, system, mu0[0])
    fused = runner.advance(mu0, 0.1, 0, 8, 8, 4)
    monkeypatch.setattr(kernels, "affine_loop", lambda family: None)
    general = runner.advance(mu0, 0.1, 0, 8, 8, 4)
    _assert_same_bits(fused, general)
    status = fused[2][:, 2]
    assert set(status) == {kernels.OK, kernels.NOT_AFFINE}
