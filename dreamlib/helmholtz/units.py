"""Visible units of a Helmholtz machine: Bernoulli, Beta, and spike-and-slab.

Hidden units are always binary (Bernoulli). The visible layer's units are a
choice, made with ``HelmholtzMachine(units=...)``; each kind is a small object
with one interface, given the generative *logits* ``a`` that the layer above
produces for the visible layer (``n_logits`` per visible unit):

* :meth:`~BernoulliUnits.sample` a visible layer, :meth:`~BernoulliUnits.mean`
  its expectation, :meth:`~BernoulliUnits.log_prob` its log-probability
  (summed over units);
* :meth:`~BernoulliUnits.gradient`: the delta rule, the error ``d`` that the
  wake phase multiplies by the layer above (``dG = h.T @ d``).

The three kinds:

* :class:`BernoulliUnits` — binary pixels, ``p = sigmoid(a)``; the delta rule
  ``x - p`` is the exact gradient of ``log p(x)``.
* :class:`BetaUnits` — greyscale pixels in [0, 1]. ``parameterization="mean"``:
  ``Beta(kappa p, kappa (1 - p))`` with mean ``p``; ``"paper"``: the seed
  paper's ``Beta(p, 1)``, mean ``p / (p + 1)`` (never above 1/2). Learning
  uses the delta rule ``x - p`` for both: the gradient of the cross-entropy,
  which fits ``p`` to the mean grey level; only sampling and density differ.
* :class:`SpikeAndSlabUnits` — values that are *exactly* zero most of the
  time and otherwise in (0, 1], as sparse codes mapped to units are. Two
  logits per unit: a Bernoulli **gate** ``pi = sigmoid(a_gate)`` (is the
  unit active?) and, when active, a **slab** ``Beta(kappa m, kappa (1 - m))``
  with ``m = sigmoid(a_slab)`` for its magnitude. ``log p(0) = log(1 - pi)``
  and ``log p(x > 0) = log pi + log Beta(x)``; the mean is ``pi * m``. The
  delta rule is ``1[x > 0] - pi`` for the gate (exact) and ``x - m`` on active
  entries only for the slab (zero where the unit is off: an inactive unit
  says nothing about the magnitude it would have had).

Densities are taken of values clipped into ``[BETA_EPS, 1 - BETA_EPS]``.
"""

import numpy as np
from scipy.special import betaln, expit, log_expit, logit
from sklearn.base import BaseEstimator

from .._validation import check_positive

__all__ = [
    "VisibleUnits",
    "BernoulliUnits",
    "BetaUnits",
    "SpikeAndSlabUnits",
    "UNITS",
    "make_visible_units",
    "bernoulli_log_prob",
    "sample_bernoulli",
    "BETA_EPS",
    "BETA_MIN_SHAPE",
]

#: Pixels are clipped into [BETA_EPS, 1 - BETA_EPS] before a Beta density is taken.
BETA_EPS = 1e-3
#: Beta shape parameters never go below this (a Beta(0, .) does not exist).
BETA_MIN_SHAPE = 1e-2


def bernoulli_log_prob(x, logits):
    """``log Bernoulli(x; sigmoid(logits))`` summed over the last axis, computed stably.

    Uses ``log p = x * a + log(1 - sigmoid(a))`` with ``log(1 - sigmoid(a)) =
    log_expit(-a)``, which never overflows and never takes ``log(0)``.

    Parameters
    ----------
    x : ndarray (..., n)
        Values in [0, 1] (0/1 for binary units).
    logits : ndarray (..., n)

    Returns
    -------
    ndarray (...,)

    Examples
    --------
    >>> import numpy as np
    >>> float(np.exp(bernoulli_log_prob(np.array([1.0, 0.0]), np.array([0.0, 0.0]))))
    0.25
    """
    return (x * logits + log_expit(-logits)).sum(axis=-1)


def sample_bernoulli(p, rng):
    """Binary samples (float32) with probabilities ``p``."""
    return (rng.random(p.shape, dtype=np.float32) < p).astype(np.float32)


def _data_log_odds(mean):
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return np.log(mean) - np.log1p(-mean)


def _check_unit_interval(X, name):
    if X.min() < 0 or X.max() > 1:
        negative = " Negative values in data cannot be probabilities or grey levels." \
            if X.min() < 0 else ""
        raise ValueError(f"{name} must hold values in [0, 1], got values from "
                         f"{X.min():.3g} to {X.max():.3g}.{negative}")


