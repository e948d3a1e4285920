"""Dictionary learning, the shipped natural-image dictionary and the atom-tuning measure."""

import numpy as np
import pytest

import dreamlib as dl
from dreamlib.sparse_coding import lca, learn_dictionary
from dreamlib.sparse_coding.online import block_coordinate_pass, forgetting
from dreamlib.tuning import atom_tuning, gabor, gabor_like


# ------------------------------------------------------------ learn_dictionary
def test_learns_bars_from_a_random_start():
    X, true = dl.data.bars(5000, size=8, random_state=0)
    D = learn_dictionary(X, 16, 0.1, n_iter=500, random_state=0)
    assert D.shape == (16, 64)
    np.testing.assert_allclose(np.linalg.norm(D, axis=1), 1.0, rtol=1e-5)
    assert dl.metrics.recovery_score(D, true) > 0.95


@pytest.mark.parametrize("rule", ["hebbian", "online"])
def test_same_seed_same_dictionary(rule):
    X, _ = dl.data.bars(1000, size=6, random_state=0)
    a = learn_dictionary(X, 12, 0.1, n_iter=50, rule=rule, random_state=3)
    b = learn_dictionary(X, 12, 0.1, n_iter=50, rule=rule, random_state=3)
    np.testing.assert_array_equal(a, b)


def test_duplicate_atoms_are_reseeded():
    # start with every atom the same: the re-seeding must spread them out
    X, true = dl.data.bars(3000, size=6, random_state=0)
    init = np.tile(true[0], (12, 1))
    D = learn_dictionary(X, 12, 0.1, n_iter=300, init=init, random_state=0)
    G = np.abs(D @ D.T - np.eye(12))
    assert G.max() < 0.95
    # from 0.17 at the start (one bar found, the same one twelve times)
    assert dl.metrics.recovery_score(D, true) > 0.8


# ------------------------------------------------- rule="online" (Mairal et al. 2010)
def _sequential_pass(D, AA, AX):
    """Reference: each atom in turn becomes the unit vector along AX_i - sum_{j != i} AA_ij d_j."""
    D = D.copy()
    for i in range(len(D)):
        others = [j for j in range(len(D)) if j != i]
        c = AX[i] - AA[i, others] @ D[others]
        D[i] = c / np.linalg.norm(c)
    return D


def _statistics(n_components, n_features, seed):
    rng = np.random.default_rng(seed)
    codes = rng.laplace(size=(300, n_components)) * (rng.random((300, n_components)) < 0.2)
    X = rng.standard_normal((300, n_features))
    D = dl.sparse_coding.normalize_rows(rng.standard_normal((n_components, n_features)))
    return D, codes.T @ codes, codes.T @ X


@pytest.mark.parametrize("block", [1, 5, 64])
def test_block_coordinate_pass_moves_atoms_one_after_the_other(block):
    D, AA, AX = _statistics(23, 10, seed=0)
    expected = _sequential_pass(D, AA, AX)
    got = block_coordinate_pass(D.copy(), AA, AX, block=block)
    np.testing.assert_allclose(got, expected, atol=1e-10)


def test_block_coordinate_pass_never_raises_the_quadratic_and_skips_unused_atoms():
    D, AA, AX = _statistics(30, 12, seed=1)
    AA[7], AA[:, 7], AX[7] = 0.0, 0.0, 0.0  # atom 7 never used
    start = D[7].copy()
    values = []
    for _ in range(5):
        values.append(0.5 * np.trace(D @ D.T @ AA) - np.sum(D * AX))
        D = block_coordinate_pass(D, AA, AX, block=8)
    assert np.all(np.diff(values) <= 1e-9 * abs(values[0]))
    np.testing.assert_array_equal(D[7], start)
    np.testing.assert_allclose(np.linalg.norm(D, axis=1), 1.0)


