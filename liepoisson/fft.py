"""Discrete Fourier transforms over axes of a grid, by FFTW when it is installed.

The spectral operators of the library (:mod:`liepoisson.grids`, the periodic NLS and the
hydrodynamics models) transform with :func:`fftn`, :func:`ifftn` and
:func:`fourier_multiply`. With `pyFFTW <https://pyfftw.readthedocs.io>`_
installed (the ``fftw`` extra: ``pip install "liepoisson[fftw]"``), they run FFTW plans made
once per array shape, axes and thread with ``FFTW_ESTIMATE``: the same plan, so the same
bits, in every process on a machine, and a run resumed from a checkpoint continues with the
bits it would have had (``FFTW_MEASURE`` picks its plan by timing it). Otherwise they are
:func:`scipy.fft.fftn` and :func:`scipy.fft.ifftn`. Both compute numpy's forward DFT and its
inverse scaled by 1/N, equal to round-off; :func:`backend` says which runs, and
:func:`set_backend` or the environment variable ``LIEPOISSON_FFT`` (``pyfftw`` or ``scipy``,
read on first use) chooses.

pyFFTW is BSD-licensed; the FFTW library its wheels carry is GPL-2.0-or-later, which is
why it is an optional extra and not a dependency.
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np
import scipy.fft

from .exceptions import InvalidArgumentError

__all__ = ["backend", "fftn", "fourier_multiply", "ifftn", "set_backend"]

#: Plans kept per thread: the least recently used are dropped beyond this many, or beyond
#: :data:`MAX_PLAN_BYTES` of arrays held by the plans of a thread.
MAX_PLANS = 64
MAX_PLAN_BYTES = 256 * 2**20
#: Entries added to the rows of a plan's arrays for transforms along other axes.
_PAD = 4

ENVIRONMENT_VARIABLE = "LIEPOISSON_FFT"
BACKENDS = ("pyfftw", "scipy")

_chosen = {"module": None, "name": None}  # the pyfftw module (None: scipy) and its name
_local = threading.local()


def set_backend(name: str | None = None) -> str:
    """Choose the library of :func:`fftn` and :func:`ifftn` for this process.

    Parameters
    ----------
    name : {"pyfftw", "scipy"} or None
        None: pyfftw when it can be imported, else scipy (the default).

    Returns
    -------
    str
        The backend now in use.

    Raises
    ------
    InvalidArgumentError
        For another name, or ``"pyfftw"`` when pyfftw is not installed.
    """
    if name is not None and name not in BACKENDS:
        raise InvalidArgumentError(f"the FFT backend must be one of {BACKENDS} or None, got {name!r}")
    module = None
    if name != "scipy":
        try:
            import pyfftw as module
        except ImportError:
            if name == "pyfftw":
                raise InvalidArgumentError(
                    "the FFT backend 'pyfftw' needs pyfftw (pip install \"liepoisson[fftw]\")"
                ) from None
    _chosen["module"] = module
    _chosen["name"] = "scipy" if module is None else "pyfftw"
    return _chosen["name"]


def backend() -> str:
    """``"pyfftw"`` or ``"scipy"``: the library that computes :func:`fftn` and :func:`ifftn`
    in this process.

    Raises
    ------
    InvalidArgumentError
        If ``LIEPOISSON_FFT`` names no backend, or pyfftw when it is not installed.
    """
    if _chosen["name"] is None:
        choice = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
        if choice and choice not in BACKENDS:
            raise InvalidArgumentError(f"{ENVIRONMENT_VARIABLE} must be one of {BACKENDS}, got {choice!r}")
        set_backend(choice or None)
    return _chosen["name"]


def _plan(shape: tuple, axes: tuple, direction: str):
    """The thread's FFTW plan of a complex transform of arrays of ``shape`` over ``axes``."""
    plans = getattr(_local, "plans", None)
    if plans is None:
        plans = _local.plans = {}  # key -> (plan, bytes), the most recently used last
    key = (shape, axes, direction)
    entry = plans.pop(key, None)
    if entry is None:
        pyfftw = _chosen["module"]
        # a transform along any axis but the last reads with the stride of a row: rows
        # padded by _PAD entries keep a power-of-two row length from mapping every entry of a
        # column to the same cache sets (256 x 256: 0.53 ms instead of 3.1 ms)
        pad = 0 if axes == (len(shape) - 1,) else _PAD
        padded = shape[:-1] + (shape[-1] + pad,)
        source = pyfftw.empty_aligned(padded, dtype=complex)[..., :shape[-1]]
        target = pyfftw.empty_aligned(padded, dtype=complex)[..., :shape[-1]]
        plan = pyfftw.FFTW(source, target, axes=axes, direction=direction, flags=("FFTW_ESTIMATE",), threads=1)
        entry = (plan, 2 * 16 * math.prod(padded))
        held = sum(size for _, size in plans.values())
        while plans and (len(plans) >= MAX_PLANS or held + entry[1] > MAX_PLAN_BYTES):
            held -= plans.pop(next(iter(plans)))[1]
    plans[key] = entry
    return entry[0]


