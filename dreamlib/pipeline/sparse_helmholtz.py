"""The sparse-coding Helmholtz machine: images -> sparse codes -> machine -> dreamed codes -> images."""

import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    as_generator,
    boolean,
    check_params,
    check_positive,
    check_dictionary,
    check_real_array,
    check_unit_rows,
    method_rng,
    one_of,
    open_unit_interval,
    positive,
    random_state,
)
from ..helmholtz import HelmholtzMachine
from ..sparse_coding import SparseCoding, lca
from .code_map import DEFAULT_MAX_UNIT, CodeUnitMap

__all__ = ["SparseHelmholtz", "default_machine"]

#: Keyword arguments SparseHelmholtz took before it took a ``machine``.
_MOVED_TO_MACHINE = ("layer_sizes", "n_epochs", "batch_size", "learning_rate", "l1",
                     "beta_concentration", "beta_parameterization", "progress")


def default_machine():
    """The machine :class:`SparseHelmholtz` trains when given none.

    Spike-and-slab visible units (exact zeros, so dreams are sparse), a slab
    concentration of 2 (``Beta(2m, 2(1 - m))`` is uniform at ``m = 1/2``, and
    the map makes active magnitudes uniform), hidden layers of 200 and 50.
    """
    return HelmholtzMachine((None, 200, 50), units="spike-and-slab", beta_concentration=2.0)


