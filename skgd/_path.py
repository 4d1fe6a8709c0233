"""Keeping the parameter path of a descent within a fixed number of points."""

import numpy as np

# store_path=True keeps this many points: every step of a default 1000-step fit.
DEFAULT_PATH_POINTS = 1000


def path_capacity(store_path):
    """The number of points ``store_path`` asks for, or 0 for no path.

    ``False`` keeps none, ``True`` keeps :data:`DEFAULT_PATH_POINTS`, an int >= 2
    keeps at most that many.
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

    The stride ``s`` starts at 1. When the buffer is full, every other point is
    dropped and the stride doubles, so at most ``capacity`` points are ever held
    however many steps the descent takes.

    Parameters
    ----------
    capacity : int
        The largest number of points kept, >= 2.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd._path import PathRecorder
    >>> recorder = PathRecorder(5)
    >>> for step in range(8):
    ...     recorder.record(step, np.array([float(step)]))
    >>> points, steps = recorder.finish(7, np.array([7.0]))
    >>> steps
    array([0, 2, 4, 6, 7])
    """

    def __init__(self, capacity):
        self.capacity = capacity
        self.stride = 1
        self._points = []
        self._steps = []

    def wants(self, step):
        """Whether :meth:`record` would keep the point of this step."""
        return step % self.stride == 0

    def record(self, step, x):
        """Keep ``x``, the point after ``step`` steps, if it falls on the stride."""
        if not self.wants(step):
            return
        self._points.append(np.array(x, copy=True))
        self._steps.append(step)
        # One slot stays free for the last point, which finish() always adds.
        if len(self._steps) > self.capacity - 1:
            self.stride *= 2
            kept = [i for i, s in enumerate(self._steps) if s % self.stride == 0]
            self._points = [self._points[i] for i in kept]
            self._steps = [self._steps[i] for i in kept]

    def finish(self, step, x):
        """The kept points, the last one (``x`` after ``step`` steps) included.

        Returns
        -------
        points : ndarray of shape (n_points, *x.shape)
        steps : ndarray of int of shape (n_points,)
        """
        if not self._steps or self._steps[-1] != step:
            self._points.append(np.array(x, copy=True))
            self._steps.append(step)
        return np.stack(self._points), np.asarray(self._steps, dtype=np.intp)
