"""Settings for the whole test suite.

SOURCE_DATE_EPOCH (the reproducible-builds convention, honoured by jobsim.model.inputs.provenance)
fixes the creation time recorded in result Datasets, so that two runs of the same scenario and seed,
in this process or in a `jobsim` subprocess, give identical Datasets, attributes included. A test of
the real clock removes it with monkeypatch.
"""

from __future__ import annotations

import os

from jobsim.model.inputs.provenance import SOURCE_DATE_EPOCH

TEST_EPOCH_SECONDS = "1767225600"  # 2026-01-01T00:00:00Z
os.environ.setdefault(SOURCE_DATE_EPOCH, TEST_EPOCH_SECONDS)
