"""Repository-wide pytest hooks: the figures of every notebook are counted in the nbval run.

nbval executes each notebook's cells. The tests set ``MPLBACKEND=Agg``, but
``dl.course.setup_notebook()`` (cell 1 of every notebook) switches a kernel to the inline
backend, so every figure arrives as an ``image/png`` output, as it does for a student.
After a notebook's last cell one more test item, ``<notebook>.ipynb::figures``, checks that

- the notebook drew exactly the images and animations listed in :data:`EXPECTED_FIGURES`
  (so removing a figure, or a figure silently vanishing, fails the run), and
- every cell that plots (``plt.show()``, ``dl.widgets.explore(...)``,
  ``dl.plotting.animation(...)``) produced at least one of them.

It costs no second execution of the notebooks. The item is added only when all of a
notebook's cells are selected (it has nothing to count otherwise).
"""

import re
from pathlib import Path

import pytest

#: nbval runs the course notebooks (the instructor versions) only. The student versions in
#: notebooks/student/ are generated from them (``python -m dreamlib.grading build``) and are run,
#: unanswered, by tests/test_assignments.py through Otter-Grader. (This lives here, not in a
#: notebooks/conftest.py: a second module named ``conftest`` next to tests/conftest.py breaks
#: ``--doctest-modules`` collection.)
collect_ignore = ["notebooks/student"]

#: Images (``image/png`` outputs) and ``to_jshtml`` animations each notebook draws in a quick-mode
#: run. Change a number only together with the figure it counts.
EXPECTED_FIGURES = {
    "01_bars_sanity_check": {"images": 7, "animations": 0},
    "02_natural_image_dictionary": {"images": 8, "animations": 0},
    "03_helmholtz_mnist": {"images": 8, "animations": 1},
    "04_integrated_pipeline": {"images": 8, "animations": 1},
    "05_metrics_comparison": {"images": 7, "animations": 0},
    "06_neuron_isolation": {"images": 9, "animations": 0},
    "07_foveated_masking": {"images": 8, "animations": 0},
    "08_joint_learning": {"images": 8, "animations": 0},
}

#: Source that marks a cell as one that must draw something.
PLOTTING_CELL = re.compile(r"plt\.show\(|widgets\.explore\(|plotting\.animation\(")


def count_figures(outputs):
    """Images and animations among a cell's outputs (nbformat output dicts)."""
    images = animations = 0
    for output in outputs or []:
        data = output.get("data", {})
        images += "image/png" in data
        animations += 'class="animation"' in data.get("text/html", "")
    return {"images": images, "animations": animations}


class FigureCountError(Exception):
    pass


class NotebookFigures(pytest.Item):
    """Counts the figures that the already-run cells of one notebook produced."""

    def __init__(self, *, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = cells

    def runtest(self):
        stem = Path(self.parent.path).stem
        not_run = [cell.name for cell in self.cells if cell.test_outputs is None]
        if not_run:
            raise FigureCountError(f"{stem}: cells not run, nothing to count: {not_run}")
        per_cell = [count_figures(cell.test_outputs) for cell in self.cells]
        found = {kind: sum(c[kind] for c in per_cell) for kind in ("images", "animations")}
        problems = [
            f"{cell.name} plots but produced no image or animation:\n    "
            + cell.cell.source.strip().splitlines()[0]
            for cell, counts in zip(self.cells, per_cell)
            if PLOTTING_CELL.search(cell.cell.source) and not any(counts.values())
        ]
        expected = EXPECTED_FIGURES.get(stem)
        if expected is None:
            problems.insert(0, f"{stem} is not in EXPECTED_FIGURES (conftest.py); it drew {found}.")
        elif found != expected:
            problems.insert(0, f"{stem} drew {found}, EXPECTED_FIGURES says {expected}.")
        if problems:
            raise FigureCountError("\n".join(problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, FigureCountError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{Path(self.path).name}::figures"


def _is_notebook_cell(item):
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "test_outputs")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """After deselection: a figure count after the last cell of every fully selected notebook."""
    cells_of = {}
    for item in items:
        if _is_notebook_cell(item):
            cells_of.setdefault(item.parent, []).append(item)
    for notebook, cells in cells_of.items():
        n_code = sum(cell.cell_type == "code" for cell in notebook.nb.cells)
        if len(cells) == n_code:
            figures = NotebookFigures.from_parent(notebook, name="figures", cells=cells)
            items.insert(items.index(cells[-1]) + 1, figures)
