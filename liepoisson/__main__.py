"""``python -m liepoisson``: the same as the ``liepoisson`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
