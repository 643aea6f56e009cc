"""The app's charts (Altair) from the API's tidy views, and their export as PNG or SVG with Chinese text.

Every chart is drawn in one font, Noto Sans CJK SC (Debian's fonts-noto-cjk), in the browser and in the
exported files alike, so that Chinese labels render the same on screen, in a PNG and in the brief.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC"
FONT_FOLDERS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts")
WIDTH, HEIGHT = 640, 320
PRESENT_SCALE = 1.6  # presentation mode: type and charts this much larger
BAND_OPACITY = 0.18
TARGET_COLOUR = "#c0392b"
SCENARIO_COLOURS = "tableau10"  # distinct hues: the baseline blue, the next orange, ... (not shades of one blue)


def styled(chart: alt.TopLevelMixin, present: bool = False) -> alt.TopLevelMixin:
    """The app's look: one CJK font everywhere, larger in presentation mode."""
    size = 13 * (PRESENT_SCALE if present else 1)
    return (chart.configure(font=FONT)
            .configure_axis(labelFontSize=size, titleFontSize=size)
            .configure_legend(labelFontSize=size, titleFontSize=size, orient="bottom", direction="vertical",
                              labelLimit=0)
            .configure_title(fontSize=size * 1.25, anchor="start"))


def fan_chart(fan: pd.DataFrame, marks: pd.DataFrame | None = None, title: str = "", present: bool = False,
              scenario_labels: dict[str, str] | None = None, width: int = WIDTH) -> alt.TopLevelMixin:
    """Median lines and 10-90% bands by scenario (api.fan_table), with the target lines (api.target_marks)."""
    data = fan.copy()
    labels = scenario_labels or {}
    data["scenario_label"] = [labels.get(s, s) for s in data["scenario"]]
    unit = fan.attrs.get("unit", "")
    y_title = f"{fan.attrs.get('label', '')}（{unit}）" if unit else fan.attrs.get("label", "")
    scale = PRESENT_SCALE if present else 1
    base = alt.Chart(data).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        color=alt.Color("scenario_label:N", title=None, sort=list(dict.fromkeys(data["scenario_label"])),
                        scale=alt.Scale(scheme=SCENARIO_COLOURS)))
    band = base.mark_area(opacity=BAND_OPACITY).encode(
        y=alt.Y("p10:Q", title=y_title, scale=alt.Scale(zero=False)), y2="p90:Q")
    line = base.mark_line(point=True, strokeWidth=2.5 * scale).encode(
        y="median:Q",
        tooltip=[alt.Tooltip("scenario_label:N"), alt.Tooltip("year:O"), alt.Tooltip("median:Q", format=",.1f"),
                 alt.Tooltip("p10:Q", format=",.1f"), alt.Tooltip("p90:Q", format=",.1f")])
    layers = [band, line]
    if marks is not None and len(marks):
        m = marks.copy()
        m["year_from"] = m["year_from"].astype(int)
        rule = alt.Chart(m).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=2 * scale).encode(
            y="value:Q")
        text = alt.Chart(m).mark_text(color=TARGET_COLOUR, align="left", dy=-8, fontSize=12 * scale).encode(
            y="value:Q", text="text:N", x=alt.value(4))
        layers += [rule, text]
    return alt.layer(*layers).properties(width=width * scale, height=HEIGHT * scale, title=title)


def probability_bars(table: pd.DataFrame, value: str, label: str, group: str, title: str = "",
                     present: bool = False, order: list[str] | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of a probability (0-1) by `label`, grouped (coloured) by `group` in `order` (the fan
    chart's: the baseline first, so a scenario has one colour on every chart)."""
    scale = PRESENT_SCALE if present else 1
    order = order if order is not None else list(dict.fromkeys(table[group]))
    return alt.Chart(table).mark_bar().encode(
        y=alt.Y(f"{label}:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        yOffset=alt.YOffset(f"{group}:N", sort=order), color=alt.Color(f"{group}:N", title=None, sort=order,
                                                                       scale=alt.Scale(scheme=SCENARIO_COLOURS)),
        tooltip=[f"{label}:N", f"{group}:N", alt.Tooltip(f"{value}:Q", format=".0%")],
    ).properties(width=WIDTH * scale, title=title)


def city_bars(table: pd.DataFrame, title: str = "", present: bool = False, x_title: str = "") -> alt.TopLevelMixin:
    """Cities sorted by median / target (api.area_targets), with the line at 1 where the target is just met."""
    scale = PRESENT_SCALE if present else 1
    bars = alt.Chart(table).mark_bar().encode(
        y=alt.Y("area_label:N", title=None, sort="-x"),
        x=alt.X("ratio:Q", title=x_title),
        color=alt.condition(alt.datum.ratio >= 1, alt.value("#2e86c1"), alt.value("#e67e22")),
        tooltip=["area_label:N", alt.Tooltip("target:Q", format=",.2f"), alt.Tooltip("median:Q", format=",.2f"),
                 alt.Tooltip("probability:Q", format=".0%")])
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4]).encode(x="x:Q")
    return alt.layer(bars, one).properties(width=WIDTH * scale, height=22 * scale * max(len(table), 1), title=title)


