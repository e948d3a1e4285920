"""Receptive-field measures of dictionary atoms: are they localized, oriented, band-pass?

V1 simple cells respond to a small patch of the visual field (localized), to
edges and bars of one orientation (oriented) and to one range of spatial
frequencies (band-pass): their receptive fields look like Gabor functions.
:func:`atom_tuning` measures these three properties for every atom, from its
pixels and from its Fourier power spectrum, so a notebook can *show* that a
learned dictionary is V1-like rather than just say it.
"""

import numpy as np

from ._validation import check_positive, check_real_array

__all__ = ["gabor", "atom_tuning", "gabor_like", "radial_amplitude_spectrum"]


def gabor(shape, frequency, orientation, sigma, center=None, phase=0.0):
    """A Gabor function: a cosine grating under a Gaussian envelope, unit norm.

    Parameters
    ----------
    shape : tuple (h, w)
    frequency : float
        Spatial frequency of the grating in cycles per pixel (below 0.5).
    orientation : float
        Direction of the grating's wave vector (across the stripes), in
        radians, counter-clockwise from the x axis (columns to the right; rows
        count downwards, so y points down the image).
    sigma : float
        Width of the Gaussian envelope in pixels.
    center : tuple (row, col), optional
        Default the middle of the image.
    phase : float, default=0
        Phase of the cosine at the centre (0: even, symmetric; pi/2: odd).

    Returns
    -------
    ndarray of shape (h * w,), unit Euclidean norm

    Examples
    --------
    >>> g = gabor((28, 28), frequency=0.15, orientation=0.0, sigma=3.0)
    >>> g.shape
    (784,)
    """
    h, w = shape
    check_positive(frequency, "frequency")
    check_positive(sigma, "sigma")
    if frequency >= 0.5:
        raise ValueError(f"frequency must be below 0.5 cycles per pixel, got {frequency!r}.")
    cy, cx = ((h - 1) / 2, (w - 1) / 2) if center is None else center
    y, x = np.mgrid[0:h, 0:w]
    x, y = x - cx, y - cy
    along = x * np.cos(orientation) + y * np.sin(orientation)
    g = np.exp(-(x**2 + y**2) / (2 * sigma**2)) * np.cos(2 * np.pi * frequency * along + phase)
    g = g.ravel()
    return g / np.linalg.norm(g)


def atom_tuning(dictionary, shape=None, pad=128):
    """Orientation, spatial frequency, localization and band-pass measures of every atom.

    From each atom's power spectrum ``|FFT(atom)|**2`` (zero-padded to
    ``pad x pad`` for a finer frequency grid, 1/pad cycles per pixel):

    - ``frequency``: the spatial frequency of the spectral peak, cycles/pixel;
    - ``orientation``: the direction of the peak's wave vector, in [0, pi)
      radians (across the stripes; an edge runs at ``orientation + pi/2``);
    - ``orientation_selectivity``: ``|sum P exp(2i phi)| / sum P`` over the
      spectrum: 1 for a single grating, 0 for an isotropic pattern (a blob, a
      centre-surround cell, white noise);
    - ``dc_ratio``: power at frequency zero over power at the peak (0 for a
      band-pass atom, 1 for a low-pass one);

    and from its pixels:

    - ``spread``: the root-mean-square distance of the atom's energy ``a**2``
      from its centre, as a fraction of the patch side (about 0.41 for an atom
      spread evenly over the patch, ``sigma / side`` for a Gabor of envelope
      width ``sigma``).

    Parameters
    ----------
    dictionary : ndarray of shape (n_components, h * w)
    shape : tuple (h, w), optional
        Atom shape; square atoms are inferred.
    pad : int, default=128
        Side of the zero-padded Fourier transform (at least the atom side).

    Returns
    -------
    dict of str -> ndarray of shape (n_components,)
        The measures above, by name.

    Examples
    --------
    >>> g = gabor((28, 28), frequency=0.2, orientation=np.pi / 4, sigma=3.0)
    >>> t = atom_tuning(g[None])
    >>> round(float(t["frequency"][0]), 2), round(float(t["orientation"][0]), 2)
    (0.2, 0.79)
    """
    D = check_real_array(dictionary, "dictionary")
    n, n_features = D.shape
    if shape is None:
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features:
            raise ValueError(
                f"cannot infer a square atom shape from {n_features} pixels; pass shape=(h, w)."
            )
        shape = (side, side)
    h, w = shape
    if h * w != n_features:
        raise ValueError(f"shape={shape} has {h * w} pixels but the atoms have {n_features}.")
    check_positive(pad, "pad", integer=True)
    if pad < max(h, w):
        raise ValueError(f"pad must be at least the atom side {max(h, w)}, got {pad}.")
    atoms = D.reshape(n, h, w)

    power = np.abs(np.fft.fft2(atoms, s=(pad, pad))) ** 2
    fy = np.fft.fftfreq(pad)[:, None]  # rows: y grows downwards, as in gabor()
    fx = np.fft.fftfreq(pad)[None, :]
    radius = np.hypot(fx, fy)
    angle = np.arctan2(fy, fx)
    flat = power.reshape(n, -1)
    peak = flat.argmax(axis=1)
    frequency = radius.ravel()[peak]
    orientation = np.mod(np.broadcast_to(angle, (pad, pad)).ravel()[peak], np.pi)
    total = np.maximum(flat.sum(axis=1), np.finfo(float).tiny)
    doubled = (flat * np.exp(2j * np.broadcast_to(angle, (pad, pad)).ravel())).sum(axis=1)
    selectivity = np.abs(doubled) / total
    dc_ratio = flat[:, 0] / np.maximum(flat.max(axis=1), np.finfo(float).tiny)

    energy = atoms**2
    mass = np.maximum(energy.sum(axis=(1, 2)), np.finfo(float).tiny)
    y, x = np.mgrid[0:h, 0:w]
    cy = (energy * y).sum(axis=(1, 2)) / mass
    cx = (energy * x).sum(axis=(1, 2)) / mass
    dist2 = (y[None] - cy[:, None, None]) ** 2 + (x[None] - cx[:, None, None]) ** 2
    spread = np.sqrt((energy * dist2).sum(axis=(1, 2)) / mass) / np.sqrt(h * w)

    return {
        "frequency": frequency,
        "orientation": orientation,
        "orientation_selectivity": selectivity,
        "dc_ratio": dc_ratio,
        "spread": spread,
    }


