"""``python -m dreamlib reproduce``: the numbers the course claims, computed headless, in one report.

Runs the experiments behind the course's claims — the bars of notebook 01, the shipped
dictionary's operating point (02), the Helmholtz machine's held-out log-likelihood (03), sparse
dreams (04), the paper's comparison under both protocols and the natural-image study (05) and
neuron isolation (06) — with the library
functions the notebooks call and **the sizes their ``parameters`` cells set** (read from the
notebooks themselves, so the report and the notebooks cannot disagree about settings), and writes

* ``report.md``: every table, every number with the paper's value beside it where the paper has
  one, every figure (as a PNG next to it);
* ``numbers.json``: the same numbers, machine-readable.

``--quick`` uses the notebooks' quick sizes (the test-suite sizes). Examples::

    python -m dreamlib reproduce --quick --out reproduce-quick
    python -m dreamlib reproduce --out reproduce-full          # the notebooks' full sizes

The notebooks are found in ``notebooks/`` of the checkout dreamlib runs from (``--notebooks``
points elsewhere).
"""

import argparse
import json
import os
import platform
import time
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import __version__, data, experiments, helmholtz, metrics, natural_study, sparse_coding, tuning
from ._environment import QUICK
from .helmholtz import HelmholtzMachine
from .paper import min_max
from .pipeline import SparseHelmholtz

__all__ = ["NOTEBOOKS", "SECTIONS", "notebook_parameters", "run", "main"]

#: The notebooks whose numbers the report reproduces, by section.
NOTEBOOKS = {
    "01": "01_bars_sanity_check.ipynb",
    "02": "02_natural_image_dictionary.ipynb",
    "03": "03_helmholtz_mnist.ipynb",
    "04": "04_integrated_pipeline.ipynb",
    "05": "05_metrics_comparison.ipynb",
    "05-study": "05_metrics_comparison.ipynb",
    "06": "06_neuron_isolation.ipynb",
}

#: The natural-image study's recipes (:data:`dreamlib.natural_study.RECIPES`) in the full and the
#: quick report; ``STUDY_RECIPES`` in ``overrides`` replaces them.
STUDY_RECIPES = {
    "full": ("naive-ws", "naive-ws-sgd", "naive-rws", "sparse-ws-beta", "sparse-ws-beta-hidden-x2",
             "sparse-ws-beta-epochs-x4", "sparse-ws-beta-epochs-x8",
             "sparse-ws-slab", "sparse-ws-slab-sgd", "sparse-rws-beta",
             "sparse-ws-beta-bright-copies-x1", "sparse-ws-beta-bright-copies-x50",
             natural_study.BRIGHTNESS_RECIPE),
    "quick": ("naive-ws", "sparse-ws-beta", "sparse-ws-slab", natural_study.BRIGHTNESS_RECIPE),
}


def _default_notebooks():
    return Path(__file__).resolve().parent.parent / "notebooks"


@contextmanager
def _quick_mode(quick):
    before = os.environ.get(QUICK)
    os.environ[QUICK] = "1" if quick else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[QUICK]
        else:
            os.environ[QUICK] = before


def notebook_parameters(name, quick=False, notebooks=None):
    """The values a notebook's ``parameters`` cell sets (its UPPER-CASE names), quick or full.

    Parameters
    ----------
    name : str
        A key of :data:`NOTEBOOKS` ("01", ...) or a notebook file name.
    quick : bool, default=False
        Run the cell in quick mode (``dl.course.pick`` returns its ``quick`` values).
    notebooks : path, optional
        Folder of the notebooks; default ``notebooks/`` of this checkout.

    Returns
    -------
    dict

    Examples
    --------
    >>> notebook_parameters("05", quick=True)["PAPER_ITER"]
    300
    """
    folder = Path(notebooks) if notebooks is not None else _default_notebooks()
    path = folder / NOTEBOOKS.get(name, name)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: reproduce reads the notebooks' parameters cells; run it from a "
            "checkout of the course, or pass notebooks=... (--notebooks) to the folder holding them."
        )
    cells = json.loads(path.read_text())["cells"]
    found = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(found) != 1:
        raise ValueError(f"{path.name} must have exactly one cell tagged 'parameters', has {len(found)}.")
    import dreamlib

    namespace = {"dl": dreamlib, "np": np}
    with _quick_mode(quick):
        exec("".join(found[0]["source"]), namespace)  # the notebook's own parameter cell
    return {key: value for key, value in namespace.items() if key.isupper()}


