"""Benchmark matrix: dreamlib's LCA against scikit-learn's lasso_cd and SPAMS' lasso, same process.

Every cell codes the same held-out whitened 28x28 patches of the bundled
photographs with one dictionary and one ``lam``, by

- ``dreamlib.sparse_coding.lca`` at its defaults;
- scikit-learn's ``SparseCoder(transform_algorithm="lasso_cd")`` at its defaults;
- SPAMS' ``lasso`` (LARS, ``mode=2``; ``pip install spams-bin``), when it is installed,

timed interleaved (lca, lasso_cd, SPAMS, lca, ...) and reported as the best of
``--repeats``, so background load hits all three alike. The matrix:

- whitening roll-off ``f0`` of 0.2 and 0.4 cycles/pixel (Olshausen & Field's is 0.39);
- dictionaries learned by dreamlib (``learn_dictionary``) and by scikit-learn
  (``MiniBatchDictionaryLearning``, coordinate-descent codes), seeded, at ``lam = 1.5``;
- 200, 400 and 1,200 atoms (under-, near- and over-complete on 784 pixels);
- ``lam`` set (by bisection) so that about 3 %, 8 % and 15 % of the codes are active;
- and, as extra rows, the dictionary the course ships (f0 = 0.2, 400 atoms).

Each solver's codes carry a certified relative duality gap (an upper bound
on ``(E(a) - E(a*)) / E(a)`` that needs no reference solver), the worst over
all patches; the first patches are also checked against an exact solution
(SPAMS' LARS when installed, else scikit-learn's ``Lasso`` at ``tol=1e-12``).
Dictionaries (one epoch of 30,000 patches each; scikit-learn's 1,200-atom ones
100 batches) and calibrated ``lam`` values are cached (``common.CACHE``, a
temporary folder shared by checkouts), so only the first run learns them.

    python benchmarks/bench_lca.py [--quick] [--repeats 3] [--n-patches 300] [--threads N]
                                   [--cells TEXT]

Speed is measured here by hand, never in the tests.
"""

import argparse
import json
import time
import warnings
from itertools import product

import numpy as np
from sklearn.decomposition import SparseCoder
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_limits

import dreamlib as dl
from common import (
    CACHE,
    cached_dictionary,
    duality_gaps,
    load,
    machine,
    spams_module,
    whitened_patches,
)
from dreamlib.sparse_coding import lasso_objective, lca

F0S = (0.2, 0.4)
LEARNERS = ("dreamlib", "sklearn")
SIZES = (200, 400, 1200)
TARGETS = (0.03, 0.08, 0.15)  # fraction of active codes
SLOW_CELL = 10.0
CLOCK = [time.perf_counter]  # --cpu: time.process_time
FULL = dict(n_patches=300, repeats=3, n_exact=30, sizes=SIZES, dreamlib_batches=300,
            sklearn_batches={200: 300, 400: 300, 1200: 100}, n_train=30_000)
QUICK = dict(n_patches=100, repeats=1, n_exact=20, sizes=(200, 400), dreamlib_batches=200,
             sklearn_batches=30, n_train=3000)


def dictionaries(s, cells=None):
    """(label, f0, dictionary) for every dictionary of the matrix, and the shipped one.

    With ``cells``, only the dictionaries of the cells whose key contains it.
    """
    out = []
    for f0, learner, k in product(F0S, LEARNERS, s["sizes"]):
        if cells and not any(cells in f"{learner}:{f0}:{k}:{t}" for t in TARGETS):
            continue
        batches = s[f"{learner}_batches"]
        batches = batches[k] if isinstance(batches, dict) else batches
        D, seconds = cached_dictionary(learner, f0, k, batches, s["n_train"])
        out.append((learner, f0, D))
    D, info = dl.data.natural_dictionary()
    out.append(("shipped", float(info["f0"]), D.astype(np.float64)))
    return out


