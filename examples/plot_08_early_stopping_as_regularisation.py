r"""
================================
Early stopping as regularisation
================================

Stopping gradient descent early does much what an L2 penalty does. Started at
:math:`w = 0`, the descent reaches the directions of strong curvature of the
cost first and those of weak curvature last, and the penalty of
:class:`~sklearn.linear_model.Ridge` shrinks the weak directions most: stopped
after :math:`k` steps of size :math:`\alpha`, the descent is close to the model
of penalty :math:`\lambda \approx 1/(\alpha k)`.

Why, in short. With features of mean zero the intercept moves on its own, and
:math:`w` descends on the quadratic of Hessian :math:`H = \frac1m X^\top X`. Along
an eigenvector of :math:`H` of eigenvalue (curvature) :math:`h`, the least-squares
coefficient :math:`\hat c` is reached by the factors

.. math::

   c_k = \bigl(1 - (1 - \alpha h)^k\bigr)\, \hat c \quad \text{(after } k
   \text{ steps)}, \qquad
   c_\lambda = \frac{h}{h + \lambda}\, \hat c \quad \text{(penalty }
   \lambda\text{)},

both of which are near :math:`\alpha k h` where :math:`\alpha k h \ll 1`
(:math:`h / \lambda` with :math:`\lambda = 1/(\alpha k)`) and near 1 where
:math:`\alpha k h \gg 1`. In between they differ, and this example measures by
how much on a small, noisy problem with many features: the coefficients along
the descent beside those over :math:`\lambda`, the :math:`\lambda` of the same
training cost as each step, and the validation cost on which ``early_stopping``
picks its step.
"""

# %%
# The data
# --------
# 100 rows of 40 correlated features (``effective_rank=8``), of which 8 carry
# the signal, with noise: half the rows to fit on, half to validate on. 50 rows
# for 40 coefficients is little, and least squares overfits. The features are
# standardized on the training rows, so that their means there are zero, as the
# derivation above assumes.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgd import CostHistoryDisplay, GradientDescentRegressor

X, y, true_coef = make_regression(
    n_samples=100,
    n_features=40,
    n_informative=8,
    effective_rank=8,
    noise=3.0,
    coef=True,
    random_state=0,
)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
m = len(y_train)
curvatures = np.linalg.eigvalsh(X_train.T @ X_train / m)
print(f"{m} training rows, {X.shape[1]} features")
print(f"curvatures h of H: from {curvatures[0]:.3g} to {curvatures[-1]:.3g}")


def half_squared_error(model, X, y):
    """The cost J of a fitted model on (X, y): half the mean squared error."""
    return 0.5 * mean_squared_error(y, model.predict(X))


# %%
# The coefficients along the descent, and over the penalty
# --------------------------------------------------------
# 2000 steps with ``alpha='auto'`` (:math:`1/L`), keeping every step in
# ``coef_path_`` (``store_path=max_iter + 1``), and the validation rows given to
# :meth:`~skgd.GradientDescentRegressor.fit`, which records their cost after
# every step in ``validation_cost_history_``. The 2000 steps reach the least
# squares fit, or nearly: the training cost ends :math:`3 \cdot 10^{-8}` above
# its minimum ``min_cost_``.
n_steps = 2000
descent = GradientDescentRegressor(max_iter=n_steps, store_path=n_steps + 1)
descent.fit(X_train, y_train, X_val=X_val, y_val=y_val)
alpha = descent.alpha_
print(f"alpha_ = {alpha:.4f}, so 1/alpha = {1 / alpha:.3f}")
gap = descent.cost_history_[-1] - descent.min_cost_
print(f"J - J_min after {n_steps} steps: {gap:.1e}")

# %%
# The penalised models, one fit per :math:`\lambda` with ``l2_penalty``, run to
# convergence (5000 steps are enough here). Their minimiser is that of
# :class:`~sklearn.linear_model.Ridge` with ``alpha`` :math:`= \lambda m`, and
# the comparison shows that they reached it.
penalties = np.geomspace(1e-5, 10, 91)
penalised = [
    GradientDescentRegressor(l2_penalty=penalty, max_iter=5000).fit(X_train, y_train)
    for penalty in penalties
]
ridge_gap = max(
    np.abs(model.coef_ - Ridge(alpha=penalty * m).fit(X_train, y_train).coef_).max()
    / np.abs(model.coef_).max()
    for penalty, model in zip(penalties, penalised, strict=True)
)
print(f"largest difference from Ridge(alpha=l2_penalty * m), relative: {ridge_gap:.1e}")