def gabor_like(tuning, *, max_spread=0.25, min_selectivity=0.3, max_dc_ratio=0.5):
    """Which atoms are localized, oriented and band-pass, from :func:`atom_tuning`.

    Parameters
    ----------
    tuning : dict
        The output of :func:`atom_tuning`.
    max_spread : float, default=0.25
        Localized: energy within this fraction of the patch side (an atom spread
        over the whole patch scores about 0.41).
    min_selectivity : float, default=0.3
        Oriented: orientation selectivity at least this.
    max_dc_ratio : float, default=0.5
        Band-pass: power at frequency zero at most this fraction of the peak
        (0.5 is the usual half-power, -3 dB, edge of a band).

    Returns
    -------
    dict of str -> boolean ndarray
        ``localized``, ``oriented``, ``band_pass`` and ``all`` (all three).
    """
    localized = tuning["spread"] <= max_spread
    oriented = tuning["orientation_selectivity"] >= min_selectivity
    band_pass = tuning["dc_ratio"] <= max_dc_ratio
    return {
        "localized": localized,
        "oriented": oriented,
        "band_pass": band_pass,
        "all": localized & oriented & band_pass,
    }


def radial_amplitude_spectrum(image, n_bins=40):
    """Amplitude spectrum of an image averaged over orientations, against frequency.

    Natural photographs fall off roughly as ``1/f``; whitening flattens this.

    Parameters
    ----------
    image : ndarray of shape (h, w)
    n_bins : int, default=40
        Frequency bins between 0 and 0.5 cycles per pixel.

    Returns
    -------
    frequency : ndarray of shape (n_bins,)
        Bin centres, cycles per pixel.
    amplitude : ndarray of shape (n_bins,)
        Mean ``|FFT|`` in each bin (the image mean removed first).
    """
    image = check_real_array(image, "image")
    check_positive(n_bins, "n_bins", integer=True)
    h, w = image.shape
    amplitude = np.abs(np.fft.fft2(image - image.mean()))
    radius = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :])
    edges = np.linspace(0, 0.5, n_bins + 1)
    which = np.digitize(radius.ravel(), edges) - 1
    keep = (which >= 0) & (which < n_bins) & (radius.ravel() > 0)
    total = np.bincount(which[keep], amplitude.ravel()[keep], minlength=n_bins)
    count = np.bincount(which[keep], minlength=n_bins)
    return 0.5 * (edges[1:] + edges[:-1]), total / np.maximum(count, 1)
