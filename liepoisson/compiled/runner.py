"""The Python side of the compiled path: which runs can take it, and advancing them.

:func:`lie_poisson_hj_runner` checks that a (system, integrator) pair can be compiled (the
algebra has kernels, the system's callables compile and agree with their numpy versions),
and returns a :class:`CompiledRunner` that advances a batch of states over a range of steps
in one call. Anything it cannot compile raises
:class:`~liepoisson.compiled.algebra_kernels.NotCompilable` with the reason, which
:func:`liepoisson.integrate` records in the trajectory's metadata before running the
numpy path.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..system import affine_gap
from . import NotCompilable, check_structure
from .algebra_kernels import AlgebraKernels, algebra_kernels
from .callables import compiled_and_checked

__all__ = ["CompiledRunner", "lie_poisson_hj_runner", "NotCompilable"]

#: LiePoissonSystem methods that the compiled path replaces by its own kernels; a subclass
#: overriding one of them keeps the numpy path.
_SYSTEM_METHODS = ("gradient", "hessian_vector", "third_derivative", "vector_field", "covector",
                   "act", "state_vector_field")


@dataclass
class CompiledRunner:
    r"""A compiled Lie–Poisson HJ integration of one system (final; mutable only in its
    :attr:`compile_seconds`).

    Attributes
    ----------
    kernels : AlgebraKernels
    callables : tuple
        ``(grad, complex grad, hvp, d3)`` compiled (placeholders where unused).
    has_hvp, has_d3 : bool
        Whether the exact second/third derivatives are used (else complex steps).
    affine : tuple of (ndarray of shape (dim, dim), ndarray of shape (dim,)) or None
        :math:`(M, c)` when the gradient is affine, :math:`\nabla H(\mu) = M\mu + c`.
    coefficients : ndarray of shape (n_substeps,)
        Substep fractions of ``dt`` (a symmetric composition, or ``[1.0]``).
    order : {2, 4}
        Order of the generating function of each substep.
    tol : float
    max_iter : int
    preconditioned : bool
    description : str
        What was compiled, for the trajectory's metadata.
    checked : bool
        Whether the affine model is confirmed by the system's gradient at every step (a
        model read off the gradient); False for a model the system declares.
    compile_seconds : float
        Time spent preparing the runner (set by :func:`liepoisson.integrate`).
    """

    kernels: AlgebraKernels
    callables: tuple
    has_hvp: bool
    has_d3: bool
    affine: tuple | None
    coefficients: np.ndarray
    order: int
    tol: float
    max_iter: int
    preconditioned: bool
    description: str
    checked: bool = True
    compile_seconds: float = 0.0

    def advance(self, mu: np.ndarray, dt: float, k0: int, k1: int, n_steps: int, save_every: int):
        """Advance every member of ``mu`` from step ``k0`` to ``k1``.

        Parameters
        ----------
        mu : ndarray of shape (batch, dim)
        dt : float
        k0, k1 : int
            Absolute step indices: steps ``k0 .. k1 - 1`` are taken.
        n_steps, save_every : int
            The run's length and saving interval (a state is saved after step ``k`` when
            ``k % save_every == 0`` or ``k == n_steps``).

        Returns
        -------
        final : ndarray of shape (batch, dim)
            The state of each member after its last completed step.
        saved : ndarray of shape (batch, n_saved, dim)
            The saved states of each member, in order.
        info : ndarray of shape (batch, 5)
            Per member: steps completed (absolute index), saved count, status (0 done,
            1 solve not converged, 2 non-finite state at the next step), last residual,
            last iteration count.
        """
        from . import lie_poisson_hj as kernels

        mu = np.require(mu, dtype=float, requirements=["C", "W"])  # e.g. a Trajectory's states
        batch, dim = mu.shape
        n_saved = saved_count(k0, k1, n_steps, save_every)
        saved = np.empty((batch, max(n_saved, 1), dim))
        final = np.empty_like(mu)
        info = np.zeros((batch, 5))
        k = self.kernels
        grad, grad_c, hvp, d3 = self.callables
        M, c = self.affine if self.affine is not None else (np.zeros((1, 1)), np.zeros(1))
        fused = kernels.affine_loop(k.family) if self.affine is not None else None

        def run(part: slice) -> None:
            if fused is not None:
                fused(mu[part], float(dt), int(k0), int(k1), int(n_steps), int(save_every),
                      self.coefficients, self.order, self.tol, self.max_iter, self.preconditioned,
                      k.data, grad, self.checked, M, c, saved[part], final[part], info[part])
                return
            kernels.run_single(
                mu[part], float(dt), int(k0), int(k1), int(n_steps), int(save_every),
                self.coefficients, self.order, self.tol, self.max_iter, self.preconditioned,
                k.family, k.data, grad, grad_c, hvp,
                d3, self.has_hvp, self.has_d3, self.affine is not None, M, c, saved[part],
                final[part], info[part])

        parts = _parts(batch)
        if len(parts) == 1:
            run(parts[0])
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                list(pool.map(run, parts))
        return final, saved[:, :n_saved], info


#: A limit on the threads of :meth:`CompiledRunner.advance`, per calling thread (set by
#: :func:`thread_limit`).
_LIMIT = threading.local()


@contextlib.contextmanager
def thread_limit(n: int):
    """Within the block, compiled batches started by this thread use at most ``n`` threads
    (a task sharing its machine with others, such as an ensemble chunk on a Dask worker)."""
    previous = getattr(_LIMIT, "n", None)
    _LIMIT.n = max(1, int(n))
    try:
        yield
    finally:
        _LIMIT.n = previous


def _threads() -> int:
    """Threads for a batch: the cores this process may use (at most the limit of
    :func:`thread_limit`)."""
    limit = getattr(_LIMIT, "n", None)
    return min(limit, _cores()) if limit is not None else _cores()


def _cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _parts(batch: int) -> list[slice]:
    """Contiguous parts of a batch, one per thread, each a whole number of blocks."""
    from .lie_poisson_hj import BLOCK_ROWS

    blocks = -(-batch // BLOCK_ROWS)
    n = min(_threads(), blocks)
    per = -(-blocks // n) * BLOCK_ROWS
    return [slice(start, min(batch, start + per)) for start in range(0, batch, per)]


def saved_count(k0: int, k1: int, n_steps: int, save_every: int) -> int:
    """Number of steps ``k`` in ``(k0, k1]`` after which a state is saved."""
    count = k1 // save_every - k0 // save_every
    if k1 == n_steps and n_steps % save_every != 0:
        count += 1
    return count


def _overridden_methods(system) -> list[str]:
    from ..system import LiePoissonSystem

    return [m for m in _SYSTEM_METHODS
            if getattr(type(system), m) is not getattr(LiePoissonSystem, m)]


def _evaluate(fn, states: np.ndarray) -> np.ndarray:
    """``fn`` on a stack of states: one batched call, else one call per state."""
    try:
        out = np.asarray(fn(states), dtype=float)
        if out.shape == states.shape:
            return out
    except Exception:
        pass
    return np.array([np.asarray(fn(s), dtype=float) for s in states])


def affine_model(fns: dict, probe: np.ndarray, rng: np.random.Generator):
    r""":math:`(M, c)` if the gradient is affine, :math:`\nabla H(\mu) = M\mu + c`, else None.

    The model is read off the gradient at 0 and along the unit axes, then
    checked at random states of scales :math:`10^{-3}`, 1 and :math:`10^3` times the probe's
    (and the exact Hessian-vector product, if given, against :math:`M`); the compiled loop
    also checks it at every step. Never raises: a gradient that fails anywhere is not affine.
    """
    n = probe.shape[0]
    scale = max(1.0, float(np.max(np.abs(probe))))
    try:
        with np.errstate(all="ignore"):
            c = _evaluate(fns["gradient"], np.zeros((1, n)))[0]
            # read along the unit axes, whatever the probe: the model (hence every bit of
            # a run) must not depend on which member of a batch is the probe
            M = (_evaluate(fns["gradient"], np.eye(n)) - c).T
            tests = np.concatenate([probe[None], rng.standard_normal((6, n)) * scale])
            tests[1:3] *= 1e-3
            tests[5:] *= 1e3
            if not affine_gap(tests, _evaluate(fns["gradient"], tests), M, c) <= 1e-13:
                return None
            hvp = fns["hessian_vector"]
            if hvp is not None:
                v = rng.standard_normal(n)
                exact = np.asarray(hvp(probe, v), dtype=float)
                if not np.allclose(exact, M @ v, rtol=1e-12, atol=1e-12 * np.abs(M).max()):
                    return None
    except Exception:
        return None
    return np.ascontiguousarray(M), np.ascontiguousarray(c)


def _check_complex_step(compiled, fn, probe: np.ndarray, rng: np.random.Generator) -> None:
    """Raise :class:`NotCompilable` unless the compiled gradient carries a complex step of
    size 1e-30 as the numpy one does, at the probe, its negative and a random state.

    numba evaluates complex powers ``z ** k`` in polar form, which loses the tiny imaginary
    part where the real part is negative; numpy multiplies.
    """
    scale = max(1.0, float(np.max(np.abs(probe))))
    v = rng.standard_normal(probe.shape)
    for p in (probe, -probe, scale * rng.standard_normal(probe.shape)):
        z = np.ascontiguousarray((p + 1e-30j * v)[None])
        got = np.imag(compiled(z)) / 1e-30
        want = np.imag(np.asarray(fn(z))) / 1e-30
        if not np.allclose(got, want, rtol=1e-10, atol=1e-10 * max(1.0, float(np.max(np.abs(want))))):
            raise NotCompilable(
                "the compiled gradient does not carry the complex step of the second "
                "derivatives (numba evaluates complex powers z**k in polar form: write "
                "m*m*m for m**3)"
            )


def lie_poisson_hj_runner(method, system, probe: np.ndarray, affine: bool = True) -> CompiledRunner:
    """Compile ``method`` (a :class:`~liepoisson.LiePoissonHJ`) for ``system``.

    Parameters
    ----------
    method : LiePoissonHJ
        With its composition scheme already resolved for the system.
    system : LiePoissonSystem
    probe : ndarray of shape (dim,)
        A valid state (the run's initial state) at which the compiled callables are
        checked against the numpy ones.
    affine : bool
        Evaluate an affine gradient as a matrix: the one the system declares, else one
        detected by :func:`affine_model`.

    Raises
    ------
    NotCompilable
    """
    from .lie_poisson_hj import (
        affine_loop,
        affine_loop_detail,
        no_complex_gradient,
        no_hessian_vector,
        no_third_derivative,
    )

    check_structure(method, system)
    overridden = _overridden_methods(system)
    if overridden:
        raise NotCompilable(f"{type(system).__name__} overrides {', '.join(overridden)}")
    if method.solver in ("newton", "newton_krylov"):
        raise NotCompilable(f"solver {method.solver!r} runs on the numpy path")
    kernels = algebra_kernels(system.algebra)
    fns = system.derivative_callables()
    if fns["gradient"] is None:
        raise NotCompilable("the system has no gradient (the numerical fallback is numpy only)")
    coefficients, order = method.substeps()
    probe = np.ascontiguousarray(probe, dtype=float)
    rng = np.random.default_rng(12345)
    v = rng.standard_normal(probe.shape)
    # blocks of two states: the probe and a random one (the loops call on blocks)
    block = np.ascontiguousarray(np.stack([probe, probe + 0.1 * rng.standard_normal(probe.shape)]))
    vs = np.ascontiguousarray(np.stack([v, v[::-1]]))
    grad = compiled_and_checked(fns["gradient"], "real", "gradient", (block,))
    declared = fns.get("affine_gradient") if affine else None
    if declared is not None:
        model = (np.array(declared[0]), np.array(declared[1]))  # writable: the loops' types
    else:
        model = affine_model(fns, probe, rng) if affine else None
    # as on the numpy path, "auto" preconditions when exact Hessian-vector products are
    # at hand: given by the system, or M v for an affine gradient
    preconditioned = method.solver == "preconditioned" or (
        method.solver == "auto" and (fns["hessian_vector"] is not None or model is not None)
    )
    has_hvp = fns["hessian_vector"] is not None and model is None
    has_d3 = fns["third_derivative"] is not None and model is None
    needs_complex = model is None and (
        (order == 4 and not (has_hvp and has_d3)) or (preconditioned and not has_hvp)
    )
    parts = ["gradient"]
    grad_c, hvp, d3 = no_complex_gradient, no_hessian_vector, no_third_derivative
    if needs_complex:
        grad_c = compiled_and_checked(fns["gradient"], "complex", "gradient (complex states)",
                                      (block + 1e-3j * vs,))
        _check_complex_step(grad_c, fns["gradient"], probe, rng)
    if has_hvp and (order == 4 or preconditioned):
        hvp = compiled_and_checked(fns["hessian_vector"], "binary", "hessian_vector", (block, vs))
        parts.append("hessian_vector")
    if has_d3 and order == 4:
        d3 = compiled_and_checked(fns["third_derivative"], "ternary", "third_derivative",
                                  (block, vs, vs))
        parts.append("third_derivative")
    description = f"numba: {kernels.kind} algebra kernels; compiled {', '.join(parts)}"
    if declared is not None:
        description += "; affine gradient declared by the system, evaluated as a matrix"
    elif model is not None:
        description += "; affine gradient evaluated as a matrix (checked at every step)"
    if model is not None and affine_loop(kernels.family) is not None:  # compiled on first use
        description += "; " + affine_loop_detail(kernels.family, order)
    if needs_complex:
        description += "; complex-step second derivatives"
    return CompiledRunner(
        kernels=kernels,
        callables=(grad, grad_c, hvp, d3),
        has_hvp=has_hvp,
        has_d3=has_d3,
        affine=model,
        coefficients=np.ascontiguousarray(coefficients, dtype=float),
        order=order,
        tol=float(method.tol),
        max_iter=int(method.max_iter),
        preconditioned=bool(preconditioned),
        description=description,
        checked=declared is None,
    )
