"""Periodic grids: the box :math:`[-\\ell/2, \\ell/2)^d` of spectral and finite-difference
methods, its wavenumbers, integrals and derivatives.

One grid for every model on a periodic domain: the NLS on a periodic grid (its kinetic
operator is :math:`-\\tfrac12` :attr:`PeriodicGrid.laplacian_symbol` in Fourier space) and
the hydrodynamic fields.

A field is an array whose trailing axes are the grid, shape ``(..., n)`` in 1-D and
``(..., n, n)`` in 2-D; a vector field has one more axis in front of the grid for its
components, shape ``(..., dim, n)`` or ``(..., dim, n, n)``. Leading axes (time, batches)
broadcast.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import final

import numpy as np

from . import fft
from ._validation import _describe, as_finite_array, check_int, check_real
from .exceptions import InvalidArgumentError, ShapeError

__all__ = ["DERIVATIVES", "MASS_RTOL", "PeriodicGrid", "normalize_density"]

#: The discrete derivatives: Fourier (spectral), and 2nd- and 4th-order central differences.
#: The central ones are local, so a field that is not periodic (a quadratic value function
#: on the box) spoils only the cells next to the seam; the spectral one is exact on
#: resolved periodic fields.
DERIVATIVES = ("spectral", "fd2", "fd4")
#: Relative tolerance of the mass check of :meth:`PeriodicGrid.check_density`.
MASS_RTOL = 1e-6

# central-difference stencils: (offset, weight) of the first and second derivatives
_FIRST = {"fd2": ((1, 0.5),), "fd4": ((1, 2.0 / 3.0), (2, -1.0 / 12.0))}
_SECOND = {"fd2": ((0, -2.0), (1, 1.0)), "fd4": ((0, -2.5), (1, 4.0 / 3.0), (2, -1.0 / 12.0))}


@functools.lru_cache(maxsize=64)
def _wavenumbers(n: int, length: float) -> np.ndarray:
    k = 2.0 * np.pi * np.fft.fftfreq(n, d=length / n)
    k.setflags(write=False)
    return k


def _k_axis(n: int, length: float, dim: int, axis: int, odd: bool) -> np.ndarray:
    """The wavenumbers along ``axis``, shaped to broadcast over the grid (the Nyquist mode
    of an even grid zeroed for ``odd`` derivatives, which it cannot carry)."""
    k = _wavenumbers(n, length).copy()
    if odd and n % 2 == 0:
        k[n // 2] = 0.0
    shape = [1] * dim
    shape[axis] = n
    return k.reshape(shape)


@functools.lru_cache(maxsize=64)
def _laplacian_symbol(n: int, length: float, dim: int) -> np.ndarray:
    symbol = -sum(_k_axis(n, length, dim, a, odd=False) ** 2 for a in range(dim))
    symbol.setflags(write=False)
    return symbol


@final
@dataclass(frozen=True)
class PeriodicGrid:
    """A periodic box :math:`[-\\ell/2, \\ell/2)^d`, :math:`d \\in \\{1, 2\\}`, with ``n_points``
    points per axis (final).

    The points are :math:`x_j = -\\ell/2 + j h`, :math:`h = \\ell / n`; in finite-volume
    language point :math:`j` is the centre of the cell :math:`[x_j - h/2, x_j + h/2)`.
    Integrals are sums times the cell volume :math:`h^d` (spectrally accurate for smooth
    periodic fields).

    Parameters
    ----------
    n_points : int
        Points per axis, ``>= 4`` (the reach of the ``"fd4"`` stencils).
    length : float
        Period :math:`\\ell > 0`.
    dim : {1, 2}
    derivative : {"spectral", "fd2", "fd4"}
        The default discrete derivative of :meth:`gradient`, :meth:`divergence` and
        :meth:`laplacian` (see :data:`DERIVATIVES`).

    Raises
    ------
    InvalidArgumentError
        For a bad size, length, dimension or derivative.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson.grids import PeriodicGrid
    >>> grid = PeriodicGrid(64, 2 * np.pi)
    >>> f = np.sin(grid.x)
    >>> bool(np.allclose(grid.gradient(f)[0], np.cos(grid.x)))
    True
    >>> round(float(grid.integrate(f ** 2)), 12)
    3.14159265359
    """

    n_points: int
    length: float
    dim: int = 1
    derivative: str = "spectral"

    def __post_init__(self):
        object.__setattr__(self, "n_points", check_int("n_points", self.n_points, minimum=4))
        object.__setattr__(self, "length", check_real("length", self.length, positive=True))
        if isinstance(self.dim, bool) or self.dim not in (1, 2):
            raise InvalidArgumentError(f"dim must be 1 or 2, got {_describe(self.dim)}")
        object.__setattr__(self, "dim", int(self.dim))
        if self.derivative not in DERIVATIVES:
            raise InvalidArgumentError(
                f"derivative must be one of {DERIVATIVES}, got {_describe(self.derivative)}"
            )

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of a scalar field, ``(n,)`` or ``(n, n)``."""
        return (self.n_points,) * self.dim

    @property
    def size(self) -> int:
        """Number of points, :math:`n^d`."""
        return self.n_points**self.dim

    @property
    def dx(self) -> float:
        """Spacing :math:`h = \\ell / n`."""
        return self.length / self.n_points

    @property
    def cell_volume(self) -> float:
        """:math:`h^d`."""
        return self.dx**self.dim

    @property
    def x(self) -> np.ndarray:
        """Coordinates along one axis, shape ``(n,)``."""
        return -0.5 * self.length + self.dx * np.arange(self.n_points)

    @property
    def coordinates(self) -> tuple[np.ndarray, ...]:
        """The coordinate fields, one array of shape :attr:`shape` per axis (``ij`` order)."""
        return tuple(np.meshgrid(*([self.x] * self.dim), indexing="ij"))

    @property
    def points(self) -> np.ndarray:
        """The coordinates as one vector field, shape ``(dim, *shape)``."""
        return np.stack(self.coordinates)

    @property
    def wavenumbers(self) -> np.ndarray:
        """FFT wavenumbers along one axis, shape ``(n,)`` (read-only)."""
        return _wavenumbers(self.n_points, self.length)

    @property
    def laplacian_symbol(self) -> np.ndarray:
        """:math:`-|k|^2` on the FFT grid, shape :attr:`shape` (read-only): the spectral
        Laplacian is ``ifftn(laplacian_symbol * fftn(f))``."""
        return _laplacian_symbol(self.n_points, self.length, self.dim)

    def wrap(self, x: np.ndarray) -> np.ndarray:
        """Positions mapped into the box :math:`[-\\ell/2, \\ell/2)` (any shape)."""
        return np.mod(np.asarray(x) + 0.5 * self.length, self.length) - 0.5 * self.length

    # ------------------------------------------------------------------ integrals
    def integrate(self, f) -> np.ndarray:
        """:math:`\\int f\\,dx` over the box, shape ``f.shape[:-dim]``."""
        axes = tuple(range(-self.dim, 0))
        return np.sum(f, axis=axes) * self.cell_volume

    def inner(self, f, g) -> np.ndarray:
        """:math:`\\int f\\cdot g\\,dx` of two scalar or two vector fields (real parts)."""
        prod = np.real(np.conj(f) * g) if np.iscomplexobj(f) or np.iscomplexobj(g) else f * g
        out = self.integrate(prod)
        return out

    # ------------------------------------------------------------------ derivatives
    def _method(self, method):
        method = self.derivative if method is None else method
        if method not in DERIVATIVES:
            raise InvalidArgumentError(f"method must be one of {DERIVATIVES}, got {_describe(method)}")
        return method

    def _spectral(self, f, multiplier) -> np.ndarray:
        axes = tuple(range(-self.dim, 0))
        out = fft.fourier_multiply(f, multiplier, axes)
        return out if np.iscomplexobj(f) else out.real

    def partial(self, f, axis: int, method: str | None = None) -> np.ndarray:
        """:math:`\\partial f/\\partial x_{axis}` of a scalar field.

        Parameters
        ----------
        f : ndarray of shape (..., *shape), real or complex
        axis : int
            ``0 <= axis < dim``.
        method : {"spectral", "fd2", "fd4"}, optional
            Default :attr:`derivative`.

        Returns
        -------
        ndarray of the shape of ``f``
        """
        method = self._method(method)
        if method == "spectral":
            return self._spectral(f, 1j * _k_axis(self.n_points, self.length, self.dim, axis, odd=True))
        ax = axis - self.dim
        out = 0.0
        for offset, weight in _FIRST[method]:
            out = out + weight * (np.roll(f, -offset, axis=ax) - np.roll(f, offset, axis=ax))
        return out / self.dx

    def gradient(self, f, method: str | None = None) -> np.ndarray:
        """:math:`\\nabla f`, shape ``(..., dim, *shape)``.

        Parameters
        ----------
        f : ndarray of shape (..., *shape)
        method : {"spectral", "fd2", "fd4"}, optional
        """
        return np.stack([self.partial(f, a, method) for a in range(self.dim)], axis=-self.dim - 1)

    def divergence(self, F, method: str | None = None) -> np.ndarray:
        """:math:`\\nabla\\cdot F` of a vector field of shape ``(..., dim, *shape)``."""
        return sum(self.partial(self.component(F, a), a, method) for a in range(self.dim))

    def laplacian(self, f, method: str | None = None) -> np.ndarray:
        """:math:`\\Delta f` of a scalar field (the second-difference stencils for
        ``"fd2"``/``"fd4"``, not the square of the first)."""
        method = self._method(method)
        if method == "spectral":
            return self._spectral(f, self.laplacian_symbol)
        out = 0.0
        for a in range(self.dim):
            ax = a - self.dim
            for offset, weight in _SECOND[method]:
                if offset == 0:
                    out = out + weight * f
                else:
                    out = out + weight * (np.roll(f, -offset, axis=ax) + np.roll(f, offset, axis=ax))
        return out / self.dx**2

    def component(self, F, axis: int) -> np.ndarray:
        """Component ``axis`` of a vector field of shape ``(..., dim, *shape)``."""
        return np.take(F, axis, axis=-self.dim - 1)

    def dot(self, F, G) -> np.ndarray:
        """Pointwise :math:`F\\cdot G` of two vector fields, shape ``(..., *shape)``."""
        return np.sum(F * G, axis=-self.dim - 1)

    # ------------------------------------------------------------------ validation
    def check_field(self, name: str, value, vector: bool = False, complex_ok: bool = False) -> np.ndarray:
        """``value`` as a finite float (or complex) array whose trailing axes are the grid.

        Raises
        ------
        ShapeError
            If the trailing axes are not :attr:`shape` (``(dim, *shape)`` for a vector field).
        NonFiniteError, InvalidArgumentError
            For NaN/inf entries or a non-numeric value.
        """
        arr = as_finite_array(name, value)
        if arr.dtype.kind == "c" and not complex_ok:
            raise InvalidArgumentError(f"{name} must be real, got a complex array")
        arr = arr.astype(complex if arr.dtype.kind == "c" else float, copy=False)
        expected = ((self.dim,) if vector else ()) + self.shape
        k = len(expected)
        if arr.ndim < k or arr.shape[arr.ndim - k:] != expected:
            what = "vector field" if vector else "field"
            raise ShapeError(
                f"{name} must have trailing shape {expected} (a {what} on the grid "
                f"{self.n_points}^{self.dim}), got shape {arr.shape}"
            )
        return arr

    def check_density(self, name: str, value, normalized: bool = True, rtol: float = MASS_RTOL) -> np.ndarray:
        """``value`` as a density on the grid: finite, :math:`\\ge 0` and, with ``normalized``,
        of mass :math:`\\int\\rho\\,dx = 1` within ``rtol`` (each leading index separately).

        Raises
        ------
        InvalidArgumentError
            For a negative entry (the message gives the most negative value and its index)
            or a mass that is not 1; :class:`ShapeError` for the wrong grid.

        Examples
        --------
        >>> import numpy as np
        >>> from liepoisson.grids import PeriodicGrid
        >>> grid = PeriodicGrid(8, 1.0)
        >>> grid.check_density("rho0", np.full(8, 2.0))
        Traceback (most recent call last):
        ...
        liepoisson.exceptions.InvalidArgumentError: rho0 must be normalised (integral 1 within 1e-06), got integral 2 ...
        """
        rho = self.check_field(name, value)
        if rho.size and rho.min() < 0:
            idx = np.unravel_index(int(np.argmin(rho)), rho.shape)
            raise InvalidArgumentError(
                f"{name} must be >= 0 everywhere, got {rho.min():.3g} at index {tuple(int(i) for i in idx)}"
            )
        if normalized:
            mass = np.atleast_1d(self.integrate(rho))
            bad = np.abs(mass - 1.0) > rtol
            if np.any(bad):
                worst = float(mass[np.argmax(np.abs(mass - 1.0))])
                raise InvalidArgumentError(
                    f"{name} must be normalised (integral 1 within {rtol:g}), got integral "
                    f"{worst:.6g} (use liepoisson.grids.normalize_density)"
                )
        return rho


def normalize_density(grid: PeriodicGrid, rho) -> np.ndarray:
    """``rho / ∫rho dx`` (each leading index separately).

    Raises
    ------
    InvalidArgumentError
        For a negative entry or a zero mass.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson.grids import PeriodicGrid, normalize_density
    >>> grid = PeriodicGrid(8, 2.0)
    >>> float(grid.integrate(normalize_density(grid, np.ones(8))))
    1.0
    """
    rho = grid.check_density("rho", rho, normalized=False)
    mass = grid.integrate(rho)
    if np.any(mass <= 0):
        raise InvalidArgumentError(f"rho must have a positive mass, got {_describe(mass)}")
    return rho / np.expand_dims(mass, tuple(range(-grid.dim, 0)))
