"""Student notebooks and autograders, made from the course notebooks by Otter Assign.

The notebooks in ``notebooks/`` are the instructor versions and the single
source of every assignment: each exercise is an Otter Assign question (points,
solution, public and hidden tests) and each "Think!" prompt a manually graded
question whose answer key is the solution. For each of them ``otter assign``
makes

- the **student notebook**: solutions replaced by ``...``, hidden tests and
  answer keys removed, outputs cleared, a ``grader.check(...)`` cell after each
  exercise. It is written to ``notebooks/student/`` with its Colab badge
  pointing at itself (:func:`dreamlib.course.colab_url`);
- the **public tests**, collected into ``dreamlib/grading/public_tests.json``
  so that ``dl.grading.grader`` finds them wherever dreamlib is installed
  (a Colab student has only the notebook);
- the **autograder** (every test, hidden ones included), copied to
  ``OUT/<notebook>-autograder.zip`` for ``otter run``, and the solutions in the
  same format, ``OUT/<notebook>-solutions.ipynb``.

Run it from a checkout (it needs the ``instructor`` extra)::

    python -m dreamlib.grading build               # every marked-up notebook, OUT = dist/grading
    python -m dreamlib.grading build --run-tests   # also let otter grade the solutions (full size)
    python -m dreamlib.grading check               # fails if notebooks/student/ is out of date
"""

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import course

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_TESTS = Path(__file__).resolve().parent / "public_tests.json"
CONFIG_MARK = "# ASSIGNMENT CONFIG"


@dataclass
class Assignment:
    """What ``otter assign`` made from one course notebook."""

    name: str
    student: nbformat.NotebookNode
    public_tests: dict
    autograder: Path
    solutions: Path
    tests: dict = field(default_factory=dict)  # every test file, hidden ones included


def source_notebooks(root=ROOT):
    """The course notebooks marked up for Otter Assign (those with an assignment config cell)."""
    return [path for path in sorted((Path(root) / "notebooks").glob("*.ipynb"))
            if any(cell.cell_type == "raw" and cell.source.lstrip().startswith(CONFIG_MARK)
                   for cell in nbformat.read(path, as_version=4).cells)]


def _run_otter_assign(source, result, run_tests):
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(source), str(result)]
    if not run_tests:
        command.insert(-2, "--no-run-tests")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"otter assign {source.name} failed:\n{done.stdout}\n{done.stderr}")


def student_version(notebook, name):
    """Fit ``otter assign``'s student notebook for ``notebooks/student/``.

    The title cell's Colab badge opens the student copy itself, links up out of
    ``notebooks/`` gain one level, and the cells are numbered so that a rebuild
    gives the same file.
    """
    badge = notebook.cells[0]
    own, student = course.colab_url(name), course.colab_url(f"student/{name}")
    if own not in badge.source:
        raise ValueError(f"{name}: the title cell has no Colab badge for {own}")
    badge.source = badge.source.replace(own, student)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("](../", "](../../")
        cell.id = f"cell-{index:03d}"
    return notebook


def _read_tests(folder):
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(Path(folder).glob("*.py"))}


def assign(source, workdir, *, run_tests=False):
    """Run ``otter assign`` on one course notebook into ``workdir``; return what it made."""
    source, name = Path(source), Path(source).name
    result = Path(workdir) / source.stem
    _run_otter_assign(source, result, run_tests)
    zips = sorted((result / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"otter assign {name}: expected one autograder zip, found {zips}")
    student = student_version(nbformat.read(result / "student" / name, as_version=4), name)
    return Assignment(name=source.stem, student=student,
                      public_tests=_read_tests(result / "student" / "tests"),
                      autograder=zips[0], solutions=result / "autograder" / name,
                      tests=_read_tests(result / "autograder" / "tests"))


def assign_all(workdir, *, root=ROOT, notebooks=None, run_tests=False):
    """:func:`assign` every marked-up notebook (or only ``notebooks``, file names or stems)."""
    sources = source_notebooks(root)
    if notebooks:
        wanted = {Path(n).stem for n in notebooks}
        unknown = wanted - {s.stem for s in sources}
        if unknown:
            raise ValueError(f"not marked-up course notebooks: {sorted(unknown)}; "
                             f"choose from {[s.stem for s in sources]}")
        sources = [s for s in sources if s.stem in wanted]
    return [assign(source, workdir, run_tests=run_tests) for source in sources]


def expected_files(assignments, root=ROOT):
    """The repository files the assignments determine: ``{path: text}``."""
    files = {Path(root) / "notebooks" / "student" / f"{a.name}.ipynb": nbformat.writes(a.student) + "\n"
             for a in assignments}
    tests = {a.name: a.public_tests for a in assignments}
    files[PUBLIC_TESTS] = json.dumps(tests, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return files


def stale_files(assignments, root=ROOT):
    """Files in the repository that differ from what ``assignments`` make, or that none makes."""
    expected = expected_files(assignments, root)
    stale = [path for path, text in expected.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    stale += [path for path in sorted((Path(root) / "notebooks" / "student").glob("*.ipynb"))
              if path not in expected]
    return stale


def build(out, *, root=ROOT, notebooks=None, run_tests=False):
    """Write the student notebooks and public tests into the checkout, the autograders into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        assignments = assign_all(workdir, root=root, notebooks=notebooks, run_tests=run_tests)
        if notebooks:  # keep the other notebooks' public tests
            kept = json.loads(PUBLIC_TESTS.read_text(encoding="utf-8"))
            made = {a.name for a in assignments}
            assignments_tests = {k: v for k, v in kept.items() if k not in made}
        else:
            assignments_tests = {}
        for path, text in expected_files(assignments, root).items():
            if path == PUBLIC_TESTS:
                merged = {**assignments_tests, **json.loads(text)}
                text = json.dumps(merged, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}")
        for a in assignments:
            for made, target in ((a.autograder, out / f"{a.name}-autograder.zip"),
                                 (a.solutions, out / f"{a.name}-solutions.ipynb")):
                shutil.copyfile(made, target)
                print(f"wrote {target}")
    return assignments
