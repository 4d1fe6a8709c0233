"""Dask fits on a two-worker local cluster: the two cases of issue 11.

1. ``held``: 2,000,000 x 50 float64 (800 MB) persisted on the workers; the Dask
   fit (1,000 steps, alpha='auto') against the in-memory Gram fit of the same
   array, timed in the same run, and their trajectories compared.
2. ``big``: a lazily generated array larger than the machine's memory (by
   default 250,000,000 x 20 float64, 40 GB), fitted in one pass with every
   process's peak memory reported, beside the time of one pass that only sums
   the same array (which generates it as well).

Run from the repository root, in the environment of ``pip install -e ".[dask]"``::

    python benchmarks/bench_dask.py held
    python benchmarks/bench_dask.py big              # some minutes
    python benchmarks/bench_dask.py big --rows 2e7   # a smaller run

The cluster is ``LocalCluster(n_workers=2, threads_per_worker=1,
processes=True)``, on loopback; the workers' BLAS runs on one thread each (as
distributed sets it), the in-memory fit's on all cores.
"""

import argparse
import resource
import statistics
import time

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

from skgd import GradientDescentRegressor

N_STEPS = 1000


PAUSE = 0.25  # seconds before every timed fit


def peak_rss_gib():
    """This process's peak resident memory, in GiB (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def peaks(client):
    """The peak memory of every process: this one (client, scheduler and the
    nannies, which LocalCluster runs here) and each worker."""
    result = {"client, scheduler and nannies": peak_rss_gib()}
    for address, value in client.run(peak_rss_gib).items():
        result[f"worker {address}"] = value
    return result


def rows_block(block_id, n_rows, n_features, coef):
    """Block ``block_id`` of the rows, X and then y, made from its own seed."""
    rng = np.random.default_rng(block_id)
    X = rng.standard_normal((n_rows, n_features))
    y = X @ coef + 1.0 + rng.standard_normal(n_rows)
    return np.column_stack([X, y])


def lazy_rows(n_samples, n_features, chunk):
    """X and y of ``n_samples`` rows, each block generated when a task needs it."""
    coef = np.linspace(-1.0, 1.0, n_features)
    blocks = [
        da.from_delayed(
            dask.delayed(rows_block)(
                i, min(chunk, n_samples - start), n_features, coef
            ),
            (min(chunk, n_samples - start), n_features + 1),
            dtype=np.float64,
        )
        for i, start in enumerate(range(0, n_samples, chunk))
    ]
    rows = da.concatenate(blocks)
    return rows, rows[:, :n_features], rows[:, n_features]


def timed(function, repeats):
    times, result = [], None
    for _ in range(repeats):
        # As in bench_fit.py: BLAS's threads (and here the workers) spin on after
        # a call, and the next fit would share the cores with them.
        time.sleep(PAUSE)
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def held(client, n_samples, n_features, repeats):
    chunk = 100_000
    _, X, y = lazy_rows(n_samples, n_features, chunk)
    X, y = client.persist([X.rechunk((chunk, -1)), y.rechunk(chunk)])
    X_memory, y_memory = dask.compute(X, y)
    print(
        f"held: {n_samples:,} x {n_features} float64 ({X_memory.nbytes / 1e9:.2f} GB)"
    )

    def fit_memory():
        return GradientDescentRegressor(max_iter=N_STEPS).fit(X_memory, y_memory)

    def fit_dask():
        return GradientDescentRegressor(max_iter=N_STEPS).fit(X, y)

    # In turn, round after round: the machine's speed drifts.
    memory_times, dask_times = [], []
    for _ in range(repeats):
        t, in_memory = timed(fit_memory, 1)
        memory_times.append(t)
        t, on_dask = timed(fit_dask, 1)
        dask_times.append(t)
    t_memory, t_dask = statistics.median(memory_times), statistics.median(dask_times)
    costs = np.max(np.abs(on_dask.cost_history_ / in_memory.cost_history_ - 1))
    coef = np.max(np.abs(on_dask.coef_ - in_memory.coef_) / np.abs(in_memory.coef_))
    print(f"  in-memory gram fit: {t_memory:.3f} s (median of {repeats})")
    print(f"  Dask fit:           {t_dask:.3f} s  ratio {t_dask / t_memory:.2f}")
    print(f"  solvers: {in_memory.solver_}, {on_dask.solver_}")
    print(f"  largest relative difference: costs {costs:.1e}, coef_ {coef:.1e}")


def big(client, n_samples, n_features, chunk):
    rows, X, y = lazy_rows(n_samples, n_features, chunk)
    gigabytes = n_samples * (n_features + 1) * 8 / 1e9
    print(
        f"big: {n_samples:,} x {n_features} float64 and y ({gigabytes:.1f} GB, "
        f"{gigabytes * 1e9 / 2**30:.1f} GiB), generated in {X.numblocks[0]} blocks"
    )
    t_sum, _ = timed(lambda: float(rows.sum()), 1)  # generates every block too
    print(f"  one pass that sums X and y: {t_sum:.1f} s ({gigabytes / t_sum:.2f} GB/s)")
    t_fit, reg = timed(lambda: GradientDescentRegressor(max_iter=N_STEPS).fit(X, y), 1)
    print(
        f"  fit, {N_STEPS} steps:        {t_fit:.1f} s ({gigabytes / t_fit:.2f} GB/s)"
        f"  fit / sum {t_fit / t_sum:.2f}"
    )
    print(
        f"  solver {reg.solver_}, cost {reg.cost_history_[0]:.4f} -> "
        f"{reg.cost_history_[-1]:.6f} (min {reg.min_cost_:.6f})"
    )
    print(f"  coef_ {np.round(reg.coef_, 4)}, intercept_ {reg.intercept_:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=["held", "big"])
    parser.add_argument("--rows", type=float, default=None)
    parser.add_argument("--features", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    args = parser.parse_args()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            memory_limit="2GiB" if args.case == "big" else "8GiB",
        ) as cluster,
        Client(cluster) as client,
    ):
        if args.case == "held":
            held(client, int(args.rows or 2e6), args.features or 50, args.repeats)
        else:
            big(client, int(args.rows or 2.5e8), args.features or 20, args.chunk)
        print("  peak memory per process (GiB):")
        for name, value in peaks(client).items():
            print(f"    {name}: {value:.2f}")


if __name__ == "__main__":
    main()
