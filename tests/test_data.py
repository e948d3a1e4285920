"""Datasets and preprocessing, checked against closed forms and known content."""

import warnings

import numpy as np
import pytest

import dreamlib as dl
from dreamlib import data


def test_bars_shapes_and_ground_truth():
    X, components = data.bars(50, size=6, random_state=0)
    assert X.shape == (50, 36) and components.shape == (12, 36)
    assert set(np.unique(X)) <= {0.0, 1.0}
    # 6 horizontal then 6 vertical bars, each a full row or column of ones
    assert np.all(components.sum(axis=1) == 6)
    np.testing.assert_array_equal(components[0].reshape(6, 6)[0], np.ones(6))
    np.testing.assert_array_equal(components[6].reshape(6, 6)[:, 0], np.ones(6))


def test_bars_pixel_probability_matches_closed_form():
    # a pixel is on when its row bar or its column bar is on: 1 - (1 - p)^2
    p = 0.2
    X, _ = data.bars(20_000, size=8, p=p, random_state=1)
    assert X.mean() == pytest.approx(1 - (1 - p) ** 2, abs=0.005)


def test_bars_every_image_is_an_or_of_whole_bars():
    X, components = data.bars(200, size=8, random_state=2)
    images = X.reshape(-1, 8, 8).astype(bool)
    rows_on = images.all(axis=2)  # a row is full when its bar is on (or all columns are)
    cols_on = images.all(axis=1)
    rebuilt = rows_on[:, :, None] | cols_on[:, None, :]
    np.testing.assert_array_equal(rebuilt, images)


def test_bars_reproducible_and_validated():
    np.testing.assert_array_equal(data.bars(5, random_state=3)[0], data.bars(5, random_state=3)[0])
    with pytest.raises(ValueError, match="p must be a probability"):
        data.bars(5, p=1.5)
    with pytest.raises(TypeError, match="n_samples"):
        data.bars(2.5)


def test_bundled_mnist_is_the_real_subset():
    X, y = data.mnist(source="bundled")
    assert X.shape == (5000, 784) and y.shape == (5000,)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 500))
    # real digits: ink in the middle, empty borders
    mean = X.mean(axis=0).reshape(28, 28)
    assert mean[10:18, 10:18].mean() > 10 * mean[:3].mean()


def test_mnist_digit_filter_and_binarize():
    X, y = data.mnist(digits=[2, 7], binarize=True, source="bundled")
    assert set(np.unique(y)) == {2, 7} and len(y) == 1000
    assert set(np.unique(X)) == {0.0, 1.0}
    with pytest.raises(ValueError, match="digits"):
        data.mnist(digits=[11], source="bundled")
    with pytest.raises(ValueError, match="source"):
        data.mnist(source="internet")


def test_mnist_offline_auto_says_so_once(monkeypatch):
    monkeypatch.setenv("DREAMLIB_OFFLINE", "1")
    monkeypatch.setattr(data, "_said_offline", set())
    with pytest.warns(data.OfflineDataWarning, match="bundled MNIST subset"):
        X, _ = data.mnist()
    assert len(X) == 5000
    with warnings.catch_warnings():
        warnings.simplefilter("error", data.OfflineDataWarning)
        data.mnist()  # the second time is silent


def test_natural_images_are_grey_photographs():
    images = data.natural_images()
    assert len(images) >= 6
    for im in images:
        assert im.ndim == 2 and min(im.shape) >= 256
        assert 0.0 <= im.min() and im.max() <= 1.0 and im.std() > 0.05


def test_olshausen_images_fail_clearly_offline(monkeypatch):
    monkeypatch.setenv("DREAMLIB_OFFLINE", "1")
    with pytest.raises(data.DataUnavailableError, match="source='bundled'"):
        data.natural_images(source="olshausen")


def radial_amplitude(image, freqs):
    F = np.abs(np.fft.fft2(image))
    fy = np.fft.fftfreq(image.shape[0])[:, None]
    fx = np.fft.fftfreq(image.shape[1])[None, :]
    f = np.hypot(fx, fy)
    return np.array([F[(f > lo) & (f < hi)].mean() for lo, hi in freqs])


def test_whiten_flattens_a_one_over_f_spectrum():
    # synthetic natural-like image: random phases, amplitude 1/f
    rng = np.random.default_rng(0)
    n = 256
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.fftfreq(n)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    spectrum = np.exp(2j * np.pi * rng.random((n, n))) / f
    image = np.real(np.fft.ifft2(spectrum))
    bands = [(0.04, 0.06), (0.09, 0.11), (0.19, 0.21)]
    before = radial_amplitude(image, bands)
    after = radial_amplitude(data.whiten(image), bands)
    assert before[0] / before[2] > 3  # 1/f: falls by about 4x from 0.05 to 0.2
    # whitened: flat up to the roll-off, exp(-(0.2 / 0.39)^4) = 0.93 at 0.2 cycles/pixel
    expected = np.exp(-((np.array([0.05, 0.1, 0.2]) / data.OLSHAUSEN_F0) ** 4))
    np.testing.assert_allclose(after / after[0], expected / expected[0], rtol=0.15)


def test_whiten_output_is_standardised():
    white = data.whiten(data.natural_images()[0])
    assert white.mean() == pytest.approx(0.0, abs=1e-8)
    assert white.std() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="image must be a 2-D array"):
        data.whiten(np.ones(10))


def test_patches_are_cut_from_the_image():
    image = np.arange(40 * 50, dtype=float).reshape(40, 50)
    P = data.patches(image, size=5, n_patches=30, random_state=0)
    assert P.shape == (30, 25)
    for p in P.reshape(-1, 5, 5):
        r, c = divmod(int(p[0, 0]), 50)
        np.testing.assert_array_equal(p, image[r : r + 5, c : c + 5])
    with pytest.raises(ValueError, match="larger than image"):
        data.patches(image, size=60)


def test_faces_offline_fall_back_to_bundled_lfw(monkeypatch):
    monkeypatch.setenv("DREAMLIB_OFFLINE", "1")
    monkeypatch.setattr(data, "_said_offline", set())
    with pytest.warns(data.OfflineDataWarning, match="LFW"):
        X, shape = data.faces()
    assert X.shape == (200, shape[0] * shape[1]) and 0 <= X.min() and X.max() <= 1


def test_contrast_squares_pixels():
    X = np.array([[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(data.contrast(X), [[0.0, 0.25, 1.0]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        data.contrast(X * 2)


def test_blur_keeps_the_mean_and_smooths(rng):
    X = rng.random((5, 64))
    Y = data.blur(X, sigma=1.0, shape=(8, 8))
    assert Y.shape == X.shape
    assert Y.var() < X.var()
    # a constant image is unchanged by blurring (reflecting borders)
    np.testing.assert_allclose(data.blur(np.full((8, 8), 0.3), sigma=2.0), 0.3)
    with pytest.raises(ValueError, match="shape"):
        data.blur(X, shape=(7, 7))


def test_sharpen_is_unsharp_masking(rng):
    image = rng.random((16, 16))
    expected = image + 0.7 * (image - data.blur(image, sigma=1.5))
    np.testing.assert_allclose(data.sharpen(image, sigma=1.5, amount=0.7), expected)
    np.testing.assert_allclose(data.sharpen(np.full((8, 8), 0.4)), 0.4)


def test_quick_mode_pick(monkeypatch):
    monkeypatch.setenv("DREAMLIB_QUICK", "1")
    assert dl.course.pick(full=100, quick=3) == 3
    monkeypatch.setenv("DREAMLIB_QUICK", "0")
    assert dl.course.pick(full=100, quick=3) == 100
