"""What the paper's authors ran: their protocol for §3.3 (Figs 9-12), their settings, their results.

The authors' ``Sparse_Coding_Demo.ipynb`` (GitHub saarangp/dreammachines, cells 20-34) trained
each Helmholtz machine on ONE image and scored the dreams of its training run against that same
image. :func:`paper_protocol` runs that protocol with dreamlib's machine; :func:`paper_comparison`
runs it for every dataset, model and seed; :func:`paper_table` puts our numbers beside theirs.
It measures memorising one image; :mod:`dreamlib.experiments` has the held-out comparison.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import data, metrics
from .course import progress_bar
from ._validation import as_generator, check_positive, check_real_array
from .helmholtz import HelmholtzMachine
from .pipeline import code_scales, codes_to_units, units_to_codes
from .sparse_coding import lca

__all__ = ["MODELS", "PAPER_PROTOCOL", "PAPER_RESULTS", "whitened_patches", "min_max",
           "paper_protocol", "paper_comparison", "paper_table"]

#: The three machines, in the paper's order.
MODELS = ("naive", "sparse", "sparse + L1")

#: The authors' protocol (``Sparse_Coding_Demo.ipynb``, cells 20-34, GitHub saarangp/dreammachines):
#: ``helmholtz([784, 32], 'beta', .05)`` builds layers of 784, 32 and 1 units (``helmholtz.py``);
#: it is trained 5,000 times on one image, one wake and one sleep phase each, with step 0.05;
#: ``SparseHelmholtz`` subtracts ``0.1 * sign(W)`` after each phase (``lmbda=0.1``), which the
#: proximal L1 step ``learning_rate * l1`` matches with ``l1 = 0.1 / 0.05 = 2``; every 100th dream
#: is scored (every 1,000th for the two sparse machines on the natural image).
PAPER_PROTOCOL = {
    "hidden": (32, 1),
    "learning_rate": 0.05,
    "n_iter": 5000,
    "l1": 2.0,
    "score_every": {("mnist", "naive"): 100, ("mnist", "sparse"): 100,
                    ("mnist", "sparse + L1"): 100, ("natural", "naive"): 100,
                    ("natural", "sparse"): 1000, ("natural", "sparse + L1"): 1000},
}

#: The authors' results, read by eye from the bar charts their notebook drew
#: (``Sparse_Coding_Demo.ipynb`` cells 26-27 and 33-34, the paper's Figs 10 and 12; about
#: ±0.003 in MSE and ±0.2 dB): ``{(data, model): (mean MSE, best MSE, mean PSNR, best PSNR)}``
#: over the dreams they scored. Not computed here: they are the values to compare with.
PAPER_RESULTS = {
    ("mnist", "naive"): (0.075, 0.047, 11.7, 13.2),
    ("mnist", "sparse"): (0.099, 0.087, 10.1, 10.6),
    ("mnist", "sparse + L1"): (0.101, 0.092, 10.0, 10.35),
    ("natural", "naive"): (0.129, 0.114, 8.85, 9.4),
    ("natural", "sparse"): (0.0265, 0.0147, 16.5, 18.35),
    ("natural", "sparse + L1"): (0.0555, 0.054, 12.55, 12.6),
}


def min_max(images):
    """Each image (row) rescaled to span [0, 1], as the authors scored natural images.

    A constant image comes back unchanged minus its value (all zeros).

    Examples
    --------
    >>> min_max(np.array([[-2.0, 0.0, 2.0]]))
    array([[0. , 0.5, 1. ]])
    """
    images = np.asarray(images, dtype=np.float64)
    lo = images.min(axis=-1, keepdims=True)
    span = images.max(axis=-1, keepdims=True) - lo
    return (images - lo) / np.where(span > 0, span, 1.0)


def whitened_patches(n_patches, size=28, f0=data.OLSHAUSEN_F0, random_state=None):
    """Patches like the authors' natural images: tiles of photographs whitened as ``IMAGES.mat`` was.

    The authors' natural image ``X[2000]`` was a 28x28 tile of Olshausen & Field's ``IMAGES.mat``
    (``Sparse_Coding_Demo.ipynb`` cell 14, ``get_natural_images`` in ``sparse_coding_utils.py``),
    photographs whitened with roll-off ``f0 = 200/512`` cycles per pixel: zero mean, signed values,
    not pixels in [0, 1]. These are patches of the bundled photographs whitened by the same filter
    (:func:`dreamlib.data.whiten`).

    Parameters
    ----------
    n_patches : int
    size : int, default=28
    f0 : float, default=200/512
        Whitening roll-off in cycles per pixel.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_patches, size * size)
        Signed values; each whitened photograph has unit variance.
    """
    images = [data.whiten(image, f0=f0) for image in data.natural_images(source="bundled")]
    return data.patches(images, size=size, n_patches=n_patches, random_state=random_state)


def paper_protocol(image, model="naive", *, dictionary=None, lam=0.1, n_iter=5000,
                   score_every=100, normalize=False, hidden=(32, 1), learning_rate=0.05,
                   l1=2.0, beta_parameterization="paper", random_state=None):
    """The paper's measurement: train on ONE image, score the dreams of training against it.

    As in the authors' ``Sparse_Coding_Demo.ipynb`` (cells 20-34): a machine
    is trained ``n_iter`` times on the single ``image``, one wake and one sleep
    phase per iteration with step ``learning_rate`` (plain delta rule), and a
    dream is drawn after every iteration; the dreams after iterations 1,
    ``1 + score_every``, ``1 + 2 score_every``, ... are scored against the
    *same* image with MSE and PSNR (data range 1), and the mean and the best
    of those scores are reported (their Figs 10 and 12). It measures how well
    a machine memorises one image, not how it models images it has not seen.

    The machine is a :class:`~dreamlib.HelmholtzMachine` with the authors'
    layers (the image, then ``hidden``: their ``[784, 32]`` built 784-32-1),
    their Beta(p, 1) visible units, zero initial weights and biases, batches
    of one image and ``optimizer="sgd"``. What still differs from their code
    (``helmholtz.py``): our hidden units are binary (theirs were Beta(p, 1)
    samples too), and every layer has biases that learn (theirs: only the
    top unit's). The sparse machines see the image's LCA code through
    :func:`~dreamlib.pipeline.codes_to_units` (sign split, exponential
    squash) and their dreams are decoded by the exact inverse and the
    dictionary, clipped to [0, 1]; the authors fed the raw signed codes to
    Beta units and decoded the Beta samples in [0, 1] as codes. "sparse + L1"
    shrinks every weight by ``learning_rate * l1`` per iteration (exact zeros);
    theirs subtracted ``0.1 * sign(W)`` after each phase.

    Parameters
    ----------
    image : ndarray of shape (n_pixels,)
        The training image, which is also the test image: values in [0, 1], or any values
        with ``normalize=True`` (e.g. a whitened patch, :func:`whitened_patches`, as the
        authors' natural image was; the naive machine then learns its min-max normalised
        pixels, the sparse ones its code).
    model : {"naive", "sparse", "sparse + L1"}
        Pixels, the sparse code, or the sparse code with the L1 penalty.
    dictionary : ndarray of shape (k, n_pixels), optional
        Unit-norm atoms; required for the sparse machines.
    lam : float, default=0.1
        LCA sparsity penalty of the code.
    n_iter : int, default=5000
        Training iterations (one image each).
    score_every : int, default=100
        Score the dream of every ``score_every``-th iteration.
    normalize : bool, default=False
        Min-max normalise each dream and the image before scoring (the
        authors did for natural images); decoded dreams are then not clipped.
    hidden : sequence of int, default=(32, 1)
        Hidden layers, lowest first.
    learning_rate : float, default=0.05
    l1 : float, default=2.0
        L1 penalty of "sparse + L1" (ignored by the others).
    beta_parameterization : {"paper", "mean"}, default="paper"
        The visible Beta units (see :class:`~dreamlib.HelmholtzMachine`).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    dict
        ``iterations`` (the scored iterations, counted from 1), ``dreams``
        (the scored dreams as images, normalised if ``normalize``), ``mse``
        and ``psnr`` (per scored dream), ``mean_mse``, ``best_mse``,
        ``mean_psnr``, ``best_psnr``, ``zero_weights`` (fraction of weights
        exactly 0 at the end) and ``machine`` (the trained machine).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros(16); image[:4] = 1.0
    >>> out = paper_protocol(image, n_iter=300, hidden=(4, 1), random_state=0)
    >>> out["iterations"][:3].tolist(), out["psnr"].shape
    ([1, 101, 201], (3,))
    """
    image = check_real_array(np.atleast_2d(image), "image")
    if len(image) != 1:
        raise ValueError(f"image must be one image (a 1-D row of pixels), got {len(image)} rows.")
    if not normalize and (image.min() < 0 or image.max() > 1):
        raise ValueError("image must hold values in [0, 1] (or pass normalize=True, as for a "
                         "whitened image).")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}.")
    check_positive(n_iter, "n_iter", integer=True)
    check_positive(score_every, "score_every", integer=True)
    rng = as_generator(random_state)
    if model == "naive":
        units = min_max(image) if normalize else image
    else:
        if dictionary is None:
            raise ValueError(f"model={model!r} needs a dictionary.")
        dictionary = check_real_array(dictionary, "dictionary")
        if dictionary.shape[1] != image.shape[1]:
            raise ValueError(f"dictionary atoms have {dictionary.shape[1]} pixels, the image "
                             f"{image.shape[1]}.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            codes = lca(image, dictionary, lam)
        scales = code_scales(codes)
        units = codes_to_units(codes, scales)
    machine = HelmholtzMachine(
        [units.shape[1], *hidden], units="beta", beta_parameterization=beta_parameterization,
        optimizer="sgd", learning_rate=learning_rate, batch_size=1, init_scale=0.0,
        l1=l1 if model == "sparse + L1" else 0.0, progress=False, random_state=rng,
    ).initialize(units)
    for bias in machine.generative_biases_:
        bias[:] = 0.0          # the authors' machine starts from zero, biases included

    def decode(dream):
        if model == "naive":
            return dream
        decoded = units_to_codes(np.clip(dream, 0, 1), scales) @ dictionary
        return decoded if normalize else np.clip(decoded, 0.0, 1.0)

    iterations, dreams, done = [], [], 0
    for target in range(1, n_iter + 1, score_every):
        machine.partial_fit(np.repeat(units, target - done, axis=0))
        done = target
        iterations.append(done)
        dreams.append(decode(machine.dream(1, random_state=rng))[0])
    dreams = np.array(dreams, dtype=np.float64)
    reference = image[0].astype(np.float64)
    if normalize:
        dreams, reference = min_max(dreams), min_max(reference)
    mse = metrics.mse(np.broadcast_to(reference, dreams.shape), dreams, axis=1)
    psnr = metrics.psnr(np.broadcast_to(reference, dreams.shape), dreams, data_range=1.0, axis=1)
    weights = np.concatenate([w.ravel() for w in machine.generative_weights_
                              + machine.recognition_weights_])
    return {
        "iterations": np.array(iterations), "dreams": dreams, "mse": mse, "psnr": psnr,
        "mean_mse": float(mse.mean()), "best_mse": float(mse.min()),
        "mean_psnr": float(psnr.mean()), "best_psnr": float(psnr.max()),
        "zero_weights": float(np.mean(weights == 0)), "machine": machine,
    }


def paper_comparison(images, dictionary, lam, seeds, n_iter=5000, progress=True):
    """:func:`paper_protocol` for every dataset, model and seed, with the authors' scoring.

    Parameters
    ----------
    images : dict
        ``{"mnist": image, "natural": image}`` (either may be left out): the
        one training image each. Natural-image dreams are min-max normalised,
        as the authors did; dreams are scored every
        ``PAPER_PROTOCOL["score_every"]`` iterations, scaled by ``n_iter / 5000``.
    dictionary : ndarray of shape (k, n_pixels)
    lam : float
    seeds : sequence of int
    n_iter : int, default=5000

    Returns
    -------
    dict
        ``{(data, model): [paper_protocol result per seed]}``.
    """
    runs = {}
    jobs = [(data, model) for data in images for model in MODELS]
    for data, model in progress_bar(jobs, desc="paper protocol", disable=not progress):
        if data not in ("mnist", "natural"):
            raise ValueError(f"images must be keyed 'mnist' or 'natural', got {data!r}.")
        every = max(1, PAPER_PROTOCOL["score_every"][data, model] * n_iter // 5000)
        runs[data, model] = [
            paper_protocol(images[data], model, dictionary=dictionary, lam=lam, n_iter=n_iter,
                           score_every=every, normalize=data == "natural", random_state=seed)
            for seed in seeds]
    return runs


def _mean_std(values, digits):
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def paper_table(runs, labels=None):
    """A Markdown table of :func:`paper_comparison`: ours (mean ± std over seeds) and the paper's.

    Returns
    -------
    str
    """
    labels = labels or {}
    keys = (("mean_mse", 4), ("best_mse", 4), ("mean_psnr", 2), ("best_psnr", 2))
    lines = ["| data | model | mean MSE | best MSE | mean PSNR (dB) | best PSNR (dB) "
             "| weights exactly 0 |", "|---|---|---|---|---|---|---|"]
    for (data, model), results in runs.items():
        paper = dict(zip([k for k, _ in keys], PAPER_RESULTS[data, model]))
        cells = [f"{_mean_std([r[k] for r in results], d)} (paper {paper[k]})" for k, d in keys]
        zeros = _mean_std([r["zero_weights"] for r in results], 3)
        lines.append(f"| {labels.get(data, data)} | {model} | " + " | ".join(cells)
                     + f" | {zeros} |")
    return "\n".join(lines)
