"""Learning: the delta rule, the wake and sleep phases, and one minibatch of training.

The wake-sleep algorithm (Hinton, Dayan, Frey & Neal 1995; the paper's Fig 3)
trains both networks of a Helmholtz machine with the same local rule:

* **wake**: drive the layers bottom-up with the recognition model from a real
  image, then nudge each generative layer to predict the layer below it,
  ``G_l += eps * h_{l+1}.T @ (h_l - sigmoid(h_{l+1} @ G_l + b_l))``;
* **sleep**: dream top-down with the generative model, then nudge each
  recognition layer to predict the layer above it from the dream,
  ``R_l += eps * d_l.T @ (d_{l+1} - sigmoid(d_l @ R_l + r_l))``.

Reweighted wake-sleep (Bornschein & Bengio 2015) draws ``K`` recognition
samples per image in the wake phase and weights each by ``p(x, h) / q(h | x)``
(normalised per image); the generative model and the recognition model
("wake-q") both learn from the weighted samples, and the recognition model
also from dreams.
"""

import numpy as np
from scipy.special import expit

from .optimizers import l1_prox
from .passes import (
    generate_down,
    generative_logits,
    log_joint,
    log_recognition,
    recognize_samples,
    sample_top,
)

__all__ = ["delta_rule", "layer_gradients", "wake_gradients", "recognition_gradients",
           "train_minibatch", "train_epoch"]


def layer_gradients(inputs, error, sample_weight=None):
    """A layer's weight and bias changes from its inputs and its prediction error.

    ``dW = inputs.T @ error / n`` and ``db = mean(error)``; with
    ``sample_weight`` (a column summing to 1) the averages are weighted.
    """
    if sample_weight is None:
        return inputs.T @ error / len(inputs), error.sum(axis=0) / len(error)
    error = sample_weight * error
    return inputs.T @ error, error.sum(axis=0)


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
    return layer_gradients(inputs, targets - expit(inputs @ weights + bias))


def _bias_gradient(error, sample_weight):
    if sample_weight is None:
        return error.sum(axis=0) / len(error)
    return (sample_weight * error).sum(axis=0)


def wake_gradients(machine, states, logits, sample_weight=None):
    """The generative delta rule for every layer, from a bottom-up pass.

    ``states`` is ``[x, h_1, ..., h_L]`` from the recognition model and
    ``logits`` the generative logits of every layer below the top
    (:func:`~dreamlib.helmholtz.passes.generative_logits`). The visible
    layer's error comes from its units' own delta rule.

    Returns
    -------
    grad_weights : list of ndarray, one per generative weight matrix
    grad_biases : list of ndarray, one per layer (the top layer's prior last)
    """
    grad_weights, grad_biases = [], []
    for level, a in enumerate(logits):
        below = states[level]
        if level == 0:
            error = machine.visible_units_.gradient(below, a)
        else:
            error = below - expit(a)
        dG, db = layer_gradients(states[level + 1], error, sample_weight)
        grad_weights.append(dG)
        grad_biases.append(db)
    top_error = states[-1] - expit(machine.generative_biases_[-1])
    grad_biases.append(_bias_gradient(top_error, sample_weight))
    return grad_weights, grad_biases


def recognition_gradients(machine, states, sample_weight=None, logits=None):
    """The recognition delta rule for every layer: each layer predicts the one above it.

    ``states`` is a dream (sleep phase) or a weighted recognition pass
    (reweighted wake-sleep's wake-q update, with its ``logits``).
    """
    grad_weights, grad_biases = [], []
    for level, (R, r) in enumerate(zip(machine.recognition_weights_,
                                       machine.recognition_biases_)):
        inputs = machine.visible_units_.features(states[0]) if level == 0 else states[level]
        a = inputs @ R + r if logits is None else logits[level]
        dR, dr = layer_gradients(inputs, states[level + 1] - expit(a), sample_weight)
        grad_weights.append(dR)
        grad_biases.append(dr)
    return grad_weights, grad_biases


