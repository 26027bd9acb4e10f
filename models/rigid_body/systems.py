"""The free rigid body on so(3)*.

Conventions
-----------
:math:`\\Pi \\in \\mathbb R^3` is the angular momentum in the body frame, :math:`I = (I_1,
I_2, I_3)` the principal moments of inertia and :math:`\\Omega = I^{-1}\\Pi` the body angular
velocity. With the library's Lie–Poisson equation :math:`\\dot\\mu =
\\operatorname{ad}^*_{\\nabla H(\\mu)}\\mu` and :math:`\\operatorname{ad}^*_x\\mu = \\mu \\times x`
on so(3), the Hamiltonian

.. math::

    H(\\Pi) = \\tfrac12\\,\\Pi\\cdot I^{-1}\\Pi, \\qquad \\nabla H(\\Pi) = \\Omega = I^{-1}\\Pi,

gives Euler's equations :math:`\\dot\\Pi = \\Pi \\times \\Omega`, that is

.. math::

    \\dot\\Pi_1 = \\frac{I_2 - I_3}{I_2 I_3}\\,\\Pi_2\\Pi_3, \\quad
    \\dot\\Pi_2 = \\frac{I_3 - I_1}{I_3 I_1}\\,\\Pi_3\\Pi_1, \\quad
    \\dot\\Pi_3 = \\frac{I_1 - I_2}{I_1 I_2}\\,\\Pi_1\\Pi_2 .

The exact solution of Euler's equations is in :mod:`liepoisson_models.rigid_body.exact`.
"""

from __future__ import annotations

from typing import final

import numpy as np

from liepoisson import LiePoissonSystem, so3
from liepoisson._validation import _describe, as_finite_array
from liepoisson.exceptions import InvalidArgumentError, ShapeError

__all__ = ["RigidBody", "validate_inertia"]


def _validate_vector(name: str, value) -> np.ndarray:
    """A finite real vector of shape ``(3,)``, as float."""
    arr = as_finite_array(name, value)
    if arr.shape != (3,):
        raise ShapeError(f"{name} must have shape (3,), got shape {arr.shape}")
    if arr.dtype.kind == "c":
        raise InvalidArgumentError(f"{name} must be real, got {_describe(value)}")
    return arr.astype(float)


def validate_inertia(inertia) -> np.ndarray:
    """Return the principal moments of inertia as a read-only float array of shape ``(3,)``.

    Parameters
    ----------
    inertia : array_like of shape (3,)
        Finite and strictly positive. The triangle inequalities
        :math:`I_i \\le I_j + I_k` of a physical body are *not* required.

    Raises
    ------
    ShapeError
        If the shape is not ``(3,)``.
    NonFiniteError
        If an entry is NaN or infinite.
    InvalidArgumentError
        If an entry is not strictly positive, or the array is not real.

    Examples
    --------
    >>> validate_inertia([1, 2, 3])
    array([1., 2., 3.])
    """
    arr = _validate_vector("inertia", inertia)
    if not np.all(arr > 0):
        raise InvalidArgumentError(
            f"inertia must have strictly positive entries, got {_describe(inertia)}"
        )
    arr.setflags(write=False)
    return arr


def kinetic_flows(inertia: np.ndarray, offsets: tuple[int, ...] = (0,)) -> tuple:
    """The flows of :math:`\\Pi_i^2/(2I_i)`, :math:`i = 1, 2, 3`, rotating each 3-vector of a
    state that starts at one of ``offsets`` (0: :math:`\\Pi`; 3: also :math:`\\Gamma` of the
    heavy top) by :math:`-t\\,\\Pi_i/I_i` about :math:`e_i`.

    Returns
    -------
    tuple of 3 callables ``flow(mu, t) -> mu``
    """
    inv = 1.0 / inertia

    def flow_about(axis):
        j, k = (axis + 1) % 3, (axis + 2) % 3

        def flow(mu, t):
            mu = np.asarray(mu, dtype=float)
            angle = t * mu[..., axis] * inv[axis]
            c, s = np.cos(angle), np.sin(angle)
            out = mu.copy()
            for o in offsets:
                a, b = mu[..., o + j], mu[..., o + k]
                out[..., o + j] = c * a + s * b
                out[..., o + k] = c * b - s * a
            return out

        return flow

    return tuple(flow_about(axis) for axis in range(3))


def zero_third_derivative(mu, u, v) -> np.ndarray:
    """:math:`D^3H(\\mu)[u, v, \\cdot] = 0`, the third derivative of a quadratic-plus-linear
    Hamiltonian, with the broadcast shape of the arguments."""
    return np.zeros(np.broadcast_shapes(np.shape(mu), np.shape(u), np.shape(v)))


