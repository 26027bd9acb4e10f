"""The heavy top on se(3)* = (so(3) ⋉ R^3)*.

Conventions
-----------
A state is the vector :math:`\\mu = (\\Pi, \\Gamma)` of shape ``(6,)``: :math:`\\Pi` is the
angular momentum in the body frame and :math:`\\Gamma = R^T e_3` is the vertical axis along
which gravity acts, as seen in the body frame (:math:`R` the attitude, :math:`e_3` pointing
*up*, so that :math:`\\Gamma\\cdot\\chi` is the height of the center of mass over the fixed
point per unit :math:`\\ell`). :math:`\\chi` (``center_of_mass``) is the body-frame vector from
the fixed point to the center of mass, usually a unit vector with the length :math:`\\ell`
absorbed into the weight factor ``mgl`` :math:`= m g \\ell`. If :math:`\\Gamma` is taken as the
downward direction of gravity instead, change the sign of ``mgl``.

.. math::

    H(\\Pi, \\Gamma) = \\tfrac12\\,\\Pi\\cdot I^{-1}\\Pi + m g \\ell\\;\\Gamma\\cdot\\chi, \\qquad
    \\nabla H = (\\Omega, m g \\ell\\,\\chi), \\quad \\Omega = I^{-1}\\Pi .

On se(3) with :math:`[(\\omega_1, v_1), (\\omega_2, v_2)] = (\\omega_1\\times\\omega_2,
\\omega_1\\times v_2 - \\omega_2\\times v_1)` one computes
:math:`\\operatorname{ad}^*_{(\\omega, v)}(\\Pi, \\Gamma) = (\\Pi\\times\\omega + \\Gamma\\times v,\\
\\Gamma\\times\\omega)`, so the library's equation :math:`\\dot\\mu =
\\operatorname{ad}^*_{\\nabla H(\\mu)}\\mu` is

.. math::

    \\dot\\Pi = \\Pi\\times\\Omega + m g \\ell\\;\\Gamma\\times\\chi, \\qquad
    \\dot\\Gamma = \\Gamma\\times\\Omega .

Both signs agree with the mechanics: :math:`\\dot R = R\\hat\\Omega` gives
:math:`\\dot\\Gamma = -\\Omega\\times\\Gamma`, and the gravity torque about the fixed point is
:math:`(\\ell\\chi)\\times(-m g\\,\\Gamma) = m g \\ell\\;\\Gamma\\times\\chi`. The Casimirs are those of
se(3)*: ``"Gamma.Gamma"`` :math:`= |\\Gamma|^2` and ``"Pi.Gamma"`` :math:`= \\Pi\\cdot\\Gamma`.
"""

from __future__ import annotations

from typing import final

import numpy as np

from liepoisson import LiePoissonSystem, se3
from liepoisson._validation import as_finite_array, check_element_shape, check_real

from ..rigid_body.systems import _validate_vector, kinetic_flows, validate_inertia, zero_third_derivative

__all__ = ["HeavyTop", "lagrange_top", "lagrange_integral"]


