"""The Displays as a package: matplotlib stays optional, the package ships whole."""

import subprocess
import sys
from pathlib import Path

import pytest

from skgd import CostHistoryDisplay, DescentPathDisplay

ROOT = Path(__file__).resolve().parents[1]


def quadratic(theta):
    return float(theta @ theta), 2 * theta


def test_import_skgd_does_not_import_matplotlib():
    code = "import sys, skgd; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "draw",
    [
        lambda: CostHistoryDisplay(cost_history=[1.0, 0.5]).plot(),
        lambda: CostHistoryDisplay(cost_history=[1.0, 0.5], min_cost=0.1).plot(
            kind="gap"
        ),
        lambda: CostHistoryDisplay.from_estimator(None),
        lambda: CostHistoryDisplay.from_result(None),
        lambda: DescentPathDisplay(xx0=0, xx1=0, cost=0, path=0).plot(),
        lambda: DescentPathDisplay.from_result(None, quadratic),
        lambda: DescentPathDisplay.from_estimator(None, None, None),
    ],
)
def test_clear_error_without_matplotlib(monkeypatch, draw):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'requires matplotlib.*"skgd\[plot\]"'):
        draw()
