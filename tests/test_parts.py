"""Tests of dreamlib.parts (how part-like a dictionary is; the masking study).

Independent references: the pixel basis, whose LCA codes are the soft-thresholded
pixels and whose best k-atom code keeps the k largest pixels (so activity and
both coding errors have closed forms); dictionaries made of the training images
themselves (similarity exactly 1); Gaussian bumps (window similarity 1); and the
masking study reduced to the plain one by windows so wide they change nothing.
"""

import numpy as np
import pytest

import dreamlib as dl
from dreamlib.masking import gaussian_window
from dreamlib.parts import (
    coding_error,
    error_with_k_atoms,
    image_similarity,
    masking_study,
    part_measures,
    window_similarity,
)


def test_image_similarity_is_one_for_the_images_themselves_and_ignores_sign_and_scale():
    rng = np.random.default_rng(0)
    images = rng.random((20, 36))
    D = dl.sparse_coding.normalize_rows(-3.0 * images[:5])
    np.testing.assert_allclose(image_similarity(D, images), 1.0, rtol=1e-12)
    orthogonal = np.zeros((1, 36))
    orthogonal[0, :2] = [1.0, -1.0]
    two_pixel_images = np.zeros((2, 36))
    two_pixel_images[:, :2] = [[1.0, 1.0], [2.0, 2.0]]
    assert image_similarity(orthogonal, two_pixel_images)[0] == pytest.approx(0.0, abs=1e-15)


def test_window_similarity_is_one_for_a_bump_and_low_for_noise():
    side = 20
    bumps = gaussian_window((side, side), [[3.0, 15.0], [10.0, 10.0]], [0.1 * side, 0.3 * side])
    np.testing.assert_allclose(window_similarity(bumps), 1.0, rtol=1e-6)   # a float32 bank
    noise = np.random.default_rng(1).standard_normal((5, side * side))
    assert window_similarity(noise).max() < 0.3


def test_coding_error_is_the_missed_fraction_of_energy():
    X = np.array([[3.0, 4.0], [0.0, 5.0]])
    D = np.eye(2)
    codes = np.array([[3.0, 0.0], [0.0, 5.0]])
    assert coding_error(X, codes, D) == pytest.approx(16.0 / 50.0)


def test_measures_of_the_pixel_basis_have_closed_forms():
    # With the identity dictionary the LCA code is soft_threshold(x, lam) and the best
    # k-atom code keeps the k largest |pixels|: every measure can be written down.
    rng = np.random.default_rng(2)
    X_train, X_test = rng.random((30, 16)), rng.standard_normal((40, 16))
    lam, k = 0.5, 3
    m = part_measures(np.eye(16), X_train, X_test, lam)
    shrunk = np.sign(X_test) * np.maximum(np.abs(X_test) - lam, 0)
    kept = np.sort(X_test**2, axis=1)[:, -k:].sum()
    assert m["active"] == pytest.approx(np.count_nonzero(shrunk, axis=1).mean())
    assert m["error"] == pytest.approx(np.sum((X_test - shrunk) ** 2) / np.sum(X_test**2), rel=1e-4)
    assert error_with_k_atoms(np.eye(16), X_test, [k])[0] == pytest.approx(
        1 - kept / np.sum(X_test**2), rel=1e-10)
    assert m["spread"] == 0.0                                   # one pixel has no extent
    assert m["bump_share"] == 1.0        # a single pixel is the narrowest bump (width 0.05 * 4 px)
    best = (X_train / np.linalg.norm(X_train, axis=1, keepdims=True)).max(axis=0)
    assert m["image_similarity"] == pytest.approx(np.median(best))


def test_error_with_k_atoms_reaches_zero_on_a_complete_basis_and_rejects_too_many():
    rng = np.random.default_rng(3)
    basis, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    X = rng.standard_normal((10, 6))
    errors = error_with_k_atoms(basis.T, X, [1, 3, 6])
    assert np.all(np.diff(errors) < 0) and errors[-1] == pytest.approx(0.0, abs=1e-20)
    with pytest.raises(ValueError, match="k=7"):
        error_with_k_atoms(basis.T, X, [7])


@pytest.fixture(scope="module")
def bars_study():
    X, true = dl.data.bars(1400, size=8, random_state=0)
    records = masking_study(X[:1200], X[1200:], 16, 0.1, seeds=[0, 1], n_iter=50,
                            masking={"width": 1e4, "n_views": 1}, components=true,
                            progress=False)
    return records, true


def test_windows_wider_than_everything_reduce_the_study_to_plain_learning(bars_study):
    records, _ = bars_study
    for seed in (0, 1):
        plain, masked = (next(r for r in records if r["model"] == m and r["seed"] == seed)
                         for m in ("plain", "masked"))
        np.testing.assert_allclose(masked["dictionary"], plain["dictionary"], atol=1e-4)


def test_study_records_every_seed_and_model_with_recovery(bars_study):
    records, true = bars_study
    assert [(r["model"], r["seed"]) for r in records] == [
        ("plain", 0), ("masked", 0), ("plain", 1), ("masked", 1)]
    for r in records:
        assert set(dl.parts.MEASURES) <= set(r)
        assert r["recovery"] == dl.metrics.recovery_score(r["dictionary"], true)
        np.testing.assert_allclose(np.linalg.norm(r["dictionary"], axis=1), 1.0, rtol=1e-5)


def test_study_rejects_unknown_settings():
    X = np.random.default_rng(0).random((20, 16))
    with pytest.raises(ValueError, match="masking"):
        masking_study(X, X, 4, 0.1, [0], masking={"sigma": 1.0}, progress=False)
    with pytest.raises(ValueError, match="models"):
        masking_study(X, X, 4, 0.1, [0], models=("masked", "other"), progress=False)
