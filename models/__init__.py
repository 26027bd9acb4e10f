"""Concrete Lie–Poisson models built on the :mod:`liepoisson` core.

Each submodule builds one or a few :class:`liepoisson.LiePoissonSystem` objects; the core never
imports this package. Submodules are imported on demand (this file imports nothing):

``models.rigid_body``
    :class:`~models.rigid_body.RigidBody` on so(3)* and
    :func:`~models.rigid_body.exact_solution`, the exact solution of Euler's equations by
    Jacobi elliptic functions.
``models.heavy_top``
    :class:`~models.heavy_top.HeavyTop` on se(3)*, :func:`~models.heavy_top.lagrange_top`
    and its extra integral :func:`~models.heavy_top.lagrange_integral`.
``models.nls``
    The nonlinear Schrödinger equation on u(N)*: :class:`~models.nls.GraphNLS`,
    :class:`~models.nls.PeriodicNLS`, the :class:`~models.nls.LiePoissonSplitting` and
    exact solutions (solitons, breathers, the two-soliton collision shifts).
``models.deep_learning``
    Residual networks trained as optimal control: the Pontryagin system on heisenberg(N d)
    (:class:`~models.deep_learning.PontryaginSystem`), the exact discrete gradient from the
    costate sweep, and scikit-learn estimators (:class:`~models.deep_learning.ResNetClassifier`).
``models.registry``
    ``MODELS``, the models of ``liepoisson run``; their runs are in ``models.cli_rigid_body``
    and ``models.cli_heavy_top``, with the shared parts in ``models.cli_common``.
"""
