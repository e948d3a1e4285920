"""Figures for the course: dictionaries, image grids, curves and animations.

Every function draws with matplotlib and returns the figure; the caller
shows or closes it. Animations are returned as HTML (``to_jshtml``), which
plays in JupyterLab and Colab alike, and their figure is closed so it is not
drawn twice.
"""

import numpy as np
import matplotlib.pyplot as plt

__all__ = ["tile", "show_tiles", "show_image", "image_grid", "animation", "infer_shape"]


def infer_shape(n_features):
    """The (h, w) of a square image with ``n_features`` pixels."""
    side = int(round(np.sqrt(n_features)))
    if side * side != n_features:
        raise ValueError(
            f"cannot infer a square image shape from {n_features} pixels; pass shape=(h, w)."
        )
    return side, side


def tile(images, shape=None, ncols=None, pad=1, symmetric=True):
    """Arrange rows of images (e.g. dictionary atoms) into one mosaic array.

    Parameters
    ----------
    images : ndarray of shape (n_images, h * w)
    shape : tuple (h, w), optional
        Image shape; square images are inferred.
    ncols : int, optional
        Images per row of the mosaic (default: about square).
    pad : int, default=1
        Pixels of background between images.
    symmetric : bool, default=True
        Scale each image by its own maximum absolute value, so that zero is
        mid-grey (for signed atoms). If False, images are shown as they are
        and the background is the minimum value.

    Returns
    -------
    ndarray of shape (H, W)
        The mosaic, NaN between tiles (drawn as background).
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 2:
        raise ValueError(f"images must be 2-D (n_images, h*w), got shape {images.shape}.")
    h, w = shape if shape is not None else infer_shape(images.shape[1])
    n = len(images)
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    if symmetric:
        scale = np.abs(images).max(axis=1, keepdims=True)
        images = images / np.where(scale > 0, scale, 1.0)
    mosaic = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        mosaic[top : top + h, left : left + w] = img.reshape(h, w)
    return mosaic


def show_tiles(images, shape=None, ncols=None, title=None, ax=None, symmetric=True):
    """Draw :func:`tile` of ``images``: grey for zero when ``symmetric``. Returns the axes."""
    mosaic = tile(images, shape=shape, ncols=ncols, symmetric=symmetric)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    if symmetric:
        ax.imshow(mosaic, cmap="gray", vmin=-1, vmax=1)
    else:
        ax.imshow(mosaic, cmap="gray")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_image(image, ax=None, shape=None, title=None, cmap="gray", **imshow_kwargs):
    """Draw one image (a row of pixels or a 2-D array) with a thin frame and no ticks.

    The frame matters: a bright bar along an image's edge would otherwise melt
    into the white page. Returns the axes.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 1:
        image = image.reshape(shape if shape is not None else infer_shape(image.size))
    if ax is None:
        _, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(image, cmap=cmap, **imshow_kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.6")
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def image_grid(images, shape=None, ncols=8, titles=None, cmap="gray", vmin=None, vmax=None,
               suptitle=None, size=1.4):
    """A grid of images, one subplot each, with optional titles.

    Parameters
    ----------
    images : ndarray of shape (n_images, h * w)
    shape : tuple (h, w), optional
    ncols : int, default=8
    titles : list of str, optional
    cmap, vmin, vmax : passed to ``imshow`` (shared by all images)
    suptitle : str, optional
    size : float
        Inches per image.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = np.asarray(images, dtype=np.float64)
    h, w = shape if shape is not None else infer_shape(images.shape[1])
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < n:
            show_image(images[i], ax=ax, shape=(h, w), cmap=cmap, vmin=vmin, vmax=vmax,
                       title=None if titles is None else titles[i])
        else:
            ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def animation(frames, shape=None, titles=None, interval=200, ncols=8, size=1.2, cmap="gray",
              vmin=0.0, vmax=1.0):
    """An HTML animation of image grids, playable in JupyterLab and Colab.

    Parameters
    ----------
    frames : ndarray of shape (n_frames, n_images, h * w)
        One grid of images per frame (e.g. dreams at successive training steps).
    shape : tuple (h, w), optional
    titles : list of str, optional
        One title per frame.
    interval : int
        Milliseconds between frames.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML
    from matplotlib import animation as mpl_animation

    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim != 3:
        raise ValueError(f"frames must be (n_frames, n_images, h*w), got shape {frames.shape}.")
    h, w = shape if shape is not None else infer_shape(frames.shape[2])
    n = frames.shape[1]
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4),
                             squeeze=False)
    artists = []
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            artists.append(ax.imshow(frames[0, i].reshape(h, w), cmap=cmap, vmin=vmin, vmax=vmax))
    title = fig.suptitle(titles[0] if titles else "")

    def update(t):
        for i, artist in enumerate(artists):
            artist.set_data(frames[t, i].reshape(h, w))
        if titles:
            title.set_text(titles[t])
        return artists

    anim = mpl_animation.FuncAnimation(fig, update, frames=len(frames), interval=interval)
    html = HTML(anim.to_jshtml(default_mode="loop"))
    plt.close(fig)
    return html
