"""Sweep explorer: open a sweep store (`jobsim sweep FILE.yaml --out STORE.zarr`); the probability of meeting
one of its base scenario's targets over two of its factors, as a heatmap; and, for a Sobol or Morris design,
the sensitivity indices as bars with their confidence intervals.

Every figure comes from the API (api.sweep_target_probabilities, api.sensitivity, through app/services.py);
this page only picks what to show and labels it. The store's path is the URL's `store`.
"""

import re
from pathlib import Path

import streamlit as st

from jobsim.app import charts, layout, services
from jobsim.app.text import WORDS, t
from jobsim.model import api

# What opening or reading a store can raise for a path that is not a complete sweep store: shown, not raised.
STORE_ERRORS = (api.SweepStoreError, api.SensitivityError, api.ChoiceError, api.SweepsExtraMissing,
                FileNotFoundError, OSError, KeyError, ValueError)
INDEX_DESIGNS = ("sobol", "morris")
LABEL_LIMIT = 420  # pixels of a factor's name beside its bars (Vega-Lite cuts at 180 by default)
FIELD_UNSAFE = re.compile(r"[.:\[\]\\\"']")  # characters Vega-Lite reads as a field path or an Altair type

lang, present = layout.lang(), layout.present()
ss = st.session_state
st.title(t("page_sweeps", lang))
head = st.container()  # the back-test reminder, for the store's region once the store is open


def field_name(text: str) -> str:
    """A chart column named by its words (the tooltip shows the name), without Vega-Lite's path characters."""
    return FIELD_UNSAFE.sub(" ", text).strip() or "-"


def no_store(message: str | None = None, error: bool = False) -> None:
    """Say there is no store to show (or why the path given is not one). The page then ends by returning, not
    by st.stop(): Home.py still writes the state into the URL after the page."""
    with head:
        layout.trust_reminder(ss["region"])
    if error:
        st.error(message)
    else:
        st.info(t("sweep_none", lang))
        if message:
            st.caption(message)


def choose(where, label: str, options: list, state_key: str, default, format_func=str):
    """A select box over `options` (none in presentation mode), remembered in `state_key` across pages and
    stores; a remembered value a new store does not offer falls back to `default`."""
    current = ss.get(state_key)
    if current not in options:
        current = default
    if not present:
        widget = f"{state_key}_choice"
        if widget in ss and ss[widget] not in options:
            del ss[widget]
        current = where.selectbox(label, options, index=options.index(current), format_func=format_func, key=widget)
    ss[state_key] = current
    return current


# ---- the store --------------------------------------------------------------------------------------------


def open_store():
    """The store the user gives (the text box, else the URL's `store`): (path, stamp, outline, probabilities),
    or None after saying why there is nothing to show."""
    store_text = str(ss.get("store") or "")
    found = services.sweep_stores()
    if found and not present:  # the stores a planner has (the app folder's sweeps/, the current folder) by name
        choice = st.selectbox(t("sw_found", lang), ["", *found], format_func=lambda p: Path(p).name if p else "—",
                              index=([""] + found).index(store_text) if store_text in found else 0,
                              key="sweep_store_found")
        if choice and choice != store_text:
            ss["store"] = store_text = choice
            ss["sweep_store_input"] = choice  # the path box shows the store chosen (set before it is drawn)
    if not present:
        entered = st.text_input(t("sweep_store", lang), value=store_text, key="sweep_store_input").strip()
        if entered != store_text:
            ss["store"] = store_text = entered
    if not store_text:
        return no_store()
    path = Path(store_text).expanduser()
    if not path.exists():
        return no_store(t("sw_missing", lang, path=store_text))
    store = str(path)
    try:
        stamp = services.store_stamp(store)
        return store, stamp, services.sweep_outline(store, stamp), services.sweep_probabilities(store, stamp)
    except STORE_ERRORS as err:
        return no_store(str(err), error=True)


class Words:
    """How the page names a store's factors and targets, in the chosen language."""

    def __init__(self, outline: dict, probabilities):
        self.factors = {f["field"]: f for f in outline["factors"]}
        self.probabilities = probabilities
        self.areas = services.region_names(lang)
        design = outline["design"]
        self.design = t(f"sw_design_{design}", lang) if f"sw_design_{design}" in WORDS else design

    def area(self, area: str) -> str:
        return self.areas.get(area, area)

    def factor_axis(self, name: str) -> tuple[str, float]:
        """A factor's axis title and its base units per display unit: a lever by its registry label, in its
        planners' unit when the sweep sets its value (api.lever_units), as a multiple of the base's otherwise."""
        f = self.factors[name]
        if f["kind"] == "lever":
            label = api.label(name, lang)
            if f["mode"] == "multiplier":
                return t("sw_factor_multiplier", lang, label=label), 1.0
            unit, per = api.lever_units(name)
            return t("sw_factor_value", lang, label=label, unit=api.unit_text(unit, lang)), float(per)
        key = f"sw_factor_{name}_{f['mode']}"
        return (t(key, lang) if key in WORDS else f"{name} ({f['mode']})"), 1.0

    def factor(self, name: str) -> str:
        return self.factor_axis(name)[0]

    def target(self, k: int) -> str:
        one = self.probabilities.sel(target=k)
        indicator, area = str(one["target_indicator"].item()), str(one["target_area"].item())
        comparison = str(one["target_comparison"].item())
        unit = api.unit_text(str(one["target_unit"].item()), lang)
        return (f"{api.label(indicator, lang)} · {self.area(area)} · {one['target_period'].item()} · "
                f"{api.comparison_symbol(comparison)} {float(one['target_value'].item()):g} {unit}")


