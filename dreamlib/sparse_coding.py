"""Sparse coding with the Locally Competitive Algorithm (LCA).

The codes ``a`` of an image ``x`` under a dictionary ``D`` (one unit-norm atom
per row) minimise the LASSO objective

    E(a) = 0.5 * ||x - a @ D||**2 + lam * ||a||_1 .

The LCA (Rozell et al. 2008; the paper's ``calcLCA``) finds them with a
network of leaky neurons. Neuron ``i`` has a membrane potential ``u_i`` driven
by how well its atom matches the image, ``b = x @ D.T``, and inhibited by
the active neurons whose atoms overlap with its own (``G = D @ D.T``):

    u <- u + step * (b - u - a @ (G - I)),     a = soft_threshold(u, lam).

Its fixed point is the LASSO solution. ``step`` is ``dt / tau``; the paper used
0.01, which is stable but needlessly slow. Any step below ``2 / L`` (``L`` the
largest eigenvalue of ``G``) is stable, and the default ``1.8 / L`` settles in
tens of iterations instead of thousands. By default the potentials also get
inertia (Nesterov momentum, restarted when they reverse), which keeps the same
fixed point and needs far fewer steps when atoms overlap a lot. And once the
right neurons are active the dynamics are linear, so every few steps each
sample jumps straight to their fixed point (:func:`settle`, a small linear
solve), kept only where the duality gap certifies it. ``momentum=False,
settle=False`` runs the paper's plain dynamics. Convergence is tested
with the LASSO duality gap, which bounds how far the objective is from its
minimum, so ``tol`` is a guarantee rather than a heuristic.
"""

import warnings

import numpy as np
from scipy.sparse.linalg import eigsh
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ._validation import (
    check_array,
    check_dictionary,
    check_positive,
    check_random_state,
)

__all__ = [
    "lca",
    "settle",
    "lca_dynamics",
    "learn_dictionary",
    "dictionary_update",
    "lasso_objective",
    "soft_threshold",
    "normalize_rows",
    "SparseCoding",
]


def soft_threshold(u, lam):
    """Shrink ``u`` towards zero by ``lam``: ``sign(u) * max(|u| - lam, 0)``."""
    return u - np.clip(u, -lam, lam)


def normalize_rows(D):
    """Scale every row of ``D`` to unit Euclidean norm (zero rows stay zero)."""
    norms = np.linalg.norm(D, axis=1, keepdims=True)
    return D / np.where(norms > 0, norms, 1.0)