class VisibleUnits(BaseEstimator):
    """What every kind of visible unit shares; the defaults suit units with values in [0, 1]."""

    #: Generative logits per visible unit (and recognition inputs per unit, see ``features``).
    n_logits = 1

    def features(self, x):
        """What the recognition model reads from visible values ``x``: ``n_logits`` per unit."""
        return x

    def check(self, X, name="X"):
        """Refuse data the units cannot produce."""
        _check_unit_interval(X, name)

    def initial_bias(self, X):
        """The visible bias that makes every unit's mean its data mean (the data's log-odds)."""
        return _data_log_odds(X.mean(axis=0))

    def gradient(self, x, logits):
        """The delta rule: ``x - sigmoid(a)``."""
        return x - expit(logits)

    def active_probability(self, logits):
        """P(unit > 0): 1 for units that never output an exact zero."""
        return np.ones(logits.shape, dtype=np.float64)

    def active_mean(self, logits):
        """E[x | x > 0]: the mean value of a unit that is on (float64)."""
        return self.mean(logits).astype(np.float64)


class BernoulliUnits(VisibleUnits):
    """Binary visible units, ``p(x = 1) = sigmoid(a)``: one logit per unit.

    Examples
    --------
    >>> import numpy as np
    >>> units = BernoulliUnits()
    >>> units.mean(np.array([[0.0]])), units.gradient(np.array([[1.0]]), np.array([[0.0]]))
    (array([[0.5]]), array([[0.5]]))
    """

    def check(self, X, name="X"):
        """Refuse data the units cannot produce: anything but 0 and 1."""
        _check_unit_interval(X, name)
        if not np.all((X == 0) | (X == 1)):
            raise ValueError(
                f"{name} must be binary (0/1) for units='bernoulli'; binarise it "
                "(e.g. dl.data.mnist(binarize=True)) or use units='beta' for greyscale."
            )

    def sample(self, logits, rng):
        return sample_bernoulli(expit(logits), rng)

    def mean(self, logits):
        return expit(logits)

    def log_prob(self, x, logits):
        """log p(x | logits) summed over units; rows of x pair with rows of logits."""
        return bernoulli_log_prob(x, logits)



class BetaUnits(VisibleUnits):
    """Greyscale visible units in [0, 1]: a Beta distribution per unit, one logit per unit.

    Parameters
    ----------
    parameterization : {"mean", "paper"}, default="mean"
        ``"mean"``: ``Beta(kappa p, kappa (1 - p))``, mean ``p = sigmoid(a)``.
        ``"paper"``: ``Beta(p, 1)``, mean ``p / (p + 1)``.
    concentration : float, default=10.0
        kappa of the ``"mean"`` parameterisation.

    Examples
    --------
    >>> import numpy as np
    >>> BetaUnits().mean(np.array([[0.0]])).round(3), BetaUnits("paper").mean(np.array([[50.0]])).round(3)
    (array([[0.5]], dtype=float32), array([[0.5]], dtype=float32))
    """

    def __init__(self, parameterization="mean", concentration=10.0):
        self.parameterization = parameterization
        self.concentration = concentration

    def shapes(self, logits):
        """The Beta shape parameters ``(alpha, beta)`` for each unit, float64."""
        p = np.clip(expit(logits.astype(np.float64)), 1e-6, 1 - 1e-6)
        if self.parameterization == "paper":
            return np.maximum(p, BETA_MIN_SHAPE), np.ones_like(p)
        k = self.concentration
        return np.maximum(k * p, BETA_MIN_SHAPE), np.maximum(k * (1 - p), BETA_MIN_SHAPE)

    def sample(self, logits, rng):
        a, b = self.shapes(logits)
        return rng.beta(a, b).astype(np.float32)

    def mean(self, logits):
        a, b = self.shapes(logits)
        return (a / (a + b)).astype(np.float32)

    def log_prob(self, x, logits):
        a, b = self.shapes(logits)
        return np.sum(_beta_log_density(x, a, b), axis=-1)


