"""Why do Helmholtz machines reconstruct natural patches worse than a flat patch? A study, run by hand.

    nice -n 10 python benchmarks/natural_images.py                      # every recipe, 5 seeds
    nice -n 10 python benchmarks/natural_images.py --recipes naive-ws sparse-ws-beta --seeds 0
    nice -n 10 python benchmarks/natural_images.py --n-train 10000 --epochs 5 --out study.json

Held-out PSNR (data range 1) of 28x28 patches of the bundled photographs, pixels in [0, 1]
(:func:`dreamlib.experiments.natural_patches`, the held-out patches are the last ``--n-test``),
for the recipes in :data:`RECIPES`: pixel ("naive") and sparse-code machines, wake-sleep or
reweighted wake-sleep, Beta or spike-and-slab visible units, Adam or the plain delta rule, hidden
layer sizes; each reconstruction both as the average of ``--recon-samples`` recognition samples
and from the recognition model's probabilities (mean field). References: a flat patch at each
patch's own mean, the sparse code alone, and a ridge regression from the machine's mean-field
hidden layer to the pixels (how much the hidden layer knows, whatever the generative weights
make of it). Prints a Markdown table (mean ± std over seeds) and writes every number to JSON.

The LCA codes of the patches are computed once and cached (``--cache``).
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

import dreamlib as dl
from dreamlib import experiments as ex

#: name -> (kind, machine settings). ``hidden`` lists the hidden layers.
RECIPES = {
    "naive-ws": ("naive", dict(units="beta", optimizer="adam", learning_rate=1e-2)),
    "naive-ws-sgd": ("naive", dict(units="beta", optimizer="sgd", learning_rate=0.1)),
    "naive-rws": ("naive", dict(units="beta", algorithm="rws", learning_rate=1e-3)),
    "naive-rws-3e-3": ("naive", dict(units="beta", algorithm="rws", learning_rate=3e-3)),
    "sparse-ws-beta": ("sparse", dict(units="beta", learning_rate=1e-2)),
    "sparse-ws-slab": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                      learning_rate=1e-2)),
    "sparse-ws-slab-sgd": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                          optimizer="sgd", learning_rate=0.1)),
    "sparse-rws-slab": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                       algorithm="rws", learning_rate=1e-3)),
    "sparse-rws-slab-3e-3": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                            algorithm="rws", learning_rate=3e-3)),
    "sparse-rws-beta": ("sparse", dict(units="beta", algorithm="rws", learning_rate=1e-3)),
    "sparse-rws-beta-1e-2": ("sparse", dict(units="beta", algorithm="rws", learning_rate=1e-2)),
    "naive-ws-k100": ("naive", dict(units="beta", beta_concentration=100.0, learning_rate=1e-2)),
    "sparse-ws-beta-k100": ("sparse", dict(units="beta", beta_concentration=100.0,
                                           learning_rate=1e-2)),
}


def load_patches(n_train, n_test, lam, cache):
    """Training and held-out patches, the shipped dictionary, and LCA codes (cached on disk)."""
    patches = ex.natural_patches(n_train + n_test, random_state=1)
    train, test = patches[:n_train], patches[n_train:]
    D = dl.data.natural_dictionary()[0].astype(np.float64)
    path = Path(cache) / f"natural_codes_{n_train}_{n_test}_{lam}.npz"
    if path.exists():
        with np.load(path) as f:
            return train, test, D, f["train"], f["test"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codes_train = dl.sparse_coding.lca(train, D, lam)
        codes_test = dl.sparse_coding.lca(test, D, lam)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, train=codes_train, test=codes_test)
    return train, test, D, codes_train, codes_test


def mean_field_reconstruction(model, X):
    """The generated mean given the recognition model's probabilities (one hidden layer only)."""
    inner = getattr(model, "machine_", model)
    units = model.encode(X) if inner is not model else X
    return model.generate_from_top(inner.recognize(units)[0])


def brightness_detail(X, X_hat):
    """Mean squared error split exactly into each patch's mean brightness and the rest."""
    brightness = np.mean((X.mean(axis=1) - X_hat.mean(axis=1)) ** 2)
    return float(brightness), float(dl.metrics.mse(X, X_hat) - brightness)


def ridge_psnr(H_train, H_test, Y_train, Y_test, alpha=1e-2):
    """PSNR of a ridge regression from hidden states (plus a constant) to the pixels."""
    A = np.c_[H_train, np.ones(len(H_train))]
    B = np.c_[H_test, np.ones(len(H_test))]
    W = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ Y_train)
    return dl.metrics.psnr(Y_test, np.clip(B @ W, 0, 1), data_range=1.0)


