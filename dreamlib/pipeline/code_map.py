"""The code-to-unit map: signed sparse codes <-> a Helmholtz machine's units in [0, 1).

LCA codes are signed and unbounded, while a Helmholtz machine's visible units
live in [0, 1]. This module bridges the gap with an explicit map that is
exactly invertible (:func:`codes_to_units`, :func:`units_to_codes`), wrapped
as a small transformer, :class:`CodeUnitMap` (``fit`` measures the scales,
``transform`` maps, ``inverse_transform`` maps back).

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
* **Zero stays zero.** An inactive code maps to two units at exactly 0, and
  units at 0 map back to a code of exactly 0, so a machine whose visible
  units can be exactly zero (spike-and-slab units) dreams codes as sparse
  as real ones.
"""

import numpy as np
from scipy.special import digamma
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import check_params, check_real_array, open_unit_interval

__all__ = [
    "CodeUnitMap",
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
    codes = check_real_array(codes, "codes")
    magnitude = np.abs(codes.astype(np.float64))
    active = magnitude > 0
    fallback = magnitude[active].mean() if active.any() else 1.0
    count = active.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scales = magnitude.sum(axis=0) / count
    return np.where(count > 0, scales, fallback)


def _check_scales(scales, n_components):
    scales = check_real_array(scales, "scales", ndim=1)
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
    codes = check_real_array(codes, "codes").astype(np.float64)
    scales = _check_scales(scales, codes.shape[1])
    positive = np.maximum(codes, 0.0) / scales
    negative = np.maximum(-codes, 0.0) / scales
    return -np.expm1(-np.concatenate([positive, negative], axis=1))


def units_to_codes(units, scales, max_unit=DEFAULT_MAX_UNIT, active=1.0):
    """The inverse of :func:`codes_to_units`: ``a = s * (log(1 - v_neg) - log(1 - v_pos))``.

    Parameters
    ----------
    units : ndarray of shape (n_samples, 2 * k), values in [0, 1]
    scales : ndarray of shape (k,)
    max_unit : float, default=1 - 1e-9
        Units are clipped at this value first (1 itself would be an
        infinite code). Only dreams get near it.
    active : float or ndarray of shape (n_samples, 2 * k), default=1.0
        Weights each unit's magnitude before the parts are combined: 0/1
        gates, or the probability that a unit is on (see
        :meth:`SparseHelmholtz.reconstruct <dreamlib.SparseHelmholtz.reconstruct>`).

    Returns
    -------
    ndarray of shape (n_samples, k)

    Examples
    --------
    >>> import numpy as np
    >>> units_to_codes(np.array([[0.5, 0.0, 0.0, 0.75]]), np.ones(2)).round(4)
    array([[ 0.6931, -1.3863]])
    """
    units = check_real_array(units, "units").astype(np.float64)
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
    magnitude = active * -np.log1p(-np.minimum(units, max_unit))
    return scales * (magnitude[:, :k] - magnitude[:, k:])


def expected_codes(alpha, beta, scales, max_unit=DEFAULT_MAX_UNIT, active=1.0):
    """Mean code when each active unit is Beta(alpha, beta): ``active * s * (digamma(alpha + beta) - digamma(beta))``.

    The exact mean under a Beta model of the units. :class:`SparseHelmholtz`
    does not decode with it: a machine learns each unit's *mean* by the delta
    rule but not its spread (the Beta's concentration is fixed), and this
    mean code depends on the spread (it grows without bound as ``beta`` -> 0);
    the machine decodes the inverse map at the learned mean instead.

    For ``v ~ Beta(alpha, beta)``, ``E[-log(1 - v)] = digamma(alpha + beta) -
    digamma(beta)``; the code is the positive part's magnitude minus the
    negative part's. Each part is capped at ``-log(1 - max_unit)``, as
    decoding caps a sample. ``active`` multiplies each unit's magnitude: the
    probability that the unit is non-zero gives the mean code (dense: every
    unit with a chance of being on contributes a little), sampled 0/1 gates
    give a sparse code with mean magnitudes on the units that are on.

    Parameters
    ----------
    alpha, beta : ndarray of shape (n_samples, 2 * k)
        Beta shape parameters of the visible units (of the slab, for
        spike-and-slab units).
    scales : ndarray of shape (k,)
    max_unit : float
    active : float or ndarray of shape (n_samples, 2 * k), default=1.0
        Probability (or 0/1 indicator) that each unit is non-zero.

    Returns
    -------
    ndarray of shape (n_samples, k)

    Examples
    --------
    >>> import numpy as np
    >>> ones = np.ones((1, 2))        # Beta(1, 1): uniform units, mean magnitude exactly s
    >>> expected_codes(ones, ones, np.array([2.0]), active=np.array([[1.0, 0.0]]))
    array([[2.]])
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    k = alpha.shape[1] // 2
    scales = _check_scales(scales, k)
    cap = -np.log1p(-max_unit)
    magnitude = active * np.minimum(digamma(alpha + beta) - digamma(beta), cap)
    return scales * (magnitude[:, :k] - magnitude[:, k:])


class CodeUnitMap(TransformerMixin, BaseEstimator):
    """The code-to-unit map as a transformer: ``fit`` the scales, ``transform``, ``inverse_transform``.

    Parameters
    ----------
    max_unit : float, default=1 - 1e-9
        Decoding clips units at this value (see :func:`units_to_codes`).

    Attributes
    ----------
    scales_ : ndarray of shape (n_components,)
        Per-atom scales (:func:`code_scales` of the training codes).
    n_features_in_ : int
        Atoms (columns of the codes).

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([[1.0, 0.0], [-3.0, 0.5]])
    >>> code_map = CodeUnitMap().fit(codes)
    >>> code_map.transform(codes).shape
    (2, 4)
    >>> np.allclose(code_map.inverse_transform(code_map.transform(codes)), codes)
    True
    """

    _parameter_constraints = {"max_unit": open_unit_interval}

    def __init__(self, max_unit=DEFAULT_MAX_UNIT):
        self.max_unit = max_unit

    def fit(self, codes, y=None):
        """Measure each atom's scale on ``codes`` (n_samples, n_components); returns self."""
        check_params(self)
        self.scales_ = code_scales(codes)
        self.n_features_in_ = len(self.scales_)
        return self

    def _check_width(self, X, name, width):
        X = check_real_array(X, name)
        if X.shape[1] != width:
            raise ValueError(f"X has {X.shape[1]} features, but CodeUnitMap is expecting {width} "
                             f"features as input ({name}: {width} columns).")
        return X

    def transform(self, codes):
        """Codes (n_samples, k) -> units (n_samples, 2 k) in [0, 1)."""
        check_is_fitted(self)
        return codes_to_units(self._check_width(codes, "codes", self.n_features_in_),
                              self.scales_)

    def inverse_transform(self, units, active=1.0):
        """Units (n_samples, 2 k) in [0, 1] -> codes (n_samples, k), the exact inverse.

        ``active`` weights each unit's magnitude (see :func:`units_to_codes`).
        """
        check_is_fitted(self)
        return units_to_codes(self._check_width(units, "units", 2 * self.n_features_in_),
                              self.scales_, self.max_unit, active)
