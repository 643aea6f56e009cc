"""Records of how the model has done and where its data comes from, read for the app's Trust and Method pages.

- `backtest_record`: the back-tests recorded by `python -m jobsim.calibration.report` (calibration/
  backtests.csv and backtests_summary.csv: model vs statistical forecast vs naive, by origin and year).
- `posterior_checks`: the calibrated file's posterior predictive checks (each moment's 80% band).
- `data_sources`: every source URL the bundled data cites, with what it is cited for.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def backtest_file() -> tuple[Path, Path]:
    """The shipped back-test rows and their summary (written by `python -m jobsim.calibration.report`)."""
    from jobsim.model.inputs.paths import PROJECT_ROOT

    folder = PROJECT_ROOT / "calibration"
    return folder / "backtests.csv", folder / "backtests_summary.csv"


def backtest_record(region: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The recorded back-tests (model vs statistical forecast vs naive, by origin and year) and their summary
    (mean MASE, 80% coverage by method), for one region or all; empty frames when none is recorded."""
    table_path, summary_path = backtest_file()
    table = pd.read_csv(table_path) if table_path.exists() else pd.DataFrame(columns=["region", "indicator"])
    summary = pd.read_csv(summary_path) if summary_path.exists() else pd.DataFrame(columns=["series"])
    if region is not None:
        table = table[table["region"] == region].reset_index(drop=True)
        summary = summary[summary["series"].astype(str).str.startswith(f"{region} ")].reset_index(drop=True)
    return table, summary


def posterior_checks(region: str) -> pd.DataFrame:
    """The calibrated file's posterior predictive checks: each moment's observed value, sd, simulated median,
    80% band, whether the band covers it and its z; empty when the region has no calibrated file."""
    import yaml

    from jobsim.model.inputs.parameters import calibrated_file_in_use

    path = calibrated_file_in_use(region)
    columns = ["moment", "observed", "sd", "simulated", "lo80", "hi80", "covered", "z", "source"]
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=columns)
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    rows = [{"moment": m.get("name"), "observed": m.get("target"), "sd": m.get("sd"), "simulated": m.get("simulated"),
             "lo80": m.get("lo80"), "hi80": m.get("hi80"), "covered": m.get("covered"), "z": m.get("z"),
             "source": m.get("source")} for m in doc.get("moments") or []]
    return pd.DataFrame(rows, columns=columns)


def data_sources(region: str | None = None) -> pd.DataFrame:
    """Every source URL of the bundled data (history, population, assumptions), with the file, the region and
    what it is cited for (the indicators or fields), one row per URL and file."""
    from jobsim.model.inputs.paths import data_dir

    frames = []
    for file, what in (("history.csv", "indicator"), ("population.csv", "field"), ("assumptions.csv", "field")):
        path = data_dir() / file
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if region is not None:
            df = df[df["region"] == region]
        df = df[df["source_url"] != ""]
        grouped = df.groupby("source_url", sort=True).agg(
            regions=("region", lambda s: ", ".join(sorted(set(s)))),
            cited_for=(what, lambda s: ", ".join(sorted(set(s)))), rows=(what, "size")).reset_index()
        grouped.insert(0, "file", f"data/{file}")
        frames.append(grouped)
    if not frames:
        return pd.DataFrame(columns=["file", "source_url", "regions", "cited_for", "rows"])
    return pd.concat(frames, ignore_index=True)


def calibration_notes(region: str) -> dict:
    """What the calibrated file runs of `region` read says of itself: file, calibrated_on, jobsim_version,
    method, its `warnings` (parameters the moments hardly identify, moments the posterior misses) and `info`
    (window, scenario, evaluations, share of moments covered...); empty warnings and info without a file."""
    import yaml

    from jobsim.model.inputs.parameters import calibrated_file_in_use

    path = calibrated_file_in_use(region)
    notes: dict = {"file": None, "calibrated_on": None, "jobsim_version": None, "method": None,
                   "warnings": [], "info": {}}
    if path is None or not Path(path).exists():
        return notes
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    notes.update({"file": str(path), "calibrated_on": doc.get("calibrated_on"),
                  "jobsim_version": doc.get("jobsim_version"), "method": doc.get("method"),
                  "warnings": [str(w) for w in doc.get("warnings") or []], "info": dict(doc.get("info") or {})})
    return notes
