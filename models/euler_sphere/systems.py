"""Zeitlin's model of the 2-D Euler equations on the sphere as a Lie–Poisson system on
:math:`\\mathfrak{su}(N)^*`.

The continuum equations. On the unit sphere with the Poisson bracket
:math:`\\{f, g\\} = n\\cdot(\\nabla f\\times\\nabla g)` (so :math:`\\{x, y\\} = z`), an
incompressible flow :math:`u = n\\times\\nabla\\psi` has vorticity :math:`\\omega = \\Delta\\psi`
and Euler's equations are

.. math::

    \\dot\\omega = \\{\\omega, \\psi\\}, \\qquad \\Delta\\psi = \\omega,

with energy :math:`E = \\tfrac12\\int|u|^2 = -\\tfrac12\\int\\psi\\,\\omega` and the Casimirs
:math:`\\int f(\\omega)`.

Zeitlin's model. The vorticity becomes the Hermitian traceless matrix
:math:`\\Omega = \\sum_{lm}\\omega_{lm}T_{lm}` (:class:`~.quantization.HarmonicBasis`,
orthonormal in the trace), the Laplacian :math:`\\Delta_N` (Hoppe–Yau,
:class:`~.quantization.QuantizedLaplacian`) and the bracket
:math:`-\\tfrac{i}{\\kappa}[\\cdot, \\cdot]` with :math:`\\kappa = \\hbar\\sqrt{4\\pi/N}`,
:math:`\\hbar = 2/\\sqrt{N^2-1}` (:func:`~.quantization.time_scale`):

.. math::

    \\dot\\Omega = \\frac{i}{\\kappa}[\\Psi, \\Omega], \\qquad \\Delta_N\\Psi = \\Omega .

In the skew-Hermitian form of Zeitlin and of Modin–Viviani, :math:`W = iN^{1/2}(4\\pi)^{-1/2}\\Omega`
(the scaling in which :math:`1 \\mapsto iI`) and :math:`\\Delta_N P = W`, this is
:math:`\\dot W = \\tfrac{1}{\\hbar}[P, W]`, in the same time :math:`t`: the physical time of
the continuum equations (a Rossby–Haurwitz wave turns at the continuum rate, see
:mod:`.exact`). A step :math:`h = 0.1\\hbar` is quflow's ``dt = 0.1 * hbar`` (its step
``h/hbar = 0.1`` in the time of :math:`W' = [P, W]`).

As a Lie–Poisson system. With the library's conventions on :math:`\\mathfrak{su}(N)^*`
(covectors Hermitian, :math:`\\langle\\rho, \\xi\\rangle = \\operatorname{Im}\\operatorname{tr}(\\rho\\xi)`,
:math:`\\operatorname{ad}^*_\\xi\\rho = \\rho\\xi - \\xi\\rho`, :math:`\\dot\\mu =
\\operatorname{ad}^*_{\\nabla H(\\mu)}\\mu`) the state is :math:`\\mu = \\Omega` and

.. math::

    H(\\Omega) = -\\frac{1}{2\\kappa}\\operatorname{tr}(\\Psi\\Omega) = \\frac{E}{\\kappa},
    \\qquad \\nabla H(\\Omega) = -\\frac{i}{\\kappa}\\Psi,
    \\qquad D^2H(\\Omega)[V] = -\\frac{i}{\\kappa}\\Delta_N^{-1}V, \\qquad D^3H = 0,

since :math:`DH(\\Omega)[V] = -\\tfrac1\\kappa\\operatorname{tr}(V\\Psi) =
\\operatorname{Im}\\operatorname{tr}(V\\,\\nabla H)`; then :math:`\\operatorname{ad}^*_{\\nabla H}\\Omega
= [\\Omega, -\\tfrac{i}{\\kappa}\\Psi] = \\tfrac{i}{\\kappa}[\\Psi, \\Omega]`. The Casimirs are
:math:`\\operatorname{tr}\\Omega^k` (``"tr W^k"``, :math:`k = 2, \\dots, \\min(N, 4)`; any
:math:`k` from :meth:`EulerSphere.casimir`), the quantized :math:`\\int\\omega^k`.
"""

from __future__ import annotations

import math

import numpy as np

from liepoisson import LiePoissonSystem, su
from liepoisson._validation import as_finite_array, check_int, check_real
from liepoisson.exceptions import InvalidArgumentError, ShapeError

from .quantization import HarmonicBasis, QuantizedLaplacian, harmonic_index, hbar, time_scale

__all__ = ["EulerSphere", "random_vorticity", "zonal_vorticity"]


