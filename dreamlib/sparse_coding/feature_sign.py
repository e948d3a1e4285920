"""The LCA's fixed point found directly: a compiled feature-sign search, one sample at a time.

The LCA settles where every active neuron ``i`` satisfies
``G[S, S] @ a_S = b_S - lam * sign(a_S)`` (``S`` the active set) and every
silent one is below threshold, ``|c_j| <= lam`` for ``c = b - a @ G``. That is
the LASSO solution, and once ``S`` and the signs are known it is one linear
solve. Lee, Battle, Raina & Ng's *feature-sign search* (2007) finds them:

1. add to ``S`` the silent neurons the residual drives hardest
   (``|c_j| > lam``), with the sign of their drive;
2. solve for the fixed point on ``S`` with those signs;
3. if a code would change sign on the way there, stop where it reaches zero
   (the objective only falls along the segment), drop it and solve again;
4. when the solve keeps every sign, compute ``c`` over all neurons: the
   duality gap certifies the codes, or names the neurons to add next.

Each sample keeps a Cholesky factor of ``G[S, S]`` that grows by one row
per added neuron and shrinks by a rank-one update per dropped one, so a
search costs about one factorisation of its final support plus a product
with ``G`` per round. Rows are independent and run in compiled code (numba).
"""

import numpy as np
from numba import njit

# exact IEEE semantics for NaN and infinity; reordering and fused multiply-adds allowed
_FAST = {"nsz", "arcp", "contract", "reassoc"}
_PIVOT = 1e-10  # an atom this close to the span of the active ones is not added
CERTIFIED, MAX_ITER, PRECISION, DEPENDENT = 0, 1, 2, 3  # status of each row

_FIRST_ADD = 16  # neurons added in the first round; doubled after a clean round, halved after
# one in which a neuron just added came out with the wrong sign


@njit(cache=True, fastmath=_FAST)
def _gap(b, c, S, aS, s, xx, lam):
    """Duality gap and primal objective of codes ``aS`` on atoms ``S[:s]`` (see :func:`dynamics.duality_gap`)."""
    ab = 0.0
    ac = 0.0
    l1 = 0.0
    for q in range(s):
        ab += aS[q] * b[S[q]]
        ac += aS[q] * c[S[q]]
        l1 += abs(aS[q])
    c_max = 0.0
    for j in range(c.shape[0]):
        c_max = max(c_max, abs(c[j]))
    rr = max(xx - ab - ac, 0.0)
    primal = 0.5 * rr + lam * l1
    scale = 1.0 if c_max <= lam else lam / c_max
    dual = scale * (xx - ab) - 0.5 * scale * scale * rr
    return primal - dual, primal


@njit(cache=True, fastmath=_FAST)
def _correlations(c, b, G, S, aS, s):
    """``c = b - a @ G`` for codes ``aS`` on atoms ``S[:s]``."""
    k = c.shape[0]
    for j in range(k):
        c[j] = b[j]
    for q in range(s):
        v, atom = aS[q], S[q]
        for j in range(k):
            c[j] -= v * G[atom, j]


@njit(cache=True, fastmath=_FAST)
def _append(L, G, S, s, j):
    """Grow the Cholesky factor ``L`` of ``G[S, S]`` by atom ``j``; False if it is dependent."""
    for r in range(s):
        v = G[S[r], j]
        for m in range(r):
            v -= L[r, m] * L[s, m]
        L[s, r] = v / L[r, r]
    d = G[j, j]
    for m in range(s):
        d -= L[s, m] * L[s, m]
    if d <= _PIVOT * G[j, j]:
        return False
    L[s, s] = np.sqrt(d)
    return True


@njit(cache=True, fastmath=_FAST)
def _remove(L, s, q, cos, sin):
    """Drop row and column ``q`` of the ``s``-by-``s`` Cholesky factor ``L`` (a rank-one update).

    The rows below ``q`` lose their entry in column ``q``; the block they leave,
    ``L22``, becomes the factor of ``L22 L22' + x x'`` (``x`` that lost column)
    by Givens rotations, applied row by row so that ``L`` is read along its rows.
    """
    for r in range(q + 1, s):
        x = L[r, q]
        for t in range(q + 1, r):  # the rotations found on the rows above
            new = (L[r, t] + sin[t] * x) / cos[t]
            x = cos[t] * x - sin[t] * new
            L[r, t] = new
        diag = L[r, r]
        rad = np.sqrt(diag * diag + x * x)
        cos[r], sin[r] = rad / diag, x / diag
        L[r, r] = rad
    for r in range(q + 1, s):  # close the gap: row r becomes row r - 1, column q goes
        for m in range(q):
            L[r - 1, m] = L[r, m]
        for m in range(q + 1, r + 1):
            L[r - 1, m - 1] = L[r, m]


@njit(cache=True, fastmath=_FAST)
def _solve(L, s, rhs, y):
    """``y = (L L')^-1 rhs`` for the first ``s`` rows."""
    for r in range(s):
        v = rhs[r]
        for m in range(r):
            v -= L[r, m] * y[m]
        y[r] = v / L[r, r]
    for r in range(s - 1, -1, -1):  # L' y = z, reading L along its rows
        y[r] /= L[r, r]
        v = y[r]
        for m in range(r):
            y[m] -= L[r, m] * v


