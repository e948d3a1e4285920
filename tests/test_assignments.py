"""The graded assignments, checked with Otter-Grader's own commands (issue 9).

- ``otter assign`` (run by :mod:`dreamlib.grading.build`) makes each marked-up notebook's student
  version, public tests and autograder; the committed ``notebooks/student/`` and
  ``dreamlib/grading/public_tests.json`` must be exactly what it makes.
- ``otter run`` grades the instructor solutions (full marks on every question) and the untouched
  student notebooks (zero on every question); the student run uses ``--debug``, which stops at the
  first cell that raises, so it also shows that every cell runs with the exercises left as ``...``.
- For every question, in-process through ``otter.Notebook.check`` with the autograder's tests
  (hidden ones included): the instructor's solution scores full marks, each plausible wrong answer
  in ``assignment_answers.py`` scores zero, and so does an answer that calls the dreamlib reference,
  whose points are taken by the guard where the reference alone would have given the right values.

Whole-notebook runs are the expensive part (each executes a notebook in quick mode); they run two
at a time, on one BLAS thread each.
"""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy.special import expit

import dreamlib
import dreamlib.grading.guard
from dreamlib.grading import build

from assignment_answers import ANSWERS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = build.source_notebooks(ROOT)
NAMES = [path.stem for path in SOURCES]


def _questions(notebook):
    """``{name: config}`` of the questions in a marked-up notebook, in order."""
    import yaml

    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(cell.source)
            found[config["name"]] = config
    return found


def _solutions(notebook):
    """``{question: source of its solution cells}`` (the instructor's answers)."""
    solutions, question, inside = {}, None, False
    for cell in nbformat.read(notebook, as_version=4).cells:
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            question = text.split("name:")[1].split()[0]
        elif cell.cell_type == "raw" and text in ("# BEGIN SOLUTION", "# END SOLUTION"):
            inside = text == "# BEGIN SOLUTION"
        elif inside and cell.cell_type == "code":
            solutions[question] = solutions.get(question, "") + cell.source + "\n"
    return solutions


def _secret_lines(source):
    """What Otter Assign must remove from a solution cell: the lines between ``# BEGIN SOLUTION``
    and ``# END SOLUTION``, and what follows ``=`` on a line ending in ``# SOLUTION``."""
    secrets, inside = [], False
    for line in source.splitlines():
        text = line.strip()
        if text.endswith("# BEGIN SOLUTION") or text.endswith("# END SOLUTION"):
            inside = text.endswith("# BEGIN SOLUTION")
        elif inside and text and not text.startswith("#"):
            secrets.append(text)
        elif text.endswith("# SOLUTION"):
            code = text[: -len("# SOLUTION")].strip()
            secrets.append(code.split("=", 1)[1].strip() if "=" in code.split("(")[0] else code)
    return secrets


AUTOGRADED = {name: {q: c for q, c in _questions(path).items() if not c.get("manual")}
              for name, path in zip(NAMES, SOURCES)}


@pytest.fixture(scope="module")
def assignments(tmp_path_factory):
    """What ``otter assign`` makes from every marked-up notebook (two at a time)."""
    work = tmp_path_factory.mktemp("assign")
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda source: build.assign(source, work), SOURCES))
    return {a.name: a for a in made}


def _otter_run(notebook, autograder, out, debug):
    out.mkdir(parents=True)
    command = [sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out),
               "--no-logo", str(notebook)] + (["--debug"] if debug else [])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=out, env=env)
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    return done, results


@pytest.fixture(scope="module")
def graded(assignments, tmp_path_factory):
    """``otter run`` on every solutions notebook and every committed student notebook."""
    work = tmp_path_factory.mktemp("run")
    jobs = []
    for name, a in assignments.items():
        jobs.append((name, "solutions", a.solutions, False))
        jobs.append((name, "student", ROOT / "notebooks" / "student" / f"{name}.ipynb", True))
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda job: _otter_run(job[2], assignments[job[0]].autograder,
                                                    work / f"{job[0]}-{job[1]}", job[3]), jobs))
    return {(name, kind): run for (name, kind, _, _), run in zip(jobs, runs)}


def _scores(results):
    """``{question: (score, max_score)}`` from otter's results.json (test cases summed)."""
    scores = {}
    for test in results["tests"]:
        if "max_score" not in test:  # otter's summary of the public tests
            continue
        question = test["name"].split(" - ")[0]
        score, possible = scores.get(question, (0.0, 0.0))
        scores[question] = (score + test.get("score", 0.0), possible + test["max_score"])
    return scores


def test_every_course_notebook_is_an_assignment():
    assert NAMES == [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                     if p.stem in NAMES], NAMES
    assert NAMES, "no notebook is marked up for Otter Assign"


def test_student_notebooks_are_up_to_date(assignments):
    stale = build.stale_files(list(assignments.values()), ROOT)
    assert not stale, (f"out of date with their sources: {[str(p.relative_to(ROOT)) for p in stale]}; "
                       "run: python -m dreamlib.grading build")


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_keeps_no_solution_or_hidden_test(assignments, name):
    student = nbformat.writes(assignments[name].student)
    for question, source in _solutions(SOURCES[NAMES.index(name)]).items():
        secrets = _secret_lines(source)
        assert secrets, f"{name}: {question} has no solution lines"
        leaked = [line for line in secrets if line in student]
        assert not leaked, f"{name}: the solution of {question} leaked: {leaked}"
    assert "Answer key" not in student and "hidden: true" not in student
    public = "".join(assignments[name].public_tests.values())
    assert "hidden=True" not in public and "hidden=False" in public
    assert sorted(assignments[name].public_tests) == sorted(AUTOGRADED[name])


