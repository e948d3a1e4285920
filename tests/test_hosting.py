"""``python -m dreamlib.hosting set-repository``, run on temporary copies of this checkout.

The command must leave every notebook consistent (the checks of ``test_colab.py``, through
``colab_checks``) after running twice with the same repository and then with another, change
only addresses (checked on ``git diff``), handle student notebooks, refuse bad names and
folders that are not checkouts with a clear message, and change nothing when it refuses.
The repository's own files are never touched.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import colab_checks as cc
from dreamlib import course, hosting

ROOT = Path(__file__).resolve().parents[1]
OTHER = ("jane-doe/dream.course", "fall-2025")
#: What may differ between a removed and an added line of the diff: addresses and the two values.
ADDRESS = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'<>\\]+"
                     r"|git\+https://github\.com/[^\s\"'\\]+"
                     r"""|^((?:REPOSITORY|BRANCH)\s*=\s*)"[^"]*\"""")


def _git(folder, *args):
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org",
                           *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def _copy_checkout(copy):
    """A git repository at ``copy`` holding this checkout's package, notebooks, README, pyproject."""
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    for folder in ("dreamlib", "notebooks"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    _git(copy.parent, "init", "-q", str(copy))
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "copy")
    return copy


@pytest.fixture
def checkout(tmp_path):
    return _copy_checkout(tmp_path / "course")


@pytest.fixture(scope="module")
def unchanged_checkout(tmp_path_factory):
    """One copy for the tests in which the command refuses (and so must change nothing)."""
    return _copy_checkout(tmp_path_factory.mktemp("refusals") / "course")


def _set(copy, repository, branch):
    return hosting.main(["set-repository", repository, "--branch", branch, "--root", str(copy)])


def _changed_line_pairs(copy):
    """``(file, removed, added)`` for every changed line of ``git diff``; fails on unpaired lines."""
    pairs, name, removed, added = [], None, [], []
    for line in _git(copy, "diff", "-U0").splitlines() + ["@@"]:
        if line.startswith(("@@", "diff ")):
            assert len(removed) == len(added), f"{name}: lines added or removed, not changed"
            pairs += [(name, a, b) for a, b in zip(removed, added)]
            removed, added = [], []
        if line.startswith("+++ b/"):
            name = line[len("+++ b/"):]
        elif line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return pairs


def test_twice_the_same_then_another_repository_changes_only_addresses(checkout, capsys):
    same = (course.REPOSITORY, course.BRANCH)
    assert cc.colab_problems(checkout, *same) == []
    for run in range(2):
        assert _set(checkout, *same) == 0
        assert "Nothing to change" in capsys.readouterr().out
        assert _git(checkout, "status", "--porcelain") == "", f"run {run + 1} changed files"
        assert cc.colab_problems(checkout, *same) == []

    for run in range(2):
        _set(checkout, *OTHER)
        assert cc.colab_problems(checkout, *OTHER) == []
    out = capsys.readouterr().out
    assert "updated dreamlib/course.py" in out and out.count("Nothing to change") == 1
    assert len(cc.colab_problems(checkout, *same)) >= 2 * len(cc.notebooks(checkout))
    assert hosting.read_repository((checkout / "dreamlib/course.py").read_text()) == OTHER

    changed = set(_git(checkout, "diff", "--name-only").split())
    expected = {"dreamlib/course.py"} | {p.relative_to(checkout).as_posix()
                                         for p in cc.notebooks(checkout)}
    assert changed == expected
    pairs = _changed_line_pairs(checkout)
    assert len(pairs) == 2 + 2 * len(cc.notebooks(checkout))  # two values, badge + install
    for name, removed, added in pairs:
        assert ADDRESS.sub("<>", removed) == ADDRESS.sub("<>", added), (
            f"{name}: more than an address changed:\n-{removed}\n+{added}")
        assert OTHER[0] in added or added == f'BRANCH = "{OTHER[1]}"', f"{name}: {added!r}"


