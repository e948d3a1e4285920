"""Tests of dreamlib.experiments (the comparison behind notebook 05), against brute force."""

import numpy as np
import pytest

import dreamlib as dl
from dreamlib import experiments as ex


def test_nearest_distance_is_brute_force_rms(rng):
    A, B = rng.random((7, 5)), rng.random((11, 5))
    brute = np.array([min(np.sqrt(np.mean((a - b) ** 2)) for b in B) for a in A])
    np.testing.assert_allclose(ex.nearest_distance(A, B, batch=3), brute, rtol=1e-10)
    assert ex.nearest_distance(B[:4], B)[0] == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="pixels"):
        ex.nearest_distance(A, B[:, :3])


def test_summarize_mean_and_sample_std():
    records = [{"model": "a", "seed": s, "mse": v, "psnr": 10.0, "dream_distance": 0.0}
               for s, v in enumerate([1.0, 2.0, 3.0])]
    records.append({"model": "b", "seed": 0, "mse": 5.0, "psnr": 1.0, "dream_distance": 0.0})
    out = ex.summarize(records)
    assert list(out) == ["a", "b"]
    assert out["a"]["mse"] == (2.0, 1.0, 3)      # sample std, ddof=1
    assert np.isnan(out["b"]["mse"][1])


def test_natural_patches_and_resize():
    P = ex.natural_patches(20, size=12, random_state=0)
    assert P.shape == (20, 144) and P.min() >= 0 and P.max() <= 1
    np.testing.assert_array_equal(P, ex.natural_patches(20, size=12, random_state=0))
    flat = np.full((2, 25 * 25), 0.3)
    np.testing.assert_allclose(ex.resize_images(flat, (25, 25), size=28), 0.3)
    with pytest.raises(ValueError, match="shape"):
        ex.resize_images(flat, (20, 20))


def test_run_seed_measures_every_model_on_held_out_images():
    X, true = dl.data.bars(600, size=8, random_state=0)
    D = dl.sparse_coding.normalize_rows(true)
    X_train, X_test = X[:500], X[500:]
    records = ex.run_seed(X_train, X_test, D, 0.1, seed=0, hidden=(16,), n_epochs=30,
                          n_recon_samples=3, n_dreams=20)
    assert [r["model"] for r in records] == list(ex.MODELS)
    for r in records:
        recon = r["reconstructions"]
        assert recon.shape == (8, 64)
        assert r["psnr"] == pytest.approx(10 * np.log10(1.0 / r["mse"]))
        assert 0 < r["mse"] < dl.metrics.mse(X_test, np.zeros_like(X_test))
    again = ex.run_seed(X_train, X_test, D, 0.1, seed=0, hidden=(16,), n_epochs=30,
                        n_recon_samples=3, n_dreams=20, models=("sparse",))
    assert again[0]["mse"] == records[1]["mse"], "reproducible for a seed"
    with pytest.raises(ValueError, match="models"):
        ex.run_seed(X_train, X_test, D, 0.1, seed=0, models=("pixel",))


def test_markdown_table_rows_and_paper_column():
    records = [{"model": "naive", "seed": s, "mse": 0.01 * (s + 1), "psnr": 20.0 + s,
                "dream_distance": 0.1} for s in range(2)]
    table = ex.markdown_table({"MNIST": ex.summarize(records)},
                              extra={("MNIST", "naive"): "best"})
    lines = table.splitlines()
    assert lines[0] == "| data | model | MSE | PSNR (dB) | paper |"
    assert lines[2] == "| MNIST | naive | 0.0150 ± 0.0071 (n=2) | 20.50 ± 0.71 (n=2) | best |"


def _authors_image_mse(a, b):
    """sparse_coding_utils.image_MSE of the authors' repository, verbatim."""
    return (1 / (a.shape[0] * a.shape[0])) * (np.sum((a - b) ** 2))


def _authors_image_psnr(a, b):
    """sparse_coding_utils.image_PSNR, verbatim."""
    return 20 * np.log10(255) - 10 * np.log10(_authors_image_mse(255 * a, 255 * b))


