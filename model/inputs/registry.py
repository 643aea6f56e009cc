"""The one table of indicators and levers (id, unit, Chinese and English labels, definition).

The model, the app, reports and the command line all read these tables; nothing else defines an
indicator's label, unit or kind.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from jobsim.model.inputs.paths import data_dir

INDICATOR_KINDS = ("flow", "stock", "rate")


@lru_cache(maxsize=None)
def indicators() -> pd.DataFrame:
    """Indicators indexed by id: label_zh, label_en, unit, kind, model_variable, model_unit, definition, source."""
    df = pd.read_csv(data_dir() / "registry" / "indicators.csv", dtype=str, keep_default_na=False)
    bad = sorted(set(df["kind"]) - set(INDICATOR_KINDS))
    if bad:
        raise ValueError(f"indicators.csv: unknown kind(s) {bad}; allowed: {INDICATOR_KINDS}")
    return df.set_index("id")


@lru_cache(maxsize=None)
def levers() -> pd.DataFrame:
    """Levers indexed by id: label_zh, label_en, unit, programme, min, max, definition, source."""
    df = pd.read_csv(data_dir() / "registry" / "levers.csv", dtype=str, keep_default_na=False)
    return df.set_index("id")


def indicator_ids() -> list[str]:
    return list(indicators().index)


def lever_ids() -> list[str]:
    return list(levers().index)


def modelled_indicators() -> pd.DataFrame:
    """Indicators the model produces (those with a model_variable)."""
    ind = indicators()
    return ind[ind["model_variable"] != ""]


def variable_kind(variable: str) -> str:
    """The kind (flow, stock, rate) of a model output variable, from the registry."""
    ind = modelled_indicators()
    hits = ind[ind["model_variable"] == variable]
    if hits.empty:
        raise KeyError(f"{variable!r} is not a model variable in the indicator registry")
    return str(hits["kind"].iloc[0])


def label(indicator_or_lever: str, lang: str = "en") -> str:
    """The label of an indicator id, model variable or lever id in 'zh' or 'en'."""
    col = {"zh": "label_zh", "en": "label_en"}[lang]
    ind = indicators()
    if indicator_or_lever in ind.index:
        return str(ind.at[indicator_or_lever, col])
    hits = ind[ind["model_variable"] == indicator_or_lever]
    if not hits.empty:
        return str(hits[col].iloc[0])
    lev = levers()
    if indicator_or_lever in lev.index:
        return str(lev.at[indicator_or_lever, col])
    raise KeyError(f"{indicator_or_lever!r} is neither an indicator nor a lever")


@lru_cache(maxsize=None)
def kinds() -> pd.DataFrame:
    """Kinds indexed by name (flow, stock, rate): cell_method, yearly_aggregation, labels, definition."""
    return pd.read_csv(data_dir() / "registry" / "kinds.csv", dtype=str, keep_default_na=False).set_index("kind")


@lru_cache(maxsize=None)
def output_variables() -> pd.DataFrame:
    """Output variables and coordinates that are not indicators, indexed by variable name."""
    return pd.read_csv(data_dir() / "registry" / "output_variables.csv", dtype=str,
                       keep_default_na=False).set_index("variable")
