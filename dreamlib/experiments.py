"""The paper's comparison (§3.3, Fig 9-12): its own protocol, and a held-out one over many seeds.

The three models the paper compared:

* **naive**: a Helmholtz machine on the pixels (Beta visible units);
* **sparse**: the sparse-coding Helmholtz machine (:class:`~dreamlib.SparseHelmholtz`);
* **sparse + L1**: the same with an L1 penalty on the machine's weights (the
  paper's "Lasso Helmholtz").

:func:`paper_protocol` measures them as the authors did: each machine is
trained on ONE image and its dreams during training are scored against that
same image (memorising one image). :func:`run_seed` trains all three for one
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
from tqdm.auto import tqdm

from . import data as _data
from . import metrics
from ._validation import check_array, check_positive, check_random_state
from .helmholtz import HelmholtzMachine
from .pipeline import SparseHelmholtz, code_scales, codes_to_units, units_to_codes
from .sparse_coding import lca

__all__ = [
    "MODELS",
    "PAPER_PROTOCOL",
    "PAPER_RESULTS",
    "paper_protocol",
    "natural_patches",
    "resize_images",
    "average_reconstruction",
    "nearest_distance",
    "run_seed",
    "compare",
    "summarize",
    "markdown_table",
]

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

    X = check_array(X, "X")
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
    rng = check_random_state(random_state)
    if isinstance(model, SparseHelmholtz):
        return model.reconstruct(X, n_samples=n_samples, random_state=rng)
    return np.mean([model.reconstruct(X, random_state=rng) for _ in range(n_samples)], axis=0)


def _min_max(images):
    lo = images.min(axis=-1, keepdims=True)
    span = images.max(axis=-1, keepdims=True) - lo
    return (images - lo) / np.where(span > 0, span, 1.0)


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
    image : ndarray of shape (n_pixels,), values in [0, 1]
        The training image, which is also the test image.
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
        authors did for natural images).
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
    image = check_array(np.atleast_2d(image), "image")
    if len(image) != 1:
        raise ValueError(f"image must be one image (a 1-D row of pixels), got {len(image)} rows.")
    if image.min() < 0 or image.max() > 1:
        raise ValueError("image must hold values in [0, 1].")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}.")
    check_positive(n_iter, "n_iter", integer=True)
    check_positive(score_every, "score_every", integer=True)
    rng = check_random_state(random_state)
    if model == "naive":
        units = image
    else:
        if dictionary is None:
            raise ValueError(f"model={model!r} needs a dictionary.")
        dictionary = check_array(dictionary, "dictionary")
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
        return np.clip(units_to_codes(np.clip(dream, 0, 1), scales) @ dictionary, 0.0, 1.0)

    iterations, dreams, done = [], [], 0
    for target in range(1, n_iter + 1, score_every):
        machine.partial_fit(np.repeat(units, target - done, axis=0))
        done = target
        iterations.append(done)
        dreams.append(decode(machine.dream(1, random_state=rng))[0])
    dreams = np.array(dreams, dtype=np.float64)
    reference = image[0].astype(np.float64)
    if normalize:
        dreams, reference = _min_max(dreams), _min_max(reference)
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
    images = check_array(images, "images").astype(np.float64)
    reference = check_array(reference, "reference").astype(np.float64)
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
             learning_rate=1e-2, l1=1e-3, n_recon_samples=10, n_dreams=200,
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
    n_epochs, learning_rate : passed to every machine.
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
        reconstructions), ``dream_distance`` (mean :func:`nearest_distance`
        from dreams to the training images) and ``reconstructions`` (of the
        first 8 test images) and ``dreams`` (the first 8).
    """
    X_train = check_array(X_train, "X_train")
    X_test = check_array(X_test, "X_test")
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"models must be among {MODELS}, got {sorted(unknown)}.")
    if train_codes is None and any(m != "naive" for m in models):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            train_codes = lca(X_train, dictionary, lam, tol=1e-3, max_iter=500)
    common = dict(n_epochs=n_epochs, learning_rate=learning_rate, progress=False)
    records = []
    for name in models:
        if name == "naive":
            model = HelmholtzMachine([X_train.shape[1], *hidden], units="beta",
                                     random_state=seed, **common).fit(X_train)
            dreams = model.dream(n_dreams, visible="mean", random_state=seed)
        else:
            machine = HelmholtzMachine([None, *hidden], units="beta",
                                       l1=l1 if name == "sparse + L1" else 0.0, **common)
            model = SparseHelmholtz(dictionary, machine, lam=lam,
                                    random_state=seed).fit(X_train, codes=train_codes)
            dreams = model.dream(n_dreams, visible="mean", random_state=seed)
        recon = average_reconstruction(model, X_test, n_recon_samples, random_state=seed)
        records.append({
            "model": name,
            "seed": seed,
            "mse": float(metrics.mse(X_test, recon)),
            "psnr": float(metrics.psnr(X_test, recon, data_range=data_range)),
            "dream_distance": float(nearest_distance(dreams, X_train).mean()),
            "reconstructions": recon[:8],
            "dreams": dreams[:8],
        })
    return records


def compare(X_train, X_test, dictionary, lam, seeds, progress=True, **kwargs):
    """:func:`run_seed` for every seed; the LCA codes of ``X_train`` are computed once.

    Returns
    -------
    list of dict
        The records of every seed and model.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = lca(check_array(X_train, "X_train"), dictionary, lam, tol=1e-3, max_iter=500)
    records = []
    for seed in tqdm(list(seeds), desc="seeds", disable=not progress):
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
