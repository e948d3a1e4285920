"""Figures for the course: dictionaries, image grids, curves and animations.

Every function draws with matplotlib and returns what it drew (axes or
figure); the caller shows or closes it. Animations are returned as HTML
(``to_jshtml``), which plays in JupyterLab and Colab alike, and their figure is
closed so it is not drawn twice.

Three rules keep every image readable at notebook width:

- the gaps between tiles are drawn in a colour that the colour map never
  uses (:func:`gap_color`), so a bright or dark bar along a tile's edge stays
  visible, and so does every row of tiles;
- a mosaic drawn in a figure of its own is shown at a whole number of screen
  pixels per image pixel (:func:`show_tiles`, :func:`show_tile_panels`), so no
  row or separator is dropped by nearest-neighbour shrinking; a mosaic squeezed
  into a smaller axes is smoothed instead;
- the scaling is a choice: one colour scale for all tiles (``scale="shared"``,
  or fixed ``vmin``/``vmax``), where a colour bar can say what a colour means,
  or each tile stretched to its own range (``scale="tile"``, for dictionary
  atoms whose size does not matter), where it cannot.
"""

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb

__all__ = [
    "tile", "show_tiles", "show_tile_panels", "show_image", "image_grid", "animation",
    "infer_shape", "gap_color",
]

#: Widest figure (pixels) that sits in a notebook's output area without being shrunk.
MAX_WIDTH_PX = 880
#: Tallest figure (pixels) a mosaic is enlarged to.
MAX_HEIGHT_PX = 900
#: Largest number of screen pixels per image pixel a mosaic is enlarged to...
MAX_ZOOM = 4
#: Smaller images are enlarged (each pixel repeated) before tiling, to be about this wide on
#: screen, while the gaps stay thin.
MIN_TILE_PX = 48
#: Colours the tile gaps may take; :func:`gap_color` picks the one farthest from the colour map.
GAP_CANDIDATES = ("#2f7fd0", "#e8a33d", "#2ca02c", "#a05ad0")
_TITLE_IN = 0.3          # inches of figure height per line of a panel title
_COLORBAR_IN = 0.75      # inches of figure width for a colour bar and its labels
_PANEL_GAP_IN = 0.2      # inches between panels
_PANEL_OPTIONS = {"shape", "ncols", "pad", "symmetric", "scale", "vmin", "vmax", "cmap", "colorbar"}


def infer_shape(n_features):
    """The (h, w) of a square image with ``n_features`` pixels.

    Examples
    --------
    >>> infer_shape(784)
    (28, 28)
    """
    side = int(round(np.sqrt(n_features)))
    if side * side != n_features:
        raise ValueError(
            f"cannot infer a square image shape from {n_features} pixels; pass shape=(h, w)."
        )
    return side, side


def gap_color(cmap="gray"):
    """The colour drawn between tiles: the candidate farthest from every colour of ``cmap``.

    Parameters
    ----------
    cmap : str or matplotlib.colors.Colormap

    Returns
    -------
    tuple of 3 floats
        An RGB colour.

    Examples
    --------
    >>> from matplotlib.colors import to_hex
    >>> to_hex(gap_color("gray")), to_hex(gap_color("RdBu_r"))   # amber on greys, green on red-blue
    ('#e8a33d', '#2ca02c')
    """
    colors = plt.get_cmap(cmap)(np.linspace(0, 1, 256))[:, :3]
    candidates = [to_rgb(c) for c in GAP_CANDIDATES]
    distance = [np.linalg.norm(colors - np.array(c), axis=1).min() for c in candidates]
    return candidates[int(np.argmax(distance))]


def _as_images(images):
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 2:
        raise ValueError(f"images must be 2-D (n_images, h*w), got shape {images.shape}.")
    return images


def _resolve_scale(symmetric, scale, vmin, vmax, colorbar=False):
    """'tile' or 'shared', from the arguments (see :func:`show_tiles`); refuse contradictions."""
    if scale is None:
        scale = "shared" if (not symmetric or vmin is not None or vmax is not None) else "tile"
    if scale not in ("tile", "shared"):
        raise ValueError(f"scale must be 'tile' or 'shared', got {scale!r}.")
    if scale == "tile" and (vmin is not None or vmax is not None):
        raise ValueError("vmin/vmax fix one colour scale for all tiles: use scale='shared' "
                         "(or leave scale unset), not scale='tile'.")
    if scale == "tile" and colorbar:
        raise ValueError("colorbar=True needs a shared scale (scale='shared' or vmin/vmax): "
                         "with each tile stretched to its own range, a colour means no number.")
    return scale


