"""Checkpoints of :func:`liepoisson.integrate`: the progress of a run, written as it goes
and read back (validated) to resume it.

A run's :class:`RunProgress` (steps done, current state, and the saved states in an array
preallocated for the whole run) is what a checkpoint holds. A :class:`Checkpoint` keeps it
in two files:

* ``<path>.states.npy``, a ``.npy`` array of every state the run will save, preallocated
  when the run starts; each write only adds the rows saved since the previous write, in
  place, so the cost of checkpointing is proportional to what is new (not to what was saved);
* ``<path>`` itself, a small ``.npz`` header (fingerprint of the run, step, current state,
  number of valid rows and their CRC-32, and a digest of all of these), replaced atomically
  (temporary file and :func:`os.replace`) *after* the rows it counts are written, so an
  interrupted write never leaves a header that promises rows it does not have.

On resume the header is checked against the run (:func:`run_fingerprint`: the algebra's
structure, the Hamiltonian and its gradient probed at fixed points, the integrator's
parameters, ``dt``, ``n_steps``, ``save_every``, the initial state) and its content is
validated (digest, step in range, shapes, dtypes, finiteness, the rows' CRC); a file that
fails any check raises :class:`~liepoisson.exceptions.CheckpointError` naming it.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from liepoisson.checkpoint import Checkpoint, RunProgress
>>> path = pathlib.Path(tempfile.mkdtemp()) / "run.npz"
>>> store = Checkpoint(path, "abc", every=1)
>>> progress = store.resume(np.zeros(3), n_steps=4, save_every=2)
>>> progress.advance(np.ones(3))
>>> progress.advance(2 * np.ones(3))
>>> store.write(progress)
>>> resumed = Checkpoint(path, "abc", every=1).resume(np.zeros(3), n_steps=4, save_every=2)
>>> resumed.done, resumed.saved_steps.tolist()
(2, [0, 2])
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import warnings
import zlib
from pathlib import Path
from typing import final

import numpy as np

from .exceptions import CheckpointError, InvalidArgumentError

__all__ = ["RunProgress", "Checkpoint", "run_fingerprint", "saved_count"]

#: Identifies the files of this layout (older single-file checkpoints are refused).
_FORMAT = "liepoisson-checkpoint-2"
#: Algebras with at most this many entries per element have their bracket, coadjoint action
#: and dexp^-1 probed in the fingerprint; larger ones are identified by name and shape.
_PROBED_ALGEBRA_SIZE = 4096


# ------------------------------------------------------------------ fingerprint
def _feed(h, value) -> None:
    """Add a canonical, process-independent encoding of ``value`` to the hash ``h``
    (arrays and floats bit-exactly)."""
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.ascontiguousarray(value)
        h.update(f"array{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    elif isinstance(value, float):
        h.update(b"float" + value.hex().encode())
    elif isinstance(value, complex):
        h.update(b"complex" + value.real.hex().encode() + value.imag.hex().encode())
    elif value is None or isinstance(value, (bool, int, str, bytes)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, (tuple, list)):
        h.update(f"{type(value).__name__}[{len(value)}](".encode())
        for item in value:
            _feed(h, item)
        h.update(b")")
    elif isinstance(value, dict):
        h.update(f"dict[{len(value)}](".encode())
        for key in sorted(value, key=repr):
            _feed(h, key)
            _feed(h, value[key])
        h.update(b")")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(f"{type(value).__module__}.{type(value).__qualname__}(".encode())
        for f in dataclasses.fields(value):
            _feed(h, f.name)
            _feed(h, getattr(value, f.name))
        h.update(b")")
    else:  # an object without a canonical encoding: its type, and its repr if stable
        text = repr(value)
        stable = " at 0x" not in text
        h.update(f"{type(value).__module__}.{type(value).__qualname__}:"
                 f"{text if stable else ''};".encode())


def _probe(h, fn, *args) -> None:
    """Hash ``fn(*args)`` bit-exactly, or the type of the exception it raises."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(*args)
        if isinstance(out, dict):
            _feed(h, {k: np.asarray(v) for k, v in out.items()})
        else:
            _feed(h, np.asarray(out))
    except Exception as exc:  # the failure itself characterises the callable
        _feed(h, f"raised {type(exc).__qualname__}")


