"""Every notebook opens and installs in Google Colab, without touching Colab's ipywidgets.

Checks, for each notebook in notebooks/ (so later notebooks are covered too):

- its first cell is markdown with an "Open in Colab" badge whose address is
  ``dreamlib.course.colab_url(<its own file name>)`` (one repository for all);
- a setup cell installs ``dreamlib.course.pip_spec()`` only inside
  ``if "google.colab" in sys.modules:``, and no install line anywhere names
  ipywidgets or forces upgrades/reinstalls (Colab ships ipywidgets 7.7 and its
  front end expects it);

and that pyproject's ipywidgets requirement admits 7.7, so pip in Colab keeps it.
"""

import json
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dreamlib import course

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'<>]+")
COLAB_GUARD = re.compile(r"""^(\s*)if\s+["']google\.colab["']\s+in\s+sys\.modules\s*:""")
INSTALL = re.compile(r"^\s*[%!]\s*(pip|pip3|conda|mamba|uv)\b|\bpip\s+install\b|-m\s+pip\b"
                     r"""|["']pip["']\s*,\s*["']install["']""")
FORBIDDEN_IN_INSTALL = re.compile(
    r"ipywidgets|widgetsnbextension|jupyterlab.widgets|--upgrade-strategy[ =]eager"
    r"|--force-reinstall|--ignore-installed|(^|\s)-I(\s|$)")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {ROOT / 'notebooks'}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_colab_badge_opens_this_notebook(path):
    first = _cells(path)[0]
    assert first["cell_type"] == "markdown", f"{path.name}: the first cell must be the title cell"
    text = _source(first)
    urls = COLAB_URL.findall(text)
    assert urls, f"{path.name}: no Colab badge link in the first cell"
    assert set(urls) == {course.colab_url(path.name)}, (
        f"{path.name}: Colab link(s) {urls} should be {course.colab_url(path.name)} "
        f"(repository {course.REPOSITORY}, this notebook's own file)")
    assert "colab-badge" in text or "Open In Colab" in text or "Open in Colab" in text, (
        f"{path.name}: the Colab link should be the badge image")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_setup_cell_installs_only_in_colab(path):
    cells = _cells(path)
    installers = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        guard_indent = None
        for line in _source(cell).splitlines():
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            if guard_indent is not None and indent <= guard_indent:
                guard_indent = None  # left the if-block
            match = COLAB_GUARD.match(line)
            if match:
                guard_indent = len(match.group(1))
                continue
            if INSTALL.search(line):
                assert guard_indent is not None, (
                    f"{path.name}, cell {index}: {line.strip()!r} installs outside "
                    f"`if \"google.colab\" in sys.modules:`")
                assert not FORBIDDEN_IN_INSTALL.search(line), (
                    f"{path.name}, cell {index}: {line.strip()!r} would change Colab's ipywidgets")
                installers.append((index, line.strip()))
    assert installers, f"{path.name}: no setup cell installing dreamlib in Colab"
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    index, line = installers[0]
    assert index == first_code, (
        f"{path.name}: the Colab install should be in the setup cell (first code cell, "
        f"#{first_code}), found in cell {index}")
    setup = _source(cells[index])
    assert f'"{course.pip_spec()}"' in setup or f"'{course.pip_spec()}'" in setup, (
        f"{path.name}: the setup cell should install \"{course.pip_spec()}\" (the course repository)")


def test_pip_spec_and_badge_name_the_same_repository():
    assert f"github.com/{course.REPOSITORY}@{course.BRANCH}" in course.pip_spec()
    assert f"/github/{course.REPOSITORY}/blob/{course.BRANCH}/notebooks/x.ipynb" in (
        course.colab_url("x.ipynb"))


def test_ipywidgets_requirement_keeps_colabs_7_7():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    ipywidgets = [r for r in requirements if r.name.lower() == "ipywidgets"]
    assert len(ipywidgets) == 1, "pyproject should require ipywidgets exactly once"
    spec = ipywidgets[0].specifier
    for version in ["7.7.1", "7.7.5", "8.1.5"]:
        assert spec.contains(version), f"ipywidgets{spec} refuses {version}"
