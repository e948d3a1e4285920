"""Image-quality, sparsity and dictionary-recovery measures, each defined once.

``mse`` averages over *all* pixels of all images, as the paper's ``image_MSE``
did for its 28x28 arrays (it divided a sum over pixels by ``a.shape[0]**2``,
the pixel count: ``sparse_coding_utils.py`` of the authors' code, no error
there). ``psnr`` states its data range; the paper's ``image_PSNR`` multiplied
both images by 255 and used a peak of 255, which is ``psnr(a, b,
data_range=1.0)`` for images in [0, 1]. ``relative_mse`` is the error as a fraction of the
reference's variance, ``active_fraction`` the share of non-zero coefficients.
"""

import warnings

import numpy as np

from ._validation import check_positive

__all__ = ["mse", "psnr", "relative_mse", "active_fraction", "recovery_score",
           "pairwise_correlations", "mean_pairwise_correlation"]


def _pair(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the two arrays must have the same shape, got {a.shape} and {b.shape}.")
    if a.size == 0:
        raise ValueError("the arrays are empty.")
    return a, b


def mse(a, b, axis=None):
    """Mean squared error over all pixels (or along ``axis``).

    Parameters
    ----------
    a, b : array-like of the same shape
    axis : None or int
        ``None`` averages everything; ``axis=1`` gives one value per image row.

    Examples
    --------
    >>> mse([0.0, 1.0], [0.0, 0.0])
    0.5
    """
    a, b = _pair(a, b)
    err = np.mean((a - b) ** 2, axis=axis)
    return float(err) if axis is None else err


def psnr(a, b, data_range=1.0, axis=None):
    """Peak signal-to-noise ratio in dB: ``10 * log10(data_range**2 / mse)``.

    Parameters
    ----------
    a, b : array-like of the same shape
        Reference and estimate.
    data_range : float, default=1.0
        The span of possible pixel values (1.0 for images in [0, 1], 255 for
        8-bit images). PSNR is meaningless without it, so it is always stated.
    axis : None or int
        As in :func:`mse`; ``axis=1`` gives one PSNR per image.

    Returns
    -------
    float or ndarray (``inf`` for identical inputs)

    Examples
    --------
    >>> round(psnr([0.0, 1.0], [0.1, 0.9]), 2)
    20.0
    """
    check_positive(data_range, "data_range")
    err = mse(a, b, axis=axis)
    with np.errstate(divide="ignore"):
        value = 10.0 * np.log10(data_range**2 / np.asarray(err))
    return float(value) if axis is None else value


def relative_mse(reference, estimate, axis=None):
    """Squared error as a fraction of the reference's variance: ``sum((a - b)**2) / sum((a - mean(a))**2)``.

    0 is a perfect reconstruction; 1 is no better than a flat image at the
    reference's mean. ``axis=None`` uses one mean over everything; ``axis=1``
    gives one value per image (row), each against its own mean.

    Examples
    --------
    >>> relative_mse([0.0, 2.0], [0.5, 1.5])
    0.25
    >>> relative_mse([[0.0, 2.0], [1.0, 3.0]], [[1.0, 1.0], [1.0, 3.0]], axis=1)
    array([1., 0.])
    """
    a, b = _pair(reference, estimate)
    spread = np.sum((a - np.mean(a, axis=axis, keepdims=True)) ** 2, axis=axis)
    if np.any(spread == 0):
        raise ValueError("reference is constant (zero variance): its relative MSE is undefined.")
    value = np.sum((a - b) ** 2, axis=axis) / spread
    return float(value) if axis is None else value


def active_fraction(codes, atol=0.0):
    """Fraction of coefficients that are active (non-zero, ``|a| > atol``); 1 - sparsity.

    Examples
    --------
    >>> active_fraction([[0.0, 1.0], [0.0, -2.0]])
    0.5
    """
    codes = np.asarray(codes)
    return float(np.mean(np.abs(codes) > atol))


def sparsity(codes, atol=0.0):
    """Deprecated name of :func:`active_fraction` (it returned the *active* fraction)."""
    warnings.warn("dl.metrics.sparsity is renamed active_fraction (it is the fraction of "
                  "active coefficients)", FutureWarning, stacklevel=2)
    return active_fraction(codes, atol)


def recovery_score(learned, true):
    """How well a learned dictionary recovers known components.

    The mean, over the true components, of the largest absolute cosine
    similarity with any learned atom. 1.0 means every true component has an
    exact (up to sign and scale) copy among the learned atoms.

    Parameters
    ----------
    learned : ndarray of shape (n_learned, n_features)
    true : ndarray of shape (n_true, n_features)

    Returns
    -------
    float in [0, 1]
    """
    learned = np.asarray(learned, dtype=np.float64)
    true = np.asarray(true, dtype=np.float64)
    if learned.ndim != 2 or true.ndim != 2 or learned.shape[1] != true.shape[1]:
        raise ValueError(
            "learned and true must be 2-D with the same number of features, "
            f"got {learned.shape} and {true.shape}."
        )

    def unit(M):
        n = np.linalg.norm(M, axis=1, keepdims=True)
        return M / np.where(n > 0, n, 1.0)

    cos = np.abs(unit(true) @ unit(learned).T)
    return float(cos.max(axis=1).mean())


def pairwise_correlations(images):
    """Pearson correlation between every pair of images (rows), over pixels.

    Parameters
    ----------
    images : array-like of shape (n_images, n_pixels)
        At least two images, none of them constant (a constant image has no
        correlation with anything).

    Returns
    -------
    ndarray of shape (n_images, n_images)
        Symmetric, ones on the diagonal.

    Examples
    --------
    >>> pairwise_correlations([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).round(3)
    array([[ 1. , -0.5],
           [-0.5,  1. ]])
    """
    X = np.asarray(images, dtype=np.float64)
    if X.ndim != 2 or len(X) < 2 or X.shape[1] < 2:
        raise ValueError(
            f"images must be 2-D (n_images, n_pixels) with at least two images of at least "
            f"two pixels, got shape {X.shape}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("images contains NaN or infinity.")
    scale = max(1.0, float(np.abs(X).max()))
    X = X - X.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(X, axis=1)
    flat = np.flatnonzero(norms <= 1e-12 * scale)
    if flat.size:
        raise ValueError(
            f"images {flat.tolist()} are constant: their correlation with other images "
            "is undefined."
        )
    X = X / norms[:, None]
    C = np.clip(X @ X.T, -1.0, 1.0)
    np.fill_diagonal(C, 1.0)
    return C


def mean_pairwise_correlation(images):
    """How alike a set of images is: the mean Pearson correlation over all pairs.

    The average of :func:`pairwise_correlations` above the diagonal, over the
    ``n (n - 1) / 2`` distinct pairs. Near 1: the images are (up to brightness
    and contrast) the same picture; near 0 or below: they share no pattern.

    Parameters
    ----------
    images : array-like of shape (n_images, n_pixels)

    Returns
    -------
    float in [-1, 1]

    Examples
    --------
    >>> round(mean_pairwise_correlation([[1, 0, 0], [0, 1, 0], [1, 1, 0]]), 4)
    0.1667
    """
    C = pairwise_correlations(images)
    return float(C[np.triu_indices(len(C), k=1)].mean())
