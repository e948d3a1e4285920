"""The LASSO problem that sparse coding solves, and the quantities every solver shares.

The codes ``a`` of a signal ``x`` under a dictionary ``D`` (one unit-norm
atom per row) minimise ``E(a) = 0.5 * ||x - a @ D||**2 + lam * ||a||_1``.
"""

import numpy as np
from scipy.sparse.linalg import eigsh

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
