"""What the sparse-coding benchmarks share: data, cached dictionaries, peers, certified gaps.

Not a test: speed is measured by the scripts in this folder, by hand. Learned
dictionaries and calibrated ``lam`` values are cached in ``$DREAMLIB_BENCH_CACHE``
(default: ``dreamlib-benchmarks`` in the system's temporary folder, shared by
every checkout), keyed by every setting they were learned with, so a rerun
only times; figures go to ``benchmarks/results/`` (git ignores it).
"""

import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import MiniBatchDictionaryLearning
from threadpoolctl import threadpool_info

import dreamlib as dl
from dreamlib.sparse_coding import learn_dictionary

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(os.environ.get("DREAMLIB_BENCH_CACHE", Path(tempfile.gettempdir()) / "dreamlib-benchmarks"))
PATCH = 28
LEARN_LAM = 1.5  # sparsity penalty every benchmark dictionary is learned with


def spams_module():
    """SPAMS (``pip install spams-bin``), or None when it is not installed."""
    try:
        import spams
    except ImportError:
        return None
    return spams


def load():
    """Load average over 1, 5 and 15 minutes, as ``uptime`` prints it."""
    return "load average {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def machine():
    """One line on the linear-algebra libraries and their threads."""
    libs = ", ".join(f"{i['internal_api']} {i.get('version') or ''} ({i['num_threads']} threads)"
                     for i in threadpool_info())
    return f"{os.cpu_count()} cores; {libs}"


def whitened_patches(f0, n_patches, random_state):
    """Whitened 28x28 patches of the bundled photographs (Olshausen-Field filter, roll-off f0)."""
    images = [dl.data.whiten(im, f0=f0) for im in dl.data.natural_images(source="bundled")]
    return dl.data.patches(images, size=PATCH, n_patches=n_patches, random_state=random_state)


def learn_sklearn(X, n_components, lam, n_batches, batch_size=100, random_state=0,
                  fit_algorithm="lars"):
    """scikit-learn's MiniBatchDictionaryLearning, exactly ``n_batches`` minibatches."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LARS early-stopping chatter
        model = MiniBatchDictionaryLearning(
            n_components=n_components, alpha=lam, batch_size=batch_size, max_iter=1, tol=0.0,
            max_no_improvement=None, random_state=random_state, fit_algorithm=fit_algorithm,
        )
        model.fit(X[: n_batches * batch_size])
    assert model.n_steps_ == n_batches, model.n_steps_
    return model.components_


def cached_dictionary(learner, f0, n_components, n_batches, n_train):
    """A seeded dictionary for the benchmarks, learned once and kept in ``CACHE``."""
    settings = dict(learner=learner, f0=f0, n_components=n_components, n_batches=n_batches,
                    n_train=n_train, batch_size=100, lam=LEARN_LAM, patch=PATCH, seed=0)
    if learner == "sklearn":
        settings["fit_algorithm"] = "cd"  # 6x faster than its default LARS at 1,200 atoms
    name = "_".join(f"{k}={v}" for k, v in settings.items() if k not in ("batch_size", "patch"))
    path = CACHE / "dictionaries" / f"{name}.npz"
    if path.exists():
        with np.load(path) as f:
            if json.loads(str(f["settings"])) == settings:
                return f["dictionary"].astype(np.float64), float(f["seconds"])
    X = whitened_patches(f0, n_train, random_state=0)
    start = time.perf_counter()
    if learner == "dreamlib":
        D = learn_dictionary(X.astype(np.float32), n_components, LEARN_LAM, n_iter=n_batches,
                             batch_size=100, step_decay=20.0, random_state=0)
    elif learner == "sklearn":
        D = learn_sklearn(X, n_components, LEARN_LAM, n_batches, fit_algorithm="cd")
    else:
        raise ValueError(f"learner must be 'dreamlib' or 'sklearn', got {learner!r}.")
    seconds = time.perf_counter() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, dictionary=D, settings=json.dumps(settings), seconds=seconds)
    return np.asarray(D, dtype=np.float64), seconds


def duality_gaps(X, D, lam, codes):
    """Relative LASSO duality gap of each row's codes, in float64 (a certificate, solver-free).

    For ``E(a) = 0.5||x - aD||^2 + lam||a||_1`` and residual ``r = x - aD``,
    ``theta = s r`` with ``s = min(1, lam / max|D r|)`` is dual feasible, and
    ``E(a) - E(a*) <= E(a) - (s <x, r> - s^2 ||r||^2 / 2)``.
    """
    X, D, A = (np.asarray(M, dtype=np.float64) for M in (X, D, codes))
    R = X - A @ D
    c_max = np.abs(R @ D.T).max(axis=1)
    s = np.minimum(1.0, lam / np.maximum(c_max, np.finfo(float).tiny))
    rr = np.einsum("ij,ij->i", R, R)
    primal = 0.5 * rr + lam * np.abs(A).sum(axis=1)
    dual = s * np.einsum("ij,ij->i", X, R) - 0.5 * s**2 * rr
    return (primal - dual) / primal
