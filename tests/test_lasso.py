"""Tests of dreamlib.lasso (what an L1 penalty does to a Helmholtz machine's connections).

Independent references: weight matrices written by hand, whose zeros, dropped
rows, participation ratios and largest weights are counted here directly; and
the two ends of the L1 range (no penalty: no exact zeros; a penalty far larger
than any gradient: every weight zero, every unit dropped).
"""

import numpy as np
import pytest

import dreamlib as dl
from dreamlib import HelmholtzMachine
from dreamlib.lasso import connection_sparsity, lasso_sweep


def _machine_with(G, units="bernoulli"):
    n_visible = G.shape[1] // (2 if units == "spike-and-slab" else 1)
    X = (np.arange(4 * n_visible).reshape(4, n_visible) % 3 == 0).astype(float)
    hm = HelmholtzMachine([n_visible, G.shape[0]], units=units, progress=False).initialize(X)
    hm.generative_weights_[0][:] = G
    return hm


def test_counts_of_a_hand_written_matrix():
    G = np.array([[0.0, 0.0, 3.0, 0.0],        # one strong connection
                  [0.5, -0.5, 0.5, -0.5],      # four equal ones
                  [0.0, 0.0, 0.0, 0.0],        # dropped
                  [2.0, 1.0, 0.0, 0.0]])       # (2 + 1)**2 / (4 + 1) = 1.8
    found = connection_sparsity(_machine_with(G))
    assert found["zero_fraction"] == pytest.approx(9 / 16)
    assert found["dropped"].tolist() == [False, False, True, False]
    np.testing.assert_allclose(found["fan_out"], [1.0, 4.0, 0.0, 1.8])
    np.testing.assert_allclose(found["strength"], [3.0, 0.5, 0.0, 2.0])


def test_spike_and_slab_units_count_both_logits_of_every_unit():
    G = np.array([[1.0, 0.0, 0.0, 1.0]])       # gate of unit 0, slab of unit 1
    found = connection_sparsity(_machine_with(G, units="spike-and-slab"))
    assert found["fan_out"].tolist() == [2.0] and found["zero_fraction"] == 0.5


def test_fitted_sparse_helmholtz_is_measured_through_its_machine():
    X, true = dl.data.bars(200, size=4, random_state=0)
    D = dl.sparse_coding.normalize_rows(true)
    shm = dl.SparseHelmholtz(D, HelmholtzMachine([None, 3], units="spike-and-slab", n_epochs=1,
                                                 progress=False), lam=0.1, random_state=0).fit(X)
    found = connection_sparsity(shm)
    assert found["fan_out"].shape == (3,)
    np.testing.assert_allclose(found["strength"],
                               np.abs(shm.machine_.generative_weights_[0]).max(axis=1))


def test_the_two_ends_of_the_l1_range():
    X, true = dl.data.bars(300, size=6, random_state=1)
    D = dl.sparse_coding.normalize_rows(true)
    machine = HelmholtzMachine([None, 5], units="spike-and-slab", n_epochs=3, batch_size=20,
                               learning_rate=0.01, progress=False)
    records = lasso_sweep(X[:250], X[250:], D, 0.1, machine, [0.0, 1e4], [0, 1],
                          n_recon_samples=2, progress=False)
    assert [(r["l1"], r["seed"]) for r in records] == [(0.0, 0), (0.0, 1), (1e4, 0), (1e4, 1)]
    for r in records[:2]:
        assert r["zero_fraction"] == 0.0 and r["dropped_fraction"] == 0.0
        assert r["fan_out"] > 1 and r["strength"] > 0
    for r in records[2:]:
        assert r["zero_fraction"] == 1.0 and r["dropped_fraction"] == 1.0
        assert np.isnan(r["fan_out"]) and np.isnan(r["strength"])
        for W in r["model_"].machine_.recognition_weights_:   # the penalty is on every weight
            assert np.all(W == 0)
    assert all(np.isfinite(r["psnr"]) for r in records)
    assert records[0]["model_"].machine_.l1 == 0.0 and records[2]["model_"].machine_.l1 == 1e4
