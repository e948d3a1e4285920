"""Tests of dreamlib.pipeline (the sparse-coding Helmholtz machine).

Independent references: closed forms written out here (the exponential CDF
and its inverse, the Beta mean of -log(1 - v) checked by Monte Carlo, the
probability integral transform of Laplace codes), scikit-learn's Lasso for the
codes, and the bars' known components.
"""

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import Lasso

import dreamlib as dl
from dreamlib.pipeline import (
    CodeUnitMap,
    SparseHelmholtz,
    code_scales,
    codes_to_units,
    expected_codes,
    units_to_codes,
)

SIZE = 8


def _machine(layer_sizes, **kw):
    return dl.HelmholtzMachine(layer_sizes, **{"progress": False, "units": "spike-and-slab", **kw})


@pytest.fixture(scope="module")
def bars_data():
    X, true = dl.data.bars(1200, size=SIZE, p=1 / 8, random_state=0)
    D = dl.sparse_coding.normalize_rows(true)
    return X[:1000], X[1000:], D


@pytest.fixture(scope="module")
def fitted(bars_data):
    X, _, D = bars_data
    return SparseHelmholtz(D, _machine([None, 32], units="beta", n_epochs=100,
                                       learning_rate=1e-2), lam=0.1, random_state=0).fit(X)


def _laplace_codes(rng, n=4000, k=6, p_active=0.2):
    scales = np.linspace(0.3, 3.0, k)
    active = rng.random((n, k)) < p_active
    codes = rng.laplace(0.0, scales, size=(n, k)) * active
    return codes, scales


# ------------------------------------------------------------ the map
def test_map_is_the_sign_split_exponential_cdf_written_out():
    codes = np.array([[2.0, -1.0, 0.0], [0.0, 0.5, -4.0]])
    s = np.array([1.0, 2.0, 4.0])
    expected = np.array([
        [1 - np.exp(-2.0), 0.0, 0.0, 0.0, 1 - np.exp(-0.5), 0.0],
        [0.0, 1 - np.exp(-0.25), 0.0, 0.0, 0.0, 1 - np.exp(-1.0)],
    ])
    np.testing.assert_allclose(codes_to_units(codes, s), expected, rtol=1e-12)


def test_round_trip_codes_units_codes_is_exact(rng):
    codes, scales = _laplace_codes(rng)
    codes[0, 0] = 1e-12 * scales[0]           # tiny codes survive too (expm1/log1p)
    codes[1, 1] = -12.0 * scales[1]           # and large ones, far out in the tail
    units = codes_to_units(codes, scales)
    assert units.min() >= 0 and units.max() < 1
    assert np.all((units[:, :6] == 0) | (units[:, 6:] == 0)), "a code is never both signs"
    np.testing.assert_allclose(units_to_codes(units, scales), codes, rtol=1e-10, atol=1e-15)


def test_units_of_laplace_codes_are_uniform(rng):
    """Probability integral transform: active magnitudes of scale s map to Uniform(0, 1)."""
    codes, scales = _laplace_codes(rng, n=20000)
    fitted_scales = code_scales(codes)
    np.testing.assert_allclose(fitted_scales, scales, rtol=0.06)
    units = codes_to_units(codes, fitted_scales)
    for j in (0, 5):
        v = np.concatenate([units[:, j], units[:, 6 + j]])
        v = v[v > 0]
        assert stats.kstest(v, "uniform").pvalue > 1e-3


