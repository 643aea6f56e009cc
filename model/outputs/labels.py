"""What each output variable is, from the registry tables: units, English and Chinese names, definition, kind.

- Indicators: data/registry/indicators.csv (`model_variable`, `model_unit`, `kind`, labels,
  definition); where several indicator rows name the same model variable, the row whose id is the
  variable's name wins, else the first. CF units strings come from units.csv's `cf_units`.
- Other output variables (population by status, status flows, seeds ...) and the coordinates:
  data/registry/output_variables.csv.
- A kind's CF cell method and its yearly aggregation: data/registry/kinds.csv.
- Levers (stored by year as `lever_<id>` variables): data/registry/levers.csv. Uncertainties (stored
  by year as `uncertainty_<name>` variables) carry the attributes their run gave them.

Attributes follow the CF conventions where they have a name for it: `units`, `long_name`,
`cell_methods` ("time: sum" for a flow per month, "time: point" for a stock at month end, "time:
mean" for a rate); `long_name_zh`, `definition`, `kind` and `indicator` (the registry id) are ours.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import xarray as xr

from jobsim.model.inputs.registry import indicators, kinds, levers, output_variables
from jobsim.model.inputs.units import unit_table

LEVER_PREFIX = "lever_"
LEVER_YEAR_DIM = "lever_year"  # not "year": a `year` dimension would clash with ds.groupby("time.year")
TIME_DIM = "time"


@lru_cache(maxsize=None)
def _kind_rules() -> dict[str, tuple[str, str]]:
    """kind -> (yearly_aggregation, cell_method) from the kinds table, read once: looked up for every variable
    of every yearly table, where a DataFrame lookup each time costs more than the aggregation."""
    table = kinds()
    return {str(k): (str(table.at[k, "yearly_aggregation"]), str(table.at[k, "cell_method"])) for k in table.index}


def _kind_rule(kind: str) -> tuple[str, str]:
    rules = _kind_rules()
    if kind not in rules:
        raise KeyError(f"kind {kind!r} is not in data/registry/kinds.csv; known: {', '.join(rules)}")
    return rules[kind]


def yearly_aggregation(kind: str) -> str:
    """How a year's value is made from its months for `kind`: sum, mean or last."""
    return _kind_rule(kind)[0]


def cell_methods(kind: str, dim: str = TIME_DIM) -> str:
    """The CF cell_methods of a variable of `kind` along `dim`, e.g. "time: sum"."""
    return f"{dim}: {_kind_rule(kind)[1]}"


def cf_units(unit: str) -> str:
    """The CF-style units string of a registry unit ("fraction" -> "1", "100M yuan" -> "1e8 yuan")."""
    table = unit_table()
    if unit in table.index and "cf_units" in table.columns and pd.notna(table.at[unit, "cf_units"]):
        return str(table.at[unit, "cf_units"])
    return unit


def _non_empty(attrs: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in attrs.items() if v != ""}


@lru_cache(maxsize=None)
def _variable_table() -> dict[str, dict[str, str]]:
    """Every known data variable -> its attributes (built once per process)."""
    table: dict[str, dict[str, str]] = {}
    ind = indicators()
    modelled = ind[ind["model_variable"] != ""]
    for variable, rows in modelled.groupby("model_variable", sort=False):
        row_id = variable if variable in rows.index else rows.index[0]
        row = rows.loc[row_id]
        table[str(variable)] = _non_empty({
            "units": cf_units(str(row["model_unit"])), "long_name": str(row["label_en"]),
            "long_name_zh": str(row["label_zh"]), "definition": str(row["definition"]),
            "kind": str(row["kind"]), "cell_methods": cell_methods(str(row["kind"])), "indicator": str(row_id),
        })
    out = output_variables()
    for variable, row in out[out["role"] == "data"].iterrows():
        kind = str(row["kind"])
        table[str(variable)] = _non_empty({
            "units": str(row["units"]), "long_name": str(row["label_en"]), "long_name_zh": str(row["label_zh"]),
            "definition": str(row["definition"]), "kind": kind, "cell_methods": cell_methods(kind) if kind else "",
        })
    return table


