r"""
=======================
Learning rates compared
=======================

The learning rate :math:`\alpha` is the one number gradient descent asks for.
Too small, and the cost falls so slowly that ``max_iter`` runs out first. Too
large, and each step overshoots the valley further than the last: the cost rises
and the descent diverges. Between the two lies a safe range whose end is known
exactly for the half mean squared error: the descent is stable for

.. math::

    0 < \alpha < \frac{2}{L},

where :math:`L` is the largest eigenvalue of the Hessian of :math:`J` (its
steepest curvature). ``alpha='auto'`` takes :math:`1/L`, half way.
"""

# %%
# The data
# --------
# scikit-learn's diabetes data, its ten features standardized. ``alpha='auto'``
# reports the :math:`1/L` it chose in ``alpha_``; ``min_cost_`` is the smallest
# cost there is, :math:`J_{min}`, that of the least-squares fit.
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from skgd import CostHistoryDisplay, DivergenceError, GradientDescentRegressor

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)

auto = GradientDescentRegressor(max_iter=300).fit(X, y)
L = 1 / auto.alpha_
print(f"L = {L:.3f}: alpha='auto' takes 1/L = {1 / L:.4f}, the bound 2/L = {2 / L:.4f}")
print(f"J_min = min_cost_ = {auto.min_cost_:.2f}")

# %%
# Three learning rates that work
# ------------------------------
# A too small :math:`\alpha = 0.01`, the ``'auto'`` :math:`1/L`, and a bolder
# :math:`\alpha = 0.45`, still below :math:`2/L`. On the left, the cost as it
# comes; on the right, what is left to gain, :math:`J - J_{min}`, on a
# logarithmic axis (``kind="gap"``, :math:`J_{min}` from each fit's
# ``min_cost_``), where the rate of convergence is the slope.
fits = {
    "alpha=0.01 (too small)": GradientDescentRegressor(alpha=0.01, max_iter=300),
    f"alpha='auto' (1/L = {1 / L:.3f})": auto,
    "alpha=0.45 (just below 2/L)": GradientDescentRegressor(alpha=0.45, max_iter=300),
}
fig, (ax_cost, ax_gap) = plt.subplots(1, 2, figsize=(8.5, 3.8), layout="constrained")
for name, reg in fits.items():
    reg.fit(X, y)
    display = CostHistoryDisplay.from_estimator(reg, ax=ax_cost, name=name)
    CostHistoryDisplay.from_estimator(
        reg, kind="gap", ax=ax_gap, color=display.line_.get_color()
    )
    gap = reg.cost_history_[-1] - reg.min_cost_
    print(f"{name:28s} J - J_min after 300 steps: {gap:.3g}")
ax_cost.set_xlim(0, 60)
ax_cost.set_title("Cost J, first 60 steps")
ax_cost.legend(fontsize="small")
ax_gap.set_title("What is left to gain")
plt.show()

# %%
# The too small rate is still far from the minimum after 300 steps. The bold one
# is the fastest in the long run: the slow directions of the bowl (small
# eigenvalues) are where the time goes, and a larger :math:`\alpha` moves faster
# along them, as long as the steepest direction stays stable.
#
# A learning rate that is too large
# ---------------------------------
# :math:`\alpha = 0.6` is above :math:`2/L`. The estimator refuses it with
# :class:`skgd.DivergenceError`, a :class:`ValueError` that says what happened and
# what to do. When the Hessian is at hand (``solver='gram'``, which ``'auto'``
# picks here) :math:`L` is known before the first step and no step is taken; the
# textbook loop (``solver='literal'``) stops at the first step that raises the
# cost.
for solver in ["auto", "literal"]:
    try:
        GradientDescentRegressor(alpha=0.6, solver=solver).fit(X, y)
    except DivergenceError as error:
        print(f"solver={solver!r}:")
        print(textwrap.fill(str(error), width=70))
        print(f"-> iteration={error.iteration}, alpha={error.alpha},", end=" ")
        print(f"max_stable_alpha={error.max_stable_alpha:.4f}\n")

# %%
# Why :math:`2/L`
# ---------------
# On :math:`J(\theta) = \theta^2`, where :math:`L = 2`, a step is
# :math:`\theta \leftarrow (1 - 2\alpha)\,\theta`, so
# :math:`\theta_k = (1 - 2\alpha)^k\,\theta_0`. Below :math:`\alpha = 1/2` the
# iterates creep down one side of the parabola; between :math:`1/2` and
# :math:`1 = 2/L` they jump from side to side, lower each time; above it each
# jump lands higher than the last, and the descent blows up. The same happens in
# the steepest direction of any quadratic bowl.
fig, axes = plt.subplots(1, 3, figsize=(8.5, 3), sharey=True, layout="constrained")
grid = np.linspace(-4.5, 4.5, 200)
for ax, alpha in zip(axes, [0.2, 0.85, 1.05], strict=True):
    thetas = 2.0 * (1 - 2 * alpha) ** np.arange(9)
    ax.plot(grid, grid**2, color="0.5")
    ax.plot(thetas, thetas**2, "o-", color="tab:red", markersize=4, linewidth=1)
    ax.plot(thetas[0], thetas[0] ** 2, "o", color="black", markersize=6)
    ax.set(
        xlabel=r"$\theta$",
        title=rf"$\alpha = {alpha}$, $1 - 2\alpha = {1 - 2 * alpha:.1f}$",
    )
    ax.set_ylim(-0.5, 20)
axes[0].set_ylabel(r"$J(\theta) = \theta^2$")
plt.show()
