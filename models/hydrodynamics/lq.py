"""The linear–quadratic Gaussian case: every representation in closed form.

Gaussian data :math:`\\rho_0 = N(m_0, \\operatorname{diag} s_0)`, running cost
:math:`V = \\frac q2|x|^2`, terminal cost :math:`\\Phi = \\frac p2|x - x^*|^2` and
:math:`F = -\\kappa\\frac{\\sigma^4}{4}I(\\rho)`. Every axis is independent; on each the value
function stays quadratic and the density Gaussian,

.. math::

    \\varphi = -\\tfrac12 a(t)\\,x^2 + b(t)\\,x + c(t), \\qquad
    \\rho = N(\\mu(t), s(t)), \\qquad u = \\nabla\\varphi = -a x + b,

and the optimality system becomes (the Bohm potential of a Gaussian is
:math:`(x - \\mu)^2/(4s^2) - 1/(2s)`)

.. math::

    a' = a^2 - q - \\frac{\\kappa\\sigma^4}{2s^2}, \\quad
    b' = ab - \\frac{\\kappa\\sigma^4\\mu}{2s^2}, \\quad
    c' = \\frac{\\sigma^2 a - b^2}{2} + \\kappa\\sigma^4\\Big(\\frac{\\mu^2}{4s^2} - \\frac1{2s}\\Big),
    \\quad \\mu' = -a\\mu + b, \\quad s' = -2as + \\sigma^2,

with :math:`a(T) = p`, :math:`b(T) = p x^*`, :math:`c(T) = -\\frac p2 x^{*2}`,
:math:`\\mu(0) = m_0`, :math:`s(0) = s_0`.

*Without the Fisher term* (:math:`\\kappa = 0`) it is solved in closed form: with
:math:`\\tau = T - t`, :math:`\\omega = \\sqrt{|q|}` and
:math:`Y = \\cosh\\omega\\tau + \\frac p\\omega\\sinh\\omega\\tau`,
:math:`Z = \\frac1\\omega\\sinh\\omega\\tau` (:math:`\\cos`, :math:`\\sin` for :math:`q < 0`;
:math:`Y = 1 + p\\tau`, :math:`Z = \\tau` for :math:`q = 0`), both solutions of
:math:`y'' = q y`,

.. math::

    a = -\\frac{Y'}{Y}, \\quad b = \\frac{p x^*}{Y}, \\quad
    c = -\\frac p2 x^{*2} - \\frac{\\sigma^2}2\\log Y + \\frac{p^2x^{*2}}2\\frac ZY,

    \\mu = Y\\Big(\\frac{m_0}{Y_0} + p x^*\\Big(\\frac{Z_0}{Y_0} - \\frac ZY\\Big)\\Big), \\quad
    s = Y^2\\Big(\\frac{s_0}{Y_0^2} + \\sigma^2\\Big(\\frac{Z_0}{Y_0} - \\frac ZY\\Big)\\Big),

(from :math:`(Z/Y)' = -1/Y^2`). *With it* the two-point problem is solved by shooting on
:math:`(a(0), b(0))` (DOP853 at relative tolerance 1e-13, Newton–Powell on the terminal
conditions); the fields are Gaussian wave packets of the linear Schrödinger equation with
:math:`W = -V`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import final

import numpy as np
import scipy.integrate
import scipy.optimize
import scipy.special

from liepoisson._validation import _describe, as_finite_array, check_real
from liepoisson.exceptions import ConvergenceError, InvalidArgumentError, ShapeError

from .control import MeanFieldControl
from .grid import PeriodicGrid, check_sigma, normalize_density

__all__ = ["LinearQuadratic"]

_RTOL, _ATOL = 1e-13, 1e-15


def _axis_vector(name: str, value, dim: int | None) -> np.ndarray:
    arr = np.atleast_1d(as_finite_array(name, value, dtype=float))
    if arr.ndim != 1 or (dim is not None and arr.size not in (1, dim)):
        raise ShapeError(f"{name} must be a scalar or have shape ({dim},), got shape {arr.shape}")
    return arr


@final
@dataclass(frozen=True, eq=False)
class LinearQuadratic:
    """The linear–quadratic Gaussian control problem and its exact solution (final).

    Parameters
    ----------
    sigma : float
        Noise, > 0 (:math:`\\hbar = \\sigma^2`).
    horizon : float
        :math:`T > 0`.
    mean0 : array_like of shape (dim,)
        :math:`m_0`; its length fixes the dimension (1 or 2).
    var0 : float or array_like of shape (dim,)
        :math:`s_0 > 0` per axis.
    q : float
        Running cost :math:`V = \\frac q2|x|^2`.
    p : float
        Terminal cost :math:`\\Phi = \\frac p2|x - x^*|^2`, :math:`p \\ge 0`.
    target : float or array_like of shape (dim,)
        :math:`x^*`.
    fisher : float
        :math:`\\kappa \\ge 0`; :math:`\\kappa = 1` is the NLS case.

    Raises
    ------
    InvalidArgumentError
        For ``sigma <= 0``, ``horizon <= 0``, ``var0 <= 0``, ``p < 0``, ``fisher < 0``, a
        horizon beyond a conjugate point (no optimal control), or a shooting that fails.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import LinearQuadratic
    >>> lq = LinearQuadratic(sigma=1.0, horizon=1.0, mean0=[0.0], var0=0.5, q=0.0, p=1.0, target=1.0)
    >>> c = lq.coefficients([0.0, 1.0])
    >>> c["a"][:, 0].round(6)            # a = p / (1 + p (T - t))
    array([0.5, 1. ])
    >>> bool(np.allclose(c["mean"][-1], 0.5))   # half way to the target
    True
    """

    sigma: float
    horizon: float
    mean0: np.ndarray
    var0: np.ndarray = 1.0
    q: float = 0.0
    p: float = 1.0
    target: np.ndarray = 0.0
    fisher: float = 0.0
    _shoot: tuple = field(init=False, repr=False, default=())

    def __post_init__(self):
        object.__setattr__(self, "sigma", check_sigma(self.sigma))
        object.__setattr__(self, "horizon", check_real("horizon", self.horizon, positive=True))
        mean0 = _axis_vector("mean0", self.mean0, None)
        if mean0.size not in (1, 2):
            raise ShapeError(f"mean0 must have 1 or 2 entries (the dimension), got {mean0.size}")
        dim = mean0.size
        var0 = np.broadcast_to(_axis_vector("var0", self.var0, dim), (dim,)).copy()
        if np.any(var0 <= 0):
            raise InvalidArgumentError(f"var0 must be > 0, got {_describe(var0.tolist())}")
        target = np.broadcast_to(_axis_vector("target", self.target, dim), (dim,)).copy()
        for name, value in (("mean0", mean0), ("var0", var0), ("target", target)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "q", check_real("q", self.q))
        p = check_real("p", self.p)
        if p < 0:
            raise InvalidArgumentError(f"p must be >= 0, got {p}")
        object.__setattr__(self, "p", p)
        kappa = check_real("fisher", self.fisher)
        if kappa < 0:
            raise InvalidArgumentError(f"fisher must be >= 0, got {kappa}")
        object.__setattr__(self, "fisher", kappa)
        if self.q < 0:
            tau = np.linspace(0.0, self.horizon, 2001)
            if np.min(self._Y(tau)[0]) <= 0:
                raise InvalidArgumentError(
                    f"q={self.q:g}, p={p:g}: the horizon {self.horizon:g} passes a conjugate point "
                    "(the Riccati solution blows up, no optimal control); shorten it"
                )
        if kappa:
            object.__setattr__(self, "_shoot", tuple(self._shoot_axis(k) for k in range(dim)))

    # ------------------------------------------------------------------ closed form
    @property
    def dim(self) -> int:
        return self.mean0.size

    @property
    def hbar(self) -> float:
        """:math:`\\hbar = \\sigma^2`."""
        return self.sigma**2

    def _Y(self, tau):
        """:math:`Y, dY/dt, Z` at :math:`\\tau = T - t`."""
        q, p = self.q, self.p
        tau = np.asarray(tau, dtype=float)
        if q > 0:
            w = np.sqrt(q)
            ch, sh = np.cosh(w * tau), np.sinh(w * tau)
            return ch + p * sh / w, -(w * sh + p * ch), sh / w
        if q < 0:
            w = np.sqrt(-q)
            co, si = np.cos(w * tau), np.sin(w * tau)
            return co + p * si / w, w * si - p * co, si / w
        return 1.0 + p * tau, -p + 0.0 * tau, tau

    def _closed_form(self, t):
        Y, dY, Z = self._Y(self.horizon - t)
        Y0, _, Z0 = self._Y(np.array(self.horizon))
        s2, p = self.sigma**2, self.p
        xs = self.target[None, :]
        a = (-dY / Y)[:, None] * np.ones((1, self.dim))
        b = p * xs / Y[:, None]
        c = -0.5 * p * xs**2 - 0.5 * s2 * np.log(Y)[:, None] + 0.5 * p**2 * xs**2 * (Z / Y)[:, None]
        gap = (Z0 / Y0 - Z / Y)[:, None]
        mean = Y[:, None] * (self.mean0[None, :] / Y0 + p * xs * gap)
        var = Y[:, None] ** 2 * (self.var0[None, :] / Y0**2 + s2 * gap)
        return a, b, c, mean, var

    # ------------------------------------------------------------------ shooting
    def _rhs(self, t, y):
        a, b, c, mu, s = y
        k = self.fisher * self.sigma**4
        return [
            a * a - self.q - 0.5 * k / s**2,
            a * b - 0.5 * k * mu / s**2,
            0.5 * (self.sigma**2 * a - b * b) + k * (mu**2 / (4 * s**2) - 0.5 / s),
            -a * mu + b,
            -2.0 * a * s + self.sigma**2,
        ]

    def _integrate(self, a0, b0, axis, dense=False):
        y0 = [a0, b0, 0.0, self.mean0[axis], self.var0[axis]]
        return scipy.integrate.solve_ivp(self._rhs, (0.0, self.horizon), y0, method="DOP853",
                                         rtol=_RTOL, atol=_ATOL, dense_output=dense)

    def _shoot_axis(self, axis):
        a, b, *_ = self._closed_form(np.array([0.0]))
        guess = np.array([a[0, axis], b[0, axis]])
        targets = np.array([self.p, self.p * self.target[axis]])

        def miss(z):
            sol = self._integrate(z[0], z[1], axis)
            if sol.status != 0 or not np.all(np.isfinite(sol.y[:, -1])) or sol.y[4].min() <= 0:
                return np.array([1e6, 1e6])
            return sol.y[:2, -1] - targets

        z, info, ok, msg = scipy.optimize.fsolve(miss, guess, full_output=True, xtol=1e-14)
        residual = float(np.max(np.abs(miss(z))))
        if ok != 1 and residual > 1e-10:
            raise ConvergenceError(
                f"shooting for the Fisher case found no solution on axis {axis}: terminal "
                f"residual {residual:.3g} ({' '.join(msg.split())}). With the negative Fisher "
                "term the problem is not convex and the terminal condition may be out of reach "
                "(e.g. too narrow data for the horizon); widen var0, shorten the horizon or "
                "lower fisher",
                residual=residual, iterations=int(info["nfev"]),
            )
        sol = self._integrate(z[0], z[1], axis, dense=True)
        c_shift = -0.5 * self.p * self.target[axis] ** 2 - sol.y[2, -1]
        return sol.sol, c_shift

    # ------------------------------------------------------------------ public
    def coefficients(self, t) -> dict[str, np.ndarray]:
        """The Gaussian parameters at times ``t``.

        Parameters
        ----------
        t : array_like of shape (n_times,)
            Times in :math:`[0, T]`.

        Returns
        -------
        dict of str to ndarray of shape (n_times, dim)
            ``"a"``, ``"b"``, ``"c"`` (value function per axis), ``"mean"`` and ``"var"``
            (density per axis).
        """
        t = np.atleast_1d(as_finite_array("t", t, dtype=float))
        if np.any(t < -1e-12) or np.any(t > self.horizon * (1 + 1e-12)):
            raise InvalidArgumentError(f"t must lie in [0, {self.horizon:g}], got {_describe(t.tolist())}")
        if not self.fisher:
            a, b, c, mean, var = self._closed_form(t)
        else:
            cols = []
            for dense, shift in self._shoot:
                y = dense(t)
                y[2] += shift
                cols.append(y)
            a, b, c, mean, var = (np.stack([col[i] for col in cols], axis=-1) for i in range(5))
        return {"a": a, "b": b, "c": c, "mean": mean, "var": var}

    def _grid_parts(self, grid: PeriodicGrid, t):
        if not isinstance(grid, PeriodicGrid) or grid.dim != self.dim:
            raise InvalidArgumentError(
                f"grid must be a PeriodicGrid of dim {self.dim}, got {_describe(grid)}"
            )
        co = self.coefficients(t)
        X = grid.coordinates
        expand = (slice(None),) + (None,) * grid.dim
        return co, X, expand

    def density(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`\\rho(x, t)` at the grid points, shape ``(n_times, *shape)``."""
        co, X, e = self._grid_parts(grid, t)
        out = 1.0
        for k in range(self.dim):
            m, s = co["mean"][:, k][e], co["var"][:, k][e]
            out = out * np.exp(-((X[k] - m) ** 2) / (2 * s)) / np.sqrt(2 * np.pi * s)
        return out

    def cell_density(self, grid: PeriodicGrid, t) -> np.ndarray:
        """The cell averages of :math:`\\rho` (what a histogram estimates), shape
        ``(n_times, *shape)``."""
        co, X, e = self._grid_parts(grid, t)
        h = grid.dx
        out = 1.0
        for k in range(self.dim):
            m, s = co["mean"][:, k][e], co["var"][:, k][e]
            z = np.sqrt(2 * s)
            out = out * 0.5 * (scipy.special.erf((X[k] + h / 2 - m) / z) - scipy.special.erf((X[k] - h / 2 - m) / z)) / h
        return out

    def value(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`\\varphi(x, t)`, shape ``(n_times, *shape)``."""
        co, X, e = self._grid_parts(grid, t)
        return sum(-0.5 * co["a"][:, k][e] * X[k] ** 2 + co["b"][:, k][e] * X[k] + co["c"][:, k][e]
                   for k in range(self.dim))

    def drift(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`u = \\nabla\\varphi = -a x + b`, shape ``(n_times, dim, *shape)``."""
        co, X, e = self._grid_parts(grid, t)
        return np.stack([-co["a"][:, k][e] * X[k] + co["b"][:, k][e] for k in range(self.dim)], axis=1)

    def drift_function(self):
        """The optimal feedback ``u(x, t)`` for particles (``x`` of shape ``(n, dim)``)."""
        def velocity(x, t):
            co = self.coefficients([min(max(t, 0.0), self.horizon)])
            return -co["a"][0] * x + co["b"][0]
        return velocity

    def log_density(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`\\log\\rho` (exact, no floor), shape ``(n_times, *shape)``."""
        co, X, e = self._grid_parts(grid, t)
        return sum(-((X[k] - co["mean"][:, k][e]) ** 2) / (2 * co["var"][:, k][e])
                   - 0.5 * np.log(2 * np.pi * co["var"][:, k][e]) for k in range(self.dim))

    def phase(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`S = \\varphi - \\frac{\\sigma^2}{2}\\log\\rho`, shape ``(n_times, *shape)``."""
        return self.value(grid, t) - 0.5 * self.sigma**2 * self.log_density(grid, t)

    def velocity(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`v = \\nabla S = u - \\frac{\\sigma^2}{2}\\nabla\\log\\rho`, shape
        ``(n_times, dim, *shape)``."""
        co, X, e = self._grid_parts(grid, t)
        u = self.drift(grid, t)
        osm = np.stack([-(X[k] - co["mean"][:, k][e]) / co["var"][:, k][e] for k in range(self.dim)], axis=1)
        return u - 0.5 * self.sigma**2 * osm

    def wavefunction(self, grid: PeriodicGrid, t) -> np.ndarray:
        """:math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` (from the exact :math:`\\log\\rho`),
        shape ``(n_times, *shape)``."""
        ell = self.log_density(grid, t)
        return np.exp(0.5 * ell + 1j * self.phase(grid, t) / self.hbar)

    def running_cost(self, grid: PeriodicGrid) -> np.ndarray:
        """:math:`V = \\frac q2 |x|^2` on the grid, periodised: :math:`|x|` is the distance on
        the torus (the quadratic itself on the box, with a kink instead of a jump at the
        seam, where :math:`\\rho` is negligible)."""
        return 0.5 * self.q * sum(grid.wrap(x) ** 2 for x in grid.coordinates)

    def terminal_cost(self, grid: PeriodicGrid) -> np.ndarray:
        """:math:`\\Phi = \\frac p2|x - x^*|^2` on the grid, periodised like
        :meth:`running_cost` (the kink sits opposite :math:`x^*`)."""
        return 0.5 * self.p * sum(grid.wrap(x - self.target[k]) ** 2 for k, x in enumerate(grid.coordinates))

    def problem(self, grid: PeriodicGrid) -> MeanFieldControl:
        """The same problem on a periodic grid (for the grid solvers): :math:`\\rho_0` at the
        grid points, renormalised. The box must be large enough for the Gaussians to vanish
        at its edges (the costs are not periodic)."""
        rho0 = normalize_density(grid, self.density(grid, [0.0])[0])
        return MeanFieldControl(grid, rho0, self.sigma, self.horizon, self.running_cost(grid),
                                self.terminal_cost(grid), fisher=self.fisher)
