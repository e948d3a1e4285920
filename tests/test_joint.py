"""Tests of dreamlib.joint (the sparse code and the dreamer learned together, paper §4).

Independent references: the two-stage model itself (``SparseHelmholtz``), which the
joint loop must reproduce bit for bit when the dictionary step is off; unit norms
and finiteness over 10^4 updates; and the Hebbian step written out with numpy.
"""

import numpy as np
import pytest

import dreamlib as dl
from dreamlib import HelmholtzMachine, SparseHelmholtz
from dreamlib.joint import JointSparseHelmholtz

SIZE = 6


@pytest.fixture(scope="module")
def bars_data():
    X, true = dl.data.bars(400, size=SIZE, random_state=0)
    D = dl.sparse_coding.learn_dictionary(X, 2 * SIZE, 0.1, n_iter=100, random_state=0)
    return X, D


def _machine(**settings):
    defaults = {"units": "spike-and-slab", "n_epochs": 4, "batch_size": 20}
    return HelmholtzMachine([None, 8], progress=False, **{**defaults, **settings})


@pytest.mark.parametrize("units", ["spike-and-slab", "beta"])
def test_without_the_dictionary_step_it_is_exactly_the_two_stage_model(bars_data, units):
    X, D = bars_data
    machine = _machine(units=units)
    two_stage = SparseHelmholtz(D, machine, lam=0.1, random_state=3).fit(X)
    joint = JointSparseHelmholtz(D, machine, lam=0.1, dictionary_learning_rate=0.0,
                                 random_state=3).fit(X)
    for part in ("generative_weights_", "generative_biases_", "recognition_weights_",
                 "recognition_biases_"):
        for mine, theirs in zip(getattr(joint.machine_, part), getattr(two_stage.machine_, part)):
            np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(joint.dictionary_, two_stage.dictionary_)
    np.testing.assert_array_equal(joint.reconstruct(X[:20], random_state=0),
                                  two_stage.reconstruct(X[:20], random_state=0))
    assert joint.history_["dictionary_change"] == pytest.approx([0.0] * 4, abs=1e-6)  # never moved
    assert all(0 < e < 2 for e in joint.history_["reconstruction_error"])


def test_with_the_dictionary_step_the_atoms_move_and_stay_unit_norm(bars_data):
    X, D = bars_data
    joint = JointSparseHelmholtz(D, _machine(), lam=0.1, dictionary_learning_rate=0.1,
                                 random_state=0).fit(X)
    np.testing.assert_array_equal(joint.initial_dictionary_, D)
    assert np.abs(joint.dictionary_ - D).max() > 1e-3
    np.testing.assert_allclose(np.linalg.norm(joint.dictionary_, axis=1), 1.0, rtol=1e-12)
    assert len(joint.history_["dictionary_change"]) == 4
    assert all(c > 0 for c in joint.history_["dictionary_change"])


def test_ten_thousand_updates_leave_everything_finite_and_unit_norm():
    X, _ = dl.data.bars(200, size=4, random_state=1)
    D = dl.sparse_coding.normalize_rows(np.random.default_rng(0).standard_normal((8, 16)))
    machine = HelmholtzMachine([None, 6], units="spike-and-slab", n_epochs=100, batch_size=2,
                               learning_rate=0.05, progress=False)
    joint = JointSparseHelmholtz(D, machine, lam=0.05, dictionary_learning_rate=0.5,
                                 dictionary_batch_size=2, code_weight=1.0, random_state=0).fit(X)
    assert joint.machine_.n_updates_ == 10_000                   # 100 epochs x 100 minibatches
    assert len(joint.history_["reconstruction_error"]) == 100    # each epoch: 100 dictionary steps
    assert np.all(np.isfinite(joint.dictionary_))
    np.testing.assert_allclose(np.linalg.norm(joint.dictionary_, axis=1), 1.0, rtol=1e-12)
    for W in joint.machine_.generative_weights_ + joint.machine_.recognition_weights_:
        assert np.all(np.isfinite(W))
    assert np.all(np.isfinite(joint.history_["reconstruction_error"]))
    assert np.all(np.isfinite(joint.dream(50, random_state=0)))


def test_one_dictionary_step_is_the_hebbian_step_on_the_machines_residual(bars_data):
    X, D = bars_data
    joint = JointSparseHelmholtz(D, _machine(n_epochs=1), lam=0.1, dictionary_learning_rate=0.0,
                                 random_state=0).fit(X)
    batch = X[:7]
    codes = joint.sparse_codes(batch)
    # by hand: the epoch's order, the machine's reconstruction of the batch (same random numbers),
    # per-atom steps from the LCA codes' usage, D + eta * a_hat.T (X - a_hat D), unit rows
    rng = np.random.default_rng(5)
    order = rng.permutation(7)
    predicted = joint.reconstruct(batch[order], return_codes=True, random_state=rng)[1]
    usage = (codes**2).mean(axis=0)
    eta = 0.3 / (usage + 0.1 * usage.mean()) / 7
    expected = D + eta[:, None] * (predicted.T @ (batch[order] - predicted @ D))
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    joint.set_params(dictionary_learning_rate=0.3, dictionary_batch_size=7)
    joint._dictionary_epoch(batch, codes, np.random.default_rng(5))
    np.testing.assert_allclose(joint.dictionary_, expected, rtol=1e-10, atol=1e-12)


def test_bad_settings_are_named():
    X, _ = dl.data.bars(50, size=4, random_state=0)
    D = dl.sparse_coding.normalize_rows(np.eye(8, 16))
    with pytest.raises(ValueError, match="n_init"):
        JointSparseHelmholtz(D, _machine(n_init=2), lam=0.1).fit(X)
    with pytest.raises(ValueError, match="dictionary_learning_rate"):
        JointSparseHelmholtz(D, _machine(), lam=0.1, dictionary_learning_rate=-1.0).fit(X)
    with pytest.raises(NotImplementedError, match="fit"):
        JointSparseHelmholtz(D, _machine(), lam=0.1).partial_fit(X)
