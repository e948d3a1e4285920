"""Optimizers of a Helmholtz machine: one step per phase, one clock tick per minibatch.

Wake-sleep is gradient *ascent*: every phase hands the optimizer the delta
rule's changes for the parameters it trains (the wake phase the generative
ones, the sleep phase the recognition ones), and :meth:`SGD.step` moves those
parameters. A minibatch is one unit of time: :meth:`SGD.tick` is called once
before its wake phase, so Adam's bias correction counts minibatches, however
many phases share one. The L1 penalty's proximal step, :func:`l1_prox`, also
runs once per minibatch, after both phases.

The optimizers are small estimators: their settings are parameters, their
running state ends in ``_`` (saved with the machine by :mod:`dreamlib.io`).
"""

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["SGD", "Adam", "make_optimizer", "OPTIMIZERS", "l1_prox"]


class SGD(BaseEstimator):
    """The plain delta rule: ``p += learning_rate * gradient``.

    Examples
    --------
    >>> import numpy as np
    >>> p = [np.zeros(2)]
    >>> opt = SGD().start(p)
    >>> opt.tick(); opt.step(p, [np.array([1.0, -2.0])], learning_rate=0.5); p[0]
    array([ 0.5, -1. ])
    """

    #: The step size when the machine's ``learning_rate`` is None.
    default_learning_rate = 0.1

    def start(self, params):
        """Prepare for training ``params`` (a list of arrays); returns self."""
        self.t_ = 0
        return self

    def tick(self):
        """A new minibatch begins."""
        self.t_ += 1

    def step(self, params, grads, learning_rate):
        """Ascend: ``params[i] += learning_rate * grads[i]``; None leaves a parameter alone."""
        for p, g in zip(params, grads):
            if g is not None:
                p += learning_rate * g


class Adam(BaseEstimator):
    """Adam (Kingma & Ba 2015): each parameter's step scaled by running moments of its gradient.

    Parameters
    ----------
    beta1, beta2 : float, default=0.9, 0.999
        Decay of the running mean and the running mean square of the gradient.
    eps : float, default=1e-8

    Examples
    --------
    >>> import numpy as np
    >>> p = [np.zeros(2)]
    >>> opt = Adam().start(p)
    >>> opt.tick(); opt.step(p, [np.array([1.0, -2.0])], learning_rate=0.5); p[0].round(6)
    array([ 0.5, -0.5])
    """

    default_learning_rate = 3e-3

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps

    def start(self, params):
        self.m_ = [np.zeros_like(p) for p in params]
        self.v_ = [np.zeros_like(p) for p in params]
        self.t_ = 0
        return self

    def tick(self):
        self.t_ += 1

    def step(self, params, grads, learning_rate):
        b1, b2 = self.beta1, self.beta2
        # bias correction of both moments, folded into the step size
        size = learning_rate * np.sqrt(1 - b2**self.t_) / (1 - b1**self.t_)
        for p, g, m, v in zip(params, grads, self.m_, self.v_):
            if g is None:
                continue
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p += size * m / (np.sqrt(v) + self.eps)


#: The ``optimizer=`` names of :class:`~dreamlib.helmholtz.HelmholtzMachine`.
OPTIMIZERS = {"adam": Adam, "sgd": SGD}


def make_optimizer(name):
    """A fresh optimizer for an ``optimizer=`` name."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}, got {name!r}.")
    return OPTIMIZERS[name]()


def l1_prox(weights, threshold):
    """The proximal step of ``threshold * ||W||_1``: ``w <- sign(w) * max(|w| - threshold, 0)``.

    Applied in place to every array in ``weights``; weights within
    ``threshold`` of zero become exactly zero.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([0.3, -0.05, -0.2])
    >>> l1_prox([W], 0.1); W
    array([ 0.2,  0. , -0.1])
    """
    for W in weights:
        W -= np.clip(W, -threshold, threshold)
