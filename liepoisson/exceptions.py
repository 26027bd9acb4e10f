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
    "ConvergenceError",
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


class ConvergenceError(LiePoissonError, RuntimeError):
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
        super().__init__(message)
        self.residual = residual
        self.iterations = iterations
        self.step = step
        self.trajectory = trajectory


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
