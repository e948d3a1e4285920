"""The Helmholtz machine estimator: settings, training loop, and what a trained machine does."""

import numbers

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..course import progress_bar
from .._validation import (
    as_generator,
    boolean,
    check_params,
    check_positive,
    check_real_array,
    method_rng,
    one_of,
    positive,
    random_state,
)
from . import likelihood
from .optimizers import OPTIMIZERS, make_optimizer
from .passes import generate_down, recognize_samples, sample_top
from .units import UNITS, make_visible_units
from .wake_sleep import train_epoch

__all__ = ["HelmholtzMachine", "BARS_RECIPE"]

#: Settings that train Hinton et al.'s 16-8-1 machine on their bars (20,000 sampled images,
#: ``dreamlib.data.hinton_bars``) from any seed: reweighted wake-sleep with Adam, sixteen starts
#: halved by their own training likelihood (``n_init``, ``init_epochs``). Measured over seeds
#: by ``benchmarks/bars_kl.py`` (exact KL(data || model) in bits); see the README.
BARS_RECIPE = dict(algorithm="rws", n_importance=10, optimizer="adam", learning_rate=0.01,
                   learning_rate_decay=0.1, batch_size=10, n_epochs=30, n_init=16, init_epochs=1)


def _layer_sizes(value, name):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a sequence of ints, got {value!r}.")
    if len(value) < 2:
        raise ValueError(
            f"{name} needs at least two layers (visible and one hidden), got {value!r}."
        )
    for i, s in enumerate(value):
        if i == 0 and s is None:
            continue  # the visible layer takes its size from the data
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"{name} must hold positive ints (the first may be None), "
                             f"got {value!r}.")


