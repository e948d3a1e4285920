"""The paper's comparison (§3.3, Fig 9-12): its own protocol, and a held-out one over many seeds.

The three models the paper compared:

* **naive**: a Helmholtz machine on the pixels (Beta visible units);
* **sparse**: the sparse-coding Helmholtz machine (:class:`~dreamlib.SparseHelmholtz`);
* **sparse + L1**: the same with an L1 penalty on the machine's weights (the
  paper's "Lasso Helmholtz").

:func:`paper_protocol` (from :mod:`dreamlib.paper`) measures them as the
authors did: each machine is trained on ONE image and its dreams during
training are scored against that same image (memorising one image). :func:`run_seed` trains all three for one
seed and measures them on held-out images (modelling a distribution);
:func:`compare` repeats it over seeds; :func:`summarize` turns the records
into mean and standard deviation. Reconstruction error is measured with
:func:`dreamlib.metrics.mse` (a mean over every pixel) and
:func:`dreamlib.metrics.psnr` with a stated ``data_range``; the authors'
``image_MSE`` and ``image_PSNR`` (``sparse_coding_utils.py``) are the same
measures for their 28x28 images.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import data as _data
from . import metrics
from .course import progress_bar
from ._validation import as_generator, check_positive, check_real_array
from .helmholtz import HelmholtzMachine
from .paper import (  # the authors' protocol, also reachable from here
    MODELS,
    PAPER_PROTOCOL,
    PAPER_RESULTS,
    paper_comparison,
    paper_protocol,
    paper_table,
    whitened_patches,
)
from .pipeline import SparseHelmholtz
from .sparse_coding import lca

__all__ = [
    "MODELS",
    "PAPER_PROTOCOL",
    "PAPER_RESULTS",
    "paper_protocol",
    "paper_comparison",
    "paper_table",
    "whitened_patches",
    "brightness_detail",
    "references",
    "natural_patches",
    "resize_images",
    "average_reconstruction",
    "nearest_distance",
    "run_seed",
    "over_seeds",
    "compare",
    "summarize",
    "markdown_table",

]


def natural_patches(n_patches, size=28, random_state=None):
    """Grey patches of the bundled photographs, pixels in [0, 1] as photographed (not whitened).

    Parameters
    ----------
    n_patches : int
    size : int, default=28
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_patches, size * size), values in [0, 1]
    """
    images = _data.natural_images(source="bundled")
    return np.clip(_data.patches(images, size=size, n_patches=n_patches,
                                 random_state=random_state), 0.0, 1.0)


def resize_images(X, shape, size=28):
    """Resize images given as rows to ``size x size`` (anti-aliased), e.g. faces for a 28x28 dictionary.

    Parameters
    ----------
    X : ndarray of shape (n_samples, h * w)
    shape : tuple (h, w)
    size : int, default=28

    Returns
    -------
    ndarray of shape (n_samples, size * size)
    """
    from skimage.transform import resize

    X = check_real_array(X, "X")
    h, w = shape
    if X.shape[1] != h * w:
        raise ValueError(f"X has {X.shape[1]} pixels per row, but shape={shape} needs {h * w}.")
    check_positive(size, "size", integer=True)
    return np.array([resize(x.reshape(h, w), (size, size), anti_aliasing=True).ravel() for x in X])


def average_reconstruction(model, X, n_samples=10, random_state=None):
    """Mean of ``n_samples`` stochastic reconstructions (one recognition sample each).

    Works for a :class:`~dreamlib.HelmholtzMachine` and a
    :class:`~dreamlib.SparseHelmholtz` alike, so both are measured the same way.

    Returns
    -------
    ndarray of the shape of X
    """
    check_positive(n_samples, "n_samples", integer=True)
    rng = as_generator(random_state)
    if isinstance(model, SparseHelmholtz):
        return model.reconstruct(X, n_samples=n_samples, random_state=rng)
    return np.mean([model.reconstruct(X, random_state=rng) for _ in range(n_samples)], axis=0)


def brightness_detail(X, X_hat):
    """The MSE of reconstructions, split exactly into brightness and detail.

    For each image, ``mean((x - x_hat)**2) = (mean(x) - mean(x_hat))**2 +
    mean(((x - mean(x)) - (x_hat - mean(x_hat)))**2)``: the error of its mean
    brightness plus the error of everything else. A flat patch at each
    image's own mean has no brightness error at all.

    Parameters
    ----------
    X, X_hat : ndarray of shape (n_samples, n_pixels)

    Returns
    -------
    brightness, detail : float
        Their mean over the images; they add up to ``metrics.mse(X, X_hat)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0]])
    >>> brightness_detail(X, np.array([[0.5, 0.5]]))     # right brightness, no detail
    (0.0, 0.25)
    """
    X = check_real_array(X, "X").astype(np.float64)
    X_hat = check_real_array(X_hat, "X_hat").astype(np.float64)
    if X.shape != X_hat.shape:
        raise ValueError(f"X and X_hat must have the same shape, got {X.shape} and {X_hat.shape}.")
    brightness = float(np.mean((X.mean(axis=1) - X_hat.mean(axis=1)) ** 2))
    detail = float(np.mean(((X - X.mean(axis=1, keepdims=True))
                            - (X_hat - X_hat.mean(axis=1, keepdims=True))) ** 2))
    return brightness, detail


def references(X_train, X_test, dictionary, lam, flat_patch=False, data_range=1.0, codes=None):
    """PSNR of two reconstructions that use no machine: the baselines of the comparison.

    * ``"sparse code only"``: ``lca(x) @ dictionary``, clipped to [0, data_range]
      (the best a sparse machine could do with this code);
    * a trivial guess: ``"flat patch (its mean)"``, each image replaced by its
      own mean brightness (``flat_patch=True``), or ``"mean training image"``.

    ``codes`` (the LCA codes of ``X_test``) skips computing them again.

    Returns
    -------
    dict of str -> float
    """
    X_train = check_real_array(X_train, "X_train")
    X_test = check_real_array(X_test, "X_test")
    if codes is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            codes = lca(X_test, dictionary, lam)
    if flat_patch:
        name, guess = "flat patch (its mean)", X_test.mean(axis=1, keepdims=True)
    else:
        name, guess = "mean training image", X_train.mean(axis=0, keepdims=True)
    return {
        "sparse code only": metrics.psnr(X_test, np.clip(codes @ dictionary, 0, data_range),
                                         data_range=data_range),
        name: metrics.psnr(X_test, np.broadcast_to(guess, X_test.shape), data_range=data_range),
    }


def nearest_distance(images, reference, batch=500):
    """Root-mean-square pixel distance from each image to its nearest row of ``reference``.

    A dream far from every training image is either new or bad; a dream at
    distance 0 is a copy. Compare with the same distance for held-out real
    images: a good generator's dreams are about as far from the training set
    as new real images are.

    Parameters
    ----------
    images : ndarray of shape (n, d)
    reference : ndarray of shape (m, d)

    Returns
    -------
    ndarray of shape (n,)
    """
    images = check_real_array(images, "images").astype(np.float64)
    reference = check_real_array(reference, "reference").astype(np.float64)
    if images.shape[1] != reference.shape[1]:
        raise ValueError(
            f"images have {images.shape[1]} pixels but reference has {reference.shape[1]}."
        )
    rr = np.einsum("ij,ij->i", reference, reference)
    out = np.empty(len(images))
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch]
        d2 = np.einsum("ij,ij->i", chunk, chunk)[:, None] + rr[None] - 2 * chunk @ reference.T
        out[start : start + batch] = np.sqrt(np.maximum(d2.min(axis=1), 0.0) / images.shape[1])
    return out


def run_seed(X_train, X_test, dictionary, lam, seed, *, hidden=(200,), n_epochs=20,
             learning_rate=1e-2, optimizer="adam", sparse_units="beta", l1=1e-3, n_recon_samples=10, n_dreams=200,
             data_range=1.0, train_codes=None, models=MODELS):
    """Train the three machines with one seed and measure them on held-out images.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n, d), values in [0, 1]
    dictionary : ndarray of shape (k, d)
        Unit-norm atoms for the sparse machines.
    lam : float
        LCA sparsity penalty.
    seed : int
        Seeds every machine (initial weights, minibatches, samples).
    hidden : sequence of int, default=(200,)
        Hidden layers of every machine, lowest first.
    n_epochs, learning_rate, optimizer : passed to every machine.
    sparse_units : {"beta", "spike-and-slab"}, default="beta"
        Visible units of the two sparse machines (the naive one has Beta units).
    l1 : float, default=1e-3
        L1 penalty of the "sparse + L1" machine.
    n_recon_samples : int, default=10
        Recognition samples averaged per reconstruction (:func:`average_reconstruction`).
    n_dreams : int, default=200
        Dreams per machine for the dream-distance measure.
    data_range : float, default=1.0
        Span of the pixel values, for PSNR.
    train_codes : ndarray of shape (n_train, k), optional
        LCA codes of ``X_train`` (computed here if not given; pass them to
        save time over seeds).
    models : sequence of str
        Which of :data:`MODELS` to run.

    Returns
    -------
    list of dict
        One record per model: ``model``, ``seed``, ``mse``, ``psnr`` (held-out
        reconstructions), ``mse_brightness`` and ``mse_detail`` (the MSE split by
        :func:`brightness_detail`), ``psnr_true_brightness`` (the PSNR had each
        reconstruction the true brightness: ``10 log10(R**2 / mse_detail)``),
        ``zero_weights`` (fraction of the machine's weights exactly 0),
        ``dream_distance`` (mean :func:`nearest_distance`
        from dreams to the training images) and ``reconstructions`` (of the
        first 8 test images) and ``dreams`` (the first 8).
    """
    X_train = check_real_array(X_train, "X_train")
    X_test = check_real_array(X_test, "X_test")
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"models must be among {MODELS}, got {sorted(unknown)}.")
    if train_codes is None and any(m != "naive" for m in models):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            train_codes = lca(X_train, dictionary, lam, tol=1e-3, max_iter=500)
    common = dict(n_epochs=n_epochs, learning_rate=learning_rate, optimizer=optimizer,
                  progress=False)
    records = []
    for name in models:
        if name == "naive":
            model = HelmholtzMachine([X_train.shape[1], *hidden], units="beta",
                                     random_state=seed, **common).fit(X_train)
            dreams = model.dream(n_dreams, visible="mean", random_state=seed)
        else:
            machine = HelmholtzMachine([None, *hidden], units=sparse_units,
                                       l1=l1 if name == "sparse + L1" else 0.0, **common)
            model = SparseHelmholtz(dictionary, machine, lam=lam,
                                    random_state=seed).fit(X_train, codes=train_codes)
            dreams = model.dream(n_dreams, visible="mean", random_state=seed)
        recon = average_reconstruction(model, X_test, n_recon_samples, random_state=seed)
        brightness, detail = brightness_detail(X_test, recon)
        machine = getattr(model, "machine_", model)
        weights = np.concatenate([w.ravel() for w in machine.generative_weights_
                                  + machine.recognition_weights_])
        records.append({
            "model": name,
            "seed": seed,
            "mse": float(metrics.mse(X_test, recon)),
            "psnr": float(metrics.psnr(X_test, recon, data_range=data_range)),
            "mse_brightness": brightness,
            "mse_detail": detail,
            "psnr_true_brightness": float(10 * np.log10(data_range**2 / detail)),
            "zero_weights": float(np.mean(weights == 0)),
            "dream_distance": float(nearest_distance(dreams, X_train).mean()),
            "reconstructions": recon[:8],
            "dreams": dreams[:8],
        })
    return records


def over_seeds(run, seeds, *, desc=None, progress=True):
    """``run(seed)`` for every seed, as an array: one measurement repeated over seeds.

    Parameters
    ----------
    run : callable
        Takes a seed, returns a number (or an array of numbers).
    seeds : sequence of int
    desc : str, optional
        Label of the progress bar.
    progress : bool, default=True

    Returns
    -------
    ndarray of shape (len(seeds), ...)

    Examples
    --------
    >>> over_seeds(lambda seed: seed ** 2, [1, 2, 3], progress=False)
    array([1, 4, 9])
    """
    seeds = progress_bar(list(seeds), desc=desc, disable=not progress)
    return np.array([run(seed) for seed in seeds])


def compare(X_train, X_test, dictionary, lam, seeds, progress=True, **kwargs):
    """:func:`run_seed` for every seed; the LCA codes of ``X_train`` are computed once.

    Returns
    -------
    list of dict
        The records of every seed and model.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = lca(check_real_array(X_train, "X_train"), dictionary, lam, tol=1e-3, max_iter=500)
    records = []
    for seed in progress_bar(list(seeds), desc="seeds", disable=not progress):
        records += run_seed(X_train, X_test, dictionary, lam, seed, train_codes=codes, **kwargs)
    return records


def summarize(records, keys=("mse", "psnr", "dream_distance")):
    """Mean and standard deviation (ddof=1) over seeds, per model.

    Returns
    -------
    dict
        ``{model: {key: (mean, std, n_seeds)}}``, models in the order first seen.
    """
    out = {}
    for name in dict.fromkeys(r["model"] for r in records):
        rows = [r for r in records if r["model"] == name]
        out[name] = {}
        for key in keys:
            values = np.array([r[key] for r in rows], dtype=np.float64)
            std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            out[name][key] = (float(values.mean()), std, len(values))
    return out


def markdown_table(summaries, keys=("mse", "psnr"), extra=None, digits=None):
    """A Markdown table of ``{dataset: summarize(records)}``: one row per dataset and model.

    Parameters
    ----------
    summaries : dict of str -> dict
        Dataset name -> the output of :func:`summarize`.
    keys : sequence of str
        Measures to show, each as ``mean ± std``.
    extra : dict of (dataset, model) -> str, optional
        One more column (e.g. the paper's result), by dataset and model.
    digits : dict of str -> int, optional
        Decimals per measure (default 4 for mse, 2 otherwise).

    Returns
    -------
    str
    """
    digits = {"mse": 4, **(digits or {})}
    names = {"mse": "MSE", "psnr": "PSNR (dB)", "dream_distance": "dream distance"}
    header = ["data", "model"] + [names.get(k, k) for k in keys] + (["paper"] if extra else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for dataset, summary in summaries.items():
        for model, stats in summary.items():
            cells = [dataset, model]
            for key in keys:
                mean, std, n = stats[key]
                d = digits.get(key, 2)
                cells.append(f"{mean:.{d}f} ± {std:.{d}f} (n={n})")
            if extra:
                cells.append(extra.get((dataset, model), ""))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
