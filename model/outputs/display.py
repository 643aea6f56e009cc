"""Results as planners read and plot them: yearly, quantiles over replicates, in 万人 / 亿元 / %.

    from jobsim.model import api
    view = api.for_plot(ds)                         # or jobsim.model.outputs.display.for_plot(ds)
    view.new_urban_jobs.sel(area="Ganzhou", quantile=0.5).plot()   # y axis: "new urban jobs [10k persons]"
    view.new_urban_jobs.sel(area="Ganzhou").plot.line(x="year", hue="quantile")

Each indicator's yearly value follows its kind (flows summed over the year, rates averaged, stocks at
December), is taken at the quantiles of its replicates (default the median and the 10-90% range) and
converted from the model's base unit to the planners' unit of the indicator registry (`unit` in
data/registry/indicators.csv: 10k persons = 万人, 100M yuan = 亿元, percent). `units` and `long_name`
say so, in English by default or in Chinese with `lang="zh"` (a plot then needs a CJK font).
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from jobsim.model.inputs.units import to_base, unit_table
from jobsim.model.outputs.labels import label_coordinates
from jobsim.model.outputs.results import display_unit, yearly

MEDIAN_AND_RANGE = (0.1, 0.5, 0.9)  # the 10-90% range around the median, as in the tables
LANGUAGES = ("en", "zh")


def _unit_labels(unit: str) -> tuple[str, str]:
    """(English, Chinese) label of a registry unit: ('10k persons', '万人')."""
    table = unit_table()
    if unit not in table.index:
        return unit, unit
    return str(table.at[unit, "label_en"]), str(table.at[unit, "label_zh"])


def for_plot(ds: xr.Dataset, quantiles: Sequence[float] = MEDIAN_AND_RANGE, lang: str = "en") -> xr.Dataset:
    """Every indicator of `ds` by year (dims quantile, year, area, ...) in planners' units, labelled
    for plotting. A Dataset without a `replicate` dim (one run) keeps its values, without `quantile`."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang: {lang!r} is not allowed; choose one of {', '.join(LANGUAGES)}")
    y = yearly(ds)
    out = {}
    for name, da in y.data_vars.items():
        unit, factor = display_unit(name)
        shown = da * factor
        if "replicate" in shown.dims:
            shown = shown.quantile(list(quantiles), dim="replicate")
        unit_en, unit_zh = _unit_labels(unit)
        attrs = dict(da.attrs)
        long_en, long_zh = attrs.get("long_name", name), attrs.get("long_name_zh", name)
        attrs.update({
            "units": unit_en if lang == "en" else unit_zh, "units_en": unit_en, "units_zh": unit_zh,
            "long_name": long_en if lang == "en" else long_zh, "long_name_en": long_en, "long_name_zh": long_zh,
            "display_unit": unit, "base_units_per_display_unit": to_base(1.0, unit),
        })
        shown.attrs = attrs
        out[name] = shown
    view = xr.Dataset(out, attrs=dict(ds.attrs))
    view.attrs["display"] = (f"yearly values by kind in planners' units; quantiles {list(quantiles)} over replicates"
                             if "replicate" in ds.dims else "yearly values by kind in planners' units")
    return label_coordinates(view)
