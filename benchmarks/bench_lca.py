"""Benchmark: dreamlib's LCA against scikit-learn's fastest LASSO path, same data, same process.

Codes 1,000 whitened 28x28 natural-image patches with a 400-atom dictionary,
with lam chosen so that 5-10% of the coefficients are non-zero, and prints
times, the ratio, and each solver's relative objective gap against an exact
solution (scikit-learn's Lasso at tol=1e-12) on the first 100 patches.

    python benchmarks/bench_lca.py [--repeats 7] [--dictionary shipped|sklearn]

Run it on a quiet machine: the two solvers are timed interleaved, best of
``--repeats``, so background load affects both alike.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.decomposition import MiniBatchDictionaryLearning, SparseCoder
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_info, threadpool_limits

import dreamlib as dl
from dreamlib.sparse_coding import lasso_objective, lca


def load_dictionary(name):
    """The course's shipped dictionary, or one learned here by scikit-learn (3 min)."""
    D, info = dl.data.natural_dictionary()
    images = [dl.data.whiten(im, f0=info["f0"]) for im in dl.data.natural_images()]
    if name == "sklearn":
        train = dl.data.patches(images, size=28, n_patches=20_000, random_state=0)
        mb = MiniBatchDictionaryLearning(400, alpha=1.0, batch_size=100, max_iter=1, random_state=0)
        D, source = mb.fit(train).components_, "MiniBatchDictionaryLearning (1 epoch, 20,000 patches)"
    else:
        source = "shipped data/natural_dictionary.npz"
    return np.asarray(D, dtype=np.float64), images, f"{source}, whitening f0={info['f0']}"


def choose_lam(X, D, target=0.075):
    """Bisect lam (on a log scale) so that about ``target`` of the codes are non-zero."""
    lo, hi = 0.01, float(np.abs(X @ D.T).max())
    for _ in range(20):
        lam = np.sqrt(lo * hi)
        density = dl.metrics.sparsity(lca(X[:200], D, lam))
        lo, hi = (lam, hi) if density > target else (lo, lam)
    return lam


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(repeats, dictionary):
    D, images, source = load_dictionary(dictionary)
    X = dl.data.patches(images, size=28, n_patches=1000, random_state=1)
    lam = choose_lam(X, D)
    blas = ", ".join(f"{i['internal_api']} ({i['num_threads']} threads)" for i in threadpool_info())
    print(f"data: {X.shape[0]} whitened 28x28 patches; dictionary: {D.shape[0]} atoms, {source}")
    print(f"lam = {lam:.3f}; BLAS: {blas}")

    coder = SparseCoder(D, transform_algorithm="lasso_cd", transform_alpha=lam)
    lca(X, D, lam), coder.transform(X)  # warm up both
    timings = {}
    for threads in (1, None):  # one BLAS thread, then the library default (lca's default)
        t_lca, t_sk = [], []
        with threadpool_limits(threads):
            for _ in range(repeats):  # interleaved, so background load hits both alike
                t, codes = best_time(lambda: lca(X, D, lam, blas_threads=threads), 1)
                t_lca.append(t)
                t, sk_codes = best_time(lambda: coder.transform(X), 1)
                t_sk.append(t)
        timings[threads] = min(t_lca), min(t_sk)
    t_paper, paper_codes = best_time(
        lambda: lca(X, D, lam, step=0.01, momentum=False, settle=False, max_iter=5000), 1
    )

    exact = Lasso(alpha=lam / X.shape[1], fit_intercept=False, tol=1e-12, max_iter=200_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exact_codes = exact.fit(D.T, X[:100].T).coef_
    best = lasso_objective(X[:100], exact_codes, D, lam)

    def gap(c):
        return float(((lasso_objective(X[:100], c[:100], D, lam) - best) / best).max())

    print(f"active coefficients: {dl.metrics.sparsity(codes):.1%}")
    print(f"{'solver':52s} {'BLAS threads':>12s} {'time (s)':>9s} {'max rel. gap':>13s}")
    for threads, (t_lca, t_sk) in timings.items():
        label = str(threads or "default")
        name = "dreamlib lca (defaults)" if threads is None else "dreamlib lca (blas_threads=1)"
        print(f"{name:52s} {label:>12s} {t_lca:9.3f} {gap(codes):13.1e}")
        print(f"{'sklearn SparseCoder(transform_algorithm=lasso_cd)':52s} {label:>12s} {t_sk:9.3f} "
              f"{gap(sk_codes):13.1e}")
    print(f"{'dreamlib lca, paper: step 0.01, plain dynamics':52s} {'default':>12s} {t_paper:9.3f} "
          f"{gap(paper_codes):13.1e}")
    for threads, (t_lca, t_sk) in timings.items():
        print(f"ratio lca / lasso_cd with {threads or 'default'} BLAS thread(s): "
              f"{t_lca / t_sk:.2f}   (goal: <= 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--dictionary", choices=["shipped", "sklearn"], default="shipped",
                        help="the course's learned dictionary, or one learned by scikit-learn")
    args = parser.parse_args()
    main(args.repeats, args.dictionary)
