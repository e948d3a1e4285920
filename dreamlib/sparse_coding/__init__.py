"""Sparse coding: LASSO codes by the Locally Competitive Algorithm, and dictionary learning.

The codes ``a`` of a signal ``x`` under a dictionary ``D`` (one unit-norm atom
per row) minimise ``E(a) = 0.5 * ||x - a @ D||**2 + lam * ||a||_1``.

- :mod:`~dreamlib.sparse_coding.lasso`: the objective and what every solver shares;
- :mod:`~dreamlib.sparse_coding.lca`: the LCA (the paper's ``calcLCA``): its fixed point, and its dynamics;
- :mod:`~dreamlib.sparse_coding.feature_sign`: the fixed point found directly (compiled feature-sign search);
- :mod:`~dreamlib.sparse_coding.dynamics`: one LCA step for a batch, and the duality gap that certifies it;
- :mod:`~dreamlib.sparse_coding.active_set`: the jump to the fixed point on a set of active neurons;
- :mod:`~dreamlib.sparse_coding.working_set`: the LCA on each sample's few candidate neurons;
- :mod:`~dreamlib.sparse_coding.dictionary`: dictionary learning (the paper's ``calcPhi``);
- :mod:`~dreamlib.sparse_coding.estimator`: :class:`SparseCoding`, in scikit-learn style.
"""

from .active_set import solve_on_active_set
from .dictionary import dictionary_update, learn_dictionary
from .estimator import SparseCoding
from .lasso import default_step, largest_eigenvalue, lasso_objective, normalize_rows, soft_threshold
from .lca import lca, lca_dynamics
from .working_set import solve_on_working_sets

__all__ = [
    "lca",
    "solve_on_active_set",
    "solve_on_working_sets",
    "lca_dynamics",
    "learn_dictionary",
    "dictionary_update",
    "lasso_objective",
    "soft_threshold",
    "normalize_rows",
    "default_step",
    "largest_eigenvalue",
    "SparseCoding",
]