def test_runs_from_the_current_folder_of_the_checkout(checkout):
    command = [sys.executable, "-m", "dreamlib.hosting", "set-repository", OTHER[0],
               "--branch", OTHER[1]]
    run = subprocess.run(command, cwd=checkout / "notebooks", capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "RuntimeWarning" not in run.stderr
    assert cc.colab_problems(checkout, *OTHER) == []
    assert hosting.read_repository((checkout / "dreamlib/course.py").read_text()) == OTHER
    assert hosting.read_repository((ROOT / "dreamlib/course.py").read_text()) == (
        course.REPOSITORY, course.BRANCH)


def test_student_notebooks_open_themselves_and_other_links_follow(checkout):
    source = cc.notebooks(checkout)[0]
    student = checkout / "notebooks" / "student" / f"copied_{source.name}"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    old = (course.REPOSITORY, course.BRANCH)
    elsewhere = "https://colab.research.google.com/github/someone/else/blob/main/notebooks/x.ipynb"
    notebook["cells"].append({"cell_type": "markdown", "id": "links", "metadata": {}, "source": [
        f"[next]({course.colab_url('02_next.ipynb')}), [code](https://github.com/{old[0]}/blob/"
        f"{old[1]}/dreamlib/course.py), [elsewhere]({elsewhere})"]})
    student.parent.mkdir(exist_ok=True)
    # as a generator that copied the source badge unchanged would leave it
    student.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    assert cc.badge_problems(checkout, student, *old) != []

    _set(checkout, *OTHER)
    assert cc.colab_problems(checkout, *OTHER) == []
    assert cc.colab_badge_url(checkout, student, *OTHER).endswith(
        f"/blob/{OTHER[1]}/notebooks/student/copied_{source.name}")
    links = cc.source(json.loads(student.read_text(encoding="utf-8"))["cells"][-1])
    assert course.colab_url("02_next.ipynb", *OTHER) in links
    assert f"https://github.com/{OTHER[0]}/blob/{OTHER[1]}/dreamlib/course.py" in links
    assert elsewhere in links


@pytest.mark.parametrize("repository, message", [
    ("dreamlib", "exactly one '/'"),
    ("a/b/c", "exactly one '/'"),
    ("https://github.com/jane/dreamlib", "not an address"),
    ("git@github.com:jane/dreamlib", "not an address"),
    ("jane/dreamlib.git", "without '.git'"),
    ("-jane/dreamlib", "OWNER is 1-39"),
    ("jane_doe/dreamlib", "OWNER is 1-39"),
    ("jane/dream lib", "NAME is 1-100"),
    ("jane/..", "NAME is 1-100"),
])
def test_bad_repository_is_refused_clearly(unchanged_checkout, capsys, repository, message):
    checkout = unchanged_checkout
    with pytest.raises(SystemExit) as stop:
        hosting.main(["set-repository", "--root", str(checkout), "--", repository])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert message in error and repr(repository) in error and "OWNER/NAME" in error
    assert _git(checkout, "status", "--porcelain") == ""


@pytest.mark.parametrize("branch, message", [
    ("fall 2025", "only letters"), ("fall/2025", "only letters"), ("v1@2", "only letters"),
    ("", "only letters"), ("-x", "cannot start with"), (".x", "cannot start with"),
    ("a..b", "'..'"), ("x.", "cannot end with"), ("x.lock", "cannot end with"),
])
def test_bad_branch_is_refused_clearly(unchanged_checkout, capsys, branch, message):
    checkout = unchanged_checkout
    with pytest.raises(SystemExit) as stop:
        hosting.main(["set-repository", OTHER[0], f"--branch={branch}", "--root", str(checkout)])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert _git(checkout, "status", "--porcelain") == ""


def test_outside_a_checkout_it_refuses(tmp_path, capsys, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(SystemExit):
        hosting.main(["set-repository", OTHER[0], "--root", str(tmp_path)])
    assert "is not a dreamlib checkout" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path / "notebooks")
    with pytest.raises(SystemExit):
        hosting.main(["set-repository", OTHER[0]])
    error = capsys.readouterr().err
    assert "no dreamlib checkout at or above" in error and "--root" in error
    assert list(tmp_path.iterdir()) == [tmp_path / "notebooks"]


def test_a_notebook_without_badge_stops_everything(checkout, capsys):
    broken = checkout / "notebooks" / "student" / "broken.ipynb"
    broken.parent.mkdir(exist_ok=True)
    notebook = json.loads(cc.notebooks(checkout)[0].read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] = ["# A title without a badge\n"]
    broken.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    _git(checkout, "add", "-A")
    _git(checkout, "commit", "-q", "-m", "a student notebook without badge")
    with pytest.raises(SystemExit):
        _set(checkout, *OTHER)
    error = capsys.readouterr().err
    assert "nothing was changed" in error and "notebooks/student/broken.ipynb" in error
    assert "Open in Colab" in error
    assert _git(checkout, "status", "--porcelain") == ""
