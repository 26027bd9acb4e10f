"""Deep learning as hydrodynamics: from the training problem to quantum hydrodynamics and NLS.

With noise :math:`\\sigma` on the samples, training a residual network as mean-field-type
control gives a forward Fokker–Planck equation for the data density :math:`\\rho` and a
backward HJB equation for the value :math:`\\varphi` (:mod:`~liepoisson_models.hydrodynamics.control`).
The osmotic transform :math:`S = \\varphi - \\frac{\\sigma^2}2\\log\\rho` turns them into
quantum hydrodynamics with :math:`\\hbar = \\sigma^2` (:mod:`~liepoisson_models.hydrodynamics.fields`),
a Lie–Poisson system for :math:`(m, \\rho)` (:mod:`~liepoisson_models.hydrodynamics.qhd`), and the
Madelung transform :math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` into a Schrödinger equation:
in imaginary time for plain stochastic control, in real time (NLS) when the cost has the
negative Fisher term and the flow is irrotational. Every arrow is computed on a periodic
grid and checked by residuals (:mod:`~liepoisson_models.hydrodynamics.residuals`); the
linear–quadratic Gaussian case (:class:`LinearQuadratic`) gives closed forms.

See ``docs/models/hydrodynamics.rst`` and ``theory/hydrodynamics.md`` of the design notes.
"""

from .control import (
    HJB_SCHEMES,
    OPTIMALITY_METHODS,
    ControlSolution,
    MeanFieldControl,
    face_velocities,
    face_velocities_from_field,
    hopf_cole,
    solve_fokker_planck,
    solve_hjb,
    solve_optimality,
)
from .fields import (
    DENSITY_FLOOR,
    bohm_potential,
    current,
    fisher_information,
    inverse_madelung,
    inverse_osmotic_transform,
    log_density,
    madelung,
    momentum,
    osmotic_transform,
    osmotic_velocity,
    velocity,
)
from .grid import DERIVATIVES, MASS_RTOL, PeriodicGrid, normalize_density
from .lq import LinearQuadratic
from .network import (
    PARTICLE_SCHEMES,
    RESIDUAL_TOLERANCE,
    NetworkFlow,
    NetworkHydrodynamics,
    gradient_network_hydrodynamics,
    kernel_density,
    network_density_flow,
    network_fokker_planck,
    network_velocity,
    noisy_network_particles,
)
from .particles import (
    grid_velocity,
    histogram_density,
    interpolate_periodic,
    kde_density,
    sample_density,
    simulate_particles,
)
from .qhd import (
    QuantumHydrodynamics,
    coadjoint,
    from_nls,
    grid_of,
    lie_poisson_bracket,
    pairing,
    semidirect_bracket,
)
from .systems import MadelungChart, QHDSystem
from .shooting import PhaseShooting, ShootingResult, align_phase_in_time, solve_real_time
from .residuals import (
    TIME_DIRECTIONS,
    continuity_residual,
    momentum_flux_divergence,
    quantum_euler_residual,
    quantum_hj_residual,
    schrodinger_residual,
    time_derivative,
    weighted_norm,
)

__all__ = [
    # grid
    "PeriodicGrid",
    "DERIVATIVES",
    "MASS_RTOL",
    "normalize_density",
    # fields
    "DENSITY_FLOOR",
    "velocity",
    "momentum",
    "log_density",
    "fisher_information",
    "bohm_potential",
    "osmotic_velocity",
    "osmotic_transform",
    "inverse_osmotic_transform",
    "madelung",
    "inverse_madelung",
    "current",
    # control
    "MeanFieldControl",
    "ControlSolution",
    "HJB_SCHEMES",
    "face_velocities",
    "face_velocities_from_field",
    "solve_fokker_planck",
    "solve_hjb",
    "solve_optimality",
    "OPTIMALITY_METHODS",
    "hopf_cole",
    # the real-time problem
    "PhaseShooting",
    "ShootingResult",
    "solve_real_time",
    "align_phase_in_time",
    # particles
    "simulate_particles",
    "sample_density",
    "interpolate_periodic",
    "grid_velocity",
    "histogram_density",
    "kde_density",
    # residuals
    "TIME_DIRECTIONS",
    "time_derivative",
    "weighted_norm",
    "continuity_residual",
    "momentum_flux_divergence",
    "quantum_hj_residual",
    "quantum_euler_residual",
    "schrodinger_residual",
    # quantum hydrodynamics
    "QHDSystem",
    "MadelungChart",
    "QuantumHydrodynamics",
    "semidirect_bracket",
    "coadjoint",
    "pairing",
    "lie_poisson_bracket",
    "grid_of",
    "from_nls",
    # the network link
    "RESIDUAL_TOLERANCE",
    "PARTICLE_SCHEMES",
    "network_velocity",
    "network_fokker_planck",
    "noisy_network_particles",
    "kernel_density",
    "NetworkFlow",
    "network_density_flow",
    "NetworkHydrodynamics",
    "gradient_network_hydrodynamics",
    # closed form
    "LinearQuadratic",
]
