"""Tests of dreamlib.masking (foveated Gaussian masking, paper §4).

Independent references: the window written out pixel by pixel; the Gaussian's
value one sigma away (exp(-1/2)) and its sum over a fine grid (2 pi sigma**2,
by the Poisson summation formula); Kolmogorov-Smirnov tests of the sampled
centres and widths against the stated distributions; and the expected
coverage of a pixel under uniform centres, in closed form with the normal CDF.
"""

import numpy as np
import pytest
from scipy import stats

from dreamlib.masking import foveate, gaussian_window, sample_windows


# ------------------------------------------------------------ the window
def test_window_is_the_gaussian_written_out_pixel_by_pixel():
    shape, (cr, cc), s = (5, 7), (1.5, 4.25), 1.3
    expected = np.empty(shape)
    for r in range(shape[0]):
        for c in range(shape[1]):
            expected[r, c] = np.exp(-((r - cr) ** 2 + (c - cc) ** 2) / (2 * s * s))
    np.testing.assert_allclose(gaussian_window(shape, (cr, cc), s), expected.ravel(), rtol=1e-13)


def test_window_peaks_at_one_and_is_exp_minus_half_one_sigma_away():
    w = gaussian_window((21, 21), (10, 10), 4.0).reshape(21, 21)
    assert w[10, 10] == 1.0 and w.max() == 1.0
    for r, c in [(14, 10), (6, 10), (10, 14), (10, 6)]:
        assert w[r, c] == pytest.approx(np.exp(-0.5), rel=1e-13)


def test_window_is_separable_and_sums_to_two_pi_sigma_squared():
    s = 3.0
    w = gaussian_window((64, 64), (31.5, 31.5), s).reshape(64, 64)
    assert np.linalg.matrix_rank(w, tol=1e-12) == 1
    # a Gaussian sampled on the integers sums to sqrt(2 pi) sigma up to ~exp(-2 pi^2 sigma^2)
    assert w.sum() == pytest.approx(2 * np.pi * s * s, rel=1e-10)


def test_windows_for_many_centres_are_rows():
    centers = np.array([[0.0, 0.0], [3.0, 2.0]])
    W = gaussian_window((4, 3), centers, np.array([1.0, 2.0]))
    assert W.shape == (2, 12)
    np.testing.assert_allclose(W[1], gaussian_window((4, 3), centers[1], 2.0))
    assert W[0, 0] == 1.0 and W[1, 3 * 3 + 2] == 1.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(shape=(4, 4), center=(1, 1), width=0.0), "width"),
    (dict(shape=(4, 4), center=(1, 1), width=-1.0), "width"),
    (dict(shape=(4, 4), center=(1, 1, 1), width=1.0), "center"),
    (dict(shape=(4, 0), center=(1, 1), width=1.0), "shape"),
])
def test_window_rejects_bad_input_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gaussian_window(**kwargs)


# ------------------------------------------------------------ the distributions
def test_default_centres_are_uniform_over_the_image_and_independent():
    centers, _ = sample_windows(20_000, (28, 20), random_state=0)
    assert stats.kstest(centers[:, 0], stats.uniform(0, 27).cdf).pvalue > 1e-3
    assert stats.kstest(centers[:, 1], stats.uniform(0, 19).cdf).pvalue > 1e-3
    assert abs(np.corrcoef(centers.T)[0, 1]) < 0.03


def test_centre_distribution_is_a_parameter():
    beta = stats.beta(4, 2)
    centers, _ = sample_windows(20_000, (11, 11), center=beta, random_state=1)
    assert stats.kstest(centers[:, 0] / 10, beta.cdf).pvalue > 1e-3
    assert stats.kstest(centers[:, 1] / 10, beta.cdf).pvalue > 1e-3
    # and it is not the default: uniform centres fail the same test
    uniform, _ = sample_windows(20_000, (11, 11), random_state=1)
    assert stats.kstest(uniform[:, 0] / 10, beta.cdf).pvalue < 1e-6


def test_default_widths_are_uniform_between_a_tenth_and_three_tenths_of_the_side():
    _, widths = sample_windows(20_000, (16, 16), random_state=2)
    assert stats.kstest(widths, stats.uniform(1.6, 3.2).cdf).pvalue > 1e-3


