"""The "Lasso Helmholtz": what an L1 penalty does to a Helmholtz machine's connections.

The paper's §4 hoped that an L1 penalty on the weights would make "a single
hidden layer neuron strongly activate a few lower layer neurons, while
completely ignoring all other neurons", and feared it might instead "act like
a dropout layer, and turn off some neurons". Both are statements about the
generative weights from the first hidden layer down to the visible units,
``G`` (one row per hidden unit), and :func:`connection_sparsity` measures
both:

- **exact zeros**: the share of weights that are exactly 0 (the proximal L1
  step of :class:`~dreamlib.HelmholtzMachine` makes them; the authors'
  subgradient step, ``G -= lmbda * sign(G)``, never does);
- **dropped units** (the fear): hidden units whose whole row is 0 — they
  cannot change anything the machine generates;
- **fan-out** (the hope, "a few"): for each remaining unit, the participation
  ratio of its row, ``(sum |G_i|)**2 / sum G_i**2``: the number of visible
  logits it effectively drives (all ``n`` if it drives them equally, 1 if only
  one);
- **strength** (the hope, "strongly"): each unit's largest ``|G_ij|``, in
  logits (a change of 1 multiplies a visible unit's odds by e).

:func:`lasso_sweep` trains sparse-coding Helmholtz machines over a range of L1
strengths and seeds and measures them, with their held-out reconstructions.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from . import metrics
from ._validation import check_real_array
from .course import progress_bar
from .pipeline import SparseHelmholtz
from .sparse_coding import lca

__all__ = ["connection_sparsity", "lasso_sweep", "LASSO_MEASURES"]

#: The per-machine summaries of :func:`lasso_sweep`, by key, with a readable name.
LASSO_MEASURES = {
    "zero_fraction": "weights exactly 0",
    "dropped_fraction": "hidden units dropped (all weights 0)",
    "fan_out": "fan-out (participation ratio)",
    "strength": "strongest weight (logits)",
    "psnr": "held-out PSNR (dB)",
}


def connection_sparsity(machine):
    """Exact zeros, dropped units, fan-out and strength of the lowest generative weights.

    Parameters
    ----------
    machine : HelmholtzMachine or SparseHelmholtz
        A fitted machine; its ``generative_weights_[0]`` (hidden layer 1 to
        the visible logits) are measured.

    Returns
    -------
    dict
        ``zero_fraction`` (float), ``dropped`` (bool per hidden unit),
        ``fan_out`` (participation ratio per hidden unit, 0 for a dropped one)
        and ``strength`` (largest ``|weight|`` per hidden unit).

    Examples
    --------
    >>> from dreamlib import HelmholtzMachine
    >>> hm = HelmholtzMachine([4, 3], progress=False).initialize(np.eye(4))
    >>> hm.generative_weights_[0][:] = [[2, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]]
    >>> s = connection_sparsity(hm)
    >>> round(s["zero_fraction"], 3), s["dropped"].tolist()        # 7 of 12 weights are 0
    (0.583, [False, False, True])
    >>> s["fan_out"].tolist(), s["strength"].tolist()
    ([1.0, 4.0, 0.0], [2.0, 1.0, 0.0])
    """
    model = getattr(machine, "machine_", machine)
    G = np.abs(np.asarray(model.generative_weights_[0], dtype=np.float64))
    total = G.sum(axis=1)
    squares = (G**2).sum(axis=1)
    dropped = total == 0
    fan_out = np.where(dropped, 0.0, total**2 / np.where(dropped, 1.0, squares))
    return {"zero_fraction": float(np.mean(G == 0)), "dropped": dropped, "fan_out": fan_out,
            "strength": G.max(axis=1)}


def lasso_sweep(X_train, X_test, dictionary, lam, machine, l1_values, seeds, *,
                n_recon_samples=10, progress=True):
    """Sparse-coding Helmholtz machines trained with every L1 strength and seed, measured.

    Parameters
    ----------
    X_train, X_test : ndarray of shape (n, n_features)
    dictionary : ndarray of shape (n_components, n_features)
        Unit-norm atoms; the LCA codes of ``X_train`` are computed once.
    lam : float
        LCA sparsity penalty.
    machine : HelmholtzMachine
        The machine to train (copied, with ``l1`` and ``random_state`` set).
    l1_values : sequence of float
        L1 strengths (``HelmholtzMachine(l1=...)``).
    seeds : sequence of int
    n_recon_samples : int, default=10
        Recognition samples averaged per held-out reconstruction.
    progress : bool, default=True

    Returns
    -------
    list of dict
        One record per strength and seed: ``model`` (``"l1 = <value>"``),
        ``l1``, ``seed``, ``zero_fraction``, ``dropped_fraction``, ``fan_out``
        and ``strength`` (medians over the hidden units that are not dropped;
        NaN when all are), ``psnr`` (held-out, data range 1) and ``model_``
        (the fitted :class:`~dreamlib.SparseHelmholtz`).

    Examples
    --------
    >>> from dreamlib import HelmholtzMachine
    >>> from dreamlib.data import bars
    >>> X, true = bars(300, size=6, random_state=0)
    >>> D = true / np.linalg.norm(true, axis=1, keepdims=True)
    >>> machine = HelmholtzMachine([None, 6], units="spike-and-slab", n_epochs=2, progress=False)
    >>> records = lasso_sweep(X[:250], X[250:], D, 0.1, machine, [0.0, 100.0], [0], progress=False)
    >>> [(r["l1"], r["dropped_fraction"]) for r in records]
    [(0.0, 0.0), (100.0, 1.0)]
    """
    X_train = check_real_array(X_train, "X_train")
    X_test = check_real_array(X_test, "X_test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = lca(X_train, dictionary, lam, tol=1e-3, max_iter=500)
    records = []
    runs = [(l1, seed) for l1 in l1_values for seed in seeds]
    for l1, seed in progress_bar(runs, desc="L1 strengths x seeds", disable=not progress):
        template = clone(machine).set_params(l1=l1, random_state=seed, progress=False)
        model = SparseHelmholtz(dictionary, template, lam=lam, random_state=seed)
        model.fit(X_train, codes=codes)
        found = connection_sparsity(model)
        kept = ~found["dropped"]
        recon = model.reconstruct(X_test, n_samples=n_recon_samples, random_state=seed)
        records.append({
            "model": f"l1 = {l1:g}", "l1": float(l1), "seed": seed,
            "zero_fraction": found["zero_fraction"],
            "dropped_fraction": float(found["dropped"].mean()),
            "fan_out": float(np.median(found["fan_out"][kept])) if kept.any() else float("nan"),
            "strength": float(np.median(found["strength"][kept])) if kept.any() else float("nan"),
            "psnr": float(metrics.psnr(X_test, recon, data_range=1.0)),
            "model_": model,
        })
    return records
