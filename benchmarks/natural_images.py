"""Why do Helmholtz machines reconstruct natural patches worse than a flat patch? The study, by hand.

    nice -n 10 python benchmarks/natural_images.py                       # every recipe, 5 seeds
    nice -n 10 python benchmarks/natural_images.py --recipes naive-ws naive-ws-sgd --seeds 0
    nice -n 10 python benchmarks/natural_images.py --n-train 10000 --epochs 5 --out study.json

A command line over :mod:`dreamlib.natural_study` (the recipes, what is measured, the table);
``python -m dreamlib reproduce`` runs the same study at notebook 05's sizes. Prints one line per
run and a Markdown table (mean ± std over seeds), and writes every record to JSON (``--out``).
"""

import argparse
import json
from pathlib import Path

import numpy as np

from dreamlib import natural_study as ns


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(ns.RECIPES), choices=list(ns.RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(5)))
    parser.add_argument("--n-train", type=int, default=2500)
    parser.add_argument("--n-test", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", nargs="+", type=int, default=[200])
    parser.add_argument("--lam", type=float, default=0.1)
    parser.add_argument("--recon-samples", type=int, default=10)
    parser.add_argument("--out", default=None, help="JSON file for every record")
    args = parser.parse_args()

    data = ns.study_data(args.n_train, args.n_test, args.lam)
    refs = ns.study_references(data)
    print(f"{args.n_train} training / {args.n_test} held-out patches, {args.epochs} epochs, hidden "
          f"{args.hidden}: " + ", ".join(f"{k} {v:.2f} dB" for k, v in refs.items()), flush=True)
    records = []
    for recipe in args.recipes:
        for seed in args.seeds:
            records.append(ns.run_recipe(recipe, seed, data, hidden=args.hidden, n_epochs=args.epochs,
                                         n_recon_samples=args.recon_samples))
            print("  " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in records[-1].items()), flush=True)
            if args.out:
                Path(args.out).write_text(json.dumps({"settings": vars(args), "references": refs,
                                                      "records": records}, indent=1))
    print()
    print(ns.study_table(records, data))
    print(f"\nfit seconds per run: " + ", ".join(
        f"{r} {np.mean([x['fit_seconds'] for x in records if x['recipe'] == r]):.0f}"
        for r in args.recipes))


if __name__ == "__main__":
    main()
