"""Every public name has a numpydoc docstring with a runnable Examples section."""

import inspect

import pytest

import skgd

PUBLIC = [name for name in skgd.__all__ if not name.startswith("__")]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_examples(name):
    doc = inspect.getdoc(getattr(skgd, name))
    assert doc, f"{name} has no docstring"
    examples = doc.partition("Examples\n--------\n")[2]
    assert ">>> " in examples, f"{name} has no doctest Examples"
