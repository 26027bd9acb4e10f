"""The free rigid body on :math:`\\mathfrak{so}(3)^*` and the exact solution of Euler's equations.

Modules
-------
``systems``
    :class:`RigidBody`, :math:`H = \\frac12\\,\\Pi\\cdot I^{-1}\\Pi`, and
    :func:`validate_inertia`.
``exact``
    :func:`exact_solution`: Euler's equations solved by Jacobi elliptic functions.
``cli``
    ``liepoisson run rigid-body`` (imported only by the command).

Examples
--------
>>> import numpy as np
>>> from liepoisson_models.rigid_body import RigidBody, exact_solution
>>> body = RigidBody([2.0, 1.0, 2.0 / 3.0])
>>> mu0 = np.array([np.cos(1.1), 0.0, np.sin(1.1)])
>>> bool(np.allclose(body.exact_solution(mu0, 1.0), exact_solution(body.inertia, mu0, 1.0)))
True
"""

from .exact import exact_solution
from .systems import RigidBody, validate_inertia

__all__ = ["RigidBody", "exact_solution", "validate_inertia"]