def _seeded(shape, dtype, seed: int) -> np.ndarray:
    """Fixed pseudo-random entries of ``shape`` (complex for complex ``dtype``)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _feed_algebra(h, algebra) -> None:
    """The algebra's identity and, for small elements, its structure: the bracket, the
    coadjoint action and dexp^-1* on fixed elements."""
    _feed(h, (type(algebra).__module__, type(algebra).__qualname__, algebra.name,
              tuple(algebra.shape), np.dtype(algebra.dtype).str, int(algebra.dim)))
    if int(np.prod(algebra.shape)) > _PROBED_ALGEBRA_SIZE:
        return
    x = 0.5 * _seeded(tuple(algebra.shape), algebra.dtype, 1)
    y = _seeded(tuple(algebra.shape), algebra.dtype, 2)
    _probe(h, algebra.bracket, x, y)
    _probe(h, algebra.coadjoint_exp, x, y)
    _probe(h, algebra.dexpinv_star, x, y)


def _feed_system(h, system, mu0: np.ndarray) -> None:
    """The system's type, name and chart, and its Hamiltonian (with the Casimirs, through
    :meth:`~liepoisson.LiePoissonSystem.invariants`), vector field and gradient (and exact
    second derivatives, when given) at two fixed states near the first initial state."""
    _feed(h, (type(system).__module__, type(system).__qualname__, system.name,
              tuple(system.state_shape), type(system.chart).__qualname__))
    _feed_algebra(h, system.algebra)
    state_shape = tuple(system.state_shape)
    first = mu0.reshape((-1,) + state_shape)[0] if mu0.size else np.zeros(state_shape, mu0.dtype)
    scale = max(1.0, float(np.max(np.abs(first)))) if first.size else 1.0
    direction = _seeded(state_shape, first.dtype, 3)
    for state in (first, first + 0.125 * scale * direction):
        _probe(h, system.invariants, state)
        _probe(h, system.state_vector_field, state)
        if system.chart is None:  # the state is the covector: one gradient evaluation
            _probe(h, system.gradient, state)
            if system.has_exact_hessian_vector:
                _probe(h, system.hessian_vector, state, direction)
            if system.has_exact_second_derivatives:
                _probe(h, system.third_derivative, state, direction, direction)


def run_fingerprint(system, mu0, dt, n_steps, method, save_every, compiled) -> str:
    """A hash of everything that determines a run's states.

    It covers the system (type, name, chart; the algebra's name, shape and, for elements of
    at most 4096 entries, its bracket, coadjoint action and :math:`\\mathrm{dexp}^{-1}`
    evaluated on fixed elements; the Hamiltonian, Casimirs, vector field, gradient and
    user-supplied second derivatives evaluated bit-exactly at two fixed states near the
    initial state), the initial state (bytes, shape, dtype), ``dt``, ``n_steps``, the
    integrator (its type and every dataclass field), ``save_every`` and whether the
    compiled path runs. Two systems that differ only in a parameter of their Hamiltonian
    (even in its last bit) therefore have different fingerprints.

    Parameters
    ----------
    system : LiePoissonSystem
    mu0 : ndarray of shape (..., *state_shape)
    dt : float
    n_steps, save_every : int
    method : Integrator
    compiled : bool

    Returns
    -------
    str
        A SHA-256 hex digest.
    """
    h = hashlib.sha256()
    mu0 = np.asarray(mu0)
    _feed(h, mu0)
    _feed(h, (float(dt), int(n_steps), int(save_every), bool(compiled)))
    _feed(h, (type(method).__module__, type(method).__qualname__))
    if dataclasses.is_dataclass(method):
        _feed(h, method)
    else:
        _feed(h, (repr(method), dict(sorted(vars(method).items())) if hasattr(method, "__dict__") else None))
    _feed_system(h, system, mu0)
    return h.hexdigest()


# ------------------------------------------------------------------ progress
def saved_count(done: int, n_steps: int, save_every: int) -> int:
    """Number of states a run saves in its first ``done`` steps: the initial state, every
    ``save_every``-th and the last.

    Examples
    --------
    >>> saved_count(0, 10, 3), saved_count(9, 10, 3), saved_count(10, 10, 3)
    (1, 4, 5)
    """
    extra = 1 if done == n_steps and n_steps % save_every else 0
    return 1 + done // save_every + extra


@final
class RunProgress:
    """How far a run has come (final; mutable, owned by one run).

    The saved states live in an array allocated once for the whole run.

    Parameters
    ----------
    done : int
        Steps completed.
    mu : ndarray of shape (..., *state_shape)
        The state after ``done`` steps.
    states : ndarray of shape (saved_count(n_steps, n_steps, save_every), ..., *state_shape)
        Storage for every saved state; the first :attr:`count` rows are filled.
    n_steps, save_every : int

    Attributes
    ----------
    count : int
        Saved states so far (``saved_count(done, n_steps, save_every)``).
    """

    def __init__(self, done: int, mu: np.ndarray, states: np.ndarray, n_steps: int,
                 save_every: int):
        self.done = done
        self.mu = mu
        self.states = states
        self.n_steps = n_steps
        self.save_every = save_every
        self.count = saved_count(done, n_steps, save_every)

    @classmethod
    def start(cls, mu0: np.ndarray, n_steps: int, save_every: int) -> "RunProgress":
        """A run at step 0, with the initial state saved.

        Raises
        ------
        InvalidArgumentError
            If the saved states of the whole run do not fit in memory.
        """
        rows = saved_count(n_steps, n_steps, save_every)
        try:
            states = np.empty((rows,) + mu0.shape, dtype=mu0.dtype)
        except (MemoryError, ValueError) as exc:
            raise InvalidArgumentError(
                f"the run saves {rows} states of shape {mu0.shape} "
                f"({rows * mu0.nbytes / 2**30:.3g} GiB), which cannot be allocated ({exc}); "
                "increase save_every"
            ) from None
        states[0] = mu0
        return cls(0, mu0, states, n_steps, save_every)

    @property
    def saved_steps(self) -> np.ndarray:
        """Step indices of the saved states, shape ``(count,)``."""
        return np.minimum(np.arange(self.count) * self.save_every, self.n_steps)

    @property
    def saved_states(self) -> np.ndarray:
        """The saved states, a view of shape ``(count, ..., *state_shape)``."""
        return self.states[: self.count]

    def advance(self, mu: np.ndarray) -> None:
        """Record one more step, whose state is ``mu`` (saved when it falls due)."""
        self.done += 1
        self.mu = mu
        if self.done % self.save_every == 0 or self.done == self.n_steps:
            self.states[self.count] = mu
            self.count += 1

    def save(self, states: np.ndarray) -> None:
        """Record saved states computed elsewhere (a compiled chunk).

        Parameters
        ----------
        states : ndarray of shape (n, ..., *state_shape)
        """
        self.states[self.count : self.count + len(states)] = states
        self.count += len(states)


# ------------------------------------------------------------------ files
def _corrupt(path, why: str) -> CheckpointError:
    return CheckpointError(
        f"checkpoint {str(path)!r} is corrupt ({why}); remove it (and its '.states.npy' "
        "file) or choose another path"
    )


def _bytes(a: np.ndarray) -> np.ndarray:
    """The bytes of ``a`` (C order) as a flat uint8 array, without a copy when ``a`` is
    contiguous."""
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def _digest(fingerprint: str, step: int, count: int, crc: int, mu: np.ndarray) -> str:
    h = hashlib.sha256()
    _feed(h, (_FORMAT, fingerprint, int(step), int(count), int(crc)))
    _feed(h, mu)
    return h.hexdigest()


@final
class Checkpoint:
    """The checkpoint files of one run (final).

    Parameters
    ----------
    path : str, Path or None
        The header file; the saved states go to ``<path>.states.npy`` next to it. ``None``
        makes every method a no-op (a run without checkpoints).
    fingerprint : str
        :func:`run_fingerprint` of the run.
    every : int
        Steps between writes.
    """

    def __init__(self, path, fingerprint: str, every: int):
        self.path = Path(path) if path is not None else None
        self.fingerprint = fingerprint
        self.every = every
        self._written = 0  # rows of the states file that hold the run's saved states
        self._crc = 0  # CRC-32 of those rows
        self._offset = None  # bytes before the first row in the states file (None: not open)

    @property
    def enabled(self) -> bool:
        """Whether the run writes checkpoint files."""
        return self.path is not None

    @property
    def states_path(self) -> Path | None:
        """The file of the saved states, ``<path>.states.npy``."""
        return None if self.path is None else self.path.with_name(self.path.name + ".states.npy")

    def due(self, step: int, n_steps: int) -> bool:
        """Whether a checkpoint is written after ``step`` (every ``every`` steps and at the end)."""
        return step % self.every == 0 or step == n_steps

    def resume(self, mu0: np.ndarray, n_steps: int, save_every: int) -> RunProgress:
        """The progress stored in the files, or a fresh start from ``mu0`` if there are none.

        A fresh start creates the files at once (step 0), so that a path that cannot be
        written fails before the first step.

        Raises
        ------
        CheckpointError
            If the files belong to a different run, are corrupt (truncated, empty, altered,
            inconsistent with the run), or cannot be written.
        """
        progress = RunProgress.start(mu0, n_steps, save_every)
        if self.path is None:
            return progress
        if not self.path.exists():
            self._create(progress)
            return progress
        done, mu, count, crc = self._read_header(mu0, n_steps, save_every)
        self._read_states(progress.states, count, crc)
        progress.done, progress.mu, progress.count = done, mu, count
        self._written, self._crc = count, crc
        return progress

    def _read_header(self, mu0, n_steps, save_every):
        """Step, state, row count and CRC from the header, validated against the run."""
        path = self.path
        try:
            with np.load(path, allow_pickle=False) as data:
                fields = {key: data[key] for key in data.files}
            fmt = str(fields["format"])
            fingerprint = str(fields["fingerprint"])
            step, count, crc = int(fields["step"]), int(fields["count"]), int(fields["crc"])
            mu, digest = fields["mu"], str(fields["digest"])
        except KeyError as exc:
            raise _corrupt(path, f"no field {exc}: not a checkpoint of this version") from None
        except Exception as exc:  # truncated, empty, not a zip, bad CRC, wrong types...
            raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
        if fmt != _FORMAT:
            raise _corrupt(path, f"format {fmt!r}, expected {_FORMAT!r}")
        if digest != _digest(fingerprint, step, count, crc, mu):
            raise _corrupt(path, "its content does not match its digest: altered")
        if fingerprint != self.fingerprint:
            raise CheckpointError(
                f"checkpoint {str(path)!r} belongs to a different run (system, Hamiltonian, "
                "initial state, dt, n_steps, method or save_every differ); remove it or "
                "choose another path"
            )
        if not 0 <= step <= n_steps:
            raise _corrupt(path, f"step {step} is outside [0, {n_steps}]")
        if count != saved_count(step, n_steps, save_every):
            raise _corrupt(path, f"{count} saved states at step {step}, expected "
                                 f"{saved_count(step, n_steps, save_every)}")
        if mu.shape != mu0.shape or mu.dtype != mu0.dtype:
            raise _corrupt(path, f"state of shape {mu.shape} and dtype {mu.dtype}, expected "
                                 f"{mu0.shape} and {mu0.dtype}")
        if not np.all(np.isfinite(mu)):
            raise _corrupt(path, "its state is not finite")
        return step, mu, count, crc

    def _read_states(self, out: np.ndarray, count: int, crc: int) -> None:
        """Copy the first ``count`` rows of the states file into ``out``, validated."""
        path = self.states_path
        try:
            stored = np.load(path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            raise _corrupt(self.path, f"its states file {str(path)!r} is missing") from None
        except Exception as exc:
            raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
        if stored.shape != out.shape or stored.dtype != out.dtype:
            raise _corrupt(path, f"states of shape {stored.shape} and dtype {stored.dtype}, "
                                 f"expected {out.shape} and {out.dtype}")
        rows = stored[:count]
        if zlib.crc32(_bytes(rows)) != crc:
            raise _corrupt(path, f"the CRC-32 of its first {count} states does not match the header")
        out[:count] = rows
        if not np.all(np.isfinite(out[:count])):
            raise _corrupt(path, "its saved states are not finite")
        self._offset = stored.offset
        del stored, rows

    def _create(self, progress: RunProgress) -> None:
        """Create the states file (preallocated, sparse) and the header of step 0."""
        try:
            states = np.lib.format.open_memmap(self.states_path, mode="w+",
                                               dtype=progress.states.dtype,
                                               shape=progress.states.shape)
            self._offset = states.offset
            del states
        except OSError as exc:
            raise CheckpointError(f"checkpoint {str(self.path)!r} cannot be written: {exc}") from None
        self._written, self._crc = 0, 0
        self.write(progress)

    def write(self, progress: RunProgress) -> None:
        """Add the rows saved since the last write to the states file, then replace the
        header atomically (nothing without a path; the files are those opened by
        :meth:`resume`).

        Raises
        ------
        CheckpointError
            If the files cannot be written.
        InvalidArgumentError
            If :meth:`resume` has not opened the files.
        """
        if self.path is None:
            return
        if self._offset is None:
            raise InvalidArgumentError("Checkpoint.write needs the files opened by resume() first")
        new = np.ascontiguousarray(progress.states[self._written : progress.count])
        row_bytes = progress.states[0].nbytes
        tmp = self.path.with_name(self.path.name + ".tmp")
        crc = zlib.crc32(_bytes(new), self._crc)
        try:
            if new.size:
                with open(self.states_path, "r+b") as fh:
                    fh.seek(self._offset + self._written * row_bytes)
                    fh.write(_bytes(new))
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    format=np.array(_FORMAT),
                    fingerprint=np.array(self.fingerprint),
                    step=np.array(progress.done),
                    count=np.array(progress.count),
                    crc=np.array(crc, dtype=np.int64),
                    mu=progress.mu,
                    digest=np.array(_digest(self.fingerprint, progress.done, progress.count,
                                            crc, np.asarray(progress.mu))),
                )
            os.replace(tmp, self.path)
        except OSError as exc:
            raise CheckpointError(f"checkpoint {str(self.path)!r} cannot be written: {exc}") from None
        self._written, self._crc = progress.count, crc
