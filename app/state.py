"""The app's state (region, scenario, levers, language, presentation mode, ...) and its place in the URL.

The page is the URL's path (`/compare`); everything else is a query parameter, so a link reproduces a
view: `/compare?lang=en&region=Jiangxi&scenario=jiangxi_baseline&cmp=jiangxi_more_posts
&lv.loan_issuance_yuan=150,150,150,150,150`. Lever values are in their planners' unit (亿元, 万人次, %,
posts; `api.lever_units`), one per year of the period. A value a link gives that is not allowed is
replaced by the default, and the page says which and why.

The session holds the state (`st.session_state`); it is read from the URL once, when a session starts, and
written back to the URL after every run of a page.
"""

from __future__ import annotations

import math

import streamlit as st

from jobsim.app import services
from jobsim.model import api
from jobsim.app.text import DEFAULT_LANGUAGE, LANGUAGES, t

LEVER_PREFIX = "lv."
KEYS = ("lang", "region", "scenario", "present", "ts", "cmp", "g", "grad", "store", "ind")
DEFAULT_REGION = "Jiangxi"
DEFAULT_INDICATOR = "new_urban_jobs"
LIST_SEPARATOR = ","
SIGNIFICANT = 8  # digits a lever value keeps in the URL


def _number_text(v: float) -> str:
    return f"{v:.{SIGNIFICANT}g}"


def _numbers(text: str) -> list[float] | None:
    try:
        values = [float(x) for x in text.split(LIST_SEPARATOR)]
    except ValueError:
        return None
    return values if all(math.isfinite(v) for v in values) else None


def _warn(field: str, value: str, allowed: str) -> None:
    st.session_state.setdefault("state_warnings", []).append((field, value, allowed))


def load_from_url() -> None:
    """On a session's first run: the state from the URL's query parameters, each checked."""
    if st.session_state.get("state_loaded"):
        return
    q = {k: st.query_params.get(k) for k in st.query_params.keys()}
    ss = st.session_state
    ss["state_warnings"] = []
    lang = q.get("lang", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        _warn("lang", lang, ", ".join(LANGUAGES))
        lang = DEFAULT_LANGUAGE
    ss["lang"] = lang
    regions = services.regions_with_baseline()
    region = q.get("region", DEFAULT_REGION if DEFAULT_REGION in regions else regions[0])
    if region not in regions:
        _warn("region", region, ", ".join(regions))
        region = DEFAULT_REGION if DEFAULT_REGION in regions else regions[0]
    ss["region"] = region
    ss["present"] = q.get("present") == "1"
    files = services.scenario_files(region)
    scenario = q.get("scenario", services.baseline_name(region))
    if scenario not in files:
        _warn("scenario", str(scenario), ", ".join(files))
        scenario = services.baseline_name(region)
    ss["scenario"] = scenario
    ss["cmp"] = [n for n in q.get("cmp", "").split(LIST_SEPARATOR) if n]
    for n in [n for n in ss["cmp"] if n not in files]:
        _warn("cmp", n, ", ".join(files))
    ss["cmp"] = [n for n in ss["cmp"] if n in files]
    ss["ts"] = q.get("ts")
    if ss["ts"] is not None and ss["ts"] not in api.target_set_names():
        _warn("ts", ss["ts"], ", ".join(api.target_set_names()))
        ss["ts"] = None
    ss["store"] = q.get("store", "")
    ss["ind"] = q.get("ind", DEFAULT_INDICATOR)
    base = services.load_scenario(files[scenario])
    years = base.years
    levers: dict[str, list[float]] = {}
    for key, text in q.items():
        if not key.startswith(LEVER_PREFIX):
            continue
        lever = key[len(LEVER_PREFIX):]
        values = _numbers(text)
        if lever not in base.levers:
            _warn(key, text, "lv.<lever id> with a lever of data/registry/levers.csv")
        elif values is None or len(values) != len(years) or min(values) < 0:
            _warn(key, text, f"{len(years)} numbers, one per year {years[0]}-{years[-1]}, none negative")
        else:
            levers[lever] = values
    ss["levers"] = levers
    growth = _numbers(q["g"]) if "g" in q else None
    if "g" in q and (growth is None or len(growth) != len(years)):
        _warn("g", q["g"], f"{len(years)} growth rates in percent, one per year")
        growth = None
    ss["g"] = growth
    grad = _numbers(q["grad"]) if "grad" in q else None
    if "grad" in q and (grad is None or len(grad) != 1 or not 0 < grad[0] <= 10):
        _warn("grad", q["grad"], "one multiplier above 0 and at most 10")
        grad = None
    ss["grad"] = grad[0] if grad else None
    ss["state_loaded"] = True


def show_warnings(lang: str) -> None:
    for field, value, allowed in st.session_state.pop("state_warnings", []):
        st.warning(t("bad_state", lang, field=field, value=value, allowed=allowed))


def write_to_url() -> None:
    """The state into the URL (only what differs from the defaults), when it changed."""
    ss = st.session_state
    params: dict[str, str] = {}
    if ss.get("lang", DEFAULT_LANGUAGE) != DEFAULT_LANGUAGE:
        params["lang"] = ss["lang"]
    params["region"] = ss["region"]
    if ss.get("scenario"):
        params["scenario"] = ss["scenario"]
    if ss.get("present"):
        params["present"] = "1"
    if ss.get("ts"):
        params["ts"] = ss["ts"]
    if ss.get("cmp"):
        params["cmp"] = LIST_SEPARATOR.join(ss["cmp"])
    for lever, values in sorted((ss.get("levers") or {}).items()):
        params[LEVER_PREFIX + lever] = LIST_SEPARATOR.join(_number_text(v) for v in values)
    if ss.get("g"):
        params["g"] = LIST_SEPARATOR.join(_number_text(v) for v in ss["g"])
    if ss.get("grad"):
        params["grad"] = _number_text(ss["grad"])
    if ss.get("store"):
        params["store"] = ss["store"]
    if ss.get("ind") and ss["ind"] != DEFAULT_INDICATOR:
        params["ind"] = ss["ind"]
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if current != params:
        st.query_params.from_dict(params)


def reset_for_region(region: str) -> None:
    """A new region: its baseline, no lever changes, no comparison list."""
    ss = st.session_state
    ss["region"] = region
    ss["scenario"] = services.baseline_name(region)
    ss["levers"], ss["g"], ss["grad"], ss["cmp"], ss["ts"] = {}, None, None, [], None
