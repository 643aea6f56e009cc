"""The app's own words (page titles, buttons, notes) in Chinese and English.

Indicator, lever, unit and area names are not here: they come from the registry through the API
(`api.fan_table`, `api.lever_schedule`, `registry.label`), so the app and `jobsim run` call a thing by
one name. These are only the words of the interface itself.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

WORDS: dict[str, tuple[str, str]] = {  # key -> (Chinese, English)
    "app_title": ("jobsim 就业目标情景模拟", "jobsim employment-target scenarios"),
    "page_overview": ("总览", "Overview"),
    "page_builder": ("情景设计", "Scenario builder"),
    "page_compare": ("情景比较", "Compare"),
    "page_sweeps": ("参数扫描", "Sweep explorer"),
    "page_trust": ("可信度", "Trust"),
    "page_method": ("方法与来源", "Method and sources"),
    "language": ("语言 / Language", "Language / 语言"),
    "region": ("地区", "Region"),
    "period": ("规划期", "Plan period"),
    "target_set": ("目标体系", "Target set"),
    "scenario": ("情景", "Scenario"),
    "baseline": ("基线", "Baseline"),
    "present": ("演示模式", "Presentation mode"),
    "present_help": ("大字号，隐藏控件，用于会议投屏", "Large type, controls hidden, for a meeting's screen"),
    "preview_note": ("预览精度：每情景 {replicates} 次重复、每个主体代表 {scale:,.0f} 人；结论请用“全精度”核对。",
                     "Preview size: {replicates} replicates per scenario, {scale:,.0f} persons per agent; "
                     "check conclusions with \u201cfull precision\u201d."),
    "full_note": ("全精度：每情景 {replicates} 次重复、每个主体代表 {scale:,.0f} 人。",
                  "Full precision: {replicates} replicates per scenario, {scale:,.0f} persons per agent."),
    "full_precision": ("全精度运行", "Run at full precision"),
    "running": ("正在模拟…", "Simulating…"),
    "runs_done": ("已完成 {done}/{total} 次模拟", "{done} of {total} runs done"),
    "from_catalogue": ("已从运行目录取回同一请求的结果（未重新计算）。",
                       "Served from the run catalogue: the same request was run before (not recomputed)."),
    "trust_link": ("可信度说明", "How far to trust this"),
    "probability": ("达标概率", "Probability of meeting"),
    "set_by_scenario": ("由情景设定", "set by the scenario"),
    "not_modelled": ("模型不测算", "not modelled"),
    "headline_cards": ("目标达成概率", "Chance of meeting each target"),
    "target": ("目标", "Target"),
    "median": ("中位数", "Median"),
    "range": ("10%–90% 区间", "10–90% range"),
    "indicator": ("指标", "Indicator"),
    "lever": ("政策工具", "Lever"),
    "year": ("年份", "Year"),
    "value": ("取值", "Value"),
    "base_value": ("基线取值", "Baseline value"),
    "levers_by_year": ("政策工具（按年，规划口径单位）", "Levers, year by year (planners' units)"),
    "uncertainties": ("不确定因素（经济增长、毕业生规模）", "Uncertainties (growth path, graduate cohort)"),
    "growth_path": ("实际GDP增速（%）", "Real GDP growth (%)"),
    "graduates_multiplier": ("毕业生规模倍数", "Graduate cohort multiplier"),
    "run": ("运行", "Run"),
    "save_as": ("另存为情景", "Save as scenario"),
    "scenario_name": ("情景名称（小写字母、数字、下划线）", "Scenario name (lowercase letters, digits, underscore)"),
    "saved": ("已保存：{path}（只记录相对于 {base} 的改动）", "Saved {path} (only its changes from {base})"),
    "download_yaml": ("下载 YAML", "Download YAML"),
    "upload_yaml": ("上传情景 YAML（不超过 1 MB）", "Upload a scenario YAML (at most 1 MB)"),
    "upload_ok": ("已读入情景 {name}。", "Read scenario {name}."),
    "upload_bad": ("上传的文件未被接受，没有写入任何内容：", "The upload was not accepted; nothing was written:"),
    "too_big": ("文件 {size} 超过 1 MB 上限", "the file is {size}, over the 1 MB limit"),
    "not_text": ("文件不是 UTF-8 文本（YAML）", "the file is not UTF-8 text (YAML)"),
    "region_mismatch": ("情景地区 {got} 与当前地区 {want} 不同；请先切换地区", "the scenario's region {got} is not the chosen region {want}; switch region first"),
    "pick_scenarios": ("选择要比较的情景", "Scenarios to compare"),
    "fan_title": ("{label}：中位数与 10%–90% 区间", "{label}: median and 10–90% range"),
    "target_table": ("各情景目标达成概率", "Chance of meeting each target, by scenario"),
    "effects": ("相对基线的差异（配对，±标准误）", "Difference from the baseline (paired, ± standard error)"),
    "within_noise": ("在随机误差范围内，需要更多重复", "within noise; more replicates needed"),
    "spending": ("财政支出（亿元）", "Spending (100M yuan)"),
    "cities": ("各设区市对照本市目标", "The cities against their own targets"),
    "cities_none": ("该目标体系没有设区市目标。", "This target set has no city targets."),
    "city_ratio": ("中位数 / 目标", "median / target"),
    "export": ("导出", "Export"),
    "export_png": ("PNG 图片", "PNG image"),
    "export_svg": ("SVG 图片", "SVG image"),
    "brief": ("下载简报（PPTX）", "Download brief (PPTX)"),
    "sweep_store": ("扫描结果（Zarr 目录路径）", "Sweep store (path of a .zarr folder)"),
    "sweep_none": ("还没有扫描结果。用 `jobsim sweep 文件.yaml --out 结果.zarr` 生成。",
                   "No sweep store yet. Make one with `jobsim sweep FILE.yaml --out STORE.zarr`."),
    "sweep_heatmap": ("达标概率：{target}", "Probability of meeting: {target}"),
    "sensitivity": ("敏感性指数", "Sensitivity indices"),
    "axis_x": ("横轴", "Horizontal axis"),
    "axis_y": ("纵轴", "Vertical axis"),
    "history": ("历史数据", "History"),
    "forecast": ("统计预测（80% 区间）", "Statistical forecast (80% interval)"),
    "model_baseline": ("校准后模型基线", "Calibrated model baseline"),
    "backtest_table": ("回测：模型、统计预测与朴素预测", "Back-tests: model, statistical forecast and naive"),
    "backtest_summary": ("回测汇总", "Back-test summary"),
    "ppc": ("后验预测检验（各矩的 80% 区间是否覆盖观测值）",
            "Posterior predictive checks (does each moment's 80% band cover the observed value?)"),
    "ppc_covered": ("覆盖比例：{share:.0%}（{n} 个矩）", "Covered: {share:.0%} of {n} moments"),
    "definitions": ("指标定义", "Indicator definitions"),
    "sources": ("数据来源", "Data sources"),
    "levers_table": ("政策工具定义", "Lever definitions"),
    "bad_state": ("链接中的参数 {field}={value} 无效，已改用默认值：{allowed}",
                  "The link's {field}={value} is not allowed, the default is used instead: {allowed}"),
    "no_baseline": ("该地区没有基线情景。", "This region has no baseline scenario."),
    "probability_of": ("达标概率（%）", "probability of meeting (%)"),
}


def t(key: str, lang: str, **values) -> str:
    """The app's word `key` in `lang`, with `{placeholders}` filled from `values`."""
    zh, en = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
