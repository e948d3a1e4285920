"""Benchmark: dictionary learning on natural-image patches, dreamlib against its peers.

Same whitened 28x28 patches (Olshausen & Field's roll-off ``f0 = 0.4``
cycles/pixel by default), same process, same sparsity penalty ``lam`` for
every learner, 400 atoms, batches of 100:

- scikit-learn's ``MiniBatchDictionaryLearning``, 2,000 batches
  (objective ``0.5||x - aD||^2 + alpha||a||_1``, so ``alpha = lam``);
- SPAMS ``trainDL`` (``pip install spams-bin``), ``mode=2``, 2,000 batches
  (``0.5||x - Da||^2 + lambda1||a||_1``, so ``lambda1 = lam``), run in chunks
  of ``--every`` batches that carry its model over;
- dreamlib's ``learn_dictionary`` (LCA codes + Hebbian step + renormalisation; or
  ``--option rule=online``),
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
        [--learners sklearn,spams,dreamlib] [--option name=value ...]

Every checkpoint is printed as it is scored. The peers' curves are cached (json
in ``common.CACHE``, keyed by every setting and library version), so
``--learners dreamlib`` reruns dreamlib alone against the stored peers (say so
beside the result: their times were measured in another process, under another
load); the figure and the ratios of a run with every learner come from one
process. ``--option`` passes keyword arguments to ``learn_dictionary`` on top
of the benchmark's ``step_decay=20`` (the value its docstring gives for natural
images; the library default is 100): ``--option rule=online``,
``--option step_decay=100`` (values are read as Python literals).

Besides the learning time (wall clock), each learner's CPU time (this process, all its
threads) is printed: with ``--threads 1`` it is less sensitive to other jobs on the machine,
and is the fairer comparison when the peers' curves come from the cache. Speed is measured
here by hand, never in the tests. Background load slows
every learner, but not equally: say the load (it is printed) beside the result.
"""

import argparse
import ast
import importlib.metadata
import json
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.decomposition import MiniBatchDictionaryLearning  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import sklearn  # noqa: E402
from common import CACHE, RESULTS, load, machine, spams_module, whitened_patches  # noqa: E402

import dreamlib  # noqa: E402
from dreamlib.sparse_coding import lasso_objective, lca, learn_dictionary, normalize_rows  # noqa: E402

N_COMPONENTS, BATCH = 400, 100


class Curve:
    """Learning time (clock paused while scoring) and held-out objective at checkpoints."""

    def __init__(self, name, X_test, lam, every):
        self.name, self.X_test, self.lam, self.every = name, X_test, lam, every
        self.points = []  # (batches, seconds, objective, CPU seconds of this process)
        self.seconds = self.cpu = 0.0
        self.since = self.cpu_since = None

    def start(self):
        self.since, self.cpu_since = time.perf_counter(), time.process_time()

    def checkpoint(self, batches, D):
        self.seconds += time.perf_counter() - self.since
        self.cpu += time.process_time() - self.cpu_since
        self.points.append((batches, self.seconds, heldout(self.X_test, D, self.lam), self.cpu))
        print(f"  {self.name:10s} {batches:6d} batches {self.seconds:8.1f} s ({self.cpu:8.1f} s "
              f"CPU)  objective {self.points[-1][2]:.3f}  ({load()})", flush=True)
        self.since, self.cpu_since = time.perf_counter(), time.process_time()
        return self.points[-1][2]

    def first_below(self, target):
        """First checkpoint (batches, seconds, CPU seconds) at or below ``target``, or None."""
        return next(((b, s, cpu) for b, s, obj, cpu in self.points if obj <= target), None)


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


def run_dreamlib(X, curve, targets, max_seconds, seed, options):
    def callback(t, D):
        if (t + 1) % curve.every:
            return
        curve.checkpoint(t + 1, D)
        if all(curve.first_below(y) for y in targets) or curve.seconds > max_seconds:
            raise _Reached

    curve.start()
    try:  # the schedule does not depend on n_iter, so stopping early = a shorter run
        learn_dictionary(X, N_COMPONENTS, curve.lam, n_iter=10**6, batch_size=BATCH,
                         random_state=seed, callback=callback, **options)
    except _Reached:
        pass
    return curve


def plot(curves, path, title):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, curve in curves.items():
        _, seconds, objective, _ = zip(*curve.points)
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


PEERS = {"sklearn": "scikit-learn MiniBatchDictionaryLearning", "spams": "SPAMS trainDL"}


def _spams_version():
    try:
        return importlib.metadata.version("spams-bin")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def peer_cache(peer, args, spams):
    """Where ``peer``'s curve for these settings is kept, and the settings themselves."""
    version = sklearn.__version__ if peer == "sklearn" else _spams_version()
    settings = dict(peer=peer, version=version, f0=args.f0, lam=args.lam, batches=args.batches,
                    every=args.every, threads=args.threads, n_components=N_COMPONENTS,
                    batch=BATCH, seed=0)
    name = "_".join(f"{k}={v}" for k, v in settings.items())
    return CACHE / "dictionary_curves" / f"{name}.json", settings


