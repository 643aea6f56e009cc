"""Compare: scenarios against the baseline and the targets — overlaid fan charts, the chance of meeting each
target, spending, the paired differences with "within noise" marked, the cost per additional job, and the
cities against their own targets; a brief to take into a meeting."""

import pandas as pd
import streamlit as st

from jobsim.app import charts, layout, services
from jobsim.app.text import t
from jobsim.model import api

lang, present = layout.lang(), layout.present()
ss = st.session_state
region = ss["region"]
label_column = "label_zh" if lang == "zh" else "label_en"
title_column = "title_zh" if lang == "zh" else "title_en"
st.title(t("page_compare", lang))
layout.trust_reminder(region)

files = services.scenario_files(region)
baseline = layout.baseline_scenario()
base, _ = layout.base_scenario()
others = [n for n, p in files.items() if n != baseline.name and services.load_scenario(p).period == baseline.period]
picked = [n for n in ss.get("cmp") or [] if n in others]
if not present:
    picked = st.multiselect(t("pick_scenarios", lang), others, default=picked, key=f"compare_pick_{region}",
                            format_func=lambda n: services.scenario_title(services.load_scenario(files[n]), lang))
    ss["cmp"] = picked

# ---- quick levers: every year of a lever moved by the same percentage from the baseline ----
QUICK_STEPS = list(range(-50, 105, 5))
if not present:
    with st.expander(t("quick_levers", lang), expanded=True):
        schedule = api.lever_schedule(base, baseline, lang)
        edits = dict(ss.get("levers") or {})
        cols = st.columns(3)
        for k, (lever, part) in enumerate(schedule.groupby("lever", sort=False)):
            base_values = list(part["base_value"])  # the baseline's: the percentages are from it
            current = edits.get(lever, list(part["value"]))  # what the scenario being edited has now
            first = next((i for i, b in enumerate(base_values) if b), None)
            percent = 0 if first is None else round(100 * (current[first] / base_values[first] - 1) / 5) * 5
            percent = min(max(percent, QUICK_STEPS[0]), QUICK_STEPS[-1])
            chosen = cols[k % 3].select_slider(
                f"{part['label'].iloc[0]}（%）" if lang == "zh" else f"{part['label'].iloc[0]} (%)",
                options=QUICK_STEPS, value=percent, key=f"quick_{lever}",
                format_func=lambda p: f"{p:+d}%")
            if chosen != percent:
                edits[lever] = [b * (1 + chosen / 100) for b in base_values]
                if chosen == 0 and base.name == baseline.name:  # load_scenario returns a copy: not `is`
                    edits.pop(lever)
            shown = edits.get(lever, current)
            cols[k % 3].caption(f"= {layout.amount(shown[0])} {part['unit'].iloc[0]} ({part['year'].iloc[0]})")
        ss["levers"] = edits

edited = layout.edited_scenario(base)
items = [baseline] + [services.load_scenario(files[n]) for n in picked]
if base.name != baseline.name and base.name not in picked:
    items.append(base)
if edited is not None:
    items.append(edited)
if len(items) < 2:
    st.info(t("compare_needs_two", lang))
    layout.stop()

request = tuple(api.scenario_to_yaml(s) for s in items)
size = services.full_size(baseline) if ss.get("compare_full_for") == request else services.preview_size(baseline)
if not present and st.button(t("full_precision", lang), key="compare_full_button"):
    ss["compare_full_for"] = request
    size = services.full_size(baseline)
bar = st.progress(0.0, text=t("running", lang))
result = services.compare(items, size, lambda done, total: bar.progress(
    min(done / max(total, 1), 1.0), text=t("runs_done", lang, done=done, total=total)))
bar.empty()
if result.served:
    st.info(t("from_catalogue", lang))
layout.size_note(size)
ds = result.dataset
tables = services.comparison_tables(result)
titles = dict(zip(tables["scenarios"]["scenario"], tables["scenarios"][title_column]))

