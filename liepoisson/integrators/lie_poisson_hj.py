"""The Lie–Poisson Hamilton–Jacobi (generating-function) integrator."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import contextlib
import warnings

import numpy as np

from .._validation import check_int, check_real
from ..derivatives import complex_step_problem
from ..exceptions import ConvergenceError, InvalidArgumentError
from ..matrix_free import matrix_free_step
from ..orbit import WavefunctionChart
from ..solvers import solve_fixed_point, solve_newton
from .base import Integrator
from .composition import COMPOSITIONS, nested_triple_jump

__all__ = ["LiePoissonHJ", "generating_gradient", "TRIPLE_JUMP"]


_SOLVERS = ("auto", "preconditioned", "fixed_point", "newton", "newton_krylov")
_SCHEMES = ("auto", "series", "composition")
_CHARTS = ("exp", "cayley")
#: The compositions of order-2 steps, by order: those of
#: :data:`~liepoisson.integrators.composition.COMPOSITIONS` made of symmetric steps.
_STEP_COMPOSITIONS = {
    key: c.symmetric_weights for key, c in COMPOSITIONS.items()
    if key[0] > 2 and c.symmetric_weights is not None
}
#: The composition of order-2 steps of each order when none is named.
_DEFAULT_STEP_COMPOSITION = {4: "suzuki", 6: "triple-jump", 8: "triple-jump"}


#: Symmetric triple-jump compositions: order 6 from order 4, order 8 from order 6.
TRIPLE_JUMP = {6: nested_triple_jump(4, 6), 8: nested_triple_jump(4, 8)}


def generating_gradient(system, nu: np.ndarray, dt: float, order: int, gradient=None) -> np.ndarray:
    """Gradient :math:`\\xi = \\nabla S(\\nu)` of the generating function of the HJ series.

    .. math::

        S(\\nu) = \\tau H(\\nu) + \\tau^3 S_3(\\nu), \\qquad
        S_3 = \\tfrac{1}{24} D^2H(\\nu)[a, a], \\quad a = \\operatorname{ad}^*_{\\nabla H(\\nu)}\\nu,

        \\nabla S_3 = \\tfrac{1}{24}\\big(D^3H[a, a, \\cdot]
            - 2\\,D^2H[\\operatorname{ad}^*_{w}\\nu] + 2\\,[\\nabla H, w]\\big),
        \\quad w = D^2H[a].

    ``order=2`` keeps only :math:`\\tau H`.

    Parameters
    ----------
    system : LiePoissonSystem
    nu : ndarray of shape (..., *shape)
    dt : float
    order : {2, 4}
    gradient : ndarray of shape (..., *shape), optional
        :math:`\\nabla H(\\nu)` when the caller has it already.

    Returns
    -------
    ndarray of shape (..., *shape)
    """
    g = system.gradient(nu) if gradient is None else gradient
    if order == 2:
        return dt * g
    algebra = system.algebra
    a = algebra.ad_star(g, nu)
    w = system.hessian_vector(nu, a)
    grad_s3 = (
        system.third_derivative(nu, a, a)
        - 2.0 * system.hessian_vector(nu, algebra.ad_star(w, nu))
        + 2.0 * algebra.bracket(g, w)
    ) / 24.0
    return dt * g + dt**3 * grad_s3


def _complex_step_usable(system, mu: np.ndarray) -> bool:
    """Whether the complex-step fallbacks of the system's derivatives can be trusted at one
    state of ``mu``: its gradient is complex-analytic along a random direction and agrees
    there with central differences (:func:`liepoisson.derivatives.complex_step_problem`).
    Algebras with complex elements use central differences, which are always usable."""
    if system.algebra.dtype.kind == "c":
        return True
    n_axes = len(system.algebra.shape)
    mu = mu.reshape((-1,) + mu.shape[mu.ndim - n_axes :])[0]
    v = np.random.default_rng(0).standard_normal(mu.shape).astype(mu.dtype)
    h = 1e-3 * max(1.0, float(np.max(np.abs(mu))))
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            problem = complex_step_problem(lambda s: np.asarray(system.gradient(mu + s * v)), h, floor=1.0)
    except Exception:  # a gradient that fails on the real central differences too
        return False
    return problem is None


def _gradient_is_affine(system, mu: np.ndarray) -> bool:
    """Whether the system's gradient is affine, :math:`\\nabla H(\\mu) = M\\mu + c`: declared
    (``affine_gradient``), or read off and checked as the compiled path does
    (:func:`liepoisson.compiled.runner.affine_model`, from one state of ``mu``)."""
    fns = system.derivative_callables()
    if fns["affine_gradient"] is not None:
        return True
    from ..compiled.runner import affine_model

    probe = np.asarray(mu, dtype=float).reshape(-1, mu.shape[-1])[0]
    # the system's gradient (its own or the numerical fallback) and, as on the compiled path,
    # its exact Hessian-vector product checked against the model when it has one
    return affine_model({**fns, "gradient": system.gradient}, probe, np.random.default_rng(0)) is not None


@dataclass(frozen=True)
class LiePoissonHJ(Integrator):
    """Generating-function Lie–Poisson integrator from Hamilton–Jacobi theory (final).

    One step :math:`\\mu_n \\mapsto \\mu_{n+1}` solves, for :math:`\\nu \\in \\mathfrak g^*`,

    .. math::

        \\mu_n = A(\\operatorname{ad}_\\xi)^T \\nu, \\qquad \\xi = \\nabla S(\\nu),

    and updates :math:`\\mu_{n+1} = (e^{\\operatorname{ad}_\\xi})^T \\mu_n` (the coadjoint
    action, so every Casimir is preserved to round-off whatever the solver tolerance). The
    map is Poisson for every generating function :math:`S`; :math:`S = \\tau H` gives order 2
    and :math:`S = \\tau H + \\tau^3 S_3` (the Hamilton–Jacobi series,
    :func:`generating_gradient`) order 4 without composition. Orders 6 and 8 compose the
    order-4 map symmetrically (triple jump: 3 and 9 substeps). Alternatively
    (``scheme="composition"``) orders 4, 6 and 8 compose the order-2 map (Suzuki's
    composition, 5 substeps, for order 4; nested triple jumps, 9 and 27 substeps, for 6 and
    8), which needs no second derivatives at all. Every variant is
    Poisson, Casimir-exact and symmetric: ``step(step(mu, dt), -dt) == mu``.

    **Charts.** The group element of a step is :math:`\\exp(\\xi)` (``chart="exp"``, the
    default) or, on matrix algebras of quadratic groups (u(n), su(n):
    :attr:`~liepoisson.LieAlgebra.has_cayley`), the Cayley transform
    :math:`\\operatorname{cay}(\\xi) = (I - \\xi/2)^{-1}(I + \\xi/2)` (``chart="cayley"``):

    .. math::

        \\mu_n = (I + \\xi/2)\\,\\nu\\,(I - \\xi/2), \\qquad
        \\mu_{n+1} = (I - \\xi/2)\\,\\nu\\,(I + \\xi/2), \\qquad \\xi = \\tau\\nabla H(\\nu):

    with :math:`S = \\tau H` this is the isospectral midpoint method (Modin & Viviani), which
    needs only matrix products and solves where the exponential chart needs an
    eigendecomposition per iteration; on pure states :math:`\\psi` it is the implicit
    midpoint rule. On u(n) and su(n) its final conjugation is one product from the
    implicit solve's last covector and residual
    (:meth:`~liepoisson.UnitaryAlgebra.coadjoint_cayley`), the fixed point starting from
    :math:`\\mu_n`. The exponential chart is exact whenever :math:`\\nabla H` is constant
    over the step, so it is the more accurate per step; the Cayley chart is the cheaper per
    step. The Hamilton–Jacobi series is derived for the exponential chart, so in the Cayley
    chart orders 4, 6 and 8 compose the order-2 step. Both charts are Poisson and keep the
    Casimirs to round-off.

    **One factorisation per iteration.** On algebras whose functions of
    :math:`\\operatorname{ad}_\\xi` share one factorisation
    (:attr:`~liepoisson.LieAlgebra.has_ad_factorisation`: u(n) and su(n), where it is the
    eigendecomposition of :math:`\\xi`), the exponential chart's fixed point (``solver``
    ``"auto"`` or ``"preconditioned"``) iterates, with :math:`\\xi = \\nabla S(\\nu)` and
    :math:`\\varphi_1(x) = (e^x - 1)/x = A(x)^{-1}`,

    .. math::

        \\hat\\nu = \\varphi_1(\\operatorname{ad}_\\xi)^T\\mu_n, \\qquad
        \\nu \\leftarrow \\hat\\nu - \\tfrac{\\tau}{2}\\operatorname{ad}^*_{D^2H(\\nu)[\\nu - \\hat\\nu]}\\nu ,

    from the explicit half step: :math:`\\hat\\nu` solves the chart equation exactly for the
    current :math:`\\xi` (the preconditioner :math:`A(\\operatorname{ad}_\\xi)^{-T}` applied
    entrywise in :math:`\\xi`'s eigenbasis) and the second term corrects for the change of
    :math:`\\xi` with :math:`\\nu` (a Newton step up to :math:`O(\\tau^2)`; without
    ``hessian_vector`` it is left out). The step ends with the action of the last update's
    :math:`\\exp(\\xi)`, :math:`\\mu_{n+1} = \\mu_n + \\operatorname{ad}^*_\\xi\\hat\\nu`
    (:math:`e^x = 1 + x\\varphi_1(x)`: one product, no new eigendecomposition), an exact
    coadjoint action; the solve goes on until that :math:`\\xi` is accurate (twice the
    correction term estimates the error it leaves in the action, to first order; without
    the correction that error is about twice the last iterate's), so the step is the
    dense one (:meth:`~liepoisson.LieAlgebra.dexpinv_star` residual, then
    :meth:`~liepoisson.LieAlgebra.coadjoint_exp`) to the tolerance. ``solver="fixed_point"``
    keeps that dense plain iteration.

    **Matrix-free steps.** When the system supplies a
    :class:`~liepoisson.matrix_free.FunctionalGradient` (its generating function sees the
    state only through a few linear functionals, e.g. the NLS on u(N)*), both charts step
    wavefunctions with operators on vectors only (:mod:`liepoisson.matrix_free`): no
    :math:`N \\times N` array, the same map as the dense step to round-off.

    Parameters
    ----------
    order : {2, 4, 6, 8}
    scheme : {"auto", "series", "composition"}
        How orders 4 and up are reached: ``"series"`` from the Hamilton–Jacobi series
        (:math:`S = \\tau H + \\tau^3 S_3`, which uses :math:`D^2H` and :math:`D^3H`: exact
        when the system supplies them, complex steps on the gradient otherwise);
        ``"composition"`` by symmetric composition of the order-2 step. ``"auto"``
        (default) takes the series (one substep where the compositions take several),
        unless its derivatives are not available or, at order 4, would be complex steps of
        a gradient that is not affine (see :meth:`for_system`), the chart is ``"cayley"``
        or a ``composition`` is named; the choice shows in :attr:`name`.
    composition : {None, "suzuki", "triple-jump"}
        The composition of order-2 steps that reaches orders 4 and up
        (:data:`~liepoisson.integrators.composition.COMPOSITIONS`): ``"suzuki"`` (5
        substeps for order 4, 25 for order 6) or ``"triple-jump"`` (3 substeps for order 4,
        9 for 6, 27 for 8). ``None`` (default): Suzuki's for order 4, nested triple jumps
        for orders 6 and 8. At order 4 Suzuki's error constant is far smaller: at the same
        step its error is 1/36 of the triple jump's on the rigid body (about that of the
        series) and 1/70 on the NLS in the Cayley chart, so for 5/3 the substeps it costs
        about half as much at equal error (``benchmarks/bench_nls.py``). Naming one asks
        for the composition (``scheme="auto"`` resolves to ``"composition"``); with
        ``scheme="series"``, or at an order it has not (2 for both), it is refused. The name
        shows which ran.
    tol : float
        Relative tolerance of the implicit solve (default ``1e-14``).
    max_iter : int
        Maximum iterations of the implicit solve.
    solver : {"auto", "fixed_point", "newton", "newton_krylov"}
        ``"fixed_point"`` iterates :math:`\\nu \\leftarrow \\nu - R(\\nu)` with the residual
        :math:`R(\\nu) = A(\\operatorname{ad}_\\xi)^T\\nu - \\mu_n` (contraction factor
        :math:`O(\\tau)`); ``"preconditioned"`` iterates
        :math:`\\nu \\leftarrow \\nu - (I + \\tfrac{\\tau}{2} DX(\\nu)) R(\\nu)`, where
        :math:`I - \\tfrac{\\tau}{2}DX` with :math:`DX\\,r = \\operatorname{ad}^*_{\\nabla H}r +
        \\operatorname{ad}^*_{D^2H[r]}\\nu` is the Jacobian of :math:`R` up to :math:`O(\\tau^2)`,
        so the contraction factor is :math:`O(\\tau^2)` (about half the iterations for one
        Hessian-vector product more each; on algebras with
        :attr:`~liepoisson.LieAlgebra.has_ad_factorisation` the exact
        :math:`A(\\operatorname{ad}_\\xi)^{-T}` in place of :math:`I + \\tfrac{\\tau}{2}
        \\operatorname{ad}^*_{\\nabla H}`, see above); ``"newton"``
        uses a dense finite-difference Jacobian in coordinates (robust for large steps,
        small dimensions); ``"newton_krylov"`` uses :func:`scipy.optimize.newton_krylov`
        (large states, no batch axes). ``"auto"`` (default) runs the preconditioned fixed
        point when the system supplies ``hessian_vector`` (else the plain one, since a
        complex-step Hessian costs more than the iterations it saves; on algebras with
        :attr:`~liepoisson.LieAlgebra.has_ad_factorisation`,
        :math:`\\nu \\leftarrow \\varphi_1(\\operatorname{ad}_\\xi)^T\\mu_n`) and, if it does not
        converge, Newton from the same guess (Newton–Krylov for unbatched states of
        dimension above 256). Matrix-free steps always use their own fixed point.
    chart : {"exp", "cayley"}
        The chart of the group (see above); ``"cayley"`` needs an algebra with
        :attr:`~liepoisson.LieAlgebra.has_cayley`.

    Raises
    ------
    ConvergenceError
        From :meth:`step` when the implicit solve does not converge (residual and iteration
        count in the message; :func:`liepoisson.integrate` adds the step index).

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import LiePoissonHJ, LiePoissonSystem, so3
    >>> I = np.array([1.0, 2.0, 3.5])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> mu = np.array([0.3, 1.0, -0.7])
    >>> new = LiePoissonHJ(order=4).step(body, mu, 0.1)
    >>> bool(abs(new @ new - mu @ mu) < 1e-14)
    True
    """

    preserves_casimirs: ClassVar[bool] = True
    symmetric: ClassVar[bool] = True
    poisson: ClassVar[bool] = True
    compiled: ClassVar[bool] = True

    order: int = 2
    tol: float = 1e-14
    max_iter: int = 100
    solver: str = "auto"
    scheme: str = "auto"
    chart: str = "exp"
    composition: str | None = None

    def __post_init__(self):
        if self.order not in (2, 4, 6, 8):
            raise InvalidArgumentError(f"order must be one of 2, 4, 6, 8, got {self.order!r}")
        check_real("tol", self.tol, positive=True)
        check_int("max_iter", self.max_iter, minimum=1)
        if self.solver not in _SOLVERS:
            raise InvalidArgumentError(f"solver must be one of {_SOLVERS}, got {self.solver!r}")
        if self.scheme not in _SCHEMES:
            raise InvalidArgumentError(f"scheme must be one of {_SCHEMES}, got {self.scheme!r}")
        if self.chart not in _CHARTS:
            raise InvalidArgumentError(f"chart must be one of {_CHARTS}, got {self.chart!r}")
        if self.chart == "cayley" and self.scheme == "series" and self.order > 2:
            raise InvalidArgumentError(
                "scheme='series' is derived for the exponential chart; with chart='cayley' "
                "orders 4, 6 and 8 compose the order-2 step (scheme='composition' or 'auto')"
            )
        if self.composition is not None:
            known = sorted({name for _, name in _STEP_COMPOSITIONS})
            if self.composition not in known:
                raise InvalidArgumentError(
                    f"composition must be None or one of {known}, got {self.composition!r}")
            if (self.order, self.composition) not in _STEP_COMPOSITIONS:
                orders = sorted(o for o, name in _STEP_COMPOSITIONS if name == self.composition)
                raise InvalidArgumentError(
                    f"composition={self.composition!r} has orders {orders}, got order={self.order}")
            if self.scheme == "series":
                raise InvalidArgumentError(
                    f"composition={self.composition!r} composes order-2 steps; it does not apply "
                    "to scheme='series'")

    @property
    def name(self) -> str:
        parts = [f"order={self.order}"]
        if self.chart != "exp":
            parts.append(self.chart)
        if self.order > 2 and self._composes():
            parts.append(f"{self._composition_name()} composition")
        return f"LiePoissonHJ({', '.join(parts)})"

    def for_system(self, system, state=None) -> "LiePoissonHJ":
        """This integrator with ``scheme="auto"`` resolved for ``system``.

        ``"auto"`` takes the series (one substep, so orders 6 and 8 take 3 and 9 where the
        composition takes 9 and 27), unless the system has no exact second derivatives and,
        at ``state`` (when one is given, as :func:`liepoisson.integrate` does with the
        initial state):

        * the complex step on its gradient is not usable (a gradient that is not
          complex-analytic, e.g. written with ``abs``; checked against a real central
          difference): the composition, at every order;
        * or, at order 4 on an algebra of coefficient vectors, the gradient is not affine
          (neither declared nor read off as the compiled path does): Suzuki's composition.
          Measured on a quartic rigid body, its error is 1/15 of the series' with
          complex-step derivatives, at the same compiled cost per step and 0.64 times the
          numpy cost, so it costs about half as much at equal error; where the gradient is
          affine the compiled path has exact derivatives and the series costs a third of
          the composition at equal error.

        Parameters
        ----------
        system : LiePoissonSystem
        state : ndarray of shape (..., *shape), optional

        Returns
        -------
        LiePoissonHJ

        Raises
        ------
        InvalidArgumentError
            If ``chart="cayley"`` and the system's algebra has no Cayley chart.
        """
        if self.chart == "cayley" and not system.algebra.has_cayley:
            raise system.algebra._no_cayley()
        if self.order > 2 and self._composes():
            return replace(self, scheme="composition")
        if self.scheme != "auto" or self.order == 2:
            return self
        if system.has_exact_second_derivatives or state is None:
            return replace(self, scheme="series")
        mu = system.covector(np.asarray(state))
        if not _complex_step_usable(system, mu):
            return replace(self, scheme="composition")
        vectors = len(system.algebra.shape) == 1 and system.functional_gradient is None
        if self.order == 4 and vectors and not _gradient_is_affine(system, mu):
            return replace(self, scheme="composition")
        return replace(self, scheme="series")

    def substeps(self) -> tuple[tuple[float, ...], int]:
        """The step as substeps: fractions of ``dt`` and the order (2 or 4) of the
        generating function of each.

        ``scheme="auto"`` counts as ``"series"`` here; resolve it with :meth:`for_system`.

        Returns
        -------
        coefficients : tuple of float
            Symmetric, summing to 1.
        order : {2, 4}
        """
        if self.order == 2:
            return (1.0,), 2
        if self._composes():
            return _STEP_COMPOSITIONS[(self.order, self._composition_name())], 2
        if self.order == 4:
            return (1.0,), 4
        return TRIPLE_JUMP[self.order], 4

    def _composes(self) -> bool:
        """Whether orders above 2 compose the order-2 step (else the series does)."""
        return self.scheme == "composition" or self.chart == "cayley" or self.composition is not None

    def _composition_name(self) -> str:
        return self.composition or _DEFAULT_STEP_COMPOSITION[self.order]

    def step(self, system, mu, dt):
        coefficients, order = self.substeps()
        for i, c in enumerate(coefficients):
            # errors name the method and the step asked for, not the inner substep
            part = f", substep {i + 1} of {len(coefficients)}" if len(coefficients) > 1 else ""
            what = f"{self.name} implicit solve (dt={dt:.6g}{part})"
            mu = self._hj_step(system, mu, c * dt, order, what)
        return mu

    def _hj_step(self, system, state, dt, order, what):
        functional = system.functional_gradient
        if functional is not None:
            chart = system.chart
            if not isinstance(chart, WavefunctionChart):
                raise InvalidArgumentError(
                    f"{system.name} has a functional_gradient but its states are not wavefunctions "
                    f"(its chart is {type(chart).__name__}, not a WavefunctionChart)"
                )
            psi = matrix_free_step(functional, chart.to_wavefunction(state), dt, order, self.chart,
                                   self.tol, self.max_iter, what)
            return chart.from_wavefunction(psi)
        algebra = system.algebra
        ad_star = algebra.ad_star
        mu = system.covector(state)
        cayley = self.chart == "cayley"
        chart_star = algebra.dcayinv_star if cayley else algebra.dexpinv_star

        def residual(nu, g=None):
            return chart_star(generating_gradient(system, nu, dt, order, g), nu) - mu

        def plain(nu):
            return nu - residual(nu)

        def plain_with_data(nu):
            # the Cayley step ends from the last update's xi, nu and residual
            # (coadjoint_cayley: one product where an LU solve and two would do)
            xi = generating_gradient(system, nu, dt, order)
            r = chart_star(xi, nu) - mu
            return nu - r, (xi, nu, r)

        def preconditioned(nu):
            g = system.gradient(nu)
            r = residual(nu, g)
            return nu - r - (0.5 * dt) * (ad_star(g, r) + ad_star(system.hessian_vector(nu, r), nu))

        def half_step():
            # explicit half step as the initial guess: nu = mu + O(dt^2)
            return mu + 0.5 * dt * system.vector_field(mu)

        def factored(nu, precondition):
            # one factorisation of ad_xi serves the update and the action: nu_hat = dexp*_xi mu
            # solves the chart equation for this xi exactly, so mu + ad*_xi nu_hat is the action
            # of exp(xi) (one bracket); the preconditioned update adds the Newton correction
            # c = -(dt/2) ad*_{D^2H[nu - nu_hat]} nu for the change of xi with nu, and 2|c| is
            # then the error of that action from the error of nu (first order)
            xi = generating_gradient(system, nu, dt, order)
            nu_hat = algebra.ad_factorisation(xi).dexp_star(mu)
            if not precondition:
                return nu_hat, (xi, nu_hat)
            c = ad_star(system.hessian_vector(nu, nu - nu_hat), nu)
            c *= -0.5 * dt
            return nu_hat + c, (xi, nu_hat, 2.0 * np.max(np.abs(c), axis=element_axes))

        n_axes = len(algebra.shape)
        element_axes = tuple(range(-n_axes, 0))
        solver = self.solver
        if solver in ("auto", "preconditioned", "fixed_point"):
            # the Cayley chart's residual is two products: the preconditioner (four more and a
            # Hessian-vector product) costs more than the iterations it saves
            use_plain = solver == "fixed_point" or (
                solver == "auto" and (cayley or not system.has_exact_hessian_vector)
            )
            update = plain if use_plain else preconditioned
            with_data = cayley and use_plain
            try:
                # a fixed point that diverges overflows before Newton takes over
                with np.errstate(over="ignore", invalid="ignore") if solver == "auto" else contextlib.nullcontext():
                    if not cayley and solver != "fixed_point" and algebra.has_ad_factorisation:
                        # the action is taken with the last update's xi: with the preconditioner
                        # the solve also waits until that xi is accurate (its estimate 2|c|)
                        _, _, (xi, nu_hat, *_) = solve_fixed_point(
                            lambda nu: factored(nu, not use_plain), half_step(), n_axes, self.tol,
                            self.max_iter, what, with_data=True, data_error=None if use_plain else (lambda d: d[2]),
                        )
                        if system.chart is not None:
                            return system.act(xi, state)
                        return algebra.ad_factorisation(xi).coadjoint_exp(mu, dexp_star=nu_hat)
                    if with_data:
                        # from mu itself: the first update is the explicit half step with its
                        # O(dt^2) term xi mu xi / 4 (most of the half step's error), for the
                        # cost of the half step
                        nu, _, (eta, nu_last, r) = solve_fixed_point(
                            plain_with_data, mu, n_axes, self.tol, self.max_iter, what, with_data=True
                        )
                        xi = generating_gradient(system, nu, dt, order)
                        return system.act_cayley(xi, state, nu=nu_last, residual=r, residual_xi=eta)
                    nu, _ = solve_fixed_point(update, half_step(), n_axes, self.tol, self.max_iter, what)
                solver = None
            except ConvergenceError:
                if solver != "auto":
                    raise
                n_state = len(system.state_shape)
                if np.ndim(state) > n_state:
                    # each member as if alone (the fixed point, Newton only where it fails),
                    # so a batch gives the bits of its members' own runs whatever its make-up
                    members = np.reshape(state, (-1,) + np.shape(state)[np.ndim(state) - n_state:])
                    out = [self._hj_step(system, member, dt, order, what) for member in members]
                    return np.reshape(np.stack(out), np.shape(state))
                solver = "newton" if algebra.dim <= 256 else "newton_krylov"
        if solver is not None:
            nu = solve_newton(
                residual, half_step(), algebra, self.tol, self.max_iter, what, krylov=solver == "newton_krylov"
            )
        act = system.act_cayley if cayley else system.act
        return act(generating_gradient(system, nu, dt, order), state)
