"""Test configuration shared by the whole suite."""

import os

# scikit-learn's check_array_api_input is skipped unless scipy's array API
# support is on, and scipy reads this only when first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests draw the same examples on every run, so CI is reproducible.
settings.register_profile(
    "deterministic",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deterministic")