def calibrate_lam(X, D, target, cache_key):
    """``lam`` at which about ``target`` of the codes are active (bisection on a log scale)."""
    path = CACHE / "lca_matrix_lams.json"
    cache = json.loads(path.read_text()) if path.exists() else {}
    if cache_key in cache:
        return cache[cache_key]
    lo, hi = 1e-3, float(np.abs(X @ D.T).max())
    for _ in range(14):  # to within 2 % of lam; the support hardly depends on the tolerance
        lam = float(np.sqrt(lo * hi))
        active = dl.metrics.active_fraction(lca(X, D, lam, tol=1e-2))
        lo, hi = (lam, hi) if active > target else (lo, lam)
    cache[cache_key] = lam
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cache, indent=1))
    return lam


def exact_codes(X, D, lam):
    """The reference solution: SPAMS' LARS (exact up to rounding) if installed, else
    scikit-learn's coordinate-descent Lasso at tol=1e-12 (slow for small lam)."""
    spams = spams_module()
    if spams is not None:
        codes = spams.lasso(np.asfortranarray(X.T), np.asfortranarray(D.T), lambda1=lam, mode=2)
        return codes.toarray().T
    model = Lasso(alpha=lam / X.shape[1], fit_intercept=False, precompute=True, tol=1e-12,
                  max_iter=500_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(D.T, X.T)
    return np.atleast_2d(model.coef_)


def solvers(X, D, lam, threads):
    """The contestants, each ``f(m)`` coding the first ``m`` patches (None: all)."""
    coder = SparseCoder(D, transform_algorithm="lasso_cd", transform_alpha=lam)
    out = {"lca": lambda m: lca(X[:m], D, lam), "lasso_cd": lambda m: coder.transform(X[:m])}
    spams = spams_module()
    if spams is not None:
        Xf, Df = np.asfortranarray(X.T), np.asfortranarray(D.T)  # SPAMS' layout, made untimed
        n_threads = -1 if threads is None else threads

        def spams_lasso(m):
            return spams.lasso(Xf[:, :m] if m else Xf, Df, lambda1=lam, mode=2,
                               numThreads=n_threads)

        out["spams"] = spams_lasso
    return out


def time_cell(run, repeats):
    """Best-of-``repeats`` seconds per solver, interleaved, and each solver's codes.

    Cells whose first round takes over ``SLOW_CELL`` seconds run only once.
    """
    seconds = {name: [] for name in run}
    codes = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # lasso_cd's; its gap is reported
        for name, f in run.items():  # warm-up (imports, first-call set-up), on a few patches
            f(5)
        for repeat in range(repeats):
            if repeat and sum(min(t) for t in seconds.values()) > SLOW_CELL:
                break  # a slow cell: one round is precise enough, and keeps the run short
            for name, f in run.items():
                time.sleep(0.05)  # let the previous solver's spinning threads go idle
                start = CLOCK[0]()
                result = f(None)
                seconds[name].append(CLOCK[0]() - start)
                codes[name] = result
    if "spams" in codes:
        codes["spams"] = codes["spams"].toarray().T
    return {name: min(t) for name, t in seconds.items()}, codes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small dictionaries (200 and 400 atoms, briefly learned), 100 patches, "
                             "one repeat: a smoke run")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--n-patches", type=int)
    parser.add_argument("--cpu", action="store_true",
                        help="time CPU seconds of this process instead of wall-clock seconds: "
                             "robust on a busy machine, fair only with --threads 1")
    parser.add_argument("--cells", default=None,
                        help="only cells whose 'f0:learner:atoms:target' contains this text")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit every solver to this many threads (default: each its own)")
    args = parser.parse_args()
    if args.cpu:
        CLOCK[0] = time.process_time
    s = dict(QUICK if args.quick else FULL)
    s.update({k: v for k, v in (("repeats", args.repeats), ("n_patches", args.n_patches)) if v})
    mode = "quick" if args.quick else "full"
    start_load = load()
    print(f"bench_lca matrix ({mode}): {s['n_patches']} held-out patches per cell, best of "
          f"{s['repeats']} interleaved repeats; lca at its defaults, SparseCoder(lasso_cd) at its "
          f"defaults, SPAMS lasso mode=2")
    print(f"dictionaries: dreamlib learn_dictionary {s['dreamlib_batches']} batches of 100, "
          f"scikit-learn MiniBatchDictionaryLearning(fit_algorithm='cd') {s['sklearn_batches']} "
          f"batches of 100 (by atoms if a dict), from {s['n_train']:,} patches, lam 1.5, seed 0 "
          f"(cached in {CACHE})")
    print(f"threads: {args.threads or 'each library its default'}; {machine()}; clock: "
          f"{'CPU time of this process' if args.cpu else 'wall'}")
    print(f"at start: {start_load}")
    if spams_module() is None:
        print("SPAMS is not installed (pip install spams-bin): its column is skipped")

    rows, exact_worst = [], {}
    with threadpool_limits(args.threads):
        learned = dictionaries(s, args.cells)
        tests = {f0: whitened_patches(f0, s["n_patches"], random_state=1) for f0 in F0S}
        tunes = {f0: whitened_patches(f0, 200, random_state=2) for f0 in F0S}
        header = (f"{'f0':>4s} {'dictionary':>10s} {'atoms':>5s} {'target':>6s} {'lam':>6s} "
                  f"{'active':>6s} | {'lca s':>7s} {'cd s':>7s} {'spams s':>7s} | "
                  f"{'lca/cd':>6s} {'lca/sp':>6s} | {'gap lca':>8s} {'gap cd':>8s} {'gap sp':>8s}")
        print("\n" + header + "\n" + "-" * len(header))
        for learner, f0, D in learned:
            X = tests[f0]
            for target in TARGETS:
                key = f"{mode}:{learner}:{f0}:{len(D)}:{target}"
                if args.cells and args.cells not in key.split(":", 1)[1]:
                    continue
                lam = calibrate_lam(tunes[f0], D, target, key)
                seconds, codes = time_cell(solvers(X, D, lam, args.threads), s["repeats"])
                gaps = {name: float(duality_gaps(X, D, lam, c).max()) for name, c in codes.items()}
                m = s["n_exact"]
                best = lasso_objective(X[:m], exact_codes(X[:m], D, lam), D, lam)
                for name, c in codes.items():
                    gap = float(((lasso_objective(X[:m], c[:m], D, lam) - best) / best).max())
                    exact_worst[name] = max(exact_worst.get(name, -np.inf), gap)
                row = dict(f0=f0, learner=learner, atoms=len(D), target=target, lam=lam,
                           active=dl.metrics.active_fraction(codes["lca"]), seconds=seconds, gaps=gaps)
                rows.append(row)
                print(format_row(row), flush=True)
    summarize(rows, exact_worst, s, start_load)


