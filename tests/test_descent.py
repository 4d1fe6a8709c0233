"""The generic loop, on functions whose trajectory is known by hand."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skgd import GradientDescentResult, Status, gradient_descent


def square(theta):
    """J(theta) = theta . theta, the course's single-variable example."""
    return float(np.sum(theta * theta)), 2 * theta


def test_reproduces_the_course_table_for_theta_squared():
    # J(theta) = theta^2, theta_0 = 3, alpha = 0.1: theta = 3, 2.4, 1.92, ...
    course_table = [3, 2.4, 1.92, 1.536, 1.229, 0.983, 0.786, 0.629, 0.503, 0.403]
    path = [3.0]
    result = gradient_descent(
        square,
        [3.0],
        alpha=0.1,
        max_iter=9,
        callback=lambda intermediate: path.append(intermediate.x[0]),
    )
    assert_allclose(path, course_table, atol=5e-4)
    # Each step is theta <- theta - 0.1 * 2 theta = 0.8 theta, exactly.
    assert_allclose(path, 3 * 0.8 ** np.arange(10), rtol=1e-14)
    assert_allclose(result.cost_history, np.square(path), rtol=1e-14)
    assert result.nit == 9
    assert result.status == Status.MAX_ITER and result.success


def test_steps_against_the_gradient_in_every_coordinate_at_once():
    # J(a, b) = a^2 + 10 b^2: each coordinate shrinks by its own factor.
    def bowl(theta):
        return float(theta[0] ** 2 + 10 * theta[1] ** 2), np.array(
            [2 * theta[0], 20 * theta[1]]
        )

    result = gradient_descent(bowl, [1.0, 1.0], alpha=0.01, max_iter=5)
    assert_allclose(result.x, [0.98**5, 0.8**5], rtol=1e-14)


def test_tol_stops_at_the_first_step_that_lowers_the_cost_by_less_than_tol():
    # cost_k = 9 * 0.64^k, so step k lowers it by 9 * 0.36 * 0.64^(k - 1).
    tol = 1e-3
    decrease = 9 * 0.36 * 0.64 ** np.arange(100)
    expected_steps = int(np.argmax(decrease < tol)) + 1
    result = gradient_descent(square, [3.0], alpha=0.1, max_iter=100, tol=tol)
    assert result.status == Status.CONVERGED and result.success
    assert result.nit == expected_steps
    assert len(result.cost_history) == expected_steps + 1


def test_callback_may_stop_the_loop_with_stop_iteration():
    def stop_after_three(intermediate):
        if intermediate.nit == 3:
            raise StopIteration

    result = gradient_descent(
        square, [3.0], alpha=0.1, max_iter=100, callback=stop_after_three
    )
    assert result.status == Status.CALLBACK and not result.success
    assert result.nit == 3
    assert_allclose(result.x, [3 * 0.8**3])


def test_callback_receives_each_accepted_step():
    seen = []
    gradient_descent(
        square,
        [3.0],
        alpha=0.1,
        max_iter=4,
        callback=lambda intermediate: seen.append(intermediate),
    )
    assert [r.nit for r in seen] == [1, 2, 3, 4]
    assert all(isinstance(r, GradientDescentResult) for r in seen)
    assert_allclose([r.fun for r in seen], 9 * 0.64 ** np.arange(1, 5))


def test_a_learning_rate_past_two_over_l_is_reported_as_divergence():
    # L = 2 for theta^2: alpha = 1.1 multiplies theta by -1.2 at every step.
    result = gradient_descent(square, [3.0], alpha=1.1, max_iter=50)
    assert result.status == Status.DIVERGED and not result.success
    assert result.nit == 0
    assert_array_equal(result.x, [3.0])
    assert "iteration 1" in result.message


def test_overflow_is_divergence_without_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(square, [3.0], alpha=1e300, max_iter=50)
    assert result.status == Status.DIVERGED
    assert np.all(np.isfinite(result.x)) and np.isfinite(result.fun)


def test_a_rise_at_the_level_of_rounding_is_not_divergence():
    # Near the minimum of theta^2 + 1, the evaluated cost jitters by a few ulps.
    jitter = iter(np.tile([4e-16, -4e-16], 100))

    def noisy(theta):
        cost, gradient = square(theta)
        return 1.0 + cost + next(jitter), gradient

    result = gradient_descent(noisy, [1e-9], alpha=0.1, max_iter=100)
    assert result.status == Status.MAX_ITER


def test_x0_is_not_modified_and_float32_is_kept():
    x0 = np.array([3.0, -1.0], dtype=np.float32)
    result = gradient_descent(square, x0, alpha=0.1, max_iter=3)
    assert_array_equal(x0, [3.0, -1.0])
    assert result.x.dtype == np.float32


def test_a_non_finite_start_is_an_error():
    with pytest.raises(ValueError, match="not finite"):
        gradient_descent(square, [np.inf], alpha=0.1, max_iter=3)
