"""Metrics against hand-computed values (plotting is tested in test_plotting.py)."""

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dreamlib import metrics  # noqa: E402


def test_mse_averages_over_every_pixel():
    a = np.zeros((2, 4))
    b = np.zeros((2, 4))
    b[0, 0] = 2.0
    # one error of 2 among 8 pixels: 4 / 8. (The paper's image_MSE divided by the
    # number of images instead, which would give 4 / 2.)
    assert metrics.mse(a, b) == 0.5
    np.testing.assert_allclose(metrics.mse(a, b, axis=1), [1.0, 0.0])


def test_psnr_closed_form():
    a = np.zeros(100)
    b = np.full(100, 0.1)  # mse 0.01 -> 20 dB at range 1, 40 dB... at range 10
    assert metrics.psnr(a, b) == pytest.approx(20.0)
    assert metrics.psnr(a, b, data_range=10.0) == pytest.approx(40.0)
    assert metrics.psnr(a, a) == np.inf
    with pytest.raises(ValueError, match="same shape"):
        metrics.psnr(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="data_range"):
        metrics.psnr(a, b, data_range=0)


def test_recovery_score_invariant_to_order_sign_and_scale(rng):
    true = rng.standard_normal((6, 20))
    learned = -3.0 * true[::-1]
    assert metrics.recovery_score(learned, true) == pytest.approx(1.0)
    # random atoms in 20 dimensions recover little
    assert metrics.recovery_score(rng.standard_normal((6, 20)), true) < 0.8
    with pytest.raises(ValueError, match="same number of features"):
        metrics.recovery_score(true, true[:, :5])


def test_active_fraction_counts_nonzeros():
    assert metrics.active_fraction(np.array([[0.0, 1.0], [0.0, -2.0]])) == 0.5
    assert metrics.active_fraction(np.array([[0.0, 1e-3]]), atol=1e-2) == 0.0
    with pytest.warns(FutureWarning, match="active_fraction"):
        assert metrics.sparsity(np.array([[0.0, 1.0]])) == 0.5


def test_relative_mse_is_error_over_variance():
    rng = np.random.default_rng(0)
    a = rng.normal(2.0, 3.0, (50, 8))
    b = a + rng.normal(0.0, 0.3, a.shape)
    expected = np.sum((a - b) ** 2) / np.sum((a - a.mean()) ** 2)
    assert metrics.relative_mse(a, b) == pytest.approx(expected)
    assert metrics.relative_mse(a, np.full_like(a, a.mean())) == pytest.approx(1.0)  # flat image
    rows = metrics.relative_mse(a, b, axis=1)
    assert rows[3] == pytest.approx(np.sum((a[3] - b[3]) ** 2) / np.sum((a[3] - a[3].mean()) ** 2))
    with pytest.raises(ValueError, match="constant"):
        metrics.relative_mse(np.ones(4), np.zeros(4))
