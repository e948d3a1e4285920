"""The sparse-coding Helmholtz machine: a Helmholtz machine that dreams in sparse codes.

The paper's model integration (§2.3) in three steps:

1. **encode**: an image ``x`` becomes sparse codes ``a`` (LCA on a
   dictionary ``D``, usually learned from natural images);
2. **dream**: a Helmholtz machine is trained by wake-sleep on the codes, and
   dreams new codes;
3. **decode**: dreamed codes become images again, ``x = a @ D``.

Between steps 1 and 2 there is a gap the paper passed over: LCA codes are
signed and unbounded, while a Helmholtz machine's visible units live in
[0, 1]. An explicit, exactly invertible map bridges it
(:mod:`~dreamlib.pipeline.code_map`). The machine's visible units decide whether dreams are sparse: Beta units
never output exactly 0, so every decoded Beta dream mixes every atom;
spike-and-slab units (the default) are exactly 0 unless a gate opens, so
dreams are as sparse as real codes.

* :mod:`~dreamlib.pipeline.code_map` — the map, :class:`CodeUnitMap`;
* :mod:`~dreamlib.pipeline.sparse_helmholtz` — :class:`SparseHelmholtz`.
"""

from . import code_map
from .code_map import (
    DEFAULT_MAX_UNIT,
    CodeUnitMap,
    code_scales,
    codes_to_units,
    expected_codes,
    units_to_codes,
)
from .sparse_helmholtz import SparseHelmholtz, default_machine

__all__ = ["SparseHelmholtz", "default_machine", *code_map.__all__]