def variable_attributes(variable: str) -> dict[str, str]:
    """The attributes of an output data variable (a copy); KeyError for a variable nobody registered."""
    table = _variable_table()
    if variable not in table:
        raise KeyError(f"{variable!r} is in neither data/registry/indicators.csv (model_variable) "
                       "nor data/registry/output_variables.csv")
    return dict(table[variable])


def variable_kind(variable: str) -> str:
    """flow, stock or rate, for an output data variable of the registry."""
    kind = variable_attributes(variable).get("kind", "")
    if not kind:
        raise KeyError(f"{variable!r} has no kind (flow, stock or rate) in the registry")
    return kind


def lever_variable(lever_id: str) -> str:
    """The Dataset variable holding a lever's values by year."""
    return f"{LEVER_PREFIX}{lever_id}"


def lever_attributes(lever_id: str) -> dict[str, str]:
    """The attributes of a lever's by-year variable (a copy)."""
    return dict(_lever_attributes(lever_id))


@lru_cache(maxsize=None)
def _lever_attributes(lever_id: str) -> dict[str, str]:
    row = levers().loc[lever_id]
    kind = str(row.get("kind", ""))
    return _non_empty({
        "units": cf_units(str(row["unit"])), "long_name": str(row["label_en"]), "long_name_zh": str(row["label_zh"]),
        "definition": str(row["definition"]), "kind": kind,
        "cell_methods": cell_methods(kind, LEVER_YEAR_DIM) if kind else "", "lever": lever_id,
    })


UNCERTAINTY_PREFIX = "uncertainty_"


def uncertainty_variable(name: str) -> str:
    """The Dataset variable holding an uncertainty's values by year (`uncertainty_gdp_real_growth_percent`)."""
    return f"{UNCERTAINTY_PREFIX}{name}"


def uncertainty_attributes(unit: str, long_name: str, long_name_zh: str, definition: str, source: str) -> dict[str, str]:
    """The attributes of an uncertainty's by-year variable; `unit` is a registry unit (CF units from units.csv)."""
    return _non_empty({"units": cf_units(unit), "long_name": long_name, "long_name_zh": long_name_zh,
                       "definition": definition, "source": source})


def coordinate_attributes(name: str) -> dict[str, str]:
    """long_name, long_name_zh and definition of a coordinate ({} when not registered). No `units` for
    time: xarray writes the time encoding's own units."""
    return dict(_coordinate_attributes(name))


@lru_cache(maxsize=None)
def _coordinate_attributes(name: str) -> dict[str, str]:
    out = output_variables()
    if name not in out.index:
        return {}
    row = out.loc[name]
    return _non_empty({"units": "" if name == TIME_DIM else str(row["units"]), "long_name": str(row["label_en"]),
                       "long_name_zh": str(row["label_zh"]), "definition": str(row["definition"])})


def label_coordinates(ds: xr.Dataset) -> xr.Dataset:
    """Put the registry's attributes on every coordinate of `ds` that has them (in place; `ds` is returned)."""
    for name in ds.coords:
        ds.variables[name].attrs.update(_coordinate_attributes(str(name)))  # the Variable: no DataArray built
    return ds


def label_dataset(ds: xr.Dataset) -> xr.Dataset:
    """Put the registry's attributes on every variable and coordinate of `ds` that has them (in place;
    `ds` is returned). Variables nobody registered keep their attributes."""
    table = _variable_table()
    lever_ids = set(levers().index)
    for name in ds.data_vars:
        attrs = ds.variables[name].attrs  # the Variable's own dict: no DataArray built
        if name in table:
            attrs.update(table[name])
        elif name.startswith(LEVER_PREFIX) and name[len(LEVER_PREFIX):] in lever_ids:
            attrs.update(_lever_attributes(name[len(LEVER_PREFIX):]))
    return label_coordinates(ds)
