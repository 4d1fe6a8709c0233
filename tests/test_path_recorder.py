"""The path recorder keeps a bounded, evenly strided set of points."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skgd import GradientDescentRegressor, gradient_descent
from skgd._path import PathRecorder, path_capacity


def record(capacity, planned_steps, taken_steps):
    recorder = PathRecorder(capacity, planned_steps=planned_steps)
    for step in range(taken_steps + 1):
        recorder.record(step, np.array([float(step)]))
    return recorder.finish(taken_steps, np.array([float(taken_steps)]))


@given(
    capacity=st.integers(2, 60),
    planned_steps=st.integers(0, 400),
    taken_fraction=st.floats(0.0, 2.0),
)
def test_points_are_bounded_strided_and_end_at_the_last_step(
    capacity, planned_steps, taken_fraction
):
    # Fewer steps than planned (an early stop) or more (a caller's wrong plan).
    taken_steps = int(taken_fraction * planned_steps)
    points, steps = record(capacity, planned_steps, taken_steps)
    assert len(steps) <= capacity
    assert steps[0] == 0 and steps[-1] == taken_steps
    assert_array_equal(np.stack(points)[:, 0], steps)  # each point is its own step's
    strides = np.diff(steps[:-1])
    assert len(set(strides)) <= 1  # evenly spaced, bar the last step


@given(capacity=st.integers(2, 60), planned_steps=st.integers(1, 400))
def test_planned_steps_use_the_capacity(capacity, planned_steps):
    points, steps = record(capacity, planned_steps, planned_steps)
    if planned_steps + 1 <= capacity:
        assert_array_equal(steps, np.arange(planned_steps + 1))  # every step
    else:
        # The smallest stride that fits: with one less, the points on the
        # stride and the last step would be too many.
        def n_points(stride):
            return planned_steps // stride + 1 + (planned_steps % stride != 0)

        stride = steps[1]
        assert len(steps) == n_points(stride) <= capacity
        assert stride == 1 or n_points(stride - 1) > capacity


def test_store_path_true_keeps_every_step_of_a_default_fit():
    X = np.arange(20.0).reshape(-1, 2)
    reg = GradientDescentRegressor(store_path=True).fit(X, X.sum(axis=1))
    assert_array_equal(reg.path_iterations_, np.arange(1001))
    result = gradient_descent(
        lambda x: (x @ x, 2 * x), [1.0], alpha=0.1, max_iter=3, store_path=4
    )
    assert_array_equal(result.path_iterations, [0, 1, 2, 3])


@pytest.mark.parametrize("bad", [1, 0, -3])
def test_store_path_below_two_points_is_refused(bad):
    with pytest.raises(ValueError, match="store_path"):
        path_capacity(bad)
    with pytest.raises(ValueError, match="store_path"):
        GradientDescentRegressor(store_path=bad).fit([[0.0], [1.0]], [0.0, 1.0])
