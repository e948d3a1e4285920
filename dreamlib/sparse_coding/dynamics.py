"""The LCA step itself, for a batch of networks at once, and the convergence certificate.

One network per sample (row). Its neurons have potentials ``u``; their
activations are ``a = soft_threshold(u, lam)``; they are driven by how much
of each atom the residual still holds, ``c = b - a @ G``:

    u <- u + step * (b - u - a @ (G - I)) = u + step * (c + a - u).

:class:`Potentials` keeps the buffers of a batch so that a step allocates
nothing, and adds inertia (Nesterov momentum, restarted where the potentials
reverse) when asked. The product with ``G`` is passed in, so the same step
runs on the whole dictionary or on a small working set of atoms per sample.
"""

import numpy as np


class Potentials:
    """Potentials of a batch of LCA networks, with the work buffers of a step.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_neurons)
        Starting potentials (taken over, not copied).
    step : float or ndarray of shape (n_samples, 1)
        Euler step ``dt / tau``, one for all rows or one per row.
    momentum : bool
        Nesterov momentum on the potentials, restarted where they reverse.

    Attributes
    ----------
    A, C : ndarray like ``U``
        After :meth:`step`: the activations at the extrapolated potentials
        and the residual correlations ``B - A @ G`` there, a consistent pair
        for the duality gap.
    """

    def __init__(self, U, step, momentum):
        self.U = U
        self.U_prev = U.copy()
        self.V, self.A, self.C, self.delta, self.T = (np.zeros_like(U) for _ in range(5))
        self.t = np.ones((len(U), 1), dtype=U.dtype)  # Nesterov's momentum counter
        self.step = step if np.ndim(step) else U.dtype.type(step)
        self.momentum = momentum

    def advance(self, B, times_G, lam):
        """One LCA step of every row; ``times_G(A, out)`` writes ``A @ G`` into ``out``."""
        U, V, A, C = self.U, self.V, self.A, self.C
        if self.momentum:  # v = u + beta * (u - u_prev): the potentials keep some velocity
            t_next = 0.5 * (1 + np.sqrt(1 + 4 * self.t * self.t))
            np.subtract(U, self.U_prev, out=self.delta)
            np.multiply(self.delta, (self.t - 1) / t_next, out=V)
            V += U
        else:
            V[...] = U
        np.clip(V, -lam, lam, out=A)  # a = soft_threshold(v, lam)
        np.subtract(V, A, out=A)
        times_G(A, C)  # c = b - a @ G: how much of each atom the residual still holds
        np.subtract(B, C, out=C)
        # u = v + step * (c + a - v), written into the older buffer
        self.U, self.U_prev = self.U_prev, U
        U = self.U
        np.add(C, A, out=U)
        U -= V
        U *= self.step
        U += V
        if self.momentum:  # restart where the potentials reverse (O'Donoghue & Candes 2015)
            np.subtract(U, self.U_prev, out=self.T)
            reverse = np.einsum("ij,ij->i", self.T, self.delta)[:, None] < 0
            self.t = np.where(reverse, U.dtype.type(1), t_next)

    def restart(self, rows, U):
        """Set the potentials of ``rows`` to ``U``, at rest (no velocity)."""
        self.U[rows] = U
        self.U_prev[rows] = U
        self.t[rows] = 1

    def keep(self, mask):
        """Drop the rows where ``mask`` is False."""
        for name in ("U", "U_prev", "V", "A", "C", "delta", "T", "t"):
            setattr(self, name, getattr(self, name)[mask])
        if np.ndim(self.step):
            self.step = self.step[mask]


def duality_gap(A, C, B, xx, lam, eps=0.0):
    """LASSO duality gap and primal objective, per sample, from LCA quantities.

    ``A`` are codes, ``B = X @ D.T`` and ``C = B - A @ G`` the correlations of
    the residual with the atoms; ``xx`` holds ``||x||**2``. A dual-feasible
    point is the residual scaled so that ``|C| <= lam``; everything follows
    from inner products of rows, with no pass over the pixels. The same holds
    for codes that live on a subset of the atoms, with ``B`` and ``C`` taken
    on that subset: then it is the gap of the problem restricted to it.

    Returns
    -------
    gap, primal : ndarray of shape (n_samples,)
    rounding : ndarray of shape (n_samples,)
        Size of the floating-point error of ``gap`` (for machine ``eps``).
    """
    ab = np.einsum("ij,ij->i", A, B, dtype=np.float64)
    ac = np.einsum("ij,ij->i", A, C, dtype=np.float64)
    rr = np.maximum(xx - ab - ac, 0.0)  # ||x - a D||^2
    primal = 0.5 * rr + lam * np.abs(A).sum(axis=1, dtype=np.float64)
    c_max = np.abs(C).max(axis=1).astype(np.float64)
    scale = np.minimum(1.0, lam / np.maximum(c_max, np.finfo(np.float64).tiny))
    # dual objective 0.5||x||^2 - 0.5||x - scale * r||^2, with <x, r> = xx - ab
    dual = scale * (xx - ab) - 0.5 * scale**2 * rr
    rounding = eps * (xx + np.abs(ab) + np.abs(ac))  # size of the cancellation error in rr
    return primal - dual, primal, rounding


def residual_gap(X, D, codes, lam):
    """Duality gap and primal objective per sample, computed afresh from the residual in float64.

    The certificate of :func:`duality_gap` without its shortcuts: ``r = x - a @ D``,
    ``c = r @ D.T``, and the residual scaled so that ``|c| <= lam`` as dual point.
    """
    X, D, codes = (np.asarray(M, dtype=np.float64) for M in (X, D, codes))
    R = X - codes @ D
    c_max = np.abs(R @ D.T).max(axis=1, initial=0.0)
    scale = np.minimum(1.0, lam / np.maximum(c_max, np.finfo(np.float64).tiny))
    rr = np.einsum("ij,ij->i", R, R)
    primal = 0.5 * rr + lam * np.abs(codes).sum(axis=1)
    dual = scale * np.einsum("ij,ij->i", X, R) - 0.5 * scale**2 * rr
    return primal - dual, primal


def relative(gap, primal):
    """``gap / primal``, and 0 where the objective is 0 (a zero signal, solved by zero codes)."""
    return np.divide(gap, primal, out=np.zeros_like(gap), where=primal > 0)
