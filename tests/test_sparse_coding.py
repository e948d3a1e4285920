"""LCA, dictionary learning and the SparseCoding estimator, against independent references."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.utils.estimator_checks import check_estimator

import dreamlib as dl
from dreamlib.sparse_coding import (
    SparseCoding,
    lasso_objective,
    lca,
    lca_dynamics,
    learn_dictionary,
    normalize_rows,
    soft_threshold,
)


def exact_lasso(X, D, lam):
    """Codes from scikit-learn's coordinate-descent Lasso, run to a tiny tolerance.

    scikit-learn minimises (1 / (2 n)) ||y - W c||^2 + alpha ||c||_1 over the n
    rows of y, so alpha = lam / n_features gives our objective divided by n.
    """
    model = Lasso(alpha=lam / X.shape[1], fit_intercept=False, tol=1e-12, max_iter=200_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(D.T, X.T)
    return np.atleast_2d(model.coef_)


def relative_gaps(X, D, lam, codes):
    exact = lasso_objective(X, exact_lasso(X, D, lam), D, lam)
    return (lasso_objective(X, codes, D, lam) - exact) / exact


def random_problem(n_samples, n_features, n_components, seed):
    rng = np.random.default_rng(seed)
    D = normalize_rows(rng.standard_normal((n_components, n_features)))
    # signals that really are sparse combinations, plus noise
    truth = rng.standard_normal((n_samples, n_components)) * (
        rng.random((n_samples, n_components)) < 0.1
    )
    X = truth @ D + 0.1 * rng.standard_normal((n_samples, n_features))
    return X, D


@pytest.fixture(scope="module")
def natural_patches():
    """Held-out whitened 28x28 patches and the course's natural-image dictionary."""
    D, info = dl.data.natural_dictionary()
    images = [dl.data.whiten(im, f0=info["f0"]) for im in dl.data.natural_images()]
    X = dl.data.patches(images, size=28, n_patches=150, random_state=12345)
    return X, D.astype(np.float64), info["lam"]


@pytest.mark.parametrize(
    "n_features, n_components",
    [(64, 32), (64, 64), (64, 192)],
    ids=["undercomplete", "complete", "overcomplete"],
)
@pytest.mark.parametrize("lam", [0.05, 0.3])
def test_lca_defaults_match_exact_lasso_on_random_dictionaries(n_features, n_components, lam):
    X, D = random_problem(60, n_features, n_components, seed=n_components)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        codes = lca(X, D, lam)
    gaps = relative_gaps(X, D, lam, codes)
    assert gaps.max() <= 1e-4
    assert gaps.min() >= -1e-6  # and never "better" than the optimum


@pytest.mark.parametrize("scale", [0.3, 1.0])
def test_lca_defaults_match_exact_lasso_on_natural_patches(natural_patches, scale):
    X, D, lam = natural_patches
    lam = scale * lam
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        codes = lca(X, D, lam)
    gaps = relative_gaps(X, D, lam, codes)
    assert gaps.max() <= 1e-4
    assert 0.0 < dl.metrics.active_fraction(codes) < 0.5


def test_lca_is_soft_thresholding_for_an_orthonormal_dictionary(rng):
    # closed form: with orthonormal atoms the LASSO decouples into soft thresholds of x @ D.T
    Q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    X = rng.standard_normal((30, 20)) * 2
    codes = lca(X, Q.T, 0.5, tol=1e-8)
    np.testing.assert_allclose(codes, soft_threshold(X @ Q, 0.5), atol=1e-6)


