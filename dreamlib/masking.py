"""Foveated masking: every image seen through a Gaussian window of random place and width.

Sparse coding learns whole-image prototypes, not parts, from sets of similar
images such as digits or faces (the paper's Fig 7). The paper's §4 proposes a
remedy it never tried: mask each input with a 2-D Gaussian window whose centre
is drawn at random inside the image and whose width is random, "almost like
foveation", so that similar inputs differ and their parts recur on their own.

A window centred at ``(c_r, c_c)`` (row, column, in pixels) with width
``sigma`` (pixels) weighs pixel ``(r, c)`` by

    w(r, c) = exp(-((r - c_r)**2 + (c - c_c)**2) / (2 * sigma**2)),

1 at its centre and ``exp(-1/2)`` one ``sigma`` away. A masked image fades
from the image, inside the window, to a ``background`` value outside it:
``background + w * (x - background)``.

Both distributions are parameters, as ``scipy.stats`` frozen distributions (or
anything with an ``rvs(size=..., random_state=...)`` method), in units that do
not depend on the image size:

* ``center``: the centre's row and column as fractions of the image extent,
  drawn independently; 0 is the first pixel, 1 the last. Default
  ``uniform(0, 1)``: anywhere in the image.
* ``width``: ``sigma`` as a fraction of the image side (for a non-square
  image, of ``sqrt(height * width)``). Default ``uniform(0.1, 0.2)``: from
  10% to 30% of the side. A number fixes the width.
"""

import numbers

import numpy as np
from scipy import stats

from ._validation import as_generator, check_positive, check_real_array

__all__ = ["gaussian_window", "sample_windows", "foveate", "DEFAULT_CENTER", "DEFAULT_WIDTH"]

#: Centre rows and columns, as fractions of the image extent: anywhere in the image.
DEFAULT_CENTER = stats.uniform(0.0, 1.0)
#: Window width sigma as a fraction of the image side: from 0.1 to 0.3.
DEFAULT_WIDTH = stats.uniform(0.1, 0.2)


def _check_shape(shape, n_features=None):
    if (not isinstance(shape, (tuple, list)) or len(shape) != 2
            or not all(isinstance(s, numbers.Integral) and s > 0 for s in shape)):
        raise ValueError(f"shape must be a pair of positive ints (height, width), got {shape!r}.")
    h, w = int(shape[0]), int(shape[1])
    if n_features is not None and h * w != n_features:
        raise ValueError(f"shape={shape} has {h * w} pixels but X has {n_features} per row.")
    return h, w


def _infer_shape(n_features):
    side = int(round(np.sqrt(n_features)))
    if side * side != n_features:
        raise ValueError(
            f"cannot infer a square image shape from {n_features} pixels; pass shape=(h, w)."
        )
    return side, side


def gaussian_window(shape, center, width):
    """Gaussian windows on a pixel grid, 1 at their centre.

    Parameters
    ----------
    shape : tuple (height, width)
    center : array-like of shape (2,) or (n, 2)
        Window centres (row, column) in pixels; need not be integers.
    width : float or array-like of shape (n,)
        Standard deviations ``sigma`` in pixels, > 0.

    Returns
    -------
    ndarray of shape (height * width,) or (n, height * width)
        ``exp(-((r - c_r)**2 + (c - c_c)**2) / (2 sigma**2))`` at every pixel
        ``(r, c)``, rows flattened in C order (as dreamlib stores images). One
        window for one centre, else one row per centre.

    Examples
    --------
    >>> w = gaussian_window((3, 3), center=(1, 1), width=1.0).reshape(3, 3)
    >>> w.round(3)
    array([[0.368, 0.607, 0.368],
           [0.607, 1.   , 0.607],
           [0.368, 0.607, 0.368]])
    """
    h, w = _check_shape(shape)
    center = np.asarray(center, dtype=np.float64)
    single = center.ndim == 1
    center = np.atleast_2d(center)
    if center.ndim != 2 or center.shape[1] != 2 or not np.all(np.isfinite(center)):
        raise ValueError(f"center must be finite (row, column) pairs, shape (2,) or (n, 2), "
                         f"got shape {np.shape(center)}.")
    sigma = np.broadcast_to(np.asarray(width, dtype=np.float64), (len(center),))
    if not np.all(np.isfinite(sigma) & (sigma > 0)):
        raise ValueError(f"width must be positive and finite (pixels), got {width!r}.")
    rows = np.exp(-((np.arange(h)[None, :] - center[:, :1]) ** 2) / (2 * sigma[:, None] ** 2))
    cols = np.exp(-((np.arange(w)[None, :] - center[:, 1:]) ** 2) / (2 * sigma[:, None] ** 2))
    windows = (rows[:, :, None] * cols[:, None, :]).reshape(len(center), h * w)
    return windows[0] if single else windows


def _draw(distribution, size, rng, name):
    if isinstance(distribution, numbers.Real) and not isinstance(distribution, bool):
        return np.full(size, float(distribution))
    if not hasattr(distribution, "rvs"):
        raise TypeError(
            f"{name} must be a scipy.stats frozen distribution (anything with an rvs method)"
            f"{' or a number' if name == 'width' else ''}, got {distribution!r}."
        )
    return np.asarray(distribution.rvs(size=size, random_state=rng), dtype=np.float64)


