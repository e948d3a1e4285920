"""The repository's own files agree: dependencies, README commands, CI script, notebooks."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def normalise(requirement):
    """'scikit-learn >= 1.6' -> ('scikit-learn', '>=1.6')."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda = [d for d in conda if not d.startswith(("python", "pip"))]
    assert sorted(map(normalise, conda)) == sorted(set(map(normalise, wanted)))
    # and it installs dreamlib itself
    pip_items = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip_items


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    setup = [b for b in blocks if "jupyter lab" in b]
    test = [b for b in blocks if "pytest" in b]
    assert len(setup) == 1 and len(test) == 1
    assert "pip install" in setup[0] and "pip install" in test[0]
    ci = (ROOT / ".ci" / "run").read_text()
    # .ci/run reads the command right after the marker, so the two cannot drift apart
    marker_block = readme.split("<!-- test-command -->", 1)[1]
    assert re.search(r"```bash\n(.*?)\n```", marker_block, flags=re.S).group(1) == test[0]
    assert "<!-- test-command -->" in ci


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_follow_the_conventions(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    sources = ["".join(c["source"]) for c in cells]
    assert cells[0]["cell_type"] == "markdown" and "colab-badge" in sources[0]
    assert "google.colab" in sources[1]
    parameters = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1, "exactly one cell tagged 'parameters'"
    text = "\n".join(sources)
    assert "# BEGIN SOLUTION" in text and "# END SOLUTION" in text, "an exercise"
    assert "dl.widgets.explore" in text, "an explorer"
    assert re.search(r"^assert ", text, flags=re.M), "sanity checks"
    # quick mode is chosen in the parameters cell only
    outside = [s for c, s in zip(cells, sources) if c not in parameters]
    assert not any("is_quick" in s or "DREAMLIB_QUICK" in s for s in outside)


def test_package_imports_without_a_display():
    code = "import dreamlib; print(dreamlib.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip()
