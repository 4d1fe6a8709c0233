"""Draw the picture at the top of the README, docs/_static/readme-descent.png.

    python docs/readme_figure.py

The data and the fit are those of the gallery's "Simple linear regression"
example: the path of the descent over the contours of the cost, and what is left
to gain after each step. Run it again when the Displays change how they draw.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skgd import (  # noqa: E402
    CostHistoryDisplay,
    DescentPathDisplay,
    GradientDescentRegressor,
)

OUT = Path(__file__).resolve().parent / "_static" / "readme-descent.png"


def main():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 4, size=(50, 1))
    y = 4 + 1.5 * X[:, 0] + rng.normal(scale=1.0, size=50)
    reg = GradientDescentRegressor(max_iter=500, store_path=True).fit(X, y)

    fig, (ax_path, ax_gap) = plt.subplots(
        1, 2, figsize=(8.5, 3.6), layout="constrained"
    )
    DescentPathDisplay.from_estimator(
        reg,
        X,
        y,
        param_names=("intercept_", "coef_[0]"),
        ax=ax_path,
        path_kwargs={"markersize": 2},
    )
    ax_path.set_title("The path down the bowl of J")
    # J - J_min, with the fit's min_cost_ as J_min.
    CostHistoryDisplay.from_estimator(reg, kind="gap", ax=ax_gap)
    ax_gap.set_title("What is left to gain, step by step")
    fig.savefig(OUT, dpi=100)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
