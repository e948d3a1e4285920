"""Jumping to the LCA's fixed point once the right neurons are active."""

import numpy as np


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
