"""The models of this repository as the ``liepoisson`` command sees them.

:data:`MODELS` lists one :class:`~liepoisson.registry.ModelEntry` per model. The code of a
model's run lives in its own module (``models/cli_<model>.py``) and is imported only when
that model runs or its options are shown, so ``liepoisson list`` stays fast and one model's
import error does not affect the others. To add a model, write its module with
``add_arguments(parser)`` and ``run(options)`` and add one entry below.

Examples
--------
>>> from models.registry import MODELS
>>> [(m.name, m.default) for m in MODELS][:2]
[('rigid-body', True), ('heavy-top', False)]
"""

from __future__ import annotations

import importlib

from liepoisson.registry import ModelEntry

__all__ = ["MODELS"]


def _lazy(module: str, function: str):
    """A callable that imports ``module`` on first use and calls its ``function``."""

    def call(argument):
        return getattr(importlib.import_module(module), function)(argument)

    call.__name__ = call.__qualname__ = f"{module}.{function}"
    return call


def _entry(name: str, description: str, module: str, default: bool = False) -> ModelEntry:
    return ModelEntry(name, description, _lazy(module, "run"), _lazy(module, "add_arguments"),
                      default=default)


#: The models of ``liepoisson run MODEL``; ``rigid-body`` is the default.
MODELS = [
    _entry("rigid-body", "Free rigid body on so(3)*, against its exact solution and RK4.",
           "models.cli_rigid_body", default=True),
    _entry("heavy-top", "Heavy top on se(3)*: Casimirs and energy against RK4.",
           "models.cli_heavy_top"),
    _entry("deep-learning", "Residual network trained as optimal control (Pontryagin system, "
           "LP-HJ sweeps): test accuracy, gradient check, the data flowing through depth.",
           "models.deep_learning.cli"),
    _entry("nls", "NLS on a periodic grid (Lie-Poisson on u(N)*): soliton, breather or "
           "collision against the exact solution.", "models.cli_nls"),
    _entry("graph-nls", "Discrete NLS on a networkx graph: mass per node, invariants against "
           "RK4 and DOP853.", "models.cli_graph_nls"),
    _entry("hydrodynamics", "Training as mean-field control -> quantum hydrodynamics -> NLS: "
           "the LQ closed form in every representation, a trained gradient network's "
           "density, wavefunction and residuals.", "models.hydrodynamics.cli"),
]
