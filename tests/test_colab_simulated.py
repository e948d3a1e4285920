"""The Colab path, simulated: a notebook's own setup cell in a fresh environment set up like Colab.

Colab runs a kernel that has imported ``google.colab``, over a Python that already has numpy,
scipy, matplotlib, scikit-learn, scikit-image, tqdm, pooch, pandas, nbconvert, ipykernel and
ipywidgets 7.7 (among much else). This test builds such a virtual environment (``google.colab`` is
an empty stub package in it), serves this checkout's committed HEAD (its tree, as one commit) as a git
repository whose course branch (``dreamlib.course.BRANCH``) points at it, and runs the setup cell of the first
student notebook (of the first notebook when there is none) in a kernel of that environment with
one change: its ``git+https://github.com/OWNER/NAME`` address becomes that repository's
``git+file://`` address, so pip's git path (clone, check out the branch, build, install) runs as
it does in Colab.

- A working install: dreamlib is installed from that commit and otter-grader without its
  dependencies; no package Colab had is upgraded or replaced (ipywidgets stays 7.7); the
  notebook's next cells run up to its first real cell and on through its first
  ``grader.check(...)``, which reports on the (unanswered) exercise.
- A failing install (a repository that does not exist): the cell stops with one sentence naming
  what it tried to install and what to check; none of pip's or git's output is shown, and the
  next cell does not run.

Needs the package index that ``pip`` is configured with (its cache makes it fast), like CI's install.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from dreamlib import course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = (sorted((ROOT / "notebooks" / "student").glob("*.ipynb"))
            or sorted((ROOT / "notebooks").glob("*.ipynb")))[0]
#: What Colab has installed of dreamlib's and otter-grader's dependencies, its ipywidgets and kernel.
COLAB_PACKAGES = ["numpy", "scipy", "matplotlib", "scikit-learn", "scikit-image", "tqdm", "pooch",
                  "pandas", "nbconvert", "nbformat", "jinja2", "pyyaml", "requests", "click",
                  "ipywidgets==7.7.*", "ipykernel<7"]
#: Lines that pip or git print when an install fails, and Python's when an import fails.
INSTALLER_OUTPUT = ("ERROR:", "error:", "fatal:", "git clone", "subprocess-exited-with-error",
                    "Traceback (most recent call last)", "ModuleNotFoundError")
PROBE = """import importlib.metadata as _metadata, json as _json, otter as _otter
print(_json.dumps({"ipywidgets": widgets.__version__, "dreamlib": dl.__file__, "otter": _otter.__version__,
                   "direct_url": _json.loads(_metadata.distribution("dreamlib").read_text("direct_url.json"))}))
"""


def _run(*command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """A Colab-like virtual environment, its kernel, and this checkout served as a git repository."""
    home = tmp_path_factory.mktemp("colab")
    venv = home / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--no-compile", *COLAB_PACKAGES)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "google" / "colab").mkdir(parents=True)
    (site / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab."""\n')
    ipython = home / "ipython"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00-colab.py").write_text("import google.colab\n")
    kernel = home / "kernels" / "colab"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab (simulated)", "language": "python"}))

    # The course branch of a bare repository: one commit holding the tree of this checkout's HEAD.
    # (One parentless commit, because the CI clone may be shallow, and pip's partial clone of a
    # shallow repository never ends.)
    repository = home / "course.git"
    _run("git", "init", "--quiet", "--bare", repository)
    _run("git", "-C", repository, "fetch", "--quiet", "--no-tags", "--depth=1", ROOT, "HEAD")
    tree = _run("git", "-C", repository, "rev-parse", "FETCH_HEAD^{tree}").strip()
    head = _run("git", "-C", repository, "-c", "user.name=test", "-c", "user.email=test@example.org",
                "commit-tree", tree, "-m", "this checkout's HEAD").strip()
    _run("git", "-C", repository, "update-ref", f"refs/heads/{course.BRANCH}", head)
    _run("git", "-C", repository, "symbolic-ref", "HEAD", f"refs/heads/{course.BRANCH}")
    for leftover in ("shallow", "FETCH_HEAD"):
        (repository / leftover).unlink(missing_ok=True)
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DREAMLIB_", "JPY_", "PYTHON", "VIRTUAL_ENV", "MPL"))}
    environment.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                       IPYTHONDIR=str(ipython), DREAMLIB_OFFLINE="1")
    work = home / "work"  # the kernel's folder: not the checkout, whose dreamlib would shadow pip's
    work.mkdir()
    return {"python": python, "venv": venv, "home": home, "kernels": home / "kernels",
            "repository": repository, "environment": environment, "work": work, "head": head}