class Section:
    """What one experiment reports: numbers (with the paper's value), tables and figures."""

    def __init__(self, key, title):
        self.key, self.title = key, title
        self.numbers, self.tables, self.figures, self.notes = {}, [], {}, []

    def number(self, name, value, paper=None):
        self.numbers[name] = {"value": float(value), "paper": paper}
        return float(value)


# ---------------------------------------------------------------- the experiments
def bars_section(p, progress):
    """Notebook 01: a dictionary learned by LCA on Foldiak's bars finds every bar."""
    s = Section("01", "01 · Bars: does sparse coding find the components? (paper §3.2, Fig 6)")
    X, true = data.bars(p["N_IMAGES"], size=p["SIZE"], p=p["P_BAR"], random_state=p["SEED"])
    model = sparse_coding.SparseCoding(n_components=2 * p["SIZE"], lam=p["LAM"], n_iter=p["N_BATCHES"],
                                       batch_size=p["BATCH_SIZE"], random_state=p["SEED"]).fit(X)
    s.number("recovery score (1 = every bar found)", metrics.recovery_score(model.components_, true),
             "each atom one bar (by eye)")
    X_test, _ = data.bars(6, size=p["SIZE"], p=p["P_BAR"], random_state=p["SEED"] + 1)
    X_hat = model.inverse_transform(model.transform(X_test))
    s.number("PSNR of 6 reconstructions (dB, data range 1)", metrics.psnr(X_test, X_hat))
    s.figures["bars_atoms"] = _tiles(model.components_, "learned atoms")
    return s


def dictionary_section(p, progress):
    """Notebook 02: the shipped natural-image dictionary's operating point on held-out patches."""
    s = Section("02", "02 · The natural-image dictionary (paper §3.2, Fig 8)")
    D, info = data.natural_dictionary()
    images = [data.whiten(image, f0=info["f0"]) for image in data.natural_images(source="bundled")]
    X = data.patches(images, size=p["PATCH"], n_patches=p["N_HELDOUT"], random_state=p["SEED"] + 1)
    codes = sparse_coding.lca(X, D, info["lam"])
    s.number("held-out relative MSE", metrics.relative_mse(X, codes @ D))
    s.number("active coefficients (fraction)", metrics.active_fraction(codes))
    s.number("Gabor-like atoms (localized, oriented, band-pass; fraction)",
             tuning.gabor_like(tuning.atom_tuning(D))["all"].mean(), "V1-like features (by eye)")
    s.figures["dictionary"] = _tiles(D[:100], "100 of the shipped atoms")
    return s


def helmholtz_section(p, progress):
    """Notebook 03: held-out log-likelihood of the wake-sleep machine, plain delta rule and Adam."""
    s = Section("03", "03 · The Helmholtz machine on MNIST (paper §3.1, Fig 5)")
    X_all, _ = data.mnist(binarize=True)
    order = np.random.default_rng(p["SEED"]).permutation(len(X_all))
    X_test = X_all[order[:p["N_TEST"]]]
    X_train = X_all[order[p["N_TEST"]:p["N_TEST"] + p["N_TRAIN"]]]
    baseline = s.number("independent pixels (nats per held-out digit)",
                        helmholtz.independent_pixel_log_likelihood(X_train, X_test).mean())
    curves = {}
    for name, optimizer, lr in (("plain delta rule", p["OPTIMIZER"], p["LEARNING_RATE"]),
                                ("Adam", "adam", p["ADAM_LEARNING_RATE"])):
        machine = HelmholtzMachine(p["LAYERS"], optimizer=optimizer, learning_rate=lr,
                                   random_state=p["SEED"]).initialize(X_train)
        curves[name] = []
        for _ in range(p["N_EPOCHS"]):
            machine.partial_fit(X_train)
            curves[name].append(machine.log_likelihood(X_test[:p["N_LL_DIGITS"]], n_samples=p["N_IMPORTANCE"],
                                                       random_state=p["SEED"]).mean())
        s.number(f"{name}: held-out log-likelihood after {p['N_EPOCHS']} epochs (nats)", curves[name][-1],
                 "not measured (dreams only)")
    s.figures["likelihood"] = _curves(curves, baseline)
    return s


