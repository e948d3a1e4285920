"""Neuron isolation: what one top-layer neuron generates on its own (the paper's §3.4).

The seed paper isolated a neuron by zeroing every other neuron's generative
weights and generating. Done exactly, that is clamping the top layer to a
one-hot state and computing the mean generated image,
:func:`expected_generation`; :func:`isolated_generations` does it for each
neuron in turn.
"""

import numpy as np
from scipy.special import log_expit
from sklearn.utils.validation import check_is_fitted

from .._validation import as_generator, check_positive, check_real_array

__all__ = ["expected_generation", "isolated_generations", "top_state_probability"]

def _top_size(model):
    """Units in the top layer of a HelmholtzMachine or of a model wrapping one (``machine_``)."""
    machine = getattr(model, "machine_", model)
    check_is_fitted(machine, "generative_weights_")
    return len(machine.generative_biases_[-1]), len(machine.generative_biases_)


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
    >>> from dreamlib.helmholtz import HelmholtzMachine
    >>> hm = HelmholtzMachine([16, 4], n_epochs=1, progress=False, random_state=0)
    >>> hm = hm.fit(hinton_bars(500, random_state=0))
    >>> expected_generation(hm, [[1, 0, 0, 0], [1, 1, 0, 0]]).shape
    (2, 16)
    """
    n_top, n_layers = _top_size(model)
    top = check_real_array(np.atleast_2d(np.asarray(top, dtype=np.float64)), "top")
    if top.shape[1] != n_top:
        raise ValueError(f"top must have {n_top} columns (the top layer), got {top.shape[1]}.")
    if top.min() < 0 or top.max() > 1:
        raise ValueError("top must hold values in [0, 1].")
    check_positive(n_samples, "n_samples", integer=True)
    rng = as_generator(random_state)
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
    >>> from dreamlib.helmholtz import HelmholtzMachine
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


def top_state_probability(model, top):
    """How often a machine's dreams start from the top-layer state ``top``.

    The top layer is drawn from independent biases,
    ``p(h) = prod_i sigmoid(b_i)**h_i * (1 - sigmoid(b_i))**(1 - h_i)``.

    Parameters
    ----------
    model : HelmholtzMachine or SparseHelmholtz
        A fitted machine.
    top : ndarray of shape (n_top,) or (n_states, n_top), values 0 or 1

    Returns
    -------
    float or ndarray of shape (n_states,)

    Examples
    --------
    >>> import numpy as np
    >>> from dreamlib.helmholtz import HelmholtzMachine
    >>> hm = HelmholtzMachine([3, 2], progress=False).initialize(np.eye(3))
    >>> hm.generative_biases_[-1][:] = [0.0, np.log(3.0)]     # p(on) = 1/2 and 3/4
    >>> round(top_state_probability(hm, [1, 0]), 3)
    0.125
    """
    n_top, _ = _top_size(model)
    states = np.atleast_2d(check_real_array(np.atleast_2d(top), "top"))
    if states.shape[1] != n_top or not np.all((states == 0) | (states == 1)):
        raise ValueError(f"top must hold 0/1 states of the {n_top} top-layer neurons, "
                         f"got shape {states.shape}.")
    b = getattr(model, "machine_", model).generative_biases_[-1].astype(np.float64)
    p = np.exp(states @ log_expit(b) + (1 - states) @ log_expit(-b))
    return float(p[0]) if np.ndim(top) == 1 else p
