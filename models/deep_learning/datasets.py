"""Data sets of the deep-learning model: scikit-learn's and the 2-D benchmarks of the
literature on ResNets as dynamical systems.

:func:`load_dataset` gives every data set by name (:data:`DATASETS`). The 2-D generators
return ``(X, y)`` with ``X`` of shape ``(n_samples, 2)`` and integer labels ``y``, classes of
equal size (up to one sample), reproducible from ``random_state``:

* ``"moons"``, ``"circles"``: :func:`sklearn.datasets.make_moons` and
  :func:`~sklearn.datasets.make_circles` (``factor=0.5``);
* ``"swiss-roll"`` (:func:`make_swiss_roll`): two interleaved spiral arms of two turns,
  as in the stable-architecture experiments of Haber and Ruthotto (2017);
* ``"two-spirals"`` (:func:`make_two_spirals`): the classical two-spirals problem (Lang and
  Witbrock, 1988), one arm the other rotated by :math:`\\pi`;
* ``"donut"`` (:func:`make_donut`): a disc inside a ring (Dupont et al., 2019): no flow of
  the plane separates them without leaving the plane, a test of width lifting;
* ``"digits"``: :func:`sklearn.datasets.load_digits` (1797 images of 8x8 pixels, 10 classes),
  scaled to :math:`[0, 1]`.
"""

from __future__ import annotations

import numpy as np

from liepoisson._validation import _describe, check_int, check_real
from liepoisson.exceptions import InvalidArgumentError

__all__ = [
    "DATASETS",
    "load_dataset",
    "make_swiss_roll",
    "make_two_spirals",
    "make_donut",
]


def _check(n_samples, noise) -> tuple[int, float]:
    n_samples = check_int("n_samples", n_samples, minimum=2)
    noise = check_real("noise", noise)
    if noise < 0:
        raise InvalidArgumentError(f"noise must be >= 0, got {noise}")
    return n_samples, noise


def _labels(n_samples: int) -> np.ndarray:
    return np.arange(n_samples) % 2


