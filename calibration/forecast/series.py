"""Series extraction: `series_for` turns the long history table into one regular yearly or monthly
series with a report (`SeriesExtraction`) of the rows used and the windows skipped and why;
`usable_series` lists a region's forecastable indicators; the region and indicator are resolved here,
and an origin is checked against the years of the indicator's data (`check_origin`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobsim.calibration.forecast.policy import MAX_GAP_YEARS, MIN_POINTS, ForecastError
from jobsim.calibration.forecast.rows import (
    _DISCONTINUED,
    _FLAGGED,
    _PRE_SERIES,
    _STAT_WORDS,
    _YEARLY_STATS,
    _choose_rows,
    _classify_yearly,
    _drop,
    _is_monthly,
    _own_note,
    _text,
    _unit_factor,
)
from jobsim.model.inputs.history import history_for
from jobsim.model.inputs.registry import indicators


@dataclass
class SeriesExtraction:
    """What `series_for` made of the history rows: the definition used, the rows used and skipped."""

    region: str
    indicator: str
    unit: str
    kind: str
    freq: str  # "Y" (yearly, PeriodIndex 'Y-DEC') or "M" (monthly, PeriodIndex 'M')
    definition: str  # e.g. "sums over January-December"
    used: pd.DataFrame  # period, start, end, stat, value, vintage, source_file, line, note
    dropped: pd.DataFrame  # start, end, stat, value, source_file, line, reason
    notes: list[str] = field(default_factory=list)
    origin: int | None = None
    reference_year: int | None = None  # the origin, or the latest year in the region's data (latest_data_year)

    @property
    def n_points(self) -> int:
        return len(self.used)

    @property
    def points_word(self) -> str:
        return "monthly" if self.freq == "M" else "yearly"

    def periods_text(self) -> str:
        """The periods used, compactly ("2011, 2016, 2019-2020")."""
        return _compact_periods([str(p) for p in self.used["period"]], self.freq)

    def skipped_text(self, limit: int = 6) -> str:
        """The skipped windows grouped by reason ("partial year: 2010-01..2010-08 sum, ...; ...")."""
        if self.dropped.empty:
            return "none"
        groups: dict[str, list[str]] = {}
        for r in self.dropped.itertuples(index=False):
            groups.setdefault(str(r.reason), []).append(f"{_window_text(r.start, r.end)} {r.stat}")
        parts = []
        for reason, windows in groups.items():
            if reason.startswith("after the origin"):
                parts.append(f"{len(windows)} row(s) {reason}")
                continue
            more = len(windows) - limit
            parts.append(f"{reason}: " + ", ".join(windows[:limit]) + (f" and {more} more" if more > 0 else ""))
        return "; ".join(parts)

    def describe(self) -> str:
        """One paragraph: what was used and what was skipped."""
        used = f"{self.n_points} {self.points_word} point(s) ({self.definition}): {self.periods_text() or '-'}"
        return f"{self.region} {self.indicator}: {used}; skipped: {self.skipped_text()}"


def _window_text(start: pd.Period, end: pd.Period) -> str:
    return f"{start}" if start == end else f"{start}..{end}"


def _compact_periods(labels: list[str], freq: str) -> str:
    """'2011, 2016, 2019-2020' for yearly labels; first..last with a count for monthly ones."""
    if not labels:
        return ""
    if freq == "M":
        return f"{labels[0]}..{labels[-1]}" if len(labels) > 1 else labels[0]
    years = [int(x) for x in labels]
    runs, start, prev = [], years[0], years[0]
    for y in years[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def _registry_entry(indicator: str) -> pd.Series:
    reg = indicators()
    if indicator not in reg.index:
        raise ForecastError(f"unknown indicator {indicator!r}")
    return reg.loc[indicator]


def resolve_region(history: pd.DataFrame, region: str) -> str:
    """The region as spelled in the history (matched case-insensitively), or a ForecastError listing them."""
    regions = sorted(set(history["region"].astype(str)))
    if region in regions:
        return region
    hits = [r for r in regions if r.lower() == str(region).strip().lower()]
    if len(hits) == 1:
        return hits[0]
    from jobsim.model.inputs.regions import region_ids

    what = "no history for region" if region in region_ids() else "unknown region"
    raise ForecastError(f"{what} {region!r}; regions with history: {', '.join(regions)}")


def resolve_indicator(indicator: str) -> str:
    """The indicator id for an id or a Chinese/English label; a ForecastError if the registry has none."""
    reg = indicators()
    if indicator in reg.index:
        return indicator
    key = str(indicator).strip()
    for col in ("label_zh", "label_en"):
        hits = list(reg.index[reg[col].str.lower() == key.lower()])
        if len(hits) == 1:
            return hits[0]
    raise ForecastError(f"unknown indicator {indicator!r}: not in data/registry/indicators.csv")


# Series the model conditions on (its uncertainties), not ones it forecasts or is judged on: their rows
# may run past the years the target indicators are held back for back-tests (real GDP growth runs to
# 2025, new urban jobs to 2020), so they do not make another indicator's series look stopped.
INPUT_INDICATORS = frozenset({"gdp_real_growth"})


def origin_range(history: pd.DataFrame, region: str, indicator: str) -> tuple[int, int] | None:
    """The years an origin may take for `region`'s `indicator`: from the first to the last year of that
    indicator's own rows (an origin after its last observation has nothing to forecast from or to check
    a back-test against; input series such as real GDP growth do not extend it). A region without rows
    of the indicator falls back to the years of its other rows (input series only if it has nothing else);
    None when the region has no rows."""
    region_rows = history[history["region"] == region]
    if not len(region_rows):
        return None
    own = region_rows[region_rows["indicator"] == indicator]
    targets = region_rows[~region_rows["indicator"].isin(INPUT_INDICATORS)]
    rows = own if len(own) else targets if len(targets) else region_rows
    first = min(p.year for p in rows["start"])
    last = max(p.year for p in rows["end"])
    return int(first), int(last)


def latest_data_year(history: pd.DataFrame, region: str, indicator: str) -> int | None:
    """The latest year of `region`'s data that a series without an origin is judged stale against: the
    last year of the region's rows other than input series (INPUT_INDICATORS), or of the indicator's own
    rows if later; None when the region has no rows."""
    region_rows = history[history["region"] == region]
    rows = region_rows[~region_rows["indicator"].isin(INPUT_INDICATORS - {indicator})]
    if not len(rows):
        rows = region_rows
    return int(max(p.year for p in rows["end"])) if len(rows) else None


def check_origin(history: pd.DataFrame, region: str, indicator: str, origin: object) -> None:
    """ForecastError unless `origin` is None or a whole year within `origin_range` (forecast and
    back-test `--origin`): an origin outside the years of the indicator's data is invalid input, not a
    failure."""
    if origin is None:
        return
    span = origin_range(history, region, indicator)
    allowed = f"a year from {span[0]} to {span[1]}" if span else "a year"
    if isinstance(origin, bool) or not isinstance(origin, (int, np.integer)):
        of = f", the years of {region}'s {indicator} data" if span else ""
        raise ForecastError(f"--origin {origin!r}: not a whole year; allowed: {allowed}{of}")
    if span is not None and not span[0] <= int(origin) <= span[1]:
        raise ForecastError(
            f"--origin {origin}: outside the years of {region}'s {indicator} data; allowed: {allowed}"
        )


def _extract(
    history: pd.DataFrame,
    region: str,
    indicator: str,
    origin: int | None = None,
    freq: str | None = None,
) -> tuple[pd.Series, SeriesExtraction]:
    """The series and its extraction report, without refusing stale or short series (see series_for)."""
    region = resolve_region(history, region)
    indicator = resolve_indicator(indicator)
    check_origin(history, region, indicator, origin)
    entry = _registry_entry(indicator)
    unit, kind = str(entry["unit"]), str(entry["kind"])
    rows = history_for(region, indicator, history=history).copy()
    rows["_order"] = np.arange(len(rows))
    for col in ("vintage", "note", "source_file"):
        if col not in rows.columns:
            rows[col] = ""
    if "line" not in rows.columns:
        rows["line"] = -1
    notes: list[str] = []
    dropped: list[dict] = []

    # Units: convert same-dimension units, refuse others (with file and line).
    factors = []
    for r in rows.itertuples(index=False):
        where = f"{_text(r.source_file) or 'history'} line {r.line}"
        f, note = _unit_factor(str(r.unit), unit, where, indicator)
        factors.append(f)
        if note:
            notes.append(note)
    if len(rows):
        rows["value"] = rows["value"].astype(float) * np.asarray(factors, dtype=float)
    bad = rows[~np.isfinite(rows["value"].astype(float))]
    for _, r in bad.iterrows():
        dropped.append(_drop(r, "value is missing or not a number"))
    rows = rows[np.isfinite(rows["value"].astype(float))]

    if origin is not None:
        cut = pd.Period(f"{origin}-12", "M")
        for _, r in rows[rows["end"] > cut].iterrows():
            dropped.append(_drop(r, f"after the origin {origin}"))
        rows = rows[rows["end"] <= cut]
        reference_year = origin
    else:
        reference_year = latest_data_year(history, region, indicator)

    if freq is None:
        freq = "M" if len(rows) and _is_monthly(rows) else "Y"
    if freq not in ("Y", "M"):
        raise ForecastError(f"freq must be 'Y' or 'M', not {freq!r}")

    cands = []
    if freq == "M":
        definition = _STAT_WORDS["month"]
        for _, r in rows.iterrows():
            if r["start"] == r["end"] and r["stat"] in (("sum",) if kind == "flow" else ("end", "mean")):
                cands.append(r.to_dict() | {"period": r["end"], "definition": "month"})
            else:
                why = f"stat {r['stat']!r}" if r["start"] == r["end"] else "not a single month; the series is monthly"
                dropped.append(_drop(r, why))
    else:
        by_def: dict[str, list[dict]] = {}
        for _, r in rows.iterrows():
            year, why = _classify_yearly(r["start"], r["end"], str(r["stat"]), kind)
            if year is None:
                dropped.append(_drop(r, why))
            else:
                by_def.setdefault(str(r["stat"]), []).append(r.to_dict() | {"period": year, "definition": r["stat"]})
        prefs = _YEARLY_STATS[kind]
        best = max(by_def, key=lambda s: (len({c["period"] for c in by_def[s]}), -prefs.index(s)), default=None)
        definition = _STAT_WORDS[best] if best else _STAT_WORDS[prefs[0]]
        for stat, items in by_def.items():
            if stat == best:
                cands = items
            else:
                why = f"the series uses {_STAT_WORDS[best]}, not {_STAT_WORDS[stat]}"
                dropped.extend(_drop(pd.Series(it), why) for it in items)

    used_cols = ["period", "start", "end", "stat", "value", "vintage", "source_file", "line", "note"]
    if cands:
        chosen, dup_dropped = _choose_rows(pd.DataFrame(cands))
        dropped.extend(dup_dropped)
        used = chosen.sort_values("period", kind="stable")[used_cols].reset_index(drop=True)
    else:
        used = pd.DataFrame(columns=used_cols)
    dropped_df = pd.DataFrame(dropped, columns=["start", "end", "stat", "value", "source_file", "line", "reason"])
    if len(dropped_df):
        dropped_df = dropped_df.sort_values(["start", "end", "line"], kind="stable").reset_index(drop=True)

    # Notes on the rows used: flagged values, possible series breaks.
    flagged = [(str(p), _own_note(n)) for p, n in zip(used["period"], used["note"]) if _FLAGGED.search(_own_note(n))]
    if 0 < len(flagged) <= 6:
        notes.append("values used that their source flags: " + "; ".join(f"{p} ({n[:70]})" for p, n in flagged))
    elif flagged:
        words = sorted({m.group(0).lower() for _, n in flagged for m in [_FLAGGED.search(n)]})
        notes.append(
            f"{len(flagged)} of {len(used)} values used are flagged by their source ({', '.join(words)}), "
            f"e.g. {flagged[0][0]} ({flagged[0][1][:60]})"
        )
    pre = [i for i, n in enumerate(used["note"]) if _PRE_SERIES.search(_own_note(n))]
    if pre:
        flag = _PRE_SERIES.search(_own_note(used["note"].iloc[pre[-1]])).group(0)
        if pre[-1] < len(used) - 1:
            notes.append(
                f"possible series break after {used['period'].iloc[pre[-1]]}: earlier rows are flagged "
                f"'{flag}', later ones are not"
            )
        else:
            notes.append(
                f"the last value used ({used['period'].iloc[-1]}) is flagged '{flag}': the forecast continues "
                "that basis, which later figures may have replaced"
            )

    if freq == "M":
        periods = [pd.Period(p, "M") for p in used["period"]]
        index = pd.period_range(periods[0], periods[-1], freq="M") if periods else pd.PeriodIndex([], freq="M")
    else:
        periods = [pd.Period(str(int(p)), "Y") for p in used["period"]]
        index = pd.period_range(periods[0], periods[-1], freq="Y") if periods else pd.PeriodIndex([], freq="Y")
    series = pd.Series(np.nan, index=index, name=indicator, dtype=float)
    if periods:
        series.loc[pd.PeriodIndex(periods)] = used["value"].astype(float).to_numpy()
    used = used.assign(period=[str(p) for p in periods])

    ext = SeriesExtraction(
        region=region,
        indicator=indicator,
        unit=unit,
        kind=kind,
        freq=freq,
        definition=definition,
        used=used,
        dropped=dropped_df,
        notes=notes,
        origin=origin,
        reference_year=reference_year,
    )
    return series, ext


def series_for(
    history: pd.DataFrame,
    region: str,
    indicator: str,
    origin: int | None = None,
    *,
    max_gap_years: int | None = MAX_GAP_YEARS,
    freq: str | None = None,
) -> tuple[pd.Series, SeriesExtraction]:
    """The region's series for one indicator, and a report of what was used and what was skipped.

    Yearly series (PeriodIndex 'Y') come from full-year windows only: a flow's January-December sum,
    a rate's or stock's yearly mean or December level, a yearly growth rate (one definition per
    series: the one with most years). Partial-year and multi-year windows are skipped and reported.
    Indicators published monthly (single-month values in six or more calendar months) stay monthly
    (PeriodIndex 'M'); `freq` forces 'Y' or 'M'. Where a window has several rows, a revised figure
    beats an unknown one beats an early one, an exact one beats a rounded one, otherwise the later row
    wins. Missing periods are NaN inside a regular index. `origin=YYYY` keeps the rows whose window
    ends by December of that year.

    Raises ForecastError when the series was flagged discontinued, or when its last observation is
    more than `max_gap_years` before the origin (or, without an origin, the latest year of the
    region's data other than input series, `latest_data_year`): such a series must not be
    extrapolated as if it had continued.
    """
    series, ext = _extract(history, region, indicator, origin=origin, freq=freq)
    if ext.n_points and any(_DISCONTINUED.search(_text(n)) for n in ext.used["note"]):
        raise ForecastError(
            f"{ext.region} {ext.indicator}: the source flags the series as discontinued "
            f"(last point {ext.used['period'].iloc[-1]}); it is not extrapolated"
        )
    if ext.n_points and max_gap_years is not None and ext.reference_year is not None:
        last_year = int(str(ext.used["period"].iloc[-1])[:4])
        gap = ext.reference_year - last_year
        if gap > max_gap_years:
            if ext.origin is not None:
                against = f"the origin {ext.origin}"
            else:
                against = f"{ext.reference_year}, the latest year in {ext.region}'s data"
            span = origin_range(history, ext.region, ext.indicator)
            workable = min(last_year + max_gap_years, span[1]) if span else last_year + max_gap_years
            raise ForecastError(
                f"{ext.region} {ext.indicator}: the last usable point is {last_year}, {gap} years before "
                f"{against} (more than {max_gap_years}); the series may have stopped and is not extrapolated "
                f"over the missing years (an origin of {workable} or earlier would forecast "
                "from where it ends)"
            )
    return series, ext


def usable_series(history: pd.DataFrame, region: str, origin: int | None = None) -> pd.DataFrame:
    """The region's indicators with a forecastable series: indicator, freq, points, first, last."""
    region = resolve_region(history, region)
    out = []
    reg = indicators()
    for ind in sorted(set(history.loc[history["region"] == region, "indicator"].astype(str))):
        if ind not in reg.index:
            continue
        try:
            _, ext = series_for(history, region, ind, origin=origin)
        except ForecastError:
            continue
        if ext.n_points >= MIN_POINTS:
            out.append(
                {
                    "indicator": ind,
                    "freq": ext.freq,
                    "points": ext.n_points,
                    "first": ext.used["period"].iloc[0],
                    "last": ext.used["period"].iloc[-1],
                }
            )
    return pd.DataFrame(out, columns=["indicator", "freq", "points", "first", "last"])
