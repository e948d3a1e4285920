"""dreamlib.natural_study: the natural-image study's records and table, at a tiny size."""

import numpy as np
import pytest

from dreamlib import metrics, natural_study


@pytest.fixture(scope="module")
def tiny():
    data = natural_study.study_data(60, 20)
    records = natural_study.study(data, recipes=["naive-ws", "sparse-ws-slab"], seeds=[0, 1],
                                  progress=False, hidden=(8,), n_epochs=1, n_recon_samples=2)
    return data, records


def test_records_measure_what_they_say(tiny):
    data, records = tiny
    assert [(r["recipe"], r["seed"]) for r in records] == [
        ("naive-ws", 0), ("naive-ws", 1), ("sparse-ws-slab", 0), ("sparse-ws-slab", 1)]
    for r in records:
        # the detail alone is part of the error, so the PSNR given the true brightness is higher
        assert r["psnr_true_brightness"] >= r["psnr"] - 1e-9
        assert 0 <= r["brightness_share"] <= 1
        mse = 10 ** (-r["psnr"] / 10)
        detail = 10 ** (-r["psnr_true_brightness"] / 10)
        assert np.isclose(r["brightness_share"], (mse - detail) / mse)
    sparse = [r for r in records if r["recipe"] == "sparse-ws-slab"]
    assert all(0 < r["active_per_dream"] <= len(data["dictionary"]) for r in sparse)
    assert all("active_per_dream" not in r for r in records if r["recipe"] == "naive-ws")


def test_table_references_against_direct_computation(tiny):
    data, records = tiny
    test = data["test"]
    flat = 10 * np.log10(1 / np.mean((test - test.mean(axis=1, keepdims=True)) ** 2))
    refs = natural_study.study_references(data)
    assert np.isclose(refs["flat patch (its mean)"], flat)
    assert np.isclose(refs["sparse code only"],
                      metrics.psnr(test, np.clip(data["codes_test"] @ data["dictionary"], 0, 1)))
    table = natural_study.study_table(records, data)
    naive = [r["psnr"] for r in records if r["recipe"] == "naive-ws"]
    assert f"| naive-ws | 2 | {np.mean(naive):.2f} ± {np.std(naive, ddof=1):.2f} |" in table
    assert f"| flat patch (its mean) | | {flat:.2f} |" in table


def test_unknown_recipe_is_refused(tiny):
    data, _ = tiny
    with pytest.raises(ValueError, match="recipe must be one of"):
        natural_study.run_recipe("sparse-magic", 0, data)


def test_brightness_recipe_codes_the_patches_without_their_mean(tiny):
    from dreamlib.sparse_coding import lca

    data, _ = tiny
    codes_train, codes_test = natural_study.centered_codes(data)
    patches = np.concatenate([data["train"], data["test"]])
    expected = lca(patches - patches.mean(axis=1, keepdims=True), data["dictionary"], data["lam"])
    np.testing.assert_allclose(np.concatenate([codes_train, codes_test]), expected, atol=1e-10)
    record = natural_study.run_recipe(natural_study.BRIGHTNESS_RECIPE, 0, data, hidden=(8,),
                                      n_epochs=1, n_recon_samples=2)
    assert record["recipe"] == natural_study.BRIGHTNESS_RECIPE
    assert record["psnr_true_brightness"] >= record["psnr"] - 1e-9
    settings = natural_study.RECIPES[natural_study.BRIGHTNESS_RECIPE][2]["pipeline"]
    assert settings == dict(brightness=True, brightness_units=200, brightness_code="thermometer")
