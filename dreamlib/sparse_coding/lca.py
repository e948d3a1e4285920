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
sample jumps straight to their fixed point (:func:`~dreamlib.sparse_coding.solve_on_active_set`,
a small linear solve), kept only where the duality gap certifies it. On overcomplete
dictionaries, where the dynamics take long to silence the neurons that lose the
competition, the samples left at step 20 are finished by a feature-sign search
seeded with their strongest neurons (:mod:`~dreamlib.sparse_coding.sign_search`:
the same jumps, iterated with an exact line search so the objective only falls).
``momentum=False, settle=False`` runs the paper's plain dynamics. Convergence is tested
with the LASSO duality gap, which bounds how far the objective is from its
minimum, so ``tol`` is a guarantee rather than a heuristic.
"""

import warnings
from contextlib import nullcontext

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .._validation import check_dictionary, check_positive, check_real_array, check_unit_rows
from .active_set import settle_rows
from .dynamics import Potentials, duality_gap, relative, residual_gap
from .lasso import default_step, soft_threshold
from .sign_search import search_rows
from .working_set import solve_on_working_sets, working_set_widths


def lca(
    X,
    dictionary,
    lam,
    *,
    step=None,
    momentum=True,
    settle=True,
    working_sets=True,
    max_iter=5000,
    tol=1e-4,
    check_every=5,
    init=None,
    dtype=np.float32,
    blas_threads=None,
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
        Threshold (sparsity penalty), ``lam > 0`` (0 would be least squares, not sparse coding).
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
        neurons (:func:`solve_on_active_set`, a small linear solve) and keep the jump where
        the duality gap certifies it. Once the right neurons are active the
        potentials would only creep towards that point; the jump gets there
        at once. On overcomplete dictionaries (more atoms than features), the
        samples still running at step 20 are then finished by a feature-sign
        search (:func:`~dreamlib.sparse_coding.sign_search.search_rows`), and
        carry on with the dynamics where it cannot certify them. ``False``
        (with ``momentum=False``) runs the plain LCA of the paper.
    working_sets : bool, default=True
        From step 10, a sample whose dynamics have narrowed it down to at
        most a quarter of the atoms (twice those coordinate descent would
        switch on) continues on those alone (its *working set*), with a
        longer step, until the duality gap over all atoms certifies it
        (:func:`~dreamlib.sparse_coding.solve_on_working_sets`). Same fixed
        point; far cheaper steps for large dictionaries and sparse codes.
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
    X = check_real_array(X, "X")
    D = check_unit_dictionary(dictionary, X.shape[1])
    check_positive(lam, "lam")
    check_positive(max_iter, "max_iter", integer=True)
    check_positive(tol, "tol")
    check_positive(check_every, "check_every", integer=True)
    n, k = X.shape[0], D.shape[0]
    if init is None:
        init = np.zeros((n, k))
    else:
        init = check_real_array(init, "init")
        if init.shape != (n, k):
            raise ValueError(f"init must have shape {(n, k)}, got {init.shape}.")
    if step is not None:
        check_positive(step, "step")
    codes = np.zeros((n, k), dtype=X.dtype)
    settings = dict(lam=lam, max_iter=max_iter, tol=tol, check_every=check_every,
                    momentum=momentum, settle_every=check_every * _SETTLE_CHECKS if settle else 0,
                    working_sets=working_sets, search=settle and k > X.shape[1])
    dtype = np.dtype(dtype)
    with nullcontext() if blas_threads is None else threadpool_limits(blas_threads):
        D_ = D.astype(dtype, copy=False)
        G = D_ @ D_.T
        step = default_step(G=G) if step is None else step
        rows = np.arange(n)
        estimates = np.full(n, np.inf)  # relative gap each sample was certified with
        failed, imprecise, n_iter = _lca_loop(
            X.astype(dtype, copy=False) @ D_.T, G, X, init, codes, estimates, rows, step=step,
            **settings,
        )
        if dtype != np.float64 and tol < _VERIFY_BELOW:
            # a float32 gap is an estimate, off by up to ~0.4 tol (measured on natural patches):
            # where it was certified with less margin than that, check it again in float64
            thin = np.flatnonzero((estimates > _THIN_MARGIN * tol) & np.isfinite(estimates))
            gap, primal = residual_gap(X[thin], D, codes[thin], lam)
            imprecise = np.unique(np.concatenate([imprecise, thin[gap > tol * primal]]))
        if imprecise.size:
            # float32 cannot certify these (residual tiny next to ||x||): finish in float64
            more_failed, _, more_iter = _lca_loop(
                X[imprecise] @ D.T, D @ D.T, X[imprecise], codes[imprecise], codes, estimates,
                imprecise, step=step, **settings,
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


def check_unit_dictionary(dictionary, n_features):
    """A dictionary of ``n_features`` columns with unit-norm rows (to its precision's rounding)."""
    D = check_dictionary(dictionary, n_features)
    return check_unit_rows(D, "dictionary", atol=max(1e-6, 100 * np.finfo(D.dtype).eps))


_VERIFY_BELOW = 1e-3  # for tighter tolerances, float32 certificates are checked in float64 ...
_THIN_MARGIN = 0.05  # ... unless the gap was below this fraction of the tolerance
_SETTLE_CHECKS = 2  # settle at every second convergence check (measured best)
_SETTLE_FROM = 20  # first step at which to settle (measured best)
_HANDOFF_FROM = 10  # first step at which samples may leave for their working sets
_HANDOFF_FRACTION = 0.25  # ... if those hold at most this fraction of the atoms
_SEARCH_AT = 20  # step at which the sign search takes over (measured on the benchmark matrix)


def _lca_loop(B, G, X, init, codes, estimates, rows, *, lam, step, max_iter, tol, check_every,
              momentum, settle_every, working_sets, search):
    """Run the LCA from ``init`` on every row, writing each finished row into ``codes[rows]``.

    ``estimates[rows]`` gets the relative duality gap each row was certified with.

    ``B = X @ D.T`` and ``G = D @ D.T`` in the working precision.

    Returns
    -------
    failed : rows that reached ``max_iter`` unconverged
    imprecise : rows whose gap is below what float32 can resolve (they need float64)
    n_iter : steps taken
    """
    dtype = B.dtype
    xx = np.einsum("ij,ij->i", X, X)
    lam_ = dtype.type(lam)
    state = Potentials((init + lam * np.sign(init)).astype(dtype), step, momentum)
    running = np.ones(len(B), dtype=bool)  # rows of the buffers not yet finished
    eps = np.finfo(dtype).eps if dtype != np.float64 else 0.0
    imprecise = []
    handed_off = not working_sets
    n_iter = extra_steps = 0

    def times_G(A, out):
        np.matmul(A, G, out=out)

    for n_iter in range(1, max_iter + 1):
        state.advance(B, times_G, lam_)
        hand_off = not handed_off and n_iter >= _HANDOFF_FROM
        if n_iter % check_every and n_iter != max_iter and not hand_off:
            continue
        A, C = state.A, state.C
        gap, primal, rounding = duality_gap(A, C, B, xx, lam, eps)
        relative_gap = relative(gap, primal)
        done = running & (gap <= tol * primal)
        hopeless = running & ~done & (tol * primal < 10 * rounding)
        if search and n_iter == _SEARCH_AT:
            i = np.flatnonzero(running & ~done & ~hopeless)
            certified, relative_gap[i] = search_rows(state, i, B, G, xx, lam_, tol=tol, eps=eps,
                                                     n_features=X.shape[1])
            done[i[certified]] = True
        elif settle_every and n_iter % settle_every == 0 and n_iter >= _SETTLE_FROM:
            i = np.flatnonzero(running & ~done & ~hopeless)
            settled, relative_gap[i] = settle_rows(state, i, B, G, xx, lam_, primal, tol=tol, eps=eps)
            done[i[settled]] = True
        if hand_off:
            handed_off = True
            extra_steps = _hand_off(state, B, G, xx, running & ~done & ~hopeless, done, hopeless,
                                    relative_gap, lam_, tol=tol, eps=eps, max_steps=max_iter - n_iter,
                                    check_every=check_every, settle_every=settle_every)
        leave = done | hopeless
        if leave.any():
            codes[rows[leave]] = state.A[leave]
            estimates[rows[leave]] = relative_gap[leave]
            imprecise.append(rows[hopeless])
            running &= ~leave
            n_running = np.count_nonzero(running)
            if n_running == 0:
                break
            # finished rows leave the batch, but copying the buffers costs as much as a
            # step, so shrink them only once a quarter of the rows are done
            if n_running <= 0.75 * len(rows):
                keep, running = running, running[running]
                rows, xx, B = rows[keep], xx[keep], B[keep]
                state.keep(keep)
    else:
        codes[rows[running]] = state.A[running]
    return rows[running], np.concatenate(imprecise or [rows[:0]]), n_iter + extra_steps


def _hand_off(state, B, G, xx, candidates, done, hopeless, relative_gap, lam, **settings):
    """Solve the candidate rows whose working sets are small on those; mark them done or hopeless.

    Rows the working sets could not certify carry on with all atoms, from
    where they got to. Returns the steps taken on working sets.
    """
    i = np.flatnonzero(candidates)
    widths = working_set_widths(state.A[i], state.C[i], lam)
    small = widths <= _HANDOFF_FRACTION * len(G)
    i, widths = i[small], widths[small]
    if i.size == 0:
        return 0
    U, A, C = state.U[i], state.A[i], state.C[i]
    done_i, hopeless_i, relative_gap[i], n_steps = solve_on_working_sets(
        B[i], G, U, A, C, xx[i], lam, momentum=state.momentum, widths=widths, **settings
    )
    state.A[i] = A
    done[i[done_i]] = True
    hopeless[i[hopeless_i]] = True
    back = ~done_i & ~hopeless_i
    state.restart(i[back], U[back])
    return n_steps


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
    x = check_real_array(x, "x", ndim=1)
    D = check_unit_dictionary(dictionary, x.size)
    check_positive(lam, "lam")
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
