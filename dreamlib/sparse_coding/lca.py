"""Sparse coding with the Locally Competitive Algorithm (LCA).

The codes ``a`` of an image ``x`` under a dictionary ``D`` (one unit-norm atom
per row) minimise the LASSO objective

    E(a) = 0.5 * ||x - a @ D||**2 + lam * ||a||_1 .

The LCA (Rozell et al. 2008; the paper's ``calcLCA``) finds them with a
network of leaky neurons. Neuron ``i`` has a membrane potential ``u_i`` driven
by how well its atom matches the image, ``b = x @ D.T``, and inhibited by
the active neurons whose atoms overlap with its own (``G = D @ D.T``):

    u <- u + step * (b - u - a @ (G - I)),     a = soft_threshold(u, lam).

Its fixed point is the LASSO solution. :func:`lca` returns that fixed point,
certified by the LASSO duality gap (which bounds how far the objective is from
its minimum, so ``tol`` is a guarantee rather than a heuristic), in one of two ways:

- ``solver="search"`` (the default) does not run the dynamics: at the fixed point
  the active neurons solve a linear system, and a compiled feature-sign search
  (:mod:`~dreamlib.sparse_coding.feature_sign`) finds which neurons are active,
  and with which sign, one sample at a time. It is exact, and faster than
  scikit-learn's coordinate descent and SPAMS' LARS on every cell of the
  benchmark matrix (``benchmarks/bench_lca.py``).
- ``solver="dynamics"`` runs the network, all samples at once. ``step`` is ``dt / tau``;
  the paper used 0.01, which is stable but needlessly slow. Any step below ``2 / L``
  (``L`` the largest eigenvalue of ``G``) is stable, and the default ``1.8 / L`` settles
  in tens of iterations instead of thousands. By default the potentials also get inertia
  (Nesterov momentum, restarted when they reverse), which keeps the same fixed point and
  needs far fewer steps when atoms overlap a lot; and once the right neurons are active
  the dynamics are linear, so every few steps each sample jumps straight to their fixed
  point (:func:`~dreamlib.sparse_coding.solve_on_active_set`, a small linear solve), kept
  only where the duality gap certifies it. ``momentum=False, settle=False`` runs the
  paper's plain dynamics. :func:`lca_dynamics` records them step by step, for plots.
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
from .working_set import solve_on_working_sets, working_set_widths


def lca(
    X,
    dictionary,
    lam,
    *,
    solver="search",
    max_iter=5000,
    tol=1e-4,
    init=None,
    blas_threads=None,
    return_n_iter=False,
    step=None,
    momentum=None,
    settle=None,
    working_sets=None,
    check_every=None,
    dtype=None,
):
    """Sparse codes of ``X``: the fixed point of the Locally Competitive Algorithm.

    Every sample is stopped as soon as its duality gap proves that its
    objective is within a factor ``1 + tol`` of the minimum.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Signals, one per row.
    dictionary : ndarray of shape (n_components, n_features)
        Atoms, one per row, unit norm.
    lam : float
        Threshold (sparsity penalty), ``lam > 0`` (0 would be least squares, not sparse coding).
    solver : {"search", "dynamics"}, default="search"
        ``"search"`` finds the fixed point directly, by a compiled feature-sign
        search (:mod:`~dreamlib.sparse_coding.feature_sign`), in float64, one sample
        at a time; the first call after installing compiles it (seconds; then cached
        on disk). ``"dynamics"`` runs the LCA network on all samples at once (the
        options below). Both return the same codes, to within ``tol``.
    max_iter : int, default=5000
        Cap on the rounds of the search (neurons added, then a solve) or on the
        steps of the dynamics. Samples still unconverged then are returned as
        they are, with a ``ConvergenceWarning``.
    tol : float, default=1e-4
        Relative duality-gap tolerance: ``E(a) - E(a*) <= tol * E(a)``.
    init : ndarray of shape (n_samples, n_components), optional
        Codes to start from (a warm start); default all neurons at rest.
    blas_threads : int or None, default=None
        Threads the linear-algebra library may use; None leaves its default
        (all cores), fastest on an idle machine. On a busy machine, or for
        small batches, 1 can be several times faster: idle BLAS threads
        busy-wait for each other.
    return_n_iter : bool, default=False
        Also return the number of rounds of the search (the most any sample
        took), or of steps of the dynamics.
    step : float, optional
        ``solver="dynamics"`` only. Euler step ``dt / tau``. Default ``1.8 / L``
        with ``L`` the largest eigenvalue of ``D @ D.T``; steps above ``2 / L``
        can diverge. The paper's value is 0.01.
    momentum : bool, optional
        ``solver="dynamics"`` only; default True. Give the potentials inertia
        (Nesterov momentum, restarted whenever they reverse direction). Same
        fixed point, far fewer steps on hard problems.
    settle : bool, optional
        ``solver="dynamics"`` only; default True. From step 20, every
        ``2 * check_every`` steps, jump each unfinished sample to the fixed point
        of the dynamics on its current set of active neurons
        (:func:`solve_on_active_set`, a small linear solve) and keep the jump where
        the duality gap certifies it. ``False`` (with ``momentum=False``) runs the
        plain LCA of the paper.
    working_sets : bool, optional
        ``solver="dynamics"`` only; default True. From step 10, a sample whose
        dynamics have narrowed it down to at most a quarter of the atoms continues
        on those alone (its *working set*), with a longer step, until the duality
        gap over all atoms certifies it (:func:`~dreamlib.sparse_coding.solve_on_working_sets`).
    check_every : int, optional
        ``solver="dynamics"`` only; default 5. Test convergence every this many steps.
    dtype : numpy dtype, optional
        ``solver="dynamics"`` only; default float32, ample for ``tol >= 1e-6``;
        samples it cannot certify are finished in float64 automatically.

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
    n, k = X.shape[0], D.shape[0]
    if init is not None:
        init = check_real_array(init, "init")
        if init.shape != (n, k):
            raise ValueError(f"init must have shape {(n, k)}, got {init.shape}.")
    dynamics = dict(step=step, momentum=momentum, settle=settle, working_sets=working_sets,
                    check_every=check_every, dtype=dtype)
    if solver == "search":
        given = [name for name, value in dynamics.items() if value is not None]
        if given:
            raise ValueError(f"{', '.join(given)} set the LCA dynamics: pass solver='dynamics' "
                             "to use them (the default solver='search' has no steps).")
        with nullcontext() if blas_threads is None else threadpool_limits(blas_threads):
            codes, failed, n_iter = _search(X, D, lam, init, tol, max_iter)
    elif solver == "dynamics":
        dynamics.update({name: value for name, value in _DYNAMICS_DEFAULTS.items()
                         if dynamics[name] is None})
        with nullcontext() if blas_threads is None else threadpool_limits(blas_threads):
            codes, failed, n_iter = _dynamics(X, D, lam, init, tol, max_iter, **dynamics)
    else:
        raise ValueError(f"solver must be 'search' or 'dynamics', got {solver!r}.")
    if failed:
        warnings.warn(
            f"LCA did not converge for {failed} of {n} samples in max_iter={max_iter} "
            f"{'rounds' if solver == 'search' else 'steps'} (tol={tol}); raise max_iter.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return (codes, n_iter) if return_n_iter else codes


def _search(X, D, lam, init, tol, max_iter):
    """Codes by the feature-sign search; rows it cannot finish go to the dynamics in float64.

    Returns the codes (dtype of X), the number of unconverged rows and the rounds taken.
    """
    from .feature_sign import DEPENDENT, MAX_ITER, search_rows  # numba: ~0.3 s to load

    X64, D64 = np.asarray(X, dtype=np.float64), np.asarray(D, dtype=np.float64)
    B, G = X64 @ D64.T, D64 @ D64.T
    A = np.zeros(B.shape) if init is None else np.array(init, dtype=np.float64, order="C")
    n = len(X)
    gaps, rounds, status = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    search_rows(B, G, A, np.einsum("ij,ij->i", X64, X64), float(lam), float(tol), int(max_iter),
                gaps, rounds, status)
    n_iter = int(rounds.max(initial=0))
    # a neuron to add that is a combination of the active ones: the search cannot go on,
    # the dynamics can (they need no solve)
    dependent = np.flatnonzero(status == DEPENDENT)
    failed = int(np.count_nonzero(status == MAX_ITER))
    if dependent.size:
        A[dependent], more_failed, more_iter = _dynamics(
            X64[dependent], D, lam, A[dependent], tol, max_iter,
            **{**_DYNAMICS_DEFAULTS, "dtype": np.float64})
        failed += more_failed
        n_iter = max(n_iter, more_iter)
    return A.astype(X.dtype, copy=False), failed, n_iter


def _dynamics(X, D, lam, init, tol, max_iter, *, step, momentum, settle, working_sets,
              check_every, dtype):
    """Codes by the LCA dynamics. Returns them (dtype of X), the unconverged count and steps."""
    check_positive(check_every, "check_every", integer=True)
    if step is not None:
        check_positive(step, "step")
    n, k = X.shape[0], D.shape[0]
    if init is None:
        init = np.zeros((n, k))
    codes = np.zeros((n, k), dtype=X.dtype)
    settings = dict(lam=lam, max_iter=max_iter, tol=tol, check_every=check_every,
                    momentum=momentum, settle_every=check_every * _SETTLE_CHECKS if settle else 0,
                    working_sets=working_sets)
    dtype = np.dtype(dtype)
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
    return codes, failed.size, n_iter


def check_unit_dictionary(dictionary, n_features):
    """A dictionary of ``n_features`` columns with unit-norm rows (to its precision's rounding)."""
    D = check_dictionary(dictionary, n_features)
    return check_unit_rows(D, "dictionary", atol=max(1e-6, 100 * np.finfo(D.dtype).eps))


_DYNAMICS_DEFAULTS = dict(step=None, momentum=True, settle=True, working_sets=True, check_every=5,
                          dtype=np.float32)
_VERIFY_BELOW = 1e-3  # for tighter tolerances, float32 certificates are checked in float64 ...
_THIN_MARGIN = 0.05  # ... unless the gap was below this fraction of the tolerance
_SETTLE_CHECKS = 2  # settle at every second convergence check (measured best)
_SETTLE_FROM = 20  # first step at which to settle (measured best)
_HANDOFF_FROM = 10  # first step at which samples may leave for their working sets
_HANDOFF_FRACTION = 0.25  # ... if those hold at most this fraction of the atoms


def _lca_loop(B, G, X, init, codes, estimates, rows, *, lam, step, max_iter, tol, check_every,
              momentum, settle_every, working_sets):
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
        if settle_every and n_iter % settle_every == 0 and n_iter >= _SETTLE_FROM:
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