def test_forgetting_follows_mairal_et_al():
    n = 100
    # theta = n (t = 0), n**2 (t = n - 1), n**2 + 1000 (t = n + 999);
    # beta = (theta + 1 - n) / (theta + 1)
    assert forgetting(0, n) == pytest.approx(1 / (n + 1))
    assert forgetting(n - 1, n) == pytest.approx((n * n + 1 - n) / (n * n + 1))
    assert forgetting(n + 999, n) == pytest.approx((n * n + 1001 - n) / (n * n + 1001))


def test_online_rule_converges_to_a_planted_dictionary():
    # its fixed point is the dictionary that made the data: from a start near it (recovery
    # 0.77), 200 batches bring every atom onto its own (a wrong step would wander off)
    rng = np.random.default_rng(0)
    true = dl.sparse_coding.normalize_rows(rng.standard_normal((20, 64)))
    codes = rng.laplace(size=(5000, 20)) * (rng.random((5000, 20)) < 0.15)
    X = codes @ true + 0.01 * rng.standard_normal((5000, 64))
    init = dl.sparse_coding.normalize_rows(true + 0.1 * rng.standard_normal(true.shape))
    assert dl.metrics.recovery_score(init, true) < 0.8
    D = learn_dictionary(X, 20, 0.05, n_iter=200, rule="online", init=init, random_state=0)
    np.testing.assert_allclose(np.linalg.norm(D, axis=1), 1.0, rtol=1e-5)
    assert np.abs(np.einsum("ij,ij->i", D, true)).min() > 0.95  # atom i is true atom i
    assert dl.metrics.recovery_score(D, true) > 0.98


def test_callback_sees_every_batch():
    X, _ = dl.data.bars(500, size=4, random_state=0)
    seen = []
    learn_dictionary(X, 8, 0.1, n_iter=7, random_state=0, callback=lambda t, D: seen.append(t))
    assert seen == list(range(7))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_components=0), "n_components"),
        (dict(n_components=2.5), "n_components"),
        (dict(lam=-1.0), "lam"),
        (dict(n_iter=0), "n_iter"),
        (dict(batch_size=0), "batch_size"),
        (dict(learning_rate=2.0), "learning_rate"),
        (dict(learning_rate=-0.1), "learning_rate"),
        (dict(step_decay=0), "step_decay"),
        (dict(lca_max_iter=0), "lca_max_iter"),
        (dict(init=np.ones((3, 5))), "init"),
        (dict(init=np.ones((4, 16))), "init"),
        (dict(callback=3), "callback"),
        (dict(rule="sgd"), "rule"),
        (dict(rule="online", learning_rate=0.5), "learning_rate"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    X, _ = dl.data.bars(100, size=4, random_state=0)
    args = dict(n_components=8, lam=0.1, n_iter=5)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        learn_dictionary(X, args.pop("n_components"), args.pop("lam"), **args)


def test_bad_data_is_named():
    with pytest.raises(ValueError, match="X"):
        learn_dictionary(np.ones(10), 4, 0.1)
    with pytest.raises(ValueError, match="X"):
        learn_dictionary(np.array([[0.0, np.nan]]), 4, 0.1)
    with pytest.raises(ValueError, match="all-zero"):
        learn_dictionary(np.zeros((10, 4)), 4, 0.1)


# ------------------------------------------------------ the shipped dictionary
@pytest.fixture(scope="module")
def shipped():
    return dl.data.natural_dictionary()


@pytest.fixture(scope="module")
def heldout(shipped):
    _, info = shipped
    images = [dl.data.whiten(im, f0=info["f0"]) for im in dl.data.natural_images("bundled")]
    # a seed the script never used, so these patches are new
    return dl.data.patches(images, size=info["patch_size"], n_patches=2000, random_state=12345)


def test_shipped_dictionary_format(shipped):
    D, info = shipped
    assert D.shape == (400, 784) and D.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(D, axis=1), 1.0, rtol=1e-4)
    for key in ("lam", "f0", "patch_size", "n_iter", "batch_size", "images"):
        assert key in info


