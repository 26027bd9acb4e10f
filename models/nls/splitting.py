"""The Lie–Poisson splitting of the NLS, in the potential/kinetic form of split-step methods.

The integrator is the core's :class:`~liepoisson.LiePoissonSplitting`, run on the two exact
flows that :meth:`NLSSystem.split_flows <liepoisson_models.nls.NLSSystem.split_flows>`
provides (potential first, kinetic second); this module only states its schemes in the
form usual for split-step Fourier methods.
"""

from __future__ import annotations

from liepoisson import LiePoissonSplitting
from liepoisson.integrators.composition import COMPOSITIONS
from liepoisson.integrators.splitting import splitting_stages

__all__ = ["LiePoissonSplitting", "SPLITTING_SCHEMES"]


def _potential_and_kinetic(composition) -> tuple[tuple[float, ...], tuple[float, ...]]:
    stages = splitting_stages(composition, 2)
    return tuple(c for piece, c in stages if piece == 0), tuple(c for piece, c in stages if piece == 1)


#: ``(order, composition) -> (potential coefficients, kinetic coefficients)``: one step of
#: size :math:`\tau` of ``LiePoissonSplitting(order, composition)`` on an NLS system is
#: :math:`V_{a_0\tau} K_{b_0\tau} V_{a_1\tau} \cdots K_{b_{m-1}\tau} V_{a_m\tau}` (potential
#: flows first and last: they are the cheap ones), for every composition of
#: :data:`liepoisson.integrators.composition.COMPOSITIONS`.
SPLITTING_SCHEMES = {key: _potential_and_kinetic(c) for key, c in COMPOSITIONS.items()}
