"""Checkpoints of :func:`liepoisson.integrate`: the progress of a run, written atomically
and read back to resume it.

A run's :class:`RunProgress` (steps done, current state, saved steps and states) is what a
checkpoint holds. A :class:`Checkpoint` writes it to an ``.npz`` file every ``every`` steps
(through a temporary file and :func:`os.replace`, so an interrupted write never leaves a
broken file) together with a fingerprint of the run (:func:`run_fingerprint`), and refuses
to resume from the file of another run.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from liepoisson.checkpoint import Checkpoint, RunProgress
>>> path = pathlib.Path(tempfile.mkdtemp()) / "run.npz"
>>> progress = RunProgress.start(np.zeros(3))
>>> progress.advance(np.ones(3), save=True)
>>> Checkpoint(path, "abc", every=1).write(progress)
>>> resumed = Checkpoint(path, "abc", every=1).resume(np.zeros(3))
>>> resumed.done, resumed.saved_steps
(1, [0, 1])
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import final

import numpy as np

from .exceptions import InvalidArgumentError

__all__ = ["RunProgress", "Checkpoint", "run_fingerprint"]


def run_fingerprint(system, mu0, dt, n_steps, method, save_every, compiled) -> str:
    """A hash of everything that determines a run's states: the system's name, the initial
    state (bytes, shape, dtype), ``dt``, ``n_steps``, the method's ``repr``, ``save_every``
    and whether the compiled path runs.

    Returns
    -------
    str
        A SHA-256 hex digest.
    """
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(mu0).tobytes())
    h.update(repr((system.name, str(mu0.shape), str(mu0.dtype), float(dt).hex(), n_steps,
                   repr(method), save_every, compiled)).encode())
    return h.hexdigest()


@final
@dataclass
class RunProgress:
    """How far a run has come (final; mutable, owned by one run).

    Attributes
    ----------
    done : int
        Steps completed.
    mu : ndarray of shape (..., *state_shape)
        The state after ``done`` steps.
    saved_steps : list of int
        Indices of the saved states.
    saved_states : list of ndarray
        The saved states.
    """

    done: int
    mu: np.ndarray
    saved_steps: list
    saved_states: list

    @classmethod
    def start(cls, mu0: np.ndarray) -> "RunProgress":
        """A run at step 0, with the initial state saved."""
        return cls(0, mu0, [0], [mu0.copy()])

    def advance(self, mu: np.ndarray, save: bool) -> None:
        """Record one more step, whose state is ``mu``, saving it when ``save``."""
        self.done += 1
        self.mu = mu
        if save:
            self.saved_steps.append(self.done)
            self.saved_states.append(mu.copy())

    def save(self, states: list, steps: list) -> None:
        """Record saved states computed elsewhere (a compiled chunk)."""
        self.saved_steps.extend(steps)
        self.saved_states.extend(states)


@final
class Checkpoint:
    """The checkpoint file of one run (final).

    Parameters
    ----------
    path : str, Path or None
        The file; ``None`` makes every method a no-op (a run without checkpoints).
    fingerprint : str
        :func:`run_fingerprint` of the run.
    every : int
        Steps between writes.
    """

    def __init__(self, path, fingerprint: str, every: int):
        self.path = Path(path) if path is not None else None
        self.fingerprint = fingerprint
        self.every = every

    @property
    def enabled(self) -> bool:
        """Whether the run writes a checkpoint file."""
        return self.path is not None

    def due(self, step: int, n_steps: int) -> bool:
        """Whether a checkpoint is written after ``step`` (every ``every`` steps and at the end)."""
        return step % self.every == 0 or step == n_steps

    def resume(self, mu0: np.ndarray) -> RunProgress:
        """The progress stored in the file, or a fresh start from ``mu0`` if there is none.

        Raises
        ------
        InvalidArgumentError
            If the file belongs to a different run.
        """
        if self.path is None or not self.path.exists():
            return RunProgress.start(mu0)
        with np.load(self.path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != self.fingerprint:
                raise InvalidArgumentError(
                    f"checkpoint {str(self.path)!r} belongs to a different run (system, initial "
                    "state, dt, n_steps, method or save_every differ); remove it or choose "
                    "another path"
                )
            return RunProgress(
                int(data["step"]),
                data["mu"],
                [int(s) for s in data["saved_steps"]],
                list(data["saved_states"]),
            )

    def write(self, progress: RunProgress) -> None:
        """Write ``progress`` atomically (nothing without a path)."""
        if self.path is None:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                fingerprint=np.array(self.fingerprint),
                step=np.array(progress.done),
                mu=progress.mu,
                saved_steps=np.array(progress.saved_steps, dtype=np.int64),
                saved_states=np.stack(progress.saved_states),
            )
        os.replace(tmp, self.path)
