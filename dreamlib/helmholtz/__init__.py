"""A Helmholtz machine trained by the wake-sleep algorithm, in parts.

A Helmholtz machine (Dayan, Hinton, Neal & Zemel 1995) is two networks over
the same layers of stochastic units ``h_0 = x`` (visible), ``h_1``, ...,
``h_L`` (top): a **generative** model that draws the top layer from its
biases and every layer from the one above, and a **recognition** model that
goes the other way. The wake-sleep algorithm (Hinton, Dayan, Frey & Neal
1995; the paper's Fig 3) trains both with the same local delta rule.

Unlike the paper's version, every layer here has a generative *and* a
recognition bias (the paper had only a top generative bias), updates are
averaged over minibatches, and the model is measured by its log-likelihood
(in nats), not only by looking at dreams.

The parts, one idea per module:

* :mod:`~dreamlib.helmholtz.machine` — :class:`HelmholtzMachine`, the estimator;
* :mod:`~dreamlib.helmholtz.units` — visible units: Bernoulli, Beta, spike-and-slab;
* :mod:`~dreamlib.helmholtz.passes` — bottom-up and top-down passes, the log-joint;
* :mod:`~dreamlib.helmholtz.wake_sleep` — the delta rule and the two phases;
* :mod:`~dreamlib.helmholtz.optimizers` — SGD and Adam, the L1 proximal step;
* :mod:`~dreamlib.helmholtz.likelihood` — importance-sampled and exact likelihoods;
* :mod:`~dreamlib.helmholtz.isolation` — what one top-layer neuron generates.

Wake-sleep has local optima: the same settings can end well or badly
depending on the seed. ``n_init`` (with ``init_epochs``: successive halving)
trains several starts and keeps the one with the highest likelihood of its
own training data; :data:`BARS_RECIPE` is the measured recipe for Hinton et
al.'s bars, ``HelmholtzMachine([16, 8, 1], **BARS_RECIPE)``.
"""

from .isolation import expected_generation, isolated_generations, top_state_probability
from .likelihood import exact_kl_bits, independent_pixel_log_likelihood
from .machine import BARS_RECIPE, HelmholtzMachine
from .optimizers import SGD, Adam
from .units import (
    BETA_EPS,
    BETA_MIN_SHAPE,
    BernoulliUnits,
    BetaUnits,
    SpikeAndSlabUnits,
    bernoulli_log_prob,
)
from .wake_sleep import delta_rule

__all__ = [
    "HelmholtzMachine",
    "BARS_RECIPE",
    "delta_rule",
    "bernoulli_log_prob",
    "independent_pixel_log_likelihood",
    "exact_kl_bits",
    "expected_generation",
    "isolated_generations",
    "top_state_probability",
    "BernoulliUnits",
    "BetaUnits",
    "SpikeAndSlabUnits",
    "SGD",
    "Adam",
    "BETA_EPS",
    "BETA_MIN_SHAPE",
]