def make_swiss_roll(n_samples: int = 1000, noise: float = 0.05, random_state=None):
    """Two interleaved arms of a spiral of two turns (2-D, two classes).

    A sample of class :math:`c` at :math:`s \\sim U(0, 1)` lies at radius
    :math:`r = 0.25 + s + c/4` and angle :math:`4\\pi s`: the arms are a quarter apart,
    half the radial gap of one turn. Gaussian noise of standard deviation ``noise`` is added.

    Parameters
    ----------
    n_samples : int
    noise : float
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> X, y = make_swiss_roll(10, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((10, 2), [0, 1])
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(random_state)
    y = _labels(n_samples)
    s = rng.uniform(size=n_samples)
    r = 0.25 + s + 0.25 * y
    X = np.column_stack([r * np.cos(4 * np.pi * s), r * np.sin(4 * np.pi * s)])
    return X + noise * rng.standard_normal(X.shape), y


def make_two_spirals(n_samples: int = 1000, noise: float = 0.1, turns: float = 1.5, random_state=None):
    """The two-spirals problem: :math:`r = \\phi/\\pi`, class 1 the rotation of class 0 by
    :math:`\\pi` (2-D, two classes).

    Parameters
    ----------
    n_samples : int
    noise : float
        Standard deviation of the Gaussian noise.
    turns : float
        Number of turns of each arm, > 0.
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> X, y = make_two_spirals(100, noise=0.0, random_state=1)
    >>> bool(np.hypot(*X.T).max() <= 3.0)  # radius phi / pi, phi up to 3 pi
    True
    """
    n_samples, noise = _check(n_samples, noise)
    turns = check_real("turns", turns, positive=True)
    rng = np.random.default_rng(random_state)
    y = _labels(n_samples)
    phi = 2 * np.pi * turns * np.sqrt(rng.uniform(size=n_samples))  # uniform along the arm area
    r = phi / np.pi
    angle = phi + np.pi * y
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X + noise * rng.standard_normal(X.shape), y


def make_donut(n_samples: int = 1000, noise: float = 0.0, inner: float = 0.5,
               ring: tuple[float, float] = (1.0, 1.5), random_state=None):
    """A disc (class 0) inside a ring (class 1), points uniform by area (2-D).

    Parameters
    ----------
    n_samples : int
    noise : float
        Standard deviation of the Gaussian noise.
    inner : float
        Radius of the disc, > 0.
    ring : (float, float)
        Inner and outer radii of the ring, ``inner < ring[0] < ring[1]``.
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> X, y = make_donut(200, random_state=0)
    >>> r = np.hypot(*X.T)
    >>> bool(r[y == 0].max() <= 0.5 and r[y == 1].min() >= 1.0)
    True
    """
    n_samples, noise = _check(n_samples, noise)
    inner = check_real("inner", inner, positive=True)
    a, b = (check_real("ring[0]", ring[0], positive=True), check_real("ring[1]", ring[1], positive=True))
    if not inner < a < b:
        raise InvalidArgumentError(f"need inner < ring[0] < ring[1], got inner={inner}, ring={ring!r}")
    rng = np.random.default_rng(random_state)
    y = _labels(n_samples)
    u = rng.uniform(size=n_samples)
    r = np.where(y == 0, inner * np.sqrt(u), np.sqrt(a * a + u * (b * b - a * a)))
    angle = rng.uniform(0, 2 * np.pi, size=n_samples)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X + noise * rng.standard_normal(X.shape), y


def _moons(n_samples, noise, random_state):
    from sklearn.datasets import make_moons

    n_samples, noise = _check(n_samples, noise)
    return make_moons(n_samples, noise=noise, random_state=random_state)


def _circles(n_samples, noise, random_state):
    from sklearn.datasets import make_circles

    n_samples, noise = _check(n_samples, noise)
    return make_circles(n_samples, noise=noise, factor=0.5, random_state=random_state)


def _digits(n_samples, noise, random_state):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


#: Loaders by name: ``loader(n_samples, noise, random_state) -> (X, y)``, and the default noise.
DATASETS = {
    "moons": (_moons, 0.2),
    "circles": (_circles, 0.1),
    "swiss-roll": (lambda n, s, r: make_swiss_roll(n, s, random_state=r), 0.05),
    "two-spirals": (lambda n, s, r: make_two_spirals(n, s, random_state=r), 0.1),
    "donut": (lambda n, s, r: make_donut(n, s, random_state=r), 0.0),
    "digits": (_digits, 0.0),
}


def load_dataset(name: str, n_samples: int = 1000, noise: float | None = None, random_state=None):
    """A data set of :data:`DATASETS` by name.

    Parameters
    ----------
    name : str
        One of ``moons``, ``circles``, ``swiss-roll``, ``two-spirals``, ``donut``, ``digits``.
    n_samples : int
        Number of samples of the generated sets (``digits`` has its fixed 1797).
    noise : float, optional
        Noise level of the generated sets (default: the set's own, e.g. 0.2 for moons).
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)

    Raises
    ------
    InvalidArgumentError
        For an unknown name (the message lists the known ones) or bad sizes.

    Examples
    --------
    >>> X, y = load_dataset("moons", 100, random_state=0)
    >>> X.shape
    (100, 2)
    >>> load_dataset("mnist")
    Traceback (most recent call last):
    ...
    liepoisson.exceptions.InvalidArgumentError: unknown dataset 'mnist'; known: moons, circles, swiss-roll, two-spirals, donut, digits
    """
    if name not in DATASETS:
        raise InvalidArgumentError(f"unknown dataset {_describe(name)}; known: {', '.join(DATASETS)}")
    loader, default_noise = DATASETS[name]
    X, y = loader(n_samples, default_noise if noise is None else noise, random_state)
    return np.asarray(X, dtype=float), np.asarray(y)