# ---- fan charts ----
FAN_INDICATORS = {  # indicator -> cumulated over the period (as its target reads)
    "new_urban_jobs": True, "surveyed_unemployment_rate": False, "jobs_held": False, "person_years_employed": True}
indicator = ss.get("ind") if ss.get("ind") in FAN_INDICATORS else "new_urban_jobs"
if not present:
    indicator = st.selectbox(t("indicator", lang), list(FAN_INDICATORS), index=list(FAN_INDICATORS).index(indicator),
                             format_func=lambda i: api.fan_table({}, i, region, lang).attrs["label"], key="compare_ind")
ss["ind"] = indicator
cumulative = FAN_INDICATORS[indicator]
fan = api.fan_table(result.runs, indicator, region, lang, cumulative=cumulative)
marks = api.target_marks(baseline.target_list(), indicator, region, lang, cumulative=cumulative)
fan_chart = charts.styled(charts.fan_chart(fan, marks, t("fan_title", lang, label=fan.attrs["label"]), present, titles),
                          present)
st.altair_chart(fan_chart, width="content")
layout.export_buttons(fan_chart, f"compare_{indicator}")

# ---- targets ----
st.subheader(t("target_table", lang))
targets = tables["targets"]
targets = targets[targets["status"] != "not modelled"].copy()
targets["shown"] = [f"{p:.0%}" if s == "evaluated" else t("set_by_scenario", lang) + (" ✓" if m else " ✗" if m is False else "")
                    for p, s, m in zip(targets["probability"], targets["status"], targets["scenario_meets"])]
targets["scenario_title"] = [titles.get(n, n) for n in targets["scenario"]]
area_names = services.region_names(lang)
targets["area_name"] = [area_names.get(a, a) for a in targets["area"]]
targets["goal"] = [f"{api.comparison_symbol(c)} {layout.amount(v)} {layout.unit_words(u)}"
                   for c, v, u in zip(targets["comparison"], targets["value"], targets["unit"])]
TARGET_INDEX = {label_column: t("indicator", lang), "area_name": t("region", lang), "period": t("target_years", lang),
                "goal": t("target_level", lang)}
wide = targets.pivot_table(index=list(TARGET_INDEX), columns="scenario_title", values="shown",
                           aggfunc="first", sort=False).reset_index().rename(columns=TARGET_INDEX)
st.dataframe(wide, hide_index=True)
evaluated = targets[targets["status"] == "evaluated"].assign(target_label=lambda d: d[label_column] + " " + d["period"])
probability_chart = charts.styled(charts.probability_bars(evaluated, "probability", "target_label", "scenario_title",
                                                          t("target_table", lang), present,
                                                          order=[titles[n] for n in result.runs]), present)
st.altair_chart(probability_chart, width="content")
layout.export_buttons(probability_chart, "compare_probabilities")

# ---- differences from the baseline, spending, cost per additional job ----
st.subheader(t("effects", lang))
headline = tables["headline"]
rows = []
for _, r in headline[headline["scenario"] != baseline.name].iterrows():
    # what a planner reads first (the difference and whether it is resolved) before the levels
    rows.append({t("scenario", lang): titles.get(r["scenario"], r["scenario"]), t("indicator", lang): r[label_column],
                 t("difference", lang): f"{r['difference']:+,.4g} ± {r['difference_se']:,.2g} {layout.unit_words(r['diff_unit'])}",
                 t("noise", lang): (t("within_noise", lang) + (f" (n≈{r['replicates_needed']})"
                                                              if isinstance(r["replicates_needed"], int) else ""))
                 if r["within_noise"] else "",
                 t("median", lang): layout.amount(r["median"]),
                 t("range", lang): f"{layout.amount(r['p10'])} – {layout.amount(r['p90'])}"})
