"""Ensembles on Dask: 10^6 rigid bodies x 100 steps with
:func:`liepoisson.integrate_ensemble`, against one worker and against plain
:func:`liepoisson.integrate`, plus a worker killed halfway; ratios measured in one run.

Every run integrates the same batch with ``LiePoissonHJ`` on the compiled path
(``reduce="final"`` for the ensembles, ``save_every=n_steps`` for ``integrate``), and every
result is checked to be bit-identical to the first one. Compilation is not timed: each
process integrates a small batch first.

A worker stands for a machine: on this 2-core machine each worker process is pinned to one
core (``os.sched_setaffinity``), so that "2 workers against 1" measures how the work spreads
over workers, not how one worker's compiled loop spreads over threads; the plain
``integrate`` it is compared with runs on one thread (``thread_limit(1)``). For reference,
the script also times ``integrate`` on all cores against the 2-worker ensemble.

Printed, with their targets:

* throughput of 2 local workers / 1 worker (target >= 1.7x);
* time of the Dask path with 1 worker / plain ``integrate`` on the same batch and core
  (target <= 1.2x);
* fault: on the 2-worker cluster, one worker is killed (SIGKILL) once half the chunks are
  done (the run writes checkpoints, which show its progress); the run must complete,
  identical to the undisturbed one, and the time lost (its wall time minus that of an
  undisturbed run just before, checkpoints written too) is compared with the killed
  worker's unfinished chunks (the chunks it was processing, times the time of one chunk on
  one worker in the undisturbed run). The
  nanny restarts the worker, which loads the library again; the remaining chunks go on
  meanwhile on the other worker.

Run ``python benchmarks/bench_ensemble.py`` (a few minutes), ``--bodies N --steps S`` to
shrink it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # workers too: no INFO lines

import numpy as np  # noqa: E402

from liepoisson import LiePoissonHJ, integrate, integrate_ensemble  # noqa: E402
from liepoisson.compiled.runner import thread_limit  # noqa: E402
from liepoisson_models.rigid_body import RigidBody  # noqa: E402

INERTIA = (2.0, 1.0, 2.0 / 3.0)
DT = 0.1


def _pin(core: int) -> None:
    """Pin the calling process (a worker) to one core."""
    os.sched_setaffinity(0, {core})


def _cluster(workers: int):
    """A local cluster of ``workers`` single-threaded process workers, each pinned to its
    own core, and its client."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    cores = sorted(os.sched_getaffinity(0))
    for i, address in enumerate(sorted(client.scheduler_info()["workers"])):
        client.run(_pin, cores[i % len(cores)], workers=[address])
    return cluster, client


def _ensemble(client, mu0, steps, method, **kwargs):
    start = time.perf_counter()
    summary = integrate_ensemble(RigidBody(INERTIA), mu0, DT, steps, method=method,
                                 save_every=steps, client=client, reduce="final",
                                 engine="compiled", **kwargs)
    return summary, time.perf_counter() - start


def _warm(client, method) -> None:
    """Compile on every worker (one small chunk each)."""
    workers = len(client.scheduler_info()["workers"])
    mu0 = np.random.default_rng(1).normal(size=(64 * workers, 3))
    _ensemble(client, mu0, 3, method, chunk_size=64)


def _plain(mu0, steps, method, threads: int | None):
    start = time.perf_counter()
    if threads is None:
        traj = integrate(RigidBody(INERTIA), mu0, DT, steps, method=method, save_every=steps,
                         engine="compiled")
    else:
        with thread_limit(threads):
            traj = integrate(RigidBody(INERTIA), mu0, DT, steps, method=method,
                             save_every=steps, engine="compiled")
    return np.asarray(traj.final), time.perf_counter() - start


