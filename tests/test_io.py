"""dreamlib.io: every estimator survives a save/load round trip bit for bit; bad files are refused."""

import json

import numpy as np
import pytest

import dreamlib as dl
from dreamlib import io
from dreamlib.data import bars, hinton_bars
from dreamlib.pipeline import CodeUnitMap


@pytest.fixture(scope="module")
def bars_images():
    X, true = bars(300, size=8, random_state=0)
    return X, dl.sparse_coding.normalize_rows(true)


def _machine(units, X):
    return dl.HelmholtzMachine([X.shape[1], 6, 3], units=units, n_epochs=2, batch_size=50,
                               progress=False, random_state=1).fit(X)


def _same(a, b):
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b) and np.asarray(a).dtype == np.asarray(b).dtype


def _greyscale(X):
    return np.clip(X * np.random.default_rng(0).uniform(0.3, 1.0, X.shape), 0, 1)


@pytest.mark.parametrize("units", ["bernoulli", "beta", "spike-and-slab"])
def test_helmholtz_machine_round_trip_is_bit_identical(units, tmp_path):
    X = hinton_bars(400, random_state=0)
    if units != "bernoulli":
        X = _greyscale(X) * (X > 0)
    hm = _machine(units, X)
    back = io.load(io.save(hm, tmp_path / "machine.npz"))
    assert type(back) is dl.HelmholtzMachine and back.get_params() == hm.get_params()
    for name in ("generative_weights_", "generative_biases_", "recognition_weights_",
                 "recognition_biases_"):
        assert _same(getattr(back, name), getattr(hm, name)), name
    assert back.history_ == hm.history_ and back.n_updates_ == hm.n_updates_
    for visible in ("sample", "mean"):
        assert _same(back.dream(20, visible=visible, random_state=3),
                     hm.dream(20, visible=visible, random_state=3))
    assert _same(back.reconstruct(X[:10], random_state=4), hm.reconstruct(X[:10], random_state=4))
    assert _same(back.log_likelihood(X[:5], 20, random_state=5),
                 hm.log_likelihood(X[:5], 20, random_state=5))
    assert _same(back.recognize(X[:5]), hm.recognize(X[:5]))
    # the optimizer's state came back too, so training can go on
    assert _same(back.optimizer_.m_, hm.optimizer_.m_) and back.optimizer_.t_ == hm.optimizer_.t_
    assert back.partial_fit(X).n_updates_ == hm.n_updates_ + 8


def test_sparse_coding_round_trip_is_bit_identical(bars_images, tmp_path):
    X, _ = bars_images
    sc = dl.SparseCoding(16, lam=0.1, n_iter=30, random_state=0).fit(X)
    back = io.load(io.save(sc, tmp_path / "coder"))  # .npz is appended
    assert (tmp_path / "coder.npz").exists()
    assert _same(back.components_, sc.components_) and back.get_params() == sc.get_params()
    codes = sc.transform(X[:20])
    assert _same(back.transform(X[:20]), codes)
    assert _same(back.inverse_transform(codes), sc.inverse_transform(codes))


@pytest.mark.parametrize("coder", ["dictionary", "sparse coding"])
def test_sparse_helmholtz_round_trip_is_bit_identical(coder, bars_images, tmp_path):
    X, D = bars_images
    if coder == "sparse coding":
        coder = dl.SparseCoding(16, lam=0.1, n_iter=30, random_state=0)
    else:
        coder = D
    machine = dl.HelmholtzMachine([None, 8], units="spike-and-slab", n_epochs=2, progress=False)
    shm = dl.SparseHelmholtz(coder, machine, lam=0.1, random_state=2).fit(X)
    back = io.load(io.save(shm, tmp_path / "sparse.npz"))
    assert type(back.machine_) is dl.HelmholtzMachine and type(back.code_map_) is CodeUnitMap
    for visible in ("sample", "mean"):
        assert _same(back.dream(30, visible=visible, return_codes=True, random_state=6),
                     shm.dream(30, visible=visible, return_codes=True, random_state=6))
    assert _same(back.encode(X[:10]), shm.encode(X[:10]))
    for sparse in (False, True):
        assert _same(back.reconstruct(X[:10], n_samples=2, sparse=sparse, random_state=7),
                     shm.reconstruct(X[:10], n_samples=2, sparse=sparse, random_state=7))
    assert _same(back.generate_from_top(np.eye(8)[:2], random_state=8),
                 shm.generate_from_top(np.eye(8)[:2], random_state=8))