def lasso_objective(X, codes, dictionary, lam):
    """Per-sample LASSO objective ``0.5 * ||x - a @ D||**2 + lam * ||a||_1``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    codes : ndarray of shape (n_samples, n_components)
    dictionary : ndarray of shape (n_components, n_features)
    lam : float

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    X = np.asarray(X, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.float64)
    residual = X - codes @ np.asarray(dictionary, dtype=np.float64)
    return 0.5 * np.einsum("ij,ij->i", residual, residual) + lam * np.abs(codes).sum(axis=1)


def largest_eigenvalue(G):
    """Largest eigenvalue of a symmetric positive semi-definite matrix (Lanczos)."""
    G = np.asarray(G)
    if G.shape[0] <= 2:
        return float(np.linalg.eigvalsh(G)[-1])
    v0 = np.ones(G.shape[0])
    return float(eigsh(G, k=1, which="LA", return_eigenvectors=False, tol=1e-6, v0=v0)[0])


def _duality_gap(A, C, B, xx, lam, eps=0.0):
    """LASSO duality gap and primal objective, per sample, from LCA quantities.

    ``A`` are codes, ``B = X @ D.T`` and ``C = B - A @ G`` the correlations of
    the residual with the atoms; ``xx`` holds ``||x||**2``. A dual-feasible
    point is the residual scaled so that ``|C| <= lam``; everything follows
    from inner products of rows, with no pass over the pixels. ``rounding``
    estimates the floating-point error of the gap (machine ``eps``).
    """
    ab = np.einsum("ij,ij->i", A, B, dtype=np.float64)
    ac = np.einsum("ij,ij->i", A, C, dtype=np.float64)
    rr = np.maximum(xx - ab - ac, 0.0)  # ||x - a D||^2
    primal = 0.5 * rr + lam * np.abs(A).sum(axis=1, dtype=np.float64)
    c_max = np.abs(C).max(axis=1).astype(np.float64)
    scale = np.minimum(1.0, lam / np.maximum(c_max, np.finfo(np.float64).tiny))
    # dual objective 0.5||x||^2 - 0.5||x - scale * r||^2, with <x, r> = xx - ab
    dual = scale * (xx - ab) - 0.5 * scale**2 * rr
    rounding = eps * (xx + np.abs(ab) + np.abs(ac))  # size of the cancellation error in rr
    return primal - dual, primal, rounding


def default_step(dictionary=None, *, G=None):
    """The default LCA step, ``1.8 / L``, with ``L`` the largest eigenvalue of ``D @ D.T``.

    Steps below ``2 / L`` are stable; 1.8 leaves a margin. Pass the
    dictionary, or its Gram matrix ``G`` if it is at hand.
    """
    if G is None:
        D = np.asarray(dictionary, dtype=np.float64)
        G = D @ D.T
    return 1.8 / max(largest_eigenvalue(G), np.finfo(np.float32).eps)


def lca(
    X,
    dictionary,
    lam,
    *,
    step=None,
    momentum=True,
    settle=True,
    max_iter=5000,
    tol=1e-4,
    check_every=5,
    init=None,
    dtype=np.float32,
    blas_threads=None,
    random_state=None,
    return_n_iter=False,
):
    """Sparse codes of ``X`` by the Locally Competitive Algorithm.

    Runs the LCA dynamics on all samples at once and stops each sample as soon
    as its duality gap proves that its objective is within a factor
    ``1 + tol`` of the minimum; finished samples leave the batch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Signals, one per row.
    dictionary : ndarray of shape (n_components, n_features)
        Atoms, one per row, unit norm.
    lam : float
        Threshold (sparsity penalty) ``lam >= 0``.
    step : float, optional
        Euler step ``dt / tau``. Default ``1.8 / L`` with ``L`` the largest
        eigenvalue of ``D @ D.T``; steps above ``2 / L`` can diverge. The
        paper's value is 0.01.
    momentum : bool, default=True
        Give the potentials inertia (Nesterov momentum, restarted whenever
        they reverse direction). Same fixed point, far fewer steps on hard
        problems.
    settle : bool, default=True
        From step 20, every ``2 * check_every`` steps, jump each unfinished
        sample to the fixed point of the dynamics on its current set of active
        neurons (:func:`settle`, a small linear solve) and keep the jump where
        the duality gap certifies it. Once the right neurons are active the
        potentials would only creep towards that point; the jump gets there
        at once. ``False`` (with ``momentum=False``) runs the plain LCA of
        the paper.
    max_iter : int, default=5000
        Step cap. Samples still unconverged then are returned as they are,
        with a ``ConvergenceWarning``.
    tol : float, default=1e-4
        Relative duality-gap tolerance: ``E(a) - E(a*) <= tol * E(a)``.
    check_every : int, default=5
        Test convergence every this many steps.
    init : ndarray of shape (n_samples, n_components), optional
        Codes to start from (a warm start); default all neurons at rest.
    dtype : numpy dtype, default=numpy.float32
        Precision of the iterations. float32 is ample for ``tol >= 1e-6``;
        samples it cannot certify are finished in float64 automatically.
    blas_threads : int or None, default=None
        Threads the linear-algebra library may use; None leaves its default
        (all cores), fastest on an idle machine. On a busy machine, or for
        small batches, 1 can be several times faster: idle BLAS threads
        busy-wait for each other.
    random_state : None, int or numpy.random.Generator
        Not used: LCA is deterministic. Accepted so every dreamlib solver
        shares one signature.
    return_n_iter : bool, default=False
        Also return the number of steps taken.

    Returns
    -------
    codes : ndarray of shape (n_samples, n_components), dtype of X
    n_iter : int
        Only if ``return_n_iter``.

    Examples
    --------
    >>> import numpy as np
    >>> D = np.eye(3)
    >>> lca(np.array([[2.0, 0.5, -3.0]]), D, lam=1.0).round(3)
    array([[ 1.,  0., -2.]])
    """
    X = check_array(X, "X")
    D = check_dictionary(dictionary, X.shape[1])
    check_positive(lam, "lam", allow_zero=True)
    check_positive(max_iter, "max_iter", integer=True)
    check_positive(tol, "tol")
    check_positive(check_every, "check_every", integer=True)
    n, k = X.shape[0], D.shape[0]
    if init is None:
        init = np.zeros((n, k))
    else:
        init = check_array(init, "init")
        if init.shape != (n, k):
            raise ValueError(f"init must have shape {(n, k)}, got {init.shape}.")
    if step is not None:
        check_positive(step, "step")
    codes = np.zeros((n, k), dtype=X.dtype)
    settings = dict(lam=lam, max_iter=max_iter, tol=tol, check_every=check_every,
                    momentum=momentum, settle_every=check_every * _SETTLE_CHECKS if settle else 0)
    dtype = np.dtype(dtype)
    with threadpool_limits(blas_threads):
        D_ = D.astype(dtype, copy=False)
        G = D_ @ D_.T
        step = default_step(G=G) if step is None else step
        rows = np.arange(n)
        failed, imprecise, n_iter = _lca_loop(
            X.astype(dtype, copy=False) @ D_.T, G, X, init, codes, rows, step=step, **settings
        )
        if imprecise.size:
            # float32 cannot certify these (residual tiny next to ||x||): finish in float64
            more_failed, _, more_iter = _lca_loop(
                X[imprecise] @ D.T, D @ D.T, X[imprecise], codes[imprecise], codes, imprecise,
                step=step, **settings,
            )
            failed = np.concatenate([failed, more_failed])
            n_iter = max(n_iter, more_iter)
    if failed.size:
        warnings.warn(
            f"LCA did not converge for {failed.size} of {n} samples in max_iter={max_iter} "
            f"steps (tol={tol}); raise max_iter or the step.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return (codes, n_iter) if return_n_iter else codes


_SETTLE_CHECKS = 2  # settle at every second convergence check (measured best)
_SETTLE_FROM = 20  # first step at which to settle (measured best)


def settle(codes, B, G, lam):
    """Jump to the LCA's fixed point on the current set of active neurons.

    While the active set S and the signs of the codes stay fixed, the LCA is
    linear, and its fixed point solves ``G[S, S] @ a_S = b_S - lam * sign(a_S)``.
    Rows are solved in batches of similar active-set size. A coefficient
    whose sign comes out flipped is set to zero: the set was not yet right.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_components)
        Current codes; their non-zeros define each row's active set.
    B : ndarray of shape (n_samples, n_components)
        ``X @ D.T``.
    G : ndarray of shape (n_components, n_components)
        ``D @ D.T``.
    lam : float

    Returns
    -------
    ndarray like ``codes``
    """
    active = codes != 0
    # active-set sizes, rounded up to a multiple of 8 (fewer, larger batches)
    width = np.minimum(-(-active.sum(axis=1) // 8) * 8, codes.shape[1])
    out = np.zeros_like(codes)
    for w in np.unique(width[width > 0]):
        r = np.flatnonzero(width == w)
        # each row's active atoms first, then inactive ones to pad it to width w
        S = np.argsort(~active[r], axis=1, kind="stable")[:, :w]
        real = np.take_along_axis(active[r], S, axis=1)
        M = np.take(G, S[:, :, None] * len(G) + S[:, None, :])  # G[S, S], row by row
        M *= real[:, :, None] & real[:, None, :]
        M[:, np.arange(w), np.arange(w)] += ~real  # identity on the padding
        signs = np.sign(np.take_along_axis(codes[r], S, axis=1))  # 0 on the padding
        rhs = (np.take_along_axis(B[r], S, axis=1) - lam * signs) * real
        try:
            solution = np.linalg.solve(M, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:  # atoms of some active set are linearly dependent
            continue
        solution = np.where(np.sign(solution) == signs, solution, 0)
        block = np.zeros((len(r), codes.shape[1]), dtype=codes.dtype)
        np.put_along_axis(block, S, solution, axis=1)
        out[r] = block
    return out


def _lca_loop(B, G, X, init, codes, rows, *, lam, step, max_iter, tol, check_every, momentum,
              settle_every):
    """Run the LCA from ``init`` on every row, writing each finished row into ``codes[rows]``.

    ``B = X @ D.T`` and ``G = D @ D.T`` in the working precision.

    Returns
    -------
    failed : rows that reached ``max_iter`` unconverged
    imprecise : rows whose gap is below what float32 can resolve (they need float64)
    n_iter : steps taken
    """
    dtype = B.dtype
    xx = np.einsum("ij,ij->i", X, X)
    lam_, step = dtype.type(lam), dtype.type(step)
    U = (init + lam * np.sign(init)).astype(dtype)
    # work buffers, so that the loop allocates nothing
    U_prev, V, A, C, delta, T = (np.zeros_like(U) for _ in range(6))
    U_prev[...] = U
    t = np.ones((len(U), 1), dtype=dtype)  # Nesterov's momentum counter
    running = np.ones(len(U), dtype=bool)  # rows of the buffers not yet finished
    eps = np.finfo(dtype).eps if dtype != np.float64 else 0.0
    imprecise = []
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if momentum:  # v = u + beta * (u - u_prev): the potentials keep some of their velocity
            t_next = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
            np.subtract(U, U_prev, out=delta)
            np.multiply(delta, (t - 1) / t_next, out=V)
            V += U
        else:
            V[...] = U
        # a = soft_threshold(v, lam)
        np.clip(V, -lam_, lam_, out=A)
        np.subtract(V, A, out=A)
        # c = b - a @ G: how much of each atom the residual still holds
        np.matmul(A, G, out=C)
        np.subtract(B, C, out=C)
        # the LCA step  u = v + step * (b - v - a @ (G - I)) = v + step * (c + a - v)
        U, U_prev = U_prev, U
        np.add(C, A, out=U)
        U -= V
        U *= step
        U += V
        if momentum:  # restart where the potentials reverse direction (O'Donoghue & Candes 2015)
            np.subtract(U, U_prev, out=T)
            t = np.where(np.einsum("ij,ij->i", T, delta)[:, None] < 0, dtype.type(1), t_next)
        if n_iter % check_every and n_iter != max_iter:
            continue
        gap, primal, rounding = _duality_gap(A, C, B, xx, lam, eps)
        done = running & (gap <= tol * primal)
        hopeless = running & ~done & (tol * primal < 10 * rounding)
        if settle_every and n_iter % settle_every == 0 and n_iter >= _SETTLE_FROM:
            i = np.flatnonzero(running & ~done & ~hopeless)
            A_s = settle(A[i], B[i], G, lam_)
            C_s = B[i] - A_s @ G
            gap_s, primal_s, _ = _duality_gap(A_s, C_s, B[i], xx[i], lam, eps)
            ok = gap_s <= tol * primal_s
            A[i[ok]] = A_s[ok]
            done[i[ok]] = True
            # where the jump lowered the objective, restart the potentials from there
            # (u = a + c holds at any fixed point of the dynamics)
            j = ~ok & (primal_s < primal[i])
            U[i[j]] = A_s[j] + C_s[j]
            U_prev[i[j]] = U[i[j]]
            t[i[j]] = 1
        leave = done | hopeless
        if leave.any():
            codes[rows[leave]] = A[leave]
            imprecise.append(rows[hopeless])
            running &= ~leave
            n_running = np.count_nonzero(running)
            if n_running == 0:
                break
            # finished rows leave the batch, but copying the buffers costs as much as a
            # step, so shrink them only once a quarter of the rows are done
            if n_running <= 0.75 * len(rows):
                keep, running = running, running[running]
                rows, xx, B, t = rows[keep], xx[keep], B[keep], t[keep]
                U, U_prev, V, A, C, delta, T = (M[keep] for M in (U, U_prev, V, A, C, delta, T))
    else:
        codes[rows[running]] = A[running]
    return rows[running], np.concatenate(imprecise or [rows[:0]]), n_iter


def lca_dynamics(x, dictionary, lam, *, n_steps=200, step=None):
    """Membrane potentials and activations of the LCA over time, for one signal.

    The same dynamics as :func:`lca`, without stopping early, recorded at
    every step so they can be plotted.

    Parameters
    ----------
    x : ndarray of shape (n_features,)
    dictionary : ndarray of shape (n_components, n_features)
    lam : float
    n_steps : int, default=200
    step : float, optional
        As in :func:`lca`.

    Returns
    -------
    potentials : ndarray of shape (n_steps + 1, n_components)
        ``u`` at each step, starting at rest (zeros).
    activations : ndarray of shape (n_steps + 1, n_components)
        ``a = soft_threshold(u, lam)``.
    """
    x = check_array(x, "x", ndim=1)
    D = check_dictionary(dictionary, x.size)
    check_positive(lam, "lam", allow_zero=True)
    check_positive(n_steps, "n_steps", integer=True)
    step = default_step(D) if step is None else check_positive(step, "step")
    b, G = D @ x, D @ D.T
    U = np.zeros((n_steps + 1, len(D)))
    u = U[0]
    for t in range(1, n_steps + 1):
        a = soft_threshold(u, lam)
        u = u + step * (b - u - a @ G + a)
        U[t] = u
    return U, soft_threshold(U, lam)


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


def _power_iteration(D, v, n_steps=4):
    """Largest eigenvalue of ``D @ D.T``, warm-started from the previous eigenvector ``v``."""
    for _ in range(n_steps):
        w = D @ (D.T @ v)
        v = w / max(np.linalg.norm(w), np.finfo(np.float32).tiny)
    return float(v @ (D @ (D.T @ v))), v


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
    eta = np.asarray(eta, dtype=dictionary.dtype)
    if eta.ndim == 1:
        eta = eta[:, None]
    return normalize_rows(dictionary + eta * (codes.T @ (X - codes @ dictionary)))


def learn_dictionary(
    X,
    n_components,
    lam,
    *,
    n_iter=1000,
    batch_size=100,
    learning_rate=None,
    step_decay=100.0,
    lca_tol=1e-2,
    lca_max_iter=15,
    init=None,
    random_state=None,
    progress=False,
    callback=None,
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
    - **cheap inference**: early on, codes need not be exact, so the LCA runs
      at a loose tolerance with a step cap (``lca_tol``, ``lca_max_iter``),
      with its step from a power iteration warm-started at the previous
      eigenvector instead of a fresh eigen-decomposition;
    - float32 and whole-batch matrix products throughout.

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
    learning_rate : float, optional
        Relative step of the first batch, in (0, 2); default 1.0.
    step_decay : float, default=100
        Steps shrink as ``1 / (1 + t / step_decay)`` (``t`` counts batches).
        Smaller values average over more batches sooner (better on noisy data
        such as natural images, e.g. 20); larger values keep learning fast for
        longer (better at escaping a poor start, e.g. on bars).
    lca_tol, lca_max_iter : float and int, default 1e-2 and 15
        Tolerance and step cap of the LCA during learning.
    init : ndarray of shape (n_components, n_features), optional
        Starting dictionary; default random samples of X.
    random_state : None, int or numpy.random.Generator
        Seed for the start and the minibatches.
    progress : bool, default=False
        Show a progress bar.
    callback : callable, optional
        Called as ``callback(t, D)`` after every batch ``t`` (0-based), with
        the current dictionary (float32; copy it to keep it).

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
    X = check_array(X, "X")
    check_positive(n_components, "n_components", integer=True)
    check_positive(lam, "lam", allow_zero=True)
    check_positive(n_iter, "n_iter", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    learning_rate = 1.0 if learning_rate is None else learning_rate
    check_positive(learning_rate, "learning_rate")
    if learning_rate >= 2:
        raise ValueError(f"learning_rate must be below 2 (steps overshoot), got {learning_rate!r}.")
    check_positive(step_decay, "step_decay")
    check_positive(lca_tol, "lca_tol")
    check_positive(lca_max_iter, "lca_max_iter", integer=True)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(t, D), got {callback!r}.")
    rng = check_random_state(random_state)
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
    v = rng.standard_normal(n_components).astype(np.float32)
    for t in tqdm(range(n_iter), desc="learning dictionary", disable=not progress):
        batch = X[rng.integers(n_samples, size=batch_size)].astype(np.float32, copy=False)
        L, v = _power_iteration(D, v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # loose codes are fine here
            A = lca(batch, D, lam, step=1.8 / (1.1 * L), tol=lca_tol, max_iter=lca_max_iter)
        A = A.astype(np.float32, copy=False)
        w = 1.0 + t / step_decay
        usage += (np.einsum("ij,ij->j", A, A) / batch_size - usage) / w
        hits += np.count_nonzero(A, axis=0)
        eta = learning_rate / (w * (usage + 0.1 * usage.mean() + np.finfo(np.float32).tiny))
        D = dictionary_update(D, batch, A, eta / batch_size)
        if (t + 1) % 50 == 0:
            R = batch - A @ D
            replaced = _replace_atoms(D, usage, hits, R, rng)
            usage[replaced] = np.median(usage)
            hits[:] = 0
        if callback is not None:
            callback(t, D)
    return D.astype(np.float64)


class SparseCoding(TransformerMixin, BaseEstimator):
    """Sparse coding in scikit-learn style: learn a dictionary, then encode with LCA.

    Parameters
    ----------
    n_components : int, default=64
        Number of atoms.
    lam : float, default=0.1
        Sparsity penalty, in the units of the data (for pixels in [0, 1] or
        patches of unit variance, 0.05-0.5 is the useful range).
    n_iter : int, default=1000
        Minibatches of dictionary learning.
    batch_size : int, default=100
    learning_rate : float, optional
        See :func:`learn_dictionary`.
    max_iter : int, default=1000
        LCA step cap in :meth:`transform`.
    tol : float, default=1e-4
        LCA relative duality-gap tolerance in :meth:`transform`.
    random_state : None, int or numpy.random.Generator
    progress : bool, default=False
        Show a progress bar while fitting.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The learned dictionary, unit-norm rows.
    n_features_in_ : int
    n_iter_ : int
        Minibatches of dictionary learning run.

    Examples
    --------
    >>> from dreamlib.data import bars
    >>> X, true = bars(2000, size=8, random_state=0)
    >>> sc = SparseCoding(n_components=16, n_iter=300, random_state=0).fit(X)
    >>> sc.transform(X[:5]).shape
    (5, 16)
    """

    def __init__(
        self,
        n_components=64,
        *,
        lam=0.1,
        n_iter=1000,
        batch_size=100,
        learning_rate=None,
        max_iter=1000,
        tol=1e-4,
        random_state=None,
        progress=False,
    ):
        self.n_components = n_components
        self.lam = lam
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.progress = progress

    def fit(self, X, y=None):
        """Learn the dictionary from ``X`` (n_samples, n_features). Returns self."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        check_array(X, "X")
        self.components_ = learn_dictionary(
            X,
            self.n_components,
            self.lam,
            n_iter=self.n_iter,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            random_state=self.random_state,
            progress=self.progress,
        )
        self.n_iter_ = self.n_iter
        return self

    def transform(self, X):
        """Sparse codes of ``X``, shape (n_samples, n_components)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return lca(X, self.components_, self.lam, max_iter=self.max_iter, tol=self.tol)

    def inverse_transform(self, codes):
        """Images from codes: ``codes @ components_``, shape (n_samples, n_features)."""
        check_is_fitted(self)
        codes = check_array(codes, "codes")
        if codes.shape[1] != self.n_components:
            raise ValueError(
                f"codes must have {self.n_components} columns (one per atom), "
                f"got {codes.shape[1]}."
            )
        return codes @ self.components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
