"""Test-session set-up shared by the tests and the doctests of ``liepoisson`` and
``liepoisson_models``.

* BLAS runs on one thread (small matrices dominate the suite);
* matplotlib draws off-screen (the Agg backend), so figures work without a display;
* hypothesis has no per-example deadline (timings vary between machines) and draws random
  examples on every run, as the README's test command does everywhere (CI included); set
  ``LIEPOISSON_DERANDOMIZE=1`` to reproduce a run with derandomised examples.
"""

import os

# Small dense matrices (the functions of ad on low-dimensional algebras) are many times
# slower with a multi-threaded BLAS than with one thread; set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from hypothesis import settings  # noqa: E402

settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile("derandomized", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("derandomized" if os.environ.get("LIEPOISSON_DERANDOMIZE") else "dev")

# The folder models/ is the package liepoisson_models; collecting it by path (`pytest .`)
# would import it as a top-level `models` (tests/test_model_doctests.py runs its doctests
# under the installed name).
collect_ignore = ["models"]
