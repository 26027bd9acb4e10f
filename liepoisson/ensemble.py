"""Ensembles and parameter sweeps on Dask (:mod:`dask.distributed`).

:func:`integrate_ensemble` cuts a batch of initial states into chunks and integrates each
chunk with :func:`~liepoisson.integrate` on the workers of a Dask cluster (an embedded
:class:`~distributed.LocalCluster` by default, or any :class:`~distributed.Client`);
:func:`sweep` runs one integration per value of a parameter, each system built on a worker.

Every chunk takes the code path :func:`~liepoisson.integrate` takes on the whole batch: the
engine (compiled or numpy) is chosen once, on the whole batch, and imposed on every chunk.
The solvers of implicit steps stop each member by its own rule (on both engines), so the
result is bit-identical to :func:`~liepoisson.integrate` on the same batch whatever the
chunking and the number of workers (the one exception, a numpy-path step whose fixed point
fails and falls back to Newton on the whole chunk, is described in ``docs/cluster.rst``).

Tasks are pure functions of their inputs: when a worker dies, Dask recomputes its unfinished
chunks elsewhere and the result is the same. With ``checkpoint_dir`` each finished chunk is
also written (atomically) by the client, and a later run of the same ensemble resumes from
the files, recomputing only the missing chunks.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import _describe, check_int
from .exceptions import CheckpointError, InvalidArgumentError, StepError
from .trajectory import Trajectory

__all__ = ["integrate_ensemble", "sweep", "EnsembleSummary", "SweepResult"]

_REDUCTIONS = ("trajectory", "final")
#: Default number of members per chunk for the compiled path (a few seconds of work for a
#: small system over a few hundred steps) and the least number of chunks per worker.
_DEFAULT_CHUNK = 65536
_CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class EnsembleSummary:
    """What :func:`integrate_ensemble` keeps with ``reduce="final"``: memory of one state and
    a few numbers per member.

    Parameters
    ----------
    final : ndarray of shape (batch, *shape)
        The final state of each member.
    max_relative_invariant_errors : dict of str to ndarray of shape (batch,)
        Per member and invariant (energy and every Casimir), the largest relative error over
        the saved states (:meth:`Trajectory.relative_invariant_errors`).
    metadata : dict
        The run's description (as a :class:`Trajectory`'s, plus the chunking).
    """

    final: np.ndarray
    max_relative_invariant_errors: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SweepResult:
    """The result of :func:`sweep`, one entry per parameter value.

    Parameters
    ----------
    parameters : list
        The parameter values, in the order given.
    final : ndarray of shape (n_parameters, ..., *shape)
        The final state of each run.
    max_relative_invariant_errors : dict of str to ndarray of shape (n_parameters,)
        Per run and invariant, the largest relative error over time (and batch).
    trajectories : list of Trajectory or None
        The whole trajectories, when asked for (``trajectories=True``).
    """

    parameters: list
    final: np.ndarray
    max_relative_invariant_errors: dict
    trajectories: list | None = None


#: Options of an embedded :class:`~distributed.LocalCluster`: no dashboard, and the
#: scheduler's HTTP endpoints on a free port (not 8787), so that clusters started side by
#: side, or next to a dashboard already on 8787, do not clash.
HEADLESS_CLUSTER = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}}


# --------------------------------------------------------------------------------------
# Work done on the workers (module-level functions: Dask ships them by reference)


def _chunk_threads(threads_on_host: dict) -> int:
    """Threads one chunk may use on this worker: its host's cores shared among the worker
    threads of that host (all of them when not on a Dask worker)."""
    from .compiled.runner import _cores

    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return _cores()
    host = _host(worker.address)
    nthreads = getattr(getattr(worker, "state", worker), "nthreads", 1)
    return max(1, _cores() // max(1, threads_on_host.get(host, nthreads)))


def _host(address: str) -> str:
    """The host of a Dask address (``tcp://127.0.0.1:4567`` -> ``127.0.0.1``)."""
    return address.split("://")[-1].rsplit(":", 1)[0]


#: Systems unpickled on this worker, by the digest of their payload (the last few): the
#: chunks of one ensemble share one system object, hence its compiled callables (which are
#: remembered per function object), instead of compiling them again for every chunk.
_SYSTEMS: dict = {}
_SYSTEMS_KEPT = 4


def _loaded(payload: bytes):
    """The object serialised in ``payload``, unpickled once per worker process."""
    import hashlib

    import cloudpickle

    key = hashlib.sha256(payload).digest()
    obj = _SYSTEMS.pop(key, None)
    if obj is None:
        obj = cloudpickle.loads(payload)
    _SYSTEMS[key] = obj  # the most recent last
    while len(_SYSTEMS) > _SYSTEMS_KEPT:
        del _SYSTEMS[next(iter(_SYSTEMS))]
    return obj


def _integrate_chunk(payload: bytes, mu, start: int, dt, n_steps, method, save_every, engine,
                     reduce, threads_on_host):
    """Integrate members ``start .. start + len(mu) - 1`` (on a worker).

    Returns ``("ok", arrays, metadata)`` or, when the run fails, ``("failed", step, class
    name, message, traceback)``: a failure is part of the result (it is not retried)."""
    import traceback

    from .compiled.runner import thread_limit
    from .integrate import integrate

    try:
        system = _loaded(payload)
        with thread_limit(_chunk_threads(threads_on_host)):
            traj = integrate(system, mu, dt, n_steps, method=method, save_every=save_every,
                             engine=engine)
    except Exception as exc:  # reported to the client with the members and the step
        return ("failed", getattr(exc, "step", None), type(exc).__name__, str(exc),
                traceback.format_exc())
    return ("ok", _reduced(traj, reduce), traj.metadata)


def _reduced(traj: Trajectory, reduce: str) -> dict:
    """The arrays kept of a chunk's trajectory (batch axis first for ``"final"``)."""
    if reduce == "final":
        arrays = {"final": np.asarray(traj.final)}
        for key, err in traj.relative_invariant_errors().items():
            arrays["error::" + key] = err.reshape(err.shape[0], err.shape[1], -1).max(axis=(0, 2))
        return arrays
    arrays = {"t": np.asarray(traj.t), "states": np.asarray(traj.states)}
    arrays.update({"invariant::" + k: np.asarray(v) for k, v in traj.invariant_values.items()})
    return arrays


def _sweep_run(make_payload: bytes, parameter, mu0, dt, n_steps, method, save_every, engine,
               keep_trajectory):
    """One run of :func:`sweep` (on a worker): ``("ok", final, errors, trajectory or None)``
    or ``("failed", step, class name, message, traceback)``."""
    import traceback

    import cloudpickle

    from .integrate import integrate

    try:
        system = cloudpickle.loads(make_payload)(parameter)
        traj = integrate(system, mu0, dt, n_steps, method=method, save_every=save_every,
                         engine=engine)
    except Exception as exc:
        return ("failed", getattr(exc, "step", None), type(exc).__name__, str(exc),
                traceback.format_exc())
    return ("ok", np.asarray(traj.final), traj.max_relative_invariant_errors(),
            traj if keep_trajectory else None)


# --------------------------------------------------------------------------------------
# The client side


def _payload(obj, name: str) -> bytes:
    """``obj`` serialised with cloudpickle (closures and lambdas included).

    Raises
    ------
    InvalidArgumentError
        When ``obj`` cannot be serialised; the message names the argument and the cause.
    """
    import cloudpickle

    try:
        return cloudpickle.dumps(obj)
    except Exception as exc:
        raise InvalidArgumentError(
            f"{name} cannot be sent to the workers: serialising {_describe(obj)} with "
            f"cloudpickle failed ({type(exc).__name__}: {exc}); build it from picklable "
            "parts (module-level functions, lambdas, arrays), not from open files, locks or "
            "live connections") from exc


@contextlib.contextmanager
def _client_for(client, n_tasks: int):
    """The Dask client to run on: ``client`` itself, the current default client, or one on an
    embedded :class:`~distributed.LocalCluster` of one single-threaded process worker per
    core (at most one per task), closed on exit."""
    from distributed import Client, LocalCluster

    if client is not None:
        if not isinstance(client, Client):
            raise InvalidArgumentError(
                f"client must be a dask.distributed.Client or None, got {_describe(client)}")
        yield client
        return
    try:
        from distributed import default_client

        yield default_client()
        return
    except ValueError:  # no client: start an embedded cluster
        pass
    from .compiled.runner import _cores

    workers = max(1, min(_cores(), n_tasks))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      **HEADLESS_CLUSTER) as cluster, Client(cluster) as local:
        yield local


