"""``integrate``: run an integrator, with validation, progress, checkpoints and resume
(:mod:`liepoisson.checkpoint`), on the numpy or the compiled path."""

from __future__ import annotations

import warnings

import numpy as np

from ._validation import _describe, check_int, check_real
from .checkpoint import Checkpoint, run_fingerprint
from .exceptions import (
    ConvergenceError,
    InvalidArgumentError,
    LiePoissonError,
    NonFiniteError,
    NonFiniteStateError,
    ShapeError,
    StepError,
)
from .integrators.base import Integrator
from .integrators.lie_poisson_hj import LiePoissonHJ
from .system import LiePoissonSystem
from .trajectory import Trajectory

__all__ = ["integrate"]

#: Elements with at most this many entries are integrated with a single-threaded BLAS.
_SMALL_STATE = 4096


_ENGINES = ("auto", "compiled", "numpy")

#: Wall time aimed at per compiled chunk: between chunks the run reports progress, writes
#: checkpoints and reacts to Ctrl-C.
_CHUNK_SECONDS = 0.2
#: With ``engine="auto"``, runs estimated to take less than this on the numpy path stay
#: there: compiling a new system (and loading the kernels) costs a few seconds per process.
_COMPILE_PAYS_AFTER = 1.0
#: The same when this process has compiled the system's gradient already.
_COMPILED_PAYS_AFTER = 0.01


def _numpy_estimate(method, mu, n_steps) -> float:
    """Seconds the numpy path would take, from a cost model measured on it (about 50 us per
    substep and 0.5 us per state entry; three times that for the Hamilton–Jacobi series of
    order 4, whose derivatives cost several gradients). No user code runs."""
    coefficients, order = method.substeps()
    per_substep = (5e-5 + 5e-7 * mu.size) * (3.0 if order == 4 else 1.0)
    return n_steps * len(coefficients) * per_substep


def _select_engine(engine, method, system, mu, dt, n_steps):
    """The compiled runner for this run (or None) and the reason recorded in the metadata."""
    if engine not in _ENGINES:
        raise InvalidArgumentError(f"engine must be one of {_ENGINES}, got {_describe(engine)}")
    if engine == "numpy":
        return None, "numpy path requested (engine='numpy')"
    import time

    from .compiled import NotCompilable, check_structure

    start = time.perf_counter()
    try:
        if not method.compiled:
            raise NotCompilable(f"{method.name} has no compiled kernels")
        check_structure(method, system)
        if mu.size == 0:
            raise NotCompilable("the batch is empty")
        from .compiled.runner import lie_poisson_hj_runner

        if engine == "auto":
            from .compiled.callables import is_compiled

            gradient = system.derivative_callables()["gradient"]
            pays = _COMPILED_PAYS_AFTER if is_compiled(gradient) else _COMPILE_PAYS_AFTER
            estimate = _numpy_estimate(method, mu, n_steps)
            if estimate < pays:
                raise NotCompilable(
                    f"a short run (about {estimate:.2g} s on numpy) does not pay for compiling "
                    "(engine='compiled' forces it)"
                )

        probe = mu.reshape(-1, mu.shape[-1])[0] if mu.ndim else mu
        runner = lie_poisson_hj_runner(method, system, probe)
    except NotCompilable as exc:
        if engine == "compiled":
            raise InvalidArgumentError(f"engine='compiled' is not available for this run: {exc}") from None
        return None, f"numpy path: {exc}"
    runner.compile_seconds = time.perf_counter() - start
    return runner, runner.description


class _CompiledStepFailed(Exception):
    """A step that the numpy path could not take either; ``state`` is the whole run's state
    after step ``chunk_start`` (the last step every member has completed), ``member`` the
    failing member's state before its step ``step``."""

    def __init__(self, step, chunk_start, state, error, member):
        super().__init__(str(error))
        self.step, self.chunk_start, self.state, self.error = step, chunk_start, state, error
        self.member = member


