"""The dictionary step of online dictionary learning (Mairal, Bach, Ponce & Sapiro 2010).

Instead of a step along the current batch's residual (the paper's Hebbian
rule), every batch adds its codes ``A`` and signals ``X`` to two running sums,

    AA <- beta * AA + A.T @ A / n,     AX <- beta * AX + A.T @ X / n,

which summarise all batches seen so far, and the dictionary is moved to
(near) the minimum of the quadratic they define,
``0.5 tr(D.T AA D) - tr(D.T AX)``, one atom at a time (block-coordinate
descent). ``beta`` forgets the earliest batches, coded by a poor dictionary.
This is what scikit-learn's ``MiniBatchDictionaryLearning`` and SPAMS'
``trainDL`` do; here the atoms are kept at unit length, as everywhere in
dreamlib, where those two project onto the unit ball.
"""

import numpy as np
from numba import njit


def forgetting(t, batch_size):
    """Weight ``beta`` of the past statistics at batch ``t`` (0-based), Mairal et al. (2010), 3.4.

    With ``n = batch_size``: ``theta = (t + 1) n`` while ``t < n - 1``, then
    ``n**2 + t + 1 - n``, and ``beta = (theta + 1 - n) / (theta + 1)``. The first ``n``
    batches are averaged with about equal weights; afterwards the sums remember about
    ``n + t / n`` batches.

    Examples
    --------
    >>> forgetting(0, 100), forgetting(99, 100)
    (0.009900990099009901, 0.99000099990001)
    """
    n = batch_size
    theta = (t + 1) * n if t < n - 1 else n * n + t + 1 - n
    return (theta + 1 - n) / (theta + 1)


def block_coordinate_pass(D, AA, AX, block=64):
    """One pass of block-coordinate descent on ``0.5 tr(D.T AA D) - tr(D.T AX)``, unit atoms.

    With the other atoms fixed, the best unit-length atom ``i`` is the unit vector
    along ``c_i = AX_i - sum_{j != i} AA_ij d_j``, i.e. along
    ``d_i + (AX_i - AA_i @ D) / AA_ii``. The atoms are moved there one after the
    other (each sees those already moved), so the quadratic never increases.
    ``AA_i @ D`` is computed ``block`` atoms at a time by one matrix product and
    corrected for the moves inside the block in compiled code. Atoms never used
    (``AA_ii = 0``) stay where they are.

    Parameters
    ----------
    D : ndarray of shape (n_components, n_features), float32 or float64
        Unit-norm atoms; updated in place.
    AA : ndarray of shape (n_components, n_components), dtype of D
    AX : ndarray of shape (n_components, n_features), dtype of D
    block : int, default=64

    Returns
    -------
    D
    """
    for start in range(0, len(D), block):
        stop = min(start + block, len(D))
        R = AX[start:stop] - AA[start:stop] @ D  # with the block's atoms as they were
        _move_block(D, AA, R, start, stop)
    return D


@njit(cache=True, fastmath=True)
def _move_block(D, AA, R, start, stop):
    """Move atoms ``start:stop`` one after the other; ``R = AX - AA @ D`` before any moved."""
    moves = np.zeros_like(R)
    new = np.empty(D.shape[1], dtype=D.dtype)
    tiny = np.finfo(D.dtype).tiny
    for q in range(stop - start):
        i = start + q
        if AA[i, i] <= tiny:
            continue
        new[:] = R[q]
        for p in range(q):  # the atoms of this block that moved already
            w = AA[i, start + p]
            if w != 0.0:
                for f in range(D.shape[1]):
                    new[f] -= w * moves[p, f]
        scale = 1.0 / AA[i, i]
        norm = 0.0
        for f in range(D.shape[1]):
            new[f] = D[i, f] + scale * new[f]
            norm += new[f] * new[f]
        if norm <= tiny:
            continue
        scale = 1.0 / np.sqrt(norm)
        for f in range(D.shape[1]):
            v = new[f] * scale
            moves[q, f] = v - D[i, f]
            D[i, f] = v
