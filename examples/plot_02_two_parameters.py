r"""
=====================================
Two parameters: J(θ₁, θ₂) = θ₁² + θ₂²
=====================================

With two parameters the cost is a surface, a bowl, and the picture to draw is its
contour map: the curves on which :math:`J` is constant, seen from above. The
gradient

.. math::

    \nabla J(\theta_1, \theta_2) = \left(\frac{\partial J}{\partial \theta_1},
    \frac{\partial J}{\partial \theta_2}\right) = (2\theta_1, 2\theta_2)

points in the direction of steepest *ascent*, at right angles to the contour
through the point; gradient descent steps the other way, both coordinates at once:

.. math::

    (\theta_1, \theta_2) \leftarrow (\theta_1, \theta_2) - \alpha\,(2\theta_1,
    2\theta_2).
"""

# %%
# The descent and its path
# ------------------------
# ``store_path=True`` keeps the iterates; :class:`skgd.DescentPathDisplay` draws
# them over the contours of the same function, from the start (circle) to the
# last step (square), with the minimum (star). With :math:`\alpha = 0.9` every
# step jumps across the minimum, and back and forth along one line through it:
# drawn straight, the jumps would lie on top of each other, so each of the first
# ones is drawn as a curved arrow instead, numbered by the point it lands on.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from skgd import DescentPathDisplay, gradient_descent


def bowl(theta):
    return float(theta @ theta), 2 * theta


start = np.array([3.0, 2.0])
extent = (-3.5, 3.5, -3.5, 3.5)
# The contours J = r^2: circles of radius r = 0.3, 0.6, ..., 3.3, evenly spaced.
levels = (0.3 * np.arange(1, 12)) ** 2
names = (r"$\theta_1$", r"$\theta_2$")
n_arrows = 5

fig, axes = plt.subplots(1, 2, figsize=(8.5, 4.6), layout="constrained")
for ax, alpha in zip(axes, [0.1, 0.9], strict=True):
    result = gradient_descent(bowl, start, alpha=alpha, max_iter=25, store_path=True)
    jumps = alpha > 0.5
    display = DescentPathDisplay.from_result(
        result,
        bowl,
        minimum=(0.0, 0.0),
        extent=extent,
        levels=levels,
        param_names=names,
        ax=ax,
        # The jumps are drawn below as arrows, so the path is drawn as points.
        path_kwargs={"linestyle": "none"} if jumps else None,
    )
    if jumps:
        for k in range(n_arrows):
            ax.add_patch(
                FancyArrowPatch(
                    result.path[k],
                    result.path[k + 1],
                    connectionstyle="arc3,rad=0.35",
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="tab:red",
                    linewidth=1.2,
                )
            )
    else:
        # The first step, -alpha * gradient, drawn as an arrow from the start.
        _, gradient = bowl(start)
        ax.annotate(
            "",
            xy=start - alpha * gradient,
            xytext=start,
            arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
        )
        ax.annotate(
            r"first step $-\alpha \nabla J$",
            xy=start,
            xytext=(-10, 12),
            textcoords="offset points",
            ha="right",
        )
    # The first iterates, numbered.
    for k, point in enumerate(result.path[: n_arrows + 1]):
        offset = (6, -12) if point[1] >= 0 else (6, 6)
        ax.annotate(
            str(k), xy=point, xytext=offset, textcoords="offset points", fontsize=9
        )
    ax.set_aspect("equal")
    factor = 1 - 2 * alpha
    ax.set_title(
        rf"$\alpha = {alpha}$: $\theta \leftarrow {factor:.1f}\,\theta$"
        f"\nJ after {result.nit} steps = {result.fun:.1e}"
    )
    print(f"alpha={alpha}: theta after 1, 2, 3 steps:")
    print(result.path[1:4].round(3))
plt.show()

# %%
# On the left, :math:`\alpha = 0.1`: each step multiplies both coordinates by
# :math:`1 - 2\alpha = 0.8`, so the path runs straight down the bowl to the
# minimum (the star), in ever shorter steps. On the right, :math:`\alpha = 0.9`:
# the factor is :math:`1 - 2\alpha = -0.8`, so every step jumps across the
# minimum and lands on the other side, a little lower: 0, 1, 2, ... alternate
# between the upper right and the lower left. It still converges, because
# :math:`|1 - 2\alpha| < 1`; with :math:`\alpha > 1` each jump would land higher
# than the last and the descent would diverge. Here :math:`L = 2` (the
# curvature of :math:`J`), and :math:`\alpha < 2/L = 1` is exactly the stable
# range. Both shrink the distance to the minimum by the same factor 0.8 per
# step, so after 25 steps both are at the same cost.
