"""Persistence: pickle round trips bit for bit; skops.io with the documented types.

The user guide ("Data larger than memory", "Saving a fit") lists the types a
file of skgd's needs trusted; the test below pins that list against
``skops.io.get_untrusted_types`` for every way of fitting.
"""

import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GradientDescentRegressor, SufficientStatistics

sio = pytest.importorskip("skops.io", reason="skops is in the optional test extra")

GUIDE = (Path(__file__).resolve().parents[1] / "docs" / "user_guide.rst").read_text()
ESTIMATOR = "skgd._regressor.GradientDescentRegressor"
STATISTICS = "skgd._statistics.SufficientStatistics"


def data(n_targets=None):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3)) + 2.0
    y = X @ rng.standard_normal((3,) if n_targets is None else (3, n_targets)) + 1.0
    return X, y


def fitted(kind):
    X, y = data(n_targets=2 if kind == "several targets" else None)
    if kind == "gram":
        return GradientDescentRegressor(max_iter=50, store_path=True).fit(X, y)
    if kind == "literal":
        return GradientDescentRegressor(max_iter=20, solver="literal").fit(X, y)
    if kind == "partial_fit":
        reg = GradientDescentRegressor(max_iter=50).partial_fit(X[:40], y[:40])
        return reg.partial_fit(X[40:], y[40:])
    if kind == "several targets":
        return GradientDescentRegressor(max_iter=50).fit(X, y)
    if kind == "pipeline":
        return make_pipeline(StandardScaler(), GradientDescentRegressor()).fit(X, y)
    return SufficientStatistics.from_data(X, y)  # "statistics"


# What the user guide documents: the types to trust, for each kind of object.
TRUSTED = {
    "gram": [ESTIMATOR, STATISTICS],
    "literal": [ESTIMATOR],
    "partial_fit": [ESTIMATOR, STATISTICS],
    "several targets": [ESTIMATOR, STATISTICS],
    "pipeline": [ESTIMATOR, STATISTICS],
    "statistics": [STATISTICS],
}


def test_the_user_guide_documents_these_types():
    section = GUIDE.split("\nSaving a fit\n", 1)[1]
    for name in (ESTIMATOR, STATISTICS):
        assert f"'{name}'" in section or f"``{name}``" in section, name
    assert re.search(r"solver='literal'.*only", section, re.S)


@pytest.mark.parametrize("kind", TRUSTED)
def test_skops_needs_exactly_the_documented_types(kind):
    obj = fitted(kind)
    data_bytes = sio.dumps(obj)
    assert sorted(sio.get_untrusted_types(data=data_bytes)) == sorted(TRUSTED[kind])
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(data_bytes, trusted=[])
    loaded = sio.loads(data_bytes, trusted=TRUSTED[kind])
    assert_same_object(loaded, obj)


@pytest.mark.parametrize("kind", TRUSTED)
def test_pickle_round_trips_bit_for_bit(kind):
    obj = fitted(kind)
    once = pickle.dumps(obj)
    loaded = pickle.loads(once)
    if kind == "pipeline":
        # A fitted StandardScaler pickles to other bytes after one round trip
        # (scikit-learn's, not skgd's); the skgd step's bytes are the same.
        assert pickle.dumps(loaded[-1]) == pickle.dumps(obj[-1])
    else:
        assert pickle.dumps(loaded) == once
    assert_same_object(loaded, obj)


def assert_same_object(loaded, original):
    assert type(loaded) is type(original)
    if isinstance(original, SufficientStatistics):
        for name, value in vars(original).items():
            np.testing.assert_array_equal(getattr(loaded, name), value, err_msg=name)
        return
    X, _ = data()
    # Bit for bit: the same predictions and the same fitted arrays.
    np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    reg, again = (
        (original[-1], loaded[-1])
        if hasattr(original, "steps")
        else (
            original,
            loaded,
        )
    )
    for name, value in vars(reg).items():
        if name.endswith("_") and not name.startswith("_"):
            if isinstance(value, SufficientStatistics):
                assert_same_object(getattr(again, name), value)
            else:
                np.testing.assert_array_equal(getattr(again, name), value, name)