@final
class RigidBody(LiePoissonSystem):
    """The free rigid body on so(3)* (final).

    .. math::

        H(\\Pi) = \\tfrac12\\,\\Pi\\cdot I^{-1}\\Pi,\\qquad \\nabla H = I^{-1}\\Pi,\\qquad
        \\dot\\Pi = \\Pi\\times I^{-1}\\Pi,

    with the Casimir ``"|Pi|^2"`` :math:`= |\\Pi|^2`. All derivatives are exact:
    :math:`D^2H(\\Pi)[v] = I^{-1}v` and :math:`D^3H = 0`.

    :meth:`split_flows` gives the exact flows of the three pieces
    :math:`H_i = \\Pi_i^2/(2I_i)`, so :class:`~liepoisson.LiePoissonSplitting` runs on it
    (McLachlan's explicit splitting of the free rigid body, with Strang's composition).

    Parameters
    ----------
    inertia : array_like of shape (3,)
        Principal moments :math:`(I_1, I_2, I_3)`, finite and > 0, in any order. A physical
        body also satisfies the triangle inequalities :math:`I_i \\le I_j + I_k`; they are
        not required here (the equations make sense for any positive moments).
    name : str, optional
        Defaults to ``"rigid body I=(I1, I2, I3)"``.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.rigid_body import RigidBody
    >>> body = RigidBody((1.0, 2.0, 3.0))
    >>> mu = np.array([1.0, 1.0, 1.0])
    >>> np.allclose(body.vector_field(mu), np.cross(mu, mu / body.inertia))
    True
    >>> float(body.hamiltonian(mu))
    0.9166666666666666
    >>> sorted(body.casimirs)
    ['|Pi|^2']
    """

    def __init__(self, inertia, name: str | None = None):
        I = validate_inertia(inertia)
        inv = 1.0 / I
        inv.setflags(write=False)
        self._inertia = I

        def hamiltonian(mu):
            return 0.5 * np.sum(np.asarray(mu) ** 2 * inv, axis=-1)

        def gradient(mu):
            return np.asarray(mu) * inv

        def hessian_vector(mu, v):
            out = np.asarray(v) * inv
            if np.shape(mu) != out.shape:  # a batch of states with one direction
                out = np.broadcast_to(out, np.broadcast_shapes(np.shape(mu), out.shape)).copy()
            return out

        def casimir(mu):
            return np.sum(np.asarray(mu) ** 2, axis=-1)

        if name is None:
            name = "rigid body I=({:g}, {:g}, {:g})".format(*I)
        super().__init__(
            so3(),
            hamiltonian,
            gradient=gradient,
            casimirs={"|Pi|^2": casimir},
            hessian_vector=hessian_vector,
            third_derivative=zero_third_derivative,
            name=name,
            affine_gradient=(np.diag(inv), np.zeros(3)),
        )

    @property
    def inertia(self) -> np.ndarray:
        """The principal moments of inertia, a read-only array of shape ``(3,)``."""
        return self._inertia

    def split_flows(self):
        """The exact flows of :math:`H = \\sum_i \\Pi_i^2/(2I_i)`, piece by piece, for
        :class:`~liepoisson.LiePoissonSplitting`.

        Along the flow of :math:`H_i = \\Pi_i^2/(2I_i)`, :math:`\\Pi_i` is constant and
        :math:`\\Pi` rotates about the body axis :math:`e_i` by the angle
        :math:`-t\\,\\Pi_i/I_i` (:func:`kinetic_flows`): the coadjoint action of
        :math:`\\exp(t\\nabla H_i)`, exact, on the sphere of constant :math:`|\\Pi|`.

        Returns
        -------
        tuple of 3 callables ``flow(mu, t) -> mu``
            On states of shape ``(..., 3)``, for :math:`i = 1, 2, 3`.

        Examples
        --------
        >>> import numpy as np
        >>> from liepoisson import LiePoissonSplitting
        >>> from liepoisson_models.rigid_body import RigidBody
        >>> body = RigidBody((2.0, 1.0, 2.0 / 3.0))
        >>> mu = np.array([np.cos(1.1), 0.0, np.sin(1.1)])
        >>> new = LiePoissonSplitting(order=2).step(body, mu, 0.1)
        >>> bool(abs(new @ new - 1.0) < 1e-15)
        True
        """
        return kinetic_flows(self._inertia)

    def exact_solution(self, mu0, t) -> np.ndarray:
        """:func:`~liepoisson_models.rigid_body.exact_solution` for this body's inertia."""
        from .exact import exact_solution

        return exact_solution(self._inertia, mu0, t)
