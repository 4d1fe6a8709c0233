r"""
=======================
Data larger than memory
=======================

Every step of gradient descent on the half squared error depends on the data
only through a few sums over the rows, the
:class:`~skgd.SufficientStatistics`. So the exact trajectory needs one pass
over the data, block by block, however many rows there are: the rows can come
from a Dask array, from batches handed to ``partial_fit``, or from statistics
summed by another engine. Here the same descent is computed the three ways, on
rows made block by block as a file or a cluster would hand them over, and
compared with the fit on all rows in memory.
"""

# %%
# Rows that are made block by block
# ---------------------------------
# Forty blocks of 5,000 rows, each made by a loader that counts its calls:
# Dask builds the array from them without calling any of them yet. (The data
# fit in memory here, so that the fits can be compared with the one in memory;
# nothing below needs them to.)
import dask
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np

from skgd import GradientDescentRegressor, SufficientStatistics

N_BLOCKS, BLOCK, N_FEATURES = 40, 5_000, 8
COEF = np.linspace(-2.0, 2.0, N_FEATURES)
loads = np.zeros(N_BLOCKS, dtype=int)


def load_block(i):
    """Block ``i`` of the rows: X and y, the same on every call."""
    loads[i] += 1
    rng = np.random.default_rng(i)
    X = rng.standard_normal((BLOCK, N_FEATURES)) * np.arange(1, N_FEATURES + 1)
    return np.column_stack([X, X @ COEF + 3.0 + rng.standard_normal(BLOCK)])


blocks = [
    da.from_delayed(dask.delayed(load_block)(i), (BLOCK, N_FEATURES + 1), float)
    for i in range(N_BLOCKS)
]
rows = da.concatenate(blocks)
X_dask, y_dask = rows[:, :N_FEATURES], rows[:, N_FEATURES]
print(f"X: {X_dask.shape}, {X_dask.numblocks[0]} row blocks, loaded: {loads.sum()}")

# %%
# One pass on Dask
# ----------------
# ``fit`` sums each block's statistics in a task of its own, merges them up a
# tree, and computes once; the 1,000 steps then come from the statistics. Each
# loader is called once.
with dask.config.set(scheduler="threads", num_workers=2):
    on_dask = GradientDescentRegressor(max_iter=1000).fit(X_dask, y_dask)
print(f"solver: {on_dask.solver_}; each block loaded {set(loads.tolist())} time(s)")

# %%
# Batches to ``partial_fit``, and statistics from elsewhere
# ---------------------------------------------------------
# ``partial_fit`` adds each batch's statistics to those of the rows before it
# and fits on all of them: after the last batch it is the fit on all rows.
# :meth:`~skgd.GradientDescentRegressor.fit_from_statistics` fits on
# statistics summed by any other loop (or engine), here merged two by two.
batches = GradientDescentRegressor(max_iter=1000)
parts = []
for i in range(N_BLOCKS):
    block = load_block(i)
    batches.partial_fit(block[:, :N_FEATURES], block[:, N_FEATURES])
    parts.append(SufficientStatistics.from_data(block[:, :N_FEATURES], block[:, -1]))
while len(parts) > 1:  # a tree of merges, two by two
    pairs = [parts[i : i + 2] for i in range(0, len(parts), 2)]
    parts = [pair[0].merge(pair[1]) if len(pair) == 2 else pair[0] for pair in pairs]
elsewhere = GradientDescentRegressor(max_iter=1000).fit_from_statistics(parts[0])

# %%
# The same descent
# ----------------
# The fit on all rows in memory, and how far each of the others is from it,
# step by step. They agree to rounding: the costs to about 1e-13, which is what
# summing 200,000 rows in another order changes.
in_memory = np.vstack([load_block(i) for i in range(N_BLOCKS)])
whole = GradientDescentRegressor(max_iter=1000).fit(
    in_memory[:, :N_FEATURES], in_memory[:, N_FEATURES]
)
fits = {"Dask": on_dask, "partial_fit": batches, "fit_from_statistics": elsewhere}

fig, (ax_cost, ax_gap) = plt.subplots(1, 2, figsize=(8.5, 3.6), layout="constrained")
steps = np.arange(whole.n_iter_ + 1)
ax_cost.semilogy(steps, whole.cost_history_ - whole.min_cost_, color="black")
ax_cost.set(xlabel="step k", ylabel=r"$J_k - J_{\min}$", title="In memory")
for (name, fit), style in zip(fits.items(), ["-", "--", ":"], strict=True):
    gap = np.abs(fit.cost_history_ / whole.cost_history_ - 1)
    ax_gap.semilogy(steps, np.maximum(gap, 1e-17), style, label=name)
ax_gap.set(
    xlabel="step k",
    ylabel="relative difference of the cost",
    title="The others, against it",
    ylim=(1e-17, 1e-10),
)
ax_gap.legend(loc="upper right")
plt.show()

for name, fit in fits.items():
    difference = np.max(np.abs(fit.coef_ - whole.coef_) / np.abs(whole.coef_))
    print(f"{name:>20}: coef_ within {difference:.1e} of the fit in memory")
