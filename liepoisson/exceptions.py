"""The exceptions raised by liepoisson.

Every error the library raises on purpose derives from :class:`LiePoissonError`, so
``except LiePoissonError`` catches all of them. Errors about bad input also derive from
:class:`ValueError`, so code written against the standard library keeps working.
"""

from __future__ import annotations

__all__ = [
    "LiePoissonError",
    "InvalidArgumentError",
    "ShapeError",
    "NonFiniteError",
    "InvalidStructureConstantsError",
    "CheckpointError",
    "StepError",
    "ConvergenceError",
    "NonFiniteStateError",
    "VerificationError",
]


class LiePoissonError(Exception):
    """Base class of every error raised by liepoisson."""


class InvalidArgumentError(LiePoissonError, ValueError):
    """An argument has a value outside its admissible range (``n < 1``, ``dt == 0``, ...)."""


class ShapeError(InvalidArgumentError):
    """An array argument has the wrong shape for the algebra or system it is used with."""


class NonFiniteError(InvalidArgumentError):
    """An array argument contains NaN or infinite entries."""


class InvalidStructureConstantsError(InvalidArgumentError):
    """Structure constants that are not those of a Lie algebra.

    The message reports the law that fails (shape, antisymmetry, Jacobi identity), the worst
    index triple and the residual found there.
    """


class CheckpointError(InvalidArgumentError):
    """A checkpoint file cannot be used: it is corrupt (truncated, empty, altered), belongs to
    another run, or cannot be written. The message names the file."""


class StepError(LiePoissonError, RuntimeError):
    """A step of a run failed; raised by :func:`liepoisson.integrate` with the step's index
    and what was computed before it.

    Raised as such for a failure that has no more specific class (an exception raised by
    the user's Hamiltonian or gradient, a singular linear system, an overflow), with the
    original exception as ``__cause__``; the message names the method, ``dt``, the step and,
    when it is known, the callable that failed.

    Attributes
    ----------
    step : int or None
        Index of the failed time step (the step from state ``step`` to ``step + 1``).
    trajectory : Trajectory or None
        The states computed before the failure (``complete`` is False).
    """

    def __init__(self, message, *, step=None, trajectory=None):
        super().__init__(message)
        self.step = step
        self.trajectory = trajectory

    @property
    def partial(self):
        """The partial trajectory (the same as :attr:`trajectory`)."""
        return self.trajectory


class ConvergenceError(StepError):
    """An implicit solve did not converge; the message names the step, residual and iterations.

    Attributes
    ----------
    residual : float or None
        The relative residual of the last iterate.
    iterations : int or None
        Iterations performed.
    step : int or None
        Index of the time step (set by :func:`liepoisson.integrate`).
    trajectory : Trajectory or None
        What was computed before the failure (set by :func:`liepoisson.integrate`).
    """

    def __init__(self, message, *, residual=None, iterations=None, step=None, trajectory=None):
        super().__init__(message, step=step, trajectory=trajectory)
        self.residual = residual
        self.iterations = iterations


class NonFiniteStateError(StepError):
    """A step produced a state with NaN or infinite entries (the step size is too large for
    the method, or the Hamiltonian or its gradient is not finite there).

    The message names the step and, when the Hamiltonian or the gradient is not finite at
    the state the step started from, says so.
    """


class VerificationError(LiePoissonError, AssertionError):
    """Laws checked by :mod:`liepoisson.testing` failed; the message lists each failed law
    with its residual and tolerance.

    Attributes
    ----------
    report : VerificationReport or None
        The full report.
    """

    def __init__(self, message, *, report=None):
        super().__init__(message)
        self.report = report