def dream_sparsity_section(p, progress):
    """Notebook 04: active atoms per decoded dream (Beta and spike-and-slab units) vs per real code."""
    s = Section("04", "04 · Are the dreams as sparse as real codes? (paper §2.3; a Beta unit is never exactly 0)")
    D = data.natural_dictionary()[0].astype(np.float64)
    X_all, _ = data.mnist()
    order = np.random.default_rng(p["SEED"]).permutation(len(X_all))
    X_train = X_all[order[p["N_TEST"]:p["N_TEST"] + p["N_DIGITS"]]]
    codes = sparse_coding.lca(X_train, D, p["LAM"])
    real = s.number("real codes: active atoms per code", np.count_nonzero(codes, axis=1).mean())
    for units, extra in (("beta", {}), ("spike-and-slab", {"beta_concentration": 2.0})):
        machine = HelmholtzMachine([None, *p["HIDDEN"]], units=units, optimizer="adam",
                                   learning_rate=p["LEARNING_RATE"], n_epochs=p["DIGIT_EPOCHS"],
                                   progress=False, **extra)
        model = SparseHelmholtz(D, machine, lam=p["LAM"], random_state=p["SEED"]).fit(X_train, codes=codes)
        _, dreamed = model.dream(500, visible="sample", return_codes=True, random_state=p["SEED"])
        active = s.number(f"{units} machine's dreams: active atoms per dream",
                          np.count_nonzero(dreamed, axis=1).mean())
        s.number(f"{units} machine's dreams / real codes (goal: within a factor 1.5)", active / real)
    return s


def comparison_section(p, progress):
    """Notebook 05: the paper's protocol, the held-out comparison, and the brightness split."""
    s = Section("05", "05 · Naive vs sparse-coding machines (paper §3.3, Figs 9-12)")
    D = data.natural_dictionary()[0].astype(np.float64)
    twos, _ = data.mnist(digits=[2])
    order = np.random.default_rng(0).permutation(len(twos))
    T_test = twos[order[:p["N_TWOS_TEST"]]]
    T_train = twos[order[p["N_TWOS_TEST"]:p["N_TWOS_TEST"] + p["N_TWOS_TRAIN"]]]
    patches = experiments.natural_patches(p["N_PATCH_TRAIN"] + p["N_PATCH_TEST"], random_state=1)
    P_train, P_test = patches[:p["N_PATCH_TRAIN"]], patches[p["N_PATCH_TRAIN"]:]

    whitened = experiments.whitened_patches(1 + p["N_PATCH_TEST"], random_state=1)
    runs = experiments.paper_comparison({"mnist": T_train[0], "natural": whitened[0]}, D, p["LAM"],
                                        p["PAPER_SEEDS"], n_iter=p["PAPER_ITER"], progress=progress)
    s.tables.append(("The paper's protocol (one training image, its dreams scored against it)",
                     experiments.paper_table(runs)))
    for (name, model), results in runs.items():
        paper = experiments.PAPER_RESULTS[name, model]
        s.number(f"paper's protocol, {name}, {model}: mean PSNR (dB)",
                 np.mean([r["mean_psnr"] for r in results]), paper[2])
        s.number(f"paper's protocol, {name}, {model}: best PSNR (dB)",
                 np.mean([r["best_psnr"] for r in results]), paper[3])
    scaled = min_max(whitened)
    s.number("paper's protocol, natural: unrelated whitened patches against the image, no machine (dB)",
             metrics.psnr(np.broadcast_to(scaled[0], scaled[1:].shape), scaled[1:], data_range=1.0,
                          axis=1).mean())
    settings = dict(hidden=p["HIDDEN"], optimizer=p["OPTIMIZER"], learning_rate=p["LEARNING_RATE"],
                    l1=p["L1"], n_recon_samples=p["N_RECON_SAMPLES"], n_dreams=p["N_DREAMS"],
                    progress=progress)
    records = {"MNIST 2": experiments.compare(T_train, T_test, D, p["LAM"], p["SEEDS"],
                                              n_epochs=p["MNIST_EPOCHS"], **settings),
               "natural": experiments.compare(P_train, P_test, D, p["LAM"], p["SEEDS"],
                                              n_epochs=p["PATCH_EPOCHS"], **settings)}
    refs = {"MNIST 2": experiments.references(T_train, T_test, D, p["LAM"]),
            "natural": experiments.references(P_train, P_test, D, p["LAM"], flat_patch=True)}
    paper_says = {("MNIST 2", "naive"): "best", ("natural", "sparse"): "much better than naive, ~16 dB"}
    summaries = {}
    for name, recs in records.items():
        summaries[name] = experiments.summarize(
            recs, keys=("mse", "psnr", "psnr_true_brightness", "mse_brightness", "zero_weights"))
        for model, stats in summaries[name].items():
            s.number(f"held out, {name}, {model}: PSNR (dB)", stats["psnr"][0],
                     paper_says.get((name, model)))
            s.number(f"held out, {name}, {model}: PSNR std over seeds (dB)", stats["psnr"][1])
            s.number(f"held out, {name}, {model}: PSNR with the true brightness (dB)",
                     stats["psnr_true_brightness"][0])
            s.number(f"held out, {name}, {model}: weights exactly 0 (fraction)", stats["zero_weights"][0])
        for ref, value in refs[name].items():
            s.number(f"held out, {name}: {ref} (dB)", value)
    s.tables.append(("Held out: reconstructions of unseen images, mean ± std over seeds",
                     experiments.markdown_table(summaries, keys=("mse", "psnr", "psnr_true_brightness"),
                                                digits={"psnr_true_brightness": 2})))
    s.figures["heldout_psnr"] = _psnr_bars(summaries, refs)
    return s


