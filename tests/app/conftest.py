"""Helpers for the app's tests: an AppTest of app/Home.py on a page, and the charts a run drew with their data.

Every test gets its own app folder (JOBSIM_APP_HOME in a tmp_path), so nothing is written into the project.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

APP = Path(__file__).resolve().parents[2] / "app" / "Home.py"
TIMEOUT = 300  # seconds a run of the script may take (a preview run of the model included)


@pytest.fixture(autouse=True)
def app_home(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBSIM_APP_HOME", str(tmp_path / "jobsim_app"))
    return tmp_path / "jobsim_app"


def app_test(page: str | None = None, **query):
    """An AppTest of the app, on `page` (e.g. "compare"), with the URL's query parameters `query`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if page is not None:
        at.switch_page(f"screens/{page}.py")
    for key, value in query.items():
        at.query_params[key.replace("__", ".")] = value
    return at


BRIEF_SCENARIOS = ["jiangxi_baseline.yaml", "jiangxi_more_posts.yaml"]
BRIEF_REPLICATES, BRIEF_SCALE = 2, 20000


@pytest.fixture(scope="session")
def brief_comparison():
    """A real small comparison of two Jiangxi scenarios (2 replicates at 1:20,000), as the Compare page hands it
    to the briefs (test_brief.py, test_brief_pdf.py)."""
    import warnings

    from jobsim.model import api

    with warnings.catch_warnings():  # streamlit's cache outside a Streamlit run warns
        warnings.simplefilter("ignore")
        from jobsim.app import services
    files = [str(api.scenarios_dir() / name) for name in BRIEF_SCENARIOS]
    plan = api.plan_comparison(files, replicates=BRIEF_REPLICATES, scale=BRIEF_SCALE)
    runs = api.comparison_runs(plan)
    ds = api.compare_runs(plan, runs)
    return services.Comparison(runs, ds, services.RunSize(BRIEF_REPLICATES, float(BRIEF_SCALE), False), 0, plan)


def cached_views(page: str, tmp_path_factory):
    """A function query -> the AppTest of `page` run once with that URL query (no widget moved), each in its
    own app folder; the same query again gives the same run (for module-scoped fixtures)."""
    runs = {}

    def run(**query):
        key = tuple(sorted(query.items()))
        if key not in runs:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("JOBSIM_APP_HOME", str(tmp_path_factory.mktemp("jobsim_app")))
                at = app_test(page, **query)
                at.run()
            runs[key] = at
        return runs[key]

    return run


def no_exception(at) -> None:
    assert not at.exception, "\n".join(f"{e.message}\n{''.join(e.stack_trace or [])}" for e in at.exception)


def _elements(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _elements(child)


def vega_charts(at) -> list[tuple[dict, dict[str, pd.DataFrame]]]:
    """Every Vega-Lite chart of the run: (its spec, {dataset name: its rows})."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    found = []
    for element in _elements(at._tree):
        if getattr(element, "type", None) != "vega_lite_chart":
            continue
        proto = element.proto
        data = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data) for d in proto.datasets}
        found.append((json.loads(proto.spec), data))
    return found


def chart_rows(spec: dict, data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All rows of a chart's datasets in one frame (inline `datasets` of the spec included)."""
    frames = list(data.values()) + [pd.DataFrame(v) for v in spec.get("datasets", {}).values()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
