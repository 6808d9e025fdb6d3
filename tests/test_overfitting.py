"""Unit tests for :mod:`scaling_utils.overfitting`.

* double descent: the solvers against closed forms and each other, the interpolation
  threshold on synthetic data and on scikit-learn's bundled ``load_digits`` (no
  download), the result object, bad input;
* the repetition experiment: the model, the effective-data inversion, the fit of R_D*
  (planted-parameter recovery), bad input.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_utils import laws, overfitting

NONFINITE = [float("nan"), float("inf")]


# ================================================================ double descent
def _toy(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    labels = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return X, labels


def test_random_relu_weights_shape_scale_and_seed():
    W = overfitting.random_relu_weights(64, 5000, rng=0)
    assert W.shape == (64, 5000)
    assert W.var() == pytest.approx(1 / 64, rel=0.03)
    np.testing.assert_array_equal(W, overfitting.random_relu_weights(64, 5000, rng=0))
    assert not np.array_equal(W, overfitting.random_relu_weights(64, 5000, rng=1))
    gen = np.random.default_rng(3)
    assert overfitting.random_relu_weights(2, 3, rng=gen).shape == (2, 3)


def test_relu_features():
    X = np.array([[1.0, -1.0], [0.5, 2.0]])
    W = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -2.0]])
    np.testing.assert_allclose(overfitting.relu_features(X, W), np.maximum(X @ W, 0))
    assert overfitting.relu_features(X, W).min() >= 0


def test_min_norm_solution_interpolates_with_least_norm():
    rng = np.random.default_rng(1)
    Phi, Y = rng.normal(size=(10, 30)), rng.normal(size=(10, 2))
    B = overfitting.min_norm_solution(Phi, Y)
    np.testing.assert_allclose(Phi @ B, Y, atol=1e-10)
    np.testing.assert_allclose(B, np.linalg.pinv(Phi) @ Y, atol=1e-10)
    # Any other interpolant (add a null-space direction) has a larger norm.
    null = np.linalg.svd(Phi)[2][-1]
    assert np.linalg.norm(B + null[:, None]) > np.linalg.norm(B)
    # Under-parameterised: ordinary least squares.
    Phi2, y2 = rng.normal(size=(40, 3)), rng.normal(size=40)
    np.testing.assert_allclose(
        overfitting.min_norm_solution(Phi2, y2), np.linalg.solve(Phi2.T @ Phi2, Phi2.T @ y2)
    )


@pytest.mark.parametrize("shape", [(30, 10), (10, 30)], ids=["n>p primal", "p>n dual"])
def test_ridge_solution_primal_dual_and_limits(shape):
    rng = np.random.default_rng(2)
    Phi, Y = rng.normal(size=shape), rng.normal(size=(shape[0], 3))
    n, p = shape
    lam = 0.3
    B = overfitting.ridge_solution(Phi, Y, ridge=lam)
    np.testing.assert_allclose(B, np.linalg.solve(Phi.T @ Phi + lam * n * np.eye(p), Phi.T @ Y))
    # ridge -> 0 approaches the min-norm solution; ridge = 0 is it.
    np.testing.assert_allclose(
        overfitting.ridge_solution(Phi, Y, ridge=1e-12), overfitting.min_norm_solution(Phi, Y),
        atol=1e-5,
    )
    np.testing.assert_array_equal(
        overfitting.ridge_solution(Phi, Y, ridge=0), overfitting.min_norm_solution(Phi, Y)
    )
    # Larger penalty, smaller coefficients.
    assert np.linalg.norm(overfitting.ridge_solution(Phi, Y, ridge=10.0)) < np.linalg.norm(B)


def test_spectral_solutions_match_public_solvers():
    rng = np.random.default_rng(4)
    for shape in [(20, 8), (20, 20), (20, 50)]:
        Phi, Y = rng.normal(size=shape), rng.normal(size=(20, 4))
        (B0, B1), rank = overfitting._spectral_solutions(Phi, Y, [0.0, 0.05])
        assert rank == min(shape)
        np.testing.assert_allclose(B0, overfitting.min_norm_solution(Phi, Y), atol=1e-7)
        np.testing.assert_allclose(B1, overfitting.ridge_solution(Phi, Y, ridge=0.05), atol=1e-10)
    # Rank deficiency (repeated columns) is detected and handled like the pseudo-inverse.
    Phi = np.hstack([rng.normal(size=(20, 5))] * 3)
    Y = rng.normal(size=(20, 2))
    (B0,), rank = overfitting._spectral_solutions(Phi, Y, [0.0])
    assert rank == 5
    np.testing.assert_allclose(B0, np.linalg.pinv(Phi) @ Y, atol=1e-8)


@pytest.fixture(scope="module")
def digits_sweep():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    sizes = [20, 60, 100, 150, 190, 200, 210, 220, 260, 500, 800]
    return overfitting.double_descent_sweep(
        X / 16.0, y, n_train=100 * 2, n_features=sizes, ridges=(0.0, 0.1), n_repeats=3, seed=0
    )


def test_double_descent_on_digits_peak_at_interpolation_threshold(digits_sweep):
    sw = digits_sweep
    assert sw.n_train == 200 and sw.n_test == 1797 - 200 and sw.n_repeats == 3
    # Dead ReLU features (zero on every training image) add columns but no rank: the
    # features reach rank n_train a little past n_features = n_train, and the test
    # error peaks just before that, where the rank is closest to n_train.
    ranks = sw.results.groupby("n_features")["rank"].max()
    assert ranks[200] < 200 and ranks[800] == 200
    assert 200 < sw.threshold() <= 260
    peak = sw.peak(ridge=0.0)
    assert 190 <= peak <= 220
    t = sw.table("test_mse").set_index(["ridge", "n_features"])["median"]
    # The peak is far above both sides, and the largest model beats the best small one.
    assert t[(0.0, peak)] > 10 * t[(0.0, 100)]
    assert t[(0.0, peak)] > 10 * t[(0.0, 800)]
    assert t[(0.0, 800)] < min(t[(0.0, p)] for p in (20, 60, 100, 150))
    # Ridge removes the peak: test error is monotone-ish and small at the threshold.
    r = t[0.1]
    assert r[200] < 2 * r.min()
    assert sw.peak(ridge=0.1) == 20
    # Interpolation: zero training error past the threshold (min-norm).
    tr = sw.table("train_mse").set_index(["ridge", "n_features"])["median"]
    assert tr[(0.0, 500)] < 1e-12 and tr[(0.0, 100)] > 0.05


def test_double_descent_sweep_result_object(digits_sweep):
    sw = digits_sweep
    assert isinstance(sw.results, pd.DataFrame)
    assert len(sw.results) == 2 * 11 * 3
    assert set(sw.results.columns) == {
        "ridge", "n_features", "repeat", "train_mse", "test_mse", "train_error",
        "test_error", "norm", "rank",
    }
    gap = sw.table("gap_mse")
    assert set(gap.columns) == {"ridge", "n_features", "mean", "median", "lower", "upper"}
    assert (gap["lower"] <= gap["upper"]).all()
    text = sw.summary()
    assert "3 repeats (seed 0)" in text and f"at {sw.peak()} features" in text
    assert str(sw) == text
    with pytest.raises(ValueError, match="`metric`"):
        sw.table("accuracy")
    with pytest.raises(ValueError, match="`ridge`.*not in the sweep"):
        sw.peak(ridge=0.5)
    with pytest.raises(dataclass_error()):
        sw.seed = 1  # type: ignore[misc]


def dataclass_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_double_descent_sweep_plot(digits_sweep):
    import matplotlib.pyplot as plt

    ax = digits_sweep.plot("test_error")
    assert ax.get_xscale() == "log"
    assert len(ax.get_lines()) == 3  # two ridge values and the threshold
    plt.close(ax.figure)


def test_double_descent_sweep_is_deterministic():
    X, labels = _toy()
    a = overfitting.double_descent_sweep(X, labels, n_train=20, n_features=[5, 20, 80], seed=7)
    b = overfitting.double_descent_sweep(X, labels, n_train=20, n_features=[5, 20, 80], seed=7)
    c = overfitting.double_descent_sweep(X, labels, n_train=20, n_features=[5, 20, 80], seed=8)
    pd.testing.assert_frame_equal(a.results, b.results)
    assert not a.results.equals(c.results)


def _dd_kwargs():
    X, labels = _toy()
    return dict(X=X, labels=labels, n_train=20, n_features=[5, 20, 80], ridges=(0.0,),
                n_repeats=2, seed=0, interval=0.8)


@pytest.mark.parametrize(
    "arg, value, pattern",
    [
        ("X", np.full((60, 5), np.nan), "`X`.*NaN"),
        ("X", np.ones(60), "`X` must be a 2-D"),
        ("labels", np.r_[0.5, np.zeros(59)], "`labels`"),
        ("labels", -np.ones(60), "`labels`"),
        ("labels", np.zeros(50), "Mismatched lengths"),
        ("labels", [np.nan] * 60, "`labels`"),
        ("n_train", 0, "`n_train`"),
        ("n_train", 60, "`n_train` must be smaller"),
        ("n_train", 2.5, "`n_train`"),
        ("n_features", [5], "pass at least 2 points"),
        ("n_features", [0, 5], "`n_features`"),
        ("n_features", [5, 5, 20], "repeated"),
        ("n_features", [5.5, 20], "`n_features`"),
        ("n_features", [np.nan, 20], "`n_features`"),
        ("ridges", (-1.0,), "`ridges`"),
        ("ridges", (np.nan,), "`ridges`"),
        ("n_repeats", 1, "`n_repeats`"),
        ("seed", -1, "`seed`"),
        ("seed", 1.5, "`seed`"),
        ("interval", 1.0, "`interval`"),
        ("interval", np.nan, "`interval`"),
    ],
)
def test_double_descent_sweep_bad_input(arg, value, pattern):
    kwargs = _dd_kwargs()
    kwargs[arg] = value
    X = kwargs.pop("X")
    labels = kwargs.pop("labels")
    with pytest.raises(ValueError, match=pattern):
        overfitting.double_descent_sweep(X, labels, **kwargs)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: overfitting.random_relu_weights(0, 5, rng=0), "`n_inputs`"),
        (lambda: overfitting.random_relu_weights(5, 0, rng=0), "`n_features`"),
        (lambda: overfitting.random_relu_weights(5, 5, rng=-1), "`rng`"),
        (lambda: overfitting.random_relu_weights(5, 5, rng="seed"), "`rng`"),
        (lambda: overfitting.relu_features(np.ones((3, 2)), np.ones((3, 4))), "Mismatched shapes"),
        (lambda: overfitting.relu_features(np.ones(3), np.ones((3, 4))), "`X` must be a 2-D"),
        (lambda: overfitting.relu_features([[np.nan, 1.0]], np.ones((2, 4))), "`X`.*NaN"),
        (lambda: overfitting.relu_features(np.ones((3, 2)), np.full((2, 2), np.inf)), "`W`"),
        (lambda: overfitting.min_norm_solution(np.ones((3, 2)), np.ones(4)), "Mismatched lengths"),
        (lambda: overfitting.min_norm_solution(np.ones((3, 2)), [1.0, np.nan, 2.0]), "`Y`.*NaN"),
        (lambda: overfitting.min_norm_solution(np.ones((3, 2)), np.ones((3, 1, 1))), "`Y` must be"),
        (lambda: overfitting.min_norm_solution(np.ones(3), np.ones(3)), "`Phi` must be a 2-D"),
        (lambda: overfitting.ridge_solution(np.ones((3, 2)), np.ones(3), ridge=-0.1), "`ridge`"),
        (lambda: overfitting.ridge_solution(np.ones((3, 2)), np.ones(3), ridge=np.nan), "`ridge`"),
        (lambda: overfitting.ridge_solution(np.ones((3, 2)), np.ones(2), ridge=0.1), "Mismatched"),
    ],
)
def test_solver_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# ================================================================ repeated data
from scaling_utils import entropy  # noqa: E402


@pytest.fixture(scope="module")
def source():
    return entropy.default_source()


@pytest.fixture(scope="module")
def small_experiment(source):
    return overfitting.repetition_experiment(
        source, order=2, unique_tokens=(256, 1024), max_epochs=8, n_seeds=2, seed=0, n_eval=20)


def test_context_indices_match_ngram_layout(source):
    x = np.array([0, 1, 2, 2, 1, 0])
    ctx, tgt = overfitting.context_indices(x, order=2, n_symbols=3)
    # context of position t is x[t-1] * 1 + x[t-2] * 3
    np.testing.assert_array_equal(ctx, [1 + 0 * 3, 2 + 1 * 3, 2 + 2 * 3, 1 + 2 * 3])
    np.testing.assert_array_equal(tgt, [2, 2, 1, 0])
    # Empirical (context, next) frequencies of a long sample match the exact joint.
    sample = source.sample(200_000, rng=1)
    c, t = overfitting.context_indices(sample, order=2, n_symbols=3)
    counts = np.bincount(c * 3 + t, minlength=27).reshape(9, 3) / c.size
    joint = source.ngram_distribution(3).reshape(9, 3)
    np.testing.assert_allclose(counts, joint, atol=5e-3)


def test_context_model_cross_entropy_floor_and_uniform(source):
    joint = source.ngram_distribution(4).reshape(27, 3)
    best = np.log(joint / joint.sum(1, keepdims=True))
    assert overfitting.context_model_cross_entropy(best, joint) == pytest.approx(
        source.conditional_entropy(3), abs=1e-12)
    assert overfitting.context_model_cross_entropy(np.zeros((27, 3)), joint) == pytest.approx(np.log(3))
    stacked = overfitting.context_model_cross_entropy(np.stack([best, np.zeros((27, 3))]), joint)
    assert stacked.shape == (2,) and stacked[0] < stacked[1]


def test_train_context_model_learns_and_prefix_property(source):
    joint = source.ngram_distribution(3).reshape(9, 3)
    c, t = overfitting.context_indices(source.sample(4096 + 2, rng=3), order=2, n_symbols=3)
    long = overfitting.train_context_model(c, t, joint=joint, n_tokens=4096, eval_tokens=[512, 4096], rng=0)
    short = overfitting.train_context_model(c[:512], t[:512], joint=joint, n_tokens=512, eval_tokens=[512], rng=0)
    assert long["loss"].iloc[0] == pytest.approx(short["loss"].iloc[0], abs=1e-14)
    assert long["loss"].iloc[1] < long["loss"].iloc[0] < np.log(3)
    assert long["loss"].min() > source.conditional_entropy(2)
    assert list(long.columns) == ["run", "tokens", "epochs", "loss"]
    # Shuffling the first epoch changes the path but not the ballpark.
    shuffled = overfitting.train_context_model(c, t, joint=joint, n_tokens=4096, eval_tokens=[4096], rng=0,
                                               shuffle_first_epoch=True)
    assert shuffled["loss"].iloc[0] != long["loss"].iloc[1]
    assert shuffled["loss"].iloc[0] == pytest.approx(long["loss"].iloc[1], abs=0.02)


def test_repetition_experiment_structure(small_experiment, source):
    exp = small_experiment
    assert exp.floor == pytest.approx(source.conditional_entropy(2))
    assert (exp.fresh["excess"] > 0).all() and (exp.repeated["excess"] > 0).all()
    assert set(exp.repeated["unique_tokens"]) == {256, 1024}
    assert len(exp.repeated) == 2 * 2 * 8
    # Epoch 1 of a repeated run is the fresh run's start, exactly.
    for U in (256, 1024):
        rep = exp.repeated.query("unique_tokens == @U and epochs == 1").sort_values("seed")["loss"]
        fresh = exp.fresh.query("tokens == @U").sort_values("seed")["loss"]
        np.testing.assert_allclose(rep.to_numpy(), fresh.to_numpy(), atol=1e-14)
    eff = exp.effective_tokens()
    first = eff[eff["epochs"] == 1]
    np.testing.assert_allclose(first["effective_ratio"], 1.0, rtol=1e-9)
    # Repetition is worth at most fresh data (up to seed noise) and never less than one epoch.
    ok = eff.dropna()
    assert (ok["effective_ratio"] >= 1 - 1e-9).all()
    assert (ok["value"] <= 1.05).all()
    assert "order-2 context model" in exp.summary()


def test_repetition_experiment_plot(small_experiment):
    import matplotlib.pyplot as plt

    ax = small_experiment.plot()
    assert len(ax.get_lines()) == 3
    plt.close(ax.figure)


@pytest.mark.parametrize("R_star", [0.7, 3.0, 15.39])
def test_fit_repetition_constant_recovers_planted_value(R_star):
    epochs = np.arange(1, 65, dtype=float)
    rng = np.random.default_rng(5)
    ratio = laws.effective_data(1.0, epochs - 1, R_D_star=R_star) * np.exp(rng.normal(0, 0.01, epochs.size))
    result = overfitting.fit_repetition_constant(epochs, ratio)
    assert result.R_star == pytest.approx(R_star, rel=0.05)
    lo, hi = result.R_star_interval
    assert lo < R_star < hi and result.success
    assert result.predict(1.0) == 1.0
    assert "R* =" in result.summary()
    import matplotlib.pyplot as plt

    ax = result.plot(epochs, ratio)
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: overfitting.context_indices([0, 1, 3], order=1, n_symbols=3), "`symbols`"),
        (lambda: overfitting.context_indices([0, 1.5, 2], order=1, n_symbols=3), "`symbols`"),
        (lambda: overfitting.context_indices([0, np.nan], order=1, n_symbols=3), "`symbols`"),
        (lambda: overfitting.context_indices([0, 1], order=2, n_symbols=3), "longer sample"),
        (lambda: overfitting.context_indices([0, 1, 2], order=0, n_symbols=3), "`order`"),
        (lambda: overfitting.context_model_cross_entropy(np.zeros((3, 3)), np.full((2, 3), 1 / 6)), "Mismatched"),
        (lambda: overfitting.context_model_cross_entropy(np.zeros((2, 3)), np.full((2, 3), 0.5)), "`joint`"),
        (lambda: overfitting.context_model_cross_entropy([[np.nan] * 3] * 2, np.full((2, 3), 1 / 6)), "`logits`"),
        (lambda: overfitting.fit_repetition_constant([1, 2, 3], [1, 2]), "Mismatched lengths"),
        (lambda: overfitting.fit_repetition_constant([1, 2, 3], [1, np.nan, 2]), "`effective_ratio`"),
        (lambda: overfitting.fit_repetition_constant([1, 1, 1], [1, 1, 1]), "pass at least 2 points"),
        (lambda: overfitting.fit_repetition_constant([0.5, 2, 3], [1, 2, 3]), "`epochs`"),
        (lambda: overfitting.fit_repetition_constant([1, 2, 3], [1, 0, 3]), "`effective_ratio`"),
        (lambda: overfitting.fit_repetition_constant([1, 2, 3], [1, 2, 3], confidence=1.5), "`confidence`"),
    ],
)
def test_repetition_helpers_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def _train_kwargs(source):
    c, t = overfitting.context_indices(source.sample(130, rng=0), order=2, n_symbols=3)
    return dict(contexts=c, targets=t, joint=source.ngram_distribution(3).reshape(9, 3),
                n_tokens=64, eval_tokens=[32, 64], rng=0)


@pytest.mark.parametrize(
    "arg, value, pattern",
    [
        ("targets", np.zeros(5), "Mismatched shapes"),
        ("contexts", np.full(128, 9), "`contexts`"),
        ("targets", np.full(128, 3), "`targets`"),
        ("joint", np.full((9, 3), 0.5), "`joint`"),
        ("n_tokens", 50, "multiple of `batch_size`"),
        ("n_tokens", 0, "`n_tokens`"),
        ("eval_tokens", [48], "`eval_tokens`"),
        ("eval_tokens", [128], "`eval_tokens`"),
        ("rng", -3, "`rng`"),
        ("learning_rate", -0.1, "`learning_rate`"),
        ("learning_rate", np.nan, "`learning_rate`"),
        ("batch_size", 0, "`batch_size`"),
        ("batch_size", 256, "fewer than `batch_size`"),
        ("shuffle_first_epoch", "yes", "`shuffle_first_epoch`"),
        ("decay_steps", 0, "`decay_steps`"),
        ("decay_steps", np.inf, "`decay_steps`"),
    ],
)
def test_train_context_model_bad_input(source, arg, value, pattern):
    kwargs = _train_kwargs(source)
    kwargs[arg] = value
    with pytest.raises(ValueError, match=pattern):
        overfitting.train_context_model(**kwargs)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(unique_tokens=(100,)), "`unique_tokens`"),
        (dict(unique_tokens=(np.nan,)), "`unique_tokens`"),
        (dict(max_epochs=1), "`max_epochs`"),
        (dict(n_seeds=1), "`n_seeds`"),
        (dict(seed=-1), "`seed`"),
        (dict(order=0), "`order`"),
    ],
)
def test_repetition_experiment_bad_input(source, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        overfitting.repetition_experiment(source, **kwargs)


def test_repetition_experiment_rejects_non_source():
    with pytest.raises(ValueError, match="`source` has no"):
        overfitting.repetition_experiment(object())


# --------------------------------------------------------------------------- fuzz-harness findings
from conftest import within_cpu_seconds as _within_one_second  # noqa: E402  (CPU time: load is not a hang)


def _tiny_source():
    return entropy.MarkovSource.mixture_of_lags(3, 2, seed=0)


def _hang_cases():
    src = _tiny_source()
    x = src.sample(100, rng=0)
    ctx, tgt = overfitting.context_indices(x, order=2, n_symbols=3)
    joint = src.ngram_distribution(3).reshape(9, 3)
    X, labels = np.random.default_rng(0).normal(size=(30, 4)), np.arange(30) % 3
    return [
        (lambda big: overfitting.random_relu_weights(big, 5, rng=0), "n_inputs"),
        (lambda big: overfitting.random_relu_weights(4, big, rng=0), "n_features"),
        (lambda big: overfitting.double_descent_sweep(X, labels, n_train=10, n_features=[2, 5],
                                                      n_repeats=big), "n_repeats"),
        (lambda big: overfitting.train_context_model(ctx[:64], tgt[:64], joint=joint,
                                                     n_tokens=big, eval_tokens=[32], rng=0,
                                                     batch_size=16), "n_tokens"),
        (lambda big: overfitting.repetition_experiment(src, order=1, unique_tokens=(32,),
                                                       max_epochs=2, n_seeds=big,
                                                       batch_size=16), "n_seeds"),
        (lambda big: overfitting.repetition_experiment(src, order=1, unique_tokens=(32,),
                                                       max_epochs=big, n_seeds=2,
                                                       batch_size=16), "max_epochs"),
        (lambda big: overfitting.repetition_experiment(src, order=1, unique_tokens=(32,),
                                                       max_epochs=2, n_seeds=2, batch_size=16,
                                                       n_eval=big), "n_eval"),
        (lambda big: overfitting.repetition_experiment(src, order=big, unique_tokens=(32,),
                                                       max_epochs=2, n_seeds=2,
                                                       batch_size=16), "order"),
        (lambda big: overfitting.context_indices(x, order=2, n_symbols=big), "n_symbols"),
    ]


@pytest.mark.parametrize("big", [2**63, 10**400], ids=["2**63", "10**400"])
@pytest.mark.parametrize("index", range(len(_hang_cases())))
def test_huge_counts_raise_at_once(index, big):
    # Five of these hung (double_descent_sweep, train_context_model, repetition_experiment's
    # n_seeds) or failed inside numpy ("Maximum allowed dimension exceeded", OverflowError).
    call, arg = _hang_cases()[index]
    with _within_one_second(), pytest.raises(ValueError, match=f"`{arg}`"):
        call(big)


def test_repetition_budget_beyond_int_range_names_unique_tokens():
    # Was "`n_samples` must be an integer >= 1, got -18446744073709551615".
    with pytest.raises(ValueError, match="`unique_tokens`"):
        overfitting.repetition_experiment(_tiny_source(), order=1, unique_tokens=(2**63,),
                                          max_epochs=2, n_seeds=2, batch_size=16)


def test_diverging_training_names_the_learning_rate():
    # Was "`logits` contains NaN": an argument the caller never passed.
    src = _tiny_source()
    ctx, tgt = overfitting.context_indices(src.sample(100, rng=0), order=2, n_symbols=3)
    with pytest.raises(ValueError, match="diverged.*`learning_rate`"):
        overfitting.train_context_model(ctx[:64], tgt[:64],
                                        joint=src.ngram_distribution(3).reshape(9, 3),
                                        n_tokens=64, eval_tokens=[64], rng=0, batch_size=16,
                                        learning_rate=1e308)


def test_ridge_overflow_is_named():
    # Was a silent NaN/inf coefficient matrix.
    Phi = np.random.default_rng(0).normal(size=(6, 5))
    with pytest.raises(ValueError, match=r"not finite.*`ridge`"):
        overfitting.ridge_solution(Phi, np.ones(6), ridge=1e308)


def test_bool_options_are_checked():
    exp = overfitting.repetition_experiment(_tiny_source(), order=1, unique_tokens=(32,),
                                            max_epochs=2, n_seeds=2, batch_size=16, n_eval=3)
    with pytest.raises(TypeError, match="`early_stopping` must be True or False"):
        exp.effective_tokens(early_stopping=np.array([]))


# ---------------------------------------------------------------- fits that admit failure
def test_fit_repetition_constant_without_diminishing_returns_fails():
    # D'/U grows exactly like the epoch count: repetition is as good as new data, R* runs off.
    epochs = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    result = overfitting.fit_repetition_constant(epochs, epochs)
    assert result.success is False
    assert "no diminishing returns" in result.message
    assert np.isnan(result.R_star_interval[0])
    assert "success = False" in result.summary()
    import matplotlib.pyplot as plt
    try:
        assert result.plot(epochs, epochs) is not None
    finally:
        plt.close("all")


def test_fit_repetition_constant_where_repetition_adds_nothing_fails():
    epochs = np.array([1.0, 2.0, 4.0, 8.0])
    almost_flat = np.array([1.0, 1.0001, 1.0002, 1.0002])
    result = overfitting.fit_repetition_constant(epochs, almost_flat)
    assert result.success is False and "runs to zero" in result.message
    flat = overfitting.fit_repetition_constant(epochs, np.ones(4))  # log R* runs to -inf
    assert flat.success is False and flat.message.startswith("failed: not converged")


def test_fit_repetition_constant_rejects_2d_input():
    with pytest.raises(ValueError, match="`epochs`"):
        overfitting.fit_repetition_constant(np.ones((2, 3)) * 2, np.ones((2, 3)))
