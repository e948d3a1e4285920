"""dreamlib's Helmholtz machine as it was at commit 7beb5eb (one 1,010-line module), kept unchanged
for benchmarks/bench_helmholtz.py to compare the speed of the refactored package against it in the
same run. Only its imports changed (absolute, and the validation helpers' new names). Not used by
dreamlib itself; do not edit.
"""

"""A Helmholtz machine trained by the wake-sleep algorithm.

A Helmholtz machine (Dayan, Hinton, Neal & Zemel 1995) is two networks over
the same layers of stochastic units ``h_0 = x`` (visible), ``h_1``, ...,
``h_L`` (top):

* the **generative** model draws the top layer from independent biases and
  every layer from the one above,

      p(h_L) = prod sigmoid(b_L),   p(h_l | h_{l+1}) = Bernoulli(sigmoid(h_{l+1} @ G_l + b_l));

* the **recognition** model goes the other way,

      q(h_{l+1} | h_l) = Bernoulli(sigmoid(h_l @ R_l + r_l)).

The wake-sleep algorithm (Hinton, Dayan, Frey & Neal 1995; the paper's Fig 3)
trains both with the same local delta rule:

* **wake**: drive the layers bottom-up with the recognition model from a real
  image, then nudge each generative layer to predict the layer below it:
  ``G_l += eps * h_{l+1}.T @ (h_l - sigmoid(h_{l+1} @ G_l + b_l))``;
* **sleep**: dream top-down with the generative model, then nudge each
  recognition layer to predict the layer above it from the dream:
  ``R_l += eps * d_l.T @ (d_{l+1} - sigmoid(d_l @ R_l + r_l))``.

Unlike the paper's version, every layer here has a generative *and* a
recognition bias (the paper had only a top generative bias), updates are
averaged over minibatches (one matrix product per layer, no loop over
images), and the model is measured by its log-likelihood (in nats), not only
by looking at dreams.

For greyscale images the visible units can be Beta-distributed
(``units="beta"``); see :class:`HelmholtzMachine` for the two
parameterisations.
"""

import itertools
import numbers

import numpy as np
from scipy.special import betaln, expit, log_expit, logsumexp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from dreamlib._validation import as_generator as check_random_state
from dreamlib._validation import check_positive
from dreamlib._validation import check_real_array as check_array

__all__ = [
    "HelmholtzMachine",
    "delta_rule",
    "bernoulli_log_prob",
    "independent_pixel_log_likelihood",
    "exact_kl_bits",
    "expected_generation",
    "isolated_generations",
]

#: Pixels of greyscale data are clipped into [BETA_EPS, 1 - BETA_EPS] before a Beta density is taken.
BETA_EPS = 1e-3
#: Beta shape parameters never go below this (a Beta(0, .) does not exist).
BETA_MIN_SHAPE = 1e-2
_UNITS = ("bernoulli", "beta")
_BETA_KINDS = ("mean", "paper")
_ALGORITHMS = ("wake-sleep", "rws")
_OPTIMIZERS = ("adam", "sgd")


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
    return np.sum(x * logits + log_expit(-logits), axis=-1)


def independent_pixel_log_likelihood(X_train, X_test, alpha=1.0):
    """Baseline: log-likelihood (nats) of ``X_test`` under independent Bernoulli pixels.

    Each pixel's probability is its frequency in ``X_train``, smoothed with
    ``alpha`` pseudo-counts per outcome (Laplace smoothing), so no pixel has
    probability exactly 0 or 1.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n_samples, n_features), values in {0, 1}
    alpha : float, default=1.0

    Returns
    -------
    ndarray of shape (n_test,)
        log p(x) per test image, in nats.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> independent_pixel_log_likelihood(X, X).round(3)
    array([-0.981, -0.981])
    """
    X_train = check_array(X_train, "X_train")
    X_test = check_array(X_test, "X_test")
    if X_train.shape[1] != X_test.shape[1]:
        raise ValueError(
            f"X_test has {X_test.shape[1]} features but X_train has {X_train.shape[1]}."
        )
    check_positive(alpha, "alpha", allow_zero=True)
    p = (X_train.sum(axis=0) + alpha) / (len(X_train) + 2 * alpha)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return X_test @ np.log(p) + (1 - X_test) @ np.log1p(-p)


def exact_kl_bits(model, patterns, probabilities):
    """Exact KL(data || model) in bits, for a data distribution with known probabilities.

    ``KL = sum_x P(x) * log2(P(x) / p_model(x))``, with ``p_model(x)`` from
    :meth:`HelmholtzMachine.exact_log_likelihood` (a sum over every hidden
    state). Patterns with zero data probability contribute nothing.

    Parameters
    ----------
    model : HelmholtzMachine
        A fitted machine small enough to enumerate.
    patterns : ndarray of shape (n_patterns, n_visible)
        Every pattern with non-zero data probability, each once.
    probabilities : ndarray of shape (n_patterns,)
        Their probabilities (summing to 1).

    Returns
    -------
    float
    """
    patterns = check_array(patterns, "patterns")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(patterns),):
        raise ValueError(
            f"probabilities must have shape ({len(patterns)},), got {probabilities.shape}."
        )
    if np.any(probabilities < 0) or not np.isclose(probabilities.sum(), 1.0):
        raise ValueError("probabilities must be non-negative and sum to 1.")
    keep = probabilities > 0
    log_q = model.exact_log_likelihood(patterns[keep])
    p = probabilities[keep]
    return float(np.sum(p * (np.log(p) - log_q)) / np.log(2.0))


