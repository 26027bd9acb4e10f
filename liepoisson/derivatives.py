"""Numerical derivatives of functions on the dual of a Lie algebra.

The fallback used when a system is given a Hamiltonian without its gradient. It works in
the dual coordinates of the algebra (where the pairing is the dot product), so the gradient
of :math:`f : \\mathfrak g^* \\to \\mathbb R` is returned as an element of
:math:`\\mathfrak g`.

Accuracy: the 8th-order central stencil with step
:math:`h = 2\\cdot 10^{-3}\\max(1, \\|\\mu\\|_\\infty)` has truncation error
:math:`O(h^8)` and round-off :math:`O(\\varepsilon |f| / h)`; for smooth functions of
moderate size the relative error is about ``1e-12`` (tested to ``1e-10``). It is linear in
``f``, so it also differentiates the imaginary part of ``f`` at complex ``mu`` (which is
how higher derivatives are obtained by complex steps, see :mod:`liepoisson.system`). It costs
``8 * dim`` evaluations of ``f``, done in one vectorised call, so ``f`` must broadcast over
leading axes.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["numerical_gradient"]

# 8th-order central difference weights for offsets 1..4 (antisymmetric stencil)
_OFFSETS = np.array([1.0, 2.0, 3.0, 4.0])
_WEIGHTS = np.array([4.0 / 5, -1.0 / 5, 4.0 / 105, -1.0 / 280])
_REL_STEP = 2e-3


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], algebra, mu: np.ndarray) -> np.ndarray:
    """Gradient :math:`\\nabla f(\\mu) \\in \\mathfrak g` by an 8th-order central stencil.

    Parameters
    ----------
    f : callable
        Maps covectors of shape ``(..., *algebra.shape)`` to values of shape ``(...)``.
    algebra : LieAlgebra
    mu : ndarray of shape (..., *algebra.shape)

    Returns
    -------
    ndarray of shape (..., *algebra.shape)
        The element :math:`\\xi` with :math:`\\langle \\delta\\mu, \\xi\\rangle = Df(\\mu)\\,\\delta\\mu`.
    """
    c = np.asarray(algebra.dual_to_coords(mu))
    if c.dtype.kind not in "fc":
        c = c.astype(float)
    dim = c.shape[-1]
    scale = np.maximum(1.0, np.max(np.abs(c), axis=-1, keepdims=True))  # (..., 1)
    h = _REL_STEP * scale
    # points[..., s, k, :] = c + sign_s * offset * h * e_k, s over (+1..+4, -1..-4)
    steps = np.concatenate([_OFFSETS, -_OFFSETS])[:, None, None] * np.eye(dim)  # (8, dim, dim)
    points = c[..., None, None, :] + h[..., None, None] * steps
    # complex values are kept: a complex-step perturbation of mu passes through linearly
    values = np.asarray(f(algebra.dual_from_coords(points)))  # (..., 8, dim)
    diff = values[..., :4, :] - values[..., 4:, :]
    grad = np.einsum("s,...sk->...k", _WEIGHTS, diff) / h
    return algebra.from_coords(grad)
