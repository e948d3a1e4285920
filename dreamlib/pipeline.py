"""The sparse-coding Helmholtz machine: a Helmholtz machine that dreams in sparse codes.

The paper's model integration (§2.3) in three steps:

1. **encode**: an image ``x`` becomes sparse codes ``a`` (LCA on a
   dictionary ``D``, usually learned from natural images);
2. **dream**: a Helmholtz machine is trained by wake-sleep on the codes, and
   dreams new codes;
3. **decode**: dreamed codes become images again, ``x = a @ D``.

Between steps 1 and 2 there is a gap the paper passed over: LCA codes are
signed and unbounded, while a Helmholtz machine's visible units live in
[0, 1]. This module bridges it with an explicit map that is exactly
invertible (:func:`codes_to_units`, :func:`units_to_codes`).

The map
-------
Each of the ``k`` codes becomes two units, its positive and its negative part
(``2k`` visible units in all), and each part is squashed into [0, 1) by

    v = 1 - exp(-|a| / s_j),        inverse:  |a| = -s_j * log(1 - v),

where ``s_j`` is the mean magnitude of atom ``j``'s non-zero training codes.

Why this map:

* **Sign split.** A code is zero most of the time and, when active, either
  positive or negative. Two non-negative channels keep "off" at exactly 0
  (the unit's floor), so sparsity survives the map, and an atom used with
  both signs is never confused with one that is silent.
* **The exponential squash is the natural one for sparse codes.** The L1
  penalty of sparse coding is a Laplace prior: active magnitudes are roughly
  exponentially distributed. ``1 - exp(-|a| / s)`` is the cumulative
  distribution function of an exponential with mean ``s`` (fitted to the
  training codes by maximum likelihood), so it spreads active magnitudes
  uniformly over (0, 1) and uses the whole range of a greyscale (Beta) unit,
  rather than crowding them near 0 (linear scaling by the largest code) or
  near 1 (a sigmoid).
* **Exact inverse.** ``-s * log(1 - v)`` undoes it exactly on [0, 1).
  Dreamed units can reach 1 (where the inverse is infinite), so decoding
  clips them at ``max_unit`` first: a code at most ``-s * log(1 - max_unit)``
  (20.7 ``s`` for the default), beyond all but the rarest training code.
* **Per-atom scales.** Atoms differ in how strongly they are used (a
  low-frequency atom carries larger codes than a fine one); one scale per
  atom makes a unit's value mean the same ("how unusual a code for this
  atom") for every atom.

The visible units are Beta units (:class:`~dreamlib.helmholtz.HelmholtzMachine`
with ``units="beta"``). Decoding a *mean* (in :meth:`SparseHelmholtz.reconstruct`
and ``dream(visible="mean")``) uses the exact mean of the code under the
machine's Beta distribution, ``E[-s log(1 - v)] = s * (digamma(alpha + beta) -
digamma(beta))`` (:func:`expected_codes`), not the inverse map of the mean
unit, so reconstructions are the model's mean *image* (images are linear in
the codes).
"""

import numbers
import warnings

import numpy as np
from scipy.special import digamma, expit
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ._validation import check_array, check_dictionary, check_positive, check_random_state
from .helmholtz import HelmholtzMachine
from .sparse_coding import SparseCoding, lca

__all__ = [
    "SparseHelmholtz",
    "code_scales",
    "codes_to_units",
    "units_to_codes",
    "expected_codes",
    "DEFAULT_MAX_UNIT",
]

#: Decoding clips units at this value: codes up to ``-log(1e-9) = 20.7`` times an atom's scale.
DEFAULT_MAX_UNIT = 1.0 - 1e-9


def code_scales(codes):
    """Per-atom scale ``s_j``: the mean magnitude of atom ``j``'s non-zero codes.

    It is the maximum-likelihood mean of an exponential distribution fitted
    to the active magnitudes. An atom that is never active gets the mean of
    all non-zero magnitudes (or 1.0 if every code is zero), so no scale is 0.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_components)

    Returns
    -------
    ndarray of shape (n_components,), positive

    Examples
    --------
    >>> import numpy as np
    >>> code_scales(np.array([[1.0, 0.0], [-3.0, 0.0]]))
    array([2., 2.])
    """
    codes = check_array(codes, "codes")
    magnitude = np.abs(codes.astype(np.float64))
    active = magnitude > 0
    fallback = magnitude[active].mean() if active.any() else 1.0
    count = active.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scales = magnitude.sum(axis=0) / count
    return np.where(count > 0, scales, fallback)


