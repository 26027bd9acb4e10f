"""Validation helpers used at the boundary (constructors, ``integrate``, the CLI).

Inner loops never call these; they exist so that every public entry point reports bad
input with a message that names the argument and its value.
"""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np

from .exceptions import InvalidArgumentError, NonFiniteError, ShapeError


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_finite_array(name: str, value, dtype=None) -> np.ndarray:
    """Return ``value`` as an array, raising :class:`NonFiniteError` on NaN/inf entries."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"{name} must be convertible to a numeric array, got {_describe(value)}"
        ) from exc
    if arr.dtype.kind not in "biufc":
        raise InvalidArgumentError(f"{name} must be numeric, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise NonFiniteError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    return arr


def check_element_shape(name: str, arr: np.ndarray, shape: tuple, what: str) -> None:
    """Raise :class:`ShapeError` unless the trailing axes of ``arr`` equal ``shape``."""
    k = len(shape)
    if arr.ndim < k or tuple(arr.shape[arr.ndim - k :]) != tuple(shape):
        raise ShapeError(
            f"{name} must have trailing shape {tuple(shape)} ({what}), got shape {arr.shape}"
        )


def check_int(name: str, value, minimum: int | None = None) -> int:
    """Return ``value`` as an int, raising :class:`InvalidArgumentError` if it is not one
    or is below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidArgumentError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_real(
    name: str, value, *, positive: bool = False, nonzero: bool = False
) -> float:
    """Return ``value`` as a finite float with optional sign constraints."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise InvalidArgumentError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise NonFiniteError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise InvalidArgumentError(f"{name} must be > 0, got {value}")
    if nonzero and value == 0:
        raise InvalidArgumentError(f"{name} must be nonzero, got {value}")
    return value


def available_memory() -> int | None:
    """Bytes of memory this process may still allocate: ``MemAvailable`` of
    ``/proc/meminfo`` where there is one, else the physical memory, else None."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def check_memory(what: str, nbytes: int, hint: str = "") -> None:
    """Raise :class:`InvalidArgumentError` before allocating ``nbytes`` bytes for ``what``
    when they exceed :func:`available_memory`; the message gives the estimate."""
    limit = available_memory()
    if limit is not None and nbytes > limit:
        raise InvalidArgumentError(
            f"{what} needs about {nbytes:,} bytes ({nbytes / 2**30:.3g} GiB), more than the "
            f"{limit:,} bytes ({limit / 2**30:.3g} GiB) of memory available{hint}"
        )
