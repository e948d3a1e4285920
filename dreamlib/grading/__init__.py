"""Graded exercises, checked with Otter-Grader.

Students run, in a notebook (JupyterLab or Colab)::

    grader = dl.grading.grader("01_bars_sanity_check")
    grader.check("lca_step")        # the public tests of one exercise

The public tests ship inside dreamlib, so a student needs only the notebook.
Instructors make the student notebooks and the autograders from the course
notebooks with ``python -m dreamlib.grading build`` (:mod:`dreamlib.grading.build`)
and grade a submission with ``otter run``.

Exercise tests use :func:`forbid` (the dreamlib function that the exercise
re-implements is switched off while the student's function runs) and the
:mod:`~dreamlib.grading.feedback` assertions.
"""

import json
import tempfile
from importlib import resources
from pathlib import Path

from .feedback import call_answer, expect_array, expect_close, expect_function
from .guard import ReferenceCalled, forbid

__all__ = ["grader", "public_tests", "forbid", "ReferenceCalled", "call_answer", "expect_array",
           "expect_close", "expect_function"]

PUBLIC_TESTS = "public_tests.json"


def public_tests():
    """The public test files of every notebook: ``{notebook: {question: source}}``."""
    text = resources.files(__name__).joinpath(PUBLIC_TESTS).read_text(encoding="utf-8")
    return json.loads(text)


def grader(notebook):
    """An Otter-Grader checker for ``notebook`` (its file name without ``.ipynb``).

    ``grader(...).check("question")`` runs that question's public tests against
    the notebook's variables and shows which passed; the hidden tests are run
    only when the instructor grades.

    Parameters
    ----------
    notebook : str
        For example ``"01_bars_sanity_check"``.

    Returns
    -------
    otter.Notebook
    """
    tests = public_tests()
    if notebook not in tests:
        raise ValueError(f"notebook must be one of {sorted(tests)}; got {notebook!r}")
    try:
        import otter
    except ImportError:
        raise ImportError(
            'Checking answers needs Otter-Grader: pip install "otter-grader>=7,<8" '
            '(in Colab the setup cell at the top installs it).') from None
    folder = Path(tempfile.mkdtemp(prefix=f"dreamlib-{notebook}-tests-"))
    for question, source in tests[notebook].items():
        (folder / f"{question}.py").write_text(source, encoding="utf-8")
    return otter.Notebook(tests_dir=str(folder))