def delta_rule(inputs, targets, weights, bias):
    """The delta rule of wake-sleep: how to change one layer's weights and biases.

    A layer predicts ``targets`` from ``inputs`` with probabilities
    ``p = sigmoid(inputs @ weights + bias)``; the rule moves the prediction
    towards the targets, ``dW = inputs.T @ (targets - p)``, averaged over the
    rows. It is the gradient of ``log Bernoulli(targets; p)``. The wake phase
    uses it top-down (inputs: the layer above, targets: the layer below, both
    from recognition); the sleep phase bottom-up on a dream.

    Parameters
    ----------
    inputs : ndarray of shape (n, n_in)
    targets : ndarray of shape (n, n_out)
    weights : ndarray of shape (n_in, n_out)
    bias : ndarray of shape (n_out,)

    Returns
    -------
    grad_weights : ndarray of shape (n_in, n_out)
    grad_bias : ndarray of shape (n_out,)
        Add ``learning_rate`` times these to the weights and bias.

    Examples
    --------
    >>> import numpy as np
    >>> dW, db = delta_rule(np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1))
    >>> float(dW[0, 0]), float(db[0])
    (0.5, 0.5)
    """
    err = targets - expit(inputs @ weights + bias)
    return inputs.T @ err / len(inputs), err.mean(axis=0)


def _sample_bernoulli(p, rng):
    return (rng.random(p.shape, dtype=np.float32) < p).astype(np.float32)