def natural_study_section(p, progress):
    """Notebook 05's natural-image finding: what we tried to lift a machine above a flat patch."""
    s = Section("05-study", "05 · Natural patches: why every machine loses to a flat patch, and "
                            "what we tried (the paper's §3.3 claim)")
    study_data = natural_study.study_data(p["N_PATCH_TRAIN"], p["N_PATCH_TEST"], p["LAM"])
    recipes = p.get("STUDY_RECIPES") or STUDY_RECIPES["quick" if p["QUICK"] else "full"]
    records = natural_study.study(study_data, recipes, p["SEEDS"], progress=progress,
                                  hidden=p["HIDDEN"], n_epochs=p["PATCH_EPOCHS"],
                                  n_recon_samples=p["N_RECON_SAMPLES"])
    refs = natural_study.study_references(study_data)
    for name, value in refs.items():
        s.number(f"held out: {name} (dB)", value)
    best = {}
    for recipe in recipes:
        psnr = np.array([r["psnr"] for r in records if r["recipe"] == recipe])
        s.number(f"{recipe}: held-out PSNR (dB)", psnr.mean(),
                 "~16 dB (one image, its own dreams)" if recipe == "sparse-ws-beta" else None)
        s.number(f"{recipe}: std over seeds (dB)", psnr.std(ddof=1) if len(psnr) > 1 else 0.0)
        best[recipe] = psnr
    naive = max((r for r in recipes if r.startswith("naive")), key=lambda r: best[r].mean())
    groups = {"the paper's sparse machine (no brightness units)":
              [r for r in recipes if r.startswith("sparse") and "-bright-" not in r],
              "our addition, brightness units": [r for r in recipes if "-bright-" in r]}
    for label, members in groups.items():
        if not members:
            continue
        sparse = max(members, key=lambda r: best[r].mean())
        spread = (max(best[sparse].std(ddof=1), best[naive].std(ddof=1))
                  if len(p["SEEDS"]) > 1 else 0.0)
        beats = best[sparse].mean() - spread > max(refs["flat patch (its mean)"], best[naive].mean())
        s.notes.append(
            f"{label[0].upper() + label[1:]}: best recipe {sparse} ({best[sparse].mean():.2f} dB); "
            f"best naive recipe: {naive} ({best[naive].mean():.2f} dB); flat patch "
            f"{refs['flat patch (its mean)']:.2f} dB; seed spread {spread:.2f} dB. It beats the flat "
            f"patch and the naive machine by more than the seed spread: **{'yes' if beats else 'no'}**.")
    s.tables.append((f"Held-out PSNR of natural patches, mean ± std over {len(p['SEEDS'])} seeds "
                     f"({p['N_PATCH_TRAIN']} training / {p['N_PATCH_TEST']} held-out patches, "
                     f"{p['PATCH_EPOCHS']} epochs, hidden {list(p['HIDDEN'])})",
                     natural_study.study_table(records, study_data)))
    return s


