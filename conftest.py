"""Test-session set-up shared by the tests and the doctests of ``liepoisson`` and ``models``.

* matplotlib draws off-screen (the Agg backend), so figures work without a display;
* hypothesis has no per-example deadline (timings vary between machines); under CI
  (``CI`` set in the environment) its examples are derandomised, so a run is reproducible.
"""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import settings  # noqa: E402

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
