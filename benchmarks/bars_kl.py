"""Hinton et al. (1995)'s bars problem: exact KL(data || model) in bits, over seeds. Run by hand.

    python benchmarks/bars_kl.py                       # the documented recipe, 10 seeds
    python benchmarks/bars_kl.py --recipe test --seeds 3
    python benchmarks/bars_kl.py --first-seed 5 --seeds 5   # seeds 5-9 (run halves side by side)
    python benchmarks/bars_kl.py --list                # the recipes

A 16-8-1 Helmholtz machine is trained on 4x4 bars (vertical with probability 2/3, each bar on
with probability 0.2). Its exact probability of each of the 30 possible images is a sum over its
2**9 hidden states, so KL(data || model) is exact. The data entropy is 3.43 bits. Hinton et al.
report 0.10 bits; a public reproduction reached 0.45.

Each seed is an independent replicate: its own training sample (``hinton_bars(n,
random_state=seed)``) and its own machine (``random_state=seed``). With ``n_init > 1`` the
machine keeps the start with the highest importance-sampled likelihood of its own training
images (``HelmholtzMachine.init_log_likelihoods_``), never looking at the true distribution; the
exact KL is computed only to report. Printed: KL per seed, time per seed, the median and the worst,
and the load average (timings on a busy machine are not comparable).
"""

import argparse
import os
import time

import numpy as np

from dreamlib.data import hinton_bars, hinton_bars_distribution
from dreamlib.helmholtz import BARS_RECIPE, HelmholtzMachine, exact_kl_bits

#: name: (training images, HelmholtzMachine settings)
RECIPES = {
    # the documented recipe, dreamlib.helmholtz.BARS_RECIPE
    "recipe": (20_000, BARS_RECIPE),
    # the unit test's (tests/test_helmholtz.py), affordable in CI
    "test": (20_000, dict(optimizer="sgd", learning_rate=1.0, learning_rate_decay=0.3,
                          batch_size=10, n_epochs=10, n_init=4)),
    # one start of plain wake-sleep, no restarts
    "single": (20_000, dict(optimizer="sgd", learning_rate=1.0, learning_rate_decay=1.0,
                            batch_size=10, n_epochs=20)),
}


def run(name, seeds):
    n_samples, settings = RECIPES[name]
    patterns, probs = hinton_bars_distribution()
    entropy = -(probs * np.log2(probs)).sum()
    print(f"recipe {name!r}: {n_samples} training images per seed, {settings}")
    print(f"data entropy {entropy:.3f} bits; load average {os.getloadavg()[0]:.1f} at the start")
    kls, times = [], []
    for seed in seeds:
        X = hinton_bars(n_samples, random_state=seed)
        start = time.perf_counter()
        hm = HelmholtzMachine([16, 8, 1], progress=False, random_state=seed, **settings).fit(X)
        times.append(time.perf_counter() - start)
        kls.append(exact_kl_bits(hm, patterns, probs))
        scores = getattr(hm, "init_log_likelihoods_", None)
        chosen = f", starts' log-lik {np.round(scores, 3).tolist()}" if scores else ""
        print(f"  seed {seed}: KL {kls[-1]:.3f} bits, {times[-1]:.0f} s{chosen}", flush=True)
    print(f"median KL {np.median(kls):.3f} bits, worst {max(kls):.3f}, best {min(kls):.3f}; "
          f"median time per seed {np.median(times):.0f} s; load average {os.getloadavg()[0]:.1f} "
          "at the end")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="recipe")
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        for key, (n, settings) in RECIPES.items():
            print(f"{key}: {n} images, {settings}")
    else:
        run(args.recipe, range(args.first_seed, args.first_seed + args.seeds))