class HelmholtzMachine(BaseEstimator):
    """A Helmholtz machine of any depth, trained by wake-sleep on minibatches.

    Parameters
    ----------
    layer_sizes : sequence of int, default=(784, 200, 200)
        Units per layer, the visible layer first, the top layer last; at
        least two layers.
    units : {"bernoulli", "beta"}, default="bernoulli"
        Visible units. ``"bernoulli"`` for binary images. ``"beta"`` for
        greyscale images in [0, 1]; hidden units are always binary.
    beta_parameterization : {"mean", "paper"}, default="mean"
        How a Beta visible unit turns its probability ``p = sigmoid(a)`` into
        a distribution over [0, 1]:

        * ``"mean"``: ``Beta(kappa * p, kappa * (1 - p))``. Its mean is
          exactly ``p``, and its variance ``p (1 - p) / (kappa + 1)`` shrinks
          as ``beta_concentration`` (kappa) grows. A pixel the model believes
          white is dreamt white.
        * ``"paper"``: ``Beta(p, 1)``, the seed paper's choice. Its density
          is ``p * x**(p - 1)`` and its mean ``p / (p + 1)`` never exceeds
          1/2: a pixel the model is sure is white (``p = 1``) is dreamt as a
          uniform random grey, and even a black pixel (``p`` small) is never
          exactly black. Kept so the course can show the difference.

        Learning is the same for both: the delta rule ``x - p`` (the gradient
        of the cross-entropy, which fits ``p`` to the mean grey level given
        the layer above). Only sampling and the density differ.
    beta_concentration : float, default=10.0
        kappa of the ``"mean"`` parameterisation.
    n_epochs : int, default=20
        Passes through the training data.
    batch_size : int, default=100
        Images per wake phase and dreams per sleep phase. Updates average over
        the minibatch.
    learning_rate : float, optional
        Step size. Default 3e-3 for ``optimizer="adam"``, 0.1 for ``"sgd"``.
    learning_rate_decay : float, default=0.0
        Anneal the step size: in epoch ``t`` (counted from 0) it is
        ``learning_rate / (1 + learning_rate_decay * t)``. Annealing lets a
        noisy stochastic algorithm settle into the optimum it has found.
    optimizer : {"adam", "sgd"}, default="adam"
        ``"sgd"`` is the plain delta rule ``w += learning_rate * gradient``
        of the paper and Hinton et al.; ``"adam"`` rescales each weight's step
        by running averages of its gradient (Kingma & Ba 2015), which makes
        the default learning rate work for any layer size.
    l1 : float, default=0.0
        L1 penalty on all weights (not biases): the paper's "Lasso
        Helmholtz". After every minibatch (its wake and its sleep step) each
        weight is soft-thresholded once,
        ``w <- sign(w) * max(|w| - learning_rate * l1, 0)``, the proximal step
        of ``l1 * ||w||_1``; with ``optimizer="sgd"`` this is exact proximal
        gradient ascent, so weights become exactly zero.
    algorithm : {"wake-sleep", "rws"}, default="wake-sleep"
        ``"rws"`` is reweighted wake-sleep (Bornschein & Bengio 2015): the
        wake phase draws ``n_importance`` recognition samples per image,
        weights them by ``p(x, h) / q(h | x)`` and updates the generative
        model with the weighted delta rule; the recognition model learns from
        the same weighted samples (wake-q) and from dreams (sleep).
    n_importance : int, default=5
        Samples per image for ``algorithm="rws"``.
    init_scale : float, default=0.1
        Standard deviation of the random initial weights. The visible
        generative bias starts at the data's log-odds.
    blas_threads : int or None, default=1
        Threads the linear-algebra library may use while training and
        measuring. Minibatch products are small, and one thread is usually
        fastest (several threads busy-wait for each other, badly so on a
        shared machine). None leaves the library's default.
    progress : bool, default=True
        Show a progress bar while fitting.
    random_state : None, int or numpy.random.Generator
        Seeds initialisation, minibatch order and every sample drawn, during
        fit and afterwards (dreams, log-likelihood) unless a method is given
        its own ``random_state``.

    Attributes
    ----------
    generative_weights_ : list of ndarray
        ``G_l`` of shape (layer_sizes[l + 1], layer_sizes[l]), top-down.
    generative_biases_ : list of ndarray
        ``b_l`` of shape (layer_sizes[l],), for every layer; the last is the
        top layer's prior.
    recognition_weights_ : list of ndarray
        ``R_l`` of shape (layer_sizes[l], layer_sizes[l + 1]), bottom-up.
    recognition_biases_ : list of ndarray
        ``r_l`` of shape (layer_sizes[l + 1],).
    n_updates_ : int
        Wake-sleep steps (minibatches) done so far.
    history_ : dict of list
        Per epoch: ``"elbo"``, the mean single-sample bound
        ``log p(x, h) - log q(h | x)`` over the wake samples of every 10th
        minibatch (nats; for ``"rws"`` the K-sample bound).
    n_features_in_ : int

    Examples
    --------
    >>> from dreamlib.data import hinton_bars
    >>> X = hinton_bars(2000, random_state=0)
    >>> hm = HelmholtzMachine([16, 8, 1], n_epochs=2, progress=False, random_state=0).fit(X)
    >>> hm.dream(3).shape
    (3, 16)
    """

    def __init__(
        self,
        layer_sizes=(784, 200, 200),
        *,
        units="bernoulli",
        beta_parameterization="mean",
        beta_concentration=10.0,
        n_epochs=20,
        batch_size=100,
        learning_rate=None,
        learning_rate_decay=0.0,
        optimizer="adam",
        l1=0.0,
        algorithm="wake-sleep",
        n_importance=5,
        init_scale=0.1,
        blas_threads=1,
        progress=True,
        random_state=None,
    ):
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
        self.blas_threads = blas_threads
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------ validation
    def _check_params(self):
        sizes = self.layer_sizes
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"layer_sizes must be a sequence of ints, got {sizes!r}.")
        if len(sizes) < 2:
            raise ValueError(
                f"layer_sizes needs at least two layers (visible and one hidden), got {sizes!r}."
            )
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
                raise ValueError(f"layer_sizes must hold positive ints, got {sizes!r}.")
        if self.units not in _UNITS:
            raise ValueError(f"units must be one of {_UNITS}, got {self.units!r}.")
        if self.beta_parameterization not in _BETA_KINDS:
            raise ValueError(
                f"beta_parameterization must be one of {_BETA_KINDS}, "
                f"got {self.beta_parameterization!r}."
            )
        check_positive(self.beta_concentration, "beta_concentration")
        check_positive(self.n_epochs, "n_epochs", integer=True, allow_zero=True)
        check_positive(self.batch_size, "batch_size", integer=True)
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}.")
        if self.learning_rate is not None:
            check_positive(self.learning_rate, "learning_rate")
        check_positive(self.learning_rate_decay, "learning_rate_decay", allow_zero=True)
        check_positive(self.l1, "l1", allow_zero=True)
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"algorithm must be one of {_ALGORITHMS}, got {self.algorithm!r}.")
        check_positive(self.n_importance, "n_importance", integer=True)
        check_positive(self.init_scale, "init_scale", allow_zero=True)
        if self.blas_threads is not None:
            check_positive(self.blas_threads, "blas_threads", integer=True)

    def _check_X(self, X, name="X"):
        X = check_array(X, name)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"{name} has {X.shape[1]} features but the visible layer "
                f"(layer_sizes[0]) has {self.layer_sizes[0]} units."
            )
        if X.min() < 0 or X.max() > 1:
            raise ValueError(f"{name} must hold values in [0, 1].")
        if self.units == "bernoulli" and not np.all((X == 0) | (X == 1)):
            raise ValueError(
                f"{name} must be binary (0/1) for units='bernoulli'; binarise it "
                "(e.g. dl.data.mnist(binarize=True)) or use units='beta' for greyscale."
            )
        return X.astype(np.float32)

    @property
    def _lr(self):
        base = 3e-3 if self.optimizer == "adam" else 0.1
        if self.learning_rate is not None:
            base = float(self.learning_rate)
        epochs_done = len(getattr(self, "history_", {"elbo": []})["elbo"])
        return base / (1.0 + self.learning_rate_decay * epochs_done)

    # ------------------------------------------------------------ set-up
    def _initialize(self, X, rng):
        sizes = [int(s) for s in self.layer_sizes]
        s = self.init_scale
        self.generative_weights_ = [
            (s * rng.standard_normal((sizes[i + 1], sizes[i]))).astype(np.float32)
            for i in range(len(sizes) - 1)
        ]
        self.recognition_weights_ = [
            (s * rng.standard_normal((sizes[i], sizes[i + 1]))).astype(np.float32)
            for i in range(len(sizes) - 1)
        ]
        self.generative_biases_ = [np.zeros(n, dtype=np.float32) for n in sizes]
        self.recognition_biases_ = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
        mean = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
        self.generative_biases_[0][:] = np.log(mean) - np.log1p(-mean)
        self._adam_m = [np.zeros_like(p) for p in self._params()]
        self._adam_v = [np.zeros_like(p) for p in self._params()]
        self._adam_t = 0
        self.n_updates_ = 0
        self.history_ = {"elbo": []}
        self.n_features_in_ = sizes[0]
        self._rng = rng

    def _params(self):
        return (
            self.generative_weights_
            + self.generative_biases_
            + self.recognition_weights_
            + self.recognition_biases_
        )

    @property
    def _n_layers(self):
        return len(self.generative_biases_)

    # ------------------------------------------------------------ the model
    def _visible_sample(self, logits, rng):
        p = expit(logits)
        if self.units == "bernoulli":
            return _sample_bernoulli(p, rng)
        a, b = self._beta_shapes(p)
        return rng.beta(a, b).astype(np.float32)

    def _beta_shapes(self, p):
        p = np.clip(p.astype(np.float64), 1e-6, 1 - 1e-6)
        if self.beta_parameterization == "paper":
            return np.maximum(p, BETA_MIN_SHAPE), np.ones_like(p)
        k = self.beta_concentration
        return np.maximum(k * p, BETA_MIN_SHAPE), np.maximum(k * (1 - p), BETA_MIN_SHAPE)

    def _visible_mean(self, logits):
        p = expit(logits)
        if self.units == "beta":
            a, b = self._beta_shapes(p)
            return (a / (a + b)).astype(np.float32)
        return p

    def _visible_log_prob(self, x, logits):
        """log p(x | layer above), summed over pixels; rows of x pair with rows of logits."""
        if self.units == "bernoulli":
            return bernoulli_log_prob(x, logits)
        a, b = self._beta_shapes(expit(logits))
        x = np.clip(x.astype(np.float64), BETA_EPS, 1 - BETA_EPS)
        return np.sum(
            (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - betaln(a, b), axis=-1
        )

    def _recognize_samples(self, X, rng):
        states = [X]
        logits = []
        for R, r in zip(self.recognition_weights_, self.recognition_biases_):
            a = states[-1] @ R + r
            logits.append(a)
            states.append(_sample_bernoulli(expit(a), rng))
        return states, logits

    def _generate_down(self, top, rng, visible="sample"):
        """Sample every layer below ``top``; returns [visible, ..., top] and the visible logits."""
        states = [top]
        logits = None
        for level in range(self._n_layers - 2, -1, -1):
            a = states[0] @ self.generative_weights_[level] + self.generative_biases_[level]
            if level == 0:
                logits = a
                if visible == "sample":
                    states.insert(0, self._visible_sample(a, rng))
                else:
                    states.insert(0, self._visible_mean(a))
            else:
                states.insert(0, _sample_bernoulli(expit(a), rng))
        return states, logits

    def _log_joint_minus_q(self, states, rec_logits):
        """log p(x, h) - log q(h | x) for each row, from a bottom-up pass."""
        top = self.generative_biases_[-1]
        log_w = bernoulli_log_prob(states[-1], np.broadcast_to(top, states[-1].shape))
        for level in range(self._n_layers - 1):
            a = states[level + 1] @ self.generative_weights_[level] + self.generative_biases_[level]
            if level == 0:
                log_w = log_w + self._visible_log_prob(states[0], a)
            else:
                log_w = log_w + bernoulli_log_prob(states[level], a)
            log_w = log_w - bernoulli_log_prob(states[level + 1], rec_logits[level])
        return log_w

    # ------------------------------------------------------------ learning
    def _step(self, grads):
        """Gradient *ascent* on the parameters with a gradient (None: left alone).

        Called once per phase; the optimizer's clock (:meth:`_update`) and the
        L1 proximal step (:meth:`_shrink`) run once per minibatch.
        """
        lr = self._lr
        params = self._params()
        if self.optimizer == "adam":
            b1, b2, eps = 0.9, 0.999, 1e-8
            c1 = 1 - b1**self._adam_t
            c2 = 1 - b2**self._adam_t
            step = lr * np.sqrt(c2) / c1
            for p, g, m, v in zip(params, grads, self._adam_m, self._adam_v):
                if g is None:
                    continue
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * (g * g)
                p += step * m / (np.sqrt(v) + eps)
        else:
            for p, g in zip(params, grads):
                if g is not None:
                    p += lr * g

    def _shrink(self):
        """The L1 proximal step on every weight, once per minibatch: ``|w| -= lr * l1``, down to 0."""
        if self.l1 > 0:
            t = np.float32(self._lr * self.l1)
            for W in self.generative_weights_ + self.recognition_weights_:
                W -= np.clip(W, -t, t)

    def _wake_grads(self, X, rng, with_elbo=True):
        """Wake phase: recognise X bottom-up, then the generative delta rule."""
        L = self._n_layers
        n = len(X)
        states, rec_logits = self._recognize_samples(X, rng)
        gG, gb = [None] * (L - 1), [None] * L
        top = states[-1]
        p_top = expit(self.generative_biases_[-1])
        gb[-1] = (top - p_top).mean(axis=0)
        elbo = bernoulli_log_prob(top, np.broadcast_to(self.generative_biases_[-1], top.shape))
        for level in range(L - 1):
            above = states[level + 1]
            # the layer above predicts the layer below: the delta rule, top-down
            gG[level], gb[level] = delta_rule(
                above, states[level], self.generative_weights_[level],
                self.generative_biases_[level]
            )
            if not with_elbo:
                continue
            a = above @ self.generative_weights_[level] + self.generative_biases_[level]
            if level == 0:
                elbo = elbo + self._visible_log_prob(states[0], a)
            else:
                elbo = elbo + bernoulli_log_prob(states[level], a)
            elbo = elbo - bernoulli_log_prob(above, rec_logits[level])
        return gG, gb, float(np.mean(elbo)) if with_elbo else None

    def _sleep_grads(self, n, rng):
        """Sleep phase: dream top-down, then the recognition delta rule."""
        top = _sample_bernoulli(
            np.broadcast_to(expit(self.generative_biases_[-1]), (n, self.layer_sizes[-1])), rng
        )
        dream, _ = self._generate_down(top, rng)
        gR, gr = [], []
        for level in range(self._n_layers - 1):
            # the layer below predicts the layer above in a dream: the delta rule, bottom-up
            dR, dr = delta_rule(dream[level], dream[level + 1], self.recognition_weights_[level],
                                self.recognition_biases_[level])
            gR.append(dR)
            gr.append(dr)
        return gR, gr

    def _rws_wake_grads(self, X, rng):
        """Reweighted wake: K recognition samples per image, weighted by p(x,h)/q(h|x)."""
        L = self._n_layers
        n, K = len(X), int(self.n_importance)
        Xk = np.repeat(X, K, axis=0)
        states, rec_logits = self._recognize_samples(Xk, rng)
        log_w = self._log_joint_minus_q(states, rec_logits).reshape(n, K)
        w = np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True)).astype(np.float32)
        w = (w / n).reshape(n * K, 1)  # weights sum to 1 per image, averaged over images
        gG, gb, gR, gr = [None] * (L - 1), [None] * L, [], []
        gb[-1] = np.sum(w * (states[-1] - expit(self.generative_biases_[-1])), axis=0)
        for level in range(L - 1):
            above = states[level + 1]
            a = above @ self.generative_weights_[level] + self.generative_biases_[level]
            err = w * (states[level] - expit(a))
            gG[level] = above.T @ err
            gb[level] = err.sum(axis=0)
            err_q = w * (above - expit(rec_logits[level]))  # wake-phase q update
            gR.append(states[level].T @ err_q)
            gr.append(err_q.sum(axis=0))
        elbo = float(np.mean(logsumexp(log_w, axis=1) - np.log(K)))
        return gG, gb, gR, gr, elbo

    def _update(self, X, rng, with_elbo=True):
        """One minibatch: the wake step, the sleep step, then the L1 shrink (each weight once)."""
        L = self._n_layers
        none_g = [None] * (L - 1)
        self._adam_t += 1  # one optimizer time step per minibatch, shared by both phases
        if self.algorithm == "rws":
            gG, gb, gRw, grw, elbo = self._rws_wake_grads(X, rng)
            self._step(gG + gb + gRw + grw)
        else:
            gG, gb, elbo = self._wake_grads(X, rng, with_elbo)
            self._step(gG + gb + none_g + none_g)
        gR, gr = self._sleep_grads(len(X), rng)
        self._step(none_g + [None] * L + gR + gr)
        self._shrink()
        self.n_updates_ += 1
        return elbo

    def _epoch(self, X, rng, bar=None):
        n = len(X)
        order = rng.permutation(n)
        bs = int(self.batch_size)
        elbos, counted = [], 0
        for i, start in enumerate(range(0, n, bs)):
            batch = X[order[start : start + bs]]
            with_elbo = i % 10 == 0  # the bound costs time: measure every 10th minibatch
            elbo = self._update(batch, rng, with_elbo)
            if with_elbo:
                elbos.append(elbo * len(batch))
                counted += len(batch)
            if bar is not None:
                bar.update(len(batch))
        self.history_["elbo"].append(float(np.sum(elbos) / counted))

    def fit(self, X, y=None):
        """Train by wake-sleep for ``n_epochs`` passes over ``X``. Returns self.

        Parameters
        ----------
        X : ndarray of shape (n_samples, layer_sizes[0])
            Binary images for ``units="bernoulli"``, values in [0, 1] for
            ``units="beta"``.
        y : ignored
        """
        self._check_params()
        X = self._check_X(X)
        rng = check_random_state(self.random_state)
        self._initialize(X, rng)
        total = len(X) * int(self.n_epochs)
        with tqdm(total=total, desc="wake-sleep", unit="img", disable=not self.progress,
                  leave=False) as bar, threadpool_limits(self.blas_threads):
            for _ in range(int(self.n_epochs)):
                self._epoch(X, rng, bar)
        return self

    def partial_fit(self, X, y=None):
        """One more epoch of wake-sleep on ``X`` (initialising on the first call). Returns self.

        Use it to watch a machine learn, e.g. to record dreams after every epoch.
        """
        if not hasattr(self, "generative_weights_"):
            self._check_params()
            X = self._check_X(X)
            self._initialize(X, check_random_state(self.random_state))
        else:
            X = self._check_X(X)
        with threadpool_limits(getattr(self, "blas_threads", None)):
            self._epoch(X, self._rng)
        return self

    # ------------------------------------------------------------ using it
    def _method_rng(self, random_state):
        if random_state is not None:
            return check_random_state(random_state)
        if not hasattr(self, "_rng"):
            self._rng = check_random_state(self.random_state)
        return self._rng

    def initialize(self, X):
        """Set up the untrained machine (random weights, visible bias from X) without training.

        Returns self; lets a notebook dream "after 0 iterations".
        """
        self._check_params()
        X = self._check_X(X)
        self._initialize(X, check_random_state(self.random_state))
        return self

    def generate_from_top(self, top, visible="mean", return_layers=False, random_state=None):
        """Run the generative model down from given top-layer states.

        Parameters
        ----------
        top : ndarray of shape (n, layer_sizes[-1]) or (layer_sizes[-1],)
            Top-layer states (e.g. one unit on, the rest off, to isolate a
            neuron). Values in [0, 1].
        visible : {"mean", "sample"}, default="mean"
            Return the visible layer's mean (probabilities, for Beta units the
            distribution's mean) or a sample.
        return_layers : bool, default=False
            Also return every layer, visible first.
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        ndarray of shape (n, layer_sizes[0]), or a list of arrays (visible first)
        """
        check_is_fitted(self, "generative_weights_")
        top = check_array(np.atleast_2d(top), "top")
        if top.shape[1] != self.layer_sizes[-1]:
            raise ValueError(
                f"top must have {self.layer_sizes[-1]} columns (the top layer), got {top.shape[1]}."
            )
        if visible not in ("mean", "sample"):
            raise ValueError(f"visible must be 'mean' or 'sample', got {visible!r}.")
        rng = self._method_rng(random_state)
        states, _ = self._generate_down(top.astype(np.float32), rng, visible=visible)
        return states if return_layers else states[0]

    def dream(self, n_samples, visible="sample", top=None, return_layers=False,
              random_state=None):
        """Dreams: samples from the generative model, top layer first.

        Parameters
        ----------
        n_samples : int
        visible : {"sample", "mean"}, default="sample"
            A sampled visible layer, or its mean given the layer above
            (smoother to look at).
        top : ndarray of shape (layer_sizes[-1],) or (n_samples, layer_sizes[-1]), optional
            Fix the top layer instead of sampling it from its biases.
        return_layers : bool, default=False
            Return every layer of the dreams (visible first).
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        ndarray of shape (n_samples, layer_sizes[0]), or a list of arrays
        """
        check_is_fitted(self, "generative_weights_")
        check_positive(n_samples, "n_samples", integer=True)
        rng = self._method_rng(random_state)
        if top is None:
            p = expit(self.generative_biases_[-1])
            top = _sample_bernoulli(np.broadcast_to(p, (n_samples, len(p))), rng)
        else:
            top = check_array(np.atleast_2d(top), "top")
            if top.shape[1] != self.layer_sizes[-1]:
                raise ValueError(
                    f"top must have {self.layer_sizes[-1]} columns, got {top.shape[1]}."
                )
            top = np.broadcast_to(top, (n_samples, top.shape[1]))
        return self.generate_from_top(top, visible=visible, return_layers=return_layers,
                                      random_state=rng)

    def recognize(self, X, sample=False, random_state=None):
        """Hidden representations of ``X`` from the recognition model.

        Parameters
        ----------
        X : ndarray of shape (n_samples, layer_sizes[0])
        sample : bool, default=False
            Sample binary states layer by layer (the wake phase), or pass
            probabilities up (a deterministic, mean-field summary).
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        list of ndarray
            One array per hidden layer, lowest first: ``(n_samples, layer_sizes[l])``.
        """
        check_is_fitted(self, "generative_weights_")
        X = self._check_X(X)
        if sample:
            states, _ = self._recognize_samples(X, self._method_rng(random_state))
            return states[1:]
        out, h = [], X
        for R, r in zip(self.recognition_weights_, self.recognition_biases_):
            h = expit(h @ R + r)
            out.append(h)
        return out

    def reconstruct(self, X, random_state=None):
        """Generative mean of the visible layer after a recognition pass.

        The first hidden layer is sampled from the recognition model and the
        visible mean computed from it: ``E[x | h_1]`` with ``h_1 ~ q(h_1 | x)``.

        Returns
        -------
        ndarray of shape (n_samples, layer_sizes[0])
        """
        check_is_fitted(self, "generative_weights_")
        X = self._check_X(X)
        states, _ = self._recognize_samples(X, self._method_rng(random_state))
        a = states[1] @ self.generative_weights_[0] + self.generative_biases_[0]
        return self._visible_mean(a)

    # ------------------------------------------------------------ measuring it
    def log_likelihood(self, X, n_samples=500, batch_rows=20000, random_state=None):
        """Importance-sampled estimate of log p(x) in nats, one per row of ``X``.

        ``log p(x) ~ log (1/K) sum_k p(x, h_k) / q(h_k | x)`` with ``K =
        n_samples`` draws ``h_k`` from the recognition model, computed with
        ``logsumexp``. For every ``K`` it is a stochastic lower bound in
        expectation (Jensen), and it converges to log p(x) as K grows; the
        better the recognition model, the faster. For ``units="beta"`` it is
        a log *density* of the pixels clipped to [BETA_EPS, 1 - BETA_EPS].

        Parameters
        ----------
        X : ndarray of shape (n, layer_sizes[0])
        n_samples : int, default=500
            Importance samples per image.
        batch_rows : int, default=20000
            Images x samples evaluated at once (memory).
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        ndarray of shape (n,), float64
        """
        check_is_fitted(self, "generative_weights_")
        X = self._check_X(X)
        check_positive(n_samples, "n_samples", integer=True)
        check_positive(batch_rows, "batch_rows", integer=True)
        rng = self._method_rng(random_state)
        with threadpool_limits(getattr(self, "blas_threads", None)):
            return self._log_likelihood(X, int(n_samples), int(batch_rows), rng)

    def _log_likelihood(self, X, K, batch_rows, rng):
        out = np.empty(len(X))
        per = max(1, batch_rows // K)
        for start in range(0, len(X), per):
            chunk = X[start : start + per]
            if K > batch_rows:  # one image at a time, samples in slices
                for i, x in enumerate(chunk):
                    parts = []
                    for s in range(0, K, int(batch_rows)):
                        k = min(int(batch_rows), K - s)
                        states, logits = self._recognize_samples(np.repeat(x[None], k, 0), rng)
                        parts.append(self._log_joint_minus_q(states, logits).astype(np.float64))
                    out[start + i] = logsumexp(np.concatenate(parts)) - np.log(K)
                continue
            states, logits = self._recognize_samples(np.repeat(chunk, K, axis=0), rng)
            log_w = self._log_joint_minus_q(states, logits).astype(np.float64)
            out[start : start + len(chunk)] = logsumexp(log_w.reshape(-1, K), axis=1) - np.log(K)
        return out

    def exact_log_likelihood(self, X, max_hidden=20):
        """Exact log p(x) in nats, summing over every joint state of the hidden units.

        Only for tiny networks: the cost is ``2 ** (total hidden units)``.

        Parameters
        ----------
        X : ndarray of shape (n, layer_sizes[0])
        max_hidden : int, default=20
            Refuse networks with more hidden units than this.

        Returns
        -------
        ndarray of shape (n,), float64
        """
        check_is_fitted(self, "generative_weights_")
        X = self._check_X(X).astype(np.float64)
        sizes = [int(s) for s in self.layer_sizes]
        n_hidden = sum(sizes[1:])
        if n_hidden > max_hidden:
            raise ValueError(
                f"exact_log_likelihood enumerates 2**{n_hidden} hidden states; the network has "
                f"more than max_hidden={max_hidden} hidden units. Use log_likelihood instead."
            )
        states = np.array(list(itertools.product((0.0, 1.0), repeat=n_hidden)))
        layers = np.split(states, np.cumsum(sizes[1:])[:-1], axis=1)  # h_1, ..., h_L
        G = [w.astype(np.float64) for w in self.generative_weights_]
        b = [v.astype(np.float64) for v in self.generative_biases_]
        log_prior = bernoulli_log_prob(layers[-1], np.broadcast_to(b[-1], layers[-1].shape))
        for level in range(1, len(sizes) - 1):  # hidden layers below the top
            log_prior = log_prior + bernoulli_log_prob(
                layers[level - 1], layers[level] @ G[level] + b[level]
            )
        a = layers[0] @ G[0] + b[0]  # (n_states, n_visible)
        out = np.empty(len(X))
        if self.units == "bernoulli":
            const = np.sum(log_expit(-a), axis=1)
            for start in range(0, len(X), 256):
                lp = X[start : start + 256] @ a.T + const + log_prior
                out[start : start + 256] = logsumexp(lp, axis=1)
        else:
            for i, x in enumerate(X):
                lp = self._visible_log_prob(np.broadcast_to(x, a.shape), a) + log_prior
                out[i] = logsumexp(lp)
        return out


# ------------------------------------------------------------ neuron isolation
def _top_size(model):
    """Units in the top layer of a HelmholtzMachine or of a model wrapping one (``machine_``)."""
    machine = getattr(model, "machine_", model)
    check_is_fitted(machine, "generative_weights_")
    return int(machine.layer_sizes[-1]), len(machine.layer_sizes)


def expected_generation(model, top, n_samples=500, random_state=None):
    """The mean image a machine generates from fixed top-layer states, ``E[x | h_top]``.

    The top layer is clamped to each row of ``top`` and the generative model
    runs down. With two layers (visible and top) the answer is exact and
    deterministic, ``sigmoid(top @ G_0 + b_0)`` (for Beta units the Beta
    mean). With hidden layers in between, those are sampled: the visible
    means of ``n_samples`` runs are averaged, a Monte Carlo estimate of the
    expectation over the layers in between.

    Parameters
    ----------
    model : HelmholtzMachine or SparseHelmholtz
        A fitted machine; anything with ``generate_from_top(top, random_state=...)``
        returning mean images, and ``layer_sizes`` (or a fitted ``machine_``).
    top : ndarray of shape (n_states, n_top) or (n_top,)
        Top-layer states, values in [0, 1] (one-hot rows isolate one neuron).
    n_samples : int, default=500
        Runs averaged per state when layers lie between the top and the
        visible layer (ignored for a two-layer machine).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_states, n_visible)
        For a :class:`~dreamlib.pipeline.SparseHelmholtz`, decoded images.

    Examples
    --------
    >>> from dreamlib.data import hinton_bars
    >>> hm = HelmholtzMachine([16, 4], n_epochs=1, progress=False, random_state=0)
    >>> hm = hm.fit(hinton_bars(500, random_state=0))
    >>> expected_generation(hm, [[1, 0, 0, 0], [1, 1, 0, 0]]).shape
    (2, 16)
    """
    n_top, n_layers = _top_size(model)
    top = check_array(np.atleast_2d(np.asarray(top, dtype=np.float64)), "top")
    if top.shape[1] != n_top:
        raise ValueError(f"top must have {n_top} columns (the top layer), got {top.shape[1]}.")
    if top.min() < 0 or top.max() > 1:
        raise ValueError("top must hold values in [0, 1].")
    check_positive(n_samples, "n_samples", integer=True)
    rng = check_random_state(random_state)
    if n_layers == 2:  # nothing stochastic between the top and the visible mean
        return np.asarray(model.generate_from_top(top, random_state=rng), dtype=np.float64)
    out = []
    for state in top:
        runs = model.generate_from_top(np.repeat(state[None], int(n_samples), axis=0),
                                       random_state=rng)
        out.append(np.asarray(runs, dtype=np.float64).mean(axis=0))
    return np.array(out)


def isolated_generations(model, units=None, n_samples=500, random_state=None):
    """Isolate top-layer neurons: the mean image generated with one neuron on, the rest off.

    The seed paper (§3.4, Fig 13) isolated a neuron by zeroing every other
    neuron's generative weights and generating. Done exactly, that is
    clamping the top layer to a one-hot state ``e_i`` and computing the mean
    generated image :func:`expected_generation`\\ ``(model, e_i)``. (Zeroing
    weights still leaves neuron ``i`` sampled from its prior, so the paper's
    images mixed "neuron on" with "all off".)

    Parameters
    ----------
    model : HelmholtzMachine or SparseHelmholtz
        A fitted machine.
    units : None, int or sequence of int
        Which top-layer neurons; None means all of them, in order.
    n_samples : int, default=500
        See :func:`expected_generation` (only used with layers in between).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_units, n_visible)
        Row ``j`` is what neuron ``units[j]`` generates on its own.

    Examples
    --------
    >>> import numpy as np
    >>> hm = HelmholtzMachine([3, 2], progress=False).initialize(np.eye(3))
    >>> hm.generative_weights_[0][:] = [[9, -9, -9], [-9, -9, 9]]
    >>> hm.generative_biases_[0][:] = 0
    >>> isolated_generations(hm).round(3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    n_top, _ = _top_size(model)
    if units is None:
        units = np.arange(n_top)
    units = np.atleast_1d(np.asarray(units))
    if units.ndim != 1 or units.size == 0 or units.dtype.kind not in "iu":
        raise ValueError(f"units must be None, an int or a sequence of ints, got {units!r}.")
    if np.any((units < 0) | (units >= n_top)):
        raise ValueError(
            f"units must be between 0 and {n_top - 1} (the top layer has {n_top} neurons), "
            f"got {units.tolist()}."
        )
    return expected_generation(model, np.eye(n_top)[units], n_samples=n_samples,
                               random_state=random_state)