def test_unfitted_models_and_generators_round_trip(tmp_path):
    hm = dl.HelmholtzMachine([16, 4], random_state=np.random.default_rng(5))
    back = io.load(io.save(hm, tmp_path / "unfitted.npz"))
    assert not hasattr(back, "generative_weights_")
    assert back.random_state.random() == hm.random_state.random()  # the generator's state too
    assert io.load(io.save(CodeUnitMap(0.5), tmp_path / "map.npz")).max_unit == 0.5


def test_files_hold_no_pickles(tmp_path):
    X = hinton_bars(100, random_state=0)
    path = io.save(_machine("bernoulli", X), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert all(npz[key].dtype != object for key in npz.files)


# ------------------------------------------------------------ bad files
def _rewrite(path, change):
    """Rewrite an .npz with ``change(arrays, header)`` applied; the checksum is NOT updated."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(str(arrays["__dreamlib__"]))
    change(arrays, header)
    arrays["__dreamlib__"] = np.array(json.dumps(header))
    np.savez(path, **arrays)


def _reseal(arrays, header):
    """Recompute the checksum, as someone forging a file would."""
    header.pop("sha256")
    header["sha256"] = io._digest(header, {k: v for k, v in arrays.items() if k != "__dreamlib__"})


@pytest.fixture
def saved(tmp_path):
    X = hinton_bars(100, random_state=0)
    return io.save(_machine("bernoulli", X), tmp_path / "m.npz")


def test_a_tampered_weight_is_refused(saved):
    def edit(arrays, header):
        arrays["a0"] = arrays["a0"] + np.float32(0.5)
    _rewrite(saved, edit)
    with pytest.raises(ValueError, match="has been changed since it was saved"):
        io.load(saved)


def test_a_tampered_parameter_is_refused(saved):
    def edit(arrays, header):
        header["model"]["params"]["dict"]["n_epochs"] = 99
    _rewrite(saved, edit)
    with pytest.raises(ValueError, match="checksum"):
        io.load(saved)


def test_a_truncated_file_is_refused(saved):
    data = open(saved, "rb").read()
    with open(saved, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a complete dreamlib model file"):
        io.load(saved)


def test_a_file_from_a_newer_format_is_refused(saved):
    def edit(arrays, header):
        header["format_version"] = io.FORMAT_VERSION + 1
        _reseal(arrays, header)
    _rewrite(saved, edit)
    with pytest.raises(ValueError, match="newer|Upgrade dreamlib"):
        io.load(saved)


def test_weights_that_do_not_match_the_layer_sizes_are_refused(saved):
    def edit(arrays, header):
        header["model"]["params"]["dict"]["layer_sizes"]["list"][1] = 7  # was 6
        _reseal(arrays, header)
    _rewrite(saved, edit)
    with pytest.raises(ValueError, match="do not fit together"):
        io.load(saved)


def test_a_class_dreamlib_does_not_export_is_refused(saved):
    def edit(arrays, header):
        header["model"]["estimator"] = "os.system"
        _reseal(arrays, header)
    _rewrite(saved, edit)
    with pytest.raises(ValueError, match="not a dreamlib estimator"):
        io.load(saved)


def test_an_npz_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ValueError, match="not a dreamlib model file"):
        io.load(path)


def test_bad_paths_and_models_are_refused(tmp_path, saved):
    with pytest.raises(ValueError, match="does not exist"):
        io.load(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="path must be a file path"):
        io.load(3)
    with pytest.raises(ValueError, match="folder"):
        io.save(dl.HelmholtzMachine(), tmp_path / "no" / "such" / "m.npz")
    with pytest.raises(ValueError, match="must name a file"):
        io.save(dl.HelmholtzMachine(), tmp_path)
    with pytest.raises(TypeError, match="model must be a dreamlib estimator"):
        io.save({"weights": 1}, tmp_path / "d.npz")


def test_notebook_save_cells_write_outside_the_repository_in_quick_mode():
    # the tests run in quick mode (pyproject sets DREAMLIB_QUICK): notebooks' "save your
    # machine" cells must not leave files in the checkout
    from pathlib import Path

    assert dl.course.is_quick()
    repository = Path(dl.__file__).resolve().parent.parent
    path = dl.course.output_path("machine.npz").resolve()
    assert repository not in path.parents and path.parent.is_dir()