@final
class HeavyTop(LiePoissonSystem):
    """The heavy top (a rigid body with a fixed point in a uniform gravity field) (final).

    .. math::

        H(\\Pi, \\Gamma) = \\tfrac12\\,\\Pi\\cdot I^{-1}\\Pi + m g \\ell\\;\\Gamma\\cdot\\chi,\\qquad
        \\dot\\Pi = \\Pi\\times I^{-1}\\Pi + m g \\ell\\;\\Gamma\\times\\chi,\\qquad
        \\dot\\Gamma = \\Gamma\\times I^{-1}\\Pi,

    on se(3)* with states :math:`\\mu = (\\Pi, \\Gamma)` of shape ``(..., 6)`` (see the module
    docstring for the frames and the sign conventions). The derivatives are exact:
    :math:`\\nabla H = (I^{-1}\\Pi, m g \\ell\\,\\chi)`,
    :math:`D^2H(\\mu)[(a, b)] = (I^{-1}a, 0)` and :math:`D^3H = 0`.
    Casimirs: ``"Gamma.Gamma"`` and ``"Pi.Gamma"``. :meth:`split_flows` gives the exact
    flows of the potential and of the three kinetic pieces, so
    :class:`~liepoisson.LiePoissonSplitting` runs on it.

    Parameters
    ----------
    inertia : array_like of shape (3,)
        Principal moments about the fixed point, finite and > 0.
    center_of_mass : array_like of shape (3,)
        :math:`\\chi`, body-frame vector from the fixed point to the center of mass (finite).
    mgl : float, optional
        The weight factor :math:`m g \\ell` multiplying :math:`\\Gamma\\cdot\\chi` (finite; any
        sign; 0 gives the free rigid body). Default 1.
    name : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.heavy_top import HeavyTop
    >>> top = HeavyTop((1.0, 2.0, 3.0), center_of_mass=(0.0, 0.0, 1.0), mgl=2.0)
    >>> mu = np.array([0.3, 1.0, -0.7, 0.0, 0.6, 0.8])
    >>> Pi, Gamma = mu[:3], mu[3:]
    >>> Omega = Pi / top.inertia
    >>> chi = top.center_of_mass
    >>> expected = np.concatenate([np.cross(Pi, Omega) + 2.0 * np.cross(Gamma, chi),
    ...                            np.cross(Gamma, Omega)])
    >>> np.allclose(top.vector_field(mu), expected)
    True
    >>> sorted(top.casimirs)
    ['Gamma.Gamma', 'Pi.Gamma']
    """

    def __init__(self, inertia, center_of_mass, mgl: float = 1.0, name: str | None = None):
        I = validate_inertia(inertia)
        chi = _validate_vector("center_of_mass", center_of_mass)
        chi.setflags(write=False)
        mgl = check_real("mgl", mgl)
        inv = 1.0 / I
        force = mgl * chi  # the constant Gamma-part of the gradient
        self._inertia, self._chi, self._mgl = I, chi, mgl

        def hamiltonian(mu):
            mu = np.asarray(mu)
            return 0.5 * np.sum(mu[..., :3] ** 2 * inv, axis=-1) + mu[..., 3:] @ force

        def gradient(mu):
            # plain numpy that numba also compiles (the compiled path of integrate)
            # (one allocation for the result: the compiled loop checks it at every step)
            mu = np.asarray(mu)
            head = mu[..., :3] * inv
            out = np.empty(mu.shape, dtype=head.dtype)
            out[..., :3] = head
            out[..., 3:] = force
            return out

        def hessian_vector(mu, v):
            v = np.asarray(v)
            shape = np.broadcast_shapes(np.shape(mu), v.shape)
            out = np.zeros(shape, dtype=np.result_type(v, float))
            out[..., :3] = v[..., :3] * inv
            return out

        if name is None:
            name = "heavy top I=({:g}, {:g}, {:g}), chi=({:g}, {:g}, {:g}), mgl={:g}".format(
                *I, *chi, mgl
            )
        super().__init__(
            se3(),
            hamiltonian,
            gradient=gradient,
            hessian_vector=hessian_vector,
            third_derivative=zero_third_derivative,
            name=name,
            affine_gradient=(np.diag(np.concatenate([inv, np.zeros(3)])),
                             np.concatenate([np.zeros(3), force])),
        )

    @property
    def inertia(self) -> np.ndarray:
        """Principal moments of inertia, a read-only array of shape ``(3,)``."""
        return self._inertia

    @property
    def center_of_mass(self) -> np.ndarray:
        """:math:`\\chi`, a read-only array of shape ``(3,)``."""
        return self._chi

    @property
    def mgl(self) -> float:
        """The weight factor :math:`m g \\ell`."""
        return self._mgl

    def split_flows(self):
        """The exact flows of the pieces of
        :math:`H = m g \\ell\\,\\Gamma\\cdot\\chi + \\sum_i \\Pi_i^2/(2I_i)`, for
        :class:`~liepoisson.LiePoissonSplitting`.

        The potential (first: outermost) has the constant gradient :math:`(0, m g \\ell\\chi)`,
        so its flow is :math:`\\Pi \\mathrel{+}= t\\,m g \\ell\\;\\Gamma\\times\\chi`
        (:math:`\\Gamma` fixed); the flow of :math:`\\Pi_i^2/(2I_i)` rotates :math:`\\Pi` and
        :math:`\\Gamma` together about :math:`e_i` by :math:`-t\\,\\Pi_i/I_i`. Each is the
        coadjoint action of :math:`\\exp(t\\nabla H_i)`: it keeps both Casimirs.

        Returns
        -------
        tuple of 4 callables ``flow(mu, t) -> mu``
            On states of shape ``(..., 6)``.

        Examples
        --------
        >>> import numpy as np
        >>> from liepoisson import LiePoissonSplitting
        >>> from liepoisson_models.heavy_top import HeavyTop
        >>> top = HeavyTop((1.0, 1.5, 2.0), (0.0, 0.0, 1.0))
        >>> mu = np.array([0.3, 0.2, 1.0, 0.0, 0.6, 0.8])
        >>> new = LiePoissonSplitting(order=4).step(top, mu, 0.1)
        >>> bool(abs(new[:3] @ new[3:] - mu[:3] @ mu[3:]) < 1e-15)
        True
        """
        force = self._mgl * self._chi

        def potential(mu, t):
            mu = np.asarray(mu, dtype=float)
            out = mu.copy()
            out[..., :3] += t * np.cross(mu[..., 3:], force)
            return out

        return (potential,) + kinetic_flows(self._inertia, offsets=(0, 3))

    @classmethod
    def lagrange_top(cls, I1: float, I3: float, ell: float = 1.0, mgl: float = 1.0) -> "HeavyTop":
        """The Lagrange top; see :func:`lagrange_top`."""
        return lagrange_top(I1, I3, ell, mgl)


