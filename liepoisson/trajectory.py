"""The result of a run: saved times, states and invariants."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .exceptions import InvalidArgumentError

__all__ = ["Trajectory"]


def _frozen(a) -> np.ndarray:
    """``a`` as a read-only array: a copy, unless ``a`` is already a read-only array that
    owns its data (nothing else can write to it), which is kept as it is."""
    if type(a) is np.ndarray and a.base is None and not a.flags.writeable:
        return a
    a = np.array(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Trajectory:
    """Saved states of a run (immutable, final).

    Parameters
    ----------
    t : ndarray of shape (n_saved,)
        Times of the saved states (the initial state included).
    states : ndarray of shape (n_saved, ..., *shape)
        The saved states; a batch run keeps its batch axes after the time axis.
    invariant_values : dict of str to ndarray of shape (n_saved, ...)
        Energy (``"energy"``) and every Casimir at the saved states.
    metadata : dict
        JSON-serialisable description of the run (system, method, dt, n_steps, ...).
    complete : bool
        False when the run was interrupted before its last step.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import LiePoissonSystem, integrate, so3
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> traj = integrate(body, np.array([1.0, 0.5, -0.2]), dt=0.1, n_steps=100)
    >>> traj.states.shape
    (101, 3)
    >>> bool(traj.relative_invariant_errors()["|mu|^2"].max() < 1e-13)
    True
    """

    t: np.ndarray
    states: np.ndarray
    invariant_values: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    complete: bool = True

    def __post_init__(self):
        object.__setattr__(self, "t", _frozen(self.t))
        object.__setattr__(self, "states", _frozen(self.states))
        object.__setattr__(
            self, "invariant_values", {k: _frozen(v) for k, v in self.invariant_values.items()}
        )
        object.__setattr__(self, "metadata", dict(self.metadata))
        if self.states.shape[:1] != self.t.shape:
            raise InvalidArgumentError(
                f"states must have {len(self.t)} entries along axis 0 (one per time), "
                f"got shape {self.states.shape}"
            )

    def __len__(self) -> int:
        return len(self.t)

    @property
    def final(self) -> np.ndarray:
        """The last saved state."""
        return self.states[-1]

    def invariants(self) -> dict[str, np.ndarray]:
        """Energy and every Casimir at each saved time, arrays of shape ``(n_saved, ...)``."""
        return dict(self.invariant_values)

    def relative_invariant_errors(self) -> dict[str, np.ndarray]:
        """:math:`|I(t) - I(0)| / |I(0)|` for each invariant, shape ``(n_saved, ...)``.

        Where :math:`I(0) = 0` the absolute error is returned instead.
        """
        out = {}
        for key, values in self.invariant_values.items():
            ref = values[0]
            denom = np.where(np.abs(ref) > 0, np.abs(ref), 1.0)
            out[key] = np.abs(values - ref) / denom
        return out

    def max_relative_invariant_errors(self) -> dict[str, float]:
        """The maximum over time (and batch) of :meth:`relative_invariant_errors`."""
        return {k: float(np.max(v)) for k, v in self.relative_invariant_errors().items()}

    def save(self, path) -> Path:
        """Write the trajectory to a ``.npz`` file and return its path."""
        path = Path(path)
        arrays = {"t": self.t, "states": self.states}
        arrays.update({f"invariant::{k}": v for k, v in self.invariant_values.items()})
        meta = json.dumps({"metadata": self.metadata, "complete": self.complete})
        with open(path, "wb") as fh:
            np.savez(fh, __meta__=np.array(meta), **arrays)
        return path

    @classmethod
    def load(cls, path) -> "Trajectory":
        """Read a trajectory written by :meth:`save`."""
        path = Path(path)
        if not path.exists():
            raise InvalidArgumentError(f"path {str(path)!r} does not exist")
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            inv = {k.split("::", 1)[1]: data[k] for k in data.files if k.startswith("invariant::")}
            return cls(
                t=data["t"], states=data["states"], invariant_values=inv,
                metadata=meta["metadata"], complete=meta["complete"],
            )
