"""Benchmark: dictionary learning on natural-image patches, dreamlib against its peers.

Same whitened 28x28 patches (Olshausen & Field's roll-off ``f0 = 0.4``
cycles/pixel by default), same process, same sparsity penalty ``lam`` for
every learner, 400 atoms, batches of 100:

- scikit-learn's ``MiniBatchDictionaryLearning``, 2,000 batches
  (objective ``0.5||x - aD||^2 + alpha||a||_1``, so ``alpha = lam``);
- SPAMS ``trainDL`` (``pip install spams-bin``), ``mode=2``, 2,000 batches
  (``0.5||x - Da||^2 + lambda1||a||_1``, so ``lambda1 = lam``), run in chunks
  of ``--every`` batches that carry its model over;
- dreamlib's ``learn_dictionary`` (LCA codes + Hebbian step + renormalisation),
  batches drawn at random from the same patches, until it has reached both
  peers' final objectives (or ``--max-factor`` times the slower peer's time).

Every learner is paused every ``--every`` batches to score its dictionary (the
clock stops meanwhile): the mean held-out LASSO objective per patch,
``0.5||x - aD||^2 + lam||a||_1``, with codes solved to a 1e-4 relative
duality gap by :func:`dreamlib.sparse_coding.lca` on 1,000 patches never used
for training. It prints, for dreamlib, the learning time to first reach
scikit-learn's final objective and SPAMS' final objective, divided by that
peer's time, and saves the learning curves of all three in one figure,
``benchmarks/results/dictionary_curves_f0=<f0>.png``.

    python benchmarks/bench_dictionary.py [--f0 0.4] [--lam 1.5] [--threads N] [--quick]

Speed is measured here by hand, never in the tests. Background load slows
every learner, but not equally: say the load (it is printed) beside the result.
"""

import argparse
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.decomposition import MiniBatchDictionaryLearning  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from common import RESULTS, load, machine, spams_module, whitened_patches  # noqa: E402
from dreamlib.sparse_coding import lasso_objective, lca, learn_dictionary, normalize_rows  # noqa: E402

N_COMPONENTS, BATCH = 400, 100


class Curve:
    """Learning time (clock paused while scoring) and held-out objective at checkpoints."""

    def __init__(self, X_test, lam, every):
        self.X_test, self.lam, self.every = X_test, lam, every
        self.points = []  # (batches, seconds, objective)
        self.seconds = 0.0
        self.since = None

    def start(self):
        self.since = time.perf_counter()

    def checkpoint(self, batches, D):
        self.seconds += time.perf_counter() - self.since
        self.points.append((batches, self.seconds, heldout(self.X_test, D, self.lam)))
        self.since = time.perf_counter()
        return self.points[-1][2]

    def first_below(self, target):
        """(batches, seconds) of the first checkpoint at or below ``target``, else None."""
        return next(((b, s) for b, s, obj in self.points if obj <= target), None)


def heldout(X_test, D, lam):
    """Mean held-out LASSO objective per patch, codes at a 1e-4 certified gap."""
    D = normalize_rows(np.asarray(D, dtype=np.float64))
    return float(lasso_objective(X_test, lca(X_test, D, lam, tol=1e-4), D, lam).mean())


