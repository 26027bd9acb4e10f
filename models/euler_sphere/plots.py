"""Vorticity on the sphere: maps of the functions the vorticity matrices stand for."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .quantization import grid_values
from .systems import EulerSphere

__all__ = ["PLOT_LMAX", "plot_vorticity"]

#: Largest degree drawn (the matrices of larger N are drawn band-limited to it).
PLOT_LMAX = 127


def plot_vorticity(system: EulerSphere, states: Sequence[np.ndarray], titles: Sequence[str],
                   path: Path, suptitle: str = "", n_lat: int = 91, n_lon: int = 181) -> Path:
    """Vorticity maps (Mollweide projection), one panel per state, on one colour scale.

    Each matrix is expanded in the real spherical harmonics
    (:meth:`EulerSphere.to_coefficients`, degrees up to ``min(n - 1, PLOT_LMAX)``) and
    evaluated on a latitude–longitude grid (:func:`~.quantization.grid_values`).

    Parameters
    ----------
    system : EulerSphere
    states : sequence of ndarray of shape (n, n)
        Vorticity matrices.
    titles : sequence of str
        One per state.
    path : Path
        The PNG file to write.
    suptitle : str
    n_lat, n_lon : int
        Grid size.

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    lmax = min(system.n - 1, PLOT_LMAX)
    fields = []
    for W in states:
        lat, lon, values = grid_values(system.to_coefficients(W, lmax), n_lat, n_lon)
        fields.append(values)
    bound = max(float(np.max(np.abs(f))) for f in fields) or 1.0
    fig = Figure(figsize=(5.0 * len(fields), 3.4), layout="constrained")
    axes = [fig.add_subplot(1, len(fields), i + 1, projection="mollweide")
            for i in range(len(fields))]
    for ax, values, title in zip(axes, fields, titles):
        mesh = ax.pcolormesh(lon, lat, values, cmap="RdBu_r", vmin=-bound, vmax=bound,
                             shading="auto", rasterized=True)
        ax.set_title(title, fontsize="medium")
        ax.set_xticklabels([])
        ax.grid(True, alpha=0.3)
    fig.colorbar(mesh, ax=axes, shrink=0.8, label="vorticity ω")
    if suptitle:
        fig.suptitle(suptitle, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)
