"""Terminal losses :math:`\\Phi` of the control problem, after a linear readout.

A loss maps the outputs :math:`z_i = V^T x_i(T) + c` of the :math:`N` samples and their
targets to the mean loss :math:`\\frac1N\\sum_i \\ell(z_i, y_i)` and its gradient with respect
to every :math:`z_i` (which includes the factor :math:`1/N`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import final

import numpy as np

__all__ = ["Loss", "SoftmaxCrossEntropy", "SquaredError", "LOSSES"]


class Loss(ABC):
    """A terminal loss on the readout outputs (abstract)."""

    name: str = "loss"

    @abstractmethod
    def value_and_gradient(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The mean loss and its gradient with respect to the outputs.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_outputs)
        y : ndarray
            Targets (see the subclass).

        Returns
        -------
        loss : float
        dz : ndarray of shape (n_samples, n_outputs)
            :math:`\\partial(\\frac1N\\sum_i \\ell_i)/\\partial z`.
        """


@final
class SoftmaxCrossEntropy(Loss):
    """Softmax cross-entropy, :math:`\\ell(z, y) = -\\log\\operatorname{softmax}(z)_y` (final).

    Targets are integer class labels ``0 .. n_outputs - 1`` of shape ``(n_samples,)``.

    Examples
    --------
    >>> import numpy as np
    >>> loss, dz = SoftmaxCrossEntropy().value_and_gradient(np.zeros((2, 2)), np.array([0, 1]))
    >>> round(loss, 6), dz.tolist()
    (0.693147, [[-0.25, 0.25], [0.25, -0.25]])
    """

    name = "cross_entropy"

    def value_and_gradient(self, z, y):
        n = z.shape[0]
        shifted = z - np.max(z, axis=-1, keepdims=True)
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        rows = np.arange(n)
        loss = -float(np.mean(logp[rows, y]))
        dz = np.exp(logp)
        dz[rows, y] -= 1.0
        return loss, dz / n


@final
class SquaredError(Loss):
    """Squared error, :math:`\\ell(z, y) = \\tfrac12\\|z - y\\|^2` (final).

    Targets have shape ``(n_samples, n_outputs)``.

    Examples
    --------
    >>> import numpy as np
    >>> SquaredError().value_and_gradient(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    (1.25, array([[0.5],
           [1. ]]))
    """

    name = "squared_error"

    def value_and_gradient(self, z, y):
        r = z - y
        n = z.shape[0]
        return 0.5 * float(np.sum(r * r)) / n, r / n


#: The losses by name.
LOSSES = {"cross_entropy": SoftmaxCrossEntropy(), "squared_error": SquaredError()}
