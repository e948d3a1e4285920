"""Helmholtz machine benchmarks, run by hand (never in the tests).

    python benchmarks/bench_helmholtz.py            # speed + held-out MNIST likelihood
    python benchmarks/bench_helmholtz.py --speed    # speed only

1. Throughput: wake-sleep training of a 784-200-200 machine on binarised MNIST
   digits (minibatches of 100, float32), in training images per second; each
   image costs one wake phase and one dream (sleep phase). Measured for today's
   ``dreamlib.helmholtz`` and for the implementation before it became a package
   (``helmholtz_7beb5eb.py``, commit 7beb5eb), alternately in the same process,
   with the ratio printed: a fair comparison on a busy machine.
2. Held-out log-likelihood on the bundled 5,000-digit MNIST subset, offline:
   train the default machine on 4,000 digits, estimate log p(x) in nats on the
   other 1,000 by importance sampling, and compare with independent pixels.
"""

import argparse
import os
import sys
import time

import numpy as np

import dreamlib as dl
from dreamlib.helmholtz import HelmholtzMachine, independent_pixel_log_likelihood

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helmholtz_7beb5eb  # noqa: E402  (the implementation before the refactor)

IMPLEMENTATIONS = {"today": HelmholtzMachine, "7beb5eb": helmholtz_7beb5eb.HelmholtzMachine}


def throughput(X, algorithm="wake-sleep", n_epochs=3, blas_threads=1, machine=HelmholtzMachine):
    hm = machine((784, 200, 200), n_epochs=n_epochs, batch_size=100, progress=False,
                 algorithm=algorithm, blas_threads=blas_threads, random_state=0)
    start = time.perf_counter()
    hm.fit(X)
    return len(X) * n_epochs / (time.perf_counter() - start)


def compare_speed(X, repeats=3):
    """Images/s of today's machine and of 7beb5eb's, alternating runs; the best of each."""
    for threads in (1, None):
        for algorithm in ("wake-sleep", "rws"):
            best = {name: 0.0 for name in IMPLEMENTATIONS}
            for _ in range(repeats):
                for name, machine in IMPLEMENTATIONS.items():
                    rate = throughput(X, algorithm, n_epochs=1, blas_threads=threads,
                                      machine=machine)
                    best[name] = max(best[name], rate)
            label = "1 BLAS thread" if threads == 1 else "BLAS default threads"
            print(f"784-200-200 {algorithm:10s} batch 100, {label}: today {best['today']:,.0f} "
                  f"images/s, 7beb5eb {best['7beb5eb']:,.0f} images/s, "
                  f"ratio {best['today'] / best['7beb5eb']:.2f}", flush=True)


def held_out(n_test=1000, n_samples=1000, seed=0):
    X, _ = dl.data.mnist(binarize=True, source="bundled")
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = X[order[:n_test]], X[order[n_test:]]
    start = time.perf_counter()
    hm = HelmholtzMachine((784, 200, 200), random_state=seed).fit(train)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    ll_test = hm.log_likelihood(test, n_samples=n_samples, random_state=1)
    ll_train = hm.log_likelihood(train[:n_test], n_samples=n_samples, random_state=1)
    ll_time = time.perf_counter() - start
    base = independent_pixel_log_likelihood(train, test)
    sem = ll_test.std() / np.sqrt(n_test)
    print(f"MNIST (bundled subset): train {len(train)}, held out {n_test}, "
          f"{n_samples} importance samples per image")
    print(f"  default HelmholtzMachine(784-200-200): fit {fit_time:.0f} s "
          f"({hm.n_epochs} epochs), likelihood {ll_time:.0f} s")
    print(f"  held-out log p(x): {ll_test.mean():.1f} +- {sem:.1f} nats/image "
          f"(train digits: {ll_train.mean():.1f})")
    print(f"  independent pixels:  {base.mean():.1f} nats/image")
    print(f"  gain over baseline:  {ll_test.mean() - base.mean():.1f} nats/image")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", action="store_true", help="throughput only")
    args = parser.parse_args()
    X, _ = dl.data.mnist(binarize=True, source="bundled")
    for machine in IMPLEMENTATIONS.values():
        throughput(X[:500], n_epochs=1, machine=machine)  # warm-up
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    compare_speed(X)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if not args.speed:
        held_out()


if __name__ == "__main__":
    main()
