"""The README and the narrative docs: their examples run as written, their commands match."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RST_PAGES = sorted(p for p in (ROOT / "docs").rglob("*.rst") if "_build" not in p.parts)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

README_MAIN = (
    "python -m venv .venv && . .venv/bin/activate && pip install . && liepoisson run rigid-body"
)
README_TESTS = (
    'python -m venv .venv && . .venv/bin/activate && pip install ".[test]" && python -m pytest'
)


def _run_doctest(text: str, name: str, path: Path) -> doctest.TestResults:
    test = doctest.DocTestParser().get_doctest(text, {}, name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize(
    "page", RST_PAGES, ids=lambda p: p.relative_to(ROOT / "docs").as_posix()
)
def test_docs_page_examples_run_as_written(page):
    result = _run_doctest(page.read_text(), page.stem, page)
    assert result.failed == 0


def test_docs_pages_with_examples_have_some():
    pages = {p.name for p in RST_PAGES if ">>>" in p.read_text()}
    assert {"conventions.rst", "extending.rst"} <= pages


def test_readme_examples_run_as_written():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```pycon\n(.*?)```", readme, flags=re.S)
    assert blocks, "the README has no Python example"
    result = _run_doctest("\n".join(blocks), "README", ROOT / "README.md")
    assert result.attempted > 0 and result.failed == 0


def test_readme_quick_start_has_exactly_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)
    assert commands == [README_MAIN, README_TESTS]


def test_ci_script_runs_the_readme_test_command_and_the_main_job():
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script
    assert 'pip install --quiet ".[test]"' in script or 'pip install ".[test]"' in script
    assert re.search(r"^python -m pytest$", script, flags=re.M)
    assert re.search(r"^liepoisson run --out ", script, flags=re.M)
