"""Trust: how far to trust the model in a region. Its history, the statistical forecast with its 80% interval
and the calibrated model's baseline on one chart; the recorded back-tests (model vs statistical forecast vs
naive); the calibration's posterior predictive checks and warnings. Every projection page links here."""

import pandas as pd
import streamlit as st

from jobsim.app import charts, layout, services
from jobsim.app.text import WORDS, t
from jobsim.model import api

lang, present = layout.lang(), layout.present()
ss = st.session_state
region = ss["region"]
st.title(f"{services.region_names(lang).get(region, region)} · {t('page_trust', lang)}")
st.caption(t("trust_intro", lang))


def indicator_label(indicator: str) -> str:
    return str(api.indicator_info(indicator)["label_zh" if lang == "zh" else "label_en"])


def headed(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with its columns named in the chosen language (text keys col_<column>)."""
    return table.rename(columns={c: t(f"col_{c}", lang) for c in table.columns})


# ---- the indicator ------------------------------------------------------------------------------------

offered = services.trust_indicators(region)
indicator = ss.get("ind") if ss.get("ind") in offered else offered[0]
if not present:
    chosen = st.selectbox(t("indicator", lang), offered, index=offered.index(indicator),
                          format_func=indicator_label, key="trust_indicator")
    if chosen != indicator:  # the URL's `ind` follows a choice made here, not a fallback to the default
        ss["ind"] = indicator = chosen
label = indicator_label(indicator)

# ---- history, statistical forecast and the calibrated baseline -----------------------------------------

history = services.history_rows(region, indicator, lang)
if isinstance(history, str):
    st.info(t("no_history", lang, reason=history))
    history = pd.DataFrame({"year": pd.Series(dtype=int), "value": pd.Series(dtype=float)})

forecast = None
fc = services.forecast_table(region, indicator)
if isinstance(fc, str):
    st.info(t("no_forecast", lang, reason=fc))
else:
    try:
        forecast = api.forecast_frame(fc.to_frame(), fc.unit, indicator, lang)
    except ValueError as exc:  # a monthly forecast: the chart's axis is years
        st.info(t("no_forecast", lang, reason=str(exc)))

baseline = layout.baseline_scenario()
size = services.preview_size(baseline)
ds, _ = services.ensemble(baseline, size)
model = api.fan_table({baseline.name: ds}, indicator, region, lang)
unit = model.attrs.get("unit", "")
y_title = f"{label}（{unit}）" if unit else label
chart = charts.styled(charts.history_chart(
    history, forecast, model,
    {"history": t("history", lang), "forecast": t("forecast", lang), "model": t("model_baseline", lang)},
    y_title, t("trust_chart_title", lang, label=label), present), present)
st.altair_chart(chart, width="content")
st.caption(t("trust_chart_note", lang, scenario=services.scenario_title(baseline, lang)))
if forecast is not None:
    st.caption(t("trust_forecast_model", lang, model=fc.model_description))
layout.size_note(size)
layout.export_buttons(chart, f"trust_{region}_{indicator}")

# ---- the recorded back-tests ----------------------------------------------------------------------------

BACKTEST_COLUMNS = ["origin", "period", "actual", "forecast", "forecast_lo80", "forecast_hi80", "model_median",
                    "model_lo80", "model_hi80", "model_fg_median", "naive", "mase_forecast", "mase_model",
                    "mase_model_fg", "mase_naive", "forecast_covered_80", "model_covered_80"]
SUMMARY_COLUMNS = ["method", "n", "mean_abs_error", "mean_abs_pct_error", "mean_mase", "coverage_80",
                   "mean_band_width_80"]

st.subheader(t("backtest_table", lang))
table, summary = api.backtest_record(region)
if len(table) == 0:
    st.info(t("no_backtest", lang))
else:
    rows = table[table["indicator"] == indicator]
    if len(rows) == 0:
        st.info(t("no_backtest_indicator", lang))
    else:
        st.dataframe(headed(rows[[c for c in BACKTEST_COLUMNS if c in rows.columns]].reset_index(drop=True)),
                     hide_index=True, key="trust_backtests")
        st.subheader(t("backtest_summary", lang))
        sums = summary[summary["series"] == f"{region} {indicator}"]
        shown = sums[[c for c in SUMMARY_COLUMNS if c in sums.columns]].reset_index(drop=True)
        shown["method"] = [t(f"method_{m}", lang) if f"method_{m}" in WORDS else m for m in shown["method"]]
        st.dataframe(headed(shown), hide_index=True, key="trust_backtest_summary")
        if len(sums):
            first = sums.iloc[0]
            kind = str(first.get("calibration", ""))  # quick or thorough, as the report wrote it
            calibration = t(f"calibration_{kind}", lang) if f"calibration_{kind}" in WORDS else kind
            budget = pd.to_numeric(first.get("evaluations"), errors="coerce")  # the search's budget, when the report set one
            if pd.notna(budget):
                calibration = t("calibration_budget", lang, kind=calibration, n=int(budget))
            st.caption(t("backtest_how", lang, calibration=calibration,
                         replicates=first.get("replicates", ""), generated=first.get("generated", ""),
                         version=first.get("jobsim_version", "")))

# ---- posterior predictive checks and the calibration's warnings ------------------------------------------

st.subheader(t("ppc", lang))
checks = api.posterior_checks(region)
if len(checks) == 0:
    st.info(t("ppc_none", lang))
else:
    covered = checks["covered"].fillna(False).astype(bool)
    st.markdown(t("ppc_covered", lang, share=float(covered.mean()), n=len(checks)))
    far = checks["z"].astype(float).abs() > 3

    def red(row: pd.Series) -> list[str]:
        return ["background-color: #f5b7b1" if far.iloc[row.name] else ""] * len(row)

    shown = headed(checks.reset_index(drop=True))
    numbers = [t(f"col_{c}", lang) for c in ("observed", "sd", "simulated", "lo80", "hi80", "z")]
    st.dataframe(shown.style.apply(red, axis=1).format("{:.4g}", subset=numbers, na_rep=""),
                 hide_index=True, key="trust_ppc")
    st.caption(t("ppc_high_z", lang) + " " + t("ppc_units", lang))

notes = api.calibration_notes(region)
if notes["warnings"]:
    with st.expander(t("calibration_warnings", lang, file=notes["file"], date=notes["calibrated_on"])):
        st.markdown("\n".join(f"- {w}" for w in notes["warnings"]))
