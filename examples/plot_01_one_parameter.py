r"""
========================
One parameter: J(θ) = θ²
========================

The smallest gradient descent there is. The cost :math:`J(\theta) = \theta^2` has
the derivative :math:`dJ/d\theta = 2\theta`, and from :math:`\theta_0 = 3` with the
learning rate :math:`\alpha = 0.1` every step is

.. math::

    \theta \leftarrow \theta - \alpha \frac{dJ}{d\theta} = \theta - 0.2\,\theta
    = 0.8\,\theta .

So the step :math:`\alpha\, dJ/d\theta` is large where the slope is steep and
shrinks as :math:`\theta` nears the minimum at 0: gradient descent slows down by
itself, with no change of :math:`\alpha`.
"""

# %%
# Ten steps with :func:`skgd.gradient_descent`
# --------------------------------------------
# ``fun`` returns the cost and its gradient; ``store_path=True`` keeps every
# :math:`\theta` along the way, so the table below is read from the result, not
# recomputed.
import matplotlib.pyplot as plt
import numpy as np

from skgd import CostHistoryDisplay, gradient_descent


def cost_and_gradient(theta):
    return float(theta @ theta), 2 * theta


alpha = 0.1
result = gradient_descent(
    cost_and_gradient, [3.0], alpha=alpha, max_iter=10, store_path=True
)
thetas = result.path[:, 0]

print(" k   theta_k   dJ/dtheta   alpha*dJ/dtheta   theta_k+1   J(theta_k)")
for k, theta in enumerate(thetas[:-1]):
    slope = 2 * theta
    print(
        f"{k:2d}  {theta:8.4f}  {slope:10.4f}  {alpha * slope:16.4f}"
        f"  {theta - alpha * slope:10.4f}  {theta**2:11.4f}"
    )

# %%
# Every step multiplies :math:`\theta` by :math:`1 - 2\alpha = 0.8`, so
# :math:`\theta_k = 3 \cdot 0.8^k`:
print(np.allclose(thetas, 3 * 0.8 ** np.arange(11)))
print(result.message)

# %%
# The steps on the curve, and the cost falling
# --------------------------------------------
# On the left, each arrow is one step: it goes downhill, against the slope, and
# the steps shorten as the curve flattens (the first three are labelled with
# :math:`-\alpha\, dJ/d\theta`, as in the table). On the right, the cost after
# each step falls by the same factor :math:`0.8^2 = 0.64` each time: a straight
# line on a logarithmic axis. (The minimum of :math:`J` is 0, so :math:`J` is
# also what is left to gain.)
fig, (ax_curve, ax_cost) = plt.subplots(1, 2, figsize=(8.5, 3.6), layout="constrained")

grid = np.linspace(-3.5, 3.5, 200)
ax_curve.plot(grid, grid**2, color="0.4", label=r"$J(\theta) = \theta^2$")
ax_curve.plot(thetas, thetas**2, "o", color="tab:red", markersize=5, label="iterates")
for k, (before, after) in enumerate(zip(thetas[:-1], thetas[1:], strict=True)):
    ax_curve.annotate(
        "",
        xy=(after, after**2),
        xytext=(before, before**2),
        arrowprops={"arrowstyle": "-|>", "color": "black", "shrinkA": 3, "shrinkB": 3},
    )
    if k < 3:
        # The step, -alpha * dJ/dtheta, written next to the first arrows.
        ax_curve.annotate(
            rf"$-{alpha * 2 * before:.3g}$",
            xy=((before + after) / 2, (before**2 + after**2) / 2),
            xytext=(8, -4),
            textcoords="offset points",
            ha="left",
            va="top",
        )
ax_curve.set(xlabel=r"$\theta$", ylabel=r"$J(\theta)$", title=r"$\alpha = 0.1$")
ax_curve.legend(loc="upper center")

CostHistoryDisplay.from_result(result, kind="gap", min_cost=0.0, ax=ax_cost, marker="o")
ax_cost.set_title("Cost after each step")
plt.show()
