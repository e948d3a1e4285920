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


def default_step(dictionary=None, *, G=None):
    """The default LCA step, ``1.8 / L``, with ``L`` the largest eigenvalue of ``D @ D.T``.

    Steps below ``2 / L`` are stable; 1.8 leaves a margin. Pass the
    dictionary, or its Gram matrix ``G`` if it is at hand.
    """
    if G is None:
        D = np.asarray(dictionary, dtype=np.float64)
        G = D @ D.T
    return 1.8 / max(largest_eigenvalue(G), np.finfo(np.float32).eps)