def _faulted(client, mu0, steps, method, chunks: int, size: int):
    """The ensemble on ``client`` with one worker killed once half the chunks are done:
    the summary, its wall time and the number of chunks the killed worker was processing."""
    outcome: dict = {}
    with tempfile.TemporaryDirectory() as directory:
        def run():
            try:
                outcome["summary"], outcome["wall"] = _ensemble(
                    client, mu0, steps, method, checkpoint_dir=directory, chunk_size=size)
            except BaseException as exc:
                outcome["error"] = exc

        pids = client.run(os.getpid)
        thread = threading.Thread(target=run)
        thread.start()
        while len(list(Path(directory).glob("chunk-*.npz"))) < chunks // 2:
            if not thread.is_alive():
                raise RuntimeError("the run ended before half its chunks were done")
            time.sleep(0.01)
        processing = client.processing()
        victim = max(processing, key=lambda w: len(processing[w]))
        unfinished = len(processing[victim])
        os.kill(pids[victim], signal.SIGKILL)
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["summary"], outcome["wall"], unfinished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bodies", type=int, default=10**6)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--order", type=int, default=2, choices=(2, 4))
    parser.add_argument("--chunks", type=int, default=8,
                        help="chunks of the batch, the same for every cluster (default 8: "
                             "integrate_ensemble's default on 2 workers)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="interleaved repetitions of the timed runs (best of them)")
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    method = LiePoissonHJ(order=args.order)
    mu0 = np.random.default_rng(0).normal(size=(args.bodies, 3))
    size = -(-args.bodies // args.chunks)
    print(f"{args.bodies} rigid bodies x {args.steps} steps, {method.name}, compiled, "
          f"{len(os.sched_getaffinity(0))} cores, {args.chunks} chunks of {size}; best of "
          f"{args.repeats} interleaved runs")
    _plain(mu0[:64], 3, method, 1)  # compile in this process

    clusters = [_cluster(1), _cluster(2)]
    try:
        for _, client in clusters:
            _warm(client, method)
        times: dict = {"plain": [], "one": [], "two": [], "all": []}
        for _ in range(args.repeats):
            reference, t = _plain(mu0, args.steps, method, 1)
            times["plain"].append(t)
            one, t = _ensemble(clusters[0][1], mu0, args.steps, method, chunk_size=size)
            times["one"].append(t)
            two, t = _ensemble(clusters[1][1], mu0, args.steps, method, chunk_size=size)
            times["two"].append(t)
            all_cores, t = _plain(mu0, args.steps, method, None)
            times["all"].append(t)
        chunks = one.metadata["chunks"]
        # the fault run next to an undisturbed one of the same kind (checkpoints written),
        # so that both see the same load of the machine
        with tempfile.TemporaryDirectory() as directory:
            undisturbed, t_undisturbed = _ensemble(clusters[1][1], mu0, args.steps, method,
                                                   chunk_size=size, checkpoint_dir=directory)
        faulted, t_fault, unfinished = _faulted(clusters[1][1], mu0, args.steps, method,
                                                chunks, size)
    finally:
        for cluster, client in clusters:
            client.close()
            cluster.close()
    for name, final in (("1 worker", one.final), ("2 workers", two.final),
                        ("killed worker", faulted.final), ("integrate, all cores", all_cores)):
        if not np.array_equal(final, reference):
            raise SystemExit(f"FAILED: the {name} result differs from plain integrate")
    if not np.array_equal(undisturbed.final, reference):
        raise SystemExit("FAILED: the undisturbed checkpointed result differs")
    for key, errors in two.max_relative_invariant_errors.items():
        if not np.array_equal(errors, faulted.max_relative_invariant_errors[key]):
            raise SystemExit(f"FAILED: the {key} errors differ after the worker was killed")

    shown = {"plain": "plain integrate, 1 thread", "one": f"Dask, 1 worker ({chunks} chunks)",
             "two": "Dask, 2 workers (1 core each)", "all": "plain integrate, all cores"}
    for key, label in shown.items():
        print(f"{label:36s} " + "  ".join(f"{t:7.2f} s" for t in times[key]))
    print(f"{'Dask, 2 workers, undisturbed':36s} {t_undisturbed:7.2f} s  (checkpoints written)")
    print(f"{'Dask, 2 workers, one killed halfway':36s} {t_fault:7.2f} s  (then, the same)")
    print("every result bit-identical to plain integrate (the killed run included)")
    best = {k: min(v) for k, v in times.items()}
    chunk_time = 2 * t_undisturbed / chunks  # one chunk on one of the two workers
    lost = t_fault - t_undisturbed
    bound = unfinished * chunk_time
    print(f"throughput 2 workers / 1 worker:        {best['one'] / best['two']:5.2f}x  "
          "(target >= 1.7x)")
    print(f"Dask 1 worker / plain integrate:        {best['one'] / best['plain']:5.2f}x  "
          "(target <= 1.2x)")
    print(f"Dask 2 workers / integrate, all cores:  {best['two'] / best['all']:5.2f}x  "
          "(reference)")
    print(f"fault: time lost {lost:.2f} s; the killed worker had {unfinished} unfinished "
          f"chunk(s) of {chunk_time:.2f} s on one worker = {bound:.2f} s "
          f"(target: lost <= that; {'met' if lost <= bound else 'NOT met'})")


if __name__ == "__main__":
    main()