class SparseHelmholtz(BaseEstimator):
    """Images -> sparse codes -> Helmholtz machine -> dreamed codes -> images.

    ``fit`` encodes the images with LCA on the coder's dictionary, fits the
    code-to-unit map (:class:`~dreamlib.pipeline.CodeUnitMap`) and trains a
    copy of ``machine`` on the units.

    What is decoded, and what is sparse:

    * ``dream(visible="sample")`` decodes sampled units: with spike-and-slab
      units each unit is exactly 0 unless its gate opens, so dreamed codes are
      as sparse as the machine believes codes are.
    * ``dream(visible="mean")`` samples the gates and decodes each open unit
      at its mean: as sparse as a sample, smoother to look at.
    * ``reconstruct`` and ``generate_from_top`` weight every unit by the
      probability that its gate is open instead of sampling the gate. That
      is dense — every atom whose gate has any chance of opening contributes
      a little — because it averages many sparse codes with different
      supports; averaging is what lowers the squared error.
      ``reconstruct(..., sparse=True)`` samples the gates instead. With
      ``units="beta"`` nothing is ever exactly zero and every decoded code is
      dense.

    A unit's "mean" is decoded through the inverse map, ``-s log(1 - m)``
    with ``m`` the unit's mean value when on: the delta rule fits ``m`` to
    the data, but not the spread of the Beta (its concentration is fixed),
    and the exact mean code (:func:`~dreamlib.pipeline.expected_codes`)
    depends on that spread.

    Parameters
    ----------
    coder : SparseCoding or ndarray of shape (n_components, n_features)
        A fitted :class:`~dreamlib.SparseCoding` (used as it is), an unfitted
        one (a copy is fitted on the images), or a dictionary with unit-norm
        rows (then ``lam`` is required).
    machine : HelmholtzMachine, optional
        The machine to train (a copy is trained; ``machine`` itself is left
        alone), with every setting it has: layers, units, optimizer,
        algorithm, epochs. ``layer_sizes`` lists every layer, visible first;
        the visible size is ``2 * n_components`` (positive and negative parts)
        and may be given as None. Its units must take values in [0, 1]
        (``"spike-and-slab"`` or ``"beta"``). Default: :func:`default_machine`.
    lam : float, optional
        LCA sparsity penalty; default the coder's ``lam``.
    lca_tol : float, default=1e-3
        LCA relative duality-gap tolerance while encoding.
    lca_max_iter : int, default=500
    max_unit : float, default=1 - 1e-9
        Decoding clips units at this value (see :func:`~dreamlib.pipeline.units_to_codes`).
    clip : bool, default=True
        Clip decoded images to the range of the training images.
    brightness : bool, default=False
        Model each image's mean brightness separately (our addition, not the
        paper's machine). LCA codes each image with its mean removed, and the
        machine gets ``brightness_units`` more visible units holding the
        image's mean rescaled from the data range to [0, 1] (see
        ``brightness_code``); decoded images are the decoded detail plus
        the decoded brightness (the mean of those units, scaled back). An
        unfitted coder learns its dictionary on the images with their means
        removed too. Without it the brightness has to pass through the codes
        of the low-frequency atoms and the code-to-unit map, and on natural
        patches most of the machine's error is the brightness (notebook 05).
    brightness_units : int, default=1
        How many visible units carry the brightness when ``brightness``.
    brightness_code : {"thermometer", "copies"}, default="thermometer"
        How ``brightness_units = K`` units hold the rescaled brightness ``v``
        in [0, 1]: ``"thermometer"``, unit ``j`` holds ``clip(K v - j, 0, 1)``
        (the first ``floor(K v)`` units are full, one is part-full, the rest
        empty: each unit is nearly binary, which binary hidden units model
        well); ``"copies"``, every unit holds ``v``. Either way ``v`` is the
        mean of the units, and decoding takes the mean of the decoded units.
        On natural patches the thermometer carries the brightness through the
        machine far better than copies (``dreamlib.natural_study``).
    random_state : None, int or numpy.random.Generator
        Seeds the coder's fit and the machine when they have no
        ``random_state`` of their own, and the gates sampled when decoding.

    Attributes
    ----------
    dictionary_ : ndarray of shape (n_components, n_features)
    lam_ : float
    code_map_ : CodeUnitMap
        The fitted map (its ``scales_``: one per atom).
    machine_ : HelmholtzMachine
        The trained copy of ``machine``: ``2 * n_components`` visible units,
        plus ``brightness_units`` last if ``brightness``.
    coder_ : SparseCoding or None
        The fitted coder (None when a dictionary was given).
    data_range_ : tuple (min, max)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from dreamlib import HelmholtzMachine
    >>> from dreamlib.data import bars
    >>> X, true = bars(500, size=8, random_state=0)
    >>> D = true / np.linalg.norm(true, axis=1, keepdims=True)
    >>> machine = HelmholtzMachine([None, 16], units="spike-and-slab", n_epochs=2, progress=False)
    >>> shm = SparseHelmholtz(D, machine, lam=0.1, random_state=0).fit(X)
    >>> shm.dream(3).shape
    (3, 64)
    """

    _parameter_constraints = {
        "lam": positive(optional=True),
        "lca_tol": positive(),
        "lca_max_iter": positive(integer=True),
        "max_unit": open_unit_interval,
        "clip": boolean,
        "brightness": boolean,
        "brightness_units": positive(integer=True),
        "brightness_code": one_of("thermometer", "copies"),
        "random_state": random_state,
    }

    def __new__(cls, *args, **kwargs):
        # the keywords of the old signature get a message saying what to write instead
        moved = {k: v for k, v in kwargs.items() if k in _MOVED_TO_MACHINE}
        if moved:
            raise TypeError(_moved_message(moved))
        return super().__new__(cls)

    def __init__(self, coder=None, machine=None, *, lam=None, lca_tol=1e-3, lca_max_iter=500,
                 max_unit=DEFAULT_MAX_UNIT, clip=True, brightness=False, brightness_units=1,
                 brightness_code="thermometer", random_state=None):
        self.coder = coder
        self.machine = machine
        self.lam = lam
        self.lca_tol = lca_tol
        self.lca_max_iter = lca_max_iter
        self.max_unit = max_unit
        self.clip = clip
        self.brightness = brightness
        self.brightness_units = brightness_units
        self.brightness_code = brightness_code
        self.random_state = random_state

    # ------------------------------------------------------------ set-up
    def _check_X(self, X, name="X"):
        X = check_real_array(X, name)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} has {X.shape[1]} features, but SparseHelmholtz is "
                             f"expecting {self.n_features_in_} features as input (one per pixel).")
        return X

    def _check_codes(self, codes, n):
        codes = check_real_array(codes, "codes").astype(np.float64)
        if codes.shape != (n, len(self.dictionary_)):
            raise ValueError(f"codes must have shape {(n, len(self.dictionary_))} (one row per "
                             f"image, one column per atom), got {codes.shape}.")
        return codes

    def _setup(self, X, codes):
        """Resolve the coder, encode X, fit the map, copy the (untrained) machine; returns units."""
        check_params(self)
        X = check_real_array(X, "X")
        rng = as_generator(self.random_state)
        centered = X - X.mean(axis=1, keepdims=True) if self.brightness else X
        self.coder_, self.dictionary_, self.lam_ = _fitted_coder(self.coder, self.lam, centered, rng)
        self.n_features_in_ = X.shape[1]
        self.data_range_ = (float(X.min()), float(X.max()))
        codes = self.sparse_codes(X) if codes is None else self._check_codes(codes, len(X))
        self.code_map_ = CodeUnitMap(self.max_unit).fit(codes)
        self.machine_ = _machine_copy(self.machine, 2 * len(self.dictionary_),
                                      self._n_brightness(), rng)
        self._rng = rng
        return self._units(X, codes)

    # ------------------------------------------------------------ brightness
    def _n_brightness(self):
        return self.brightness_units if self.brightness else 0

    def _units(self, X, codes):
        """The machine's visible units: the mapped codes, then the brightness units (if any)."""
        units = self.code_map_.transform(codes)
        if not self.brightness:
            return units
        low, high = self.data_range_
        level = (X.mean(axis=1) - low) / (high - low) if high > low else np.zeros(len(X))
        level = np.clip(level, 0.0, 1.0)[:, None]
        if self.brightness_code == "thermometer":
            level = np.clip(self.brightness_units * level - np.arange(self.brightness_units), 0, 1)
        else:
            level = np.repeat(level, self.brightness_units, axis=1)
        return np.concatenate([units, level.astype(units.dtype)], axis=1)

    def _to_images(self, codes, brightness_units):
        """Images from codes and the brightness units' values (None without brightness)."""
        if brightness_units is None:
            return self.codes_to_images(codes)
        low, high = self.data_range_
        return self.codes_to_images(codes, low + (high - low) * brightness_units.mean(axis=1))

    # ------------------------------------------------------------ fitting
    def fit(self, X, y=None, codes=None):
        """Encode ``X`` (images as rows), fit the map, train the machine; returns self.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : ignored
        codes : ndarray of shape (n_samples, n_components), optional
            LCA codes of ``X`` computed already (by :meth:`sparse_codes` of a
            model with the same dictionary, ``lam`` and ``brightness``: with
            ``brightness``, codes of ``X`` with each row's mean removed); skips the LCA.
        """
        units = self._setup(X, codes)
        self.machine_.fit(units)
        return self

    def partial_fit(self, X, y=None, codes=None):
        """One more epoch of wake-sleep on ``X``; the first call also sets up the map. Returns self.

        The map's scales are measured on the first call's images and kept.
        """
        if not hasattr(self, "machine_"):
            units = self._setup(X, codes)
        elif codes is None:
            units = self.encode(X)
        else:
            X = self._check_X(X)
            units = self._units(X, self._check_codes(codes, len(X)))
        self.machine_.partial_fit(units)
        return self

    # ------------------------------------------------------------ the map
    def sparse_codes(self, X):
        """Step 1: LCA codes of ``X`` on the dictionary, shape (n_samples, n_components).

        With ``brightness``, the codes of ``X`` with each row's mean removed.
        """
        check_is_fitted(self, "dictionary_")
        X = self._check_X(X)
        if self.brightness:
            X = X - X.mean(axis=1, keepdims=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return lca(X, self.dictionary_, self.lam_, tol=self.lca_tol,
                       max_iter=self.lca_max_iter).astype(np.float64)

    def encode(self, X):
        """Images -> the machine's visible units in [0, 1]: (n_samples, 2 * n_components), then
        ``brightness_units`` columns of each image's rescaled mean if ``brightness``."""
        check_is_fitted(self, "code_map_")
        X = self._check_X(X)
        return self._units(X, self.sparse_codes(X))

    def decode(self, units):
        """Visible units -> codes (the exact inverse map) -> images (plus the brightness, if any)."""
        check_is_fitted(self, "code_map_")
        units = check_real_array(units, "units")
        width = 2 * len(self.dictionary_) + self._n_brightness()
        if units.shape[1] != width:
            raise ValueError(f"units must have {width} columns (the machine's visible units), "
                             f"got {units.shape[1]}.")
        k2 = 2 * len(self.dictionary_)
        codes = self.code_map_.inverse_transform(units[:, :k2])
        return self._to_images(codes, units[:, k2:] if self.brightness else None)

    units_to_images = decode

    def codes_to_images(self, codes, brightness=None):
        """Sparse codes -> images, ``codes @ dictionary_`` (clipped to the data range if ``clip``).

        ``brightness`` (one value per image, optional) is added to every pixel
        of its image first: with ``brightness=True`` the codes hold the detail
        only, and ``brightness`` the mean.
        """
        check_is_fitted(self, "dictionary_")
        codes = check_real_array(codes, "codes")
        if codes.shape[1] != len(self.dictionary_):
            raise ValueError(f"codes must have {len(self.dictionary_)} columns (one per atom), "
                             f"got {codes.shape[1]}.")
        images = codes @ self.dictionary_
        if brightness is not None:
            brightness = check_real_array(brightness, "brightness", ndim=1)
            if brightness.shape != (len(codes),):
                raise ValueError(f"brightness must have shape ({len(codes)},), one value per "
                                 f"image, got {brightness.shape}.")
            images = images + brightness[:, None]
        return np.clip(images, *self.data_range_) if self.clip else images

    # ------------------------------------------------------------ using it
    def _decode_mean(self, hidden, rng=None):
        """Codes given the first hidden layer: each unit's learned mean through the inverse map,
        weighted by its gate (sampled with ``rng``, else its probability)."""
        return self._decode_means(hidden, rng)[0]

    def _decode_means(self, hidden, rng=None):
        """:meth:`_decode_mean`'s codes, and the brightness units' means (None without brightness)."""
        logits = self.machine_.visible_logits(hidden)
        units = self.machine_.visible_units_
        active = units.active_probability(logits)
        if rng is not None:
            active = (rng.random(active.shape) < active).astype(np.float64)
        mean = units.active_mean(logits)
        k2 = 2 * len(self.dictionary_)
        codes = self.code_map_.inverse_transform(mean[:, :k2], active=active[:, :k2])
        return codes, (active[:, k2:] * mean[:, k2:] if self.brightness else None)

    def dream(self, n_samples, visible="sample", return_codes=False, random_state=None):
        """Dreams: the machine dreams units, the inverse map and the dictionary make images.

        Parameters
        ----------
        n_samples : int
        visible : {"sample", "mean"}, default="sample"
            Decode sampled units, or sampled gates at their mean magnitudes
            (see the class docstring; both are sparse with spike-and-slab units).
        return_codes : bool, default=False
            Also return the dreamed codes.
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        images : ndarray of shape (n_samples, n_features)
        codes : ndarray of shape (n_samples, n_components), only if ``return_codes``
        """
        check_is_fitted(self, "machine_")
        one_of("sample", "mean")(visible, "visible")
        rng = method_rng(self, random_state)
        layers = self.machine_.dream(n_samples, visible="sample", return_layers=True,
                                     random_state=rng)
        k2 = 2 * len(self.dictionary_)
        if visible == "sample":
            sampled = np.clip(layers[0], 0, 1)
            codes = self.code_map_.inverse_transform(sampled[:, :k2])
            level = sampled[:, k2:] if self.brightness else None
        else:
            codes, level = self._decode_means(layers[1], rng)
        images = self._to_images(codes, level)
        return (images, codes) if return_codes else images

    def reconstruct(self, X, n_samples=1, sparse=False, return_codes=False, random_state=None):
        """Reconstruct images through the machine: encode, recognise, decode the mean code.

        The first hidden layer is sampled from the recognition model; the
        reconstruction is the mean image given it (dense, see the class
        docstring), averaged over ``n_samples`` recognition samples.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        n_samples : int, default=1
            Recognition samples to average (more: a smaller squared error).
        sparse : bool, default=False
            Sample the gates (mean magnitudes on the open ones) instead of
            taking their mean: a sparse code per recognition sample.
        return_codes : bool, default=False
            Also return the reconstructed codes (before the dictionary).
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        images : ndarray of shape (n_samples, n_features)
        codes : ndarray of shape (n_samples, n_components), only if ``return_codes``
        """
        check_is_fitted(self, "machine_")
        check_positive(n_samples, "n_samples", integer=True)
        boolean(sparse, "sparse")
        boolean(return_codes, "return_codes")
        units = self.encode(X)
        rng = method_rng(self, random_state)
        codes, level = 0.0, 0.0
        for _ in range(n_samples):
            hidden = self.machine_.recognize(units, sample=True, random_state=rng)[0]
            more_codes, more_level = self._decode_means(hidden, rng if sparse else None)
            codes = codes + more_codes
            level = level + more_level if self.brightness else None
        codes = codes / n_samples
        images = self._to_images(codes, level / n_samples if self.brightness else None)
        return (images, codes) if return_codes else images

    def generate_from_top(self, top, random_state=None):
        """Mean images generated from given top-layer states (e.g. one neuron on).

        Parameters
        ----------
        top : ndarray of shape (n, n_top) or (n_top,)
        random_state : None, int or numpy.random.Generator
            Samples of the hidden layers between the top and the visible one.

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        check_is_fitted(self, "machine_")
        layers = self.machine_.generate_from_top(top, return_layers=True,
                                                 random_state=method_rng(self, random_state))
        return self._to_images(*self._decode_means(layers[1]))


def _fitted_coder(coder, lam, X, rng):
    """The fitted coder (or None), its dictionary and its lam."""
    if isinstance(coder, SparseCoding):
        fitted = coder
        if not hasattr(coder, "components_"):
            fitted = clone(coder)
            if fitted.random_state is None:
                fitted.set_params(random_state=int(rng.integers(2**31)))
            fitted.fit(X)
        if fitted.components_.shape[1] != X.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features but the coder's atoms have "
                             f"{fitted.components_.shape[1]}.")
        lam = fitted.lam if lam is None else lam
        return fitted, np.asarray(fitted.components_, dtype=np.float64), float(lam)
    if coder is None or isinstance(coder, BaseEstimator):
        raise TypeError(
            "coder must be a SparseCoding (fitted or not) or a dictionary array of shape "
            f"(n_components, n_features), got {type(coder).__name__}."
        )
    D = check_unit_rows(check_dictionary(coder, X.shape[1], name="coder"),
                        "coder (a dictionary)")
    if lam is None:
        raise ValueError("lam is required when coder is a dictionary array.")
    return None, D.astype(np.float64), float(lam)


def _machine_copy(machine, n_code_units, n_brightness, rng):
    """A copy of ``machine`` (or of the default machine) with its visible units set."""
    n_units = n_code_units + n_brightness
    template = default_machine() if machine is None else machine
    if not isinstance(template, HelmholtzMachine):
        raise TypeError(
            "machine must be a HelmholtzMachine, e.g. machine=HelmholtzMachine([None, 200], "
            f"units='spike-and-slab'), got {type(template).__name__} {template!r}."
        )
    check_params(template)
    one_of("spike-and-slab", "beta")(template.units, "machine.units")
    sizes = list(template.layer_sizes)
    if sizes and sizes[0] is not None and sizes[0] != n_units:
        raise ValueError(
            f"machine.layer_sizes[0] must be {n_units} (two visible units per atom: positive "
            f"and negative part{f', and {n_brightness} brightness units' if n_brightness else ''})"
            f" or None, got {sizes[0]}."
        )
    machine = clone(template).set_params(layer_sizes=[n_units, *sizes[1:]])
    if machine.random_state is None:
        machine.set_params(random_state=int(rng.integers(2**31)))
    return machine


# __new__ catches the old keywords; tools that read the signature (help, scikit-learn) see __init__'s
_INIT = inspect.signature(SparseHelmholtz.__init__)
SparseHelmholtz.__signature__ = _INIT.replace(parameters=list(_INIT.parameters.values())[1:])


def _moved_message(moved):
    names = ", ".join(sorted(moved))
    hidden = moved.get("layer_sizes", (200, 50))
    settings = "".join(f", {k}={v!r}" for k, v in moved.items() if k != "layer_sizes")
    return (
        f"SparseHelmholtz no longer takes {names}: they are the machine's settings now. "
        f"Write SparseHelmholtz(coder, machine=HelmholtzMachine([None, "
        f"{', '.join(str(int(s)) for s in hidden)}], units='spike-and-slab'{settings}), ...) "
        "(layer_sizes lists every layer, the visible one first: None takes it from the coder)."
    )
