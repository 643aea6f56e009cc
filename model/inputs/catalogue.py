"""What data jobsim has, as tables for people: the regions and what each has, a region's history and
targets in planners' units (万人, 亿元, %), the target sets, and every assumed figure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jobsim.model.inputs.choices import check_indicator, check_region, check_target_set


def regions_table() -> pd.DataFrame:
    """One row per region: names, level, parent, and what data it has (history, target sets, facts by basis)."""
    import pandas as pd

    from jobsim.model.inputs.history import load_history
    from jobsim.model.inputs.regions import load_regions, population_table
    from jobsim.model.inputs.targets import load_targets

    history, targets, facts = load_history(), load_targets(), population_table()
    rows = []
    for rid, r in load_regions().iterrows():
        h = history[history["region"] == rid]
        sets = list(dict.fromkeys(targets.loc[targets["area"] == rid, "target_set"]))
        basis = facts[facts["region"] == rid]["basis"].value_counts()
        rows.append({
            "id": rid, "name_zh": r["name_zh"], "name_en": r["name_en"], "level": r["level"], "parent": r["parent"],
            "history_indicators": int(h["indicator"].nunique()), "history_rows": len(h),
            "target_sets": ", ".join(sets),
            "facts_sourced": int(basis.get("sourced", 0)), "facts_derived": int(basis.get("derived", 0)),
            "facts_assumed": int(basis.get("assumption", 0)),
        })
    return pd.DataFrame(rows)


def region_summary(region: str) -> dict:
    """id, name_zh, name_en, level and parent of a region."""
    from jobsim.model.inputs.regions import load_regions

    return {"id": region, **load_regions().loc[check_region(region)].to_dict()}


def _in_planners_unit(indicator: str, value: float, unit: str, stat: str = "") -> tuple[float, str]:
    """`value` in the indicator's registry unit (the planners' unit) when the dimensions agree."""
    from jobsim.model.inputs.registry import indicators
    from jobsim.model.inputs.units import unit_table

    table = unit_table()
    planners = str(indicators().at[indicator, "unit"])
    if stat == "growth" or unit == planners or unit not in table.index:
        return value, unit
    if table.at[unit, "dimension"] == table.at[planners, "dimension"]:
        return value * float(table.at[unit, "factor_to_base"]) / float(table.at[planners, "factor_to_base"]), planners
    return value, unit


def _years_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def region_data(region: str, indicator: str | None = None, data_files: list[Path] | None = None) -> pd.DataFrame:
    """A region's history rows and targets, values in planners' units (万人, 亿元, %), one row each.

    section is 'history' or 'target:<set>'; `data_files` (history.csv schema) lay the user's rows over the
    bundled ones, and such rows name their file and line in `source`."""
    import math

    import pandas as pd

    from jobsim.model.inputs.history import history_path, load_history
    from jobsim.model.inputs.registry import label
    from jobsim.model.inputs.targets import load_targets

    check_region(region)
    if indicator is not None:
        check_indicator(indicator)
    history = load_history(extra_files=list(data_files) if data_files else None)
    h = history[history["region"] == region]
    if indicator is not None:
        h = h[h["indicator"] == indicator]
    h = h.sort_values(["indicator", "start", "end"], kind="stable")
    rows: list[dict] = []
    for r in h.to_dict("records"):
        value, unit = _in_planners_unit(r["indicator"], float(r["value"]), str(r["unit"]), str(r["stat"]))
        bundled = Path(r["source_file"]) == history_path()
        period = str(r["start"]) if r["start"] == r["end"] else f"{r['start']}..{r['end']}"
        rows.append({
            "section": "history", "set": "", "indicator": r["indicator"], "label_zh": label(r["indicator"], "zh"),
            "period": period, "how": r["stat"], "comparison": "", "tolerance": math.nan, "value": value,
            "unit": unit, "vintage": r["vintage"],
            "source": (r["source_url"] or "") if bundled else f"{Path(r['source_file']).name}:{r['line']}",
            "note": r["note"],
        })
    t = load_targets()
    t = t[t["area"] == region]
    if indicator is not None:
        t = t[t["indicator"] == indicator]
    for r in t.to_dict("records"):
        value, unit = _in_planners_unit(r["indicator"], float(r["value"]), str(r["unit"]))
        rows.append({
            "section": f"target:{r['target_set']}", "set": r["target_set"], "indicator": r["indicator"],
            "label_zh": label(r["indicator"], "zh"), "period": _years_text(r["start_year"], r["end_year"]),
            "how": r["basis"], "comparison": r["comparison"], "tolerance": float(r["tolerance"]), "value": value,
            "unit": unit, "vintage": "assumed" if r["assumption"] else "", "source": r["source"], "note": r["note"],
        })
    columns = ["section", "set", "indicator", "label_zh", "period", "how", "comparison", "tolerance", "value",
               "unit", "vintage", "source", "note"]
    return pd.DataFrame(rows, columns=columns)


def target_sets_table(name: str | None = None) -> pd.DataFrame:
    """Every target of the named target sets (or of one set), in file order."""
    import pandas as pd

    from jobsim.model.inputs.registry import label
    from jobsim.model.inputs.targets import load_targets

    t = load_targets()
    if name is not None:
        t = t[t["target_set"] == check_target_set(name)]
    rows = [{
        "set": r["target_set"], "area": r["area"], "indicator": r["indicator"], "label_zh": label(r["indicator"], "zh"),
        "years": _years_text(r["start_year"], r["end_year"]), "basis": r["basis"], "comparison": r["comparison"],
        "value": float(r["value"]), "unit": r["unit"], "tolerance": float(r["tolerance"]),
        "assumption": bool(r["assumption"]), "source": r["source"], "note": r["note"],
    } for r in t.to_dict("records")]
    columns = ["set", "area", "indicator", "label_zh", "years", "basis", "comparison", "value", "unit", "tolerance",
               "assumption", "source", "note"]
    return pd.DataFrame(rows, columns=columns)


def assumptions_table() -> pd.DataFrame:
    """Every assumed figure: assumed population facts (data/assumptions.csv) and assumed targets."""
    import pandas as pd

    from jobsim.model.inputs.regions import population_table
    from jobsim.model.inputs.targets import load_targets

    facts = population_table()
    rows = [
        {"kind": "fact", "region": r["region"], "what": r["field"], "year": str(r["year"]), "value": float(r["value"]),
         "unit": r["unit"], "reasoning": r["note"], "file": f"{Path(r['file']).name}:{r['line']}"}
        for r in facts[facts["basis"] == "assumption"].to_dict("records")
    ]
    t = load_targets()
    rows += [
        {"kind": f"target:{r['target_set']}", "region": r["area"],
         "what": f"{r['indicator']} {r['basis']} {r['comparison']}", "year": _years_text(r["start_year"], r["end_year"]),
         "value": float(r["value"]), "unit": r["unit"], "reasoning": r["note"],
         "file": f"{Path(r['source_file']).name}:{r['line']}"}
        for r in t[t["assumption"]].to_dict("records")
    ]
    return pd.DataFrame(rows, columns=["kind", "region", "what", "year", "value", "unit", "reasoning", "file"])
