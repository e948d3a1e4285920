"""python -m dreamlib reproduce: the report and the JSON, at a size for CI."""

import json
import math
import subprocess
import sys

import pytest

from dreamlib import reproduce

#: Smaller than the notebooks' quick sizes, so the whole run fits the CI budget (2 minutes).
TINY = {
    "01": {"N_IMAGES": 2000, "N_BATCHES": 300},
    "02": {"N_HELDOUT": 300},
    "03": {"N_TRAIN": 1000, "N_TEST": 100, "N_EPOCHS": 3, "N_LL_DIGITS": 50, "N_IMPORTANCE": 10},
    "04": {"N_DIGITS": 200, "DIGIT_EPOCHS": 3},
    "05": {"SEEDS": [0, 1], "N_TWOS_TRAIN": 100, "N_TWOS_TEST": 50, "MNIST_EPOCHS": 4,
           "N_PATCH_TRAIN": 150, "N_PATCH_TEST": 50, "PATCH_EPOCHS": 2, "N_RECON_SAMPLES": 2,
           "N_DREAMS": 20, "PAPER_ITER": 100, "PAPER_SEEDS": [0]},
    "05-study": {"SEEDS": [0, 1], "N_PATCH_TRAIN": 150, "N_PATCH_TEST": 50, "PATCH_EPOCHS": 1,
                 "N_RECON_SAMPLES": 2, "HIDDEN": [20], "STUDY_RECIPES": ["naive-ws", "sparse-ws-slab"]},
    "06": {"SEEDS": [0, 1], "N_COPIES": 100, "ONE_EPOCHS": 3, "N_TWOS": 200, "TWOS_EPOCHS": 5,
           "SPARSE_EPOCHS": 3, "N_BARS": 2000, "BARS_EPOCHS": 3, "N_MC": 100},
}


def test_notebook_parameters_are_the_notebooks_own():
    quick, full = reproduce.notebook_parameters("05", quick=True), reproduce.notebook_parameters("05")
    assert (quick["PAPER_ITER"], full["PAPER_ITER"]) == (300, 5000)
    assert quick["SEEDS"] == full["SEEDS"] == [0, 1, 2, 3, 4]
    assert reproduce.notebook_parameters("03")["OPTIMIZER"] == "sgd"
    with pytest.raises(FileNotFoundError, match="parameters"):
        reproduce.notebook_parameters("05", notebooks="/nonexistent")
    with pytest.raises(ValueError, match="sections"):
        reproduce.run("unused", sections=["09"])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    result = reproduce.run(out, quick=True, overrides=TINY, progress=False)
    return out, result


def test_report_files_and_every_number_finite(report):
    out, result = report
    numbers = json.loads((out / "numbers.json").read_text())
    assert sorted(numbers["sections"]) == sorted(reproduce.SECTIONS)
    text = (out / "report.md").read_text()
    for key, section in numbers["sections"].items():
        assert section["numbers"], f"section {key} reports nothing"
        for name, entry in section["numbers"].items():
            assert math.isfinite(entry["value"]), f"{key}: {name} is {entry['value']}"
            assert name in text
        for png in section["figures"]:
            assert (out / png).stat().st_size > 1000 and f"({png})" in text
    assert numbers["meta"]["quick"] is True and numbers["meta"]["overrides"]["05"]["PAPER_ITER"] == 100


def test_report_key_relations(report):
    _, result = report
    n = {key: {name: e["value"] for name, e in s["numbers"].items()}
         for key, s in result["sections"].items()}
    assert n["01"]["recovery score (1 = every bar found)"] > 0.8
    assert 0 < n["02"]["active coefficients (fraction)"] < 0.2
    assert n["02"]["held-out relative MSE"] < 0.2
    # the paper's values stand beside ours where the paper had one
    entry = result["sections"]["05"]["numbers"]["paper's protocol, natural, sparse: mean PSNR (dB)"]
    assert entry["paper"] == 16.5
    h = n["05"]
    assert h["held out, MNIST 2, naive: PSNR (dB)"] > h["held out, MNIST 2, sparse: PSNR (dB)"]
    assert h["held out, natural: sparse code only (dB)"] > h["held out, natural: flat patch (its mean) (dB)"]
    assert h["held out, natural, sparse + L1: weights exactly 0 (fraction)"] >= \
        h["held out, natural, sparse: weights exactly 0 (fraction)"]
    dreams = n["04"]
    assert dreams["beta machine's dreams: active atoms per dream"] > 0.95 * 400 > \
        dreams["spike-and-slab machine's dreams: active atoms per dream"]
    study = n["05-study"]
    assert study["held out: sparse code only (dB)"] > study["held out: flat patch (its mean) (dB)"]
    assert set(study) >= {"naive-ws: held-out PSNR (dB)", "sparse-ws-slab: std over seeds (dB)"}
    iso = n["06"]
    assert iso['one "2", pixels: mean pairwise correlation'] > iso["Hinton's bars, pixels: mean pairwise correlation"]


def test_command_line_help_and_unknown_command():
    ok = subprocess.run([sys.executable, "-m", "dreamlib", "reproduce", "--help"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "--quick" in ok.stdout and "--out" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "dreamlib", "dance"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown command 'dance'" in bad.stderr