def _trace_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`\\operatorname{Re}\\operatorname{tr}(ab)` for Hermitian ``b``, as
    :math:`\\sum_{ij}\\operatorname{Re}(a_{ij}\\bar b_{ij})` with numpy's pairwise sums
    (accurate to a few ulps where an ``einsum`` accumulation loses a digit or two),
    shape ``(...)``."""
    return np.sum(a.real * b.real + a.imag * b.imag, axis=(-2, -1))


class EulerSphere(LiePoissonSystem):
    """Zeitlin's model of the Euler equations on the sphere, on :math:`\\mathfrak{su}(N)^*`
    (final).

    States are vorticity matrices :math:`\\Omega`, Hermitian traceless ``(n, n)`` complex
    arrays (build them from spherical-harmonic coefficients with :meth:`from_coefficients`);
    the equations and conventions are in :mod:`liepoisson_models.euler_sphere.systems`.
    Every derivative is exact: the gradient costs one application of
    :math:`\\Delta_N^{-1}`, :math:`O(N^2)`.

    Parameters
    ----------
    n : int
        Matrix size :math:`N \\ge 2` (spherical harmonics of degree :math:`l \\le N - 1`).
    name : str, optional

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import LiePoissonHJ, integrate
    >>> from liepoisson_models.euler_sphere import EulerSphere, random_vorticity
    >>> system = EulerSphere(16)
    >>> W0 = system.from_coefficients(random_vorticity(16, lmax=5, seed=1))
    >>> traj = integrate(system, W0, dt=0.1 * system.hbar, n_steps=20, method=LiePoissonHJ())
    >>> errors = traj.max_relative_invariant_errors()
    >>> bool(errors["tr W^2"] < 1e-13 and errors["tr W^3"] < 1e-12)
    True
    """

    def __init__(self, n: int, name: str | None = None):
        n = check_int("n", n, minimum=2)
        self._n = n
        self._laplacian = QuantizedLaplacian(n)
        self._basis = HarmonicBasis(n)
        self._kappa = time_scale(n)
        algebra = su(n)
        super().__init__(
            algebra,
            hamiltonian=self._energy_over_kappa,
            gradient=self._gradient,
            casimirs={f"tr W^{k}": algebra.trace_power(k) for k in range(2, min(n, 4) + 1)},
            hessian_vector=self._hessian_vector,
            third_derivative=self._third_derivative,
            name=name if name is not None else f"Euler on the sphere (Zeitlin, N={n})",
        )

    # ------------------------------------------------------------------ parameters
    @property
    def n(self) -> int:
        """Matrix size :math:`N`."""
        return self._n

    @property
    def hbar(self) -> float:
        """:math:`\\hbar = 2/\\sqrt{N^2-1}`."""
        return hbar(self._n)

    @property
    def time_scale(self) -> float:
        """:math:`\\kappa = \\hbar\\sqrt{4\\pi/N}` (:math:`H = E/\\kappa`)."""
        return self._kappa

    @property
    def laplacian(self) -> QuantizedLaplacian:
        """The quantized Laplacian :math:`\\Delta_N`."""
        return self._laplacian

    @property
    def basis(self) -> HarmonicBasis:
        """The matrices :math:`T_{lm}` of the real spherical harmonics."""
        return self._basis

    # ------------------------------------------------------------ derivatives
    def stream_matrix(self, W: np.ndarray) -> np.ndarray:
        """:math:`\\Psi = \\Delta_N^{-1}\\Omega`, shape ``(..., n, n)``."""
        return self._laplacian.solve(W)

    def _energy_over_kappa(self, W):
        return self.energy(W) / self._kappa

    def _gradient(self, W):
        return (-1j / self._kappa) * self._laplacian.solve(W)

    def _hessian_vector(self, W, V):
        return self._gradient(V)

    def _third_derivative(self, W, U, V):
        return np.zeros(np.broadcast_shapes(np.shape(W), np.shape(U), np.shape(V)), dtype=complex)

    # -------------------------------------------------------------- diagnostics
    def energy(self, W: np.ndarray) -> np.ndarray:
        """The kinetic energy :math:`E = -\\tfrac12\\operatorname{tr}(\\Psi\\Omega)`
        (:math:`= \\tfrac12\\int|u|^2` for the band-limited field), shape ``(...)``."""
        W = np.asarray(W)
        return -0.5 * _trace_product(self._laplacian.solve(W), W)

    def enstrophy(self, W: np.ndarray) -> np.ndarray:
        """The enstrophy :math:`\\tfrac12\\operatorname{tr}\\Omega^2`
        (:math:`= \\tfrac12\\int\\omega^2`), shape ``(...)``."""
        W = np.asarray(W)
        return 0.5 * _trace_product(W, W)

    def casimir(self, k: int):
        """The Casimir :math:`\\Omega \\mapsto \\operatorname{tr}\\Omega^k` (``k >= 1``)."""
        return self.algebra.trace_power(k)

    def zeitlin_vector_field(self, W: np.ndarray) -> np.ndarray:
        """:math:`\\tfrac{i}{\\kappa}[\\Psi, \\Omega]` evaluated directly (the reference the
        Lie–Poisson :meth:`vector_field` equals), shape ``(..., n, n)``."""
        P = self._laplacian.solve(W)
        return (1j / self._kappa) * (P @ W - W @ P)

    # ------------------------------------------------------------- coefficients
    def from_coefficients(self, coefficients) -> np.ndarray:
        """The vorticity matrix of real spherical-harmonic coefficients.

        Parameters
        ----------
        coefficients : array_like of shape (..., (L+1)**2)
            :math:`\\omega_{lm}` at index :math:`l(l+1) + m`, :math:`L \\le N - 1`; the
            mean :math:`\\omega_{00}` is dropped (states are traceless).

        Returns
        -------
        ndarray of shape (..., n, n)

        Raises
        ------
        ShapeError, NonFiniteError, InvalidArgumentError
            For coefficients of the wrong length, non-finite or complex.
        """
        c = np.array(self._basis._coefficients(coefficients))
        c[..., 0] = 0.0
        return self._basis.to_matrix(c)

    def to_coefficients(self, W, lmax: int | None = None) -> np.ndarray:
        """Real spherical-harmonic coefficients of vorticity matrices, shape
        ``(..., (lmax+1)**2)`` (see :meth:`HarmonicBasis.to_coefficients`)."""
        return self._basis.to_coefficients(W, lmax)


def random_vorticity(n: int, lmax: int = 10, seed=None, decay: float = 1.0,
                     rms: float = 1.0) -> np.ndarray:
    """Random smooth vorticity: Gaussian coefficients for :math:`1 \\le l \\le l_{max}` with
    standard deviation :math:`\\propto l^{-\\text{decay}}`, scaled to a root-mean-square
    vorticity ``rms`` on the sphere (:math:`\\sum\\omega_{lm}^2 = 4\\pi\\,\\text{rms}^2`).

    Parameters
    ----------
    n : int
        Matrix size (``lmax`` is capped at ``n - 1``).
    lmax : int
        Largest degree, ``>= 1``.
    seed : int, numpy.random.Generator or None
    decay : float
        Decay exponent in ``l``, ``>= 0``.
    rms : float
        Root-mean-square vorticity, ``> 0``.

    Returns
    -------
    ndarray of shape ((L+1)**2,)
        Coefficients, :math:`L = \\min(l_{max}, n - 1)`.

    Examples
    --------
    >>> c = random_vorticity(8, lmax=4, seed=0)
    >>> c.shape, bool(np.isclose(np.sum(c**2), 4 * np.pi))
    ((25,), True)
    """
    n = check_int("n", n, minimum=2)
    L = min(check_int("lmax", lmax, minimum=1), n - 1)
    if not check_real("decay", decay) >= 0:
        raise InvalidArgumentError(f"decay must be >= 0, got {decay!r}")
    check_real("rms", rms, positive=True)
    rng = np.random.default_rng(seed)
    l = np.repeat(np.arange(L + 1), 2 * np.arange(L + 1) + 1)
    c = rng.standard_normal(l.size) * np.where(l == 0, 0.0, np.maximum(l, 1.0) ** -float(decay))
    return c * (rms * math.sqrt(4.0 * math.pi) / np.linalg.norm(c))


def zonal_vorticity(n: int, profile) -> np.ndarray:
    """Coefficients of a zonal (rotation-invariant) vorticity: :math:`\\omega_{l0}` only.

    Parameters
    ----------
    n : int
        Matrix size.
    profile : array_like of shape (L+1,)
        :math:`\\omega_{l0}` for :math:`l = 0, \\dots, L` (:math:`L \\le n - 1`).

    Returns
    -------
    ndarray of shape ((L+1)**2,)

    Examples
    --------
    >>> zonal_vorticity(4, [0.0, 1.0, 2.0])[[harmonic_index(1, 0), harmonic_index(2, 0)]]
    array([1., 2.])
    """
    n = check_int("n", n, minimum=2)
    p = as_finite_array("profile", profile).astype(float)
    if p.ndim != 1 or not 1 <= p.size <= n:
        raise ShapeError(f"profile must have shape (L+1,) with L <= n - 1 = {n - 1}, got shape {p.shape}")
    l = np.arange(p.size)
    c = np.zeros(p.size**2)
    c[harmonic_index(l, 0)] = p
    return c