# %%
# On the left, each coefficient against the step :math:`k`; on the right, against
# :math:`\lambda`, with :math:`\lambda` *decreasing* to the right and the axis
# placed so that :math:`\lambda = 1/(\alpha k)` stands above step :math:`k` on the
# left. The 8 features that carry the signal are in colour, the other 32 in grey.
#
# The two pictures are alike: the same coefficients grow first, in the same
# order, and the grey ones stay small until far to the right, where both
# approach the least-squares fit, which gives some features without signal
# coefficients as large as the smaller ones of the signal. They are not equal:
# read at the same abscissa, the descent is further along (its coefficients
# nearer their final values) than the penalised fit. The next section measures
# by how much.
steps = descent.path_iterations_
penalty_coefs = np.array([model.coef_ for model in penalised])
informative = true_coef != 0


def reciprocal(value):
    """1 / (alpha value): the step of a penalty, and the penalty of a step."""
    with np.errstate(divide="ignore"):  # matplotlib probes 0 too
        return 1 / (alpha * np.asarray(value, dtype=float))


fig, (ax_steps, ax_penalty) = plt.subplots(
    1, 2, figsize=(8.5, 4.2), sharey=True, layout="constrained"
)
for j in np.argsort(informative):  # grey first, colours on top
    style = {"linewidth": 1.5} if informative[j] else {"color": "0.7", "linewidth": 0.8}
    ax_steps.plot(steps[1:], descent.coef_path_[1:, j], **style)
    ax_penalty.plot(penalties, penalty_coefs[:, j], **style)
ax_steps.set(
    xscale="log",
    xlim=(1, n_steps),
    xlabel="step k",
    ylabel="coefficient",
    title="Along the descent (coef_path_)",
)
top = ax_steps.secondary_xaxis("top", functions=(reciprocal, reciprocal))
top.set_xlabel(r"$\lambda = 1/(\alpha k)$")
ax_penalty.set(
    xscale="log",
    xlim=(1 / alpha, 1 / (alpha * n_steps)),
    xlabel=r"l2_penalty $\lambda$ (decreasing)",
    title="Over the penalty, converged",
)
top = ax_penalty.secondary_xaxis("top", functions=(reciprocal, reciprocal))
top.set_xlabel(r"$k = 1/(\alpha\lambda)$")
plt.show()

# %%
# Matching a step to a penalty
# ----------------------------
# The two factors of the derivation, against :math:`x = \alpha k h`: for the
# descent :math:`1 - (1 - \alpha h)^k \ge 1 - e^{-x}` (equal in the limit of
# small :math:`\alpha h`), for the penalty :math:`\lambda = 1/(\alpha k)` the
# factor :math:`x / (1 + x)`. Since :math:`e^x \ge 1 + x`, the descent's factor
# is the larger in *every* direction: after :math:`k` steps the coefficients are
# less shrunk than at :math:`\lambda = 1/(\alpha k)`, and the training cost is
# lower. Where the two differ most is printed. The points are the 40 directions
# of these data after 50 steps: their exact factors :math:`1 - (1 - \alpha
# h)^{50}`, which the curve :math:`1 - e^{-x}` approximates closely here (the
# largest difference is printed), and :math:`h / (h + \lambda)` at
# :math:`\lambda = 1/(50 \alpha)`. After 50 steps the descent has reached 25 of
# the 40 directions to within 1%; the matching penalty reaches them only to 83%
# to 98% (printed).
x = np.geomspace(1e-2, 1e2, 400)
descent_factor, penalty_factor = -np.expm1(-x), x / (1 + x)
widest = np.argmax(descent_factor - penalty_factor)
print(
    f"largest difference of the factors: {descent_factor[widest]:.3f} against "
    f"{penalty_factor[widest]:.3f}, at x = {x[widest]:.2f}"
)

