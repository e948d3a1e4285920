"""Working sets: once the dynamics have narrowed a sample down, run its few candidate neurons alone.

After a few LCA steps most neurons of a sample are far below threshold and
stay silent. Its *working set* ``W`` keeps the ones that matter: those that
coordinate descent would switch on (``|a + c| > lam``, with ``c = b - a @ G``)
and as many runners-up. The LCA on ``W`` alone is the same dynamics with the
other neurons held at zero, but cheaper: a step costs ``w**2`` multiply-adds
instead of ``k**2``, the block ``G[W, W]`` stays in the processor's cache, and
its largest eigenvalue is smaller than ``G``'s, so the step is longer. Its
fixed point is the LASSO solution on ``W``, which is the full solution if
``W`` holds the support; a duality-gap check on all atoms tells, and the next
round ranks the neurons again (the ones it found wanting, ``|c_j| > lam``,
come first).
"""

import numpy as np

from .active_set import settle_rows
from .dynamics import Potentials, duality_gap, relative

_MIN_WIDTH = 16  # smallest working set
_BLOCK_BYTES = 2 << 20  # Gram blocks handled together: about one core's L2 cache
_MIN_BLOCK_ROWS = 32  # ... but never so few rows that Python's overhead dominates
_ROUNDS = 3  # full checks before a sample goes back to the whole dictionary


def working_set_widths(A, C, lam):
    """Working-set size per row: twice the neurons coordinate descent would switch on.

    At least 16, rounded up to a multiple of 8 so that rows fall into few groups.
    """
    wanted = np.count_nonzero(np.abs(A + C) > lam, axis=1)
    return np.maximum(_MIN_WIDTH, -(-2 * wanted // 8) * 8)


def largest_eigenvalues(G, n_steps=20):
    """Upper estimate of the largest eigenvalue of each ``G[i]`` (power iteration, +10 %).

    Capped by the Gershgorin bound (the largest absolute row sum), which is
    always an upper bound.
    """
    v = np.ones(G.shape[:2] + (1,), dtype=G.dtype)
    for _ in range(n_steps):
        v = G @ v
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), np.finfo(G.dtype).tiny)
    rayleigh = np.einsum("ij,ij->i", v[:, :, 0], (G @ v)[:, :, 0])
    gershgorin = np.abs(G).sum(axis=2).max(axis=1)
    return np.minimum(1.1 * rayleigh, gershgorin)


def solve_on_working_sets(B, G, U, A, C, xx, lam, *, tol, eps, max_steps, check_every,
                          momentum, settle_every, widths):
    """LCA on per-sample working sets, with full duality-gap checks between rounds.

    Parameters
    ----------
    B, U, A, C : ndarray of shape (n_samples, n_components)
        ``X @ D.T``; the potentials, activations and residual correlations
        reached so far by the dynamics on all atoms (updated in place).
    G : ndarray of shape (n_components, n_components)
    xx : ndarray of shape (n_samples,)
        ``||x||**2``.
    lam, tol, eps, check_every, momentum, settle_every
        As in the main loop.
    max_steps : int
        Step cap of each round.
    widths : ndarray of int of shape (n_samples,)
        Working-set size of each sample in the first round.

    Returns
    -------
    done, hopeless : ndarray of bool of shape (n_samples,)
        Certified; beyond what the precision can certify.
    relative_gap : ndarray of shape (n_samples,)
        Duality gap over objective at the last full check.
    n_steps : int
        Steps taken, summed over rounds.
    """
    n, k = B.shape
    done = np.zeros(n, dtype=bool)
    hopeless = np.zeros(n, dtype=bool)
    relative_gap = np.full(n, np.inf)
    n_steps = 0
    for round_ in range(_ROUNDS):
        todo = np.flatnonzero(~done & ~hopeless)
        if todo.size == 0:
            break
        if round_:
            widths = working_set_widths(A[todo], C[todo], lam)
        widths = np.minimum(widths, k)
        score = np.abs(A[todo] + C[todo])
        steps = 0
        for block in _blocks(widths, G.itemsize):
            r, w = todo[block], widths[block].max()
            # each row's w best-scored atoms, in increasing order (gathering G[W, W] is then local)
            W = np.sort(np.argpartition(-score[block], w - 1, axis=1)[:, :w], axis=1)
            A_w, steps_w = _restricted_lca(
                np.take_along_axis(B[r], W, axis=1),
                np.take(G, W[:, :, None] * k + W[:, None, :]),
                np.take_along_axis(U[r], W, axis=1),
                xx[r], lam, tol=tol, eps=eps, max_steps=max_steps, check_every=check_every,
                momentum=momentum, settle_every=settle_every,
            )
            _scatter(A, r, W, A_w)
            steps = max(steps, steps_w)
        n_steps += steps
        C[todo] = B[todo] - A[todo] @ G
        gap, primal, rounding = duality_gap(A[todo], C[todo], B[todo], xx[todo], lam, eps)
        done[todo] = gap <= tol * primal
        hopeless[todo] = ~done[todo] & (tol * primal < 10 * rounding)
        relative_gap[todo] = relative(gap, primal)
        U[todo] = A[todo] + C[todo]  # the potentials at the fixed point of these codes
    return done, hopeless, relative_gap, n_steps


def _blocks(widths, itemsize):
    """Groups of rows of similar width, each about the size of the cache, never tiny."""
    order = np.argsort(widths, kind="stable")
    w2 = widths[order].astype(np.int64) ** 2 * itemsize
    blocks, start = [], 0
    while start < len(order):
        end = min(start + _MIN_BLOCK_ROWS, len(order))
        while end < len(order) and (end + 1 - start) * w2[end] <= _BLOCK_BYTES:
            end += 1
        blocks.append(order[start:end])
        start = end
    return blocks


def _scatter(A, rows, W, values):
    """``A[rows]`` set to zero except ``A[rows[i], W[i]] = values[i]``."""
    block = np.zeros((len(rows), A.shape[1]), dtype=A.dtype)
    np.put_along_axis(block, W, values, axis=1)
    A[rows] = block


def _restricted_lca(B, G, U, xx, lam, *, tol, eps, max_steps, check_every, momentum,
                    settle_every):
    """Momentum LCA where row ``i`` has its own Gram block ``G[i]``; returns codes and steps.

    Each row steps by ``1.8 / L_i`` (``L_i`` the largest eigenvalue of its
    block) and stops once the duality gap of its restricted problem is
    within ``tol``, or at ``max_steps``.
    """
    codes = np.zeros_like(U)
    step = (1.8 / largest_eigenvalues(G))[:, None].astype(U.dtype)
    state = Potentials(U, step, momentum)
    rows = np.arange(len(U))

    def times_G(A, out):
        np.matmul(A[:, None, :], G, out=out[:, None, :])

    n_steps = 0
    for n_steps in range(1, max_steps + 1):
        state.advance(B, times_G, lam)
        if n_steps % check_every and n_steps != max_steps:
            continue
        gap, primal, rounding = duality_gap(state.A, state.C, B, xx, lam, eps)
        leave = (gap <= tol * primal) | (tol * primal < 10 * rounding)
        if settle_every and n_steps % settle_every == 0:
            i = np.flatnonzero(~leave)
            leave[i[settle_rows(state, i, B, G, xx, lam, primal, tol=tol, eps=eps)[0]]] = True
        if n_steps == max_steps:
            leave[:] = True
        if leave.any():
            codes[rows[leave]] = state.A[leave]
            keep = ~leave
            if not keep.any():
                break
            rows, B, xx, G = rows[keep], B[keep], xx[keep], G[keep]
            state.keep(keep)
    return codes, n_steps