def isolation_section(p, progress):
    """Notebook 06: mean pairwise correlation of isolated top-layer neurons, over seeds."""
    s = Section("06", "06 · Neuron isolation (paper §3.4, Figs 13, 14)")
    X_grey, _ = data.mnist(digits=[2])
    D = data.natural_dictionary()[0].astype(np.float64)
    X_one_grey = np.repeat(X_grey[:1], p["N_COPIES"], axis=0)
    X_twos = (X_grey > 0.5).astype(float)
    X_bars = data.hinton_bars(p["N_BARS"], size=p["BARS_SIZE"], random_state=p["SEED"])

    def sparse(seed):
        return SparseHelmholtz(D, lam=p["SC_LAM"], random_state=seed, machine=HelmholtzMachine(
            [None, p["N_TOP"]], units="beta", n_epochs=p["SPARSE_EPOCHS"], batch_size=p["DIGIT_BATCH"],
            optimizer="adam", learning_rate=p["DIGIT_LR"], progress=False))

    def pixels(layers, epochs, batch, lr):
        return lambda seed: HelmholtzMachine(layers, n_epochs=epochs, batch_size=batch, optimizer="adam",
                                             learning_rate=lr, progress=False, random_state=seed)

    studies = {
        'one "2", sparse coding (the paper)': (sparse, X_one_grey, "all the same 2 (Fig 13)"),
        'one "2", pixels': (pixels(p["DIGIT_LAYERS"], p["ONE_EPOCHS"], p["DIGIT_BATCH"], p["DIGIT_LR"]),
                            np.repeat(X_twos[:1], p["N_COPIES"], axis=0), None),
        'many "2"s, sparse coding': (sparse, X_grey[:p["N_TWOS"]], "more distinct, unintelligible (Fig 14)"),
        'many "2"s, pixels': (pixels(p["DIGIT_LAYERS"], p["TWOS_EPOCHS"], p["DIGIT_BATCH"], p["DIGIT_LR"]),
                              X_twos[:p["N_TWOS"]], None),
        "Hinton's bars, pixels": (pixels(p["BARS_LAYERS"], p["BARS_EPOCHS"], p["BARS_BATCH"], p["BARS_LR"]),
                                  X_bars, None),
    }

    def correlation(make, X, seed):
        drawings = helmholtz.isolated_generations(make(seed).fit(X), n_samples=p["N_MC"], random_state=seed)
        return metrics.mean_pairwise_correlation(drawings)

    for name, (make, X, paper) in studies.items():
        values = experiments.over_seeds(lambda seed: correlation(make, X, seed), p["SEEDS"], desc=name,
                                        progress=progress)
        s.number(f"{name}: mean pairwise correlation", values.mean(), paper)
        if len(values) > 1:
            s.number(f"{name}: std over seeds", values.std(ddof=1))
    return s


#: Section key -> the experiment (its notebook's parameters: :data:`NOTEBOOKS`).
SECTIONS = {"01": bars_section, "02": dictionary_section, "03": helmholtz_section,
            "04": dream_sparsity_section, "05": comparison_section, "05-study": natural_study_section, "06": isolation_section}


# ---------------------------------------------------------------- figures
def _figure():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _tiles(images, title):
    from .plotting import show_tiles

    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 6))
    show_tiles(images, ax=ax, title=title)
    return fig


def _curves(curves, baseline):
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, "o-", label=name)
    ax.axhline(baseline, color="gray", ls="--", label="independent pixels")
    ax.set(xlabel="epochs of wake-sleep", ylabel="held-out log p(x) [nats per digit]")
    ax.legend()
    return fig


