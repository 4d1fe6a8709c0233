"""Glue between the descent loop and scikit-learn's callback API (1.9+).

On scikit-learn versions without ``sklearn.callback`` the estimator works as
before, without callbacks.
"""

from skgd._descent import descend
from skgd._loss import unpack

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in for ``sklearn.callback.CallbackSupportMixin``: no callbacks."""

    CALLBACKS_SUPPORTED = False
else:
    CALLBACKS_SUPPORTED = True


def begin_fit_task(estimator, *, max_steps, X, y, metadata):
    """Open the root callback task of a fit, with one sub-task per step.

    Returns the root context, or ``None`` where scikit-learn has no callbacks.
    """
    if not CALLBACKS_SUPPORTED:
        return None
    context = estimator._init_callback_context(max_subtasks=max_steps)
    context.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=metadata)
    return context


def end_fit_task(context, estimator, *, X, y, metadata, attributes):
    """Close the root callback task opened by :func:`begin_fit_task`."""
    if context is not None:
        context.call_on_fit_task_end(
            estimator=estimator,
            X=X,
            y=y,
            metadata=metadata,
            reconstruction_attributes=attributes,
        )


class StepCallbacks:
    """A ``gradient_descent`` callback that makes each step a callback sub-task.

    The sub-task of step ``k`` begins with the parameters before the step and ends
    with those after it, as ``coef_``/``intercept_`` reconstruction attributes; a
    callback asking to stop ends the descent through ``StopIteration``.
    """

    def __init__(self, context, estimator, *, X, y, metadata, unpack, theta0):
        self._context = context
        self._hook_arguments = dict(estimator=estimator, X=X, y=y, metadata=metadata)
        self._unpack = unpack
        # The loop never updates its point in place, so holding it needs no copy.
        self._theta_before = theta0

    def _attributes(self, theta):
        # Evaluated lazily: only callbacks that ask for a fitted estimator pay.
        def reconstruct():
            coef, intercept = self._unpack(theta)
            return {"coef_": coef, "intercept_": intercept}

        return reconstruct

    def __call__(self, intermediate_result):
        step = self._context.subcontext(task_name="gradient step")
        step.call_on_fit_task_begin(
            **self._hook_arguments,
            reconstruction_attributes=self._attributes(self._theta_before),
        )
        stop = step.call_on_fit_task_end(
            **self._hook_arguments,
            reconstruction_attributes=self._attributes(intermediate_result.x),
        )
        self._theta_before = intermediate_result.x
        if stop:
            raise StopIteration


def descend_with_callbacks(estimator, stepper, *, X, y, sample_weight, theta0, **loop):
    """:func:`skgd._descent.descend` as a task of scikit-learn's callbacks.

    Without callbacks (or on scikit-learn < 1.9), the loop gets no callback, so
    that no solver forms the parameters of every step for nothing. ``loop`` are
    the loop's keyword arguments; ``X`` is what the callbacks are handed (None
    for a fit from statistics).
    """
    fit_intercept = estimator.fit_intercept
    n_features = theta0.shape[0] - fit_intercept

    def unpack_theta(theta):
        return unpack(theta, n_features, fit_intercept)

    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    context = begin_fit_task(
        estimator, max_steps=loop["max_iter"], X=X, y=y, metadata=metadata
    )
    step_callbacks = None
    if context is not None and getattr(estimator, "_skl_callbacks", None):
        step_callbacks = StepCallbacks(
            context,
            estimator,
            X=X,
            y=y,
            metadata=metadata,
            unpack=unpack_theta,
            theta0=theta0,
        )
    result = descend(stepper, callback=step_callbacks, **loop)
    coef, intercept = unpack_theta(result.x)
    end_fit_task(
        context,
        estimator,
        X=X,
        y=y,
        metadata=metadata,
        attributes={"coef_": coef, "intercept_": intercept},
    )
    return result
