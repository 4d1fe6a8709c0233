"""Dask arrays and DataFrames: the same fit as in memory, from one pass, never whole.

Most tests run on Dask's synchronous scheduler (in this process, so that the
loaders can count their calls); those marked with the ``client`` fixture run on
a local cluster of two worker processes, on loopback only.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from reference import assert_follows

from skgd import DivergenceError, GradientDescentRegressor, SufficientStatistics

dask = pytest.importorskip("dask", reason="Dask is the optional extra skgd[dask]")
da = pytest.importorskip("dask.array", reason="Dask is the optional extra skgd[dask]")
dd = pytest.importorskip(
    "dask.dataframe", reason="Dask's DataFrames need pandas and pyarrow"
)
distributed = pytest.importorskip(
    "distributed", reason="distributed is in the optional extra skgd[dask]"
)
pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def client():
    """A cluster of two worker processes, on loopback, for this module's tests."""
    with warnings.catch_warnings():
        # distributed's own start-up chatter, not skgd's.
        warnings.simplefilter("ignore", DeprecationWarning)
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def problem(n_samples=200, n_features=4, n_targets=None, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) + offset
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.standard_normal((n_samples,) + shape[1:])
    y = X @ rng.standard_normal(shape) + 2.0 + noise
    weights = rng.uniform(0.0, 2.0, n_samples)
    weights[rng.random(n_samples) < 0.2] = 0.0
    return X, y, weights


def assert_same_fit(dask_fit, memory_fit, rtol=1e-12, cost_rtol=1e-10):
    """Coefficients to 1e-12 relative, costs to 1e-10, and the same steps."""
    assert dask_fit.n_iter_ == memory_fit.n_iter_
    assert dask_fit.alpha_ == pytest.approx(memory_fit.alpha_, rel=1e-12)
    scale = np.max(np.abs(memory_fit.coef_))
    assert_allclose(dask_fit.coef_, memory_fit.coef_, rtol=rtol, atol=rtol * scale)
    assert_allclose(
        dask_fit.intercept_, memory_fit.intercept_, rtol=rtol, atol=rtol * scale
    )
    assert_allclose(dask_fit.cost_history_, memory_fit.cost_history_, rtol=cost_rtol)
    assert np.asarray(dask_fit.coef_).dtype == np.asarray(memory_fit.coef_).dtype


CHUNKINGS = {
    "rows of 1": lambda X: da.from_array(X, chunks=(1, -1)),
    "rows of 7": lambda X: da.from_array(X, chunks=(7, -1)),
    "ragged": lambda X: da.from_array(X, chunks=((3, 50, 1, 90, 56), (X.shape[1],))),
    "short last": lambda X: da.from_array(X, chunks=(64, -1)),  # 200 = 3 * 64 + 8
    "column chunks": lambda X: da.from_array(X, chunks=(33, 1)),
}


@pytest.mark.parametrize("solver", ["gram", "literal"])
@pytest.mark.parametrize("chunking", CHUNKINGS)
def test_every_chunking_gives_the_in_memory_trajectory(chunking, solver, synchronous):
    X, y, weights = problem()
    steps = 60 if solver == "gram" else 6  # a distributed pass per literal step
    params = dict(max_iter=steps, solver=solver)
    memory = GradientDescentRegressor(**params).fit(X, y, sample_weight=weights)
    chunked = CHUNKINGS[chunking](X)
    rows = chunked.chunks[0]
    fitted = GradientDescentRegressor(**params).fit(
        chunked, da.from_array(y, chunks=(rows,)), da.from_array(weights, chunks=rows)
    )
    assert_same_fit(fitted, memory)
    assert fitted.solver_ == solver and fitted.n_features_in_ == 4
    assert_follows(fitted, X, y, weights)  # and the textbook loop's


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_several_targets_and_dtypes(order, dtype, synchronous):
    X, y, _ = problem(n_targets=3)
    X, y = np.asarray(X, dtype=dtype, order=order), np.asarray(y, order=order)
    memory = GradientDescentRegressor(max_iter=40).fit(X, y)
    fitted = GradientDescentRegressor(max_iter=40).fit(
        da.from_array(X, chunks=(45, 2)), da.from_array(y, chunks=(45, 1))
    )
    assert fitted.coef_.shape == (3, 4) and fitted.coef_.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_same_fit(fitted, memory, rtol=rtol, cost_rtol=max(rtol, 1e-10))