def _psnr_bars(summaries, refs):
    plt = _figure()
    fig, axes = plt.subplots(1, len(summaries), figsize=(5.5 * len(summaries), 3.8))
    for ax, (name, summary) in zip(np.atleast_1d(axes), summaries.items()):
        models = list(summary)
        ax.bar(models, [summary[m]["psnr"][0] for m in models],
               yerr=[summary[m]["psnr"][1] for m in models], capsize=6)
        for (ref, value), style in zip(refs[name].items(), ("--", ":")):
            ax.axhline(value, color="k", ls=style, lw=1, label=ref)
        ax.set(title=f"{name}: held-out PSNR", ylabel="PSNR (dB)")
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- the report
def _markdown(sections, meta):
    load = f"{meta['load_average'][0]:.1f}" if meta["load_average"] else "unknown"
    lines = ["# dreamlib: the course's numbers, reproduced", "",
             f"Mode: **{'quick' if meta['quick'] else 'full'}** (the notebooks' "
             f"{'quick' if meta['quick'] else 'full'} sizes), dreamlib {meta['version']}, "
             f"{meta['finished']}, {meta['seconds']:.0f} s on {meta['machine']} (load average at the "
             f"end {load}). "
             "Every number below is computed by this run; 'paper' is what the paper or the authors' "
             "notebook reported (blank: it reported nothing comparable).", ""]
    for s in sections:
        changed = meta["overrides"].get(s.key)
        lines += [f"## {s.title}", "", f"Settings: the parameters cell of `notebooks/{NOTEBOOKS[s.key]}`"
                  + (f", with these changed: {changed}." if changed else "."),
                  "", "| number | this run | paper |", "|---|---|---|"]
        lines += [f"| {name} | {n['value']:.4g} | {'' if n['paper'] is None else n['paper']} |"
                  for name, n in s.numbers.items()]
        lines += ["", *s.notes] if s.notes else []
        for title, table in s.tables:
            lines += ["", f"**{title}**", "", table]
        for name in s.figures:
            lines += ["", f"![{name}]({name}.png)"]
        lines.append("")
    return "\n".join(lines)


def run(out, quick=False, sections=None, overrides=None, notebooks=None, progress=True):
    """Run the experiments and write ``report.md``, ``numbers.json`` and the figures into ``out``.

    Parameters
    ----------
    out : path
        Folder for the report (created).
    quick : bool, default=False
        The notebooks' quick sizes instead of their full sizes.
    sections : sequence of str, optional
        Keys of :data:`SECTIONS` to run; default all.
    overrides : dict, optional
        ``{section: {PARAMETER: value}}`` on top of a notebook's parameters (e.g. smaller sizes
        for a test); the report lists them.
    notebooks : path, optional
        Folder of the notebooks (see :func:`notebook_parameters`).
    progress : bool, default=True

    Returns
    -------
    dict
        What ``numbers.json`` holds.
    """
    sections = list(SECTIONS) if sections is None else list(sections)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"sections must be among {sorted(SECTIONS)}, got {sorted(unknown)}.")
    overrides = overrides or {}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    done, timings, cpu = [], {}, {}
    for key in sections:
        params = {"QUICK": bool(quick), **notebook_parameters(key, quick, notebooks),
                  **overrides.get(key, {})}
        tic, cpu_tic = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            done.append(SECTIONS[key](params, progress))
        timings[key] = time.perf_counter() - tic
        cpu[key] = time.process_time() - cpu_tic
        if progress:
            print(f"section {key}: {timings[key]:.0f} s ({cpu[key]:.0f} s of CPU)", flush=True)
    meta = {"quick": bool(quick), "version": __version__, "seconds": time.perf_counter() - start,
            "section_seconds": timings, "section_cpu_seconds": cpu, "overrides": overrides,
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    for s in done:
        for name, fig in s.figures.items():
            fig.savefig(out / f"{name}.png", dpi=90)
    _figure().close("all")
    result = {"meta": meta, "sections": {s.key: {"title": s.title, "numbers": s.numbers,
                                                 "figures": [f"{n}.png" for n in s.figures]}
                                         for s in done}}
    (out / "numbers.json").write_text(json.dumps(result, indent=1, default=_json_default))
    (out / "report.md").write_text(_markdown(done, meta))
    return result


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def main(argv=None):
    """The ``reproduce`` command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m dreamlib reproduce",
                                     description="Reproduce the numbers the course claims, headless.")
    parser.add_argument("--quick", action="store_true", help="the notebooks' quick sizes")
    parser.add_argument("--out", default="reproduce-report", help="folder for report.md, numbers.json, PNGs")
    parser.add_argument("--sections", nargs="+", choices=list(SECTIONS), help="run only these")
    parser.add_argument("--notebooks", default=None, help="folder of the notebooks (default: this checkout's)")
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, sections=args.sections, notebooks=args.notebooks)
    print(f"wrote {Path(args.out) / 'report.md'} and numbers.json in {result['meta']['seconds']:.0f} s")
    return 0
