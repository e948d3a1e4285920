"""How well a Helmholtz machine models data: log-likelihoods in nats, KL in bits.

* :func:`importance_log_likelihood` — ``log p(x)`` estimated with samples of
  the recognition model as proposals: ``log (1/K) sum_k p(x, h_k) / q(h_k | x)``.
  For every ``K`` it is a lower bound in expectation (Jensen), and it
  converges to ``log p(x)`` as ``K`` grows; the better the recognition model,
  the faster.
* :func:`exact_log_likelihood` — ``log p(x) = log sum_h p(x, h)``, summed over
  every joint hidden state; only for tiny machines (``2 ** n_hidden`` states).
* :func:`exact_kl_bits` — KL(data || model) for data with known probabilities.
* :func:`independent_pixel_log_likelihood` — the baseline a machine must beat.

Both estimators use the one log-joint, :func:`~dreamlib.helmholtz.passes.log_joint`.
"""

import itertools
from types import SimpleNamespace

import numpy as np
from scipy.special import logsumexp

from .._validation import check_positive, check_real_array
from .passes import log_joint, log_recognition, recognize_samples

__all__ = ["importance_log_likelihood", "exact_log_likelihood", "exact_kl_bits",
           "independent_pixel_log_likelihood"]


def _log_weights(machine, X, rng):
    states, rec_logits = recognize_samples(machine, X, rng)
    return (log_joint(machine, states) - log_recognition(states, rec_logits)).astype(np.float64)


def importance_log_likelihood(machine, X, n_samples, rng, batch_rows=20000):
    """Importance-sampled ``log p(x)`` (nats) for each row of ``X``.

    Parameters
    ----------
    machine : HelmholtzMachine
        Fitted.
    X : ndarray of shape (n, n_visible), checked by the caller
    n_samples : int
        Recognition samples per image (``K``).
    rng : numpy.random.Generator
    batch_rows : int, default=20000
        Images x samples evaluated at once (memory).

    Returns
    -------
    ndarray of shape (n,), float64
    """
    K = int(n_samples)
    out = np.empty(len(X))
    if K > batch_rows:  # one image at a time, its samples in slices
        for i, x in enumerate(X):
            parts = [_log_weights(machine, np.repeat(x[None], min(batch_rows, K - s), 0), rng)
                     for s in range(0, K, batch_rows)]
            out[i] = logsumexp(np.concatenate(parts)) - np.log(K)
        return out
    per = max(1, batch_rows // K)
    for start in range(0, len(X), per):
        chunk = X[start : start + per]
        log_w = _log_weights(machine, np.repeat(chunk, K, axis=0), rng)
        out[start : start + len(chunk)] = logsumexp(log_w.reshape(-1, K), axis=1) - np.log(K)
    return out


def exact_log_likelihood(machine, X, max_hidden=20):
    """Exact ``log p(x)`` (nats), summing ``p(x, h)`` over every joint hidden state.

    Parameters
    ----------
    machine : HelmholtzMachine
        Fitted, with at most ``max_hidden`` hidden units.
    X : ndarray of shape (n, n_visible), checked by the caller
    max_hidden : int, default=20

    Returns
    -------
    ndarray of shape (n,), float64
    """
    sizes = [len(b) for b in machine.recognition_biases_]
    n_hidden = sum(sizes)
    if n_hidden > max_hidden:
        raise ValueError(
            f"exact_log_likelihood enumerates 2**{n_hidden} hidden states; the network has "
            f"more than max_hidden={max_hidden} hidden units. Use log_likelihood instead."
        )
    states = np.array(list(itertools.product((0.0, 1.0), repeat=n_hidden)))
    hidden = np.split(states, np.cumsum(sizes)[:-1], axis=1)  # h_1, ..., h_L
    exact = SimpleNamespace(  # the machine in float64, for sums of many small probabilities
        generative_weights_=[w.astype(np.float64) for w in machine.generative_weights_],
        generative_biases_=[b.astype(np.float64) for b in machine.generative_biases_],
        visible_units_=machine.visible_units_,
    )
    X = X.astype(np.float64)
    per = max(1, 2**16 // len(states))  # images per chunk: at most 65,536 rows at once
    out = np.empty(len(X))
    for start in range(0, len(X), per):
        chunk = X[start : start + per]
        layers = [np.repeat(chunk, len(states), axis=0)]
        layers += [np.tile(h, (len(chunk), 1)) for h in hidden]
        log_p = log_joint(exact, layers).reshape(len(chunk), len(states))
        out[start : start + len(chunk)] = logsumexp(log_p, axis=1)
    return out


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

    Examples
    --------
    >>> from dreamlib.data import hinton_bars, hinton_bars_distribution
    >>> from dreamlib.helmholtz import HelmholtzMachine
    >>> patterns, probs = hinton_bars_distribution()
    >>> hm = HelmholtzMachine([16, 8, 1], random_state=0).initialize(patterns)
    >>> exact_kl_bits(hm, patterns, probs) > 2      # untrained: far from the data
    True
    """
    patterns = check_real_array(patterns, "patterns")
    probabilities = check_real_array(probabilities, "probabilities", ndim=1).astype(np.float64)
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
    X_train = check_real_array(X_train, "X_train")
    X_test = check_real_array(X_test, "X_test")
    if X_train.shape[1] != X_test.shape[1]:
        raise ValueError(
            f"X_test has {X_test.shape[1]} features but X_train has {X_train.shape[1]}."
        )
    check_positive(alpha, "alpha", allow_zero=True)
    p = (X_train.sum(axis=0) + alpha) / (len(X_train) + 2 * alpha)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return X_test @ np.log(p) + (1 - X_test) @ np.log1p(-p)
