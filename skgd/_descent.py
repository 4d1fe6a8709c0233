"""The one descent loop, which every fit runs, and what it returns.

The loop drives a *stepper*: an object that knows how to compute the iterates of
one way of descending (see :class:`Stepper`): the literal step on a function
(:mod:`skgd._gradient_descent`), or the solvers of :mod:`skgd._solvers`. The
loop itself holds what every way shares: the stop rules, the cost history, the
recorded path and the callback.
"""

from typing import Protocol

import numpy as np

from skgd._early_stopping import ValidationCurve
from skgd._path import PathRecorder, path_capacity
from skgd._result import STATUS_MESSAGES, GradientDescentResult, Status

# A rise of the cost smaller than this many units of roundoff of the cost's scale
# is put down to rounding near the minimum, not to a learning rate that is too
# large; and a fall smaller than it counts as no fall for tol.
_ROUNDING_SLACK = 1e3
# The cost history starts this long and doubles as needed, up to max_iter + 1.
_INITIAL_HISTORY = 1024


class Stepper(Protocol):
    """What the descent loop needs of a way of computing the iterates.

    A stepper holds the current point of a descent. The loop asks it for the
    costs of a block of next steps, decides how many of them to accept, and
    tells it so; it never sees how the steps are computed.
    """

    dtype: np.dtype  # of the iterates: it sets the rounding level of the stop rules
    cost_scale: float  # a typical magnitude of the cost (once started), likewise

    def start(self) -> float:
        """The cost at the starting point."""

    def advance(self, max_steps: int) -> np.ndarray:
        """The costs of the next 1 to ``max_steps`` steps from the current point."""

    def accept(self, n_steps: int) -> None:
        """Move the current point ``n_steps`` steps along the last block."""

    def point(self, step: int):
        """A cheap record of the point after ``step + 1`` steps of the last block
        (``step=-1``: the current point), turned into parameters by
        :meth:`parameters`."""

    def parameters(self, points: list) -> np.ndarray:
        """The parameters of recorded points, stacked."""

    def gradient(self, step: int) -> np.ndarray | None:
        """The gradient at :meth:`point` ``(step)``: always an array for the
        current point (``step=-1``), None where it is costly otherwise."""


class StopRules:
    """When a descent stops: the same rules for every way of computing it.

    Parameters
    ----------
    dtype : dtype
        The floating point type of the iterates, which sets the rounding level.
    cost_scale : float
        A typical magnitude of the cost; a change of the cost below ``1e3 * eps``
        of it (or of the current cost, if larger) is put down to rounding.
    tol : float or None
        The smallest decrease of the cost that lets the descent go on.
    """

    def __init__(self, dtype, cost_scale, tol):
        self.scale = float(cost_scale)
        self.roundoff = _ROUNDING_SLACK * np.finfo(dtype).eps
        self.tol = tol

    def first_stop(self, costs):
        """The first step of ``costs[1:]`` (steps from ``costs[0]``) that stops.

        Returns ``(j, status)`` where ``costs[j]`` is the last accepted cost, or
        ``(None, None)`` when every step is accepted and none stops the loop.

        * A step whose cost is not finite, or rose by more than rounding, is
          refused: ``DIVERGED`` (``NOT_A_NUMBER`` for NaN, which the caller may
          tell apart from overflow).
        * A step that lowered the cost by less than ``tol``, a fall within
          rounding counting as none, is accepted and stops: ``CONVERGED``.
        """
        before, after = costs[:-1], costs[1:]
        with np.errstate(invalid="ignore", over="ignore"):
            slack = self.roundoff * np.maximum(self.scale, np.abs(before))
            refused = ~np.isfinite(after) | (after - before > slack)
            stop = refused
            if self.tol is not None:
                stop = stop | (before - after < self.tol + slack)
        if not stop.any():
            return None, None
        first = int(np.argmax(stop))
        if not refused[first]:
            return first + 1, Status.CONVERGED
        if np.isnan(after[first]):
            return first, Status.NOT_A_NUMBER
        return first, Status.DIVERGED