def format_row(r):
    t, g = r["seconds"], r["gaps"]
    sp = t.get("spams", np.nan)
    return (f"{r['f0']:4.2f} {r['learner']:>10s} {r['atoms']:5d} {r['target']:6.0%} "
            f"{r['lam']:6.3f} {r['active']:6.1%} | {t['lca']:7.3f} {t['lasso_cd']:7.3f} "
            f"{sp:7.3f} | {t['lca'] / t['lasso_cd']:6.2f} {t['lca'] / sp:6.2f} | "
            f"{g['lca']:8.1e} {g['lasso_cd']:8.1e} {g.get('spams', np.nan):8.1e}")


def summarize(rows, exact_worst, s, start_load):
    print("\n(times in seconds; gap: worst certified relative duality gap over the patches)")
    for peer, label in (("lasso_cd", "scikit-learn lasso_cd"), ("spams", "SPAMS lasso")):
        if peer not in rows[0]["seconds"]:
            continue
        ratios = [r["seconds"]["lca"] / r["seconds"][peer] for r in rows]
        worst = rows[int(np.argmax(ratios))]
        ahead = sum(x < 1 for x in ratios)
        print(f"WORST ratio lca / {label}: {max(ratios):.2f} (f0 {worst['f0']}, {worst['learner']}, "
              f"{worst['atoms']} atoms, {worst['target']:.0%} target); median {np.median(ratios):.2f}; "
              f"lca faster in {ahead} of {len(ratios)} cells")
    for name in rows[0]["gaps"]:
        print(f"worst certified gap, {name}: {max(r['gaps'][name] for r in rows):.1e}; worst "
              f"objective gap to the exact solution (first {s['n_exact']} patches per cell): "
              f"{exact_worst[name]:.1e}")
    print(f"at start: {start_load}; at end: {load()}")


if __name__ == "__main__":
    main()