def _beta_log_density(x, a, b):
    x = np.clip(x.astype(np.float64), BETA_EPS, 1 - BETA_EPS)
    return (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - betaln(a, b)


class SpikeAndSlabUnits(VisibleUnits):
    """Units that are exactly 0 or Beta-distributed in (0, 1]: two logits per unit.

    The generative logits of a layer of ``n`` units are ``(gate logits,
    slab logits)``, ``2 n`` columns; see the module docstring.

    Parameters
    ----------
    concentration : float, default=10.0
        kappa of the slab ``Beta(kappa m, kappa (1 - m))``.

    Examples
    --------
    >>> import numpy as np
    >>> units = SpikeAndSlabUnits()
    >>> logits = np.array([[0.0, 0.0]])                  # gate 1/2, slab mean 1/2
    >>> units.mean(logits)
    array([[0.25]], dtype=float32)
    >>> float(np.exp(units.log_prob(np.array([[0.0]]), logits)[0]))   # P(unit off)
    0.5
    """

    n_logits = 2

    def __init__(self, concentration=10.0):
        self.concentration = concentration

    @staticmethod
    def _split(logits):
        n = logits.shape[-1] // 2
        return logits[..., :n], logits[..., n:]

    def initial_bias(self, X):
        """Gate bias: log-odds of each unit being active; slab bias: of its mean active value."""
        active = X > 0
        count = active.sum(axis=0)
        slab_mean = np.where(count > 0, X.sum(axis=0) / np.maximum(count, 1), 0.5)
        return np.concatenate([_data_log_odds(active.mean(axis=0)), _data_log_odds(slab_mean)])

    def shapes(self, logits):
        """The slab's Beta shapes ``(alpha, beta)``, float64, one pair per unit."""
        slab = self._split(logits)[1]
        m = np.clip(expit(slab.astype(np.float64)), 1e-6, 1 - 1e-6)
        k = self.concentration
        return np.maximum(k * m, BETA_MIN_SHAPE), np.maximum(k * (1 - m), BETA_MIN_SHAPE)

    def active_probability(self, logits):
        """P(unit > 0) = sigmoid(gate logit), float64."""
        return expit(self._split(logits)[0].astype(np.float64))

    def active_mean(self, logits):
        """E[x | x > 0]: the slab's mean, float64."""
        a, b = self.shapes(logits)
        return a / (a + b)

    def sample(self, logits, rng):
        gate = sample_bernoulli(expit(self._split(logits)[0]), rng)
        slab = rng.beta(*self.shapes(logits))
        # an active unit is never exactly 0 (a slab sample can underflow to 0.0)
        slab = np.maximum(slab, np.finfo(np.float32).tiny).astype(np.float32)
        return gate * slab

    def mean(self, logits):
        a, b = self.shapes(logits)
        return (self.active_probability(logits) * (a / (a + b))).astype(np.float32)

    def log_prob(self, x, logits):
        gate = self._split(logits)[0].astype(np.float64)
        a, b = self.shapes(logits)
        active = x > 0
        lp = np.where(active, log_expit(gate) + _beta_log_density(x, a, b), log_expit(-gate))
        return np.sum(lp, axis=-1)

    def features(self, x):
        """``(1[x > 0], x)``: the recognition model sees which units are on, however faintly."""
        return np.concatenate([(x > 0).astype(x.dtype), x], axis=-1)

    def gradient(self, x, logits):
        gate, slab = self._split(logits)
        active = (x > 0).astype(x.dtype)
        return np.concatenate([active - expit(gate), active * (x - expit(slab))], axis=-1)


#: The ``units=`` names of :class:`~dreamlib.helmholtz.HelmholtzMachine`.
UNITS = ("bernoulli", "beta", "spike-and-slab")


def make_visible_units(units, beta_parameterization="mean", beta_concentration=10.0):
    """The unit object for a ``units=`` name (the estimator's public parameters).

    Examples
    --------
    >>> make_visible_units("spike-and-slab", beta_concentration=5.0)
    SpikeAndSlabUnits(concentration=5.0)
    """
    check_positive(beta_concentration, "beta_concentration")
    if units == "bernoulli":
        return BernoulliUnits()
    if units == "beta":
        return BetaUnits(beta_parameterization, beta_concentration)
    if units == "spike-and-slab":
        return SpikeAndSlabUnits(beta_concentration)
    raise ValueError(f"units must be one of {UNITS}, got {units!r}.")
