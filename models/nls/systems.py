"""The discrete NLS as a Lie–Poisson system on u(N)*: on a graph and on a periodic grid."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from typing import final

import networkx as nx
import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from liepoisson import LiePoissonSystem, u
from liepoisson import fft
from liepoisson._validation import _describe, as_finite_array, check_int, check_memory, check_real
from liepoisson.exceptions import InvalidArgumentError, NonFiniteError, ShapeError
from liepoisson.grids import PeriodicGrid
from liepoisson.matrix_free import CayleyMaps, FunctionalGradient, Generator
from liepoisson.orbit import PureStateChart

from ._kernels import cayley_soft, frozen_soft

__all__ = ["DENSE_LIMIT", "DENSE_ARRAYS", "NLSSystem", "NLSFunctionalGradient", "GraphNLS", "PeriodicNLS"]

#: Default largest N for the dense u(N)* path (the covector, LiePoissonHJ): O(N^3) per step.
DENSE_LIMIT = 512
#: Complex N x N arrays a step of the dense path holds at once (the covector, the gradient,
#: eigenvectors and the intermediate products of the coadjoint functions): its memory
#: estimate is ``16 * DENSE_ARRAYS * N**2`` bytes.
DENSE_ARRAYS = 8


def _trace_mass(rho: np.ndarray) -> np.ndarray:
    """:math:`\\operatorname{tr}\\rho`, the mass."""
    return np.real(np.trace(rho, axis1=-2, axis2=-1))


def _density(psi: np.ndarray) -> np.ndarray:
    """:math:`|\\psi|^2` entrywise."""
    return (psi * np.conj(psi)).real


def _diagonal(rho: np.ndarray) -> np.ndarray:
    """The real diagonal :math:`\\rho_{jj}`, shape ``(..., n)``."""
    return np.real(np.diagonal(rho, axis1=-2, axis2=-1))


def _dagger(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


class NLSSystem(LiePoissonSystem, ABC):
    """The discrete nonlinear Schrödinger equation on :math:`\\mathfrak u(N)^*` (abstract).

    A state is a wavefunction :math:`\\psi \\in \\mathbb C^N` standing for the pure density
    matrix :math:`\\rho = \\psi\\psi^H` (the default), or, with ``density=True``, any
    density matrix :math:`\\rho` (Hermitian, shape ``(N, N)``). The Hamiltonian on
    :math:`\\mathfrak u(N)^*` and its gradient in :math:`\\mathfrak u(N)` are

    .. math::

        h(\\rho) = \\operatorname{tr}(L\\rho) + \\sum_j W_j\\rho_{jj} + \\frac g2 \\sum_j \\rho_{jj}^2, \\qquad
        \\nabla h(\\rho) = i\\,(L + \\operatorname{diag}(W + g\\,\\operatorname{diag}\\rho)),

    with :math:`L` real symmetric (the kinetic operator of the subclass). The Lie–Poisson
    equation :math:`\\dot\\rho = \\operatorname{ad}^*_{\\nabla h}\\rho = [\\rho, \\nabla h]` is
    :math:`i\\dot\\rho = [L + \\operatorname{diag}(W + g\\operatorname{diag}\\rho), \\rho]`, and on
    pure states :math:`i\\dot\\psi = (L + W + g|\\psi|^2)\\psi`. ``g > 0`` is defocusing, ``g < 0`` focusing.
    The derivatives are exact: :math:`D^2h(\\rho)[v] = i g \\operatorname{diag} v`,
    :math:`D^3h = 0`.

    The Casimirs :math:`\\operatorname{tr}\\rho^k` are ``"mass"`` (:math:`k = 1`,
    :math:`\\sum_j|\\psi_j|^2`) and ``"tr rho^k"`` for :math:`k = 2, \\dots, \\min(N, 4)`; for a
    pure state :math:`\\operatorname{tr}\\rho^k = \\text{mass}^k`. :meth:`invariants` computes
    them from :math:`\\psi` in :math:`O(N)` (from :math:`\\rho` by its eigenvalues).

    The dense path (anything that forms :math:`\\rho` or :math:`\\nabla h` as an
    :math:`N \\times N` matrix, such as :class:`~liepoisson.LiePoissonHJ`) costs
    :math:`O(N^3)` per step and is refused above ``max_dense``; the
    :class:`~liepoisson.LiePoissonSplitting` (on :meth:`split_flows`), :meth:`state_vector_field` (used by RK4 and
    SciPy) and :meth:`invariants` never form it.

    Parameters
    ----------
    n : int
        N, ``>= 1``.
    g : float
        Coupling.
    density : bool
        States are density matrices instead of wavefunctions.
    max_dense : int or None
        Largest N for the dense path (None: :data:`DENSE_LIMIT`).
    name : str
    potential : array_like of shape (N,), optional
        An external potential :math:`W` per site (default 0).

    Subclasses implement :meth:`_dense_kinetic`, :meth:`apply_kinetic` and
    :meth:`propagate_kinetic`.
    """

    def __init__(self, n: int, g: float, density: bool, max_dense: int | None, name: str,
                 potential=None):
        n = check_int("N", n, minimum=1)
        self._g = check_real("g", g)
        W = np.zeros(n) if potential is None else as_finite_array("potential", potential, dtype=float)
        if W.shape != (n,):
            raise ShapeError(f"potential must have shape ({n},) (one value per site), got shape {W.shape}")
        W = np.array(W)
        W.setflags(write=False)
        self._W = W
        self._no_potential = not np.any(W)
        if not isinstance(density, (bool, np.bool_)):
            raise InvalidArgumentError(f"density must be a bool, got {_describe(density)}")
        self._density_states = bool(density)
        self._max_dense = check_int(
            "max_dense", DENSE_LIMIT if max_dense is None else max_dense, minimum=1
        )
        algebra = u(n)
        casimirs = {"mass": _trace_mass}
        casimirs.update({f"tr rho^{k}": algebra.trace_power(k) for k in range(2, min(n, 4) + 1)})
        self._powers = tuple(range(2, min(n, 4) + 1))
        super().__init__(
            algebra,
            self._hamiltonian_rho,
            gradient=self._gradient_rho,
            casimirs=casimirs,
            hessian_vector=self._hessian_vector_rho,
            third_derivative=self._third_derivative_rho,
            name=name,
            chart=None if self._density_states else PureStateChart(algebra),
        )

    # ------------------------------------------------------------ what subclasses give
    @abstractmethod
    def _dense_kinetic(self) -> np.ndarray:
        """The kinetic operator :math:`L` as a dense real symmetric ``(N, N)`` array."""

    @abstractmethod
    def apply_kinetic(self, psi: np.ndarray) -> np.ndarray:
        """:math:`L\\psi` along the last axis.

        Parameters
        ----------
        psi : ndarray of shape (..., N)

        Returns
        -------
        ndarray of shape (..., N)
        """

    @abstractmethod
    def propagate_kinetic(self, psi: np.ndarray, tau: float) -> np.ndarray:
        """:math:`e^{-i\\tau L}\\psi` along the last axis (exact).

        Parameters
        ----------
        psi : ndarray of shape (..., N)
        tau : float

        Returns
        -------
        ndarray of shape (..., N)
        """

    @abstractmethod
    def solve_half_implicit_kinetic(self, psi: np.ndarray, tau: float) -> np.ndarray:
        """:math:`(I + \\tfrac{i\\tau}2 L)^{-1}\\psi` along the last axis (the stiff part of the
        Cayley chart's matrix-free step).

        Parameters
        ----------
        psi : ndarray of shape (..., N)
        tau : float

        Returns
        -------
        ndarray of shape (..., N)
        """

    def _cayley_kinetic(self, psi: np.ndarray, tau: float):
        """The kinetic part of the Cayley step from ``psi`` (one state, shape ``(N,)``): the
        map :math:`v \\mapsto -\\tfrac i2 (I + \\tfrac{i\\tau}2 L)^{-1}(\\tau L\\psi + v)`, free to
        overwrite ``v`` (a temporary of the step), and its value at :math:`v = 0`."""
        stiff_psi = tau * self.apply_kinetic(psi)

        def finish(v):
            v += stiff_psi
            out = self.solve_half_implicit_kinetic(v, tau)
            out *= -0.5j
            return out

        return finish, finish(np.zeros_like(psi))

    # -------------------------------------------------------------------- properties
    @property
    def n(self) -> int:
        """N, the number of sites (grid points or graph nodes)."""
        return self.algebra.n

    @property
    def g(self) -> float:
        """The coupling (> 0 defocusing, < 0 focusing)."""
        return self._g

    @property
    def potential(self) -> np.ndarray:
        """The external potential :math:`W` per site, shape ``(N,)`` (zeros by default)."""
        return self._W

    def site_potential(self, d: np.ndarray) -> np.ndarray:
        """:math:`W + g\\,d` for site densities ``d`` of shape ``(..., N)``: the diagonal of
        :math:`\\nabla h` (over :math:`i`) beside :math:`L`."""
        return self._g * d if self._no_potential else self._W + self._g * d

    def _potential_energy(self, d: np.ndarray) -> np.ndarray:
        """:math:`\\sum_j W_j d_j + \\frac g2 d_j^2`."""
        return np.sum(self._W * d + 0.5 * self._g * d**2, axis=-1)

    @property
    def density(self) -> bool:
        """Whether states are density matrices (``True``) or wavefunctions."""
        return self._density_states

    @property
    def max_dense(self) -> int:
        """Largest N for which the dense u(N)* path is allowed."""
        return self._max_dense

    @functools.cached_property
    def kinetic_matrix(self) -> np.ndarray:
        """:math:`L` as a dense read-only ``(N, N)`` array (only for ``N <= max_dense``).

        Raises
        ------
        InvalidArgumentError
            If ``N > max_dense``.
        """
        self._check_dense()
        L = np.ascontiguousarray(self._dense_kinetic(), dtype=float)
        L.setflags(write=False)
        return L

    @property
    def dense_bytes(self) -> int:
        """Estimated memory of the dense :math:`\\mathfrak u(N)^*` path: the
        :data:`DENSE_ARRAYS` complex :math:`N \\times N` arrays a step holds at once."""
        return DENSE_ARRAYS * 16 * self.n**2

    def _check_dense(self) -> None:
        """Refuse the dense path, before anything of size N^2 is allocated, above
        ``max_dense`` or when its estimated memory exceeds what is available."""
        splitting = ("wavefunction states (density=False), which LiePoissonHJ steps matrix-free "
                     "in O(N) memory, or liepoisson_models.nls.LiePoissonSplitting")
        if self.n > self._max_dense:
            raise InvalidArgumentError(
                f"{type(self).__name__} with N = {self.n} sites is too large for the dense "
                f"u(N)* path (N > max_dense = {self._max_dense}): the covector rho = psi psi^H "
                "and a dense implicit solve cost O(N^3) per step (and about "
                f"{self.dense_bytes:,} bytes). Use {splitting}, or pass a larger max_dense"
            )
        check_memory(f"the dense u(N)* path of {type(self).__name__} with N = {self.n} sites",
                     self.dense_bytes, f". Use {splitting}")

    # ------------------------------------------------------------- the Hamiltonian
    def _hamiltonian_rho(self, rho):
        rho = np.asarray(rho)
        L = self.kinetic_matrix
        kinetic = np.real(np.einsum("ij,...ji->...", L, rho))
        return kinetic + self._potential_energy(_diagonal(rho))

    def _diagonal_matrix(self, d: np.ndarray) -> np.ndarray:
        out = np.zeros(d.shape + (d.shape[-1],), dtype=complex)
        idx = np.arange(d.shape[-1])
        out[..., idx, idx] = d
        return out

    def _gradient_rho(self, rho):
        rho = np.asarray(rho)
        out = np.empty(rho.shape, dtype=complex)
        out[...] = self.kinetic_matrix
        idx = np.arange(self.n)
        out[..., idx, idx] += self.site_potential(_diagonal(rho))
        out *= 1j
        return out

    def _hessian_vector_rho(self, rho, v):
        return self._diagonal_matrix(1j * self._g * _diagonal(np.asarray(v)))

    def _third_derivative_rho(self, rho, u_, v):
        return np.zeros(np.broadcast_shapes(np.shape(rho), np.shape(u_), np.shape(v)), dtype=complex)

    # ------------------------------------------------------------------ the states
    def covector(self, state):
        """:math:`\\rho` (``psi psi^H`` for wavefunctions), shape ``(..., N, N)``.

        Raises
        ------
        InvalidArgumentError
            If ``N > max_dense`` (the message points to the splitting).
        """
        self._check_dense()
        return super().covector(state)

    @property
    def functional_gradient(self):
        """For wavefunctions, the matrix-free form of the generating function
        (:class:`NLSFunctionalGradient`), which :class:`~liepoisson.LiePoissonHJ` steps in
        :math:`O(N)` memory at any N; ``None`` for density matrices."""
        return None if self._density_states else NLSFunctionalGradient(self)

    def _apply_kinetic_left(self, rho: np.ndarray) -> np.ndarray:
        """:math:`L\\rho` (``apply_kinetic`` acts on rows, so act on the transpose)."""
        return np.swapaxes(self.apply_kinetic(np.swapaxes(rho, -1, -2)), -1, -2)

    def state_vector_field(self, state):
        """:math:`\\dot\\psi = -i(L\\psi + g|\\psi|^2\\psi)`, or for density matrices
        :math:`\\dot\\rho = -i[M, \\rho]`, :math:`M = L + g\\operatorname{diag}\\rho`; never
        forms a dense :math:`L` for wavefunctions.

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)

        Returns
        -------
        ndarray of the shape of ``state``
        """
        state = np.asarray(state)
        if not self._density_states:
            return -1j * (self.apply_kinetic(state) + self.site_potential(_density(state)) * state)
        X = self._apply_kinetic_left(state) + self.site_potential(_diagonal(state))[..., :, None] * state
        return -1j * (X - _dagger(X))

    def split_flows(self):
        """The exact flows of the two pieces :math:`h = h_V + h_K`, for
        :class:`~liepoisson.LiePoissonSplitting`: :meth:`potential_flow` (first: the cheap
        one, outermost) and :meth:`kinetic_flow`.

        Returns
        -------
        tuple of 2 callables ``flow(state, tau) -> state``
        """
        return (self.potential_flow, self.kinetic_flow)

    def kinetic_flow(self, state, tau: float):
        """The exact flow of :math:`h_K(\\rho) = \\operatorname{tr}(L\\rho)` over time ``tau``:
        the coadjoint action of :math:`\\exp(i\\tau L)`, :math:`\\psi \\mapsto e^{-i\\tau L}\\psi`
        (:math:`\\rho \\mapsto e^{-i\\tau L}\\rho\\,e^{i\\tau L}`).

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)
        tau : float

        Returns
        -------
        ndarray of the shape of ``state``
        """
        if not self._density_states:
            return self.propagate_kinetic(state, tau)
        left = np.swapaxes(self.propagate_kinetic(np.swapaxes(state, -1, -2), tau), -1, -2)
        return np.conj(self.propagate_kinetic(np.conj(left), tau))

    def potential_flow(self, state, tau: float):
        """The exact flow of :math:`h_V(\\rho) = \\frac g2\\sum_j\\rho_{jj}^2` over time ``tau``.

        Along it :math:`\\operatorname{diag}\\rho` (i.e. :math:`|\\psi|^2`) is constant, so the
        flow is the coadjoint action of :math:`\\exp(i\\tau g\\operatorname{diag}\\rho)`:
        :math:`\\psi_j \\mapsto e^{-i\\tau g|\\psi_j|^2}\\psi_j`
        (:math:`\\rho_{jk} \\mapsto e^{-i\\tau g(\\rho_{jj} - \\rho_{kk})}\\rho_{jk}`).

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)
        tau : float

        Returns
        -------
        ndarray of the shape of ``state``
        """
        # unlike the kinetic phases (the same every step, so that their round-off would add
        # up), these phases change from step to step and their round-off averages out
        c = -1j * tau
        if self._density_states:
            d = self.site_potential(_diagonal(state))
            return state * np.exp(c * (d[..., :, None] - d[..., None, :]))
        return state * np.exp(c * self.site_potential(_density(state)))

    # ------------------------------------------------------------------ invariants
    def energy(self, state) -> np.ndarray:
        """:math:`h(\\rho)` from a wavefunction or a density matrix, without dense :math:`L`
        for wavefunctions.

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)

        Returns
        -------
        ndarray of shape (...)
        """
        state = np.asarray(state)
        if self._density_states:
            kinetic = np.real(np.trace(self._apply_kinetic_left(state), axis1=-2, axis2=-1))
            return kinetic + self._potential_energy(_diagonal(state))
        kinetic = np.real(np.sum(np.conj(state) * self.apply_kinetic(state), axis=-1))
        return kinetic + self._potential_energy(_density(state))

    def invariants(self, state) -> dict[str, np.ndarray]:
        """Energy, mass and :math:`\\operatorname{tr}\\rho^k` (plus what a subclass adds).

        From a wavefunction in :math:`O(N)` beyond one application of :math:`L`
        (:math:`\\operatorname{tr}\\rho^k = \\text{mass}^k`); from a density matrix by its
        eigenvalues.

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)

        Returns
        -------
        dict of str to ndarray of shape (...)
        """
        state = np.asarray(state)
        out = {"energy": self.energy(state)}
        if self._density_states:
            w = np.linalg.eigvalsh(state)
            out["mass"] = np.sum(w, axis=-1)
            for k in self._powers:
                out[f"tr rho^{k}"] = np.sum(w**k, axis=-1)
        else:
            mass = np.sum(_density(state), axis=-1)
            out["mass"] = mass
            for k in self._powers:
                out[f"tr rho^{k}"] = mass**k
        return out


@final
class NLSFunctionalGradient(FunctionalGradient):
    """The NLS generating function through linear functionals of :math:`\\nu` (final).

    Order 2: :math:`\\nabla S = i\\tau(L + g\\operatorname{diag} d)` with
    :math:`d = \\operatorname{diag}\\nu`. Order 4 (the Hamilton–Jacobi series, with
    :math:`D^2h[v] = ig\\operatorname{diag} v` and :math:`D^3h = 0`): the terms of
    :math:`\\nabla S_3` with :math:`D^2h[\\operatorname{ad}^*_w\\nu]` vanish (:math:`w` is
    diagonal), leaving

    .. math::

        \\nabla S = i\\tau(L + g\\operatorname{diag} d) - \\frac{g\\tau^3}{12}[L, \\operatorname{diag} c],
        \\qquad c_j = 2\\operatorname{Im}(L\\nu)_{jj},

    so the functionals are :math:`(d, c)`. The stiff part of the Cayley chart is
    :math:`K_0 = \\tau L`.

    Parameters
    ----------
    system : NLSSystem
    """

    def __init__(self, system: NLSSystem):
        self._system = system

    def _kinetic_columns(self, Y: np.ndarray) -> np.ndarray:
        return self._system.apply_kinetic(Y.T).T

    def functionals(self, Y, E, order):
        if Y.shape[-1] == 1:  # a pure state (the Cayley chart, the predictor)
            d = _density(Y[:, 0])
            if E[0, 0] != 1.0:
                d *= np.real(E[0, 0])
            if order == 2:
                return d
            YE = Y * E[0, 0]
        else:
            YE = Y @ E
            d = np.real(np.sum(YE * np.conj(Y), axis=-1))
        if order == 2:
            return d
        c = 2.0 * np.imag(np.sum((self._kinetic_columns(Y) @ E) * np.conj(Y), axis=-1))
        return np.stack([d, c])

    def generator(self, d, tau, order):
        system = self._system
        L = system.apply_kinetic
        g = system.g
        potential = tau * system.site_potential(d if order == 2 else d[0])

        def soft(v):
            return potential * v

        if order == 2:
            def apply(v):
                return tau * L(v) + potential * v
        else:
            c = d[1]
            factor = 1j * g * tau**3 / 12.0

            def apply(v):
                Lv = L(v)
                return tau * Lv + potential * v + factor * (L(c * v) - c * Lv)

        return Generator(apply, soft, lambda v: system.solve_half_implicit_kinetic(v, tau))

    def cayley_maps(self, psi, tau):
        """The maps and first iterate of
        :meth:`liepoisson.matrix_free.FunctionalGradient.cayley_maps` with
        :math:`K_0 = \\tau L` and :math:`K - K_0 = \\tau(W + g|\\phi|^2)`: the potential term
        in one compiled pass, the kinetic solve on temporaries (the composed maps of the base
        class are the reference: the same values to round-off)."""
        system = self._system
        finish, kinetic = system._cayley_kinetic(psi, tau)
        W, g = system.potential, float(system.g)

        def update(delta):
            return finish(cayley_soft(psi, delta, W, g, tau))

        def frozen(delta):
            potential = tau * system.site_potential(_density(psi + delta))
            return lambda x: finish(frozen_soft(psi, x, potential))

        guess = cayley_soft(psi, np.zeros_like(psi), W, g, tau)
        guess *= -0.5j
        guess += kinetic
        return CayleyMaps(update, frozen, guess)


# ------------------------------------------------------------------------ graphs
def _graph_laplacian(graph, hopping: float):
    if not isinstance(graph, nx.Graph):
        raise InvalidArgumentError(f"graph must be a networkx graph, got {_describe(graph)}")
    if graph.is_directed():
        raise InvalidArgumentError(
            f"graph must be undirected (its Laplacian must be symmetric), got a {type(graph).__name__}"
        )
    if graph.number_of_nodes() == 0:
        raise InvalidArgumentError("graph must have at least one node, got a graph with 0 nodes")
    nodes = list(graph.nodes)
    for a, b, weight in graph.edges(data="weight", default=1.0):
        check_real(f"the weight of graph edge ({a!r}, {b!r})", weight)
    L = nx.laplacian_matrix(graph, nodelist=nodes, weight="weight").astype(float).tocsr()
    if not np.all(np.isfinite(L.data)):
        raise NonFiniteError("graph has non-finite weighted degrees (the edge weights overflow)")
    return nodes, (hopping * L).tocsr()


@final
class GraphNLS(NLSSystem):
    """The discrete NLS on a graph (final).

    .. math::

        i\\dot\\psi_j = \\sum_k L_{jk}\\psi_k + g|\\psi_j|^2\\psi_j, \\qquad
        L = \\text{hopping}\\cdot(D - A),

    the graph Laplacian (:func:`networkx.laplacian_matrix`: edge attribute ``"weight"``,
    default 1; :math:`D` the weighted degrees). Entry :math:`j` of :math:`\\psi` belongs to
    node ``list(graph.nodes)[j]`` (see :attr:`nodes`). The Lie–Poisson structure, the
    Casimirs and the dense limit are those of :class:`NLSSystem`. The exact kinetic flow
    of the splitting uses the eigendecomposition of :math:`L` (computed once, on first use).

    Parameters
    ----------
    graph : networkx.Graph
        Undirected, at least one node; finite edge weights (a copy is kept).
    g : float
        Coupling (> 0 defocusing, < 0 focusing).
    hopping : float
        Factor of the Laplacian.
    density : bool
        States are density matrices of shape ``(N, N)`` instead of wavefunctions.
    max_dense : int, optional
        Largest N for the dense path (default :data:`DENSE_LIMIT`).
    potential : array_like of shape (N,), optional
        External potential :math:`W` per site, added to :math:`g|\\psi|^2` (default 0).

    Raises
    ------
    InvalidArgumentError
        For a graph that is not a networkx graph, is directed or has no nodes, or a bad
        parameter; :class:`~liepoisson.NonFiniteError` for non-finite weights.

    Examples
    --------
    A ring of 6 sites, one unit of mass on the first node; mass and purity stay exact:

    >>> import networkx as nx
    >>> import numpy as np
    >>> from liepoisson import LiePoissonHJ, integrate
    >>> from liepoisson_models.nls import GraphNLS
    >>> nls = GraphNLS(nx.cycle_graph(6), g=-2.0)
    >>> psi0 = np.zeros(6, dtype=complex); psi0[0] = 1.0
    >>> traj = integrate(nls, psi0, dt=0.05, n_steps=100, method=LiePoissonHJ(order=4))
    >>> traj.final.shape
    (6,)
    >>> bool(traj.max_relative_invariant_errors()["mass"] < 1e-14)
    True
    """

    def __init__(self, graph, g: float = -1.0, hopping: float = 1.0, density: bool = False,
                 max_dense: int | None = None, potential=None):
        hopping = check_real("hopping", hopping)
        nodes, L = _graph_laplacian(graph, hopping)
        self._graph = nx.freeze(graph.copy())
        self._nodes = tuple(nodes)
        self._hopping = hopping
        self._laplacian = L
        super().__init__(
            len(nodes), g, density, max_dense, potential=potential,
            name=f"GraphNLS({len(nodes)} nodes, g={check_real('g', g):g}, hopping={hopping:g})",
        )

    @property
    def graph(self):
        """The graph (a frozen copy)."""
        return self._graph

    @property
    def nodes(self) -> tuple:
        """The nodes in the order of the entries of :math:`\\psi`."""
        return self._nodes

    @property
    def hopping(self) -> float:
        return self._hopping

    @property
    def laplacian(self):
        """:math:`L` as a :mod:`scipy.sparse` matrix (a copy)."""
        return self._laplacian.copy()

    def _dense_kinetic(self):
        return self._laplacian.toarray()

    @functools.cached_property
    def _eigen(self) -> tuple[np.ndarray, np.ndarray]:
        lam, V = scipy.linalg.eigh(self._laplacian.toarray())
        return lam, np.ascontiguousarray(V)

    def apply_kinetic(self, psi):
        psi = np.asarray(psi)
        if psi.ndim == 1:
            return self._laplacian @ psi
        flat = psi.reshape(-1, psi.shape[-1])
        return np.asarray((self._laplacian @ flat.T).T).reshape(psi.shape)

    def solve_half_implicit_kinetic(self, psi, tau):
        solve = self._half_implicit_factor(float(tau))
        psi = np.asarray(psi, dtype=complex)
        if psi.ndim == 1:
            return solve(psi)
        flat = psi.reshape(-1, psi.shape[-1])
        return solve(flat.T).T.reshape(psi.shape)

    @functools.lru_cache(maxsize=8)
    def _half_implicit_factor(self, tau: float):
        """The sparse LU solve of :math:`I + \\tfrac{i\\tau}2 L` (cached per step size)."""
        n = self.n
        matrix = scipy.sparse.identity(n, dtype=complex, format="csc") + (0.5j * tau) * self._laplacian.tocsc()
        return scipy.sparse.linalg.factorized(matrix.tocsc())

    def propagate_kinetic(self, psi, tau):
        lam, V = self._eigen
        psi = np.asarray(psi)
        coeff = psi @ V  # (V^T psi) along the last axis; V is real
        return psi + (np.expm1(-1j * tau * lam) * coeff) @ V.T


# ---------------------------------------------------------------- periodic grid
@functools.lru_cache(maxsize=64)
def _half_k2(n_points: int, length: float, dim: int) -> np.ndarray:
    """:math:`|k|^2/2` on the FFT grid, shape ``(n,)`` or ``(n, n)``: the symbol of
    :math:`-\\frac12\\Delta` (:attr:`liepoisson.grids.PeriodicGrid.laplacian_symbol`)."""
    out = -0.5 * PeriodicGrid(n_points, length, dim).laplacian_symbol
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=256)
def _kinetic_changes(n_points: int, length: float, dim: int, tau: float) -> np.ndarray:
    """:math:`e^{-i\\tau|k|^2/2} - 1` on the FFT grid, read-only (cached: one array per
    step size)."""
    out = np.expm1(-1j * tau * _half_k2(n_points, length, dim))
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=256)
def _half_implicit_symbol(n_points: int, length: float, dim: int, tau: float) -> np.ndarray:
    """:math:`1/(1 + i\\tau|k|^2/4)` on the FFT grid, the symbol of
    :math:`(I + \\tfrac{i\\tau}2 L)^{-1}`, read-only (cached: one array per step size)."""
    out = 1.0 / (1.0 + (0.5j * tau) * _half_k2(n_points, length, dim))
    out.setflags(write=False)
    return out


@final
class PeriodicNLS(NLSSystem):
    """The NLS :math:`i\\psi_t = -\\frac12\\Delta\\psi + g|\\psi|^2\\psi` on a periodic grid
    (final).

    :math:`L = -\\frac12\\Delta` is the spectral (Fourier) Laplacian on ``n_points`` points
    per axis of :math:`[-\\ell/2, \\ell/2)` (:attr:`x`); in two dimensions the state is the
    grid function flattened in C order (``psi.reshape(n_points, n_points)[i, j]`` is the
    value at ``(x[i], x[j])``), :math:`N` = ``n_points ** dim``. The state holds the values
    :math:`\\psi(x_j)`, so with ``g = -1`` this is the focusing equation
    :math:`i\\psi_t + \\frac12\\psi_{xx} + |\\psi|^2\\psi = 0` of :mod:`liepoisson_models.nls.exact`.
    Then :math:`h`, the mass and the momentum are the continuum integrals divided by the
    cell volume :attr:`dx` ``** dim`` (use :meth:`integrals` for the continuum values).

    Besides the invariants of :class:`NLSSystem`, :meth:`invariants` reports the momentum
    :math:`\\langle\\psi, -i\\nabla\\psi\\rangle` (``"momentum"``; ``"momentum x"`` and
    ``"momentum y"`` in 2-D), conserved by the continuum equation (the spectral
    discretisation keeps it up to the aliasing of the cubic term).

    Parameters
    ----------
    n_points : int
        Grid points per axis, ``>= 4`` (see :class:`liepoisson.grids.PeriodicGrid`).
    length : float
        Period :math:`\\ell > 0`.
    g : float
        Coupling (> 0 defocusing, < 0 focusing).
    dim : {1, 2}
    density : bool
        States are density matrices of shape ``(N, N)`` instead of wavefunctions.
    max_dense : int, optional
        Largest N for the dense path (default :data:`DENSE_LIMIT`); above it use
        :class:`~liepoisson_models.nls.LiePoissonSplitting`.
    potential : array_like of shape (N,), optional
        External potential :math:`W` per site, added to :math:`g|\\psi|^2` (default 0).

    Examples
    --------
    A bright soliton, advanced by the 4th-order splitting, against the exact solution:

    >>> import numpy as np
    >>> from liepoisson import integrate
    >>> from liepoisson_models.nls import LiePoissonSplitting, PeriodicNLS, bright_soliton
    >>> nls = PeriodicNLS(256, 40.0, g=-1.0)
    >>> psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=0.5)
    >>> traj = integrate(nls, psi0, dt=0.05, n_steps=40, method=LiePoissonSplitting(order=4))
    >>> bool(np.max(np.abs(traj.final - bright_soliton(nls.x, 2.0, a=1.0, c=0.5))) < 1e-6)
    True
    >>> round(float(nls.integrals(psi0)["mass"]), 12)   # 2a / |g|
    2.0
    """

    def __init__(self, n_points: int, length: float, g: float = -1.0, dim: int = 1,
                 density: bool = False, max_dense: int | None = None, potential=None):
        grid = PeriodicGrid(n_points, length, dim)
        self._grid = grid
        n_points, length = grid.n_points, grid.length
        self._n_points, self._length, self._dim = n_points, length, grid.dim
        x = grid.x
        x.setflags(write=False)
        self._x = x
        super().__init__(
            n_points**dim, g, density, max_dense, potential=potential,
            name=f"PeriodicNLS({n_points}{'^2' if dim == 2 else ''} points, length={length:g}, "
            f"g={check_real('g', g):g})",
        )

    @property
    def n_points(self) -> int:
        """Grid points per axis."""
        return self._n_points

    @property
    def length(self) -> float:
        """The period :math:`\\ell`."""
        return self._length

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def x(self) -> np.ndarray:
        """Grid coordinates along one axis, shape ``(n_points,)``, on
        :math:`[-\\ell/2, \\ell/2)`."""
        return self._x

    @property
    def dx(self) -> float:
        """Grid spacing :math:`\\ell/n`."""
        return self._length / self._n_points

    @property
    def points(self) -> np.ndarray:
        """All grid points in the order of the state, shape ``(N, dim)``."""
        axes = np.meshgrid(*([self._x] * self._dim), indexing="ij")
        return np.stack([a.ravel() for a in axes], axis=-1)

    @property
    def grid(self) -> PeriodicGrid:
        """The periodic grid (:class:`liepoisson.grids.PeriodicGrid`)."""
        return self._grid

    @property
    def wavenumbers(self) -> np.ndarray:
        """FFT wavenumbers along one axis, shape ``(n_points,)``."""
        return self._grid.wavenumbers

    def _dense_kinetic(self):
        half_k2 = _half_k2(self._n_points, self._length, 1)
        column = np.real(np.fft.ifft(half_k2))  # first column of the circulant -Delta/2
        L1 = scipy.linalg.circulant(column)
        L1 = 0.5 * (L1 + L1.T)
        if self._dim == 1:
            return L1
        eye = np.eye(self._n_points)
        return np.kron(L1, eye) + np.kron(eye, L1)

    def _grid_shape(self, psi: np.ndarray) -> tuple:
        return psi.shape[:-1] + (self._n_points,) * self._dim

    @property
    def _fft_axes(self) -> tuple:
        """The grid's axes of :meth:`_grid_shape` (the last ``dim``)."""
        return tuple(range(-self._dim, 0))

    def apply_kinetic(self, psi):
        return self._fourier_multiply(psi, _half_k2(self._n_points, self._length, self._dim))

    def solve_half_implicit_kinetic(self, psi, tau):
        return self._fourier_multiply(psi, _half_implicit_symbol(self._n_points, self._length, self._dim, tau))

    def _cayley_kinetic(self, psi, tau):
        # all in Fourier space: tau L psi enters as its transform, no transform back
        symbol = -0.5j * _half_implicit_symbol(self._n_points, self._length, self._dim, tau)
        shape, axes = self._grid_shape(psi), self._fft_axes
        stiff = fft.fftn(psi.reshape(shape), axes)
        stiff *= tau * _half_k2(self._n_points, self._length, self._dim)
        stiff *= symbol

        def finish(v):
            return fft.fourier_multiply(v.reshape(shape), symbol, axes, add=stiff).reshape(v.shape)

        return finish, fft.ifftn(stiff, axes).reshape(psi.shape)

    def _fourier_multiply(self, psi, symbol):
        """:math:`F^{-1}(\\text{symbol}\\cdot F\\psi)` on the grid (the last ``dim`` axes of
        the grid's shape; :mod:`liepoisson.fft`)."""
        psi = np.asarray(psi)
        grid = psi.reshape(self._grid_shape(psi))
        return fft.fourier_multiply(grid, symbol, self._fft_axes).reshape(psi.shape)

    def propagate_kinetic(self, psi, tau):
        # psi + F^-1 (e^{-i tau k^2/2} - 1) F psi: the round-off scales with the change, so
        # the mass drifts far less over many steps than with F^-1 e^{-i tau k^2/2} F psi
        out = self._fourier_multiply(psi, _kinetic_changes(self._n_points, self._length, self._dim, tau))
        out += psi
        return out

    def _momenta(self, state: np.ndarray) -> list[np.ndarray]:
        """:math:`\\langle\\psi, -i\\partial_a\\psi\\rangle` (:math:`\\operatorname{tr}(P_a\\rho)`)
        per axis, in grid normalisation."""
        k = self.wavenumbers
        n, N = self._n_points, self.n
        if not self._density_states:
            power = _density(fft.fftn(state.reshape(self._grid_shape(state)), self._fft_axes)) / N
            if self._dim == 1:
                return [power @ k]
            return [np.sum(power * k[:, None], axis=(-2, -1)), np.sum(power * k[None, :], axis=(-2, -1))]
        # diag of F rho F^H / N: transform the rows, then the columns
        hat = fft.fftn(np.conj(fft.fftn(np.conj(state), (-1,))), (-2,))
        if self._dim == 1:
            power = np.real(np.diagonal(hat, axis1=-2, axis2=-1)) / N
            return [power @ k]
        # 2-D: transform each index (a pair of grid axes) with fft2
        shape = state.shape[:-2] + (n, n, n, n)
        grid = state.reshape(shape)
        hat = fft.fftn(np.conj(fft.fftn(np.conj(grid), (-2, -1))), (-4, -3))
        power = np.real(np.diagonal(hat.reshape(state.shape), axis1=-2, axis2=-1)) / N
        power = power.reshape(power.shape[:-1] + (n, n))
        return [np.sum(power * k[:, None], axis=(-2, -1)), np.sum(power * k[None, :], axis=(-2, -1))]

    def invariants(self, state) -> dict[str, np.ndarray]:
        """Energy, mass, :math:`\\operatorname{tr}\\rho^k` and momentum (grid normalisation).

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)

        Returns
        -------
        dict of str to ndarray of shape (...)
        """
        state = np.asarray(state)
        out = super().invariants(state)
        momenta = self._momenta(state)
        if self._dim == 1:
            out["momentum"] = momenta[0]
        else:
            out["momentum x"], out["momentum y"] = momenta
        return out

    def integrals(self, state) -> dict[str, np.ndarray]:
        """The continuum energy, mass and momentum: :meth:`invariants` times the cell volume
        :math:`dx^{\\,\\dim}` (so that, e.g., ``"mass"`` is :math:`\\int|\\psi|^2`).

        Parameters
        ----------
        state : ndarray of shape (..., N) or (..., N, N)

        Returns
        -------
        dict of str to ndarray of shape (...)
            ``"energy"``, ``"mass"`` and the momentum entries.
        """
        cell = self.dx**self._dim
        values = self.invariants(state)
        return {k: v * cell for k, v in values.items() if not k.startswith("tr rho")}
