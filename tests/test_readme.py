"""The README's commands (the ones CI runs and a fresh machine can run), what it
promises about extras, pictures and benchmarks, and the files beside it that
users read: the changelog and the citation."""

import re
import tomllib
from pathlib import Path

import skgd

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", README, re.S)


def ci_lines():
    return (ROOT / ".ci" / "run").read_text().splitlines()


def section(title):
    """The README's section ``## title``, up to the next one."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_opens_with_the_demo_and_the_test_command():
    demo, tests = readme_commands()[:2]
    assert demo.endswith("python -m skgd")
    assert '".[test]"' in tests and tests.endswith("python -m pytest")
    # Before anything else but the two sentences that say what skgd is.
    assert README.index(demo) < README.index("\n## ")


def test_readme_then_gives_the_docs_command():
    docs = readme_commands()[2]
    assert '".[docs]"' in docs
    assert docs.endswith(
        "python -m sphinx -W --keep-going -b html docs docs/_build/html"
    )


def test_ci_runs_the_readme_test_command_verbatim():
    assert readme_commands()[1] in ci_lines()


def test_ci_runs_the_readme_docs_command_verbatim_after_the_tests():
    lines = ci_lines()
    tests, docs = readme_commands()[1:3]
    assert docs in lines
    assert lines.index(tests) < lines.index(docs)


def test_ci_runs_the_suite_again_on_the_declared_minimum_versions():
    # Every dependency's declared minimum, and the plot extra's, pinned in a
    # second environment that runs the same test command.
    declared = PYPROJECT["project"]["dependencies"]
    declared += PYPROJECT["project"]["optional-dependencies"]["plot"]
    (minimum_line,) = [line for line in ci_lines() if ".venv-min" in line]
    for requirement in declared:
        name, version = re.fullmatch(r"([\w-]+)>=([\d.]+)", requirement).groups()
        assert f'"{name}=={version}.*"' in minimum_line, requirement
    assert '".[test]"' in minimum_line
    assert minimum_line.endswith("&& python -m pytest")
    assert ci_lines().index(minimum_line) > ci_lines().index(readme_commands()[1])


def test_docs_output_and_environments_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for generated in [
        "docs/_build/",
        "docs/auto_examples/",
        "docs/generated/",
        ".venv/",
        ".venv-min/",
    ]:
        assert generated in ignored


def test_readme_shows_a_picture_that_is_there():
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README)
    assert pictures
    for picture in pictures:
        assert (ROOT / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # And the script that draws it.
    assert "readme-descent.png" in (ROOT / "docs" / "readme_figure.py").read_text()


def test_readme_says_what_each_extra_installs():
    extras = PYPROJECT["project"]["optional-dependencies"]
    table = section("Optional features and what they need")
    for extra in extras:
        assert f'".[{extra}]"' in table, extra
    # ProgressBar needs rich, and an extra installs it.
    assert any(req.startswith("rich") for req in extras["progress"])
    row = next(line for line in table.splitlines() if '".[progress]"' in line)
    assert "rich" in row and "ProgressBar" in row


def test_performance_is_one_table_and_the_diary_is_in_benchmarks():
    performance = section("Performance")
    tables = re.findall(r"(?:^\|.*\|\n)+", performance, re.M)
    assert len(tables) == 1
    assert "benchmarks/README.md" in performance
    diary = (ROOT / "benchmarks" / "README.md").read_text()
    for heading in ["## The method", "## The measurements"]:
        assert heading in diary
    # The explanations are the diary's alone; the README's figures come from it.
    assert "## What the machine explains" in diary
    assert "What the machine explains" not in README
    for ratio in re.findall(r"\| (0\.\d+|1\.\d+) \|", tables[0]):
        assert ratio in diary, ratio


def test_no_link_to_a_source_repository_that_does_not_exist():
    assert "urls" not in PYPROJECT["project"]
    for text in [README, (ROOT / "docs" / "conf.py").read_text()]:
        assert "github.com/skgd" not in text


def test_changelog_and_citation():
    changes = (ROOT / "CHANGES.rst").read_text()
    assert changes.startswith("Changelog\n=========\n")
    assert "\nUnreleased\n----------\n" in changes
    assert f"\n{skgd.__version__}\n---" in changes
    assert ".. include:: ../CHANGES.rst" in (ROOT / "docs" / "changes.rst").read_text()
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^cff-version: 1\.2\.0$", citation, re.M)
    assert re.search(rf"^version: {re.escape(skgd.__version__)}$", citation, re.M)
    for key in ["title", "authors", "message", "license"]:
        assert re.search(rf"^{key}:", citation, re.M), key
