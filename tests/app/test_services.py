"""app/services.py's worker processes for previews, and the entry point that those workers import again."""

from __future__ import annotations

import runpy

import pytest

from .conftest import APP


def test_preview_workers_from_the_environment(monkeypatch):
    from jobsim.app import services

    monkeypatch.delenv(services.PREVIEW_WORKERS_VARIABLE, raising=False)
    monkeypatch.setattr(services.os, "cpu_count", lambda: 8)
    assert services.preview_workers() == services.PREVIEW_WORKERS
    monkeypatch.setenv(services.PREVIEW_WORKERS_VARIABLE, "1")
    assert services.preview_workers() == 1
    monkeypatch.setenv(services.PREVIEW_WORKERS_VARIABLE, "16")
    assert services.preview_workers() == 8  # never more than the cores
    monkeypatch.setenv(services.PREVIEW_WORKERS_VARIABLE, "0")
    assert services.preview_workers() == 1
    monkeypatch.setenv(services.PREVIEW_WORKERS_VARIABLE, "two")
    with pytest.raises(ValueError, match="JOBSIM_APP_PREVIEW_WORKERS='two'"):
        services.preview_workers()


def test_one_preview_worker_runs_in_the_server():
    from jobsim.app import services

    assert services.preview_pool(1) is None


def test_the_entry_point_imported_by_a_worker_draws_nothing(monkeypatch):
    """A spawn or forkserver worker started by the server imports app/Home.py as __mp_main__ (Streamlit
    makes the script __main__): it must not set up a page, start a pool or run the navigation."""
    import streamlit as st

    from jobsim.app import services

    calls = []
    monkeypatch.setattr(st, "set_page_config", lambda *a, **k: calls.append("page"))
    monkeypatch.setattr(services, "start_preview_pool", lambda: calls.append("pool"))
    monkeypatch.setattr(st, "navigation", lambda *a, **k: calls.append("navigation"))
    namespace = runpy.run_path(str(APP), run_name="__mp_main__")
    assert calls == [] and "navigation" not in namespace
