"""The figure count of the nbval run (conftest.py) fails when a figure goes missing.

Two tiny notebooks run through nbval with the repository's conftest, in a subprocess, with
``MPLBACKEND=Agg`` as in the test run:

- ``drawn``: calls ``dl.course.setup_notebook()``, then draws a figure with ``plt.show()`` and
  one through a static explorer, and runs a progress bar. It must pass: setup_notebook
  switched the kernel to the inline backend, so both figures are images; the progress bar
  of this headless kernel is tqdm's text bar (saved as "3/3"), not a widget (saved as "0/3").
- ``lost``: the same figure without setup_notebook, and an expected count of one image. Under
  Agg ``plt.show()`` draws nothing, so its count must fail, naming the silent cell.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

SETUP = "import matplotlib.pyplot as plt\nimport dreamlib as dl\n"
PLOT = "plt.plot([0, 1], [1, 0])\nplt.show()"
EXPLORE = textwrap.dedent("""\
    import ipywidgets as widgets
    def update(a):
        plt.plot([0, a])
    dl.widgets.explore(update, {"a": widgets.FloatSlider(value=0.5)})""")
PROGRESS = textwrap.dedent("""\
    import tqdm.notebook
    bar = dl.course.progress_bar(range(3), desc="steps")
    assert sum(bar) == 3
    assert not isinstance(bar, tqdm.notebook.tqdm), "a widget bar would be saved as 0/3"
    """)


def write_notebook(path, sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def test_figure_count_passes_with_setup_and_fails_without(tmp_path):
    write_notebook(tmp_path / "drawn.ipynb",
                   [SETUP + "dl.course.setup_notebook()", PLOT, EXPLORE, PROGRESS])
    write_notebook(tmp_path / "lost.ipynb", [SETUP, PLOT])
    expected = {"drawn": {"images": 2, "animations": 0}, "lost": {"images": 1, "animations": 0}}
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""\
        import importlib.util
        spec = importlib.util.spec_from_file_location("repo_conftest", {str(ROOT / "conftest.py")!r})
        repo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(repo)
        repo.EXPECTED_FIGURES = {expected!r}
        pytest_collection_modifyitems = repo.pytest_collection_modifyitems
        """))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = dict(os.environ, MPLBACKEND="Agg", DREAMLIB_WIDGETS="static")
    env.pop("JPY_SESSION_NAME", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "-rA"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert "PASSED drawn.ipynb::figures" in out, out
    assert "FAILED lost.ipynb::figures" in out, out
    assert "lost drew {'images': 0, 'animations': 0}" in out, out
    assert "Cell 1 plots but produced no image" in out, out
    assert run.returncode == 1, out   # exactly the count of "lost" failed
    assert out.count("FAILED ") == 1, out
