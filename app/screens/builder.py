"""Scenario builder: the levers year by year in planners' units beside the baseline's, the uncertainties
apart, a run with progress, and saving, downloading and uploading scenario files (changes only)."""

import pandas as pd
import streamlit as st

from jobsim.app import charts, layout, services
from jobsim.app.text import t
from jobsim.model import api

lang, present = layout.lang(), layout.present()
ss = st.session_state
region = ss["region"]
st.title(t("page_builder", lang))
layout.trust_reminder(region)
if ss.get("flash"):
    st.success(ss.pop("flash"))

files = services.scenario_files(region)
baseline = layout.baseline_scenario()
same_period = [n for n, p in files.items()
               if services.load_scenario(p).period == baseline.period or n == ss.get("scenario")]
if not present:
    chosen = st.selectbox(t("scenario", lang), same_period, index=same_period.index(ss["scenario"])
                          if ss.get("scenario") in same_period else 0,
                          format_func=lambda n: services.scenario_title(services.load_scenario(files[n]), lang))
    if chosen != ss.get("scenario"):
        ss["scenario"], ss["levers"], ss["g"], ss["grad"] = chosen, {}, None, None
        ss["editor_round"] = ss.get("editor_round", 0) + 1
        st.rerun()
base, base_file = layout.base_scenario()
years = base.years
round_key = f"{ss['scenario']}_{ss.get('editor_round', 0)}"

# ---- levers: one row per lever, a column per year, the baseline's value beside each ----
st.subheader(t("levers_by_year", lang))
schedule = api.lever_schedule(base, baseline, lang)
edits = ss.get("levers") or {}
rows = []
for lever, part in schedule.groupby("lever", sort=False):
    row = {"lever": lever, t("lever", lang): part["label"].iloc[0], t("unit", lang): part["unit"].iloc[0]}
    values = edits.get(lever, list(part["value"]))
    for year, value, base_value in zip(part["year"], values, part["base_value"]):
        row[str(year)] = float(value)
        row[f"{t('baseline', lang)} {year}"] = float(base_value)
    rows.append(row)
table = pd.DataFrame(rows)
if present:
    st.dataframe(table.drop(columns=["lever"]), hide_index=True)
    edited_table = table
else:
    config = {"lever": None, t("lever", lang): st.column_config.TextColumn(disabled=True),
              t("unit", lang): st.column_config.TextColumn(disabled=True)}
    for year in years:
        config[str(year)] = st.column_config.NumberColumn(str(year), min_value=0.0, format="%.4g")
        config[f"{t('baseline', lang)} {year}"] = st.column_config.NumberColumn(disabled=True, format="%.4g")
    edited_table = st.data_editor(table, column_config=config, hide_index=True, key=f"levers_{round_key}")

# The changes the table holds, in planners' units, for the levers that differ from the scenario's own.
ss["levers"] = services.lever_changes(
    {row["lever"]: [float(row[str(y)]) for y in years] for _, row in edited_table.iterrows()}, base)

# ---- uncertainties: what nobody sets, apart and collapsed ----
with st.expander(t("uncertainties", lang), expanded=False):
    growth = ss.get("g") or services.default_growth(base)
    if not present:
        growth_table = st.data_editor(pd.DataFrame([dict(zip(map(str, years), growth))]), hide_index=True,
                                      key=f"growth_{round_key}",
                                      column_config={str(y): st.column_config.NumberColumn(str(y), format="%.2f")
                                                     for y in years})
        growth = [float(growth_table.iloc[0][str(y)]) for y in years]
        st.caption(t("growth_path", lang))
        graduates = st.number_input(t("graduates_multiplier", lang), min_value=0.1, max_value=10.0, step=0.05,
                                    value=float(ss.get("grad") or services.default_graduates(base)),
                                    key=f"grad_{round_key}")
        default_growth = services.default_growth(base)
        ss["g"] = growth if any(abs(a - b) > services.SAME_VALUE for a, b in zip(growth, default_growth)) else None
        ss["grad"] = graduates if abs(graduates - services.default_graduates(base)) > 1e-12 else None

edited = layout.edited_scenario(base)
scenario = edited if edited is not None else base

# ---- run ----
run_full = False if present else st.toggle(t("full_precision", lang), key="builder_full")
size = services.full_size(baseline) if run_full else services.preview_size(baseline)
if present or st.button(t("run", lang), type="primary", key="builder_run") or ss.get("builder_ran") == round_key:
    ss["builder_ran"] = round_key
    items = [baseline] + ([scenario] if scenario.name != baseline.name else [])
    bar = st.progress(0.0, text=t("running", lang))
    progress = lambda done, total: bar.progress(done / max(total, 1), text=t("runs_done", lang, done=done, total=total))
    if len(items) > 1:
        result = services.compare(items, size, progress)
        runs = result.runs
        if result.served:
            st.info(t("from_catalogue", lang))
    else:
        runs = {baseline.name: services.ensemble(baseline, size, progress)[0]}
    bar.empty()
    layout.size_note(size)
    titles = {n: services.scenario_title(s, lang) for n, s in zip(runs, items)}
    fan = api.fan_table(runs, "new_urban_jobs", region, lang, cumulative=True)
    marks = api.target_marks(scenario.target_list(), "new_urban_jobs", region, lang, cumulative=True)
    chart = charts.styled(charts.fan_chart(fan, marks, t("fan_title", lang, label=fan.attrs["label"]), present,
                                           titles), present)
    st.altair_chart(chart, width="content")
    layout.export_buttons(chart, "builder_new_urban_jobs")
    targets = api.scenario_targets(runs[scenario.name], scenario)
    label_column = "label_zh" if lang == "zh" else "label_en"
    shown = targets[targets["status"] != "not modelled"]
    st.dataframe(shown[[label_column, "area", "period", "reading", "median", "p10", "p90", "probability", "status"]],
                 hide_index=True)

if present:
    layout.stop()

# ---- save, download, upload ----
st.divider()
left, right = st.columns(2)
with left:
    if edited is not None:
        name = st.text_input(t("scenario_name", lang), value=f"{base.name}_mine", key="save_name")
        if st.button(t("save_as", lang), key="save_button"):
            try:
                path = services.save_scenario(edited, base_file, name)
                st.success(t("saved", lang, path=path, base=base.name))
            except api.ScenarioError as err:
                for field, message in err.issues:
                    st.error(f"{field}: {message}")
        yaml_text = api.scenario_diff_yaml(edited, base=base_file.stem if base_file.parent == api.scenarios_dir().resolve()
                                           else base_file)
    else:
        yaml_text = api.scenario_to_yaml(base)
    st.download_button(t("download_yaml", lang), data=yaml_text, file_name=f"{scenario.name}.yaml",
                       mime="application/x-yaml", key="download_yaml")
with right:
    upload = st.file_uploader(t("upload_yaml", lang), type=["yaml", "yml"], key=f"upload_{round_key}")
    if upload is not None:
        problems, uploaded = services.read_upload(upload.name, upload.size, upload.getvalue, region, lang)
        if problems:
            st.error(t("upload_bad", lang) + "\n\n" + "\n".join(f"- {p}" for p in problems))
        else:
            state_changes = services.upload_state(uploaded, files, baseline)
            ss.update(state_changes)
            ss["editor_round"] = ss.get("editor_round", 0) + 1
            ss["flash"] = t("upload_ok", lang, name=uploaded.name)
            st.rerun()