@pytest.mark.parametrize("name", NAMES)
def test_solutions_get_full_marks(graded, name):
    done, results = graded[(name, "solutions")]
    assert results is not None, done.stdout + done.stderr
    scores = _scores(results)
    assert sorted(scores) == sorted(AUTOGRADED[name])
    for question, (score, possible) in scores.items():
        assert possible == AUTOGRADED[name][question]["points"]
        assert score == possible, f"{name} {question}: {score}/{possible}\n{results}"


@pytest.mark.parametrize("name", NAMES)
def test_untouched_student_notebook_runs_to_the_end_and_scores_zero(graded, name):
    done, results = graded[(name, "student")]
    assert done.returncode == 0 and results is not None, (
        f"otter run --debug stopped on an error in the student notebook:\n{done.stdout[-3000:]}\n"
        f"{done.stderr[-3000:]}")
    scores = _scores(results)
    assert sorted(scores) == sorted(AUTOGRADED[name])
    assert all(score == 0 for score, _ in scores.values()), scores


CASES = [(question, kind, label) for question, entry in ANSWERS.items()
         for kind, label in [("solution", "instructor's solution")]
         + [("wrong", label) for label in entry["wrong"]] + [("reference", "calls the reference")]]


@contextmanager
def _guard_off():
    @contextmanager
    def nothing(*references, exercise):
        yield
    real = dreamlib.grading.guard.forbid
    dreamlib.grading.guard.forbid = nothing
    try:
        yield
    finally:
        dreamlib.grading.guard.forbid = real


def _grade(assignment, question, source, tmp_path):
    """Otter's grade (0 to 1) of ``source`` for ``question``, hidden tests included."""
    import otter

    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    for name, text in assignment.tests.items():
        (tests / f"{name}.py").write_text(text)
    env = {"np": np, "dl": dreamlib, "expit": expit, "__name__": "__main__"}
    exec(compile(source, f"<{question}>", "exec"), env)
    cwd = os.getcwd()
    os.chdir(tmp_path)  # otter writes its log next to the notebook
    try:
        with np.errstate(all="ignore"):  # a wrong answer may divide by zero: its grade says so
            result = otter.Notebook(tests_dir=str(tests)).check(question, global_env=env)
    finally:
        os.chdir(cwd)
    return result.grade, repr(result)


def _tally(notebook):
    """``(exercises, autograded points, hidden tests, Think! prompts)`` of a marked-up notebook."""
    exercises, points, hidden, think = [], 0, 0, 0
    for cell in nbformat.read(notebook, as_version=4).cells:
        text = cell.source
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            import yaml

            config = yaml.safe_load(text)
            if config.get("manual"):
                think += 1
            else:
                exercises.append(config["name"])
                points += config["points"]
        elif cell.cell_type == "code" and text.startswith('""" # BEGIN TEST CONFIG'):
            hidden += "hidden: true" in text.split("# END TEST CONFIG")[0]
    return ", ".join(f"`{name}`" for name in exercises), points, hidden, think


def test_readme_gives_the_points_of_every_assignment():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)))
            for m in re.finditer(r"^\| `(\d\d_\w+)` \| (.*?) \| (\d+) \| (\d+) \| (\d+) \|", readme, re.M)}
    assert rows == {name: _tally(path) for name, path in zip(NAMES, SOURCES)}


def test_every_question_has_answers_that_must_fail():
    questions = {q for qs in AUTOGRADED.values() for q in qs}
    assert questions == set(ANSWERS), questions ^ set(ANSWERS)
    for question, entry in ANSWERS.items():
        assert entry["wrong"] and entry["reference"], question
        assert question in AUTOGRADED[entry["notebook"]]


@pytest.mark.parametrize("question,kind,label", CASES, ids=[f"{q}-{l}" for q, _, l in CASES])
def test_answer_gets_the_grade_it_deserves(assignments, question, kind, label, tmp_path):
    entry = ANSWERS[question]
    assignment = assignments[entry["notebook"]]
    if kind == "solution":
        source = _solutions(SOURCES[NAMES.index(entry["notebook"])])[question]
        grade, report = _grade(assignment, question, source, tmp_path)
        assert grade == 1, report
    elif kind == "wrong":
        grade, report = _grade(assignment, question, entry["wrong"][label], tmp_path)
        assert grade == 0, f"a wrong answer ({label}) kept points:\n{report}"
    else:
        grade, report = _grade(assignment, question, entry["reference"], tmp_path)
        assert grade == 0, f"an answer calling the dreamlib reference kept points:\n{report}"
        assert "switched off" in report, report
        with _guard_off():
            unguarded, report = _grade(assignment, question, entry["reference"], tmp_path)
        assert unguarded == (1 if entry["reference_is_right"] else 0), report
