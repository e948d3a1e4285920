"""Benchmark: dictionary learning on natural-image patches, dreamlib against its peers.

Same whitened 28x28 patches, same process, same sparsity penalty ``lam`` for
every learner, 400 atoms:

- scikit-learn's ``MiniBatchDictionaryLearning``: 2,000 batches of 100
  (objective ``0.5||x - aD||^2 + alpha||a||_1``, so ``alpha = lam``);
- SPAMS ``trainDL`` (``pip install spams-bin``), ``mode=2``, 2,000 batches
  of 100 (``0.5||x - Da||^2 + lambda1||a||_1``, so ``lambda1 = lam``);
- dreamlib's ``learn_dictionary`` (LCA codes + Hebbian step + renormalisation),
  timed up to the batch where its held-out objective first reaches
  scikit-learn's, and to its end.

Every dictionary is scored the same way: the mean held-out LASSO objective
per patch, ``0.5||x - aD||^2 + lam||a||_1``, with codes solved to a 1e-4
relative duality gap by :func:`dreamlib.sparse_coding.lca` on patches not
used for training. The patches are whitened as for the shipped dictionary
(``f0 = 0.2``, see ``make_natural_dictionary.py``); ``--f0 0.390625`` gives
Olshausen & Field's original roll-off.

    python benchmarks/bench_dictionary.py [--threads 2] [--lam 1.5] [--f0 0.2]

Speed is measured here by hand, never in the tests. Run it on a quiet
machine: background load slows every learner, but not equally.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.decomposition import MiniBatchDictionaryLearning
from threadpoolctl import threadpool_limits

import dreamlib as dl
from dreamlib.sparse_coding import lasso_objective, lca, learn_dictionary


def heldout(X_test, D, lam):
    """Mean held-out LASSO objective per patch and fraction of active coefficients."""
    D = dl.sparse_coding.normalize_rows(np.asarray(D, dtype=np.float64))
    codes = lca(X_test, D, lam, tol=1e-4)
    return float(lasso_objective(X_test, codes, D, lam).mean()), float(np.mean(codes != 0))


def run_sklearn(X, lam, n_batches, batch_size, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LARS early-stopping chatter
        model = MiniBatchDictionaryLearning(
            n_components=400, alpha=lam, batch_size=batch_size, max_iter=1, tol=0.0,
            max_no_improvement=None, random_state=seed,
        )
        start = time.perf_counter()
        model.fit(X[: n_batches * batch_size])
        seconds = time.perf_counter() - start
    assert model.n_steps_ == n_batches, model.n_steps_
    return model.components_, seconds


def run_spams(X, lam, n_batches, batch_size, threads):
    try:
        import spams
    except ImportError:
        return None, None
    Xf = np.asfortranarray(X.T, dtype=np.float64)
    start = time.perf_counter()
    D = spams.trainDL(Xf, K=400, lambda1=lam, mode=2, iter=n_batches, batchsize=batch_size,
                      numThreads=threads, verbose=False)
    return np.asarray(D).T, time.perf_counter() - start


def run_dreamlib(X, X_test, lam, n_batches, batch_size, step_decay, seed, target, every):
    """Learn, pausing the clock every ``every`` batches to score the dictionary."""
    clock = {"learning": 0.0, "since": 0.0, "reached": None, "curve": []}

    def score(t, D):
        if (t + 1) % every:
            return
        clock["learning"] += time.perf_counter() - clock["since"]
        objective, _ = heldout(X_test, D, lam)
        clock["curve"].append((t + 1, clock["learning"], objective))
        if clock["reached"] is None and objective <= target:
            clock["reached"] = (t + 1, clock["learning"])
        clock["since"] = time.perf_counter()

    clock["since"] = time.perf_counter()
    D = learn_dictionary(X, 400, lam, n_iter=n_batches, batch_size=batch_size,
                         step_decay=step_decay, random_state=seed, callback=score)
    return D, clock


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lam", type=float, default=1.5)
    parser.add_argument("--f0", type=float, default=0.2)
    parser.add_argument("--dreamlib-batches", type=int, default=2000)
    parser.add_argument("--dreamlib-batch-size", type=int, default=100)
    parser.add_argument("--step-decay", type=float, default=20.0)
    parser.add_argument("--every", type=int, default=100, help="score dreamlib every this many batches")
    args = parser.parse_args()
    n_batches, batch_size, seed = 2000, 100, 0

    images = [dl.data.whiten(im, f0=args.f0) for im in dl.data.natural_images(source="bundled")]
    X = dl.data.patches(images, 28, n_batches * batch_size, random_state=seed).astype(np.float32)
    X_test = dl.data.patches(images, 28, 1000, random_state=seed + 1)
    print(f"{len(X):,} training and {len(X_test):,} held-out whitened 28x28 patches (f0={args.f0}), "
          f"400 atoms, lam={args.lam}, {args.threads} thread(s)")

    rows = []
    with threadpool_limits(args.threads):
        D, seconds = run_sklearn(X, args.lam, n_batches, batch_size, seed)
        objective, active = heldout(X_test, D, args.lam)
        rows.append(("scikit-learn MiniBatchDictionaryLearning", "2000 x 100", seconds, objective, active))
        target = objective
        D, seconds = run_spams(X, args.lam, n_batches, batch_size, args.threads)
        if D is None:
            print("SPAMS is not installed (pip install spams-bin): skipped")
            spams_seconds = None
        else:
            objective, active = heldout(X_test, D, args.lam)
            rows.append(("SPAMS trainDL", "2000 x 100", seconds, objective, active))
            spams_seconds = seconds
        D, clock = run_dreamlib(X, X_test, args.lam, args.dreamlib_batches,
                                args.dreamlib_batch_size, args.step_decay, seed, target, args.every)
        objective, active = heldout(X_test, D, args.lam)
        size = f"{args.dreamlib_batches} x {args.dreamlib_batch_size}"
        rows.append(("dreamlib learn_dictionary", size, clock["learning"], objective, active))
        if clock["reached"] is not None:
            t, seconds = clock["reached"]
            rows.append(("dreamlib, first to reach scikit-learn's objective",
                         f"{t} x {args.dreamlib_batch_size}", seconds, clock["curve"][t // args.every - 1][2], float("nan")))

    print(f"\n{'learner':52s} {'batches':>12s} {'time (s)':>9s} {'held-out obj':>13s} {'active':>7s}")
    for name, size, seconds, objective, active in rows:
        shown = "" if np.isnan(active) else f"{active:.3f}"
        print(f"{name:52s} {size:>12s} {seconds:9.1f} {objective:13.2f} {shown:>7s}")
    sk_seconds = rows[0][2]
    print()
    if clock["reached"] is None:
        print("dreamlib did NOT reach scikit-learn's held-out objective in "
              f"{args.dreamlib_batches} batches (best {min(c[2] for c in clock['curve']):.2f}).")
    else:
        seconds = clock["reached"][1]
        print(f"time for dreamlib to reach scikit-learn's objective / scikit-learn's time: "
              f"{seconds / sk_seconds:.2f}")
        if spams_seconds is not None:
            print(f"time for dreamlib to reach scikit-learn's objective / SPAMS' time:        "
                  f"{seconds / spams_seconds:.2f}")
    print(f"dreamlib full run / scikit-learn: {clock['learning'] / sk_seconds:.2f}"
          + (f", / SPAMS: {clock['learning'] / spams_seconds:.2f}" if spams_seconds else ""))


if __name__ == "__main__":
    main()
