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
        )

    @property
    def inertia(self) -> np.ndarray:
        """The principal moments of inertia, a read-only array of shape ``(3,)``."""
        return self._inertia

    def exact_solution(self, mu0, t) -> np.ndarray:
        """:func:`~liepoisson_models.rigid_body.exact_solution` for this body's inertia."""
        from .exact import exact_solution

        return exact_solution(self._inertia, mu0, t)
