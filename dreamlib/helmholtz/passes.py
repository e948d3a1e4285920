"""The passes through a Helmholtz machine's layers, and its log-joint probability.

Every function takes a fitted machine (any object with the attributes of
:class:`~dreamlib.helmholtz.HelmholtzMachine`: ``generative_weights_``,
``generative_biases_``, ``recognition_weights_``, ``recognition_biases_``,
``visible_units_``). Layers are listed visible first: ``states[0]`` is the
visible layer ``x``, ``states[-1]`` the top layer.

:func:`log_joint` is the one place where ``log p(x, h)`` is written down;
training (the bound it reports, the importance weights of reweighted
wake-sleep) and both likelihood estimators use it.
"""

import numpy as np
from scipy.special import expit

from .units import bernoulli_log_prob, sample_bernoulli

__all__ = ["recognize_samples", "generate_down", "sample_top", "generative_logits",
           "log_joint", "log_recognition"]


def recognize_samples(machine, X, rng):
    """Bottom-up sampled pass of the recognition model.

    Returns
    -------
    states : list of ndarray
        ``[X, h_1, ..., h_L]``, binary hidden states.
    logits : list of ndarray
        The recognition logits of ``h_1, ..., h_L``.
    """
    states, logits = [X], []
    inputs = machine.visible_units_.features(X)
    for R, r in zip(machine.recognition_weights_, machine.recognition_biases_):
        a = inputs @ R + r
        logits.append(a)
        inputs = sample_bernoulli(expit(a), rng)
        states.append(inputs)
    return states, logits


def sample_top(machine, n, rng):
    """``n`` top-layer states drawn from the generative prior ``sigmoid(b_L)``."""
    p = expit(machine.generative_biases_[-1])
    return sample_bernoulli(np.broadcast_to(p, (n, len(p))), rng)


def generate_down(machine, top, rng, visible="sample"):
    """Top-down pass of the generative model from given top-layer states.

    Hidden layers are sampled; the visible layer is sampled (``"sample"``) or
    its mean given the layer above (``"mean"``).

    Returns
    -------
    list of ndarray
        ``[x, h_1, ..., top]``.
    """
    states = [top]
    for level in range(len(machine.generative_weights_) - 1, -1, -1):
        a = states[0] @ machine.generative_weights_[level] + machine.generative_biases_[level]
        if level > 0:
            states.insert(0, sample_bernoulli(expit(a), rng))
        elif visible == "sample":
            states.insert(0, machine.visible_units_.sample(a, rng))
        else:
            states.insert(0, machine.visible_units_.mean(a))
    return states


def generative_logits(machine, states):
    """The generative logits of every layer below the top, given the layer above it in ``states``."""
    return [states[level + 1] @ G + b
            for level, (G, b) in enumerate(zip(machine.generative_weights_,
                                                 machine.generative_biases_))]


def log_joint(machine, states, logits=None):
    """``log p(x, h_1, ..., h_L)`` for each row of ``states`` (visible first).

    ``log p(h_L) + sum_l log p(h_l | h_{l+1}) + log p(x | h_1)``, the visible
    term from the machine's visible units. Pass ``logits`` (from
    :func:`generative_logits`) when they are computed already.
    """
    if logits is None:
        logits = generative_logits(machine, states)
    top = states[-1]
    lp = bernoulli_log_prob(top, np.broadcast_to(machine.generative_biases_[-1], top.shape))
    lp = lp + machine.visible_units_.log_prob(states[0], logits[0])
    for level in range(1, len(logits)):
        lp = lp + bernoulli_log_prob(states[level], logits[level])
    return lp


def log_recognition(states, rec_logits):
    """``log q(h_1, ..., h_L | x)`` for each row, from a bottom-up pass."""
    return sum(bernoulli_log_prob(h, a) for h, a in zip(states[1:], rec_logits))
