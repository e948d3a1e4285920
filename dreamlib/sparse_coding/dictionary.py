"""Dictionary learning: LCA codes, then a Hebbian step (the paper's ``calcPhi``) or Mairal's."""

import warnings
from contextlib import nullcontext

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .._validation import as_generator, check_dictionary, check_positive, check_real_array
from ..course import progress_bar
from .lasso import normalize_rows
from .lca import lca


def _initial_dictionary(X, n_components, rng):
    """Random distinct samples of X (non-zero ones), normalised, slightly jittered."""
    norms = np.linalg.norm(X, axis=1)
    candidates = np.flatnonzero(norms > 0)
    if candidates.size == 0:
        raise ValueError("X has only all-zero rows; there is nothing to learn a dictionary from.")
    pick = rng.choice(candidates, n_components, replace=candidates.size < n_components)
    D = X[pick] / norms[pick, None]
    # a little noise breaks ties between identical samples (bars repeat a lot)
    D = D + (0.01 / np.sqrt(X.shape[1])) * rng.standard_normal(D.shape)
    return normalize_rows(D).astype(np.float32)


def _loose_codes(batch, D, lam, tol, max_iter):
    """LCA codes at a loose tolerance (float32)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # loose codes are fine here
        A = lca(batch, D, lam, tol=tol, max_iter=max_iter)
    return A.astype(np.float32, copy=False)


def _replace_atoms(D, usage, hits, R, rng, max_overlap=0.95):
    """Re-seed dead atoms (never active lately) and near-duplicates with badly coded residuals.

    Returns the boolean mask of replaced atoms.
    """
    G = D @ D.T
    np.fill_diagonal(G, 0.0)
    i, j = np.nonzero(np.triu(np.abs(G) > max_overlap))
    replace = hits == 0
    replace[np.where(usage[i] < usage[j], i, j)] = True
    n_new = int(replace.sum())
    if n_new:
        worst = np.argsort(np.einsum("ij,ij->i", R, R))[::-1]
        seeds = R[worst[np.arange(n_new) % len(worst)]]
        jitter = (0.01 * seeds.std()) * rng.standard_normal(seeds.shape)
        D[replace] = normalize_rows(seeds + jitter.astype(D.dtype))
    return replace


def dictionary_update(dictionary, X, codes, eta):
    """One Hebbian step of dictionary learning (the paper's ``calcPhi`` update).

    Every atom moves along the residual it helps explain, weighted by its
    activity, and is then rescaled to unit length:
    ``D <- normalize_rows(D + eta * codes.T @ (X - codes @ D))``.

    Parameters
    ----------
    dictionary : ndarray of shape (n_components, n_features)
    X : ndarray of shape (n_samples, n_features)
    codes : ndarray of shape (n_samples, n_components)
    eta : float or ndarray of shape (n_components,)
        Step size, one for all atoms or one per atom.

    Returns
    -------
    ndarray of shape (n_components, n_features), unit-norm rows

    Examples
    --------
    >>> D = np.eye(2)
    >>> dictionary_update(D, np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]]), 1.0)
    array([[0.70710678, 0.70710678],
           [0.        , 1.        ]])
    """
    return _step_along_residual(dictionary, codes, X - codes @ dictionary, eta)


def _step_along_residual(dictionary, codes, residual, eta):
    eta = np.asarray(eta, dtype=dictionary.dtype)
    if eta.ndim == 1:
        eta = eta[:, None]
    return normalize_rows(dictionary + eta * (codes.T @ residual))


def learn_dictionary(
    X,
    n_components,
    lam,
    *,
    n_iter=1000,
    batch_size=100,
    rule="hebbian",
    learning_rate=None,
    step_decay=100.0,
    lca_tol=1e-2,
    lca_max_iter=15,
    init=None,
    random_state=None,
    progress=False,
    callback=None,
    blas_threads=None,
):
    """Learn a dictionary by alternating LCA codes and a Hebbian step (the paper's ``calcPhi``).

    For each minibatch ``X_b``: infer codes ``A`` with :func:`lca`, move every
    atom along the residual it helps explain (a Hebbian step),
    ``D += eta * A.T @ (X_b - A @ D)``, then renormalise every atom to unit
    length. This is the paper's algorithm; what makes it fast is how it is run:

    - **a step per atom**: atom ``i`` moves by ``eta_i = learning_rate /
      (w_t * h_i)``, with ``h_i`` the running mean of ``a_i**2`` over the
      samples seen. An atom used by few samples is not thrown around by them,
      and a busy one does not overshoot. At the first batch
      (``w_0 = 1``) and ``learning_rate=1`` the step is the least-squares
      optimum for that batch; afterwards ``w_t = 1 + t / step_decay`` grows,
      so each atom averages over more and more batches (a ``1/t`` schedule,
      which is what averages out the noise of single batches);
    - **a good start**: atoms begin as random (normalised) samples of ``X``;
      atoms that stop being used, or that become copies of another atom
      (overlap above 0.95), are re-seeded every 50 batches with the residuals
      of the worst-coded samples, so the dictionary stays well conditioned;
    - **cheap inference**: :func:`lca` finds each batch's codes by its
      feature-sign search, at a loose tolerance (``lca_tol``, a relative
      duality gap) and a cap on its rounds (``lca_max_iter``);
    - float32 and whole-batch matrix products for the dictionary steps.

    ``rule="online"`` replaces the Hebbian step by the dictionary step of
    Mairal, Bach, Ponce & Sapiro's online dictionary learning (2010), which
    scikit-learn's ``MiniBatchDictionaryLearning`` and SPAMS also use: the
    codes of every batch are added to running sums ``sum a a.T`` and
    ``sum a.T x`` (the oldest forgotten, :func:`~dreamlib.sparse_coding.online.forgetting`),
    and each atom in turn moves to the best unit vector given those sums and
    the other atoms (:func:`~dreamlib.sparse_coding.online.block_coordinate_pass`).
    It is not the paper's rule and not local (an atom's step depends on the
    others' through ``sum a a.T``), but it averages over all batches seen
    instead of following the latest ones: far better dictionaries after the
    first hundred batches on natural images (held-out objective on whitened
    ``f0 = 0.4`` patches, 400 atoms, ``lam = 1.5``: 248 per patch after 100
    batches against 321 for the Hebbian rule at ``step_decay=20``), level with
    it from about 2,000 batches on (212 and 211). On bars it stops at poorer dictionaries
    (recovery 0.80 to 0.93 over three seeds, against 0.99, after 500 batches
    of 8x8 bars; some bars are matched by no atom better than a cosine of 0.6
    to 0.8): averaging over the past makes it settle, while the Hebbian steps
    keep moving. Its batches cost about a third more (the pass over the
    atoms), and on ``benchmarks/bench_dictionary.py`` the Hebbian rule at
    ``step_decay=20`` reaches scikit-learn's and SPAMS' objectives sooner.
    ``learning_rate`` belongs to the Hebbian rule; ``step_decay`` then only
    sets how fast each atom's usage (which decides which of two
    near-duplicates is re-seeded) forgets.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training signals, one per row.
    n_components : int
        Number of atoms.
    lam : float
        Sparsity penalty used for inference, as in :func:`lca`.
    n_iter : int, default=1000
        Number of minibatches.
    batch_size : int, default=100
        Samples per minibatch (drawn at random with replacement).
    rule : {"hebbian", "online"}, default="hebbian"
        The dictionary step: the paper's Hebbian step (below), or the
        online block-coordinate update of Mairal et al. (2010) (above).
    learning_rate : float, optional
        Hebbian rule only: relative step of the first batch, in (0, 2); default 1.0.
    step_decay : float, default=100
        Steps shrink as ``1 / (1 + t / step_decay)`` (``t`` counts batches).
        Smaller values average over more batches sooner (better on noisy data
        such as natural images, e.g. 20: on whitened ``f0 = 0.4`` patches, 400
        atoms, ``lam = 1.5``, the held-out objective SPAMS reaches in 2,000
        batches takes 2,000 batches at 20 and 6,700 at 100); larger values keep
        learning fast for longer (better at escaping a poor start, e.g. on bars:
        recovery 0.94 to 0.999 over four seeds at 20, 0.99 to 0.999 at 100).
    lca_tol, lca_max_iter : float and int, default 1e-2 and 15
        Tolerance and cap on the rounds (``tol`` and ``max_iter`` of :func:`lca`)
        during learning.
    init : ndarray of shape (n_components, n_features), optional
        Starting dictionary; default random samples of X.
    random_state : None, int or numpy.random.Generator
        Seed for the start and the minibatches.
    progress : bool, default=False
        Show a progress bar.
    callback : callable, optional
        Called as ``callback(t, D)`` after every batch ``t`` (0-based), with
        the current dictionary (float32; copy it to keep it).
    blas_threads : int or None, default=None
        Threads the linear-algebra library may use, as in :func:`lca`. One
        thread is usually fastest for small dictionaries or a busy machine
        (idle BLAS threads busy-wait between the many small products).

    Returns
    -------
    ndarray of shape (n_components, n_features), unit-norm rows

    Examples
    --------
    >>> from dreamlib.data import bars
    >>> from dreamlib.metrics import recovery_score
    >>> X, true = bars(5000, size=8, random_state=0)
    >>> D = learn_dictionary(X, 16, lam=0.1, n_iter=500, random_state=0)
    >>> D.shape
    (16, 64)
    >>> bool(recovery_score(D, true) > 0.9)
    True
    """
    X = check_real_array(X, "X")
    check_positive(n_components, "n_components", integer=True)
    check_positive(lam, "lam")
    check_positive(n_iter, "n_iter", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if rule not in ("hebbian", "online"):
        raise ValueError(f"rule must be 'hebbian' or 'online', got {rule!r}.")
    if rule == "online" and learning_rate is not None:
        raise ValueError("learning_rate sets the Hebbian step; rule='online' has none.")
    learning_rate = 1.0 if learning_rate is None else learning_rate
    check_positive(learning_rate, "learning_rate")
    if learning_rate >= 2:
        raise ValueError(f"learning_rate must be below 2 (steps overshoot), got {learning_rate!r}.")
    check_positive(step_decay, "step_decay")
    check_positive(lca_tol, "lca_tol")
    check_positive(lca_max_iter, "lca_max_iter", integer=True)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(t, D), got {callback!r}.")
    rng = as_generator(random_state)
    n_samples, n_features = X.shape
    if init is None:
        D = _initial_dictionary(X, n_components, rng)
    else:
        D = check_dictionary(init, n_features, "init")
        if D.shape[0] != n_components:
            raise ValueError(f"init has {D.shape[0]} atoms, n_components is {n_components}.")
        D = normalize_rows(D).astype(np.float32)
    usage = np.zeros(n_components, dtype=np.float32)  # running mean of a_i**2 per sample
    hits = np.zeros(n_components, dtype=np.int64)  # activations since the last re-seeding
    if rule == "online":  # accumulated statistics sum a a.T and sum a.T x (Mairal et al. 2010)
        from .online import block_coordinate_pass, forgetting  # numba: ~0.3 s to load

        AA = np.zeros((n_components, n_components), dtype=np.float32)
        AX = np.zeros((n_components, n_features), dtype=np.float32)
    with nullcontext() if blas_threads is None else threadpool_limits(blas_threads):
        for t in progress_bar(range(n_iter), desc="learning dictionary", disable=not progress):
            batch = X[rng.integers(n_samples, size=batch_size)].astype(np.float32, copy=False)
            A = _loose_codes(batch, D, lam, lca_tol, lca_max_iter)
            R = batch - A @ D
            w = 1.0 + t / step_decay
            batch_usage = np.einsum("ij,ij->j", A, A) / batch_size
            usage += (batch_usage - usage) / w
            hits += np.count_nonzero(A, axis=0)
            if rule == "online":
                beta = forgetting(t, batch_size)
                AA *= beta
                AA += (A.T @ A) / batch_size
                AX *= beta
                AX += (A.T @ batch) / batch_size
                block_coordinate_pass(D, AA, AX)
            else:
                tiny = np.finfo(np.float32).tiny
                eta = learning_rate / (w * (usage + 0.1 * usage.mean()) + tiny)
                # never beyond this batch's own least-squares step: an atom that was idle (small
                # usage) and fires now would otherwise jump onto the batch's residual (collapse)
                np.minimum(eta, learning_rate / (batch_usage + tiny), out=eta)
                D = _step_along_residual(D, A, R, eta / batch_size)
            if (t + 1) % 50 == 0:
                R = batch - A @ D
                replaced = _replace_atoms(D, usage, hits, R, rng)
                usage[replaced] = np.median(usage)
                hits[:] = 0
                if rule == "online":  # a re-seeded atom starts its statistics afresh
                    AA[replaced] = 0.0
                    AA[:, replaced] = 0.0
                    AX[replaced] = 0.0
            if callback is not None:
                callback(t, D)
    return D.astype(np.float64)
