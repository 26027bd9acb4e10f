"""Compiled kernels of the NLS models: the potential terms of the Cayley chart's step in
one pass over the data (the numpy compositions of :class:`liepoisson.matrix_free.FunctionalGradient`
are the reference; tests assert agreement)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def cayley_soft(psi, delta, W, g, tau):
    """:math:`\\tau(W + g|\\phi|^2)\\phi` with :math:`\\phi = \\psi + \\delta`: the part of
    :math:`K\\phi` outside the kinetic operator.

    Parameters
    ----------
    psi, delta : ndarray of shape (N,), complex
        The state and the unknown.
    W : ndarray of shape (N,)
        The external potential (zeros for none).
    g : float
    tau : float

    Returns
    -------
    ndarray of shape (N,), complex
    """
    out = np.empty_like(psi)
    for j in range(psi.shape[0]):
        phi = psi[j] + delta[j]
        d = (phi * np.conj(phi)).real
        out[j] = (tau * (W[j] + g * d)) * phi
    return out


@numba.njit(cache=True)
def frozen_soft(psi, delta, potential):
    """:math:`p\\,(\\psi + \\delta)` for a frozen potential :math:`p`.

    Parameters
    ----------
    psi, delta : ndarray of shape (N,), complex
    potential : ndarray of shape (N,)

    Returns
    -------
    ndarray of shape (N,), complex
    """
    out = np.empty_like(psi)
    for j in range(psi.shape[0]):
        out[j] = potential[j] * (psi[j] + delta[j])
    return out
