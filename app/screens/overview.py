"""Overview: a region's baseline projection for a plan period against a target set, as fan charts with the
target lines, and the chance of meeting each target."""

import streamlit as st

from jobsim.app import charts, layout, services
from jobsim.app.text import status_text, t
from jobsim.model import api

lang, present = layout.lang(), layout.present()
ss = st.session_state
region = ss["region"]
files = services.scenario_files(region)
baseline_name = services.baseline_name(region)
st.title(f"{services.region_names(lang).get(region, region)} · {t('page_overview', lang)}")

# A plan period is the period of one of the region's scenarios; the baseline's first, then later ones.
by_period: dict[str, str] = {}
for name, path in files.items():
    s = services.load_scenario(path)
    by_period.setdefault(f"{s.period.first_year}–{s.period.last_year}", name)
periods = list(by_period)
chosen_period = ss.get("overview_period") if ss.get("overview_period") in periods else periods[0]
cols = st.columns(2)
if not present:
    # keyed: an unkeyed box's identity includes `index`, so the first choice after a change was dropped
    chosen_period = cols[0].selectbox(t("period", lang), periods, index=periods.index(chosen_period),
                                      key=f"overview_period_{region}")
ss["overview_period"] = chosen_period
scenario = services.load_scenario(files[by_period[chosen_period]])
sets = api.target_sets_for(region, scenario.period.first_year, scenario.period.last_year)
target_set = ss.get("ts") if ss.get("ts") in sets else (scenario.target_set_name if scenario.target_set_name in sets
                                                          else (sets[0] if sets else None))
if sets and not present:
    target_set = cols[1].selectbox(t("target_set", lang), sets, index=sets.index(target_set),
                                   key=f"overview_ts_{region}_{chosen_period}")
if target_set and target_set != scenario.target_set_name:
    scenario = scenario.with_changes(targets=target_set)
ss["ts"] = target_set if target_set != services.load_scenario(files[by_period[chosen_period]]).target_set_name else None

full_key = ("overview_full", api.scenario_to_yaml(scenario))
size = services.full_size(scenario) if ss.get("overview_full_for") == full_key else services.preview_size(scenario)
if not present and st.button(t("full_precision", lang), key="overview_full_button"):
    ss["overview_full_for"] = full_key
    size = services.full_size(scenario)
bar = st.progress(0.0, text=t("running", lang)) if size.full else None


def step(done: int, total: int) -> None:
    if bar is not None:
        bar.progress(done / max(total, 1), text=t("runs_done", lang, done=done, total=total))


ds, served = services.ensemble(scenario, size, step)
if bar is not None:
    bar.empty()
if served:
    st.info(t("from_catalogue", lang))
layout.size_note(size)
layout.trust_reminder(region)

table = api.scenario_targets(ds, scenario)
st.subheader(t("headline_cards", lang))
shown = table[table["status"] != "not modelled"].reset_index(drop=True)
label_column = "label_zh" if lang == "zh" else "label_en"
per_row = 4
for start in range(0, len(shown), per_row):
    row_cols = st.columns(per_row)
    for col, (_, row) in zip(row_cols, shown.iloc[start:start + per_row].iterrows()):
        if row["status"] == "evaluated":
            value = f"{row['probability']:.0%}"
        elif row["status"] == "set by the scenario":
            value = t("set_by_scenario", lang)
        else:  # the run cannot judge it (e.g. outside the simulated period): its status, as the brief shows it
            value = status_text(str(row["status"]), lang)
        area_name = services.region_names(lang).get(row["area"], row["area"]) if row["area"] != region else ""
        col.metric(f"{row[label_column]} · {area_name}".rstrip(" ·"),
                   value, help=str(row["reading"]))

# Fan charts: each outcome indicator with a target for the region, cumulated where the target is a total.
outcome = shown[(shown["status"] == "evaluated") & (shown["area"] == region)]
targets = scenario.target_list()
chart_cols = st.columns(1 if present else 2)
HALF_WIDTH = 400  # two charts side by side in a 1,400-pixel window
for k, (_, row) in enumerate(outcome.drop_duplicates("indicator").iterrows()):
    cumulative = row["basis"] == "total"
    fan = api.fan_table({scenario.name: ds}, row["indicator"], region, lang, cumulative=cumulative)
    marks = api.target_marks(targets, row["indicator"], region, lang, cumulative=cumulative)
    chart = charts.styled(charts.fan_chart(fan, marks, t("fan_title", lang, label=fan.attrs["label"]), present,
                                           {scenario.name: services.scenario_title(scenario, lang)},
                                           width=charts.WIDTH if present else HALF_WIDTH), present)
    with chart_cols[k % len(chart_cols)]:
        st.altair_chart(chart, width="content")
        layout.export_buttons(chart, f"overview_{row['indicator']}")

if not present:
    with st.expander(t("target_table", lang)):
        st.dataframe(table[[label_column, "area", "period", "reading", "median", "p10", "p90", "probability", "status"]],
                     hide_index=True)