def test_paper_protocol_scores_dreams_with_the_authors_metric():
    image = dl.data.bars(1, size=8, random_state=3)[0][0]
    out = ex.paper_protocol(image, n_iter=450, score_every=100, hidden=(8, 1), random_state=0)
    np.testing.assert_array_equal(out["iterations"], [1, 101, 201, 301, 401])
    assert out["dreams"].shape == (5, 64)
    for dream, mse, psnr in zip(out["dreams"], out["mse"], out["psnr"]):
        a, b = image.reshape(8, 8), dream.reshape(8, 8)   # square, as the authors' images
        assert mse == pytest.approx(_authors_image_mse(a, b), rel=1e-9)
        assert psnr == pytest.approx(_authors_image_psnr(a, b), rel=1e-9)
    assert out["mean_psnr"] == pytest.approx(out["psnr"].mean())
    assert out["best_psnr"] == out["psnr"].max() and out["best_mse"] == out["mse"].min()
    again = ex.paper_protocol(image, n_iter=450, score_every=100, hidden=(8, 1), random_state=0)
    np.testing.assert_array_equal(again["dreams"], out["dreams"])


def test_paper_protocol_memorises_the_one_training_image():
    X = dl.data.bars(50, size=8, random_state=1)[0]
    image, other = X[0], next(x for x in X[1:] if np.abs(x - X[0]).sum() > 10)
    out = ex.paper_protocol(image, n_iter=1500, score_every=100, hidden=(8, 1),
                            beta_parameterization="mean", random_state=0)
    late = out["dreams"][-5:]
    assert dl.metrics.mse(np.broadcast_to(image, late.shape), late) < \
        0.5 * dl.metrics.mse(np.broadcast_to(other, late.shape), late)
    assert out["mse"][-5:].mean() < out["mse"][0], "dreams should approach the training image"