def sample_windows(n_windows, shape, *, center=None, width=None, random_state=None):
    """Draw window centres and widths, in pixels.

    Parameters
    ----------
    n_windows : int
    shape : tuple (height, width)
        The image shape.
    center : scipy.stats frozen distribution, optional
        Of the centre's row and column as fractions of the image extent, in
        [0, 1], drawn independently: row ``= u * (height - 1)``, column
        ``= v * (width - 1)``. Default :data:`DEFAULT_CENTER` (uniform).
    width : float or scipy.stats frozen distribution, optional
        Of ``sigma`` as a fraction of the image side ``sqrt(height * width)``;
        a number fixes it. Default :data:`DEFAULT_WIDTH`.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    centers : ndarray of shape (n_windows, 2)
        (row, column) in pixels.
    widths : ndarray of shape (n_windows,)
        ``sigma`` in pixels.

    Examples
    --------
    >>> centers, widths = sample_windows(4, (28, 28), width=0.25, random_state=0)
    >>> centers.shape, widths
    ((4, 2), array([7., 7., 7., 7.]))
    """
    check_positive(n_windows, "n_windows", integer=True)
    h, w = _check_shape(shape)
    rng = as_generator(random_state)
    center = DEFAULT_CENTER if center is None else center
    width = DEFAULT_WIDTH if width is None else width
    if isinstance(center, numbers.Real):
        raise TypeError("center must be a distribution of fractions in [0, 1], not a number.")
    fractions = _draw(center, (n_windows, 2), rng, "center")
    if fractions.shape != (n_windows, 2) or not np.all((fractions >= 0) & (fractions <= 1)):
        raise ValueError(
            "center must be a distribution on [0, 1] (fractions of the image extent); "
            f"it drew values from {np.nanmin(fractions):.3g} to {np.nanmax(fractions):.3g}."
        )
    sigma = _draw(width, n_windows, rng, "width")
    if sigma.shape != (n_windows,) or not np.all(np.isfinite(sigma) & (sigma > 0)):
        raise ValueError(
            "width must be positive (a fraction of the image side); "
            f"it gave values from {np.nanmin(sigma):.3g} to {np.nanmax(sigma):.3g}."
        )
    centers = fractions * np.array([h - 1, w - 1], dtype=np.float64)
    return centers, sigma * np.sqrt(h * w)


def foveate(X, shape=None, *, center=None, width=None, n_views=1, background=0.0,
            random_state=None, return_windows=False):
    """Mask every image with Gaussian windows of random centre and width.

    Parameters
    ----------
    X : ndarray of shape (n_samples, height * width)
        Images, one per row.
    shape : tuple (height, width), optional
        Image shape; square images are inferred.
    center, width : see :func:`sample_windows`
        The distributions of the window centre and width.
    n_views : int, default=1
        Masked views per image, each with its own window.
    background : float or ndarray of shape (height * width,), default=0.0
        What the image fades to outside the window: 0 for digits on a black
        background; the mean image for centred data.
    random_state : None, int or numpy.random.Generator
    return_windows : bool, default=False
        Also return the windows' centres and widths (pixels).

    Returns
    -------
    masked : ndarray of shape (n_samples * n_views, height * width)
        ``background + window * (x - background)``, in the dtype of ``X``;
        the views of image ``i`` are rows ``i * n_views`` to
        ``(i + 1) * n_views - 1``.
    centers : ndarray of shape (n_samples * n_views, 2)
        Only if ``return_windows``.
    widths : ndarray of shape (n_samples * n_views,)
        Only if ``return_windows``.

    Examples
    --------
    >>> X = np.ones((2, 16))
    >>> masked = foveate(X, n_views=3, width=0.25, random_state=0)
    >>> masked.shape, bool(masked.max() <= 1.0)
    ((6, 16), True)
    """
    X = check_real_array(X, "X")
    h, w = _infer_shape(X.shape[1]) if shape is None else _check_shape(shape, X.shape[1])
    check_positive(n_views, "n_views", integer=True)
    background = np.asarray(background, dtype=X.dtype)
    if background.ndim > 1 or background.size not in (1, h * w):
        raise ValueError(
            f"background must be a number or one value per pixel ({h * w}), "
            f"got shape {background.shape}."
        )
    centers, widths = sample_windows(len(X) * n_views, (h, w), center=center, width=width,
                                     random_state=random_state)
    image_of_view = np.repeat(np.arange(len(X)), n_views)
    views = np.empty((len(image_of_view), h * w), dtype=X.dtype)
    for start in range(0, len(views), 4096):  # a block of windows at a time bounds the memory
        block = slice(start, start + 4096)
        windows = gaussian_window((h, w), centers[block], widths[block]).astype(X.dtype)
        views[block] = background + windows * (X[image_of_view[block]] - background)
    return (views, centers, widths) if return_windows else views
