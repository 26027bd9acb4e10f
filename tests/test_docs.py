"""The README and the narrative docs: their examples run as written, their commands match."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
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


# ------------------------------------------------------------------ the docs work offline
_REMOTE = re.compile(r"^\s*(https?:)?//", re.I)


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """The HTML docs built as the docs extra builds them (skipped without Sphinx)."""
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    out = tmp_path_factory.mktemp("docs-html")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return out


def test_built_docs_load_no_remote_script_or_stylesheet(built_docs):
    pages = sorted(built_docs.rglob("*.html"))
    assert len(pages) > 5
    remote = [
        (page.relative_to(built_docs).as_posix(), url)
        for page in pages
        for url in re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", page.read_text())
        if _REMOTE.match(url)
    ]
    assert remote == []


def test_built_docs_typeset_math_with_the_mathjax_they_ship(built_docs):
    with_math = [p for p in sorted(built_docs.rglob("*.html")) if 'class="math' in p.read_text()]
    assert len(with_math) > 3
    for page in with_math:
        scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]*mathjax[^\"]*)\"", page.read_text(), re.I)
        assert scripts, f"{page.name} has formulas but loads no MathJax"
        for src in scripts:
            assert not _REMOTE.match(src)
            local = (page.parent / src.split("?")[0]).resolve()
            assert local.is_file(), f"{page.name} loads {src}, which the build does not ship"
            head = local.read_bytes()[:4096]
            assert local.stat().st_size > 10**6 and b"MathJax" in local.read_bytes()[-10**6:] + head