def lagrange_top(I1: float, I3: float, ell: float = 1.0, mgl: float = 1.0) -> HeavyTop:
    """The Lagrange top: a symmetric heavy top with its center of mass on the symmetry axis.

    :math:`I = (I_1, I_1, I_3)` and :math:`\\chi = (0, 0, \\ell)`, so the potential is
    :math:`m g \\ell\\,\\ell\\,\\Gamma_3` (take ``ell = 1`` to have ``mgl`` the usual
    :math:`m g \\ell`). Besides the energy and the Casimirs :math:`|\\Gamma|^2`,
    :math:`\\Pi\\cdot\\Gamma`, the momentum about the symmetry axis :math:`\\Pi_3` is conserved,

    .. math::

        \\dot\\Pi_3 = \\Big(\\frac{1}{I_2} - \\frac{1}{I_1}\\Big)\\Pi_1\\Pi_2
        + m g \\ell\\,(\\Gamma_1\\chi_2 - \\Gamma_2\\chi_1) = 0,

    which makes the system completely integrable (:func:`lagrange_integral`).

    Parameters
    ----------
    I1 : float
        The equal moments :math:`I_1 = I_2 > 0`.
    I3 : float
        The moment about the symmetry axis, > 0.
    ell : float, optional
        Position of the center of mass on the symmetry axis (finite). Default 1.
    mgl : float, optional
        Weight factor (finite). Default 1.

    Returns
    -------
    HeavyTop

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.heavy_top import lagrange_top, lagrange_integral
    >>> top = lagrange_top(1.0, 0.5, ell=1.0, mgl=9.81)
    >>> mu = np.array([0.3, -0.2, 2.0, 0.1, 0.5, 0.86])
    >>> float(abs(lagrange_integral(top.vector_field(mu)))) < 1e-15   # d(Pi_3)/dt = 0
    True
    """
    I1 = check_real("I1", I1, positive=True)
    I3 = check_real("I3", I3, positive=True)
    ell = check_real("ell", ell)
    mgl = check_real("mgl", mgl)
    return HeavyTop(
        (I1, I1, I3),
        (0.0, 0.0, ell),
        mgl,
        name=f"Lagrange top I1={I1:g}, I3={I3:g}, ell={ell:g}, mgl={mgl:g}",
    )


def lagrange_integral(mu) -> np.ndarray:
    """:math:`\\Pi_3`, the integral of the Lagrange top (:func:`lagrange_top`).

    Parameters
    ----------
    mu : array_like of shape (..., 6)
        States :math:`(\\Pi, \\Gamma)`.

    Returns
    -------
    ndarray of shape (...)

    Examples
    --------
    >>> lagrange_integral([[0.0, 0.0, 1.5, 0.0, 0.0, 1.0]])
    array([1.5])
    """
    arr = as_finite_array("mu", mu)
    check_element_shape("mu", arr, (6,), "a state (Pi, Gamma) of se(3)*")
    return arr[..., 2]
