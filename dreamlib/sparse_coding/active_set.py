"""Jumping to the LCA's fixed point once the right neurons are active."""

import numpy as np

from .dynamics import duality_gap, relative


def solve_on_active_set(codes, B, G, lam):
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
    G : ndarray of shape (n_components, n_components) or (n_samples, n_components, n_components)
        ``D @ D.T``, shared by all rows or one per row.
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
        k = G.shape[-1]
        flat = S[:, :, None] * k + S[:, None, :]
        if G.ndim == 3:  # each row its own Gram matrix
            flat += r[:, None, None] * (k * k)
        M = np.take(G, flat)  # G[S, S], row by row
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


def settle_rows(state, rows, B, G, xx, lam, primal, *, tol, eps):
    """Try the jump for ``rows`` of a batch of LCA networks (:class:`~.dynamics.Potentials`).

    Where the duality gap certifies the jump, its codes go into ``state.A``;
    where it only lowers the objective (``primal`` holds the current values),
    the potentials restart from it (``u = a + c`` at any fixed point of the
    dynamics). ``G`` is shared, or one block per row of the batch.

    Returns
    -------
    certified : ndarray of bool of shape (len(rows),)
        Which rows the jump certified.
    relative_gap : ndarray of shape (len(rows),)
        Duality gap over objective at the jump.
    """
    G_rows = G if G.ndim == 2 else G[rows]
    A = solve_on_active_set(state.A[rows], B[rows], G_rows, lam)
    C = B[rows] - (A @ G if G.ndim == 2 else (A[:, None, :] @ G_rows)[:, 0])
    gap, new_primal, _ = duality_gap(A, C, B[rows], xx[rows], lam, eps)
    certified = gap <= tol * new_primal
    state.A[rows[certified]] = A[certified]
    better = ~certified & (new_primal < primal[rows])
    state.restart(rows[better], A[better] + C[better])
    return certified, relative(gap, new_primal)
