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