def _wake(machine, X, rng, with_bound):
    """Plain wake phase: one recognition sample per image; the generative changes and the bound."""
    states, rec_logits = recognize_samples(machine, X, rng)
    logits = generative_logits(machine, states)
    bound = None
    if with_bound:
        bound = float(np.mean(log_joint(machine, states, logits)
                              - log_recognition(states, rec_logits)))
    return wake_gradients(machine, states, logits), bound


def _reweighted_wake(machine, X, rng):
    """Reweighted wake phase: the generative and the recognition (wake-q) changes, the bound."""
    n, K = len(X), int(machine.n_importance)
    states, rec_logits = recognize_samples(machine, np.repeat(X, K, axis=0), rng)
    logits = generative_logits(machine, states)
    log_w = (log_joint(machine, states, logits) - log_recognition(states, rec_logits))
    log_w = log_w.reshape(n, K).astype(np.float64)
    # log sum_k w_k per image, by hand: scipy's logsumexp costs more than the rest for tiny nets
    top = log_w.max(axis=1, keepdims=True)
    log_total = top + np.log(np.exp(log_w - top).sum(axis=1, keepdims=True))
    w = np.exp(log_w - log_total).astype(np.float32)
    w = (w / n).reshape(n * K, 1)  # weights sum to 1 per image, averaged over images
    generative = wake_gradients(machine, states, logits, w)
    recognition = recognition_gradients(machine, states, w, rec_logits)
    bound = float(np.mean(log_total) - np.log(K))
    return generative, recognition, bound


def train_minibatch(machine, X, rng, learning_rate, with_bound=True):
    """One minibatch of (reweighted) wake-sleep: wake step, sleep step, then the L1 shrink.

    The optimizer's clock ticks once, and each weight is shrunk once, per
    minibatch. Returns the wake phase's bound on log p(x) (nats, mean over
    the minibatch), or None when ``with_bound`` is False (plain wake-sleep
    skips computing it).
    """
    optimizer = machine.optimizer_
    optimizer.tick()
    gen_params = machine.generative_weights_ + machine.generative_biases_
    rec_params = machine.recognition_weights_ + machine.recognition_biases_
    if machine.algorithm == "rws":
        (gG, gb), (gR, gr), bound = _reweighted_wake(machine, X, rng)
        optimizer.step(gen_params + rec_params, gG + gb + gR + gr, learning_rate)
    else:
        (gG, gb), bound = _wake(machine, X, rng, with_bound)
        optimizer.step(gen_params + rec_params, gG + gb + [None] * len(rec_params),
                       learning_rate)
    dream = generate_down(machine, sample_top(machine, len(X), rng), rng)
    gR, gr = recognition_gradients(machine, dream)
    optimizer.step(gen_params + rec_params, [None] * len(gen_params) + gR + gr, learning_rate)
    if machine.l1 > 0:
        l1_prox(machine.generative_weights_ + machine.recognition_weights_,
                np.float32(learning_rate * machine.l1))
    return bound


def train_epoch(machine, X, rng, learning_rate, bar=None):
    """One pass over ``X`` in shuffled minibatches; appends the epoch's mean bound to ``history_``.

    The bound costs time, so it is measured on every 10th minibatch.
    """
    order = rng.permutation(len(X))
    size = int(machine.batch_size)
    bounds, counted = [], 0
    for i, start in enumerate(range(0, len(X), size)):
        batch = X[order[start : start + size]]
        bound = train_minibatch(machine, batch, rng, learning_rate, with_bound=i % 10 == 0)
        machine.n_updates_ += 1
        if bound is not None:
            bounds.append(bound * len(batch))
            counted += len(batch)
        if bar is not None:
            bar.update(len(batch))
    machine.history_["elbo"].append(float(np.sum(bounds) / counted))
