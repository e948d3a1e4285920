"""Are a dictionary's atoms parts or prototypes? Measures, and the masking study over seeds.

On similar images (digits, faces) sparse coding learns atoms that are whole
images, "different versions of the images" (the paper's Fig 7). The paper's
§4 proposes foveated masking (:mod:`dreamlib.masking`) to get parts instead.
:func:`part_measures` turns "part-like" into numbers:

- **spread**: how far an atom's energy reaches from its centre, as a fraction
  of the image side (:func:`dreamlib.tuning.atom_tuning`); a part is small;
- **image similarity**: the best absolute cosine between an atom and any
  whole training image (:func:`image_similarity`); a prototype is close to 1;
- **window similarity**: the best absolute cosine between an atom and a plain
  Gaussian bump of any centre and width (:func:`window_similarity`). Masking
  can teach the dictionary the window itself: an atom that is just a bump
  is localized, but it is not a part of anything. **Bump share**: the share of
  atoms whose window similarity exceeds 0.9;
- **active atoms**: how many atoms a held-out image uses (LCA at ``lam``);
  parts need more of them per image than prototypes do;
- **coding error**: how much of a held-out image's energy its code misses,
  ``||x - a D||**2 / ||x||**2``, with the LCA at ``lam``; and, for a fair
  comparison of dictionaries at equal sparsity, with exactly ``k`` atoms per
  image (:func:`error_with_k_atoms`).

:func:`masking_study` learns a dictionary with and without masking for every
seed and measures both; ``dreamlib.experiments.summarize`` turns its records
into mean and standard deviation.
"""

import functools
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import orthogonal_mp_gram
from threadpoolctl import threadpool_limits

from ._validation import check_dictionary, check_positive, check_real_array
from .course import progress_bar
from .masking import foveate, gaussian_window
from .metrics import recovery_score
from .sparse_coding import lca, learn_dictionary, normalize_rows
from .tuning import atom_tuning

__all__ = ["image_similarity", "window_similarity", "coding_error", "error_with_k_atoms",
           "part_measures", "masking_study", "MEASURES", "BUMP_THRESHOLD"]

#: An atom whose window similarity exceeds this is counted as a bump.
BUMP_THRESHOLD = 0.9
#: The measures of :func:`part_measures`, by key, with a readable name.
MEASURES = {
    "spread": "atom spread (fraction of side)",
    "image_similarity": "similarity to a whole image",
    "window_similarity": "similarity to a Gaussian bump",
    "bump_share": "share of atoms that are bumps",
    "active": "active atoms per image",
    "error": "held-out error (LCA)",
}


def image_similarity(dictionary, images):
    """For each atom, its best absolute cosine similarity with any of ``images``.

    1 means the atom is (up to sign and scale) one of the images: a prototype.

    Parameters
    ----------
    dictionary : ndarray of shape (n_components, n_features)
    images : ndarray of shape (n_images, n_features)

    Returns
    -------
    ndarray of shape (n_components,), values in [0, 1]

    Examples
    --------
    >>> image_similarity(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 0.0]])).round(3)
    array([1.   , 0.707])
    """
    images = check_real_array(images, "images")
    D = check_dictionary(dictionary, images.shape[1])
    norms = np.linalg.norm(images, axis=1)
    keep = norms > 0
    if not keep.any():
        raise ValueError("images are all zero: no similarity is defined.")
    return np.abs(normalize_rows(D) @ (images[keep] / norms[keep, None]).T).max(axis=1)


def window_similarity(dictionary, shape=None, widths=(0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.45)):
    """For each atom, its best absolute cosine similarity with a Gaussian bump.

    The bumps are :func:`dreamlib.masking.gaussian_window` centred on every
    pixel, with every width in ``widths``. 1 means the atom *is* such a bump:
    a blob that a masked dictionary may learn from the masks themselves.

    Parameters
    ----------
    dictionary : ndarray of shape (n_components, height * width)
    shape : tuple (height, width), optional
        Square atoms are inferred.
    widths : sequence of float
        Bump widths ``sigma`` as fractions of the image side ``sqrt(height * width)``.

    Returns
    -------
    ndarray of shape (n_components,), values in [0, 1]

    Examples
    --------
    >>> bump = gaussian_window((9, 9), center=(2, 6), width=0.9)
    >>> bar = np.zeros((9, 9)); bar[4] = 1.0                 # a bar is no bump
    >>> window_similarity(np.vstack([bump, bar.ravel()])).round(2)
    array([1.  , 0.47])
    """
    D = normalize_rows(check_real_array(dictionary, "dictionary")).astype(np.float32)
    side = int(round(np.sqrt(D.shape[1])))
    if shape is None:
        if side * side != D.shape[1]:
            raise ValueError(f"cannot infer a square shape from {D.shape[1]} pixels; pass shape.")
        shape = (side, side)
    h, w = shape
    if h * w != D.shape[1]:
        raise ValueError(f"shape={shape} has {h * w} pixels but the atoms have {D.shape[1]}.")
    for fraction in widths:
        check_positive(fraction, "widths")
    best = np.zeros(len(D))
    for bumps in _bumps((h, w), tuple(float(f) for f in widths)):
        best = np.maximum(best, np.abs(D @ bumps.T).max(axis=1))
    return best