def _fftw_axes(a: np.ndarray, axes: tuple) -> tuple | None:
    """``axes`` as sorted non-negative axes of ``a`` when FFTW computes the transform; None
    for scipy (the backend, or bad or repeated axes, which scipy's errors name)."""
    unique = {axis % a.ndim for axis in axes if -a.ndim <= axis < a.ndim}
    if (_chosen["name"] or backend()) == "scipy" or len(unique) != len(axes) or a.size == 0:
        return None
    return tuple(sorted(unique))


def _transform(a, axes, direction: str, fallback) -> np.ndarray:
    a = np.asarray(a)
    fftw_axes = _fftw_axes(a, axes)
    if fftw_axes is None:
        return fallback(a, axes=axes)
    plan = _plan(a.shape, fftw_axes, direction)
    # the input is copied into the plan's own arrays and the output out of them (the next
    # call overwrites them); the inverse is scaled by 1/N as numpy's and scipy's
    plan.input_array[...] = a
    plan.execute()
    if direction == "FFTW_BACKWARD":
        return _inverse_output(plan, fftw_axes)
    return plan.output_array.copy()


def _inverse_output(plan, axes: tuple) -> np.ndarray:
    """A new array of an executed inverse plan's output scaled by 1/N, as numpy's and
    scipy's inverse."""
    shape = plan.output_array.shape
    return np.multiply(plan.output_array, 1.0 / math.prod(shape[axis] for axis in axes))


def fourier_multiply(a, symbol, axes: tuple = (-1,), add=None) -> np.ndarray:
    """:math:`\\mathcal F^{-1}(\\text{symbol}\\cdot\\mathcal F a + \\text{add})` over ``axes``:
    a Fourier multiplier (a spectral derivative, a kinetic propagator or solve), with an
    optional spectrum added before the inverse transform.

    The same as ``ifftn(symbol * fftn(a, axes) + add, axes)``, in one pass over the data
    between the two FFTW transforms.

    Parameters
    ----------
    a : array_like, real or complex
    symbol : array_like
        Broadcasts to the shape of ``a``.
    axes : tuple of int
    add : array_like, optional
        A spectrum of the shape of ``a``.

    Returns
    -------
    ndarray of the shape of ``a``, complex
    """
    a = np.asarray(a)
    fftw_axes = _fftw_axes(a, axes)
    if fftw_axes is None:
        hat = scipy.fft.fftn(a, axes=axes)
        hat *= symbol
        if add is not None:
            hat += add
        return scipy.fft.ifftn(hat, axes=axes, overwrite_x=True)
    forward = _plan(a.shape, fftw_axes, "FFTW_FORWARD")
    backward = _plan(a.shape, fftw_axes, "FFTW_BACKWARD")
    forward.input_array[...] = a
    forward.execute()
    np.multiply(forward.output_array, symbol, out=backward.input_array)
    if add is not None:
        backward.input_array[...] += add
    backward.execute()
    return _inverse_output(backward, fftw_axes)


def fftn(a, axes: tuple = (-1,)) -> np.ndarray:
    """The forward DFT of ``a`` over ``axes`` (numpy's sign and scaling).

    Parameters
    ----------
    a : array_like, real or complex
    axes : tuple of int
        The axes transformed (default the last).

    Returns
    -------
    ndarray of the shape of ``a``, complex
    """
    return _transform(a, axes, "FFTW_FORWARD", scipy.fft.fftn)


def ifftn(a, axes: tuple = (-1,)) -> np.ndarray:
    """The inverse DFT of ``a`` over ``axes``, scaled by 1/N as :func:`numpy.fft.ifftn`.

    Parameters
    ----------
    a : array_like, complex
    axes : tuple of int
        The axes transformed (default the last).

    Returns
    -------
    ndarray of the shape of ``a``, complex
    """
    return _transform(a, axes, "FFTW_BACKWARD", scipy.fft.ifftn)