def test_lca_handles_badly_scaled_data_by_finishing_in_float64(rng, monkeypatch):
    # a complete basis and large signals: the residual is tiny next to ||x||, beyond float32
    import sys

    lca_module = sys.modules["dreamlib.sparse_coding.lca"]
    passes = []
    real = lca_module._lca_loop

    def spy(B, G, X, init, codes, estimates, rows, **kwargs):
        passes.append((B.dtype, rows.copy()))
        return real(B, G, X, init, codes, estimates, rows, **kwargs)

    monkeypatch.setattr(lca_module, "_lca_loop", spy)
    D = normalize_rows(rng.standard_normal((5, 5)))
    X = 100 * rng.standard_normal((20, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        codes = lca(X, D, 0.1, solver="dynamics")
    assert relative_gaps(X, D, 0.1, codes).max() <= 1e-4
    # the float64 pass happened, and took each sample once
    assert [dtype for dtype, _ in passes] == [np.float32, np.float64]
    assert len(np.unique(passes[1][1])) == len(passes[1][1]) > 0


def test_lca_zero_codes_when_lam_exceeds_every_correlation(rng):
    X, D = random_problem(10, 16, 24, seed=3)
    lam = np.abs(X @ D.T).max() * 1.01
    assert np.all(lca(X, D, lam) == 0)


def test_lca_warm_start_reaches_the_same_optimum_faster(rng):
    X, D = random_problem(50, 32, 64, seed=4)
    cold, n_cold = lca(X, D, 0.1, return_n_iter=True)
    warm, n_warm = lca(X, D, 0.1, init=cold, return_n_iter=True)
    assert n_warm < n_cold
    assert relative_gaps(X, D, 0.1, warm).max() <= 1e-4


def test_lca_preserves_dtype_and_warns_when_capped(rng):
    X, D = random_problem(20, 32, 64, seed=5)
    assert lca(X.astype(np.float32), D, 0.1).dtype == np.float32
    assert lca(X, D, 0.1).dtype == np.float64
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        lca(X, D, 0.01, max_iter=2)


def test_lca_paper_step_is_stable_but_slow(rng):
    # the paper's plain dynamics at step 0.01 still reach the optimum, in many more steps
    X, D = random_problem(10, 16, 24, seed=6)
    fast, n_fast = lca(X, D, 0.2, solver="dynamics", return_n_iter=True)
    slow, n_slow = lca(X, D, 0.2, solver="dynamics", step=0.01, momentum=False, settle=False,
                       max_iter=20_000, return_n_iter=True)
    assert n_slow > 10 * n_fast
    np.testing.assert_allclose(lasso_objective(X, slow, D, 0.2), lasso_objective(X, fast, D, 0.2),
                               rtol=2e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(X=np.ones((3, 5)), dictionary=np.ones((4, 6)), lam=0.1), "features per atom"),
        (dict(X=np.ones((3, 5)), dictionary=np.eye(4, 5), lam=-1.0), "lam must be > 0"),
        (dict(X=np.full((3, 5), np.nan), dictionary=np.eye(4, 5), lam=0.1), "NaN"),
        (dict(X=np.ones(5), dictionary=np.eye(4, 5), lam=0.1), "2-D"),
        (dict(X=np.ones((3, 5)), dictionary=np.eye(4, 5), lam=0.0), "lam must be > 0"),
        (dict(X=np.ones((3, 5)), dictionary=2 * np.eye(4, 5), lam=0.1), "unit-norm rows"),
        (dict(X=np.ones((3, 5)), dictionary=np.eye(4, 5), lam=0.1, step=0.0, solver="dynamics"),
         "step"),
        (dict(X=np.ones((3, 5)), dictionary=np.eye(4, 5), lam=0.1, step=0.01), "solver='dynamics'"),
        (dict(X=np.ones((3, 5)), dictionary=np.eye(4, 5), lam=0.1, solver="lars"), "solver must"),
        (dict(X=np.ones((3, 5)), dictionary=np.eye(4, 5), lam=0.1, init=np.ones((3, 2))), "init"),
    ],
)
def test_lca_bad_input_names_the_argument(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        lca(**kwargs)


def test_solve_on_active_set_solves_the_lasso_given_the_right_active_set():
    # fed the support and signs of the exact solution, it returns that solution
    X, D = random_problem(40, 32, 64, seed=8)
    exact = exact_lasso(X, D, 0.2)
    rough = np.sign(exact) * 0.01  # right signs and support, wrong values
    settled = dl.sparse_coding.solve_on_active_set(rough, X @ D.T, D @ D.T, 0.2)
    np.testing.assert_allclose(settled, exact, atol=1e-6)
    # a sign that cannot hold is dropped rather than kept with the wrong sign
    wrong = rough.copy()
    i, j = np.argwhere(exact > 0.1)[0]
    wrong[i, j] = -0.01
    assert np.sign(dl.sparse_coding.solve_on_active_set(wrong, X @ D.T, D @ D.T, 0.2)[i, j]) >= 0


def _exact_lca_spying_on(monkeypatch, name, X, D, lam, **kwargs):
    """Run ``lca`` with a spy on its internal ``name``; assert its codes are certified exact.

    Returns the spied calls as ``(args, result)`` pairs.
    """
    import sys

    lca_module = sys.modules["dreamlib.sparse_coding.lca"]  # the module, not the function
    real, calls = getattr(lca_module, name), []

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append((args, out))
        return out

    monkeypatch.setattr(lca_module, name, spy)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        codes = lca(X, D, lam, **kwargs)
    gaps = relative_gaps(X, D, lam, codes)
    assert gaps.max() <= 1e-4
    assert gaps.min() >= -1e-6
    return calls


def test_lca_working_sets_reach_the_exact_lasso_and_are_used(monkeypatch):
    # very overcomplete and sparse: the samples leave for their working sets (a spy counts them)
    X, D = random_problem(40, 32, 256, seed=11)
    calls = _exact_lca_spying_on(monkeypatch, "solve_on_working_sets", X, D, 0.5, solver="dynamics")
    assert sum(len(args[0]) for args, _ in calls) > 0, "no sample left for its working set"
    without = lca(X, D, 0.5, solver="dynamics", working_sets=False)
    assert relative_gaps(X, D, 0.5, without).max() <= 1e-4


def test_lca_without_settling_or_momentum_still_reaches_the_optimum():
    X, D = random_problem(30, 32, 64, seed=9)
    codes = lca(X, D, 0.2, solver="dynamics", settle=False, momentum=False)
    assert relative_gaps(X, D, 0.2, codes).max() <= 1e-4


def test_lca_dynamics_settle_on_the_lca_solution(rng):
    X, D = random_problem(1, 16, 24, seed=7)
    potentials, activations = lca_dynamics(X[0], D, 0.2, n_steps=2000)
    assert potentials.shape == activations.shape == (2001, 24)
    assert np.all(potentials[0] == 0)
    np.testing.assert_allclose(activations[-1], lca(X, D, 0.2, tol=1e-9)[0],
                               atol=1e-5)


def test_learn_dictionary_returns_unit_rows_reproducibly():
    X, _ = dl.data.bars(500, size=6, random_state=0)
    D1 = learn_dictionary(X, 12, 0.1, n_iter=30, random_state=3)
    D2 = learn_dictionary(X, 12, 0.1, n_iter=30, random_state=3)
    assert D1.shape == (12, 36)
    np.testing.assert_allclose(np.linalg.norm(D1, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(D1, D2)


@pytest.mark.parametrize("size", [16, 8, 12])
def test_sparse_coding_defaults_recover_the_bars(size):
    X, components = dl.data.bars(20_000, size=size, random_state=0)
    model = SparseCoding(2 * size, random_state=0).fit(X)
    assert dl.metrics.recovery_score(model.components_, components) >= 0.95


def test_sparse_coding_counts_the_batches_it_ran():
    X, _ = dl.data.bars(500, size=4, random_state=0)
    model = SparseCoding(8, n_iter=13, random_state=0).fit(X)
    assert model.n_iter_ == 13
    assert model.fit(X[:50]).n_iter_ == 13  # refitting counts afresh


def test_lca_takes_no_random_state():
    # LCA is deterministic: a seed would be a silent no-op, so it is refused
    X, D = random_problem(5, 8, 12, seed=10)
    with pytest.raises(TypeError, match="random_state"):
        lca(X, D, 0.1, random_state=0)


def test_sparse_coding_reconstructs_bars_images():
    X, _ = dl.data.bars(5000, size=8, random_state=1)
    model = SparseCoding(16, random_state=0).fit(X)
    codes = model.transform(X[:200])
    assert codes.shape == (200, 16)
    assert dl.metrics.psnr(X[:200], model.inverse_transform(codes)) > 15
    with pytest.raises(ValueError, match="16 columns"):
        model.inverse_transform(codes[:, :3])


def test_sparse_coding_passes_scikit_learn_estimator_checks():
    # The full suite, with no exclusion. (scikit-learn itself skips its array-API check
    # unless SCIPY_ARRAY_API is set; SparseCoding is numpy-only.) Small sizes keep it fast.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(SparseCoding(n_components=5, n_iter=20, random_state=0))


def test_the_search_and_the_dynamics_reach_the_same_codes():
    X, D = random_problem(30, 32, 96, seed=14)
    search = lca(X, D, 0.2, tol=1e-10)
    dynamics = lca(X, D, 0.2, tol=1e-10, solver="dynamics", dtype=np.float64)
    np.testing.assert_allclose(search, dynamics, atol=1e-5)
    np.testing.assert_allclose(search, exact_lasso(X, D, 0.2), atol=1e-5)


def test_the_search_finishes_on_dependent_atoms_by_the_dynamics(monkeypatch):
    # a small lam on 8 pixels: supports of 8 atoms span every signal, and the next atom the
    # residual asks for is a combination of them (no Cholesky factor takes it)
    X, D = random_problem(30, 8, 24, seed=15)
    calls = _exact_lca_spying_on(monkeypatch, "_dynamics", X, D, 0.01)
    assert sum(len(args[0]) for args, _ in calls) > 0, "no sample needed the dynamics"


def test_cholesky_factor_loses_a_row_and_column_exactly():
    # against a fresh factorisation of the matrix without that row and column
    from dreamlib.sparse_coding.feature_sign import _remove

    rng = np.random.default_rng(16)
    W = rng.standard_normal((9, 12))
    M = W @ W.T
    for q in (0, 4, 8):
        L = np.linalg.cholesky(M)
        _remove(L, 9, q, np.empty(9), np.empty(9))
        keep = np.delete(np.arange(9), q)
        np.testing.assert_allclose(np.tril(L[:8, :8]), np.linalg.cholesky(M[np.ix_(keep, keep)]),
                                   atol=1e-10)


def test_the_search_reports_rows_it_could_not_certify():
    # one round only: certified rows have a gap below tol, the others are flagged
    from dreamlib.sparse_coding.feature_sign import CERTIFIED, MAX_ITER, search_rows

    X, D = random_problem(20, 32, 96, seed=17)
    B, G, A = X @ D.T, D @ D.T, np.zeros((20, 96))
    gaps, rounds, status = np.empty(20), np.empty(20, np.int64), np.empty(20, np.int64)
    search_rows(B, G, A, np.einsum("ij,ij->i", X, X), 0.05, 1e-8, 1, gaps, rounds, status)
    assert set(status) <= {CERTIFIED, MAX_ITER} and (status == MAX_ITER).any()
    exact = relative_gaps(X, D, 0.05, A)
    assert np.all(exact[status == CERTIFIED] <= 1e-8)
    assert np.all(gaps[status == MAX_ITER] > 1e-8)


@pytest.mark.parametrize("n_add", [1, 5, 17, 40])
def test_the_search_adds_the_neurons_the_residual_drives_hardest(n_add):
    # against a full sort: the n_add silent atoms with the largest |c_j| above lam
    from dreamlib.sparse_coding.feature_sign import _violators

    rng = np.random.default_rng(n_add)
    c = rng.standard_normal(60)
    c[:8] = 3.0  # ties
    in_S = rng.random(60) < 0.3
    out, score = np.empty(60, np.int64), np.empty(60)
    count = _violators(c, in_S, 0.5, n_add, out, score)
    wanted = np.flatnonzero(~in_S & (np.abs(c) > 0.5))
    assert count == min(n_add, wanted.size)
    chosen = out[:count]
    assert set(chosen) <= set(wanted) and len(set(chosen)) == count
    left = np.setdiff1d(wanted, chosen)
    assert left.size == 0 or np.abs(c[left]).max() <= np.abs(c[chosen]).min()