@functools.lru_cache(maxsize=4)
def _bumps(shape, widths):
    """Unit-norm Gaussian bumps on every pixel, one (n_pixels, n_pixels) block per width."""
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w]
    centers = np.column_stack([rows.ravel(), cols.ravel()]).astype(np.float64)
    return [normalize_rows(gaussian_window(shape, centers, f * np.sqrt(h * w))).astype(np.float32)
            for f in widths]


def coding_error(X, codes, dictionary):
    """The fraction of the images' energy a code misses: ``||X - codes @ D||**2 / ||X||**2``.

    Examples
    --------
    >>> coding_error(np.array([[3.0, 4.0]]), np.array([[3.0]]), np.array([[1.0, 0.0]]))
    0.64
    """
    X = check_real_array(X, "X")
    residual = X - codes @ dictionary
    return float(np.sum(residual**2) / np.sum(X**2))


def error_with_k_atoms(dictionary, X, ks):
    """Coding error of ``X`` with exactly ``k`` atoms per image, for every ``k`` in ``ks``.

    The codes come from orthogonal matching pursuit (scikit-learn's
    ``orthogonal_mp_gram``): greedy, and exact least squares on the atoms it
    picks. Comparing dictionaries at the same ``k`` compares them at equal
    sparsity, whatever penalty each would need for it.

    Parameters
    ----------
    dictionary : ndarray of shape (n_components, n_features)
    X : ndarray of shape (n_samples, n_features)
    ks : sequence of int
        Atoms per image, each at most ``n_components``.

    Returns
    -------
    ndarray of shape (len(ks),)
        :func:`coding_error` at each ``k``.

    Examples
    --------
    >>> error_with_k_atoms(np.eye(3), np.array([[3.0, 0.0, 4.0]]), [1, 2]).round(2)
    array([0.36, 0.  ])
    """
    X = check_real_array(X, "X")
    D = check_dictionary(dictionary, X.shape[1])
    gram, drive = D @ D.T, D @ X.T
    errors = []
    for k in ks:
        check_positive(k, "ks", integer=True)
        if k > len(D):
            raise ValueError(f"k={k} atoms per image is more than the {len(D)} atoms.")
        with warnings.catch_warnings():
            # OMP stops early (and warns) when the atoms it has chosen already span the image
            warnings.filterwarnings("ignore", "Orthogonal matching pursuit ended prematurely")
            codes = orthogonal_mp_gram(gram, drive, n_nonzero_coefs=k).T
        errors.append(coding_error(X, codes, D))
    return np.array(errors)