# ---- the probability of meeting a target over two factors ---------------------------------------------------


def show_heatmap(outline: dict, probabilities, words: Words) -> None:
    evaluated = [int(k) for k, status in zip(probabilities["target"].values, probabilities["target_status"].values)
                 if str(status) == "evaluated"]
    if not evaluated:
        st.info(t("sw_no_targets", lang))
        return
    factor_names = list(words.factors)
    cols = st.columns(3)
    target = choose(cols[0], t("target", lang), evaluated, "sweep_target", evaluated[0], words.target)
    x = choose(cols[1], t("axis_x", lang), factor_names, "sweep_x", factor_names[0], words.factor)
    y_options = [n for n in factor_names if n != x]
    y = choose(cols[2], t("axis_y", lang), y_options, "sweep_y", y_options[0], words.factor) if y_options else None
    x_title, x_per = words.factor_axis(x)
    y_title, y_per = words.factor_axis(y) if y is not None else ("", 1.0)
    x_column, y_column = field_name(x_title), (field_name(y_title) if y is not None else "-")
    bins = None if outline["design"] == "full_factorial" else services.SWEEP_BINS
    table, binned = services.sweep_heatmap_table(probabilities, target, x, y, x_column, y_column, x_per, y_per, bins)
    chart = charts.styled(charts.heatmap(table, x_column, y_column, x_title, y_title,
                                         t("sweep_heatmap", lang, target=words.target(target)), present,
                                         t("probability", lang), t("sw_samples", lang)), present)
    st.altair_chart(chart, width="content")
    layout.export_buttons(chart, f"sweep_{outline['name']}_target{target}_{x}_{y or ''}")
    if not present:
        st.caption(t("sw_cells", lang, replicates=outline["replicates"]))
        if binned:
            st.caption(t("sw_binned", lang, bins=services.SWEEP_BINS))
        if y is None:
            st.caption(t("sw_one_factor", lang))
        st.caption(str(probabilities.sel(target=target)["target_reading"].item()))


# ---- sensitivity indices -------------------------------------------------------------------------------------


def show_indices(store: str, stamp: float, outline: dict, words: Words) -> None:
    st.subheader(t("sensitivity", lang))
    if outline["design"] not in INDEX_DESIGNS:
        st.caption(t("sw_no_indices", lang, design=words.design))
        return
    indicators = outline["indicators"]
    indicator = choose(st, t("indicator", lang), indicators, "sweep_indicator",
                       ss.get("ind") if ss.get("ind") in indicators else indicators[0], lambda i: api.label(i, lang))
    try:
        indices = services.sweep_sensitivity(store, stamp, indicator)
    except STORE_ERRORS as err:
        st.error(str(err))
        return
    columns = {"factor": t("sw_col_factor", lang), "index": t("sw_col_index", lang),
               "value": t("sw_col_value", lang), "low": t("sw_col_low", lang), "high": t("sw_col_high", lang)}
    columns = {k: field_name(v) for k, v in columns.items()}
    bars = services.sensitivity_intervals(indices)
    bars["factor"] = [words.factor(f) for f in bars["factor"]]
    bars["index"] = [t(f"sw_index_{i}", lang) for i in bars["index"]]
    bars = bars.rename(columns=columns)
    area = str(indices.attrs["area"])
    title = t("sw_sensitivity_title", lang, indicator=api.label(indicator, lang), area=words.area(area))
    chart = charts.styled(charts.interval_bars(bars, columns["factor"], columns["value"], columns["low"],
                                               columns["high"], columns["index"], title, present),
                          present).configure_axisY(labelLimit=LABEL_LIMIT)
    st.altair_chart(chart, width="content")
    layout.export_buttons(chart, f"sweep_{outline['name']}_sensitivity_{indicator}")
    if not present:
        level, replicates = float(indices.attrs["confidence_level"]), indices.attrs["replicates"]
        if indices.attrs["method"] == "sobol":
            st.caption(t("sw_sobol_note", lang, replicates=replicates, level=level))
        else:
            st.caption(t("sw_morris_note", lang, replicates=replicates, level=level,
                         unit=api.unit_text(str(indices.attrs["units"]), lang)))


# ---- the page ------------------------------------------------------------------------------------------------

opened = open_store()
if opened is not None:
    store, stamp, outline, probabilities = opened
    region = outline["region"] or ss["region"]
    words = Words(outline, probabilities)
    with head:
        layout.trust_reminder(region)
    st.caption(t("sw_summary", lang, name=outline["name"], design=words.design, samples=outline["samples"],
                 replicates=outline["replicates"], base=outline["base"], region=words.area(region)))
    show_heatmap(outline, probabilities, words)
    show_indices(store, stamp, outline, words)
