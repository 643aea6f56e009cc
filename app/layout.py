"""What every page of the app shares: the sidebar (language, region, presentation mode), the pages' list,
the back-test reminder with its link to the Trust page, and the export buttons under a chart."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from jobsim.app import charts, services, state
from jobsim.app import text
from jobsim.app.text import LANGUAGES, t
from jobsim.model import api

APP_FOLDER = Path(__file__).resolve().parent
PAGES = (  # (url path, page file, title key); the first is the default page
    ("overview", "screens/overview.py", "page_overview"),
    ("builder", "screens/builder.py", "page_builder"),
    ("compare", "screens/compare.py", "page_compare"),
    ("sweeps", "screens/sweeps.py", "page_sweeps"),
    ("trust", "screens/trust.py", "page_trust"),
    ("method", "screens/method.py", "page_method"),
)
PRESENT_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
  .stApp, .stMarkdown p, .stDataFrame, [data-testid="stMetricValue"] {font-size: 1.45rem;}
  [data-testid="stMetricValue"] {font-size: 3rem;}
  h1 {font-size: 3.2rem;} h2 {font-size: 2.4rem;} h3 {font-size: 2rem;}
</style>
"""
FONT_CSS = "<style>html, body, .stApp {font-family: 'Noto Sans CJK SC', 'Source Sans Pro', sans-serif;}</style>"


def lang() -> str:
    return st.session_state.get("lang", "zh")


def present() -> bool:
    return bool(st.session_state.get("present"))


def pages() -> list:
    return [st.Page(str(APP_FOLDER / path), title=t(key, lang()), url_path=url, default=(k == 0))
            for k, (url, path, key) in enumerate(PAGES)]


def page_file(url: str) -> str:
    return str(APP_FOLDER / dict((u, p) for u, p, _ in PAGES)[url])


def sidebar() -> None:
    """Language, region and presentation mode; in presentation mode only a button to leave it."""
    ss = st.session_state
    st.markdown(FONT_CSS, unsafe_allow_html=True)
    if present():
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)
        if st.button("✕ " + t("present", lang()), key="leave_present"):
            ss["present"] = False
            st.rerun()
        return
    with st.sidebar:
        chosen = st.radio(t("language", lang()), LANGUAGES, index=LANGUAGES.index(lang()), horizontal=True,
                          format_func=lambda x: {"zh": "中文", "en": "English"}[x], key="lang_choice")
        if chosen != ss["lang"]:
            ss["lang"] = chosen
            st.rerun()
        regions = services.regions_with_baseline()
        names = services.region_names(lang())
        region = st.selectbox(t("region", lang()), regions, index=regions.index(ss["region"]),
                              format_func=lambda r: names.get(r, r), key="region_choice")
        if region != ss["region"]:
            state.reset_for_region(region)
            st.rerun()
        if st.toggle(t("present", lang()), value=False, help=t("present_help", lang()), key="present_choice"):
            ss["present"] = True
            st.rerun()


def stop() -> None:
    """End the page's run here, with the URL written first: after st.stop() Streamlit runs no further call, so
    Home.py could not write it."""
    state.write_to_url()
    st.stop()


def base_scenario():
    """The scenario the user starts from (the URL's `scenario`, default the region's baseline), and its file."""
    ss = st.session_state
    files = services.scenario_files(ss["region"])
    name = ss.get("scenario") if ss.get("scenario") in files else services.baseline_name(ss["region"])
    if name not in files:
        st.error(t("no_baseline", lang()))
        stop()
    return services.load_scenario(files[name]), files[name]


def baseline_scenario():
    files = services.scenario_files(st.session_state["region"])
    return services.load_scenario(files[services.baseline_name(st.session_state["region"])])


def edited_scenario(base):
    """The scenario with the user's lever and uncertainty changes (None when there are none); a value not
    allowed is shown with its field and the page stops."""
    ss = st.session_state
    try:
        return services.edited_scenario(base, ss.get("levers") or {}, ss.get("g"), ss.get("grad"))
    except api.ScenarioError as err:
        for field, message in err.issues:
            st.error(f"{field}: {message}")
        stop()


def trust_reminder(region: str) -> None:
    """The one-line back-test reminder every projection page shows, with the link to the Trust page."""
    cols = st.columns([5, 1])
    cols[0].caption("⚠ " + api.backtest_reminder(region, lang()))
    cols[1].page_link(page_file("trust"), label=t("trust_link", lang()), icon=":material/fact_check:")


def export_buttons(chart, name: str) -> None:
    """PNG and SVG downloads of `chart`, rendered with the chart's CJK font."""
    if present():
        return
    key = hashlib.sha1(name.encode()).hexdigest()[:10]
    cols = st.columns(6)
    cols[0].download_button(t("export_png", lang()), data=lambda: charts.to_png(chart), file_name=f"{name}.png",
                            mime="image/png", key=f"png_{key}", on_click="ignore")
    cols[1].download_button(t("export_svg", lang()), data=lambda: charts.to_svg(chart), file_name=f"{name}.svg",
                            mime="image/svg+xml", key=f"svg_{key}", on_click="ignore")


def size_note(size: services.RunSize) -> None:
    st.caption(t(size.note_key(), lang(), replicates=size.replicates, scale=size.scale))


def amount(value: float) -> str:
    """A figure as planners write it: thousands separated, no exponent (11,000 not 1.1e+04), 4 significant
    digits below 1,000."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"


def unit_words(unit: str) -> str:
    """A registry unit in the chosen language (text.unit_words)."""
    return text.unit_words(unit, lang())
