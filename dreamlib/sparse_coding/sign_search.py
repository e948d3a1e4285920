"""Finishing the LCA exactly: a batched feature-sign search from where the dynamics got to.

Once the LCA has roughly found which neurons are active, and with which sign,
the LASSO restricted to those is a linear system (the fixed point of the
linear dynamics, :func:`~dreamlib.sparse_coding.solve_on_active_set`). This
module iterates that jump safely, as in Lee, Battle, Raina & Ng's
*feature-sign search* (2007):

1. Guess a sign pattern ``p`` (the signs of the current codes ``a``, plus a
   few silent neurons the residual wants, ``|c_j| > lam``, with the sign of
   their drive ``c_j``).
2. Solve ``G[T, T] @ a'_T = b_T - lam * p_T`` on its support ``T``.
3. Move from ``a`` towards ``a'`` to the point of the segment where the
   LASSO objective is lowest (an exact line search: the objective is convex
   and piecewise quadratic along it, with a kink wherever a code crosses
   zero). Codes that cross change sign; one that stops at zero leaves.

The objective falls at every step, and a step that reaches ``a'`` with its
signs intact is the exact optimum on ``T``: then the duality gap over all
atoms either certifies it or names the silent neurons to add next. Each step
costs one small linear solve per sample (rows of similar support size share
one batched solve); the product with the whole Gram matrix is needed only
for the gap.
"""

import numpy as np
from scipy import sparse

from .dynamics import duality_gap, relative

_MIN_ADD = 8  # neurons added at a time at first; doubled after each clean step, halved after others
_SEED_FRACTION = 0.1  # search_rows starts from this fraction of the strongest active neurons
_SEARCH_COST = 8.0  # rows whose support outgrows (this * n_components**2) ** (1/3) leave it