def descend(
    stepper,
    *,
    max_iter,
    tol=None,
    callback=None,
    store_path=False,
    verbose=0,
    validation=False,
    n_iter_no_change=None,
):
    """Run the descent loop over ``stepper``: the only iteration of skgd.

    In order:

    1. ask the stepper for the cost at the start, and record it (and the start,
       with ``store_path``; its validation cost, with ``validation``);
    2. ask it for the costs of a block of next steps (one step for the literal
       and dual solvers, many for the closed form of the 'gram' solver);
    3. apply the stop rules to the block: divergence refuses the first step whose
       cost rose, ``tol`` accepts the first step that lowered it too little;
    4. with ``validation``, ask for the validation costs of the accepted steps;
       with ``n_iter_no_change``, early stopping accepts them up to the step at
       which the validation cost has not fallen for that many steps;
    5. record the accepted steps' points and call ``callback`` after each, which
       may stop the loop by raising ``StopIteration``;
    6. tell the stepper how many steps were accepted, add their costs to the
       history, and go back to 2 until ``max_iter`` steps or a stop;
    7. build the result: the stepper's final point (the best one, with early
       stopping) and gradient, the histories trimmed to the steps taken, the
       path.

    Parameters
    ----------
    stepper : Stepper
        The way of computing the iterates.
    max_iter : int
        The number of steps to take when no other stop happens first.
    tol : float or None, default=None
        See :func:`gradient_descent`.
    callback : callable or None, default=None
        ``callback(intermediate_result)``, after every accepted step.
    store_path : bool or int, default=False
        See :func:`gradient_descent`.
    verbose : int, default=0
        See :func:`gradient_descent`.
    validation : bool, default=False
        Whether to record the stepper's validation costs.
    n_iter_no_change : int or None, default=None
        With ``validation``, stop early when the validation cost has not fallen
        by more than ``tol`` (then not applied to the training cost) for that many
        steps, and return the point of the best step.

    Returns
    -------
    result : GradientDescentResult
    """
    recorder = _path_recorder(store_path, max_iter)
    early = n_iter_no_change is not None
    # 1. The start.
    history = _History(max_iter + 1)
    history.append([stepper.start()])
    rules = StopRules(stepper.dtype, stepper.cost_scale, None if early else tol)
    curve = None
    if validation:
        curve = ValidationCurve(
            stepper.validation_start(),
            stepper.point(-1),
            stepper.dtype,
            n_iter_no_change,
            tol,
        )
    progress = _Progress(verbose)
    progress.report(0, [history.last])
    if recorder is not None:
        recorder.record(0, stepper.point(-1))
    status, taken = Status.MAX_ITER, 0
    while taken < max_iter:
        # 2. A block of steps, 3. the stop rules.
        costs = np.asarray(stepper.advance(max_iter - taken), dtype=np.float64)
        accepted, stop = rules.first_stop(np.concatenate([[history.last], costs]))
        n_accepted = len(costs) if accepted is None else accepted
        # 4. The validation costs, and early stopping.
        if curve is not None:
            n_accepted = curve.add(stepper.validation_costs(n_accepted), stepper.point)
            if curve.stopped:
                stop = Status.EARLY_STOPPED
        history.append(costs[:n_accepted])
        # 5. Path and callback, step by step, only when asked for.
        for i in range(n_accepted if recorder or callback else 0):
            step = taken + i + 1
            if recorder is not None and recorder.wants(step):
                recorder.record(step, stepper.point(i))
            if callback is not None:
                try:
                    callback(_intermediate(stepper, i, step, history))
                except StopIteration:
                    history.truncate(step + 1)
                    if curve is not None:
                        curve.truncate(step + 1)
                    n_accepted, stop = i + 1, Status.CALLBACK
                    break
        # 6. Accept.
        stepper.accept(n_accepted)
        progress.report(taken + 1, costs[:n_accepted])
        taken += n_accepted
        if stop is not None:
            status = stop
            break
    # 7. The result.
    path = path_iterations = None
    if recorder is not None:
        points, path_iterations = recorder.finish(taken, stepper.point(-1))
        path = stepper.parameters(points)
    cost_history = history.values()
    best = curve.best_step if early else taken
    message = STATUS_MESSAGES[status].format(nit=taken, next=taken + 1, best=best)
    progress.finish(taken, cost_history[-1], message)
    return GradientDescentResult(
        x=stepper.parameters([curve.best_point if early else stepper.point(-1)])[0],
        fun=float(cost_history[best]),
        grad=stepper.gradient(-1) if best == taken else None,
        nit=taken,
        status=status,
        message=message,
        cost_history=cost_history,
        path=path,
        path_iterations=path_iterations,
        validation_cost_history=None if curve is None else curve.values(),
        best_iteration=best if early else None,
    )


def _intermediate(stepper, i, step, history):
    cost_history = history.view(step + 1)
    return GradientDescentResult(
        x=stepper.parameters([stepper.point(i)])[0],
        fun=float(cost_history[-1]),
        grad=stepper.gradient(i),
        nit=step,
        status=Status.RUNNING,
        message=STATUS_MESSAGES[Status.RUNNING].format(nit=step),
        cost_history=cost_history,
    )


class _Progress:
    """What ``verbose`` prints: the cost at steps 0, 1, 2, 5, 10, 20, 50, ...

    (every step from ``verbose=2``), and the last step with why it stopped.
    """

    def __init__(self, verbose):
        self.verbose = verbose
        self.last_shown = -1

    def wants(self, step):
        if self.verbose >= 2 or step == 0:
            return True
        magnitude = 10 ** int(np.log10(step))
        return step // magnitude in (1, 2, 5) and step % magnitude == 0

    def report(self, first_step, costs):
        if not self.verbose:
            return
        for step, cost in enumerate(costs, start=first_step):
            if self.wants(step):
                print(f"Step {step}, cost = {cost:.8g}")
                self.last_shown = step

    def finish(self, step, cost, message):
        if not self.verbose:
            return
        if step != self.last_shown:
            print(f"Step {step}, cost = {cost:.8g}")
        print(message)


def _path_recorder(store_path, max_iter):
    capacity = path_capacity(store_path)
    return PathRecorder(capacity, planned_steps=max_iter) if capacity else None


class _History:
    """The costs so far: a buffer that doubles as needed, trimmed at the end."""

    def __init__(self, capacity):
        self._capacity = capacity
        self._values = np.empty(min(capacity, _INITIAL_HISTORY))
        self._size = 0

    @property
    def last(self):
        return self._values[self._size - 1]

    def append(self, costs):
        needed = self._size + len(costs)
        if needed > len(self._values):
            grown = np.empty(min(self._capacity, max(needed, 2 * len(self._values))))
            grown[: self._size] = self._values[: self._size]
            self._values = grown
        self._values[self._size : needed] = costs
        self._size = needed

    def view(self, size):
        """The first ``size`` costs, a view (for results handed to a callback)."""
        return self._values[:size]

    def truncate(self, size):
        self._size = size

    def values(self):
        """A copy of the costs so far, holding no memory beyond them."""
        return self._values[: self._size].copy()
