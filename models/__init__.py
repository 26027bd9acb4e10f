"""Concrete Lie–Poisson models built on the :mod:`liepoisson` core.

This folder, ``models/`` in the repository, is installed under the import name
``liepoisson_models``, so that a user's own ``models`` package can neither shadow it nor be
run in its place. The core never imports it: the ``liepoisson`` command finds the models
through the entry points of the group ``liepoisson.models`` declared in ``pyproject.toml``.

Every model is a package of the same shape: its system(s) (``systems.py``), exact
solutions where they exist (``exact.py``) and ``cli.py``, whose ``ENTRY`` (``ENTRIES`` for
a model with several commands) is what the entry point loads for ``liepoisson run MODEL``.
The parts the command-line runs share (options, runs, reports, the table and the
invariant-error plot) are in :mod:`liepoisson_models._cli`. This file imports nothing;
submodules load on demand:

``liepoisson_models.rigid_body``
    :class:`~liepoisson_models.rigid_body.RigidBody` on so(3)* and
    :func:`~liepoisson_models.rigid_body.exact_solution`, the exact solution of Euler's
    equations by Jacobi elliptic functions (``liepoisson run rigid-body``, the default).
``liepoisson_models.heavy_top``
    :class:`~liepoisson_models.heavy_top.HeavyTop` on se(3)*,
    :func:`~liepoisson_models.heavy_top.lagrange_top` and its extra integral
    :func:`~liepoisson_models.heavy_top.lagrange_integral` (``liepoisson run heavy-top``).
``liepoisson_models.nls``
    The nonlinear Schrödinger equation on u(N)*: :class:`~liepoisson_models.nls.GraphNLS`,
    :class:`~liepoisson_models.nls.PeriodicNLS`, the
    :class:`~liepoisson_models.nls.LiePoissonSplitting` and exact solutions (solitons,
    breathers, the two-soliton collision shifts) (``liepoisson run nls`` and
    ``liepoisson run graph-nls``).
``liepoisson_models.deep_learning``
    Residual networks trained as optimal control: the Pontryagin system on heisenberg(N d)
    (:class:`~liepoisson_models.deep_learning.PontryaginSystem`), the exact discrete
    gradient from the costate sweep, and scikit-learn estimators
    (:class:`~liepoisson_models.deep_learning.ResNetClassifier`)
    (``liepoisson run deep-learning``).
``liepoisson_models.hydrodynamics``
    Training as mean-field control, quantum hydrodynamics and NLS, with their residuals
    (``liepoisson run hydrodynamics``).
"""