@pytest.mark.parametrize(
    "params",
    [
        {"fit_intercept": False},
        {"tol": 1e-4, "max_iter": 10_000},
        {"alpha": 0.01},
        {"store_path": 5, "compute_min_cost": True},
    ],
    ids=["no intercept", "tol", "fixed alpha", "path"],
)
def test_the_parameters_act_as_in_memory(params, synchronous):
    X, y, weights = problem()
    params = {"max_iter": 50, **params}
    memory = GradientDescentRegressor(**params).fit(X, y, sample_weight=weights)
    fitted = GradientDescentRegressor(**params).fit(
        da.from_array(X, chunks=30), y, sample_weight=weights
    )
    assert_same_fit(fitted, memory)
    if "store_path" in params:
        assert_allclose(fitted.coef_path_, memory.coef_path_, rtol=1e-12)
        assert fitted.min_cost_ == pytest.approx(memory.min_cost_, rel=1e-10)


@pytest.mark.parametrize("solver", ["gram", "literal"])
def test_divergence_is_the_same_error(solver, synchronous):
    X, y, _ = problem()
    chunked = da.from_array(X, chunks=50)
    with pytest.raises(DivergenceError) as in_memory:
        GradientDescentRegressor(alpha=1.0, solver=solver).fit(X, y)
    with pytest.raises(DivergenceError) as on_dask:
        GradientDescentRegressor(alpha=1.0, solver=solver).fit(chunked, y)
    assert on_dask.value.iteration == in_memory.value.iteration
    assert on_dask.value.max_stable_alpha == pytest.approx(
        in_memory.value.max_stable_alpha, rel=1e-12
    )


def counting_loaders(X, y, row_chunk, column_chunk):
    """X and y built from delayed loaders, and the count of each loader's calls."""
    calls = {}

    def load(name, values, key):
        calls[key] = calls.get(key, 0) + 1
        return values.copy()

    rows = []
    for start in range(0, len(X), row_chunk):
        blocks = []
        for column in range(0, X.shape[1], column_chunk):
            values = X[start : start + row_chunk, column : column + column_chunk]
            task = dask.delayed(load, pure=False)("X", values, ("X", start, column))
            blocks.append(da.from_delayed(task, values.shape, dtype=X.dtype))
        rows.append(da.concatenate(blocks, axis=1))
    targets = [
        da.from_delayed(
            dask.delayed(load, pure=False)(
                "y", y[start : start + row_chunk], ("y", start)
            ),
            (len(y[start : start + row_chunk]),),
            dtype=y.dtype,
        )
        for start in range(0, len(y), row_chunk)
    ]
    return da.concatenate(rows), da.concatenate(targets), calls