def run(recipe, seed, data, args):
    kind, settings = RECIPES[recipe]
    train, test, D, codes_train, codes_test = data
    machine = dl.HelmholtzMachine([None if kind == "sparse" else train.shape[1], *args.hidden],
                                  n_epochs=args.epochs, progress=False, random_state=seed,
                                  **settings)
    start = time.perf_counter()
    if kind == "naive":
        model = machine.set_params(layer_sizes=[train.shape[1], *args.hidden]).fit(train)
        inner, units_train, units_test = model, train, test
    else:
        model = dl.SparseHelmholtz(D, machine, lam=args.lam, random_state=seed)
        model.fit(train, codes=codes_train)
        inner = model.machine_
        units_train = model.code_map_.transform(codes_train)
        units_test = model.code_map_.transform(codes_test)
    fit_seconds = time.perf_counter() - start
    sampled = ex.average_reconstruction(model, test, args.recon_samples, random_state=seed)
    mean_field = mean_field_reconstruction(model, test)
    h_train, h_test = inner.recognize(units_train)[0], inner.recognize(units_test)[0]
    rng = np.random.default_rng(seed)
    hs_train = inner.recognize(units_train, sample=True, random_state=rng)[0]
    hs_test = [inner.recognize(units_test, sample=True, random_state=rng)[0]
               for _ in range(args.recon_samples)]
    record = {
        "recipe": recipe, "seed": seed, "fit_seconds": fit_seconds,
        "psnr": dl.metrics.psnr(test, sampled, data_range=1.0),
        "mse_brightness_detail": brightness_detail(test, sampled),
        "psnr_mean_field": dl.metrics.psnr(test, mean_field, data_range=1.0),
        "psnr_ridge_hidden": ridge_psnr(h_train, h_test, train, test),
        "psnr_ridge_sampled": ridge_psnr(hs_train, np.mean(hs_test, axis=0), train, test),
        "q_entropy_bits": float(np.mean(-h_test * np.log2(np.clip(h_test, 1e-12, 1))
                                        - (1 - h_test) * np.log2(np.clip(1 - h_test, 1e-12, 1)))),
    }
    if kind == "sparse" and inner.units == "spike-and-slab":
        # decode the slab's mean unit through the inverse map, instead of the Beta mean of the code
        logits = inner.visible_logits(h_test)
        units = inner.visible_units_
        alpha, beta = units.shapes(logits)
        m = alpha / (alpha + beta)
        k = len(D)
        magnitude = units.active_probability(logits) * -np.log1p(-np.minimum(m, 1 - 1e-9))
        codes = model.code_map_.scales_ * (magnitude[:, :k] - magnitude[:, k:])
        record["psnr_decode_slab_mean"] = dl.metrics.psnr(test, model.codes_to_images(codes))
    if kind == "sparse":
        _, dream_codes = model.dream(200, return_codes=True, random_state=seed)
        record["active_per_dream"] = float(np.count_nonzero(dream_codes, axis=1).mean())
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(5)))
    parser.add_argument("--n-train", type=int, default=2500)
    parser.add_argument("--n-test", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", nargs="+", type=int, default=[200])
    parser.add_argument("--lam", type=float, default=0.1)
    parser.add_argument("--recon-samples", type=int, default=10)
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "dreamlib-bench"))
    parser.add_argument("--out", default=None, help="JSON file for every record")
    args = parser.parse_args()

    data = load_patches(args.n_train, args.n_test, args.lam, args.cache)
    train, test, D, _, codes_test = data
    flat = dl.metrics.psnr(test, np.broadcast_to(test.mean(axis=1, keepdims=True), test.shape))
    code_only = dl.metrics.psnr(test, np.clip(codes_test @ D, 0, 1))
    print(f"flat patch brightness/detail MSE: {brightness_detail(test, np.broadcast_to(test.mean(axis=1, keepdims=True), test.shape))}")
    print(f"{args.n_train} training / {args.n_test} held-out patches, {args.epochs} epochs, "
          f"hidden {args.hidden}: flat patch {flat:.2f} dB, sparse code alone {code_only:.2f} dB, "
          f"{np.count_nonzero(codes_test, axis=1).mean():.1f} active atoms per code", flush=True)
    records = []
    for recipe in args.recipes:
        for seed in args.seeds:
            records.append(run(recipe, seed, data, args))
            r = records[-1]
            print(f"  {recipe} seed {seed}: " + ", ".join(
                f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
                if k not in ("recipe", "seed")), flush=True)
    keys = ("psnr", "psnr_mean_field", "psnr_ridge_hidden", "psnr_ridge_sampled", "fit_seconds")
    print("\n| recipe | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys))
    for recipe in args.recipes:
        rows = [r for r in records if r["recipe"] == recipe]
        cells = []
        for key in keys:
            v = np.array([r[key] for r in rows])
            cells.append(f"{v.mean():.2f} ± {v.std(ddof=1) if len(v) > 1 else float('nan'):.2f}")
        print(f"| {recipe} | " + " | ".join(cells) + " |")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "settings": vars(args), "flat_patch": flat, "sparse_code_only": code_only,
            "records": records}, indent=1))


if __name__ == "__main__":
    main()
