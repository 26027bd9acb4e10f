"""Training on the Pontryagin gradient: Adam over mini-batches with a learning-rate schedule.

Every step computes the exact gradient of the discrete loss of a mini-batch by
:meth:`ControlProblem.loss_and_gradient` (one forward and one costate sweep of the
Lie–Poisson Hamilton–Jacobi integrator) and moves all parameters (layers, lift, readout) by
Adam. The learning rate of epoch :math:`e` of :math:`E` is
:math:`\\eta\\,s(e)`: :math:`s = 1` (``"constant"``), :math:`s = \\frac12(1 + \\cos(\\pi e/E))`
(``"cosine"``), or :math:`s = 10^{-\\lfloor 3e/E\\rfloor}` (``"step"``: three plateaus).

With noise (:attr:`ControlProblem.noise` :math:`> 0`) every step draws the standard normals
of the batch's noisy paths once (:meth:`ControlProblem.draw_noise`, from the training
generator) and computes the loss and its exact gradient for them: common random numbers
within a step, fresh noise at every step (stochastic gradient descent on the expected loss).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, final

import numpy as np

from liepoisson._validation import _describe, as_finite_array, check_int, check_real
from liepoisson.exceptions import ConvergenceError, InvalidArgumentError, NonFiniteError, ShapeError

from .pontryagin import MEMORY_MODES, ControlProblem, Parameters

__all__ = ["SCHEDULES", "learning_rate_factor", "Adam", "train", "check_inputs"]

#: The learning-rate schedules by name.
SCHEDULES = ("constant", "cosine", "step")


def learning_rate_factor(schedule: str, epoch: int, epochs: int) -> float:
    """The factor :math:`s(e)` of the learning rate at ``epoch`` (0-based) of ``epochs``.

    Examples
    --------
    >>> [learning_rate_factor("step", e, 6) for e in range(6)]
    [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    >>> learning_rate_factor("cosine", 0, 10), learning_rate_factor("cosine", 5, 10)
    (1.0, 0.5)
    """
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))
    if schedule == "step":
        return 10.0 ** -(3 * epoch // epochs)
    raise InvalidArgumentError(f"lr_schedule must be one of {SCHEDULES}, got {_describe(schedule)}")


@final
@dataclass
class Adam:
    """The Adam optimiser on a tuple of arrays (final; holds its moment estimates).

    Parameters
    ----------
    beta1, beta2 : float
        Decay rates of the first and second moments.
    eps : float
        Added to the root of the second moment.

    Examples
    --------
    >>> import numpy as np
    >>> opt = Adam()
    >>> (w,) = opt.update((np.array([1.0]),), (np.array([2.0]),), learning_rate=0.1)
    >>> np.round(w, 6)  # the first step moves every coordinate by the learning rate
    array([0.9])
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self):
        self._m = self._v = None
        self._t = 0

    def update(self, arrays, gradients, learning_rate: float):
        """One Adam step; returns new arrays (the inputs are not modified)."""
        if self._m is None:
            self._m = [np.zeros_like(g) for g in gradients]
            self._v = [np.zeros_like(g) for g in gradients]
        self._t += 1
        b1, b2, t = self.beta1, self.beta2, self._t
        scale = learning_rate * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        out = []
        for a, g, m, v in zip(arrays, gradients, self._m, self._v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            out.append(a - scale * m / (np.sqrt(v) + self.eps))
        return tuple(out)


def check_inputs(X, y=None, n_features: int | None = None):
    """Validate the inputs of an estimator.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Finite real numbers, at least one sample.
    y : array_like of shape (n_samples, ...), optional
    n_features : int, optional
        The number of features seen in ``fit``.

    Returns
    -------
    X : ndarray of float
    y : ndarray (when given)

    Raises
    ------
    ShapeError
        ``X`` not 2-D or empty, a feature count other than ``n_features``, or ``y`` of
        another length than ``X``.
    NonFiniteError
        NaN or infinite entries in ``X`` or ``y``.

    Examples
    --------
    >>> check_inputs([[0.0, 1.0]], [0, 1])
    Traceback (most recent call last):
    ...
    liepoisson.exceptions.ShapeError: X and y must have the same number of samples, got 1 in X and 2 in y
    """
    X = as_finite_array("X", X)
    if X.dtype.kind == "c":
        raise InvalidArgumentError("X must be real, got complex values")
    X = X.astype(float, copy=False)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ShapeError(f"X must have shape (n_samples, n_features) with both >= 1, got shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ShapeError(f"X has {X.shape[1]} features, but the estimator was fitted with {n_features}")
    if y is None:
        return X
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        got = "a scalar" if y.ndim == 0 else str(y.shape[0])
        raise ShapeError(
            f"X and y must have the same number of samples, got {X.shape[0]} in X and {got} in y"
        )
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise NonFiniteError("y contains non-finite value(s) (NaN or inf)")
    return X, y


def train(
    problem: ControlProblem,
    params: Parameters,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 50,
    batch_size: int = 64,
    learning_rate: float = 0.01,
    lr_schedule: str = "cosine",
    memory: str = "stored",
    rng: np.random.Generator | None = None,
    progress: bool = False,
    classification: bool = True,
    callback: Callable[[int, Parameters, dict], None] | None = None,
) -> tuple[Parameters, dict]:
    """Train ``params`` by Adam on the Pontryagin gradient.

    Parameters
    ----------
    problem : ControlProblem
    params : Parameters
        Initial parameters.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray
        Targets in the form of ``problem.loss``.
    epochs, batch_size : int
        Passes over the data and mini-batch size (the last batch of an epoch may be
        smaller; the samples are shuffled every epoch).
    learning_rate : float
    lr_schedule : {"constant", "cosine", "step"}
    memory : {"stored", "reversible"}
        See :meth:`ControlProblem.loss_and_gradient`.
    rng : numpy.random.Generator, optional
        For the shuffling and the noise (default: a fresh generator with seed 0).
    progress : bool
        Show a progress bar (tqdm) with the loss of the last epoch.
    classification : bool
        Record the training accuracy (outputs are class scores).
    callback : callable, optional
        ``callback(epoch, params, history)`` after every epoch.

    Returns
    -------
    params : Parameters
    history : dict of str to list
        Per epoch: ``"loss"`` (mean over the batches, at the parameters the batch saw; on
        the noisy paths with noise), ``"accuracy"`` (classification, over the paths), ``"learning_rate"``, ``"seconds"`` (wall time of
        the epoch) and ``"reconstruction_error"`` (largest over the batches).

    Raises
    ------
    ShapeError, NonFiniteError, InvalidArgumentError
        For inputs or parameters that do not fit the problem.
    ConvergenceError
        When an implicit solve fails; the message names the epoch and the batch.
    """
    X, y = check_inputs(X, y)
    problem.check_parameters(params, X.shape[1])
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    learning_rate = check_real("learning_rate", learning_rate, positive=True)
    learning_rate_factor(lr_schedule, 0, epochs)  # validates the name
    if memory not in MEMORY_MODES:
        raise InvalidArgumentError(f"memory must be one of {MEMORY_MODES}, got {_describe(memory)}")
    rng = np.random.default_rng(0) if rng is None else rng
    n = X.shape[0]
    history = {key: [] for key in ("loss", "accuracy", "learning_rate", "seconds", "reconstruction_error")}
    if not classification:
        del history["accuracy"]
    optimiser = Adam()
    arrays = params.arrays()

    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), disable=not progress, desc="training", leave=False)
    # the batches are small dense problems: a threaded BLAS only adds synchronisation
    with threadpool_limits(1, user_api="blas"):
        for epoch in bar:
            start = time.perf_counter()
            lr = learning_rate * learning_rate_factor(lr_schedule, epoch, epochs)
            order = rng.permutation(n)
            total = correct = 0.0
            worst = 0.0
            for b, first in enumerate(range(0, n, batch_size)):
                idx = order[first : first + batch_size]
                xi = problem.draw_noise(idx.size, rng) if problem.noise > 0 else None
                try:
                    result = problem.loss_and_gradient(Parameters(*arrays), X[idx], y[idx], memory=memory,
                                                       xi=xi)
                except ConvergenceError as exc:
                    raise ConvergenceError(
                        f"epoch {epoch}, batch {b}: {exc} (reduce the learning rate or the layer "
                        "step horizon/depth)", residual=exc.residual, iterations=exc.iterations,
                    ) from exc
                total += result.loss * idx.size
                if classification:
                    hits = np.argmax(result.outputs, axis=1).reshape(-1, idx.size) == y[idx]
                    correct += np.count_nonzero(hits) / hits.shape[0]
                worst = max(worst, result.reconstruction_error)
                arrays = optimiser.update(arrays, result.gradient.arrays(), lr)
            history["loss"].append(total / n)
            if classification:
                history["accuracy"].append(correct / n)
            history["learning_rate"].append(lr)
            history["seconds"].append(time.perf_counter() - start)
            history["reconstruction_error"].append(worst)
            bar.set_postfix(loss=f"{total / n:.4f}")
            if callback is not None:
                callback(epoch, Parameters(*arrays), history)
    bar.close()
    return Parameters(*arrays), history