def heatmap(table: pd.DataFrame, x: str, y: str, x_title: str, y_title: str, title: str = "",
            present: bool = False, legend_title: str = "probability", samples_title: str = "samples") -> alt.TopLevelMixin:
    """The probability of meeting a target over two factors (mean over the other factors' samples)."""
    scale = PRESENT_SCALE if present else 1
    base = alt.Chart(table).encode(x=alt.X(f"{x}:O", title=x_title), y=alt.Y(f"{y}:O", title=y_title, sort="descending"))
    cells = base.mark_rect().encode(
        color=alt.Color("probability:Q", scale=alt.Scale(domain=[0, 1], scheme="blues"),
                        legend=alt.Legend(format="%", title=legend_title)),
        tooltip=[f"{x}:O", f"{y}:O", alt.Tooltip("probability:Q", format=".0%", title=legend_title),
                 alt.Tooltip("samples:Q", title=samples_title)])
    text = base.mark_text(fontSize=11 * scale).encode(
        text=alt.Text("probability:Q", format=".0%"),
        color=alt.condition(alt.datum.probability > 0.6, alt.value("white"), alt.value("black")))
    return alt.layer(cells, text).properties(width=WIDTH * scale * 0.8, height=HEIGHT * scale, title=title)


def interval_bars(table: pd.DataFrame, factor: str, value: str, low: str, high: str, index: str,
                  title: str = "", present: bool = False) -> alt.TopLevelMixin:
    """Sensitivity indices as bars with their confidence intervals (columns value, low, high by factor)."""
    scale = PRESENT_SCALE if present else 1
    base = alt.Chart(table).encode(y=alt.Y(f"{factor}:N", title=None, sort="-x"), yOffset=f"{index}:N")
    bars = base.mark_bar().encode(x=alt.X(f"{value}:Q", title=None), color=alt.Color(f"{index}:N", title=None),
                                  tooltip=[f"{factor}:N", f"{index}:N", alt.Tooltip(f"{value}:Q", format=".3g"),
                                           alt.Tooltip(f"{low}:Q", format=".3g"), alt.Tooltip(f"{high}:Q", format=".3g")])
    whiskers = base.mark_rule(color="black").encode(x=f"{low}:Q", x2=f"{high}:Q")
    return alt.layer(bars, whiskers).properties(width=WIDTH * scale, title=title)


def history_chart(history: pd.DataFrame, forecast: pd.DataFrame | None, model: pd.DataFrame | None,
                  labels: dict[str, str], y_title: str, title: str = "", present: bool = False) -> alt.TopLevelMixin:
    """History (points), the statistical forecast with its 80% interval, and the model's baseline band."""
    scale = PRESENT_SCALE if present else 1
    # years on a linear axis: a history with gaps (2011, 2016, 2019) must not look evenly spaced
    year = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0),
                 scale=alt.Scale(zero=False, nice=False))
    layers = [alt.Chart(history.assign(series=labels["history"])).mark_line(point=True, color="black").encode(
        x=year, y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("value:Q", format=",.2f")])]
    if forecast is not None and len(forecast):
        f = forecast.assign(series=labels["forecast"])
        layers += [alt.Chart(f).mark_area(opacity=BAND_OPACITY, color="#8e44ad").encode(x=year, y="lo80:Q", y2="hi80:Q"),
                   alt.Chart(f).mark_line(strokeDash=[4, 3], color="#8e44ad").encode(x=year, y="mean:Q")]
    if model is not None and len(model):
        m = model.assign(series=labels["model"])
        layers += [alt.Chart(m).mark_area(opacity=BAND_OPACITY, color="#2e86c1").encode(x=year, y="p10:Q", y2="p90:Q"),
                   alt.Chart(m).mark_line(color="#2e86c1").encode(x=year, y="median:Q")]
    return alt.layer(*layers).properties(width=WIDTH * scale, height=HEIGHT * scale, title=title)


# ---- export -------------------------------------------------------------------------------------------

# The font's files as Debian's fonts-noto-cjk installs them (collections of the JP, KR, SC, TC and HK faces).
FONT_FILES = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}


@lru_cache(maxsize=1)
def cjk_font_files() -> dict[str, Path] | None:
    """FONT's regular and bold files under FONT_FOLDERS, or None when either is missing (the PDF brief embeds
    them; the browser and vl-convert find the font by name)."""
    found = {}
    for style, name in FONT_FILES.items():
        for folder in FONT_FOLDERS:
            hits = sorted(Path(folder).rglob(name)) if Path(folder).is_dir() else []
            if hits:
                found[style] = hits[0]
                break
    return found if len(found) == len(FONT_FILES) else None


@lru_cache(maxsize=1)
def _fonts_registered() -> bool:
    import vl_convert as vlc

    for folder in FONT_FOLDERS:
        if Path(folder).is_dir():
            vlc.register_font_directory(folder)
    return True


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as a PNG (rendered by vl-convert, with the CJK font)."""
    import vl_convert as vlc

    _fonts_registered()
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


def to_svg(chart: alt.TopLevelMixin) -> bytes:
    import vl_convert as vlc

    _fonts_registered()
    return vlc.vegalite_to_svg(chart.to_dict()).encode("utf-8")
