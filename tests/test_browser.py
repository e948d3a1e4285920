"""Every notebook, run in JupyterLab in a real (headless Chromium) browser.

nbval runs the notebooks without a front end, so it cannot see whether the
widgets render or respond. This test can. For each notebook in notebooks/
(whatever is there, so notebooks added later are covered) it:

- runs all cells in quick mode (the server has DREAMLIB_QUICK=1 and
  DREAMLIB_OFFLINE=1) and checks no cell ends in an error;
- checks each explorer (``dreamlib.widgets.explore``) renders, moves one of
  its controls and checks the figure changes, recording how long that took;
- checks each ``to_jshtml`` animation renders and steps to its next frame;
- saves screenshots to tests/artifacts/ and the timings to
  tests/artifacts/browser_timings.json (times are recorded, never asserted:
  the only timeouts are generous "did it respond at all" limits).

Needs Debian's ``chromium`` and the Python ``playwright`` package (never
``playwright install``). Without them the test is skipped locally and fails
in CI (environment variable CI set), where .ci/run installs them.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import browser_support as bs

ROOT = Path(__file__).resolve().parents[1]
#: DREAMLIB_NOTEBOOK_DIR points the test at another folder of notebooks (for developing it).
NOTEBOOK_DIR = Path(os.environ.get("DREAMLIB_NOTEBOOK_DIR") or ROOT / "notebooks")
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ARTIFACTS = ROOT / "tests" / "artifacts"
TIMINGS = ARTIFACTS / "browser_timings.json"


def _require_browser():
    missing = bs.missing_requirements()
    if missing:
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
            pytest.fail(f"CI is set, so the browser test must run: {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def lab():
    """One JupyterLab server on loopback, serving copies of the notebooks (outputs stripped)."""
    _require_browser()
    TIMINGS.unlink(missing_ok=True)  # this run's measurements only
    workdir = Path(tempfile.mkdtemp(prefix="dreamlib-browser-"))
    bs.prepare_copies(NOTEBOOKS, workdir)
    server = bs.LabServer(workdir)
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=bs.find_chromium(), args=bs.CHROMIUM_FLAGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        # Loopback only: anything else (e.g. the font CDN in to_jshtml's HTML) is refused at once.
        context.route(lambda url: not url.startswith(lab.base), lambda route: route.abort())
        yield context
        context.close()
        chromium.close()


def _record(result):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    timings[result["notebook"]] = result
    TIMINGS.write_text(json.dumps(timings, indent=2, sort_keys=True))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_in_jupyterlab(lab, browser, notebook):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    try:
        result = bs.run_notebook(page, lab, f"notebooks/{notebook.name}", ARTIFACTS)
    except bs.NotebookRunError as exc:
        (ARTIFACTS / "jupyterlab-server.log").write_text(lab.log())
        pytest.fail(f"{exc}\n(screenshots and jupyterlab-server.log in {ARTIFACTS})")
    finally:
        page.close()
        lab.shutdown_kernels()
    _record(result)
    responses = ", ".join(f"{e['response_s']:.2f} s ({e['action']})" for e in result["explorers"])
    print(f"\n{notebook.name}: run all {result['run_all_s']} s, total {result['total_s']} s; "
          f"explorer responses: {responses}; animations: {len(result['animations'])}")
    # Functional checks that run_notebook measured (its own checks raise on failure).
    assert result["explorers"], "no explorer was exercised"
    for anim in result["animations"]:
        assert anim["frames"] >= 2 and anim["frame_after"] != anim["frame_before"]


#: The student notebook whose first exercise the test answers, right and wrong (issue 9).
STUDENT = ROOT / "notebooks" / "student" / "01_bars_sanity_check.ipynb"
RIGHT_ANSWER = '''def lca_step(u, b, G, lam, step):
    a = dl.sparse_coding.soft_threshold(u, lam)
    return u + step * (b - u - a @ G + a)
'''
WRONG_ANSWER = '''def lca_step(u, b, G, lam, step):
    a = dl.sparse_coding.soft_threshold(u, lam)
    return u + step * (b - u + a @ G - a)
'''


def test_student_checks_an_answer_in_jupyterlab(lab, browser):
    """A student notebook opens; a right answer passes its grader.check, a wrong one fails, saying why."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bs.prepare_copies([STUDENT], lab.root_dir / "student")
    page = browser.new_page()
    try:
        bs.open_notebook(page, lab, f"student/notebooks/{STUDENT.name}", timeout=120)
        bs.run_cells_containing(page, ["import dreamlib as dl", "grader = dl.grading.grader("])
        right = bs.answer_and_check(page, "def lca_step(", RIGHT_ANSWER)
        wrong = bs.answer_and_check(page, "def lca_step(", WRONG_ANSWER)
        check = page.locator(f"{bs.PANEL} .jp-Cell").nth(
            page.evaluate(bs.JS_CELL_INDEX, 'grader.check("lca_step")'))
        check.screenshot(path=str(ARTIFACTS / "student-01-wrong-answer.png"))
    except bs.NotebookRunError as exc:
        (ARTIFACTS / "jupyterlab-server.log").write_text(lab.log())
        pytest.fail(f"{exc}\n(jupyterlab-server.log in {ARTIFACTS})")
    finally:
        page.close()
        lab.shutdown_kernels()
    print(f"\nright answer:\n{right}\nwrong answer:\n{wrong}")
    assert "lca_step passed" in right and "failed" not in right, right
    assert "Test case failed" in wrong and "lca_step passed" not in wrong, wrong
    assert "Hint: the update is u + step * (b - u - a @ G + a)" in wrong, wrong
