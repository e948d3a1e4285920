"""dreamlib: sparse coding and the wake-sleep algorithm, for teaching.

Rebuilds the experiments of "Sparse Coding Dream Machines" (Allen et al.,
2020): LCA sparse coding, a Helmholtz machine trained by wake-sleep, and the
two joined so the machine dreams in sparse codes that decode to images.
"""

from . import (
    course,
    data,
    experiments,
    grading,
    helmholtz,
    io,
    joint,
    lasso,
    masking,
    metrics,
    natural_study,
    paper,
    parts,
    pipeline,
    plotting,
    sparse_coding,
    tuning,
    widgets,
)
from .helmholtz import HelmholtzMachine
from .pipeline import SparseHelmholtz
from .sparse_coding import SparseCoding

__version__ = "0.1.0"

__all__ = [
    "course",
    "data",
    "metrics",
    "plotting",
    "sparse_coding",
    "helmholtz",
    "widgets",
    "SparseCoding",
    "HelmholtzMachine",
    "pipeline",
    "tuning",
    "SparseHelmholtz",
    "experiments",
    "grading",
    "io",
    "joint",
    "lasso",
    "masking",
    "parts",
    "paper",
    "natural_study",
]