def run_sklearn(X, curve, n_batches, seed):
    def callback(env):
        if (env["i"] + 1) % curve.every == 0:
            curve.checkpoint(env["i"] + 1, env["dictionary"])

    model = MiniBatchDictionaryLearning(
        n_components=N_COMPONENTS, alpha=curve.lam, batch_size=BATCH, max_iter=1, tol=0.0,
        max_no_improvement=None, random_state=seed, callback=callback,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LARS early-stopping chatter
        curve.start()
        model.fit(X[: n_batches * BATCH])
    assert model.n_steps_ == n_batches, model.n_steps_
    return curve


def run_spams(spams, X, curve, n_batches, threads):
    """trainDL in chunks of ``every`` batches, each on fresh patches, carrying its model over."""
    D, model = None, None
    curve.start()
    for done in range(curve.every, n_batches + 1, curve.every):
        chunk = np.asfortranarray(X[(done - curve.every) * BATCH: done * BATCH].T)
        D, model = spams.trainDL(chunk, return_model=True, model=model, D=D, K=N_COMPONENTS,
                                 lambda1=curve.lam, mode=2, iter=curve.every, batchsize=BATCH,
                                 numThreads=threads, verbose=False)
        curve.checkpoint(done, np.asarray(D).T)
    return curve


class _Reached(Exception):
    pass


def run_dreamlib(X, curve, targets, max_seconds, seed, step_decay):
    def callback(t, D):
        if (t + 1) % curve.every:
            return
        curve.checkpoint(t + 1, D)
        if all(curve.first_below(y) for y in targets) or curve.seconds > max_seconds:
            raise _Reached

    curve.start()
    try:  # the schedule does not depend on n_iter, so stopping early = a shorter run
        learn_dictionary(X, N_COMPONENTS, curve.lam, n_iter=10**6, batch_size=BATCH,
                         step_decay=step_decay, random_state=seed, callback=callback)
    except _Reached:
        pass
    return curve


def plot(curves, path, title):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, curve in curves.items():
        _, seconds, objective = zip(*curve.points)
        ax.plot(seconds, objective, marker=".", label=name)
    ax.set_xlabel("learning time (s), scoring excluded")
    ax.set_ylabel("held-out LASSO objective per patch")
    ax.set_title(title, fontsize=10)
    low = min(min(c.points, key=lambda p: p[2])[2] for c in curves.values())
    ax.set_ylim(low * 0.99, low * 1.25)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--f0", type=float, default=0.4)
    parser.add_argument("--lam", type=float, default=1.5)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every learner (default: each library's default)")
    parser.add_argument("--batches", type=int, default=2000, help="batches for the peers")
    parser.add_argument("--every", type=int, default=100, help="score every this many batches")
    parser.add_argument("--step-decay", type=float, default=20.0, help="dreamlib's step_decay")
    parser.add_argument("--max-factor", type=float, default=3.0,
                        help="stop dreamlib at this multiple of the slower peer's time")
    parser.add_argument("--quick", action="store_true", help="200 batches, scored every 20")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.every = 200, 20
    seed = 0
    spams = spams_module()
    X = whitened_patches(args.f0, args.batches * BATCH, random_state=seed).astype(np.float32)
    X_test = whitened_patches(args.f0, 1000, random_state=seed + 1)
    start_load = load()
    print(f"dictionary learning: whitened 28x28 patches (f0={args.f0}), {N_COMPONENTS} atoms, "
          f"lam={args.lam}, batches of {BATCH}; peers run {args.batches} batches; held-out "
          f"objective on {len(X_test)} patches every {args.every} batches (clock paused)")
    print(f"threads: {args.threads or 'each library its default'}; {machine()}")
    print(f"at start: {start_load}")

    curves = {}
    with threadpool_limits(args.threads):
        curves["scikit-learn MiniBatchDictionaryLearning"] = run_sklearn(
            X, Curve(X_test, args.lam, args.every), args.batches, seed)
        if spams is None:
            print("SPAMS is not installed (pip install spams-bin): skipped")
        else:
            curves["SPAMS trainDL"] = run_spams(
                spams, X, Curve(X_test, args.lam, args.every), args.batches,
                -1 if args.threads is None else args.threads)
        peers = dict(curves)
        targets = [c.points[-1][2] for c in peers.values()]
        slowest = max(c.seconds for c in peers.values())
        curves["dreamlib learn_dictionary"] = run_dreamlib(
            X, Curve(X_test, args.lam, args.every), targets, args.max_factor * slowest, seed,
            args.step_decay)

    print(f"\n{'learner':42s} {'batches':>8s} {'time (s)':>9s} {'held-out objective':>19s}")
    for name, curve in curves.items():
        batches, seconds, objective = curve.points[-1]
        print(f"{name:42s} {batches:8d} {seconds:9.1f} {objective:19.3f}")
    mine = curves["dreamlib learn_dictionary"]
    print()
    for name, peer in peers.items():
        _, seconds, objective = peer.points[-1]
        reached = mine.first_below(objective)
        if reached is None:
            print(f"dreamlib did NOT reach {name}'s objective {objective:.3f} "
                  f"(best {min(p[2] for p in mine.points):.3f} in {mine.seconds:.1f} s)")
        else:
            print(f"dreamlib reaches {name}'s objective {objective:.3f} after {reached[0]} batches, "
                  f"{reached[1]:.1f} s: RATIO {reached[1] / seconds:.2f} of its {seconds:.1f} s")
    path = RESULTS / f"dictionary_curves_f0={args.f0}.png"
    plot(curves, path, f"400 atoms, whitened 28x28 patches (f0={args.f0}), lam={args.lam}")
    print(f"learning curves: {path}")
    print(f"at start: {start_load}; at end: {load()}")


if __name__ == "__main__":
    main()
