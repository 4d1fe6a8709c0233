"""The generic loop, on functions whose trajectory is known by hand."""

import re
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


# ---------------------------------------------------------------------------
# What the loop refuses, and what it says while it runs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("alpha", -1.0, "alpha must be a finite number > 0, got -1.0"),
        ("alpha", 0.0, "alpha must be a finite number > 0"),
        ("alpha", np.nan, "alpha must be a finite number > 0, got nan"),
        ("alpha", np.inf, "alpha must be a finite number > 0"),
        ("alpha", "auto", "no alpha='auto'"),
        ("max_iter", -1, "max_iter must be an int >= 0, got -1"),
        ("max_iter", 2.5, "max_iter must be an int >= 0, got 2.5"),
        ("tol", -1e-3, "tol must be None or a number >= 0"),
        ("cost_scale", -1.0, "cost_scale must be None or a finite number >= 0"),
        ("callback", "print", "callback must be callable"),
        ("store_path", 1, "store_path must be a bool or an int >= 2"),
    ],
)
def test_invalid_parameters_are_refused_before_any_call(name, value, message):
    calls = []

    def recorded(theta):
        calls.append(theta)
        return square(theta)

    parameters = dict(alpha=0.1, max_iter=3)
    parameters[name] = value
    with pytest.raises(ValueError, match=re.escape(message)):
        gradient_descent(recorded, [1.0], **parameters)
    assert calls == []


def test_a_gradient_of_the_wrong_shape_is_refused():
    # It was broadcast: x = [0.33, 1.33] instead of [0.33, 0.66].
    with pytest.raises(
        ValueError, match=r"gradient of the shape of x0, \(2,\); got shape \(1,\)"
    ):
        gradient_descent(lambda x: (x @ x, 2 * x[:1]), [1.0, 2.0], alpha=0.1)


@pytest.mark.parametrize("cost", [np.array([1.0]), np.array([[1.0]]), 1 + 1j, "1"])
def test_a_cost_that_is_not_a_real_number_is_refused(cost):
    with pytest.raises(ValueError, match="fun must return a real number as the cost"):
        gradient_descent(lambda x: (cost, 2 * x), [1.0], alpha=0.1)


def test_nan_from_the_function_is_reported_as_such():
    # It was reported as a learning rate above the stable bound.
    def undefined_below_half(theta):
        cost, gradient = square(theta)
        return (cost if theta[0] > 0.5 else np.nan), gradient

    result = gradient_descent(undefined_below_half, [1.0], alpha=0.1, max_iter=50)
    assert result.status == Status.NOT_A_NUMBER and not result.success
    assert result.nit == 3  # 1, 0.8, 0.64, 0.512: the next, 0.4096, gives NaN
    assert_allclose(result.x, [0.512])
    assert "NaN at iteration 4" in result.message
    assert "learning rate" not in result.message


def test_a_gradient_that_is_not_finite_is_reported_as_nan():
    def cusp(theta):
        cost, gradient = square(theta)
        return cost, (gradient if theta[0] > 0.5 else np.full_like(gradient, np.inf))

    result = gradient_descent(cusp, [1.0], alpha=0.1, max_iter=50)
    assert result.status == Status.NOT_A_NUMBER and result.nit == 3


def test_intermediate_results_say_the_loop_is_running():
    seen = []
    gradient_descent(square, [3.0], alpha=0.1, max_iter=4, callback=seen.append)
    assert [r.nit for r in seen] == [1, 2, 3, 4]
    for result in seen:
        assert result.status == Status.RUNNING and not result.success
        assert result.message == f"Running: {result.nit} steps taken so far."
        assert len(result.cost_history) == result.nit + 1
        assert_allclose(result.grad, 2 * result.x)  # documented: may be None
        assert result.path is None


def test_the_cost_history_follows_the_steps_taken_not_max_iter():
    # max_iter=10**10 with tol raised MemoryError (74.5 GiB) on a fit of 10 steps.
    result = gradient_descent(square, [3.0], alpha=0.1, max_iter=10**10, tol=1e-6)
    assert result.status == Status.CONVERGED and result.nit < 100
    assert len(result.cost_history) == result.nit + 1
    # It owns its memory: no view of a larger buffer is kept alive.
    assert result.cost_history.base is None


def test_a_long_run_grows_its_history_as_it_goes():
    result = gradient_descent(square, [3.0], alpha=1e-4, max_iter=5000)
    assert len(result.cost_history) == 5001 and result.cost_history.base is None
    assert_allclose(
        result.cost_history, 9 * (1 - 2e-4) ** (2 * np.arange(5001)), rtol=1e-9
    )


def test_zero_steps_give_the_start():
    result = gradient_descent(square, [3.0], alpha=0.1, max_iter=0)
    assert result.nit == 0 and result.status == Status.MAX_ITER
    assert_array_equal(result.cost_history, [9.0])
    assert_array_equal(result.grad, [6.0])