@njit(cache=True)
def _drop(S, aS, p, s, q, in_S):
    """Remove entry ``q`` from the support arrays; returns the new size."""
    in_S[S[q]] = False
    for r in range(q, s - 1):
        S[r] = S[r + 1]
        aS[r] = aS[r + 1]
        p[r] = p[r + 1]
    return s - 1


@njit(cache=True)
def _violators(c, in_S, lam, n_add, out, score):
    """Up to ``n_add`` silent atoms with the largest ``|c_j| > lam``, written to ``out``; their count.

    The largest are found by a quickselect (in no particular order among themselves).
    """
    count = 0
    for j in range(c.shape[0]):
        if not in_S[j] and abs(c[j]) > lam:
            out[count], score[count] = j, abs(c[j])
            count += 1
    if count <= n_add:
        return count
    lo, hi = 0, count - 1
    while lo < hi:  # until out[:n_add] hold the n_add largest scores
        pivot = score[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while score[i] > pivot:
                i += 1
            while score[j] < pivot:
                j -= 1
            if i <= j:
                score[i], score[j] = score[j], score[i]
                out[i], out[j] = out[j], out[i]
                i += 1
                j -= 1
        if n_add - 1 <= j:
            hi = j
        elif n_add - 1 >= i:
            lo = i
        else:
            break
    return n_add


@njit(cache=True)
def search_rows(B, G, A, xx, lam, tol, max_iter, relative_gap, n_rounds, status):
    """Feature-sign search for every row of ``A`` (in place), from its current codes.

    ``B = X @ D.T``, ``G = D @ D.T``, ``xx`` the squared norms of the signals,
    all float64. Writes each row's relative duality gap, number of rounds and
    status (``CERTIFIED``, ``MAX_ITER``, ``PRECISION``: optimal on its support
    but not certifiable in float64, ``DEPENDENT``: the neuron to add next is a
    combination of the active ones).
    """
    n, k = B.shape
    c = np.empty(k)
    S = np.empty(k, np.int64)
    aS = np.empty(k)
    p = np.empty(k)
    y = np.empty(k)
    rhs = np.empty(k)
    cos = np.empty(k)
    cross = np.empty(k)
    sin = np.empty(k)
    new = np.empty(k, np.int64)
    score = np.empty(k)
    in_S = np.zeros(k, np.bool_)
    L = np.empty((k, k))
    for i in range(n):
        a, b = A[i], B[i]
        for j in range(k):
            in_S[j] = False
        s = 0
        st = MAX_ITER
        gap, primal = np.inf, 1.0
        for j in range(k):  # a warm start: its support, factorised
            if a[j] != 0 and _append(L, G, S, s, j):
                S[s], aS[s], p[s] = j, a[j], 1.0 if a[j] > 0 else -1.0
                in_S[j] = True
                s += 1
        n_add = _FIRST_ADD
        rounds = 0
        clean = True
        while True:
            # from a warm start, or after a round: the solve on S with signs p, descending
            for _ in range(2 * k + 2):
                for r in range(s):
                    rhs[r] = b[S[r]] - lam * p[r]
                _solve(L, s, rhs, y)
                t_min = np.inf
                for r in range(s):
                    cross[r] = np.inf
                    if y[r] * p[r] <= 0:  # this code would cross zero on the way
                        cross[r] = aS[r] / (aS[r] - y[r]) if aS[r] != y[r] else 0.0
                        t_min = min(t_min, cross[r])
                if t_min == np.inf:  # every sign held: the optimum on S
                    for r in range(s):
                        aS[r] = y[r]
                    break
                for r in range(s):
                    aS[r] += t_min * (y[r] - aS[r])
                for r in range(s - 1, -1, -1):  # from the end: removing shifts what follows
                    if cross[r] == t_min:
                        clean = clean and t_min > 0  # t = 0: a neuron just added, wrong sign
                        _remove(L, s, r, cos, sin)
                        s = _drop(S, aS, p, s, r, in_S)
            _correlations(c, b, G, S, aS, s)
            gap, primal = _gap(b, c, S, aS, s, xx[i], lam)
            if gap <= tol * primal:
                st = CERTIFIED
                break
            if rounds == max_iter:
                break
            if rounds > 0:
                n_add = 2 * n_add if clean else max(1, n_add // 2)
            rounds += 1
            clean = True
            count = _violators(c, in_S, lam, n_add, new, score)
            if count == 0:
                st = PRECISION
                break
            added = 0
            for r in range(count):
                j = new[r]
                if _append(L, G, S, s, j):
                    S[s], aS[s], p[s] = j, 0.0, 1.0 if c[j] > 0 else -1.0
                    in_S[j] = True
                    s += 1
                    added += 1
            if added == 0:
                st = DEPENDENT
                break
        for j in range(k):
            a[j] = 0.0
        for r in range(s):
            a[S[r]] = aS[r]
        relative_gap[i] = gap / primal if primal > 0 else 0.0
        n_rounds[i] = rounds
        status[i] = st
