"""The README's three commands: the ones CI runs and a fresh machine can run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)


def ci_lines():
    return (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_opens_with_the_demo_and_the_test_command():
    demo, tests = readme_commands()[:2]
    assert demo.endswith("python -m skgd")
    assert '".[test]"' in tests and tests.endswith("python -m pytest")


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


def test_docs_output_is_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for generated in ["docs/_build/", "docs/auto_examples/", "docs/generated/"]:
        assert generated in ignored