def test_shipped_dictionary_meets_the_acceptance_on_heldout_patches(shipped, heldout):
    # Olshausen & Field's operating point: <= 10% relative error with < 10% active atoms
    D, info = shipped
    codes = lca(heldout, D, info["lam"])
    residual = heldout - codes @ D
    relative_mse = (residual**2).sum() / ((heldout - heldout.mean()) ** 2).sum()
    assert relative_mse <= 0.10
    assert dl.metrics.active_fraction(codes) < 0.10


def test_shipped_dictionary_is_well_conditioned(shipped):
    # no near-duplicate atoms: they would make D D^T's top eigenvalue large and LCA slow
    D, _ = shipped
    G = D.astype(np.float64) @ D.T.astype(np.float64)
    assert np.abs(G - np.eye(len(D))).max() < 0.95
    assert dl.sparse_coding.largest_eigenvalue(G) < 15


def test_shipped_atoms_are_gabor_like(shipped):
    D, _ = shipped
    kinds = gabor_like(atom_tuning(D))
    assert kinds["all"].mean() > 0.7


# ------------------------------------------------------------------ tuning
@pytest.mark.parametrize("orientation", [0.0, 0.4, np.pi / 2, 2.0, 3.0])
@pytest.mark.parametrize("frequency", [0.12, 0.25])
def test_tuning_recovers_a_known_gabor(orientation, frequency):
    g = gabor((28, 28), frequency=frequency, orientation=orientation, sigma=4.0, phase=0.3)
    t = atom_tuning(g[None])
    # the padded spectrum has a 1/128 cycles-per-pixel grid
    assert t["frequency"][0] == pytest.approx(frequency, abs=1.5 / 128)
    diff = np.angle(np.exp(2j * (t["orientation"][0] - orientation))) / 2  # modulo pi
    assert abs(diff) < 0.08
    assert t["spread"][0] == pytest.approx(4.0 / 28, rel=0.1)
    assert gabor_like(t)["all"][0]


def test_tuning_tells_noise_and_blobs_from_gabors():
    rng = np.random.default_rng(0)
    noise = atom_tuning(rng.standard_normal((20, 784)))
    assert np.all(noise["spread"] > 0.3)  # spread over the whole patch
    assert np.all(noise["orientation_selectivity"] < 0.3)
    y, x = np.mgrid[0:28, 0:28] - 13.5
    blob = np.exp(-(x**2 + y**2) / (2 * 3.0**2)).ravel()  # localized but low-pass and round
    t = atom_tuning(blob[None])
    assert t["dc_ratio"][0] == pytest.approx(1.0)
    assert t["orientation_selectivity"][0] < 0.05
    assert not gabor_like(t)["all"][0]


def test_tuning_bad_input_is_named():
    with pytest.raises(ValueError, match="square"):
        atom_tuning(np.ones((2, 30)))
    with pytest.raises(ValueError, match="shape"):
        atom_tuning(np.ones((2, 30)), shape=(4, 4))
    with pytest.raises(ValueError, match="pad"):
        atom_tuning(np.ones((2, 784)), pad=16)
    with pytest.raises(ValueError, match="frequency"):
        gabor((8, 8), frequency=0.6, orientation=0.0, sigma=2.0)


def test_learn_dictionary_atoms_never_collapse_onto_one_pattern():
    # regression: a warm-started power iteration underestimated ||D D^T|| after an atom moved,
    # the LCA step was too long and blew up, and its huge codes dragged 100 atoms onto one
    # pattern (mean |cosine| 0.98 for ~10 batches) on whitened natural patches
    images = [dl.data.whiten(im, f0=0.2) for im in dl.data.natural_images(source="bundled")]
    X = dl.data.patches(images, size=28, n_patches=3000, random_state=0)
    overlaps = []

    def record(t, D):
        G = np.abs(D @ D.T)
        overlaps.append((G.sum() - np.trace(G)) / (len(D) * (len(D) - 1)))

    learn_dictionary(X, 100, 1.5, n_iter=40, step_decay=20, random_state=0, callback=record)
    assert max(overlaps) < 0.3