def test_paper_protocol_l1_and_normalisation():
    X, true = dl.data.bars(1, size=8, random_state=2)
    D = dl.sparse_coding.normalize_rows(true)
    # from zero weights, one step moves a weight by at most lr * |h (x - p)| <= lr; a shrink of
    # lr * l1 >= lr puts it back to 0, so every weight stays exactly 0
    out = ex.paper_protocol(X[0], "sparse + L1", dictionary=D, n_iter=200, score_every=50,
                            l1=1.0, normalize=True, hidden=(8, 1), random_state=0)
    assert out["zero_weights"] == 1.0
    assert np.allclose(out["dreams"].min(axis=1), 0) and np.allclose(out["dreams"].max(axis=1), 1)
    plain = ex.paper_protocol(X[0], "sparse", dictionary=D, n_iter=200, score_every=50,
                              hidden=(8, 1), random_state=0)
    assert plain["zero_weights"] < 0.5
    with pytest.raises(ValueError, match="dictionary"):
        ex.paper_protocol(X[0], "sparse")
    with pytest.raises(ValueError, match="one image"):
        ex.paper_protocol(np.vstack([X[0], X[0]]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ex.paper_protocol(2 * X[0] + 0.5)
    with pytest.raises(ValueError, match="model"):
        ex.paper_protocol(X[0], "pixels")


def test_paper_protocol_scores_a_whitened_image_as_the_authors_did():
    # the authors' natural image was a whitened tile (signed values); they min-max normalised it
    X, true = dl.data.bars(1, size=8, random_state=2)
    D = dl.sparse_coding.normalize_rows(true)
    signed = 3.0 * X[0] - 1.0                      # values -1 and 2: not pixels
    scaled = (signed - signed.min()) / np.ptp(signed)
    for model in ("naive", "sparse"):
        out = ex.paper_protocol(signed, model, dictionary=D, n_iter=300, score_every=100,
                                normalize=True, hidden=(8, 1), random_state=0)
        by_hand = ((out["dreams"] - scaled) ** 2).mean(axis=1)
        assert np.allclose(out["mse"], by_hand)
        assert np.allclose(out["dreams"].min(axis=1), 0) and np.allclose(out["dreams"].max(axis=1), 1)
    # the naive machine learns the min-max normalised pixels: its units are the scaled image
    naive = ex.paper_protocol(signed, n_iter=1500, score_every=100, normalize=True, hidden=(8, 1),
                              random_state=0)
    assert naive["mse"][-3:].mean() < naive["mse"][0]
    with pytest.raises(ValueError, match="normalize=True"):
        ex.paper_protocol(signed)


def test_whitened_patches_have_a_flat_spectrum_where_photographs_fall_like_one_over_f():
    white = ex.whitened_patches(200, random_state=0)
    raw = ex.natural_patches(200, random_state=0)
    assert white.min() < 0 < white.max(), "whitened values are signed"

    def band_power(P, lo, hi):
        power = np.abs(np.fft.fft2((P - P.mean(axis=1, keepdims=True)).reshape(-1, 28, 28))) ** 2
        f = np.hypot(*np.meshgrid(np.fft.fftfreq(28), np.fft.fftfreq(28)))
        return power[:, (f >= lo) & (f < hi)].mean()

    # a 1/f amplitude spectrum has ~16 times the power at 1/28-2/28 than at 4/28-8/28 cycles/pixel
    # (photographs: more); whitening multiplies the amplitude by f, which flattens it (a 28-pixel
    # window leaks a little low-frequency power back: about 2.7 measured)
    low, mid = (1 / 28, 2 / 28), (4 / 28, 8 / 28)
    raw_tilt = band_power(raw, *low) / band_power(raw, *mid)
    white_tilt = band_power(white, *low) / band_power(white, *mid)
    assert raw_tilt > 10 and white_tilt < 4 and 8 * white_tilt < raw_tilt, (raw_tilt, white_tilt)


def test_brightness_detail_splits_the_mse_exactly(rng):
    X, X_hat = rng.random((6, 20)), rng.random((6, 20))
    brightness, detail = ex.brightness_detail(X, X_hat)
    assert brightness + detail == pytest.approx(dl.metrics.mse(X, X_hat), rel=1e-12)
    # by hand: the error of the means, and of what is left once each image's mean is removed
    assert brightness == pytest.approx(np.mean([(a.mean() - b.mean()) ** 2 for a, b in zip(X, X_hat)]))
    flat = np.broadcast_to(X.mean(axis=1, keepdims=True), X.shape)
    assert ex.brightness_detail(X, flat)[0] == pytest.approx(0.0, abs=1e-15)
    assert ex.brightness_detail(X, X + 0.25) == pytest.approx((0.0625, 0.0), abs=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        ex.brightness_detail(X, X_hat[:, :5])


def test_references_flat_patch_and_exact_code(rng):
    D = np.eye(16)[:8]                                  # orthonormal atoms: LCA is soft thresholding
    X = rng.random((40, 8)) @ D
    out = ex.references(X[:30], X[30:], D, lam=1e-3, flat_patch=True)
    flat = np.broadcast_to(X[30:].mean(axis=1, keepdims=True), X[30:].shape)
    assert out["flat patch (its mean)"] == pytest.approx(dl.metrics.psnr(X[30:], flat))
    # each code is shrunk by lam, so every covered pixel is off by 1e-3 (half the pixels): MSE 5e-7
    assert out["sparse code only"] == pytest.approx(10 * np.log10(1 / 5e-7), abs=0.1)
    mean_image = ex.references(X[:30], X[30:], D, lam=0.1)["mean training image"]
    assert mean_image == pytest.approx(
        dl.metrics.psnr(X[30:], np.broadcast_to(X[:30].mean(axis=0), X[30:].shape)))


def test_paper_comparison_and_table():
    X, true = dl.data.bars(2, size=8, random_state=0)
    D = dl.sparse_coding.normalize_rows(true)
    runs = ex.paper_comparison({"natural": X[0]}, D, 0.1, seeds=[0, 1], n_iter=200,
                               progress=False)
    assert list(runs) == [("natural", m) for m in ex.MODELS]
    naive = runs["natural", "naive"]
    # scaled to 200 iterations: every 100th -> every 4th, every 1,000th -> every 40th; the paper's
    # 50 and 5 scored dreams either way
    assert len(naive) == 2 and naive[0]["iterations"][:3].tolist() == [1, 5, 9]
    assert len(naive[0]["iterations"]) == 50
    assert len(runs["natural", "sparse"][0]["iterations"]) == 5
    assert np.allclose(naive[0]["dreams"].max(axis=1), 1.0), "natural dreams are min-max normalised"
    table = ex.paper_table(runs, labels={"natural": "patches"}).splitlines()
    assert table[0].startswith("| data | model | mean MSE")
    mean_psnr = np.mean([r["mean_psnr"] for r in naive])
    assert table[2].startswith(f"| patches | naive | ") and f"{mean_psnr:.2f} ± " in table[2]
    assert "(paper 8.85)" in table[2]
    with pytest.raises(ValueError, match="keyed"):
        ex.paper_comparison({"faces": X[0]}, D, 0.1, seeds=[0], n_iter=10, progress=False)