def _check_scales(scales, n_components):
    scales = check_array(scales, "scales", ndim=1)
    if scales.shape != (n_components,):
        raise ValueError(f"scales must have shape ({n_components},), one per atom, got {scales.shape}.")
    if np.any(scales <= 0):
        raise ValueError("scales must be positive.")
    return scales.astype(np.float64)


def codes_to_units(codes, scales):
    """Map signed sparse codes to Helmholtz units in [0, 1): split signs, then squash.

    ``units[:, :k] = 1 - exp(-max(a, 0) / s)`` (positive parts) and
    ``units[:, k:] = 1 - exp(-max(-a, 0) / s)`` (negative parts).

    Parameters
    ----------
    codes : ndarray of shape (n_samples, k)
    scales : ndarray of shape (k,)
        Positive per-atom scales (:func:`code_scales`).

    Returns
    -------
    ndarray of shape (n_samples, 2 * k), values in [0, 1)

    Examples
    --------
    >>> import numpy as np
    >>> codes_to_units(np.array([[np.log(2.0), -np.log(4.0)]]), np.ones(2))
    array([[0.5 , 0.  , 0.  , 0.75]])
    """
    codes = check_array(codes, "codes").astype(np.float64)
    scales = _check_scales(scales, codes.shape[1])
    positive = np.maximum(codes, 0.0) / scales
    negative = np.maximum(-codes, 0.0) / scales
    return -np.expm1(-np.concatenate([positive, negative], axis=1))


def units_to_codes(units, scales, max_unit=DEFAULT_MAX_UNIT):
    """The inverse of :func:`codes_to_units`: ``a = s * (log(1 - v_neg) - log(1 - v_pos))``.

    Parameters
    ----------
    units : ndarray of shape (n_samples, 2 * k), values in [0, 1]
    scales : ndarray of shape (k,)
    max_unit : float, default=1 - 1e-9
        Units are clipped at this value first (1 itself would be an
        infinite code). Only dreams get near it.

    Returns
    -------
    ndarray of shape (n_samples, k)

    Examples
    --------
    >>> import numpy as np
    >>> units_to_codes(np.array([[0.5, 0.0, 0.0, 0.75]]), np.ones(2)).round(4)
    array([[ 0.6931, -1.3863]])
    """
    units = check_array(units, "units").astype(np.float64)
    if units.shape[1] % 2:
        raise ValueError(
            f"units must have an even number of columns (positive then negative parts), "
            f"got {units.shape[1]}."
        )
    k = units.shape[1] // 2
    scales = _check_scales(scales, k)
    if not 0 < max_unit < 1:
        raise ValueError(f"max_unit must be in (0, 1), got {max_unit!r}.")
    if units.min() < 0 or units.max() > 1:
        raise ValueError("units must hold values in [0, 1].")
    magnitude = -np.log1p(-np.minimum(units, max_unit))
    return scales * (magnitude[:, :k] - magnitude[:, k:])