class HelmholtzMachine(BaseEstimator):
    """A Helmholtz machine of any depth, trained by wake-sleep on minibatches.

    The generative model draws the top layer from its biases and every layer
    from the one above, ``p(h_l | h_{l+1}) = Bernoulli(sigmoid(h_{l+1} @ G_l + b_l))``;
    the recognition model goes the other way,
    ``q(h_{l+1} | h_l) = Bernoulli(sigmoid(h_l @ R_l + r_l))``. Both are trained
    by wake-sleep (:mod:`~dreamlib.helmholtz.wake_sleep`); every layer has a
    generative and a recognition bias.

    Parameters
    ----------
    layer_sizes : sequence of int, default=(784, 200, 200)
        Units per layer, the visible layer first, the top layer last; at
        least two layers. The visible size may be None: it is then taken
        from the data in ``fit``.
    units : {"bernoulli", "beta", "spike-and-slab"}, default="bernoulli"
        Visible units (:mod:`~dreamlib.helmholtz.units`): binary pixels,
        greyscale pixels in [0, 1], or values that are exactly 0 or in
        (0, 1] (sparse codes). Hidden units are always binary.
    beta_parameterization : {"mean", "paper"}, default="mean"
        For ``units="beta"``: ``Beta(kappa p, kappa (1 - p))`` with mean ``p``,
        or the seed paper's ``Beta(p, 1)`` (mean at most 1/2; a pixel the
        model is sure is white is dreamt a uniform grey).
    beta_concentration : float, default=10.0
        kappa of the mean-parameterised Beta (also the spike-and-slab's slab).
    n_epochs : int, default=20
        Passes through the training data.
    batch_size : int, default=100
        Images per wake phase and dreams per sleep phase.
    learning_rate : float, optional
        Step size. Default 3e-3 for ``optimizer="adam"``, 0.1 for ``"sgd"``.
    learning_rate_decay : float, default=0.0
        In epoch ``t`` (from 0) the step is ``learning_rate / (1 + decay * t)``.
    optimizer : {"adam", "sgd"}, default="adam"
        ``"sgd"`` is the plain delta rule ``w += learning_rate * gradient`` of
        the paper and Hinton et al.; ``"adam"`` scales each weight's step by
        running averages of its gradient (Kingma & Ba 2015).
    l1 : float, default=0.0
        L1 penalty on the weights (the paper's "Lasso Helmholtz"): once per
        minibatch each weight is soft-thresholded by ``learning_rate * l1``,
        so weights become exactly zero.
    algorithm : {"wake-sleep", "rws"}, default="wake-sleep"
        ``"rws"``: reweighted wake-sleep (Bornschein & Bengio 2015) with
        ``n_importance`` recognition samples per image.
    n_importance : int, default=5
    init_scale : float, default=0.1
        Standard deviation of the random initial weights; the visible bias
        starts at the data's log-odds.
    n_init : int, default=1
        Training runs from different random starts; the one whose
        importance-sampled log-likelihood of (up to 2,000 of) its training
        images is highest is kept. Wake-sleep has local optima; this is the
        usual remedy, and it never looks at anything but the training data.
    init_epochs : int, optional
        With ``n_init > 1``, successive halving: every start trains
        ``init_epochs`` epochs, the better half (by that score) on to
        ``3 * init_epochs``, the better half of those to ``7 * init_epochs``
        ... until one is left, which trains on to ``n_epochs``. Default: every
        start trains all ``n_epochs`` and the best is kept.
    blas_threads : int or None, default=1
        Threads for linear algebra while training (one is usually fastest for
        minibatch products); None leaves the library's default.
    progress : bool, default=True
    random_state : None, int or numpy.random.Generator
        Seeds initialisation, minibatch order and every sample drawn, during
        fit and afterwards unless a method gets its own ``random_state``.

    Attributes
    ----------
    generative_weights_ : list of ndarray
        ``G_l`` of shape (sizes[l + 1], sizes[l]), top-down; the visible
        layer's has ``n_logits`` columns per unit (two for spike-and-slab).
    generative_biases_ : list of ndarray
        ``b_l`` for every layer; the last is the top layer's prior.
    recognition_weights_, recognition_biases_ : list of ndarray
        ``R_l`` of shape (sizes[l], sizes[l + 1]) and ``r_l``, bottom-up (the
        visible layer's reads ``n_logits`` features per unit).
    visible_units_ : VisibleUnits
        The unit model built from ``units``.
    optimizer_ : SGD or Adam
        The optimizer and its running state.
    n_updates_ : int
        Minibatches trained so far.
    history_ : dict of list
        ``"elbo"``: per epoch, the mean wake-phase bound on log p(x) (nats).
    init_log_likelihoods_ : list of float
        With ``n_init > 1``, each start's score.
    n_features_in_ : int

    Examples
    --------
    >>> from dreamlib.data import hinton_bars
    >>> X = hinton_bars(2000, random_state=0)
    >>> hm = HelmholtzMachine([16, 8, 1], n_epochs=2, progress=False, random_state=0).fit(X)
    >>> hm.dream(3).shape
    (3, 16)
    """

    _parameter_constraints = {
        "layer_sizes": _layer_sizes,
        "units": one_of(*UNITS),
        "beta_parameterization": one_of("mean", "paper"),
        "beta_concentration": positive(),
        "n_epochs": positive(integer=True, allow_zero=True),
        "batch_size": positive(integer=True),
        "learning_rate": positive(optional=True),
        "learning_rate_decay": positive(allow_zero=True),
        "optimizer": one_of(*OPTIMIZERS),
        "l1": positive(allow_zero=True),
        "algorithm": one_of("wake-sleep", "rws"),
        "n_importance": positive(integer=True),
        "init_scale": positive(allow_zero=True),
        "n_init": positive(integer=True),
        "init_epochs": positive(integer=True, optional=True),
        "blas_threads": positive(integer=True, optional=True),
        "progress": boolean,
        "random_state": random_state,
    }

    def __init__(self, layer_sizes=(784, 200, 200), *, units="bernoulli",
                 beta_parameterization="mean", beta_concentration=10.0, n_epochs=20,
                 batch_size=100, learning_rate=None, learning_rate_decay=0.0,
                 optimizer="adam", l1=0.0, algorithm="wake-sleep", n_importance=5,
                 init_scale=0.1, n_init=1, init_epochs=None, blas_threads=1, progress=True,
                 random_state=None):
        self.layer_sizes = layer_sizes
        self.units = units
        self.beta_parameterization = beta_parameterization
        self.beta_concentration = beta_concentration
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.optimizer = optimizer
        self.l1 = l1
        self.algorithm = algorithm
        self.n_importance = n_importance
        self.init_scale = init_scale
        self.n_init = n_init
        self.init_epochs = init_epochs
        self.blas_threads = blas_threads
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------ set-up
    def _check_X(self, X, name="X", reset=False):
        X = check_real_array(X, name)
        expected = self.layer_sizes[0] if reset else self.n_features_in_
        if expected is not None and X.shape[1] != expected:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but HelmholtzMachine is expecting "
                f"{expected} features as input (the visible layer, layer_sizes[0])."
            )
        units = make_visible_units(self.units, self.beta_parameterization,
                                   self.beta_concentration) if reset else self.visible_units_
        units.check(X, name)
        return X.astype(np.float32)

    def _parameters(self):
        return (self.generative_weights_ + self.generative_biases_
                + self.recognition_weights_ + self.recognition_biases_)

    def initialize(self, X):
        """Set up the untrained machine (random weights, visible bias from X); returns self.

        Lets a notebook dream "after 0 iterations".
        """
        check_params(self)
        _initialize(self, self._check_X(X, reset=True), as_generator(self.random_state))
        return self

    # ------------------------------------------------------------ training
    def fit(self, X, y=None):
        """Train by wake-sleep for ``n_epochs`` passes over ``X``; returns self.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_visible)
            Binary for ``units="bernoulli"``, values in [0, 1] otherwise.
        y : ignored
        """
        check_params(self)
        X = self._check_X(X, reset=True)
        rng = as_generator(self.random_state)
        epochs, first = int(self.n_epochs), min(int(self.init_epochs or self.n_epochs),
                                                int(self.n_epochs))
        total = len(X) * _epochs_trained(int(self.n_init), first, epochs)
        with progress_bar(total=total, desc="wake-sleep", unit="img", disable=not self.progress,
                          leave=False) as bar, threadpool_limits(self.blas_threads):
            if self.n_init == 1:
                _initialize(self, X, rng)
                for _ in range(int(self.n_epochs)):
                    train_epoch(self, X, rng, _learning_rate(self), bar)
            else:
                _keep_best_start(self, X, rng, bar, first)
        return self

    def partial_fit(self, X, y=None):
        """One more epoch of wake-sleep on ``X`` (initialising on the first call); returns self.

        Use it to watch a machine learn, e.g. to record dreams after every epoch.
        """
        if not hasattr(self, "generative_weights_"):
            self.initialize(X)
        X = self._check_X(X)
        with threadpool_limits(self.blas_threads):
            train_epoch(self, X, method_rng(self, None), _learning_rate(self))
        return self

    # ------------------------------------------------------------ using it
    def generate_from_top(self, top, visible="mean", return_layers=False, random_state=None):
        """Run the generative model down from given top-layer states (e.g. one neuron on).

        ``top`` is (n, n_top) or (n_top,), values in [0, 1]; ``visible`` and
        ``return_layers`` as in :meth:`dream`. Returns (n, n_visible) or a list.
        """
        check_is_fitted(self, "generative_weights_")
        one_of("mean", "sample")(visible, "visible")
        layers = generate_down(self, _check_top(self, top), method_rng(self, random_state),
                               visible)
        return layers if return_layers else layers[0]

    def dream(self, n_samples, visible="sample", top=None, return_layers=False,
              random_state=None):
        """Dreams: ``n_samples`` samples of the generative model, top layer first.

        ``visible="sample"`` samples the visible layer, ``"mean"`` gives its mean
        given the layer above; ``top`` (shape (n_top,) or (n_samples, n_top))
        fixes the top layer instead of sampling it from its biases. Returns
        (n_samples, n_visible), or every layer (a list, visible first) with
        ``return_layers``.
        """
        check_is_fitted(self, "generative_weights_")
        check_positive(n_samples, "n_samples", integer=True)
        rng = method_rng(self, random_state)
        if top is None:
            top = sample_top(self, n_samples, rng)
        else:
            top = _check_top(self, top)
            top = np.broadcast_to(top, (n_samples, top.shape[1]))
        return self.generate_from_top(top, visible, return_layers, random_state=rng)

    def recognize(self, X, sample=False, random_state=None):
        """Hidden representations of ``X``: one array per hidden layer, lowest first.

        ``sample=True`` samples binary states layer by layer (the wake phase);
        otherwise probabilities are passed up (a deterministic summary).
        """
        check_is_fitted(self, "generative_weights_")
        X = self._check_X(X)
        if sample:
            return recognize_samples(self, X, method_rng(self, random_state))[0][1:]
        out = []
        for R, r in zip(self.recognition_weights_, self.recognition_biases_):
            out.append(expit((out[-1] if out else self.visible_units_.features(X)) @ R + r))
        return out

    def visible_logits(self, hidden):
        """Generative logits of the visible layer given first-hidden-layer states ``hidden``."""
        check_is_fitted(self, "generative_weights_")
        return hidden @ self.generative_weights_[0] + self.generative_biases_[0]

    def reconstruct(self, X, random_state=None):
        """The visible mean ``E[x | h_1]`` after sampling ``h_1 ~ q(h_1 | x)``: (n, n_visible)."""
        check_is_fitted(self, "generative_weights_")
        hidden = self.recognize(X, sample=True, random_state=random_state)[0]
        return self.visible_units_.mean(self.visible_logits(hidden))

    def log_likelihood(self, X, n_samples=500, batch_rows=20000, random_state=None):
        """Importance-sampled log p(x) in nats, one per row of ``X`` (shape (n,)).

        ``n_samples`` recognition samples per image, ``batch_rows`` images x
        samples at once (memory); see
        :func:`~dreamlib.helmholtz.likelihood.importance_log_likelihood`. For
        Beta and spike-and-slab units it is a log *density*.
        """
        check_is_fitted(self, "generative_weights_")
        X = self._check_X(X)
        check_positive(n_samples, "n_samples", integer=True)
        check_positive(batch_rows, "batch_rows", integer=True)
        with threadpool_limits(self.blas_threads):
            return likelihood.importance_log_likelihood(
                self, X, n_samples, method_rng(self, random_state), batch_rows=int(batch_rows))

    def score(self, X, y=None):
        """Mean importance-sampled log-likelihood of ``X`` (nats per row; higher is better)."""
        return float(np.mean(self.log_likelihood(X, n_samples=100)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # visible values live in [0, 1]
        return tags

    def exact_log_likelihood(self, X, max_hidden=20):
        """Exact log p(x) in nats, summed over every hidden state (tiny machines only)."""
        check_is_fitted(self, "generative_weights_")
        return likelihood.exact_log_likelihood(self, self._check_X(X), max_hidden)


def _halving_rounds(n_init, first_epochs, n_epochs):
    """(starts, epoch to train them to) per round of successive halving, then (1, n_epochs)."""
    rounds, starts, target = [], n_init, first_epochs
    while starts > 1 and target < n_epochs:
        rounds.append((starts, target))
        starts, target = starts // 2, 2 * target + first_epochs
    rounds.append((starts, n_epochs))
    return rounds


def _epochs_trained(n_init, first_epochs, n_epochs):
    """Epochs trained in all by ``fit`` (for the progress bar)."""
    total, done = 0, 0
    for starts, target in _halving_rounds(n_init, first_epochs, n_epochs):
        total, done = total + starts * (target - done), target
    return total


def _keep_best_start(machine, X, rng, bar, first_epochs):
    """Train ``n_init`` copies from different starts; keep the one that models X best.

    Successive halving (``init_epochs``): each round trains the starts left to the round's
    epoch, scores them by their importance-sampled log-likelihood (100 samples) of up to 2,000
    training images, the same images and samples for every start, and keeps the better half;
    the last start trains on to ``n_epochs``. The first round's scores are kept.
    """
    scored = X[rng.permutation(len(X))[:2000]]
    starts = []
    for _ in range(int(machine.n_init)):
        start = clone(machine).set_params(n_init=1, progress=False,
                                          random_state=int(rng.integers(2**31)))
        _initialize(start, X, as_generator(start.random_state))
        starts.append(start)
    done = 0
    for n_starts, target in _halving_rounds(int(machine.n_init), first_epochs,
                                            int(machine.n_epochs)):
        starts = starts[:n_starts]
        for start in starts:
            for _ in range(target - done):
                train_epoch(start, X, start._rng, _learning_rate(start), bar)
        done = target
        if len(starts) > 1:
            scores = [float(start.log_likelihood(scored, n_samples=100, random_state=0).mean())
                      for start in starts]
            if n_starts == machine.n_init:
                first_scores = scores
            starts = [starts[i] for i in np.argsort(-np.asarray(scores), kind="stable")]
    best = starts[0]
    machine.__dict__.update({k: v for k, v in vars(best).items() if k.endswith("_")})
    machine._rng = best._rng
    machine.init_log_likelihoods_ = first_scores


def _initialize(machine, X, rng):
    """Random weights, the visible bias from X, a fresh optimizer: an untrained machine."""
    machine.visible_units_ = make_visible_units(machine.units, machine.beta_parameterization,
                                                machine.beta_concentration)
    sizes = [X.shape[1], *[int(s) for s in machine.layer_sizes[1:]]]
    widths = [machine.visible_units_.n_logits * sizes[0], *sizes[1:]]  # logits, inputs per layer
    s = machine.init_scale
    machine.generative_weights_ = [(s * rng.standard_normal((sizes[i + 1], widths[i])))
                                   .astype(np.float32) for i in range(len(sizes) - 1)]
    machine.recognition_weights_ = [(s * rng.standard_normal((widths[i], sizes[i + 1])))
                                    .astype(np.float32) for i in range(len(sizes) - 1)]
    machine.generative_biases_ = [np.zeros(n, dtype=np.float32) for n in widths]
    machine.recognition_biases_ = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
    machine.generative_biases_[0][:] = machine.visible_units_.initial_bias(X)
    machine.optimizer_ = make_optimizer(machine.optimizer).start(machine._parameters())
    machine.n_updates_ = 0
    machine.history_ = {"elbo": []}
    machine.n_features_in_ = sizes[0]
    machine._rng = rng


def _learning_rate(machine):
    """This epoch's step: ``learning_rate / (1 + learning_rate_decay * epochs done)``."""
    base = machine.learning_rate
    if base is None:
        base = type(machine.optimizer_).default_learning_rate
    return float(base) / (1.0 + machine.learning_rate_decay * len(machine.history_["elbo"]))


def _check_top(machine, top):
    top = check_real_array(np.atleast_2d(top), "top")
    n_top = len(machine.generative_biases_[-1])
    if top.shape[1] != n_top:
        raise ValueError(f"top must have {n_top} columns (the top layer), got {top.shape[1]}.")
    return top.astype(np.float32)