def test_width_distribution_is_a_parameter_and_scales_with_the_side():
    lognormal = stats.lognorm(0.5, scale=0.2)
    _, widths = sample_windows(20_000, (9, 16), width=lognormal, random_state=3)
    assert stats.kstest(widths / 12.0, lognormal.cdf).pvalue > 1e-3   # sqrt(9 * 16) = 12
    _, fixed = sample_windows(5, (9, 16), width=0.5)
    np.testing.assert_array_equal(fixed, 6.0)


def test_expected_coverage_of_a_pixel_matches_the_closed_form():
    # E[w(p)] over uniform centres on [0, n - 1], per axis:
    # sqrt(2 pi) s / (n - 1) * (Phi((n - 1 - p) / s) - Phi(-p / s)); the axes multiply.
    n, s_frac = 20, 0.15
    s = s_frac * n
    centers, widths = sample_windows(200_000, (n, n), width=s_frac, random_state=4)
    coverage = sum(gaussian_window((n, n), centers[i:i + 20_000], widths[i:i + 20_000]).sum(axis=0)
                   for i in range(0, len(centers), 20_000)).reshape(n, n) / len(centers)
    axis = np.sqrt(2 * np.pi) * s / (n - 1) * (
        stats.norm.cdf((n - 1 - np.arange(n)) / s) - stats.norm.cdf(-np.arange(n) / s))
    np.testing.assert_allclose(coverage, np.outer(axis, axis), rtol=0.03)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(center=stats.uniform(0, 2)), ValueError, "center"),
    (dict(center=0.5), TypeError, "center"),
    (dict(center="uniform"), TypeError, "center"),
    (dict(width=stats.norm(0, 1)), ValueError, "width"),
    (dict(width=0.0), ValueError, "width"),
    (dict(width=[0.1, 0.3]), TypeError, "width"),
])
def test_bad_distributions_are_named_in_the_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        sample_windows(100, (8, 8), random_state=0, **kwargs)


# ------------------------------------------------------------ the transform
def test_same_random_state_same_masks_and_a_generator_moves_on():
    X = np.random.default_rng(0).random((6, 49))
    a = foveate(X, n_views=3, random_state=7)
    np.testing.assert_array_equal(a, foveate(X, n_views=3, random_state=7))
    assert not np.allclose(a, foveate(X, n_views=3, random_state=8))
    rng = np.random.default_rng(7)
    first, second = foveate(X, random_state=rng), foveate(X, random_state=rng)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(first, foveate(X, random_state=np.random.default_rng(7)))


def test_masked_view_is_background_plus_window_times_image_minus_background():
    rng = np.random.default_rng(1)
    X = rng.random((4, 30))
    background = rng.random(30)
    masked, centers, widths = foveate(X, (5, 6), n_views=2, background=background,
                                      random_state=2, return_windows=True)
    assert masked.shape == (8, 30) and centers.shape == (8, 2) and widths.shape == (8,)
    for row in range(8):
        window = gaussian_window((5, 6), centers[row], widths[row])
        image = X[row // 2]                                   # views of one image are adjacent
        np.testing.assert_allclose(masked[row], background + window * (image - background),
                                   rtol=1e-12)


def test_masking_ones_gives_the_windows_and_keeps_the_dtype():
    masked, centers, widths = foveate(np.ones((3, 64), dtype=np.float32), n_views=2,
                                      random_state=0, return_windows=True)
    assert masked.dtype == np.float32
    np.testing.assert_allclose(masked, gaussian_window((8, 8), centers, widths), rtol=1e-6)


def test_foveate_rejects_bad_input_by_name():
    with pytest.raises(ValueError, match="square"):
        foveate(np.ones((2, 30)))
    with pytest.raises(ValueError, match="shape"):
        foveate(np.ones((2, 30)), (4, 4))
    with pytest.raises(ValueError, match="background"):
        foveate(np.ones((2, 16)), background=np.zeros(5))
    with pytest.raises(ValueError, match="n_views"):
        foveate(np.ones((2, 16)), n_views=0)