def _scaling(images, symmetric, scale, vmin, vmax, colorbar=False):
    """Images rescaled for display, and the (low, high) of the colour scale they are drawn on."""
    scale = _resolve_scale(symmetric, scale, vmin, vmax, colorbar)
    if scale == "tile":
        if symmetric:
            size = np.abs(images).max(axis=1, keepdims=True)
            return images / np.where(size > 0, size, 1.0), (-1.0, 1.0)
        low = images.min(axis=1, keepdims=True)
        span = images.max(axis=1, keepdims=True) - low
        return (images - low) / np.where(span > 0, span, 1.0), (0.0, 1.0)
    if symmetric:
        size = np.abs(images).max() if images.size else 0.0
        low, high = -size, size
    else:
        low, high = (images.min(), images.max()) if images.size else (0.0, 1.0)
    low = low if vmin is None else vmin
    high = high if vmax is None else vmax
    if not high > low:
        high = low + 1.0
    return images, (float(low), float(high))


def _upsampling(images, shape):
    """How many times tiny images are repeated per pixel, so that they reach :data:`MIN_TILE_PX`."""
    side = max(shape if shape is not None else infer_shape(images.shape[1]))
    return max(1, -(-MIN_TILE_PX // (MAX_ZOOM * side)))


def _mosaic(images, shape, ncols, pad, upsample=1):
    h, w = shape if shape is not None else infer_shape(images.shape[1])
    if h * w != images.shape[1]:
        raise ValueError(f"shape {(h, w)} does not hold {images.shape[1]} pixels per image.")
    if upsample > 1:
        images = images.reshape(-1, h, w).repeat(upsample, axis=1).repeat(upsample, axis=2)
        h, w = h * upsample, w * upsample
        images = images.reshape(len(images), h * w)
    n = len(images)
    ncols = min(ncols or int(np.ceil(np.sqrt(n))), max(n, 1))
    nrows = int(np.ceil(n / ncols))
    mosaic = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        mosaic[top : top + h, left : left + w] = img.reshape(h, w)
    return mosaic


def tile(images, shape=None, ncols=None, pad=1, symmetric=True, scale=None):
    """Arrange rows of images (e.g. dictionary atoms) into one mosaic array.

    Parameters
    ----------
    images : ndarray of shape (n_images, h * w)
    shape : tuple (h, w), optional
        Image shape; square images are inferred.
    ncols : int, optional
        Images per row of the mosaic (default: about square).
    pad : int, default=1
        Pixels of gap between images (and around them).
    symmetric : bool, default=True
        Zero is the middle of the scale (for signed atoms).
    scale : {'tile', 'shared'}, optional
        ``'tile'`` stretches each image to its own range (to [-1, 1] when
        ``symmetric``, to [0, 1] otherwise); ``'shared'`` leaves the values
        as they are. Default: ``'tile'`` when ``symmetric``, else ``'shared'``.

    Returns
    -------
    ndarray of shape (H, W)
        The mosaic, NaN in the gaps.

    Examples
    --------
    >>> tile(np.ones((3, 4)), ncols=3).shape   # three 2x2 images in one row, 1-pixel gaps
    (4, 10)
    """
    images = _as_images(images)
    scaled, _ = _scaling(images, symmetric, scale, None, None)
    return _mosaic(scaled, shape, ncols, pad)


def _fit_zoom(width_px, height_px, max_width=MAX_WIDTH_PX, max_height=MAX_HEIGHT_PX):
    """Screen pixels per image pixel: the largest whole number that keeps the figure in bounds."""
    fits = min(max_width // max(width_px, 1), max_height // max(height_px, 1))
    return int(max(1, min(MAX_ZOOM, fits)))


def _interpolation(ax, image_shape):
    """'nearest' when the axes is at least as large as the image on screen, else smoothing.

    Nearest-neighbour sampling is crisp when enlarging but drops whole rows and
    columns when shrinking (separators vanish, neighbouring rows merge).
    """
    bbox = ax.get_window_extent()
    if bbox.width >= image_shape[1] and bbox.height >= image_shape[0]:
        return "nearest"
    return "antialiased"


def _draw_mosaic(ax, mosaic, low, high, cmap, interpolation=None):
    colormap = plt.get_cmap(cmap).with_extremes(bad=gap_color(cmap))
    artist = ax.imshow(np.ma.masked_invalid(mosaic), cmap=colormap, vmin=low, vmax=high,
                       interpolation=interpolation or _interpolation(ax, mosaic.shape))
    ax.set_axis_off()
    return artist


def show_tiles(images, shape=None, ncols=None, title=None, ax=None, symmetric=True, scale=None,
               vmin=None, vmax=None, cmap="gray", colorbar=False, zoom=None, pad=1):
    """Draw rows of images as one mosaic with coloured gaps. Returns the axes.

    Parameters
    ----------
    images : ndarray of shape (n_images, h * w)
    shape : tuple (h, w), optional
    ncols : int, optional
        Images per row of the mosaic.
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Draw here. Without it, a new figure is made at the mosaic's size:
        ``zoom`` screen pixels per image pixel, so nothing is lost to shrinking.
    symmetric : bool, default=True
        Zero is mid-grey (for signed atoms).
    scale : {'tile', 'shared'}, optional
        ``'tile'``: each image stretched to its own range (a dictionary's atoms);
        ``'shared'``: one scale for all. Default: ``'tile'`` when ``symmetric``
        and no ``vmin``/``vmax``, else ``'shared'``.
    vmin, vmax : float, optional
        Fix the shared scale (e.g. 0 and 1 for images in [0, 1]).
    cmap : str, default='gray'
    colorbar : bool, default=False
        Add a colour bar; only with a shared scale (per-tile colours have no common value).
    zoom : int, optional
        Screen pixels per image pixel for a new figure (default: as large as fits, up to 4).
        Images under 12 pixels are first enlarged by repeating pixels, so that they reach
        :data:`MIN_TILE_PX` on screen while the gaps stay thin.
    pad : int, default=1

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> atoms = np.random.default_rng(0).standard_normal((32, 256))
    >>> ax = show_tiles(atoms, ncols=16, title="32 random atoms")
    >>> round(ax.figure.get_figwidth() * ax.figure.dpi)   # 16 * 17 + 1 pixels wide, enlarged 3x
    819
    >>> plt.close(ax.figure)
    """
    images = _as_images(images)
    scaled, (low, high) = _scaling(images, symmetric, scale, vmin, vmax, colorbar)
    cax = None
    if ax is None:
        mosaic = _mosaic(scaled, shape, ncols, pad, upsample=_upsampling(images, shape))
        _, (ax,), (cax,) = _panel_figure([mosaic.shape], [title], 1, zoom, [colorbar])
    else:
        mosaic = _mosaic(scaled, shape, ncols, pad)
    artist = _draw_mosaic(ax, mosaic, low, high, cmap)
    if title:
        ax.set_title(title, fontsize=10)
    if colorbar:
        if cax is None:
            ax.figure.colorbar(artist, ax=ax, fraction=0.05, pad=0.02)
        else:
            ax.figure.colorbar(artist, cax=cax)
    return ax


def _panel_figure(shapes, titles, per_row, zoom, colorbars, suptitle=None):
    """A figure with one axes per mosaic shape, each at ``zoom`` screen pixels per pixel.

    Panels go left to right, ``per_row`` to a row; a column is as wide as its widest
    panel (plus its colour bar), a row as tall as its tallest panel plus its longest
    title. Returns the figure, the axes and the colour-bar axes (None where none).
    """
    dpi = plt.rcParams["figure.dpi"]
    n = len(shapes)
    nrows = int(np.ceil(n / per_row))
    cells = [divmod(i, per_row) for i in range(n)]
    bar_in = [_COLORBAR_IN if cb else 0.0 for cb in colorbars]
    if zoom is None:
        col_px = [max(shapes[i][1] for i in range(n) if cells[i][1] == c)
                  for c in range(min(per_row, n))]
        row_px = [max(shapes[i][0] for i in range(n) if cells[i][0] == r) for r in range(nrows)]
        spare = (_PANEL_GAP_IN * (len(col_px) - 1) + max(bar_in) * len(col_px)) * dpi
        zoom = _fit_zoom(sum(col_px), sum(row_px), max_width=MAX_WIDTH_PX - spare)
    size = [((h * zoom + 0.01) / dpi, (w * zoom + 0.01) / dpi) for h, w in shapes]
    lines = [len(t.split("\n")) if t else 0 for t in titles]
    col_in = [max(size[i][1] + bar_in[i] for i in range(n) if cells[i][1] == c)
              for c in range(min(per_row, n))]
    row_in = [max(size[i][0] + _TITLE_IN * lines[i] for i in range(n) if cells[i][0] == r)
              for r in range(nrows)]
    top_in = _TITLE_IN * (len(suptitle.split("\n")) + 0.3) if suptitle else 0.0
    width = sum(col_in) + _PANEL_GAP_IN * (len(col_in) - 1)
    height = top_in + sum(row_in) + _PANEL_GAP_IN * (nrows - 1)
    fig = plt.figure(figsize=(width, height))
    axes, caxes = [], []
    for i, (r, c) in enumerate(cells):
        h, w = size[i]
        left = sum(col_in[:c]) + _PANEL_GAP_IN * c
        top = top_in + sum(row_in[:r]) + _PANEL_GAP_IN * r + _TITLE_IN * lines[i]
        bottom = height - top - h
        axes.append(fig.add_axes([left / width, bottom / height, w / width, h / height]))
        caxes.append(fig.add_axes([(left + w + 0.1) / width, bottom / height, 0.12 / width,
                                   h / height]) if colorbars[i] else None)
    if suptitle:
        fig.suptitle(suptitle, y=1 - 0.1 * _TITLE_IN / height, va="top")
    return fig, axes, caxes


def show_tile_panels(panels, per_row=1, zoom=None, suptitle=None, **options):
    """Several titled mosaics in one figure, all at the same size per pixel.

    For rows of images to compare (data, reconstructions, dreams), or
    snapshots of a dictionary as it learns.

    Parameters
    ----------
    panels : dict of str -> images or (images, dict)
        Title of each panel, and its images (n_images, h * w); a tuple adds
        :func:`show_tiles` options for that panel alone (e.g. its own ``vmin``).
    per_row : int, default=1
        Panels side by side.
    zoom : int, optional
        Screen pixels per image pixel (default: as large as fits, up to 4;
        tiny images are enlarged as in :func:`show_tiles`).
    suptitle : str, optional
    **options
        :func:`show_tiles` options shared by all panels (``ncols``, ``vmin``,
        ``vmax``, ``symmetric``, ``scale``, ``cmap``, ``colorbar``, ``shape``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> X = np.random.default_rng(0).random((8, 784))
    >>> fig = show_tile_panels({"data": X, "half": X / 2}, ncols=8, vmin=0, vmax=1)
    >>> [ax.get_title() for ax in fig.axes]
    ['data', 'half']
    >>> plt.close(fig)
    """
    if not isinstance(panels, dict) or not panels:
        raise TypeError("panels must be a non-empty dict of title -> images (or (images, options)).")
    prepared = []
    for title, value in panels.items():
        images, own = value if isinstance(value, tuple) else (value, {})
        settings = {**options, **own}
        unknown = set(settings) - _PANEL_OPTIONS
        if unknown:
            raise TypeError(f"panel {title!r}: unknown option(s) {sorted(unknown)}; "
                            f"expected some of {sorted(_PANEL_OPTIONS)}.")
        images = _as_images(images)
        scaled, limits = _scaling(images, settings.get("symmetric", True),
                                  settings.get("scale"), settings.get("vmin"),
                                  settings.get("vmax"), settings.get("colorbar", False))
        mosaic = _mosaic(scaled, settings.get("shape"), settings.get("ncols"),
                         settings.get("pad", 1), _upsampling(images, settings.get("shape")))
        prepared.append((title, mosaic, limits, settings))
    fig, axes, caxes = _panel_figure(
        [m.shape for _, m, _, _ in prepared], [t for t, *_ in prepared], per_row, zoom,
        [bool(s.get("colorbar")) for *_, s in prepared], suptitle)
    for ax, cax, (title, mosaic, (low, high), settings) in zip(axes, caxes, prepared):
        artist = _draw_mosaic(ax, mosaic, low, high, settings.get("cmap", "gray"))
        ax.set_title(title, fontsize=10)
        if cax is not None:
            fig.colorbar(artist, cax=cax)
    return fig


def show_image(image, ax=None, shape=None, title=None, cmap="gray", **imshow_kwargs):
    """Draw one image (a row of pixels or a 2-D array) with a thin frame and no ticks.

    The frame matters: a bright bar along an image's edge would otherwise melt
    into the white page. An image larger than its axes on screen is smoothed
    rather than sampled, so shrinking drops no detail. Returns the axes.

    Examples
    --------
    >>> ax = show_image(np.eye(4).ravel(), title="a diagonal")
    >>> plt.close(ax.figure)
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 1:
        image = image.reshape(shape if shape is not None else infer_shape(image.size))
    if ax is None:
        _, ax = plt.subplots(figsize=(2, 2))
    imshow_kwargs.setdefault("interpolation", _interpolation(ax, image.shape))
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
               suptitle=None, size=1.4, colorbar=False):
    """A grid of images, one framed subplot each, with gaps between rows and columns.

    Parameters
    ----------
    images : ndarray of shape (n_images, h * w)
    shape : tuple (h, w), optional
    ncols : int, default=8
    titles : list of str, optional
        One per image.
    cmap, vmin, vmax : passed to ``imshow``
        With ``vmin`` and ``vmax`` all images share one colour scale; without,
        each image is stretched to its own range.
    suptitle : str, optional
    size : float
        Inches per image.
    colorbar : bool, default=False
        One colour bar for the grid (needs ``vmin`` and ``vmax``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = image_grid(np.random.default_rng(0).random((10, 16)), ncols=5, vmin=0, vmax=1)
    >>> len(fig.axes)
    10
    >>> plt.close(fig)
    """
    images = _as_images(images)
    if colorbar and (vmin is None or vmax is None):
        raise ValueError("colorbar=True needs vmin and vmax: without them every image has "
                         "its own scale and a colour means no number.")
    h, w = shape if shape is not None else infer_shape(images.shape[1])
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    title_lines = max((len(t.split("\n")) for t in titles), default=0) if titles else 0
    cell_w, cell_h = size, size * h / w
    gap = 0.1 * size + 0.02
    title_h = 0.2 * title_lines
    top_h = 0.4 if suptitle else 0.05
    right = 0.8 if colorbar else 0.0
    width = ncols * cell_w + (ncols - 1) * gap + right
    height = top_h + nrows * (cell_h + title_h) + (nrows - 1) * gap + 0.05
    fig = plt.figure(figsize=(width, height))
    artists = []
    for i in range(n):
        r, c = divmod(i, ncols)
        left = c * (cell_w + gap)
        top = top_h + r * (cell_h + title_h + gap) + title_h
        ax = fig.add_axes([left / width, 1 - (top + cell_h) / height, cell_w / width,
                           cell_h / height])
        show_image(images[i], ax=ax, shape=(h, w), cmap=cmap, vmin=vmin, vmax=vmax,
                   title=None if titles is None else titles[i])
        artists.append(ax.images[0])
    if colorbar:
        cax = fig.add_axes([(width - right + 0.15) / width, 0.1, 0.12 / width, 0.8 - top_h / height])
        fig.colorbar(artists[0], cax=cax)
    if suptitle:
        fig.suptitle(suptitle, y=1 - 0.05 / height, va="top")
    return fig


def animation(frames, shape=None, titles=None, interval=200, ncols=8, cmap="gray",
              vmin=0.0, vmax=1.0, zoom=None):
    """An HTML animation of image mosaics, playable in JupyterLab and Colab.

    Parameters
    ----------
    frames : ndarray of shape (n_frames, n_images, h * w)
        One set of images per frame (e.g. dreams at successive training steps).
    shape : tuple (h, w), optional
    titles : list of str, optional
        One title per frame.
    interval : int
        Milliseconds between frames.
    ncols : int, default=8
        Images per row of each frame's mosaic.
    cmap, vmin, vmax
        One colour scale for every image of every frame.
    zoom : int, optional
        Screen pixels per image pixel (default: as large as fits, up to 4;
        tiny images are enlarged as in :func:`show_tiles`).

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML
    from matplotlib import animation as mpl_animation

    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim != 3:
        raise ValueError(f"frames must be (n_frames, n_images, h*w), got shape {frames.shape}.")
    if titles is not None and len(titles) != len(frames):
        raise ValueError(f"titles must have one entry per frame ({len(frames)}), got {len(titles)}.")
    mosaics = [_mosaic(frame, shape, ncols, 1, _upsampling(frame, shape)) for frame in frames]
    fig, (ax,), _ = _panel_figure([mosaics[0].shape], [titles[0] if titles else ""], 1, zoom,
                                  [False])
    artist = _draw_mosaic(ax, mosaics[0], vmin, vmax, cmap, interpolation="nearest")
    title = ax.set_title(titles[0] if titles else "", fontsize=10)

    def update(t):
        artist.set_data(np.ma.masked_invalid(mosaics[t]))
        if titles:
            title.set_text(titles[t])
        return [artist]

    anim = mpl_animation.FuncAnimation(fig, update, frames=len(frames), interval=interval)
    html = HTML(anim.to_jshtml(default_mode="loop"))
    plt.close(fig)
    return html