def part_measures(dictionary, X_train, X_test, lam, *, shape=None):
    """How part-like a dictionary is, and how well it codes held-out images.

    Parameters
    ----------
    dictionary : ndarray of shape (n_components, n_features)
        Unit-norm atoms.
    X_train : ndarray of shape (n_train, n_features)
        The (unmasked) training images, for the image similarity.
    X_test : ndarray of shape (n_test, n_features)
        Held-out (unmasked) images, for the activity and the coding error.
    lam : float
        LCA sparsity penalty.
    shape : tuple (height, width), optional
        Image shape; square images are inferred.

    Returns
    -------
    dict of str -> float
        ``spread``, ``image_similarity`` and ``window_similarity`` (medians
        over atoms), ``bump_share`` (window similarity above
        :data:`BUMP_THRESHOLD`), ``active`` (mean over held-out images) and ``error``
        (over all held-out images): the keys of :data:`MEASURES`.

    Examples
    --------
    >>> from dreamlib.data import bars
    >>> X, true = bars(200, size=8, random_state=0)
    >>> m = part_measures(normalize_rows(true), X[:100], X[100:], lam=0.1)
    >>> round(m["spread"], 3)   # a bar: sqrt((8**2 - 1) / 12) / 8, spread evenly along a side
    0.286
    """
    X_train = check_real_array(X_train, "X_train")
    X_test = check_real_array(X_test, "X_test")
    D = check_dictionary(dictionary, X_test.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = lca(X_test, D, lam)
    bumpiness = window_similarity(D, shape)
    return {
        "spread": float(np.median(atom_tuning(D, shape=shape)["spread"])),
        "image_similarity": float(np.median(image_similarity(D, X_train))),
        "window_similarity": float(np.median(bumpiness)),
        "bump_share": float(np.mean(bumpiness > BUMP_THRESHOLD)),
        "active": float(np.count_nonzero(codes, axis=1).mean()),
        "error": coding_error(X_test, codes, D),
    }


def masking_study(X_train, X_test, n_components, lam, seeds, *, shape=None, masking=None,
                  n_iter=500, batch_size=100, components=None, models=("plain", "masked"),
                  blas_threads=1, progress=True):
    """Dictionaries learned with and without foveated masking, measured, for every seed.

    For each seed: a dictionary learned on ``X_train`` ("plain"), and one learned on
    masked views of ``X_train`` (:func:`dreamlib.masking.foveate`, "masked"),
    with the same number of atoms, penalty, minibatches and seed; both measured
    by :func:`part_measures` on the *unmasked* images.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n, n_features)
    n_components : int
        Atoms per dictionary.
    lam : float
        Sparsity penalty, for learning and for the measures.
    seeds : sequence of int
        Each seeds the dictionary's start and minibatches, and (through
        ``numpy.random.default_rng([seed, 1])``) the masks.
    shape : tuple (height, width), optional
    masking : dict, optional
        Keyword arguments of :func:`dreamlib.masking.foveate` (``center``,
        ``width``, ``n_views``, ``background``); default its defaults with
        ``n_views=10``.
    n_iter, batch_size : int
        Minibatches, and images per minibatch, of :func:`learn_dictionary`.
    components : ndarray of shape (n_true, n_features), optional
        Known true components (bars): adds ``recovery``
        (:func:`dreamlib.metrics.recovery_score`) to every record.
    models : sequence of {"plain", "masked"}, default both
        Which dictionaries to learn (e.g. only ``("masked",)`` when sweeping
        the masking settings).
    blas_threads : int or None, default=1
        Threads of the linear-algebra library (one is fastest for these small
        products, and on a shared machine); None leaves its default.
    progress : bool, default=True

    Returns
    -------
    list of dict
        One record per seed and model (``"plain"``, ``"masked"``): ``model``,
        ``seed``, the measures of :func:`part_measures` (and ``recovery``), and
        ``dictionary``.

    Examples
    --------
    >>> from dreamlib.data import bars
    >>> X, true = bars(600, size=8, random_state=0)
    >>> records = masking_study(X[:500], X[500:], 16, 0.1, seeds=[0], n_iter=50,
    ...                         masking={"width": 0.5, "n_views": 2}, components=true,
    ...                         progress=False)
    >>> [r["model"] for r in records], round(records[0]["recovery"], 2)
    (['plain', 'masked'], 0.87)
    """
    X_train = check_real_array(X_train, "X_train")
    X_test = check_real_array(X_test, "X_test")
    masking = {"n_views": 10, **(masking or {})}
    unknown = set(masking) - {"center", "width", "n_views", "background"}
    if unknown:
        raise ValueError(
            f"masking takes center, width, n_views and background, got {sorted(unknown)}.")
    if not models or set(models) - {"plain", "masked"}:
        raise ValueError(
            f"models must be a non-empty selection of 'plain' and 'masked', got {models!r}.")
    records = []
    with threadpool_limits(blas_threads):
        for seed in progress_bar(list(seeds), desc="seeds", disable=not progress):
            for name in models:
                data = X_train if name == "plain" else foveate(  # float32, as learning uses
                    X_train.astype(np.float32), shape,
                    random_state=np.random.default_rng([seed, 1]), **masking)
                D = learn_dictionary(data, n_components, lam, n_iter=n_iter,
                                     batch_size=batch_size, random_state=seed)
                record = {"model": name, "seed": seed,
                          **part_measures(D, X_train, X_test, lam, shape=shape)}
                if components is not None:
                    record["recovery"] = recovery_score(D, components)
                record["dictionary"] = D
                records.append(record)
    return records
