"""Keeping the parameter path of a descent within a fixed number of points."""

import numpy as np

# store_path=True keeps this many points: the start and every step of a default
# 1000-step fit.
DEFAULT_PATH_POINTS = 1001


def path_capacity(store_path):
    """The number of points ``store_path`` asks for, or 0 for no path.

    ``False`` keeps none, ``True`` keeps up to :data:`DEFAULT_PATH_POINTS`, an
    int >= 2 at most that many.
    """
    if store_path is False or store_path is None:
        return 0
    if store_path is True:
        return DEFAULT_PATH_POINTS
    capacity = int(store_path)
    if capacity < 2:
        raise ValueError(
            f"store_path must be a bool or an int >= 2 (the first and last points "
            f"are always kept), got {store_path!r}."
        )
    return capacity


class PathRecorder:
    """The points of a descent at steps ``0, s, 2s, ...`` and the last step.

    The stride ``s`` is the smallest that fits the planned steps into
    ``capacity`` points. Should more steps come, every other point is dropped and
    the stride doubles, so at most ``capacity`` points are ever held.

    Parameters
    ----------
    capacity : int
        The largest number of points kept, >= 2.
    planned_steps : int, default=0
        The number of steps the descent will take if nothing stops it early.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._path import PathRecorder
    >>> recorder = PathRecorder(5, planned_steps=8)
    >>> for step in range(9):
    ...     recorder.record(step, np.array([float(step)]))
    >>> points, steps = recorder.finish(8, np.array([8.0]))
    >>> steps
    array([0, 2, 4, 6, 8])
    """

    def __init__(self, capacity, planned_steps=0):
        self.capacity = capacity
        # Steps 0, s, ..., up to planned_steps are at most capacity points.
        self.stride = max(1, -(-planned_steps // (capacity - 1)))
        self._points = []
        self._steps = []

    def wants(self, step):
        """Whether :meth:`record` would keep the point of this step."""
        return step % self.stride == 0

    def record(self, step, x):
        """Keep ``x``, the point after ``step`` steps, if it falls on the stride."""
        if not self.wants(step):
            return
        self._points.append(x)  # steppers never change a point they gave
        self._steps.append(step)
        if len(self._steps) > self.capacity:
            self._thin()

    def _thin(self):
        self.stride *= 2
        kept = [i for i, s in enumerate(self._steps) if s % self.stride == 0]
        self._points = [self._points[i] for i in kept]
        self._steps = [self._steps[i] for i in kept]

    def finish(self, step, x):
        """The kept points, the last one (``x`` after ``step`` steps) included.

        Returns
        -------
        points : list of n_points points, as recorded
        steps : ndarray of int of shape (n_points,)
        """
        if not self._steps or self._steps[-1] != step:
            if len(self._steps) == self.capacity:
                self._thin()  # make room for the last point
            self._points.append(x)
            self._steps.append(step)
        return list(self._points), np.asarray(self._steps, dtype=np.intp)