def _compiled_steps(runner, method, system, mu, dt, start, n_steps, save_every, every, saved):
    """Advance ``mu`` from step ``start`` to ``n_steps`` through ``runner``, in chunks.

    Each chunk is one compiled call (about :data:`_CHUNK_SECONDS` of work, never crossing a
    multiple of ``every`` unless that is None); after it the saved states go to
    ``saved(states)`` (an array of shape ``(n, *mu.shape)``) and the generator yields
    ``(steps done, state)``. A member whose step the compiled solve
    could not take (no convergence, a non-finite state) takes that step on the numpy path
    (``method.step``: Newton fallback, the library's errors) and continues compiled; if the
    gradient stops being affine, the run continues with a runner that calls the gradient.

    Raises
    ------
    _CompiledStepFailed
        When the numpy path fails too.
    """
    import time

    from .compiled.runner import saved_count

    shape = mu.shape
    flat = np.ascontiguousarray(mu.reshape(-1, shape[-1]), dtype=float)
    probe = flat[0].copy()
    k, chunk = start, 1024  # then sized to about _CHUNK_SECONDS each
    while k < n_steps:
        k1 = min(n_steps, k + chunk)
        if every is not None:
            k1 = min(k1, (k // every + 1) * every)
        t0 = time.perf_counter()
        final, states, info = runner.advance(flat, dt, k, k1, n_steps, save_every)
        for b in np.flatnonzero(info[:, 0] < k1):
            try:
                final[b], states[b], runner = _finish_member(
                    runner, method, system, probe, final[b], states[b], info[b], dt, k1,
                    n_steps, save_every)
            except _MemberStepFailed as exc:
                raise _CompiledStepFailed(exc.step, k, flat.reshape(shape).copy(), exc.error,
                                          exc.state) from exc.error
        elapsed = time.perf_counter() - t0
        flat = final
        n_saved = saved_count(k, k1, n_steps, save_every)
        saved(np.moveaxis(states[:, :n_saved], 1, 0).reshape((n_saved,) + shape))
        per_step = elapsed / (k1 - k)
        k = k1
        chunk = int(min(max(1, _CHUNK_SECONDS / per_step if per_step > 0 else 1e9), 4 * chunk, 10**9))
        yield k, flat.reshape(shape).copy()


def _finish_member(runner, method, system, probe, state, states, info, dt, k1, n_steps,
                   save_every):
    """Complete one member's chunk after the compiled loop stopped it before a step.

    Returns the member's state after step ``k1``, its saved states in the chunk and the
    runner to continue with.

    Raises
    ------
    _MemberStepFailed
        When the numpy step fails too (any exception, or a non-finite state).
    """
    from .compiled.lie_poisson_hj import NOT_AFFINE
    from .compiled.runner import lie_poisson_hj_runner

    done, count, status = int(info[0]), int(info[1]), int(info[2])
    kept = list(states[:count])
    while done < k1:
        if status == NOT_AFFINE:
            runner = lie_poisson_hj_runner(method, system, probe, affine=False)
        else:
            try:
                state = _checked_step(method, system, state, dt)
            except Exception as exc:
                raise _MemberStepFailed(done, state, exc) from exc
            done += 1
            if done % save_every == 0 or done == n_steps:
                kept.append(state.copy())
        if done < k1:
            final, more, info = runner.advance(state[None], dt, done, k1, n_steps, save_every)
            kept.extend(more[0, : int(info[0, 1])])
            state, done, status = final[0], int(info[0, 0]), int(info[0, 2])
    return state, np.array(kept).reshape(states.shape), runner


class _MemberStepFailed(Exception):
    """The numpy step ``step`` of one batch member, from its ``state``, failed with ``error``."""

    def __init__(self, step, state, error):
        super().__init__(str(error))
        self.step, self.state, self.error = step, state, error


def integrate(
    system: LiePoissonSystem,
    mu0,
    dt: float,
    n_steps: int,
    method: Integrator | None = None,
    save_every: int = 1,
    progress: bool = False,
    checkpoint=None,
    checkpoint_every: int | None = None,
    engine: str = "auto",
) -> Trajectory:
    """Integrate a Lie–Poisson system from ``mu0`` for ``n_steps`` steps of size ``dt``.

    Parameters
    ----------
    system : LiePoissonSystem
    mu0 : array_like of shape (*shape,) or (batch, ..., *shape)
        Initial state; leading axes integrate an ensemble in one vectorised run.
    dt : float
        Step size, nonzero (negative integrates backwards).
    n_steps : int
        Number of steps, ``>= 1``.
    method : Integrator, optional
        Defaults to ``LiePoissonHJ(order=2)``.
    save_every : int
        Save the state every ``save_every`` steps (the initial and final states are always
        saved).
    progress : bool
        Show a progress bar (tqdm).
    checkpoint : str or Path, optional
        File to which the run's progress is written periodically (:mod:`liepoisson.checkpoint`:
        a small header replaced atomically, and the saved states in ``<checkpoint>.states.npy``,
        to which each write only adds the new ones). The files are created before the first
        step (a path that cannot be written fails at once). If they exist and belong to the
        same run (:func:`~liepoisson.checkpoint.run_fingerprint`: the same algebra,
        Hamiltonian and gradient, initial state, method, ``dt``, ``n_steps`` and
        ``save_every``), the run resumes from them and ends bit-identical to an
        uninterrupted one; a finished run's checkpoint returns its trajectory at once.
    checkpoint_every : int, optional
        Steps between checkpoint writes (default ``max(1, n_steps // 100)``).
    engine : {"auto", "compiled", "numpy"}
        ``"auto"`` (default) runs :class:`LiePoissonHJ` through compiled kernels
        (:mod:`liepoisson.compiled`: the whole step and the stepping loop in numba, a batch
        in parallel on every core) when the algebra has vector elements, the system's
        callables compile, and the run is long enough to pay for compiling (a cost model of
        the numpy path predicts more than 1 s; 10 ms once this process has compiled the
        system), and through the numpy implementation otherwise; ``"compiled"``
        requires the compiled path (an error says why it is not available); ``"numpy"``
        always runs :meth:`Integrator.step`. Which path ran, and why, is recorded in
        ``metadata["engine"]`` and ``metadata["engine_detail"]``; the time spent compiling
        (or loading from numba's disk cache) the system's callables and kernels in
        ``metadata["compile_seconds"]``.

    Returns
    -------
    Trajectory
        ``complete`` is False if the run was interrupted (Ctrl-C): the trajectory then holds
        what was computed, and the checkpoint file (if any) allows resuming.

    Raises
    ------
    InvalidArgumentError, ShapeError, NonFiniteError
        For invalid arguments; the message names the argument and its value.
    CheckpointError
        When the checkpoint file belongs to another run, is corrupt (truncated, empty,
        altered) or cannot be written; the message names the file.
    StepError
        When a step fails. Its ``step`` attribute is the index of the failed step and its
        ``trajectory`` (alias ``partial``) holds the states computed before it
        (``complete=False``); the message names the method, ``dt``, the step and the cause.
        Subclasses: :class:`ConvergenceError` (an implicit solve did not converge),
        :class:`NonFiniteStateError` (the step produced NaN or infinite entries; the message
        says when the Hamiltonian or its gradient is not finite); any other exception
        raised during a step (by the user's Hamiltonian or gradient, a singular linear
        system, an overflow) is raised as a :class:`StepError` whose ``__cause__`` is the
        original. The trajectory is never returned with non-finite states.

    Notes
    -----
    On the numpy path, for algebras whose elements have at most 4096 entries, BLAS is limited
    to one thread during the run (through threadpoolctl): the dense functions of ad are then tiny matrix
    problems, many times slower with a threaded BLAS on a busy machine.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import LiePoissonHJ, LiePoissonSystem, integrate, so3
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> traj = integrate(body, [[1.0, 0.5, -0.2], [0.0, 1.0, 0.1]], dt=0.05, n_steps=200,
    ...                  method=LiePoissonHJ(order=4), save_every=10)
    >>> traj.states.shape
    (21, 2, 3)
    """
    system, mu, dt, n_steps, method, save_every, checkpoint_every = _checked_arguments(
        system, mu0, dt, n_steps, method, save_every, checkpoint_every)
    method = method.for_system(system, mu)
    runner, engine_detail = _select_engine(engine, method, system, mu, dt, n_steps)
    fingerprint = None if checkpoint is None else run_fingerprint(
        system, mu, dt, n_steps, method, save_every, runner is not None)
    store = Checkpoint(checkpoint, fingerprint, checkpoint_every)
    run = store.resume(mu, n_steps, save_every)
    if run.done < n_steps:
        system.check_callables(mu)  # once, before the first step (not for a finished run)

    def result(complete: bool) -> Trajectory:
        return _trajectory(system, method, run, dt, n_steps, save_every, runner, engine_detail,
                           complete)

    from tqdm.auto import tqdm

    limits = _blas_limits(system, runner)
    bar = tqdm(total=n_steps, initial=run.done, disable=not progress, desc=method.name, leave=False)
    try:
        if runner is not None:
            every = checkpoint_every if store.enabled else None
            for run.done, run.mu in _compiled_steps(runner, method, system, run.mu, dt, run.done,
                                                    n_steps, save_every, every, run.save):
                if store.due(run.done, n_steps):
                    store.write(run)
                bar.update(run.done - bar.n)
        _numpy_steps(method, system, run, dt, n_steps, save_every, store, bar, result)
    except _CompiledStepFailed as failure:
        run.done, run.mu = failure.chunk_start, failure.state
        store.write(run)
        raise _step_error(failure.error, failure.step, failure.member, method, system, dt,
                          result) from failure.error
    except KeyboardInterrupt:
        store.write(run)
        where = f" (resume from {str(store.path)!r})" if store.enabled else ""
        warnings.warn(
            f"integration interrupted after {run.done} of {n_steps} steps; returning the "
            "trajectory computed so far" + where,
            RuntimeWarning,
            stacklevel=2,
        )
        return result(False)
    finally:
        bar.close()
        if limits is not None:
            limits.restore_original_limits()
    return result(True)


def _checked_arguments(system, mu0, dt, n_steps, method, save_every, checkpoint_every):
    """The arguments of :func:`integrate`, validated (the default method and checkpoint
    interval filled in)."""
    if not isinstance(system, LiePoissonSystem):
        raise InvalidArgumentError(f"system must be a LiePoissonSystem, got {_describe(system)}")
    mu = system.validate_state(mu0, name="mu0")
    dt = check_real("dt", dt, nonzero=True)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    save_every = check_int("save_every", save_every, minimum=1)
    if method is None:
        method = LiePoissonHJ(order=2)
    if not isinstance(method, Integrator):
        raise InvalidArgumentError(f"method must be an Integrator, got {_describe(method)}")
    if checkpoint_every is None:
        checkpoint_every = max(1, n_steps // 100)
    checkpoint_every = check_int("checkpoint_every", checkpoint_every, minimum=1)
    return system, mu, dt, n_steps, method, save_every, checkpoint_every


def _blas_limits(system, runner):
    """Limit BLAS to one thread on the numpy path for small states (the functions of ad on
    small algebras are tiny dense problems, for which a threaded BLAS only adds
    synchronisation cost); the compiled path calls no BLAS. Matrix-free steps (systems with a
    ``functional_gradient``) count the state only. The limits to restore, or None."""
    from threadpoolctl import threadpool_limits

    size = int(np.prod(system.state_shape))
    if system.functional_gradient is None:
        size = max(size, int(np.prod(system.algebra.shape)))
    small = size <= _SMALL_STATE and runner is None
    return threadpool_limits(1, user_api="blas") if small else None


def _numpy_steps(method, system, run, dt, n_steps, save_every, store, bar, result) -> None:
    """Take the remaining steps of ``run`` with ``method.step``, saving states and writing
    checkpoints as they fall due.

    Raises
    ------
    StepError
        Naming the step, with the trajectory computed so far (``result(False)``).
    """
    for k in range(run.done, n_steps):
        try:
            mu = _checked_step(method, system, run.mu, dt)
        except Exception as exc:
            store.write(run)
            raise _step_error(exc, k, run.mu, method, system, dt, result) from exc
        run.advance(mu)
        if store.due(run.done, n_steps):
            store.write(run)
        bar.update(1)


def _checked_step(method, system, state, dt):
    """``method.step(system, state, dt)``, refused when the new state is not finite.

    Raises
    ------
    NonFiniteStateError
        Without the step index (:func:`_step_error` adds it).
    """
    new = method.step(system, state, dt)
    if not np.isfinite(new).all():
        raise NonFiniteStateError(
            f"the new state is not finite: {_non_finite_cause(method, system, state, dt)}")
    return new


#: The members of a system that run user code, and how error messages name them.
_CALLABLES = (
    ("hamiltonian", "the Hamiltonian"),
    ("gradient", "the gradient of the Hamiltonian"),
    ("hessian_vector", "the Hessian-vector product"),
    ("third_derivative", "the third derivative of the Hamiltonian"),
)


def _raised_in(exc: BaseException, system) -> str | None:
    """Which of the system's callables (:data:`_CALLABLES`) ``exc`` was raised in (the
    innermost one on its traceback), or None."""
    codes = {}
    for cls in reversed(type(system).__mro__):
        for attr, label in _CALLABLES:
            code = getattr(cls.__dict__.get(attr), "__code__", None)
            if code is not None:
                codes[code] = label
    found, tb = None, exc.__traceback__
    while tb is not None:
        found = codes.get(tb.tb_frame.f_code, found)
        tb = tb.tb_next
    return found


def _not_finite_at(system, state) -> str | None:
    """``"the Hamiltonian"`` or ``"the gradient of the Hamiltonian"`` when it is not finite
    at ``state`` (None when both are, or cannot be evaluated)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mu = system.covector(state)
            for value, label in ((system.hamiltonian(mu), "the Hamiltonian"),
                                 (system.gradient(mu), "the gradient of the Hamiltonian")):
                if not np.isfinite(value).all():
                    return label
    except Exception:  # no diagnosis (e.g. a chart whose covector is too large to form)
        pass
    return None


def _non_finite_cause(method, system, state, dt) -> str:
    """Why a step from the finite ``state`` produced a non-finite one: the Hamiltonian or
    its gradient is not finite at ``state``, or where the step (taken again, with floating
    point errors raised) first overflowed or took an invalid operation."""
    label = _not_finite_at(system, state)
    if label is not None:
        return f"{label} is not finite at the state the step started from"
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            method.step(system, state, dt)
    except FloatingPointError as exc:
        where = _raised_in(exc, system)
        return (f"{where or 'the step'} produced a non-finite value ({exc}); dt may be too "
                "large for the method")
    except Exception:
        pass
    largest = float(np.max(np.abs(state))) if np.size(state) else 0.0
    return (f"the step overflowed from a state of largest entry {largest:.3g}; dt may be too "
            "large for the method")


def _step_error(exc: Exception, k: int, state, method, system, dt: float, result) -> Exception:
    """The error of :func:`integrate` for the failure ``exc`` of step ``k`` (from ``state``):
    a :class:`StepError` (of the class of ``exc`` when it is one) naming the method, ``dt``
    and the step, with the trajectory computed so far (``result(False)``). Other errors of
    the library (invalid arguments found by a step, such as an integrator that cannot run
    the system) are returned unchanged, except non-finite or misshapen operands met inside the
    step, which are failures of the step."""
    operand = isinstance(exc, (NonFiniteError, ShapeError))
    if isinstance(exc, LiePoissonError) and not isinstance(exc, StepError) and not operand:
        return exc
    where = f"{method.name} with dt = {dt:.6g}, step {k} (t = {k * dt:.6g})"
    trajectory = result(False)
    if isinstance(exc, ConvergenceError):
        return ConvergenceError(f"{where}: {exc}", residual=exc.residual,
                                iterations=exc.iterations, step=k, trajectory=trajectory)
    if isinstance(exc, StepError):
        return type(exc)(f"{where}: {exc}", step=k, trajectory=trajectory)
    origin = _raised_in(exc, system)
    cause = f"{origin or 'the step'} raised {type(exc).__name__}: {exc}"
    label = None if origin else _not_finite_at(system, state)
    if label is not None:
        cause += f" ({label} is not finite at the state the step started from)"
    return StepError(f"{where}: {cause}", step=k, trajectory=trajectory)


def _trajectory(system, method, run, dt, n_steps, save_every, runner, engine_detail,
                complete) -> Trajectory:
    """The :class:`Trajectory` of ``run`` so far (an interrupted run also returns its latest
    state; an incomplete one whose invariants cannot be evaluated has none, and says why in
    ``metadata["invariants_error"]``)."""
    steps, states = run.saved_steps, run.saved_states
    if steps[-1] != run.done:  # an interrupted run also returns its latest state
        steps = np.append(steps, run.done)
        states = np.concatenate([states, run.mu[None]])
    elif run.count == len(run.states):  # the whole preallocated array: hand it over
        states = run.states
        states.setflags(write=False)
    meta = {
        "system": system.name,
        "algebra": system.algebra.name,
        "method": method.name,
        "order": method.order,
        "dt": dt,
        "n_steps": n_steps,
        "steps_done": run.done,
        "save_every": save_every,
        "engine": "numpy" if runner is None else "compiled",
        "engine_detail": engine_detail,
        "compile_seconds": 0.0 if runner is None else runner.compile_seconds,
    }
    try:
        invariants = system.invariants(states)
    except Exception as exc:  # a failed run keeps its states even if the invariants fail
        if complete:
            raise
        invariants = {}
        meta["invariants_error"] = f"{type(exc).__name__}: {exc}"
    return Trajectory(
        t=dt * np.array(steps, dtype=float), states=states,
        invariant_values=invariants, metadata=meta, complete=complete,
    )
