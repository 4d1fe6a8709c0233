"""Every public name has a valid numpydoc docstring with a runnable Examples section.

Validated with ``numpydoc.validate`` as scikit-learn validates its own (its
``sklearn/tests/test_docstrings.py``): every check, except those scikit-learn
also leaves out, and extended summary, See Also and Examples required of
classes and functions but not of their methods.
"""

import enum
import inspect

import pytest
from numpydoc.validate import validate

import skgd

PUBLIC = [name for name in skgd.__all__ if not name.startswith("__")]
# RT02: the first line of Returns may name the returned object; GL01/GL02: the
# placement of the summary and of blank lines, which ruff's format decides.
IGNORED = {"RT02", "GL01", "GL02"}
TOP_LEVEL_ONLY = {"ES01", "SA01", "EX01"}


def documented_names():
    for name in PUBLIC:
        obj = getattr(skgd, name)
        yield f"skgd.{name}", None
        if inspect.isclass(obj) and not issubclass(obj, enum.Enum):
            for member, value in vars(obj).items():
                if member.startswith("_"):
                    continue
                # available_if (partial_fit) wraps a function as ``fn``.
                if inspect.isfunction(getattr(value, "fn", value)) or isinstance(
                    value, (classmethod, staticmethod, property)
                ):
                    yield f"skgd.{name}.{member}", member


def errors_of(qualified_name, method):
    obj = eval(qualified_name, {"skgd": skgd})  # a dotted name of skgd's own
    for code, message in validate(qualified_name)["errors"]:
        if code in IGNORED or (method is not None and code in TOP_LEVEL_ONLY):
            continue
        # An Enum's signature is Enum's own (value, names, ...): its members are
        # documented instead.
        if code == "PR01" and inspect.isclass(obj) and issubclass(obj, enum.Enum):
            continue
        yield code, message


@pytest.mark.parametrize("qualified_name, method", list(documented_names()))
def test_docstring_is_valid_numpydoc(qualified_name, method):
    errors = list(errors_of(qualified_name, method))
    assert not errors, "\n".join(f"{code}: {message}" for code, message in errors)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_examples(name):
    doc = inspect.getdoc(getattr(skgd, name))
    examples = doc.partition("Examples\n--------\n")[2]
    assert ">>> " in examples, f"{name} has no doctest Examples"