k = 50
x_data = alpha * k * curvatures
fig, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
(line,) = ax.plot(x, descent_factor, label=r"descent, $k$ steps: $1 - e^{-x}$")
exact = 1 - np.clip(1 - alpha * curvatures, 0, None) ** k  # alpha h <= 1
ax.plot(x_data, exact, "o", color=line.get_color(), label=f"these data, step {k}")
(line,) = ax.plot(x, penalty_factor, "--", label=r"penalty $1/(\alpha k)$: $x/(1+x)$")
ax.plot(
    x_data,
    x_data / (1 + x_data),
    "x",
    color=line.get_color(),
    label=rf"these data, $\lambda = 1/({k}\alpha)$",
)
off = np.abs(exact + np.expm1(-x_data)).max()
print(f"largest difference of the exact factors from 1 - exp(-x), step {k}: {off:.1e}")
full = exact > 0.99
reached = x_data[full] / (1 + x_data[full])
print(
    f"directions reached to 1% after {k} steps: {full.sum()} of {full.size}; "
    f"at 1/({k} alpha), from {reached.min():.2f} to {reached.max():.2f}"
)
ax.set(
    xscale="log",
    xlabel=r"$x = \alpha k h$",
    ylabel="fraction of the least-squares coefficient",
    title="How much of each direction is reached",
)
ax.legend(loc="lower right")
plt.show()

# %%
# Since the descent at step :math:`k` is less shrunk, another way to match a
# step to a penalty is by equal training cost: the :math:`\lambda` whose
# converged fit has the training cost :math:`J` (unpenalised) of step
# :math:`k`, read off the penalised fits above by interpolation in
# :math:`\log\lambda`. Where the descent has come so close to least squares
# that no :math:`\lambda` of the grid is as close, no match is drawn.
#
# On these data the matched :math:`\lambda` is 0.4 to 0.6 times :math:`1/(\alpha
# k)` for the first hundred steps: :math:`\lambda \propto 1/k` holds roughly,
# with a constant near one half. Beyond a few hundred steps it falls away from
# :math:`1/k`: around :math:`k = 1/(\alpha h_{min})` (dotted) the descent starts
# to reach even the flattest direction, and from there it closes in on least
# squares like :math:`(1 - \alpha h_{min})^k`, exponentially, while the
# penalised fit does so only in proportion to :math:`\lambda`.
#
# The table also gives the distance between the coefficients of step :math:`k`
# and those of the matched penalised fit, relative to their size. Equal cost
# matches the closer, and neither is exact: over the first hundred steps the
# two fits are 9% to 26% apart when matched by equal cost, 13% to 38% when
# matched by :math:`1/(\alpha k)`. Later, as both come near least squares, the
# fits of equal cost come together (4% apart at step 300), while those of
# :math:`\lambda = 1/(\alpha k)` stay about 10% apart.
train_cost = descent.cost_history_  # J after each step (no penalty here)
penalty_train_cost = np.array(
    [half_squared_error(model, X_train, y_train) for model in penalised]
)
reachable = (steps > 0) & (train_cost[steps] >= penalty_train_cost[0])
matched = np.exp(
    np.interp(train_cost[steps[reachable]], penalty_train_cost, np.log(penalties))
)
slowest = 1 / (alpha * curvatures[0])


def distance(coef, penalty):
    """|coef - Ridge's coef at this penalty| / |coef|."""
    ridge = Ridge(alpha=penalty * m).fit(X_train, y_train).coef_
    return np.linalg.norm(coef - ridge) / np.linalg.norm(coef)


print("   k    1/(alpha k)  equal cost  ratio   distance: 1/(alpha k)  equal cost")
for k in [1, 3, 10, 30, 100, 300, 1000]:
    i = np.flatnonzero(steps[reachable] == k)[0]
    coef, lam = descent.coef_path_[steps == k][0], 1 / (alpha * k)
    print(
        f"{k:4d} {lam:12.3g} {matched[i]:11.3g} {matched[i] / lam:6.2f}"
        f" {distance(coef, lam):22.3f} {distance(coef, matched[i]):11.3f}"
    )

fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
ax.plot(steps[1:], reciprocal(steps[1:]), "--", color="0.3", label=r"$1/(\alpha k)$")
ax.plot(steps[reachable], matched, label=r"$\lambda$ of equal training cost")
ax.axvline(slowest, color="0.5", linestyle=":", label=r"$k = 1/(\alpha h_{min})$")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="step k",
    ylabel=r"matched l2_penalty $\lambda$",
    title="The penalty that matches each step",
)
ax.legend(loc="lower left")
plt.show()

# %%
# The validation curve, and early stopping
# ----------------------------------------
# ``early_stopping=True`` with the validation rows given stops when their cost
# has not fallen for ``n_iter_no_change=10`` steps, and keeps the coefficients
# of the best step, ``best_iteration_``. :class:`~skgd.CostHistoryDisplay` draws
# both curves and marks that step (left). On the right, the validation cost of
# the whole 2000-step descent beside that of the penalised fits, each drawn at
# :math:`k = 1/(\alpha\lambda)`.
#
# Both curves fall to a minimum and rise again; the descent's ends at the
# validation cost of least squares, three times its minimum. The minimum is
# shallow: 16.19 after step 30, 15.20 at the best step, 56, and 15.31 ten steps
# later, where early stopping stopped, which is why the left panel shows little
# of it. Early stopping found the minimum of the whole 2000-step curve. The best
# penalty on the grid, 0.063, is near the :math:`\lambda = 1/(\alpha k)` of that
# step, 0.078, and fits the validation rows slightly better (15.02 against
# 15.20). Drawn at :math:`k = 1/(\alpha\lambda)`, the penalty's curve runs to
# the right of the descent's past the minimum, as the factors above predict:
# matching step :math:`k` takes a smaller :math:`\lambda` than :math:`1/(\alpha
# k)`.
stopped = GradientDescentRegressor(max_iter=n_steps, early_stopping=True)
stopped.fit(X_train, y_train, X_val=X_val, y_val=y_val)
best = stopped.best_iteration_
validation = descent.validation_cost_history_
shown = penalties <= 1 / alpha  # from k = 1 on
penalty_validation = np.array(
    [half_squared_error(model, X_val, y_val) for model in penalised]
)
best_penalty = np.argmin(penalty_validation)
print(f"early stopping: best_iteration_ = {best}, n_iter_ = {stopped.n_iter_}")
print(f"lowest validation cost of the whole descent: at step {np.argmin(validation)}")
print(
    f"validation cost after step 30: {validation[30]:.3f}, step {best} (best): "
    f"{validation[best]:.3f}, step {stopped.n_iter_} (last): "
    f"{validation[stopped.n_iter_]:.3f}"
)
print(f"validation cost after step {n_steps}: {validation[-1]:.3f}")
print(
    f"best l2_penalty on the grid: {penalties[best_penalty]:.3g}, validation cost "
    f"{penalty_validation[best_penalty]:.3f}"
)
print(f"1/(alpha k) at the best step: {1 / (alpha * best):.3g}")

fig, (ax_stopped, ax_both) = plt.subplots(
    1, 2, figsize=(8.5, 3.9), sharey=True, layout="constrained"
)
CostHistoryDisplay.from_estimator(stopped, ax=ax_stopped)
ax_stopped.set_title("early_stopping=True")
ax_both.plot(np.arange(n_steps + 1), validation, label="descent, step k")
ax_both.plot(
    reciprocal(penalties[shown]),
    penalty_validation[shown],
    "--",
    label=r"penalty $\lambda$, at $k = 1/(\alpha\lambda)$",
)
ax_both.plot(best, validation[best], "o", color="black", label=f"best step ({best})")
# Linear from 0 to 1, logarithmic beyond: step 0 has a place.
ax_both.set_xscale("symlog", linthresh=1, linscale=0.5)
ax_both.set_xticks([0, 1, 10, 100, 1000], labels=["0", "1", "10", "100", "1000"])
ax_both.set(
    xlim=(0, n_steps),
    xlabel="step k",
    title="Validation cost, descent and penalty",
)
ax_both.legend(loc="lower left", fontsize="small")
plt.show()

# %%
# In practice, early stopping and ``l2_penalty`` are two ways to regularise the
# same model: one chooses a number of steps on a validation set during a single
# fit, the other a penalty, usually by cross-validation over many fits
# (:ref:`sphx_glr_auto_examples_plot_09_choosing_l2_penalty.py`). Their models
# are close but not the same.