def expected_codes(alpha, beta, scales, max_unit=DEFAULT_MAX_UNIT):
    """Mean code when each unit is Beta(alpha, beta): ``s * (digamma(alpha + beta) - digamma(beta))``.

    For ``v ~ Beta(alpha, beta)``, ``E[-log(1 - v)] = digamma(alpha + beta) -
    digamma(beta)``; the mean code is the positive part's mean minus the
    negative part's. Each part is capped at ``-log(1 - max_unit)``, as
    decoding caps a sample.

    Parameters
    ----------
    alpha, beta : ndarray of shape (n_samples, 2 * k)
        Beta shape parameters of the visible units.
    scales : ndarray of shape (k,)
    max_unit : float

    Returns
    -------
    ndarray of shape (n_samples, k)
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    k = alpha.shape[1] // 2
    scales = _check_scales(scales, k)
    cap = -np.log1p(-max_unit)
    magnitude = np.minimum(digamma(alpha + beta) - digamma(beta), cap)
    return scales * (magnitude[:, :k] - magnitude[:, k:])


class SparseHelmholtz(BaseEstimator):
    """Images -> sparse codes -> Helmholtz machine -> dreamed codes -> images.

    ``fit`` encodes the images with LCA on the coder's dictionary, measures a
    scale per atom (:func:`code_scales`), maps the codes into ``2k`` units in
    [0, 1) (:func:`codes_to_units`; see the module docstring for why this
    map) and trains a :class:`~dreamlib.helmholtz.HelmholtzMachine` with Beta
    visible units on them by wake-sleep.

    Parameters
    ----------
    coder : SparseCoding or ndarray of shape (n_components, n_features)
        The sparse-coding step: a fitted :class:`~dreamlib.SparseCoding`
        (used as it is), an unfitted one (a copy is fitted on the images in
        ``fit``), or a dictionary with unit-norm rows (then ``lam`` is
        required).
    layer_sizes : sequence of int, default=(200, 50)
        The **hidden** layers, lowest first. The visible layer is set by the
        coder: ``2 * n_components`` units (positive and negative parts).
    lam : float, optional
        LCA sparsity penalty; default the coder's ``lam``.
    lca_tol : float, default=1e-3
        LCA relative duality-gap tolerance while encoding.
    lca_max_iter : int, default=500
        LCA step cap while encoding.
    max_unit : float, default=1 - 1e-9
        Decoding clips units at this value (see :func:`units_to_codes`).
    clip : bool, default=True
        Clip decoded images to the range of the training images (a dream of
        a sum of atoms can overshoot it).
    n_epochs, batch_size, learning_rate, l1, beta_concentration, beta_parameterization
        Passed to the :class:`~dreamlib.helmholtz.HelmholtzMachine`. ``l1 > 0``
        is the paper's "sparse coding + Lasso" machine.
    progress : bool, default=True
        Progress bar while training the machine.
    random_state : None, int or numpy.random.Generator
        Seeds the coder's fit (when it is fitted here) and the machine.

    Attributes
    ----------
    dictionary_ : ndarray of shape (n_components, n_features)
    lam_ : float
    scales_ : ndarray of shape (n_components,)
        Per-atom scales of the map.
    machine_ : HelmholtzMachine
        The trained machine, ``layer_sizes = [2 * n_components, *layer_sizes]``.
    coder_ : SparseCoding or None
        The fitted coder (None when a dictionary was given).
    data_range_ : tuple (min, max)
        Range of the training images, used by ``clip``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from dreamlib.data import bars
    >>> X, true = bars(500, size=8, random_state=0)
    >>> D = true / np.linalg.norm(true, axis=1, keepdims=True)
    >>> shm = SparseHelmholtz(D, layer_sizes=[16], lam=0.1, n_epochs=2, progress=False,
    ...                       random_state=0).fit(X)
    >>> shm.dream(3).shape
    (3, 64)
    """

    def __init__(
        self,
        coder=None,
        layer_sizes=(200, 50),
        *,
        lam=None,
        lca_tol=1e-3,
        lca_max_iter=500,
        max_unit=DEFAULT_MAX_UNIT,
        clip=True,
        n_epochs=20,
        batch_size=100,
        learning_rate=None,
        l1=0.0,
        beta_concentration=10.0,
        beta_parameterization="mean",
        progress=True,
        random_state=None,
    ):
        self.coder = coder
        self.layer_sizes = layer_sizes
        self.lam = lam
        self.lca_tol = lca_tol
        self.lca_max_iter = lca_max_iter
        self.max_unit = max_unit
        self.clip = clip
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.l1 = l1
        self.beta_concentration = beta_concentration
        self.beta_parameterization = beta_parameterization
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------ set-up
    def _check_params(self):
        sizes = self.layer_sizes
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 1:
            raise ValueError(
                f"layer_sizes must list at least one hidden layer size, got {sizes!r}."
            )
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
                raise ValueError(f"layer_sizes must hold positive ints, got {sizes!r}.")
        if self.lam is not None:
            check_positive(self.lam, "lam", allow_zero=True)
        check_positive(self.lca_tol, "lca_tol")
        check_positive(self.lca_max_iter, "lca_max_iter", integer=True)
        if not (isinstance(self.max_unit, numbers.Real) and 0 < self.max_unit < 1):
            raise ValueError(f"max_unit must be in (0, 1), got {self.max_unit!r}.")

    def _resolve_coder(self, X, rng):
        coder = self.coder
        if coder is None:
            raise ValueError(
                "coder is required: a SparseCoding (fitted or not) or a dictionary "
                "array of shape (n_components, n_features)."
            )
        if isinstance(coder, SparseCoding):
            if hasattr(coder, "components_"):
                fitted = coder
            else:
                fitted = clone(coder)
                if fitted.random_state is None:
                    fitted.set_params(random_state=int(rng.integers(2**31)))
                fitted.fit(X)
            D = fitted.components_
            lam = fitted.lam if self.lam is None else self.lam
            if D.shape[1] != X.shape[1]:
                raise ValueError(
                    f"X has {X.shape[1]} features but the coder's atoms have {D.shape[1]}."
                )
            return fitted, np.asarray(D, dtype=np.float64), float(lam)
        if isinstance(coder, BaseEstimator):
            raise TypeError(
                f"coder must be a SparseCoding or a dictionary array, got {type(coder).__name__}."
            )
        D = check_dictionary(coder, X.shape[1], name="coder")
        norms = np.linalg.norm(D, axis=1)
        if not np.allclose(norms, 1.0, atol=1e-6):
            raise ValueError(
                "coder (a dictionary) must have unit-norm rows; "
                "use dl.sparse_coding.normalize_rows."
            )
        if self.lam is None:
            raise ValueError("lam is required when coder is a dictionary array.")
        return None, D.astype(np.float64), float(self.lam)

    def _check_X(self, X, name="X"):
        X = check_array(X, name)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but the model was fitted on "
                f"{self.n_features_in_} (one pixel per feature)."
            )
        return X

    # ------------------------------------------------------------ fitting
    def fit(self, X, y=None, codes=None):
        """Encode ``X`` (images as rows), fit the map's scales, train the machine. Returns self.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : ignored
        codes : ndarray of shape (n_samples, n_components), optional
            Sparse codes of ``X`` computed already (by :meth:`sparse_codes` of
            a model with the same dictionary and ``lam``); skips the LCA, e.g.
            when several machines are trained on the same images.
        """
        units = self._setup(X, codes)
        self.machine_.fit(units)
        return self

    def partial_fit(self, X, y=None, codes=None):
        """One more epoch of wake-sleep on ``X``; the first call also sets up the map. Returns self.

        The scales of the map are measured on the first call's images and kept
        afterwards. Use it to watch the machine learn (dreams after every
        epoch); pass ``codes`` to skip the LCA on later calls.
        """
        if not hasattr(self, "machine_"):
            units = self._setup(X, codes)
        elif codes is None:
            units = self.encode(X)
        else:
            units = codes_to_units(self._check_codes(codes, len(self._check_X(X))), self.scales_)
        self.machine_.partial_fit(units)
        return self

    def _check_codes(self, codes, n):
        codes = check_array(codes, "codes").astype(np.float64)
        if codes.shape != (n, len(self.dictionary_)):
            raise ValueError(
                f"codes must have shape {(n, len(self.dictionary_))} (one row per "
                f"image, one column per atom), got {codes.shape}."
            )
        return codes

    def _setup(self, X, codes):
        """Resolve the coder, encode X, measure the scales, build the (untrained) machine."""
        self._check_params()
        X = check_array(X, "X")
        rng = check_random_state(self.random_state)
        self.coder_, self.dictionary_, self.lam_ = self._resolve_coder(X, rng)
        self.n_features_in_ = X.shape[1]
        self.data_range_ = (float(X.min()), float(X.max()))
        codes = self.sparse_codes(X) if codes is None else self._check_codes(codes, len(X))
        self.scales_ = code_scales(codes)
        units = codes_to_units(codes, self.scales_)
        self.machine_ = HelmholtzMachine(
            [2 * len(self.dictionary_), *[int(s) for s in self.layer_sizes]],
            units="beta",
            beta_parameterization=self.beta_parameterization,
            beta_concentration=self.beta_concentration,
            n_epochs=self.n_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            l1=self.l1,
            progress=self.progress,
            random_state=rng,
        )
        return units

    # ------------------------------------------------------------ the map
    def sparse_codes(self, X):
        """Step 1: LCA codes of ``X`` on the dictionary, shape (n_samples, n_components)."""
        check_is_fitted(self, "dictionary_")
        X = self._check_X(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return lca(X, self.dictionary_, self.lam_, tol=self.lca_tol,
                       max_iter=self.lca_max_iter).astype(np.float64)

    def encode(self, X):
        """Images -> the machine's visible units: ``codes_to_units(sparse_codes(X))``.

        Returns
        -------
        ndarray of shape (n_samples, 2 * n_components), values in [0, 1)
        """
        check_is_fitted(self, "scales_")
        return codes_to_units(self.sparse_codes(X), self.scales_)

    def units_to_images(self, units):
        """Visible units -> codes (exact inverse map) -> images ``codes @ dictionary_``."""
        check_is_fitted(self, "scales_")
        return self.codes_to_images(units_to_codes(units, self.scales_, self.max_unit))

    decode = units_to_images

    def codes_to_images(self, codes):
        """Sparse codes -> images, ``codes @ dictionary_`` (clipped to the data range if ``clip``)."""
        check_is_fitted(self, "scales_")
        codes = check_array(codes, "codes")
        if codes.shape[1] != len(self.dictionary_):
            raise ValueError(
                f"codes must have {len(self.dictionary_)} columns (one per atom), "
                f"got {codes.shape[1]}."
            )
        images = codes @ self.dictionary_
        if self.clip:
            images = np.clip(images, *self.data_range_)
        return images

    # ------------------------------------------------------------ using it
    def _mean_codes(self, hidden):
        """Mean code given the first hidden layer, under the Beta visible units."""
        m = self.machine_
        logits = hidden @ m.generative_weights_[0] + m.generative_biases_[0]
        alpha, beta = m._beta_shapes(expit(logits))
        return expected_codes(alpha, beta, self.scales_, self.max_unit)

    def dream(self, n_samples, visible="sample", return_codes=False, random_state=None):
        """Dreams: the machine dreams units, the inverse map and the dictionary make images.

        Parameters
        ----------
        n_samples : int
        visible : {"sample", "mean"}, default="sample"
            Decode a sample of the visible units, or the mean code given the
            dreamed hidden layer (smoother).
        return_codes : bool, default=False
            Also return the dreamed codes.
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        images : ndarray of shape (n_samples, n_features)
        codes : ndarray of shape (n_samples, n_components)
            Only if ``return_codes``.
        """
        check_is_fitted(self, "machine_")
        if visible not in ("sample", "mean"):
            raise ValueError(f"visible must be 'sample' or 'mean', got {visible!r}.")
        layers = self.machine_.dream(n_samples, visible="sample", return_layers=True,
                                     random_state=random_state)
        if visible == "sample":
            codes = units_to_codes(np.clip(layers[0], 0, 1), self.scales_, self.max_unit)
        else:
            codes = self._mean_codes(layers[1])
        images = self.codes_to_images(codes)
        return (images, codes) if return_codes else images

    def reconstruct(self, X, n_samples=1, random_state=None):
        """Reconstruct images through the machine: encode, recognise, generate the mean, decode.

        The first hidden layer is sampled from the recognition model given the
        units of ``X``; the reconstruction is the mean image given it (the
        mean code under the Beta units, :func:`expected_codes`, times the
        dictionary).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        n_samples : int, default=1
            Recognition samples to average over (``n_samples > 1`` estimates
            the mean image under the recognition posterior, ``E_q[E[x | h]]``,
            which has a smaller squared error than one sample).
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "machine_")
        check_positive(n_samples, "n_samples", integer=True)
        units = self.encode(X)
        rng = self.machine_._method_rng(random_state)
        codes = 0.0
        for _ in range(n_samples):
            hidden = self.machine_.recognize(units, sample=True, random_state=rng)[0]
            codes = codes + self._mean_codes(hidden)
        return self.codes_to_images(codes / n_samples)

    def generate_from_top(self, top, random_state=None):
        """Images generated from given top-layer states (e.g. one neuron on), decoded as means.

        Parameters
        ----------
        top : ndarray of shape (n, layer_sizes[-1]) or (layer_sizes[-1],)
        random_state : None, int or numpy.random.Generator
            Samples of the hidden layers between the top and the visible one.

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        check_is_fitted(self, "machine_")
        layers = self.machine_.generate_from_top(top, return_layers=True,
                                                 random_state=random_state)
        return self.codes_to_images(self._mean_codes(layers[1]))
