"""Every notebook opens and installs in Google Colab, without touching Colab's ipywidgets.

For each notebook under notebooks/ (student notebooks in notebooks/student/ and later notebooks
too), the checks of ``colab_checks.py``: its badge opens its own file from
``dreamlib.course.REPOSITORY`` at ``BRANCH``, and its setup cell installs from there, only in
Colab, never changing ipywidgets. Also: every notebook's Colab install block is the same (so the
simulated-Colab run of one, ``test_colab_simulated.py``, speaks for all), ``course.colab_url`` and
``course.pip_spec`` give those addresses, and pyproject's ipywidgets requirement admits 7.7, so pip
in Colab keeps it.
"""

from pathlib import Path

import pytest
from packaging.requirements import Requirement

import colab_checks as cc
from dreamlib import course

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = cc.notebooks(ROOT)
IDS = [p.relative_to(ROOT / "notebooks").with_suffix("").as_posix() for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {ROOT / 'notebooks'}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_badge_opens_this_notebook(path):
    problems = cc.badge_problems(ROOT, path, course.REPOSITORY, course.BRANCH)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_installs_only_in_colab(path):
    problems = cc.setup_problems(ROOT, path, course.REPOSITORY, course.BRANCH)
    assert not problems, "\n".join(problems)


def test_readme_colab_links_open_notebooks():
    problems = cc.readme_problems(ROOT, course.REPOSITORY, course.BRANCH)
    assert not problems, "\n".join(problems)


def test_every_notebook_has_the_same_colab_install():
    blocks = {p.relative_to(ROOT).as_posix(): cc.colab_block(cc.source(
        next(c for c in cc.cells(p) if c["cell_type"] == "code"))) for p in NOTEBOOKS}
    assert len(set(blocks.values())) == 1, (
        "the setup cells' `if \"google.colab\" in sys.modules:` blocks differ:\n"
        + "\n".join(f"{name}:\n{block}" for name, block in blocks.items()))


def test_course_addresses_name_the_course_repository():
    repository, branch = course.REPOSITORY, course.BRANCH
    assert course.pip_spec() == cc.pip_requirement(repository, branch)
    assert course.colab_url("x.ipynb") == (
        f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/x.ipynb")
    assert course.colab_url("student/x.ipynb", "jane-doe/dreams", "fall-2025") == (
        "https://colab.research.google.com/github/jane-doe/dreams/blob/fall-2025/notebooks/student/x.ipynb")
    assert course.pip_spec("jane-doe/dreams", "fall-2025") == (
        "dreamlib[student] @ git+https://github.com/jane-doe/dreams@fall-2025")


@pytest.mark.parametrize("notebook", ["", "x.py", "/abs/x.ipynb", "../x.ipynb", "a//x.ipynb",
                                      Path("x.ipynb")])
def test_colab_url_refuses_what_is_not_a_notebook_path(notebook):
    with pytest.raises(ValueError, match="notebook must be a path inside notebooks/"):
        course.colab_url(notebook)


def test_ipywidgets_requirement_keeps_colabs_7_7():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    ipywidgets = [r for r in requirements if r.name.lower() == "ipywidgets"]
    assert len(ipywidgets) == 1, "pyproject should require ipywidgets exactly once"
    spec = ipywidgets[0].specifier
    for version in ["7.7.1", "7.7.5", "8.1.5"]:
        assert spec.contains(version), f"ipywidgets{spec} refuses {version}"