def _threads_on_hosts(client) -> dict:
    """Worker threads per host of the cluster (chunks share a host's cores among them)."""
    counts: dict = {}
    for address, info in client.scheduler_info().get("workers", {}).items():
        host = _host(address)
        counts[host] = counts.get(host, 0) + int(info.get("nthreads", 1))
    return counts


def _gather(client, futures: dict, progress: bool, desc: str, handle) -> None:
    """Wait for ``futures`` (future -> key), calling ``handle(key, result)`` as each
    completes, with a tqdm bar when ``progress``; each result is released once handled."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    with tqdm(total=len(futures), disable=not progress, desc=desc, unit="chunk") as bar:
        for future in as_completed(list(futures)):
            key = futures.pop(future)
            handle(key, future.result())
            future.release()
            bar.update(1)


def _failure(what: str, result) -> StepError:
    """The library error for the failed run ``what`` (a worker's ``("failed", ...)``)."""
    _, step, cls, message, tb = result
    at = "" if step is None else f" at step {step}"
    return StepError(f"{what} failed{at}: {cls}: {message}\n--- on the worker:\n{tb}",
                     step=step)


def _check_reduce(reduce) -> str:
    if reduce not in _REDUCTIONS:
        raise InvalidArgumentError(f"reduce must be one of {_REDUCTIONS}, got {_describe(reduce)}")
    return reduce


def _chunks(batch: int, chunk_size, n_workers_hint: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each chunk of a batch."""
    if chunk_size is None:
        chunk_size = min(_DEFAULT_CHUNK,
                         max(1, -(-batch // (_CHUNKS_PER_WORKER * max(1, n_workers_hint)))))
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    return [(a, min(batch, a + chunk_size)) for a in range(0, batch, chunk_size)]


class _ChunkFiles:
    """The finished chunks of one ensemble in ``checkpoint_dir``: ``run.json`` (the run's
    fingerprint and chunking) and ``chunk-START-STOP.npz`` per chunk, each written to a
    temporary file and moved into place with :func:`os.replace`."""

    def __init__(self, directory, fingerprint: str, chunks, reduce: str):
        self.enabled = directory is not None
        if not self.enabled:
            return
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CheckpointError(f"checkpoint_dir {str(self.dir)!r} cannot be created: {exc}") from exc
        head = {"fingerprint": fingerprint, "chunks": [list(c) for c in chunks], "reduce": reduce}
        path = self.dir / "run.json"
        if path.exists():
            try:
                stored = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise CheckpointError(f"checkpoint file {str(path)!r} is corrupt: {exc}") from exc
            if stored != head:
                raise CheckpointError(
                    f"checkpoint_dir {str(self.dir)!r} belongs to another ensemble (another "
                    "system, initial states, method, dt, n_steps, save_every, chunking or "
                    "reduction); use a new directory")
        else:
            self._atomic(path, lambda fh: fh.write(json.dumps(head).encode()))

    def _path(self, chunk) -> Path:
        return self.dir / f"chunk-{chunk[0]:010d}-{chunk[1]:010d}.npz"

    def _atomic(self, path: Path, write) -> None:
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        try:
            with open(tmp, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
        except OSError as exc:
            raise CheckpointError(f"checkpoint file {str(path)!r} cannot be written: {exc}") from exc

    def load(self, chunk):
        """The arrays and metadata of a finished chunk, or None."""
        if not self.enabled or not self._path(chunk).exists():
            return None
        path = self._path(chunk)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["__meta__"]))
                return {k: data[k] for k in data.files if k != "__meta__"}, meta
        except Exception as exc:
            raise CheckpointError(f"checkpoint file {str(path)!r} is corrupt: {exc}") from exc

    def save(self, chunk, arrays: dict, meta: dict) -> None:
        if self.enabled:
            self._atomic(self._path(chunk), lambda fh: np.savez(
                fh, __meta__=np.array(json.dumps(meta)), **arrays))


def _resolved(system, mu0, dt, n_steps, method, save_every, engine):
    """The validated arguments, the method for the system and the engine imposed on every
    chunk (``"compiled"`` or ``"numpy"``: the choice :func:`integrate` makes on the batch)."""
    from .integrate import _checked_arguments, _select_engine

    system, mu, dt, n_steps, method, save_every, _ = _checked_arguments(
        system, mu0, dt, n_steps, method, save_every, None)
    method = method.for_system(system, mu)
    runner, _ = _select_engine(engine, method, system, mu, dt, n_steps)
    return system, mu, dt, n_steps, method, save_every, "numpy" if runner is None else "compiled"


def integrate_ensemble(system, mu0, dt, n_steps, method=None, save_every: int = 1,
                       chunk_size: int | None = None, client=None, checkpoint_dir=None,
                       progress: bool = False, reduce: str = "trajectory",
                       engine: str = "auto"):
    """Integrate a batch of initial states in chunks on a Dask cluster.

    Parameters
    ----------
    system : LiePoissonSystem
        Sent to the workers with cloudpickle (systems built from lambdas and closures
        included).
    mu0 : array_like of shape (batch, *shape)
        The initial states; axis 0 is cut into chunks.
    dt, n_steps, method, save_every, engine
        As for :func:`~liepoisson.integrate`. The engine is chosen once on the whole batch
        and imposed on every chunk.
    chunk_size : int, optional
        Members per chunk (default: four chunks per worker, at most 65536 members each).
        A chunk is the unit of work, of recomputation after a failure and of checkpointing.
    client : distributed.Client, optional
        The cluster to run on. Default: the current Dask client if there is one, else an
        embedded :class:`~distributed.LocalCluster` (one single-threaded process worker per
        core), started for this call and closed after it.
    checkpoint_dir : str or Path, optional
        Directory where the client writes each finished chunk (atomically: a temporary file
        moved into place). A later call with the same arguments and directory loads the
        finished chunks and computes only the others (``metadata["chunks_resumed"]`` and
        ``metadata["chunks_computed"]`` count them).
    progress : bool
        A tqdm bar over the chunks as they complete.
    reduce : {"trajectory", "final"}
        ``"trajectory"`` gathers every saved state into one :class:`Trajectory` of states
        shape ``(n_saved, batch, *shape)``; ``"final"`` keeps only the final states and the
        per-member maximal invariant errors (an :class:`EnsembleSummary`), so that memory is
        bounded by the chunk size times the saved states.

    Returns
    -------
    Trajectory or EnsembleSummary
        Bit-identical to ``integrate(system, mu0, ...)`` whatever ``chunk_size`` and the
        cluster (see the module's notes).

    Raises
    ------
    InvalidArgumentError, ShapeError, NonFiniteError
        For invalid arguments, or a system that cannot be serialised.
    CheckpointError
        When ``checkpoint_dir`` belongs to another ensemble, or a file is corrupt or cannot be
        written.
    StepError
        When a chunk fails on a worker: the message names the members of the chunk, the
        step and the original error (with the worker's traceback); ``step`` is set.

    Examples
    --------
    >>> import numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from liepoisson import LiePoissonSystem, integrate, integrate_ensemble, so3
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> mu0 = np.random.default_rng(0).normal(size=(10, 3))
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster, \\
    ...         Client(cluster) as client:
    ...     ens = integrate_ensemble(body, mu0, 0.1, 20, chunk_size=4, client=client,
    ...                              engine="numpy")
    >>> ens.states.shape
    (21, 10, 3)
    >>> single = integrate(body, mu0, 0.1, 20, engine="numpy")
    >>> bool(np.array_equal(ens.states, single.states))
    True
    """
    from .checkpoint import run_fingerprint

    reduce = _check_reduce(reduce)
    system, mu, dt, n_steps, method, save_every, engine = _resolved(
        system, mu0, dt, n_steps, method, save_every, engine)
    if mu.ndim != len(system.state_shape) + 1:
        raise InvalidArgumentError(
            f"mu0 must have shape (batch, *{tuple(system.state_shape)}), got shape {mu.shape}")
    payload = _payload(system, "system")
    fingerprint = run_fingerprint(system, mu, dt, n_steps, method, save_every,
                                  engine == "compiled")
    chunk_hint = None if chunk_size is None else check_int("chunk_size", chunk_size, minimum=1)
    outcome: dict = {}
    meta_of: dict = {}

    def keep(chunk, result):
        if result[0] == "failed":
            raise _failure(f"ensemble members {chunk[0]}..{chunk[1] - 1} (chunk of "
                           f"{chunk[1] - chunk[0]})", result)
        outcome[chunk], meta_of[chunk] = result[1], result[2]
        files.save(chunk, result[1], result[2])

    resumed = 0
    with _client_for(client, len(mu)) as dask_client:
        hosts = _threads_on_hosts(dask_client)
        chunks = _chunks(len(mu), chunk_hint, sum(hosts.values()))
        files = _ChunkFiles(checkpoint_dir, fingerprint, chunks, reduce)
        futures = {}
        for chunk in chunks:
            stored = files.load(chunk)
            if stored is not None:
                outcome[chunk], meta_of[chunk] = stored
                resumed += 1
                continue
            future = dask_client.submit(
                _integrate_chunk, payload, mu[chunk[0]:chunk[1]], chunk[0], dt, n_steps,
                method, save_every, engine, reduce, hosts, pure=False,
                key=f"liepoisson-chunk-{fingerprint[:16]}-{chunk[0]}-{chunk[1]}")
            futures[future] = chunk
        try:
            _gather(dask_client, futures, progress, "ensemble", keep)
        finally:
            for future in futures:
                future.cancel()
    meta = dict(meta_of[chunks[0]])
    meta.update(batch=len(mu), chunks=len(chunks), chunks_resumed=resumed,
                chunks_computed=len(chunks) - resumed, engine=engine)
    parts = [outcome[c] for c in chunks]
    if reduce == "final":
        errors = {k.split("::", 1)[1]: np.concatenate([p[k] for p in parts])
                  for k in parts[0] if k.startswith("error::")}
        return EnsembleSummary(final=np.concatenate([p["final"] for p in parts]),
                               max_relative_invariant_errors=errors, metadata=meta)
    invariants = {k.split("::", 1)[1]: np.concatenate([p[k] for p in parts], axis=1)
                  for k in parts[0] if k.startswith("invariant::")}
    return Trajectory(t=parts[0]["t"], states=np.concatenate([p["states"] for p in parts], axis=1),
                      invariant_values=invariants, metadata=meta, complete=True)


def sweep(make_system, parameters, mu0, dt, n_steps, method=None, save_every: int = 1,
          client=None, trajectories: bool = False, progress: bool = False,
          engine: str = "auto") -> SweepResult:
    """One integration per parameter value, each system built on a worker.

    Parameters
    ----------
    make_system : callable
        ``make_system(parameter)`` returns the :class:`LiePoissonSystem` of one value;
        shipped with cloudpickle and called on the worker.
    parameters : sequence
        Picklable parameter values (numbers, tuples, arrays, ...).
    mu0 : array_like of shape (*shape,) or (batch, *shape)
        The initial state(s), the same for every run.
    dt, n_steps, method, save_every, engine
        As for :func:`~liepoisson.integrate`.
    client : distributed.Client, optional
        As for :func:`integrate_ensemble`.
    trajectories : bool
        Also return every run's whole :class:`Trajectory` (memory: all saved states).
    progress : bool
        A tqdm bar over the runs as they complete.

    Returns
    -------
    SweepResult

    Raises
    ------
    InvalidArgumentError
        For an empty ``parameters``, a ``make_system`` that is not callable or cannot be
        serialised.
    StepError
        When a run fails on a worker (building the system or integrating it): the message
        names the parameter, the step and the original error.

    Examples
    --------
    >>> import numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from liepoisson import LiePoissonSystem, so3, sweep
    >>> def body(i3):
    ...     I = np.array([1.0, 2.0, i3])
    ...     return LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                             gradient=lambda m: m / I)
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster, \\
    ...         Client(cluster) as client:
    ...     result = sweep(body, [2.5, 3.0, 3.5], [1.0, 0.5, -0.2], 0.1, 50, client=client)
    >>> result.final.shape
    (3, 3)
    >>> bool(result.max_relative_invariant_errors["|mu|^2"].max() < 1e-13)
    True
    """
    if not callable(make_system):
        raise InvalidArgumentError(f"make_system must be callable, got {_describe(make_system)}")
    parameters = list(parameters)
    if not parameters:
        raise InvalidArgumentError("parameters must hold at least one value, got an empty sequence")
    payload = _payload(make_system, "make_system")
    for p in parameters:
        _payload(p, "each parameter")
    mu0 = np.asarray(mu0, dtype=float)
    found: dict = {}

    def keep(index, result):
        if result[0] == "failed":
            raise _failure(f"the run of parameter {parameters[index]!r} (index {index})", result)
        found[index] = result[1:]

    with _client_for(client, len(parameters)) as dask_client:
        futures = {dask_client.submit(_sweep_run, payload, p, mu0, dt, n_steps, method,
                                      save_every, engine, trajectories, pure=False): i
                   for i, p in enumerate(parameters)}
        try:
            _gather(dask_client, futures, progress, "sweep", keep)
        finally:
            for future in futures:
                future.cancel()
    runs = [found[i] for i in range(len(parameters))]
    errors = {k: np.array([r[1][k] for r in runs]) for k in runs[0][1]}
    return SweepResult(parameters=parameters, final=np.stack([r[0] for r in runs]),
                       max_relative_invariant_errors=errors,
                       trajectories=[r[2] for r in runs] if trajectories else None)

