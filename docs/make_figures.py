"""Regenerate the figures of the model pages (``docs/_static/*.png``).

Each figure is what ``liepoisson run MODEL`` writes with the model's default options, so
the pages show exactly the output of the command. Run from the repository root, after
``pip install .``, whenever a model's defaults or plots change::

    python docs/make_figures.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from liepoisson.cli import main  # noqa: E402

STATIC = Path(__file__).resolve().parent / "_static"
MODELS = ("rigid-body", "heavy-top", "graph-nls", "deep-learning", "hydrodynamics", "euler-sphere")
#: Runs with options: (model, options, prefix of the figure names[, the plots to keep]).
VARIANTS = (
    ("nls", ("--solution", "collision"), "collision_"),
    ("deep-learning", ("--sigma", "0.3"), "", ("deep_learning_noisy_flow.png",)),
    ("hydrodynamics", ("--case", "shooting"), ""),
)


def make_figures(target: Path = STATIC) -> list[Path]:
    """Run each model with its defaults (and each variant) and copy its plots to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    runs = [(model, (), "") for model in MODELS] + list(VARIANTS)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (model, options, prefix, *keep) in enumerate(runs):
            out = Path(tmp) / f"{i}-{prefix}{model}"
            code = main(["run", model, "--out", str(out), *options])
            if code != 0:
                raise SystemExit(f"liepoisson run {model} exited with status {code}")
            for png in sorted(out.glob("*.png")):
                if not keep or png.name in keep[0]:
                    written.append(_compact_copy(png, target / (prefix + png.name)))
    return written


def _compact_copy(source: Path, target: Path) -> Path:
    """Copy a plot as a 256-colour PNG (a third of the size, no visible difference)."""
    from PIL import Image

    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256).save(target, optimize=True)
    return target


if __name__ == "__main__":
    for path in make_figures(Path(sys.argv[1]) if len(sys.argv) > 1 else STATIC):
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