def _setup_cell_installing_from(url):
    """The first code cell of NOTEBOOK installing from ``url`` instead of GitHub, and its requirement."""
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    setup = next(cell for cell in cells if cell.cell_type == "code")
    github = f"git+https://github.com/{course.REPOSITORY}@{course.BRANCH}"
    assert setup.source.count(github) == 1, f"{NOTEBOOK.name}'s setup cell should install {github}"
    local = f"git+{url}@{course.BRANCH}"
    setup.source = setup.source.replace(github, local)
    return setup, course.pip_spec().replace(github, local)


def _execute(colab, cells):
    """Run ``cells`` in a new kernel of the simulated Colab; return (notebook, error or None)."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    manager = KernelManager(kernel_name="colab",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(colab["kernels"])]))
    client = NotebookClient(notebook, km=manager, timeout=600,
                            resources={"metadata": {"path": str(colab["work"])}})
    try:
        client.execute(env=colab["environment"])
    except CellExecutionError as error:
        return notebook, error
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    return notebook, None


def _installed(colab):
    lines = _run(colab["python"], "-m", "pip", "list", "--format=freeze").split()
    return dict(line.split("==", 1) for line in lines)


def test_failed_install_stops_with_one_sentence(colab):
    missing = f"file://localhost{colab['home'] / 'missing.git'}"
    before = _installed(colab)
    setup, requirement = _setup_cell_installing_from(missing)
    cells = [setup, nbformat.v4.new_code_cell("print('ran on')")]
    notebook, error = _execute(colab, cells)

    assert error is not None, "the setup cell should stop when pip cannot install dreamlib"
    setup, after = notebook.cells
    errors = [o for o in setup.outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["SystemExit"], setup.outputs
    sentence = errors[0].evalue
    print(sentence)
    assert sentence.startswith(f"Could not install {requirement}: check"), sentence
    assert "\n" not in sentence and sentence.endswith(".") and sentence.count(". ") == 0
    assert "repository" in sentence and "public" in sentence and "online" in sentence
    shown = "".join(o.get("text", "") for o in setup.outputs) + "".join(
        "".join(e.traceback) for e in errors).replace(sentence, "")
    assert not [line for line in INSTALLER_OUTPUT if line in shown], shown
    assert after.execution_count is None and not after.outputs, "the next cell ran anyway"
    assert _installed(colab) == before


def test_setup_cell_installs_dreamlib_keeps_colab_packages_and_the_first_cells_run(colab):
    before = _installed(colab)
    assert before["ipywidgets"].startswith("7.7."), before["ipywidgets"]
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    setup_index = next(i for i, cell in enumerate(cells) if cell.cell_type == "code")
    code = [i for i, cell in enumerate(cells) if i > setup_index and cell.cell_type == "code"]
    first_real = next(i for i in code if "parameters" not in cells[i].metadata.get("tags", []))
    last = next((i for i in code if "grader.check(" in cells[i].source), first_real)
    setup, _ = _setup_cell_installing_from(f"file://localhost{colab['repository']}")
    notebook, error = _execute(colab, [setup] + cells[setup_index + 1:last + 1]
                               + [nbformat.v4.new_code_cell(PROBE)])

    assert error is None, f"simulated Colab run of {NOTEBOOK.name} failed:\n{error}"
    after = _installed(colab)
    assert {"dreamlib", "otter-grader"} <= set(after) - set(before)
    assert {name: after[name] for name in before} == before, "pip changed Colab's packages"
    probe = json.loads(notebook.cells[-1].outputs[0]["text"])
    assert probe["ipywidgets"].startswith("7.7."), probe
    assert Path(probe["dreamlib"]).is_relative_to(colab["venv"]), probe["dreamlib"]
    source = probe["direct_url"]
    assert source["url"] == f"file://localhost{colab['repository']}"
    assert source["vcs_info"] == {"vcs": "git", "requested_revision": course.BRANCH,
                                  "commit_id": colab["head"]}
    ran = notebook.cells[:-1]
    for index in (first_real, last):
        cell = ran[index - setup_index]
        assert cell.execution_count is not None and cell.outputs, (
            f"{NOTEBOOK.name} cell {index} ran but showed nothing")
    if last != first_real:  # the grader ran the public tests, which the unanswered exercise fails
        shown = json.dumps(ran[last - setup_index].outputs)
        question = cells[last].source.split('"')[1]
        assert f"{question} results" in shown and "Test case failed" in shown, shown[:2000]