def cached_peer(peer, args, spams, X_test):
    """The stored curve of ``peer``, or None."""
    path, settings = peer_cache(peer, args, spams)
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    if stored["settings"] != settings:
        return None
    curve = Curve(peer, X_test, args.lam, args.every)
    curve.points = [tuple(p) for p in stored["points"]]
    curve.seconds, curve.cpu = curve.points[-1][1], curve.points[-1][3]
    print(f"{PEERS[peer]}: cached curve ({path.name}), measured {stored['when']} "
          f"({stored['load']})")
    return curve


def store_peer(peer, args, spams, curve, start_load):
    path, settings = peer_cache(peer, args, spams)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(settings=settings, points=curve.points, load=start_load,
                                    when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))))


def parse_options(pairs):
    options = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            options[key] = value
    return options


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--f0", type=float, default=0.4)
    parser.add_argument("--lam", type=float, default=1.5)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every learner (default: each library's default)")
    parser.add_argument("--batches", type=int, default=2000, help="batches for the peers")
    parser.add_argument("--every", type=int, default=100, help="score every this many batches")
    parser.add_argument("--learners", default="sklearn,spams,dreamlib",
                        help="comma-separated learners to run; peers left out are read from "
                             "the cache of an earlier run with the same settings")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="keyword argument of learn_dictionary (repeatable; the "
                             "benchmark passes step_decay=20 unless told otherwise)")
    parser.add_argument("--max-factor", type=float, default=3.0,
                        help="stop dreamlib at this multiple of the slower peer's time")
    parser.add_argument("--quick", action="store_true", help="200 batches, scored every 20")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.every = 200, 20
    learners = args.learners.split(",")
    unknown = set(learners) - {"sklearn", "spams", "dreamlib"}
    if unknown:
        parser.error(f"--learners: unknown {sorted(unknown)}")
    options = {"step_decay": 20.0, **parse_options(args.option)}
    seed = 0
    spams = spams_module()
    X = whitened_patches(args.f0, args.batches * BATCH, random_state=seed).astype(np.float32)
    X_test = whitened_patches(args.f0, 1000, random_state=seed + 1)
    start_load = load()
    print(f"dictionary learning: whitened 28x28 patches (f0={args.f0}), {N_COMPONENTS} atoms, "
          f"lam={args.lam}, batches of {BATCH}; peers run {args.batches} batches; held-out "
          f"objective on {len(X_test)} patches every {args.every} batches (clock paused)")
    print(f"threads: {args.threads or 'each library its default'}; {machine()}")
    print(f"dreamlib {dreamlib.__file__}; learn_dictionary options {options}")
    print(f"at start: {start_load}", flush=True)

    curves, cached_names = {}, set()
    with threadpool_limits(args.threads):
        for peer in ("sklearn", "spams"):
            if peer == "spams" and spams is None:
                print("SPAMS is not installed (pip install spams-bin): skipped")
                continue
            if peer not in learners:
                curve = cached_peer(peer, args, spams, X_test)
                if curve is None:
                    parser.error(f"no cached {peer} curve for these settings: run it "
                                 f"(--learners {peer},...) first")
            elif peer == "sklearn":
                curve = run_sklearn(X, Curve(peer, X_test, args.lam, args.every), args.batches,
                                    seed)
            else:
                curve = run_spams(spams, X, Curve(peer, X_test, args.lam, args.every),
                                  args.batches, -1 if args.threads is None else args.threads)
            if peer in learners:
                store_peer(peer, args, spams, curve, start_load)
            else:
                cached_names.add(PEERS[peer])
            curves[PEERS[peer]] = curve
        peers = dict(curves)
        if "dreamlib" in learners:
            targets = [c.points[-1][2] for c in peers.values()]
            slowest = max(c.seconds for c in peers.values())
            curves["dreamlib learn_dictionary"] = run_dreamlib(
                X, Curve("dreamlib", X_test, args.lam, args.every), targets,
                args.max_factor * slowest, seed, options)

    print(f"\n{'learner':42s} {'batches':>8s} {'time (s)':>9s} {'CPU (s)':>9s} "
          f"{'held-out objective':>19s}")
    for name, curve in curves.items():
        batches, seconds, objective, cpu = curve.points[-1]
        cached = "  (cached)" if name in cached_names else ""
        print(f"{name:42s} {batches:8d} {seconds:9.1f} {cpu:9.1f} {objective:19.3f}{cached}")
    if "dreamlib" in learners:
        mine = curves["dreamlib learn_dictionary"]
        print()
        for name, peer in peers.items():
            _, seconds, objective, cpu = peer.points[-1]
            reached = mine.first_below(objective)
            if reached is None:
                print(f"dreamlib did NOT reach {name}'s objective {objective:.3f} "
                      f"(best {min(p[2] for p in mine.points):.3f} in {mine.seconds:.1f} s)")
            else:
                print(f"dreamlib reaches {name}'s objective {objective:.3f} after {reached[0]} "
                      f"batches, {reached[1]:.1f} s: RATIO {reached[1] / seconds:.2f} of its "
                      f"{seconds:.1f} s (CPU time: {reached[2]:.1f} s, RATIO "
                      f"{reached[2] / cpu:.2f} of its {cpu:.1f} s)")
    path = RESULTS / f"dictionary_curves_f0={args.f0}.png"
    plot(curves, path, f"400 atoms, whitened 28x28 patches (f0={args.f0}), lam={args.lam}")
    print(f"learning curves: {path}")
    print(f"at start: {start_load}; at end: {load()}")


if __name__ == "__main__":
    main()