def refuse_conversion(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a Dask array was converted to NumPy")

    monkeypatch.setattr(da.Array, "__array__", refuse)


def test_one_pass_reads_each_block_once_and_never_converts(monkeypatch, synchronous):
    X, y, _ = problem(n_samples=300, n_features=6)
    X_dask, y_dask, calls = counting_loaders(X, y, row_chunk=40, column_chunk=4)
    refuse_conversion(monkeypatch)
    fitted = GradientDescentRegressor(max_iter=200).fit(X_dask, y_dask)
    # 8 row blocks of 2 column blocks each, and 8 blocks of y: each loaded once.
    assert len(calls) == 8 * 2 + 8
    assert set(calls.values()) == {1}
    memory = GradientDescentRegressor(max_iter=200).fit(X, y)
    assert_same_fit(fitted, memory)


def test_x_and_y_sliced_from_one_array_load_its_blocks_once(synchronous):
    X, y, _ = problem(n_samples=300, n_features=6)
    rows, _, calls = counting_loaders(np.column_stack([X, y]), y, 50, 7)
    fitted = GradientDescentRegressor(max_iter=100).fit(rows[:, :6], rows[:, 6])
    assert {key: n for key, n in calls.items() if key[0] == "X"} == {
        ("X", start, 0): 1 for start in range(0, 300, 50)
    }
    assert_same_fit(fitted, GradientDescentRegressor(max_iter=100).fit(X, y))


def test_a_near_exact_fit_reads_each_block_a_second_time(monkeypatch, synchronous):
    # The residual at the least-squares point is summed in a second pass, as in
    # memory, so that the tiny costs near the minimum keep their digits.
    X, _, _ = problem(n_samples=300, n_features=6, offset=0.0)
    y = X @ np.arange(1.0, 7.0) + 5.0
    X_dask, y_dask, calls = counting_loaders(X, y, row_chunk=40, column_chunk=4)
    refuse_conversion(monkeypatch)
    fitted = GradientDescentRegressor(max_iter=3000).fit(X_dask, y_dask)
    assert set(calls.values()) == {2}
    assert_follows(fitted, X, y)  # the textbook loop's, to its rounding
    # And the costs far below the textbook loop's rounding as in memory, where
    # the anchor keeps them (at zero, they would lose every digit below 1e-14).
    memory = GradientDescentRegressor(max_iter=3000).fit(X, y)
    assert memory.cost_history_[25] < 1e-19
    assert_allclose(
        fitted.cost_history_,
        memory.cost_history_,
        rtol=1e-8,
        atol=1e-27 * memory.cost_history_[0],
    )


def test_dataframes_give_feature_names_and_lazy_predictions(synchronous):
    X, y, weights = problem(n_samples=120)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    X_dd = dd.from_pandas(frame, npartitions=3)
    y_dd = dd.from_pandas(pd.Series(y), npartitions=3)
    w_dd = dd.from_pandas(pd.Series(weights), npartitions=3)
    fitted = GradientDescentRegressor(max_iter=50).fit(X_dd, y_dd, w_dd)
    memory = GradientDescentRegressor(max_iter=50).fit(frame, y, sample_weight=weights)
    assert_same_fit(fitted, memory)
    assert list(fitted.feature_names_in_) == ["a", "b", "c", "d"]
    prediction = fitted.predict(X_dd)
    assert isinstance(prediction, da.Array)
    assert_allclose(prediction.compute(), memory.predict(frame), rtol=1e-12)
    assert fitted.score(X_dd, y_dd) == pytest.approx(memory.score(frame, y), rel=1e-12)
    with pytest.raises(ValueError, match="feature names should match"):
        fitted.predict(X_dd[["b", "a", "c", "d"]])


def test_predict_is_lazy_and_blockwise(monkeypatch, synchronous):
    X, y, _ = problem(n_targets=2)
    fitted = GradientDescentRegressor(max_iter=30).fit(X, y)
    X_dask = da.from_array(X, chunks=(64, 2))
    refuse_conversion(monkeypatch)
    prediction = fitted.predict(X_dask)
    assert isinstance(prediction, da.Array) and prediction.shape == (200, 2)
    assert_allclose(prediction.compute(), fitted.predict(X), rtol=1e-12)
    with pytest.raises(ValueError, match="X has 3 features"):
        fitted.predict(X_dask[:, :3])


def with_nan(X):
    X = X.copy()
    X[150, 2] = np.nan
    return X


def with_inf(X):
    X = X.copy()
    X[150, 2] = np.inf
    return X


BAD_INPUTS = {
    "NaN": (lambda X, y, w: (with_nan(X), y, None), "Input X contains NaN"),
    "infinity": (lambda X, y, w: (with_inf(X), y, None), "contains infinity"),
    "NaN in y": (
        lambda X, y, w: (X, np.where(np.arange(len(y)) == 3, np.nan, y), None),
        "Input y contains NaN",
    ),
    "squares overflow": (lambda X, y, w: (X * 1e160, y, None), "too large"),
    "too few y": (lambda X, y, w: (X, y[:-1], None), "inconsistent numbers"),
    "negative weights": (lambda X, y, w: (X, y, -w), "Negative values"),
    "zero weights": (lambda X, y, w: (X, y, 0 * w), "positive sum"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gets_the_in_memory_error(case, synchronous):
    X, y, weights = problem()
    make, message = BAD_INPUTS[case]
    X, y, weights = make(X, y, weights)
    with pytest.raises(ValueError, match=message):
        GradientDescentRegressor().fit(X, y, sample_weight=weights)
    chunked = da.from_array(X, chunks=40)
    with pytest.raises(ValueError, match=message):
        GradientDescentRegressor().fit(chunked, y, sample_weight=weights)


def test_a_1d_x_and_the_dual_solver_are_refused(synchronous):
    X, y, _ = problem()
    with pytest.raises(ValueError, match="Expected 2D array"):
        GradientDescentRegressor().fit(da.from_array(X[:, 0], chunks=40), y)
    with pytest.raises(ValueError, match="solver='dual'"):
        GradientDescentRegressor(solver="dual").fit(da.from_array(X, chunks=40), y)


def test_statistics_of_a_dask_array_equal_those_in_memory(synchronous):
    X, y, weights = problem(offset=1e4)
    on_dask = SufficientStatistics.from_data(
        da.from_array(X, chunks=(17, 3)), y, da.from_array(weights, chunks=17)
    )
    in_memory = SufficientStatistics.from_data(X, y, weights)
    for name in ["mean_x", "mean_residual", "comoment_xx", "comoment_xr"]:
        assert_allclose(getattr(on_dask, name), getattr(in_memory, name), rtol=1e-11)
    assert on_dask.n_samples == 200 and on_dask.weight_sum == pytest.approx(
        weights.sum(), rel=1e-14
    )


@pytest.mark.parametrize("solver", ["gram", "literal"])
def test_the_l2_penalty_acts_as_in_memory(solver, synchronous):
    X, y, weights = problem(n_targets=2)
    params = dict(max_iter=60 if solver == "gram" else 6, solver=solver, l2_penalty=0.7)
    params["compute_min_cost"] = True
    memory = GradientDescentRegressor(**params).fit(X, y, sample_weight=weights)
    fitted = GradientDescentRegressor(**params).fit(
        da.from_array(X, chunks=(45, 2)), y, sample_weight=weights
    )
    assert_same_fit(fitted, memory)
    assert fitted.min_cost_ == pytest.approx(memory.min_cost_, rel=1e-10)
    # The penalty is in the cost: without it the fit is another.
    plain = GradientDescentRegressor(**{**params, "l2_penalty": 0.0}).fit(X, y, weights)
    assert not np.allclose(plain.coef_, fitted.coef_, rtol=1e-3)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("validation_on_dask", [False, True])
@pytest.mark.parametrize("solver", ["gram", "literal"])
def test_a_validation_set_acts_as_in_memory(
    solver, validation_on_dask, early_stopping, synchronous
):
    X, y, weights = problem(n_samples=14, seed=3)
    X_val, y_val, weights_val = problem(n_samples=60, seed=4)
    # Few rows and many steps, so that the validation cost turns up.
    steps = 1000 if solver == "gram" else 60
    params = dict(max_iter=steps, solver=solver, alpha=0.02)
    params.update(early_stopping=early_stopping, n_iter_no_change=3)
    validation = dict(X_val=X_val, y_val=y_val, sample_weight_val=weights_val)
    memory = GradientDescentRegressor(**params).fit(X, y, weights + 0.5, **validation)
    if validation_on_dask:
        validation = {
            "X_val": da.from_array(X_val, chunks=25),
            "y_val": da.from_array(y_val, chunks=25),
            "sample_weight_val": da.from_array(weights_val, chunks=25),
        }
    fitted = GradientDescentRegressor(**params).fit(
        da.from_array(X, chunks=5), y, weights + 0.5, **validation
    )
    assert_same_fit(fitted, memory, rtol=1e-10)
    assert (memory.n_iter_ < steps) == early_stopping
    assert_allclose(
        fitted.validation_cost_history_, memory.validation_cost_history_, rtol=1e-10
    )
    if early_stopping:
        assert fitted.best_iteration_ == memory.best_iteration_


def test_early_stopping_on_dask_needs_a_validation_set(synchronous):
    X, y, _ = problem()
    reg = GradientDescentRegressor(early_stopping=True)
    with pytest.raises(ValueError, match="early_stopping on Dask collections needs"):
        reg.fit(da.from_array(X, chunks=50), y)
    with pytest.raises(ValueError, match="X_val is provided, but y_val"):
        reg.fit(da.from_array(X, chunks=50), y, X_val=X)
    with pytest.raises(ValueError, match="expecting 4 features"):
        reg.fit(da.from_array(X, chunks=50), y, X_val=X[:, :3], y_val=y)
    with pytest.raises(ValueError, match=r"X_val and y_val have \(4, 2\)"):
        reg.fit(da.from_array(X, chunks=50), y, X_val=X, y_val=np.c_[y, y])
    assert not hasattr(reg, "coef_")
    # Too wide for the validation rows' statistics: refused before any pass.
    wide = da.zeros((4, 16_384), chunks=(2, -1))
    with pytest.raises(ValueError, match="at most 16383 features, X has 16384"):
        GradientDescentRegressor(solver="literal").fit(
            wide, np.zeros(4), X_val=wide, y_val=np.zeros(4)
        )


def test_on_a_cluster_the_fits_are_the_same(client):
    X, y, weights = problem(n_samples=400, n_targets=2)
    X_dask = da.from_array(X, chunks=(50, 3))
    memory = GradientDescentRegressor(max_iter=100).fit(X, y, sample_weight=weights)
    fitted = GradientDescentRegressor(max_iter=100).fit(X_dask, y, weights)
    assert_same_fit(fitted, memory)
    literal = dict(max_iter=10, solver="literal")
    memory = GradientDescentRegressor(**literal).fit(X, y, sample_weight=weights)
    fitted = GradientDescentRegressor(**literal).fit(X_dask, y, weights)
    assert_same_fit(fitted, memory)
    assert fitted.score(X_dask, y) == pytest.approx(memory.score(X, y), rel=1e-12)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        GradientDescentRegressor().fit(da.from_array(with_nan(X), chunks=50), y)