def test_code_scales_mean_active_magnitude_and_fallback():
    codes = np.array([[2.0, 0.0, 0.0], [-4.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(code_scales(codes), [3.0, 1.0, 7.0 / 3.0])
    np.testing.assert_allclose(code_scales(np.zeros((2, 2))), [1.0, 1.0])


def test_units_at_one_decode_to_the_cap():
    s = np.array([2.0])
    codes = units_to_codes(np.array([[1.0, 0.0], [0.0, 1.0]]), s, max_unit=1 - 1e-6)
    np.testing.assert_allclose(codes[:, 0], [2.0 * np.log(1e6), -2.0 * np.log(1e6)])


def test_expected_codes_match_monte_carlo(rng):
    alpha = np.array([[0.3, 2.0, 5.0, 0.5]])
    beta = np.array([[4.0, 1.5, 0.8, 9.0]])
    s = np.array([1.5, 0.7])
    v = rng.beta(alpha, beta, size=(400000, 4))
    mc = units_to_codes(v, s, max_unit=1 - 1e-12).mean(axis=0)
    np.testing.assert_allclose(expected_codes(alpha, beta, s, max_unit=1 - 1e-12)[0], mc,
                               rtol=0.02)


@pytest.mark.parametrize("bad, match", [
    (np.full((2, 4), -0.1), r"\[0, 1\]"),
    (np.full((2, 4), 1.5), r"\[0, 1\]"),
    (np.zeros((2, 3)), "even number"),
    (np.full((2, 4), np.nan), "NaN"),
])
def test_units_to_codes_rejects_bad_units(bad, match):
    with pytest.raises(ValueError, match=match):
        units_to_codes(bad, np.ones(2))


def test_map_rejects_bad_scales():
    with pytest.raises(ValueError, match="scales"):
        codes_to_units(np.zeros((1, 2)), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="scales"):
        codes_to_units(np.zeros((1, 2)), np.ones(3))


# ------------------------------------------------------------ the estimator
def test_encode_decode_round_trip_is_sparse_coding(fitted, bars_data):
    _, X_test, D = bars_data
    codes = fitted.sparse_codes(X_test)
    units = fitted.encode(X_test)
    np.testing.assert_allclose(units_to_codes(units, fitted.code_map_.scales_), codes, rtol=1e-9,
                               atol=1e-12)
    plain = SparseHelmholtz(D, _machine([None, 4], n_epochs=1), lam=0.1, clip=False,
                            random_state=0).fit(X_test)
    np.testing.assert_allclose(plain.decode(plain.encode(X_test)),
                               plain.sparse_codes(X_test) @ D, atol=1e-10)


def test_codes_are_the_lasso_solution(fitted, bars_data):
    """Bars are linearly dependent (all rows = all columns), so compare objectives, not codes."""
    _, X_test, D = bars_data
    x = X_test[:5]
    d = D.shape[1]
    # sklearn's Lasso minimises 1/(2 d) ||x - D^T a||^2 + alpha ||a||_1
    ref = np.array([Lasso(alpha=0.1 / d, fit_intercept=False, tol=1e-12, max_iter=100000)
                    .fit(D.T, xi).coef_ for xi in x])
    ours = dl.sparse_coding.lasso_objective(x, fitted.sparse_codes(x), D, 0.1)
    best = dl.sparse_coding.lasso_objective(x, ref, D, 0.1)
    assert np.all(ours <= best * (1 + 2e-3))


def test_dreams_have_the_right_shape_and_range(fitted, bars_data):
    X, _, _ = bars_data
    for visible in ("sample", "mean"):
        dreams, codes = fitted.dream(50, visible=visible, return_codes=True, random_state=1)
        assert dreams.shape == (50, SIZE * SIZE) and codes.shape == (50, 2 * SIZE)
        assert np.all(np.isfinite(dreams))
        assert dreams.min() >= X.min() and dreams.max() <= X.max()
    assert fitted.machine_.layer_sizes == [4 * SIZE, 32]


def test_dreams_look_like_bars(fitted, bars_data):
    """Trained on bars, dreams are mostly bars: far closer to the data than shuffled pixels."""
    X, _, D = bars_data
    dreams = fitted.dream(300, visible="mean", random_state=2)
    rng = np.random.default_rng(0)
    shuffled = np.array([rng.permutation(x) for x in X[:300]])
    def nearest(Y):
        d2 = (Y**2).sum(1)[:, None] + (X**2).sum(1)[None] - 2 * Y @ X.T
        return np.sqrt(np.maximum(d2, 0).min(axis=1)).mean()
    assert nearest(dreams) < 0.6 * nearest(shuffled)


def test_reconstruction_beats_the_mean_image(fitted, bars_data):
    X, X_test, _ = bars_data
    recon = fitted.reconstruct(X_test, random_state=0)
    assert recon.shape == X_test.shape
    mean_image = np.broadcast_to(X.mean(axis=0), X_test.shape)
    assert dl.metrics.mse(X_test, recon) < 0.5 * dl.metrics.mse(X_test, mean_image)


def test_reproducible_with_random_state(bars_data):
    X, X_test, D = bars_data
    kw = dict(lam=0.1, random_state=3)
    a = SparseHelmholtz(D, _machine([None, 8], n_epochs=2), **kw).fit(X)
    b = SparseHelmholtz(D, _machine([None, 8], n_epochs=2), **kw).fit(X)
    np.testing.assert_array_equal(a.dream(5, random_state=0), b.dream(5, random_state=0))
    np.testing.assert_array_equal(a.reconstruct(X_test, random_state=0),
                                  b.reconstruct(X_test, random_state=0))
    assert not np.array_equal(a.dream(5, random_state=0), a.dream(5, random_state=1))


def test_accepts_a_sparse_coding_fitted_or_not(bars_data):
    X, X_test, _ = bars_data
    sc = dl.SparseCoding(2 * SIZE, lam=0.1, n_iter=100, random_state=0).fit(X)
    shm = SparseHelmholtz(sc, _machine([None, 8], n_epochs=1), random_state=0).fit(X)
    assert shm.coder_ is sc and shm.lam_ == 0.1
    np.testing.assert_array_equal(shm.dictionary_, sc.components_)
    unfitted = dl.SparseCoding(2 * SIZE, lam=0.1, n_iter=100, random_state=0)
    shm2 = SparseHelmholtz(unfitted, _machine([None, 8], n_epochs=1), random_state=0).fit(X)
    assert not hasattr(unfitted, "components_"), "the given coder is not modified"
    np.testing.assert_allclose(shm2.dictionary_, sc.components_)


def test_generate_from_top_decodes_images(fitted):
    top = np.eye(32)[:4]
    images = fitted.generate_from_top(top, random_state=0)
    assert images.shape == (4, SIZE * SIZE) and np.all(np.isfinite(images))


def test_bad_inputs_name_the_argument(bars_data, fitted):
    X, _, D = bars_data
    small = _machine([None, 4])
    with pytest.raises(TypeError, match="coder must be"):
        SparseHelmholtz(machine=small).fit(X)
    with pytest.raises(ValueError, match="lam is required"):
        SparseHelmholtz(D, small).fit(X)
    with pytest.raises(ValueError, match="unit-norm"):
        SparseHelmholtz(2 * D, small, lam=0.1).fit(X)
    with pytest.raises(ValueError, match="coder has 64 features"):
        SparseHelmholtz(D, small, lam=0.1).fit(X[:, :10])
    with pytest.raises(ValueError, match="layer_sizes"):
        SparseHelmholtz(D, _machine([None]), lam=0.1).fit(X)
    with pytest.raises(ValueError, match="layer_sizes"):
        SparseHelmholtz(D, _machine([None, 0]), lam=0.1).fit(X)
    with pytest.raises(ValueError, match=r"machine.layer_sizes\[0\] must be 32"):
        SparseHelmholtz(D, _machine([64, 4]), lam=0.1).fit(X)
    with pytest.raises(ValueError, match="machine.units"):
        SparseHelmholtz(D, _machine([None, 4], units="bernoulli"), lam=0.1).fit(X)
    with pytest.raises(ValueError, match="max_unit"):
        SparseHelmholtz(D, small, lam=0.1, max_unit=1.0).fit(X)
    with pytest.raises(TypeError, match="coder must be"):
        SparseHelmholtz(dl.HelmholtzMachine(), small).fit(X)
    with pytest.raises(TypeError, match="machine must be a HelmholtzMachine"):
        SparseHelmholtz(D, [4], lam=0.1).fit(X)
    with pytest.raises(ValueError, match="X has 10 features"):
        fitted.reconstruct(X[:, :10])
    with pytest.raises(ValueError, match="NaN"):
        fitted.encode(np.full((2, SIZE * SIZE), np.nan))
    with pytest.raises(ValueError, match="visible"):
        fitted.dream(2, visible="median")
    with pytest.raises(ValueError, match="codes must have"):
        fitted.codes_to_images(np.zeros((2, 3)))


def test_unfitted_model_says_so(bars_data):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SparseHelmholtz(bars_data[2], lam=0.1).dream(2)


def test_partial_fit_epochs_equal_fit_and_codes_shortcut(bars_data):
    X, X_test, D = bars_data
    kw = dict(lam=0.1, random_state=5)
    full = SparseHelmholtz(D, _machine([None, 8], n_epochs=2), **kw).fit(X)
    step = SparseHelmholtz(D, _machine([None, 8]), **kw)
    codes = step.partial_fit(X).sparse_codes(X)
    step.partial_fit(X, codes=codes)
    for a, b in zip(full.machine_.generative_weights_, step.machine_.generative_weights_):
        np.testing.assert_array_equal(a, b)
    given = SparseHelmholtz(D, _machine([None, 8], n_epochs=2), **kw).fit(X, codes=codes)
    np.testing.assert_array_equal(given.dream(4, random_state=0), full.dream(4, random_state=0))
    with pytest.raises(ValueError, match="codes must have shape"):
        SparseHelmholtz(D, _machine([None, 8]), **kw).fit(X, codes=codes[:, :3])


def test_reconstruct_averages_recognition_samples(fitted, bars_data):
    _, X_test, _ = bars_data
    one = fitted.reconstruct(X_test, n_samples=1, random_state=0)
    many = fitted.reconstruct(X_test, n_samples=20, random_state=0)
    # the average over the recognition posterior has a smaller squared error than one sample
    assert dl.metrics.mse(X_test, many) < dl.metrics.mse(X_test, one)
    with pytest.raises(TypeError, match="n_samples"):
        fitted.reconstruct(X_test, n_samples=1.5)


# ------------------------------------------------------------ sparse dreams (issue 10)
def test_decoded_dreams_are_as_sparse_as_real_codes(bars_data):
    """Beta units never output exactly 0, so every decoded dream used every atom; with
    spike-and-slab units (the default machine's) a dream uses about as many atoms as a real code."""
    X, X_test, D = bars_data
    shm = SparseHelmholtz(D, _machine([None, 32], n_epochs=30, learning_rate=1e-2), lam=0.1,
                          random_state=0).fit(X)
    real = np.count_nonzero(shm.sparse_codes(X_test), axis=1).mean()
    assert real < 0.3 * len(D)
    for visible in ("sample", "mean"):
        _, codes = shm.dream(2000, visible=visible, return_codes=True, random_state=1)
        active = np.count_nonzero(codes, axis=1).mean()
        assert real / 1.5 <= active <= 1.5 * real, (visible, active, real)


def test_beta_units_dream_with_almost_every_atom(fitted, bars_data):
    # (a Beta sample is exactly 0 only when it underflows float32)
    _, X_test, D = bars_data
    for visible in ("sample", "mean"):
        _, codes = fitted.dream(200, visible=visible, return_codes=True, random_state=0)
        active = np.count_nonzero(codes, axis=1).mean()
        real = np.count_nonzero(fitted.sparse_codes(X_test), axis=1).mean()
        assert active > 0.9 * len(D) and active > 3 * real


def test_code_unit_map_is_a_transformer_that_inverts_exactly(rng):
    codes, scales = _laplace_codes(rng)
    code_map = CodeUnitMap().fit(codes)
    np.testing.assert_allclose(code_map.scales_, code_scales(codes))
    units = code_map.transform(codes)
    np.testing.assert_array_equal(units == 0, np.concatenate([codes <= 0, codes >= 0], axis=1))
    np.testing.assert_allclose(code_map.inverse_transform(units), codes, rtol=1e-10, atol=1e-15)
    assert np.all(code_map.inverse_transform(np.zeros((2, 12))) == 0)  # off stays exactly off
    with pytest.raises(ValueError, match="max_unit"):
        CodeUnitMap(max_unit=1.0).fit(codes)


def test_reconstruct_can_return_its_codes(fitted, bars_data):
    _, X_test, D = bars_data
    images, codes = fitted.reconstruct(X_test[:5], n_samples=2, return_codes=True, random_state=3)
    assert codes.shape == (5, len(D))
    np.testing.assert_array_equal(images, fitted.codes_to_images(codes))
    np.testing.assert_array_equal(images, fitted.reconstruct(X_test[:5], n_samples=2,
                                                             random_state=3))


def test_means_decode_through_the_inverse_map_at_the_learned_mean(fitted, bars_data):
    # a Beta unit's mean m (p = sigmoid(logit), with the shape floor) decodes to -s log(1 - m)
    _, X_test, _ = bars_data
    machine = fitted.machine_
    hidden = machine.recognize(fitted.encode(X_test[:4]), sample=True, random_state=0)[0]
    logits = machine.visible_logits(hidden)
    m = machine.visible_units_.mean(logits).astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    assert np.abs(m - p).max() < 2e-3  # the mean-parameterised Beta's mean is p
    k = m.shape[1] // 2
    expected = fitted.code_map_.scales_ * (-np.log1p(-m[:, :k]) + np.log1p(-m[:, k:]))
    np.testing.assert_allclose(fitted._decode_mean(hidden), expected, rtol=1e-6)


# ------------------------------------------------------------ brightness units (our addition)
@pytest.fixture(scope="module")
def brightness_data():
    """Patches whose only variation is their brightness: one fixed zero-mean bar pattern plus a level."""
    rng = np.random.default_rng(3)
    _, true = dl.data.bars(10, size=SIZE, random_state=0)
    D = dl.sparse_coding.normalize_rows(true)
    pattern = 0.3 * (D[1] - D[1].mean())
    level = rng.uniform(0.25, 0.75, 600)
    return level[:, None] + pattern, level, D


@pytest.mark.parametrize("code", ["thermometer", "copies"])
def test_brightness_units_hold_the_mean_and_decode_exactly(brightness_data, code, tmp_path):
    X, level, D = brightness_data
    model = SparseHelmholtz(D, _machine([None, 4], units="beta", n_epochs=1), lam=0.01,
                            brightness=True, brightness_units=4, brightness_code=code,
                            random_state=0).fit(X)
    units = model.encode(X)
    assert units.shape == (len(X), 2 * len(D) + 4)
    low, high = X.min(), X.max()
    v = (level - low) / (high - low)
    if code == "copies":
        expected_units = np.repeat(v[:, None], 4, axis=1)
    else:   # written out for v = 0.6: 4 v = 2.4 -> units 1, 1, 0.4, 0
        expected_units = np.clip(4 * v[:, None] - np.arange(4), 0, 1)
        np.testing.assert_allclose(np.clip(4 * 0.6 - np.arange(4), 0, 1), [1, 1, 0.4, 0])
    np.testing.assert_allclose(units[:, -4:], expected_units, atol=1e-6)
    np.testing.assert_allclose(units[:, -4:].mean(axis=1), v, atol=1e-6)
    # the codes are those of the patches with their mean removed: the same for every patch
    codes = model.sparse_codes(X)
    np.testing.assert_allclose(codes, dl.sparse_coding.lca(X - level[:, None], D, 0.01), atol=1e-8)
    np.testing.assert_allclose(codes, np.broadcast_to(codes[0], codes.shape), atol=1e-6)
    # decoding undoes encoding: the code's image plus the mean
    expected = np.clip(codes @ D + level[:, None], low, high)
    np.testing.assert_allclose(model.decode(units), expected, atol=1e-5)
    assert model.machine_.n_features_in_ == 2 * len(D) + 4
    loaded = dl.io.load(dl.io.save(model, tmp_path / "bright.npz"))     # the file keeps the settings
    assert (loaded.brightness, loaded.brightness_units, loaded.brightness_code) == (True, 4, code)
    np.testing.assert_array_equal(loaded.dream(3, random_state=0), model.dream(3, random_state=0))


@pytest.mark.parametrize("code, epochs, max_error", [("thermometer", 60, 0.2), ("copies", 60, 0.4)])
def test_brightness_units_let_the_machine_reconstruct_the_brightness(brightness_data, code, epochs,
                                                                     max_error):
    X, level, D = brightness_data
    # wake-sleep learns to carry one continuous number through binary hidden units slowly: many
    # small minibatches, and several units (one unit: relative error 0.6 here)
    machine = _machine([None, 16], units="beta", n_epochs=epochs, batch_size=10, learning_rate=1e-2)
    on = SparseHelmholtz(D, machine, lam=0.01, brightness=True, brightness_units=10,
                         brightness_code=code, random_state=0).fit(X[:500])
    recon = on.reconstruct(X[500:], n_samples=5, random_state=0)
    error = np.mean((recon.mean(axis=1) - level[500:]) ** 2)
    # a constant brightness (what a machine that ignores the units gives) errs by the variance
    assert error < max_error * level[500:].var(), error / level[500:].var()
    assert np.corrcoef(recon.mean(axis=1), level[500:])[0, 1] > 0.85
    dreams = on.dream(200, random_state=0)
    assert dreams.mean(axis=1).std() > 0.4 * level.std(), "dreams vary in brightness like the data"


def test_brightness_settings_are_checked(bars_data):
    X, _, D = bars_data
    with pytest.raises(TypeError, match="brightness must be True or False"):
        SparseHelmholtz(D, _machine([None, 4]), lam=0.1, brightness=1).fit(X)
    with pytest.raises(ValueError, match="brightness_units"):
        SparseHelmholtz(D, _machine([None, 4]), lam=0.1, brightness=True, brightness_units=0).fit(X)
    with pytest.raises(ValueError, match="brightness_code must be one of"):
        SparseHelmholtz(D, _machine([None, 4]), lam=0.1, brightness=True,
                        brightness_code="gray").fit(X)
    with pytest.raises(ValueError, match=r"must be 33 \(two visible units per atom: positive and "
                                         r"negative part, and 1 brightness units\)"):
        SparseHelmholtz(D, _machine([32, 4]), lam=0.1, brightness=True).fit(X)
    model = SparseHelmholtz(D, _machine([None, 4], n_epochs=1), lam=0.1, brightness=True,
                            random_state=0).fit(X)
    with pytest.raises(ValueError, match="units must have 33 columns"):
        model.decode(np.zeros((2, 32)))
    with pytest.raises(ValueError, match="brightness must have shape"):
        model.codes_to_images(np.zeros((2, 16)), brightness=np.zeros(3))
