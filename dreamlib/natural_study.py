"""Why do Helmholtz machines reconstruct natural patches worse than a flat patch? The study.

Notebook 05 finds that on held-out natural patches every machine of the paper's comparison loses
to a flat patch at each patch's own brightness, while the sparse code alone is far better. This
module tries the obvious remedies on the same patches, over seeds, and tabulates held-out PSNR:

* pixel ("naive") and sparse-code machines;
* wake-sleep or reweighted wake-sleep (``algorithm="rws"``);
* Beta or spike-and-slab visible units (sparse dreams);
* Adam or the plain delta rule (``optimizer="sgd"``);
* a hidden layer twice as large, training four and eight times as long;
* reconstructions averaged over recognition samples, or from the recognition probabilities
  (mean field);
* our addition, not the paper's machine: the brightness (each patch's mean) modelled by its own
  visible units, the detail coded with the mean removed
  (``SparseHelmholtz(brightness=True)``), on one unit, several copies, or a thermometer code;

with the flat patch and the sparse code alone as references, each machine's PSNR had its
reconstructions the true brightness (:func:`dreamlib.experiments.brightness_detail`), and a ridge
regression from the machine's hidden layer to the pixels (how much the hidden layer knows,
whatever the generative weights make of it). ``python -m dreamlib reproduce`` runs it;
``benchmarks/natural_images.py`` runs chosen recipes by hand.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import data as _data
from . import metrics
from .course import progress_bar
from .experiments import average_reconstruction, brightness_detail, natural_patches
from .helmholtz import HelmholtzMachine
from .pipeline import SparseHelmholtz
from .sparse_coding import lca

__all__ = ["RECIPES", "BRIGHTNESS_RECIPE", "study_data", "centered_codes", "run_recipe", "study",
           "study_references", "study_table"]

#: name -> (kind, machine settings, changes to the study's hidden layers / epochs and, under
#: ``"pipeline"``, settings of the SparseHelmholtz).
#: ``naive-ws`` and ``sparse-ws-beta`` are notebook 05's naive and sparse machines.
RECIPES = {
    "naive-ws": ("naive", dict(units="beta", optimizer="adam", learning_rate=1e-2), {}),
    "naive-ws-sgd": ("naive", dict(units="beta", optimizer="sgd", learning_rate=0.1), {}),
    "naive-rws": ("naive", dict(units="beta", algorithm="rws", learning_rate=1e-3), {}),
    "sparse-ws-beta": ("sparse", dict(units="beta", optimizer="adam", learning_rate=1e-2), {}),
    "sparse-ws-beta-hidden-x2": ("sparse", dict(units="beta", learning_rate=1e-2),
                                 {"hidden_factor": 2}),
    "sparse-ws-beta-epochs-x4": ("sparse", dict(units="beta", learning_rate=1e-2),
                                 {"epochs_factor": 4}),
    "sparse-ws-beta-epochs-x8": ("sparse", dict(units="beta", learning_rate=1e-2),
                                 {"epochs_factor": 8}),
    "sparse-ws-slab": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                      learning_rate=1e-2), {}),
    "sparse-ws-slab-sgd": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                          optimizer="sgd", learning_rate=0.1), {}),
    "sparse-rws-beta": ("sparse", dict(units="beta", algorithm="rws", learning_rate=1e-2), {}),
    "sparse-rws-slab": ("sparse", dict(units="spike-and-slab", beta_concentration=2.0,
                                       algorithm="rws", learning_rate=3e-3), {}),
    # our addition (SparseHelmholtz(brightness=True)): the mean coded apart, on K extra units
    **{f"sparse-ws-beta-bright-{code}-x{k}{tag}": (
        "sparse", dict(units="beta", learning_rate=1e-2),
        {"epochs_factor": factor,
         "pipeline": dict(brightness=True, brightness_units=k, brightness_code=code)})
       for code, k, tag, factor in (("copies", 1, "", 1), ("copies", 50, "", 1),
                                    ("copies", 200, "", 1), ("copies", 400, "", 1),
                                    ("copies", 800, "", 1), ("copies", 50, "-epochs-x4", 4),
                                    ("copies", 50, "-epochs-x8", 8), ("thermometer", 50, "", 1),
                                    ("thermometer", 100, "", 1), ("thermometer", 200, "", 1),
                                    ("thermometer", 400, "", 1))},
    "sparse-rws-beta-bright-copies-x50": ("sparse", dict(units="beta", algorithm="rws",
                                                           learning_rate=1e-2),
                                          {"pipeline": dict(brightness=True, brightness_units=50,
                                                            brightness_code="copies")}),
}

#: Our addition to the paper's sparse machine (not the paper's machine): notebook 05's sparse
#: machine with the brightness on 200 units of a thermometer code (``SparseHelmholtz(brightness=True,
#: brightness_units=200)``).
BRIGHTNESS_RECIPE = "sparse-ws-beta-bright-thermometer-x200"


def study_data(n_train, n_test, lam=0.1, random_state=1):
    """Training and held-out patches (as notebook 05 draws them), the shipped dictionary, LCA codes.

    Returns
    -------
    dict
        ``train``, ``test``, ``dictionary``, ``lam``, ``codes_train``, ``codes_test``
        (:func:`centered_codes` adds the codes of the patches with their means removed).
    """
    patches = natural_patches(n_train + n_test, random_state=random_state)
    D = _data.natural_dictionary()[0].astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = lca(patches, D, lam)
    return {"train": patches[:n_train], "test": patches[n_train:], "dictionary": D, "lam": lam,
            "codes_train": codes[:n_train], "codes_test": codes[n_train:]}


def centered_codes(data):
    """LCA codes of the patches with each patch's mean removed (for ``brightness=True``), cached.

    Returns
    -------
    codes_train, codes_test : ndarray
    """
    if "centered_codes_train" not in data:
        patches = np.concatenate([data["train"], data["test"]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            codes = lca(patches - patches.mean(axis=1, keepdims=True), data["dictionary"],
                        data["lam"])
        data["centered_codes_train"] = codes[:len(data["train"])]
        data["centered_codes_test"] = codes[len(data["train"]):]
    return data["centered_codes_train"], data["centered_codes_test"]


def _ridge_psnr(H_train, H_test, Y_train, Y_test, alpha=1e-2):
    A = np.c_[H_train, np.ones(len(H_train))]
    B = np.c_[H_test, np.ones(len(H_test))]
    W = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ Y_train)
    return float(metrics.psnr(Y_test, np.clip(B @ W, 0, 1), data_range=1.0))


def run_recipe(recipe, seed, data, *, hidden=(200,), n_epochs=20, n_recon_samples=10):
    """Train one recipe of :data:`RECIPES` with one seed and measure it on the held-out patches.

    Parameters
    ----------
    recipe : str
        A key of :data:`RECIPES`.
    seed : int
    data : dict
        From :func:`study_data` (recipes with ``brightness`` need only ``train``, ``test``,
        ``dictionary`` and ``lam``: they code the patches with their means removed,
        :func:`centered_codes`).
    hidden : sequence of int, default=(200,)
        Hidden layers (a recipe may scale them).
    n_epochs : int, default=20
        Training length (a recipe may scale it).
    n_recon_samples : int, default=10
        Recognition samples averaged per reconstruction.

    Returns
    -------
    dict
        ``recipe``, ``seed``, ``psnr`` (averaged samples), ``psnr_mean_field``,
        ``psnr_true_brightness``, ``brightness_share`` (of the MSE), ``psnr_ridge_hidden``,
        ``fit_seconds`` and, for sparse machines, ``active_per_dream``.
    """
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}.")
    kind, settings, scale = RECIPES[recipe]
    train, test = data["train"], data["test"]
    hidden = [h * scale.get("hidden_factor", 1) for h in hidden]
    machine = HelmholtzMachine([None if kind == "sparse" else train.shape[1], *hidden],
                               n_epochs=n_epochs * scale.get("epochs_factor", 1), progress=False,
                               random_state=seed, **settings)
    pipeline = scale.get("pipeline", {})
    codes_train, codes_test = (centered_codes(data) if pipeline.get("brightness")
                               else (data.get("codes_train"), data.get("codes_test")))
    start = time.perf_counter()
    if kind == "naive":
        model = inner = machine.fit(train)
        units_train, units_test = train, test
    else:
        model = SparseHelmholtz(data["dictionary"], machine, lam=data["lam"], random_state=seed,
                                **pipeline)
        model.fit(train, codes=codes_train)
        inner = model.machine_
        units_train = model._units(train, codes_train)
        units_test = model._units(test, codes_test)
    fit_seconds = time.perf_counter() - start
    sampled = average_reconstruction(model, test, n_recon_samples, random_state=seed)
    hidden_test = inner.recognize(units_test)[0]
    top = hidden_test if len(hidden) == 1 else inner.recognize(units_test)[-1]
    mean_field = model.generate_from_top(top)
    brightness, detail = brightness_detail(test, sampled)
    record = {
        "recipe": recipe, "seed": seed, "fit_seconds": fit_seconds,
        "psnr": float(metrics.psnr(test, sampled, data_range=1.0)),
        "psnr_mean_field": float(metrics.psnr(test, mean_field, data_range=1.0)),
        "psnr_true_brightness": float(10 * np.log10(1.0 / detail)),
        "brightness_share": brightness / (brightness + detail),
        "psnr_ridge_hidden": _ridge_psnr(inner.recognize(units_train)[0], hidden_test, train, test),
    }
    if kind == "sparse":
        _, dream_codes = model.dream(200, return_codes=True, random_state=seed)
        record["active_per_dream"] = float(np.count_nonzero(dream_codes, axis=1).mean())
    return record


def study(data, recipes=tuple(RECIPES), seeds=range(5), progress=True, **kwargs):
    """:func:`run_recipe` for every recipe and seed: a list of records."""
    jobs = [(recipe, seed) for recipe in recipes for seed in seeds]
    return [run_recipe(recipe, seed, data, **kwargs)
            for recipe, seed in progress_bar(jobs, desc="natural-image study", disable=not progress)]


def _pm(values, digits=2):
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return f"{values.mean():.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def study_references(data):
    """Held-out PSNR of the flat patch (each patch at its mean) and of the sparse code alone."""
    test = data["test"]
    flat = np.broadcast_to(test.mean(axis=1, keepdims=True), test.shape)
    code_only = np.clip(data["codes_test"] @ data["dictionary"], 0, 1)
    return {"flat patch (its mean)": float(metrics.psnr(test, flat, data_range=1.0)),
            "sparse code only": float(metrics.psnr(test, code_only, data_range=1.0))}


def study_table(records, data):
    """Markdown: mean ± std over seeds per recipe, then the two references.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> data = {"test": rng.random((4, 6)), "codes_test": np.zeros((4, 2)),
    ...         "dictionary": np.eye(2, 6)}
    >>> records = [{"recipe": "naive-ws", "seed": s, "psnr": 10.0 + s, "psnr_mean_field": 11.0,
    ...             "psnr_true_brightness": 12.0, "brightness_share": 0.5,
    ...             "psnr_ridge_hidden": 13.0, "fit_seconds": 1.0} for s in (0, 1)]
    >>> print(study_table(records, data).splitlines()[2])
    | naive-ws | 2 | 10.50 ± 0.71 | 11.00 ± 0.00 | 12.00 ± 0.00 | 50% | 13.00 ± 0.00 |  |
    """
    lines = ["| recipe | seeds | PSNR (dB) | mean-field PSNR (dB) | PSNR with the true brightness (dB) "
             "| brightness share of the error | ridge from the hidden layer (dB) | active atoms per dream |",
             "|---|---|---|---|---|---|---|---|"]
    for recipe in dict.fromkeys(r["recipe"] for r in records):
        rows = [r for r in records if r["recipe"] == recipe]
        active = [r["active_per_dream"] for r in rows if "active_per_dream" in r]
        lines.append(
            f"| {recipe} | {len(rows)} | {_pm([r['psnr'] for r in rows])} "
            f"| {_pm([r['psnr_mean_field'] for r in rows])} "
            f"| {_pm([r['psnr_true_brightness'] for r in rows])} "
            f"| {np.mean([r['brightness_share'] for r in rows]):.0%} "
            f"| {_pm([r['psnr_ridge_hidden'] for r in rows])} | {_pm(active, 1) if active else ''} |")
    test = data["test"]
    flat = np.broadcast_to(test.mean(axis=1, keepdims=True), test.shape)
    _, flat_detail = brightness_detail(test, flat)
    refs = study_references(data)
    lines.append(f"| flat patch (its mean) | | {refs['flat patch (its mean)']:.2f} | "
                 f"| {10 * np.log10(1 / flat_detail):.2f} | 0% | | |")
    lines.append(f"| sparse code only | | {refs['sparse code only']:.2f} | | | | | "
                 f"{np.count_nonzero(data['codes_test'], axis=1).mean():.1f} (real codes) |")
    return "\n".join(lines)