st.dataframe(pd.DataFrame(rows), hide_index=True)
spending = tables["spending"]
spending_wide = spending.assign(scenario_title=[titles.get(n, n) for n in spending["scenario"]],
                               shown=[layout.amount(v) for v in spending["median"]]).pivot_table(
    index=label_column, columns="scenario_title", values="shown", aggfunc="first", sort=False).reset_index().rename(
    columns={label_column: t("programme", lang)})
st.caption(t("spending", lang))
st.dataframe(spending_wide, hide_index=True)
cost = tables["cost"][tables["cost"]["scenario"] != baseline.name]
cost_rows = []
for _, r in cost.iterrows():
    cost_rows.append({t("scenario", lang): titles.get(r["scenario"], r["scenario"]),
                      t("extra_cost", lang): f"{r['extra_cost']:+,.4g} ± {r['extra_cost_se']:,.2g} {layout.unit_words(r['extra_cost_unit'])}",
                      **{t(key, lang): (f"{r[key]:,.0f} {layout.unit_words(r['cost_unit'])}" if pd.notna(r[key]) else "—")
                         + (" · " + t("within_noise", lang) if r[f"{key}_within_noise"] else "")
                         for key in ("cost_per_extra_job", "cost_per_extra_job_held", "cost_per_extra_job_year")}})
st.dataframe(pd.DataFrame(cost_rows), hide_index=True)

# ---- the cities against their own targets ----
st.subheader(t("cities", lang))
city_sets = services.city_target_sets(region, baseline.period.first_year, baseline.period.last_year,
                                     api.scenario_to_yaml(baseline))
city_chart = None
if not city_sets:
    st.caption(t("cities_none", lang))
else:
    cols = st.columns(3)
    city_set = city_sets[0] if present else cols[0].selectbox(t("target_set", lang), city_sets, key="city_set")
    shown_name = items[-1].name if present else cols[1].selectbox(
        t("scenario", lang), list(result.runs), index=len(result.runs) - 1, format_func=lambda n: titles.get(n, n),
        key="city_scenario")
    cities = services.city_targets(result, shown_name, city_set, region, lang)
    city_indicators = list(dict.fromkeys(cities["indicator"]))
    city_indicator = "new_urban_jobs" if "new_urban_jobs" in city_indicators else city_indicators[0]
    if not present:
        city_indicator = cols[2].selectbox(t("indicator", lang), city_indicators,
                                           index=city_indicators.index(city_indicator), key="city_indicator",
                                           format_func=lambda i: cities[cities["indicator"] == i]["label"].iloc[0])
    chosen = cities[cities["indicator"] == city_indicator]
    city_chart = charts.styled(charts.city_bars(chosen, f"{chosen['label'].iloc[0]} · {titles.get(shown_name, shown_name)}",
                                                present, t("city_ratio", lang)), present)
    st.altair_chart(city_chart, width="content")
    layout.export_buttons(city_chart, f"compare_cities_{city_indicator}")

# ---- the brief ----
if not present:
    st.divider()
    brief_charts = [(fan.attrs["label"], fan_chart), (t("target_table", lang), probability_chart)]
    if city_chart is not None:
        brief_charts.append((t("cities", lang), city_chart))

    def make_brief() -> bytes:
        from jobsim.app import brief  # python-pptx loads only when a brief is asked for

        return brief.comparison_brief(result, lang, region, brief_charts)

    def make_pdf_brief() -> bytes:
        from jobsim.app import brief_pdf

        return brief_pdf.brief_pdf(result, lang, region, brief_charts)

    cols = st.columns(4)
    cols[0].download_button(t("brief", lang), data=make_brief,
                            file_name=f"jobsim_brief_{region}_{lang}.pptx", key="brief_download", on_click="ignore",
                            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    if services.pdf_brief_available():
        cols[1].download_button(t("brief_pdf", lang), data=make_pdf_brief, file_name=f"jobsim_brief_{region}_{lang}.pdf",
                                key="brief_pdf_download", on_click="ignore", mime="application/pdf")
    else:
        cols[1].caption(t("brief_pdf_needs_font", lang))