def _support_blocks(pattern, k):
    """Rows grouped by support size (rounded up to a multiple of 8), with their columns.

    Yields ``(rows, S, real)``: ``S[i]`` lists row ``rows[i]``'s support first,
    then other columns as padding up to the group's width; ``real`` marks the support.
    """
    active = pattern != 0
    width = np.minimum(-(-active.sum(axis=1) // 8) * 8, k)
    for w in np.unique(width[width > 0]):
        r = np.flatnonzero(width == w)
        S = np.argsort(~active[r], axis=1, kind="stable")[:, :w]
        yield r, S, np.take_along_axis(active[r], S, axis=1)


def _gram_blocks(G, S, real):
    """``G[S, S]`` per row, the padding replaced by the identity."""
    k = G.shape[-1]
    M = np.take(G, S[:, :, None] * k + S[:, None, :])
    M *= real[:, :, None] & real[:, None, :]
    w = S.shape[1]
    M[:, np.arange(w), np.arange(w)] += ~real
    return M


def solve_with_signs(pattern, B, G, lam):
    """Fixed point of the linear LCA on each row's support, with the signs of ``pattern``.

    Solves ``G[T, T] @ a_T = b_T - lam * p_T`` for ``T`` the non-zeros of
    ``p = pattern[i]``; zero elsewhere. Rows whose ``G[T, T]`` is singular get
    NaN codes.

    Parameters
    ----------
    pattern : ndarray of shape (n_samples, n_components)
        Signs (-1, 0, +1) of the guessed solution.
    B : ndarray of shape (n_samples, n_components)
        ``X @ D.T``.
    G : ndarray of shape (n_components, n_components)
        ``D @ D.T``.
    lam : float

    Returns
    -------
    ndarray of shape (n_samples, n_components), dtype of ``B``
    """
    out = np.zeros(B.shape, dtype=B.dtype)
    for r, S, real in _support_blocks(pattern, B.shape[1]):
        M = _gram_blocks(G, S, real)
        signs = np.take_along_axis(pattern[r], S, axis=1).astype(B.dtype)
        rhs = (np.take_along_axis(B[r], S, axis=1) - lam * signs) * real
        block = np.zeros((len(r), B.shape[1]), dtype=B.dtype)
        np.put_along_axis(block, S, _solve(M, rhs), axis=1)
        out[r] = block
    return out


def _solve(M, rhs):
    """Batched ``M @ x = rhs``; NaN for the systems that are singular."""
    try:
        return np.linalg.solve(M, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:  # some support has linearly dependent atoms
        x = np.full_like(rhs, np.nan)
        for i in range(len(M)):
            try:
                x[i] = np.linalg.solve(M[i], rhs[i])
            except np.linalg.LinAlgError:
                pass
        return x


def sign_search_step(A, pattern, B, G, lam):
    """One feature-sign step of every row: solve for ``pattern``, exact line search from ``A``.

    ``A`` must be zero outside the support of ``pattern``, with the signs of
    ``pattern`` where it is not zero.

    Returns
    -------
    A, pattern : the new codes and sign pattern
    optimal : ndarray of bool
        The step reached the solution for ``pattern`` with its signs intact:
        ``A`` is the LASSO optimum on its support.
    stuck : ndarray of bool
        No progress was possible (singular system, or no descent).
    """
    A, pattern = A.copy(), pattern.copy()
    n, k = A.shape
    optimal = pattern.any(axis=1) == 0  # no support: zero codes are optimal on it
    stuck = np.zeros(n, dtype=bool)
    for r, S, real in _support_blocks(pattern, k):
        M = _gram_blocks(G, S, real)
        p = np.take_along_axis(pattern[r], S, axis=1).astype(A.dtype) * real
        a = np.take_along_axis(A[r], S, axis=1) * real
        target = _solve(M, (np.take_along_axis(B[r], S, axis=1) - lam * p) * real)
        singular = np.isnan(target).any(axis=1)
        target[singular] = a[singular]
        d = (target - a) * real
        t, kink = _line_search(a, d, p, M, lam)
        new = a + t[:, None] * d
        new[np.arange(S.shape[1]) == kink[:, None]] = 0  # the code that stops at zero
        # the jump with the codes whose sign came out wrong set to zero, where it is lower still
        b = np.take_along_axis(B[r], S, axis=1) * real
        pruned = np.where(np.sign(target) == p, target, 0)
        better = _energy(pruned, b, M, lam) < _energy(new, b, M, lam)
        new[better], t[better] = pruned[better], 0.5
        intact = (np.sign(target) == p).all(axis=1)
        opt = intact & (t == 1)
        no_step = (t <= 0) | singular
        # a new neuron whose solution has the wrong sign: leave it out of the pattern
        wrong_new = (a == 0) & (p != 0) & (np.sign(target) != p)
        new_p = np.where(no_step[:, None], p * ~wrong_new, np.sign(new))
        stuck_r = no_step & ~wrong_new.any(axis=1)
        new[no_step] = a[no_step]
        _scatter(A, r, S, new)
        _scatter(pattern, r, S, new_p.astype(pattern.dtype))
        optimal[r] = opt & ~singular
        stuck[r] = stuck_r
    return A, pattern, optimal, stuck


def _energy(a, b, M, lam):
    """LASSO objective minus ``0.5 ||x||**2``, for codes on a support ``S`` (``M = G[S, S]``)."""
    quad = np.einsum("ij,ij->i", a, (M @ a[..., None])[..., 0])
    return 0.5 * quad - np.einsum("ij,ij->i", a, b) + lam * np.abs(a).sum(axis=1)


def _scatter(out, rows, S, values):
    block = np.zeros((len(rows), out.shape[1]), dtype=out.dtype)
    np.put_along_axis(block, S, values, axis=1)
    out[rows] = block


def _line_search(a, d, p, M, lam):
    """Exact minimiser ``t`` in [0, 1] of the LASSO objective along ``a + t d``, per row.

    With ``a + d`` the solution for the sign pattern ``p``, the derivative along
    the segment is ``beta (t - 1) + lam (s(t) - d.p)``, ``beta = d.M.d`` and
    ``s(t) = sum_j d_j sign(a_j + t d_j)``, which grows by ``2 |d_j|`` where
    code ``j`` crosses zero. Returns ``t`` and the column whose code is exactly
    zero there (a kink), or the width of ``a`` (none).
    """
    beta = np.einsum("ij,ij->i", d, (M @ d[..., None])[..., 0])
    dp = np.einsum("ij,ij->i", d, p)
    sigma = np.where(a != 0, np.sign(a), np.sign(d))
    s0 = np.einsum("ij,ij->i", d, sigma)
    crossing = (a != 0) & (a * d < 0) & (np.abs(d) > np.abs(a))
    bp = np.where(crossing, -a / np.where(crossing, d, 1), np.inf)
    order = np.argsort(bp, axis=1)
    bp_sorted = np.take_along_axis(bp, order, axis=1)
    jumps = np.take_along_axis(np.where(crossing, 2 * np.abs(d), 0), order, axis=1)
    zero = np.zeros((len(a), 1), a.dtype)
    slopes = s0[:, None] + np.concatenate([zero, np.cumsum(jumps, axis=1)], axis=1)  # s(t)
    starts = np.concatenate([np.zeros((len(a), 1), a.dtype), bp_sorted], axis=1)
    ends = np.minimum(np.concatenate([bp_sorted, np.full((len(a), 1), np.inf, a.dtype)], axis=1), 1)
    safe_beta = np.where(beta > 0, beta, 1)
    roots = 1 - lam * (slopes - dp[:, None]) / safe_beta[:, None]
    found = (roots <= ends) & (starts <= 1)
    found[:, -1] |= True
    piece = np.argmax(found, axis=1)
    take = np.arange(len(a))
    t = np.clip(roots[take, piece], starts[take, piece], ends[take, piece])
    t = np.where(beta > 0, np.clip(t, 0, 1), 1)
    at_kink = (piece > 0) & (t == starts[take, piece])
    kink = np.where(at_kink, order[take, np.maximum(piece - 1, 0)], a.shape[1])
    return t.astype(a.dtype), kink


def sparse_times(A, G):
    """``A @ G`` for sparse codes ``A``: only the rows of ``G`` of active atoms are read."""
    return np.asarray(sparse.csr_matrix(A) @ G)


def add_violators(C, pattern, lam, n_add):
    """Add to each row's pattern the silent neurons the residual wants most (``|c_j| > lam``).

    At most ``n_add[i]`` to row ``i``, those with the largest ``|c_j|``, signed
    like ``c_j``. Returns the new pattern and how many were added per row.
    """
    score = np.where((pattern == 0) & (np.abs(C) > lam), np.abs(C) - lam, 0)
    n_add = np.minimum(n_add, np.count_nonzero(score, axis=1))
    width = int(min(n_add.max(initial=0), C.shape[1]))
    pattern = pattern.copy()
    if width == 0:
        return pattern, n_add
    top = np.argpartition(-score, width - 1, axis=1)[:, :width]
    top_score = np.take_along_axis(score, top, axis=1)
    rank = np.argsort(np.argsort(-top_score, axis=1), axis=1)
    chosen = rank < n_add[:, None]
    signs = np.sign(np.take_along_axis(C, top, axis=1)) * chosen
    current = np.take_along_axis(pattern, top, axis=1)
    np.put_along_axis(pattern, top, np.where(chosen, signs, current).astype(pattern.dtype), axis=1)
    return pattern, n_add


def strongest(A, fraction):
    """``A`` with all but each row's ``fraction`` of its largest non-zero codes set to zero."""
    keep = (fraction * np.count_nonzero(A, axis=1)).astype(int)
    width = int(keep.max(initial=0))
    if width == 0:
        return np.zeros_like(A)
    magnitude = np.abs(A)
    top = np.argpartition(-magnitude, width - 1, axis=1)[:, :width]
    rank = np.argsort(np.argsort(-np.take_along_axis(magnitude, top, axis=1), axis=1), axis=1)
    out = np.zeros_like(A)
    np.put_along_axis(out, top, np.take_along_axis(A, top, axis=1) * (rank < keep[:, None]), axis=1)
    return out


def sign_search(A, B, G, xx, lam, *, tol, eps, max_steps=400, max_width=None):
    """Feature-sign search on every row from the codes ``A``, until the duality gap certifies it.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_components)
        Starting codes (those of the LCA so far).
    B : ndarray like ``A``
        ``X @ D.T``.
    G : ndarray of shape (n_components, n_components)
        ``D @ D.T``.
    xx : ndarray of shape (n_samples,)
        ``||x||**2``.
    lam, tol, eps
        As in :func:`~dreamlib.sparse_coding.lca`.
    max_steps : int
        Line-search steps at most.
    max_width : int, optional
        Rows whose sign pattern grows wider than this are given up (a solve
        costs ``width**3``; past some width, steps of the dynamics are cheaper).

    Returns
    -------
    A : the codes reached (the objective never rises)
    certified : ndarray of bool
    relative_gap : ndarray
        At the last gap check of each row (inf if it had none).
    """
    A = A.copy()
    n = len(A)
    pattern = np.sign(A).astype(np.int8)
    certified = np.zeros(n, dtype=bool)
    given_up = np.zeros(n, dtype=bool)
    relative_gap = np.full(n, np.inf)
    check = np.zeros(n, dtype=bool)  # rows whose codes are optimal on their support
    budget = np.full(n, _MIN_ADD)  # neurons each row may add next
    for _ in range(max_steps):
        i = np.flatnonzero(check & ~certified & ~given_up)
        if i.size:
            C = B[i] - sparse_times(A[i], G)
            gap, primal, rounding = duality_gap(A[i], C, B[i], xx[i], lam, eps)
            relative_gap[i] = relative(gap, primal)
            ok = gap <= tol * primal
            certified[i[ok]] = True
            pattern[i], n_add = add_violators(C, pattern[i], lam, budget[i])
            given_up[i[~ok & (n_add == 0)]] = True  # optimal, uncertified: precision's limit
        if max_width is not None:
            given_up |= np.count_nonzero(pattern, axis=1) > max_width
        todo = np.flatnonzero(~certified & ~given_up)
        if todo.size == 0:
            break
        A[todo], pattern[todo], check[todo], stuck = sign_search_step(
            A[todo], pattern[todo], B[todo], G, lam)
        # a clean step (no sign went wrong) earns a larger batch of additions next time
        budget[todo] = np.where(check[todo], 2 * budget[todo],
                                np.maximum(_MIN_ADD, budget[todo] // 2))
        given_up[todo[stuck]] = True
    return A, certified, relative_gap


def search_rows(state, rows, B, G, xx, lam, *, tol, eps, n_features):
    """Finish ``rows`` of a batch of LCA networks (:class:`~.dynamics.Potentials`) by a sign search.

    It starts from the strongest tenth of each row's active neurons. Rows it
    certifies get its codes in ``state.A``; the others carry on with the
    dynamics where they were (the search only tried), as do rows whose
    support grows wider than ``n_features / 2`` (near-singular) or than
    ``(8 k**2) ** (1/3)`` (a solve then costs more than several steps of the
    dynamics).

    Returns
    -------
    certified : ndarray of bool of shape (len(rows),)
    relative_gap : ndarray of shape (len(rows),)
    """
    max_width = min(int((_SEARCH_COST * len(G) ** 2) ** (1 / 3)), n_features // 2)
    A, certified, relative_gap = sign_search(strongest(state.A[rows], _SEED_FRACTION), B[rows], G,
                                             xx[rows], lam, tol=tol, eps=eps, max_width=max_width)
    state.A[rows[certified]] = A[certified]
    return certified, relative_gap
