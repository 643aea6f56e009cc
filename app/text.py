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
    "brief_pdf": ("下载简报（PDF）", "Download brief (PDF)"),
    "brief_pdf_needs_font": ("PDF 简报需要 Noto Sans CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk）；PPTX 简报不受影响。",
                             "The PDF brief needs the Noto Sans CJK font (Debian/Ubuntu: apt-get install fonts-noto-cjk); "
                             "the PPTX brief does not."),
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
    "quick_levers": ("快速调整政策工具（各年相对基线的变化）", "Quick lever changes (every year, relative to the baseline)"),
    "compare_needs_two": ("请选择至少一个情景，或调整一个政策工具，与基线比较。",
                          "Pick at least one scenario, or change a lever, to compare with the baseline."),
    "difference": ("差异 ± 标准误", "Difference ± s.e."),
    "noise": ("是否可分辨", "Resolved?"),
    "extra_cost": ("新增支出", "Extra spending"),
    "cost_per_extra_job": ("每新增一个城镇新增就业的成本", "Cost per additional counted new urban job"),
    "cost_per_extra_job_held": ("每多一个在岗就业的成本", "Cost per additional job held"),
    "cost_per_extra_job_year": ("每多一个就业人年的成本", "Cost per additional person-year employed"),
    # the meeting brief (app/brief.py)
    "brief_title": ("{region}就业目标情景比较", "{region}: employment-target scenarios compared"),
    "brief_scenarios": ("比较的情景", "Scenarios compared"),
    "brief_baseline_mark": ("（基线）", " (baseline)"),
    "brief_date": ("日期：{date}", "Date: {date}"),
    "brief_version": ("jobsim 版本 {version}", "jobsim version {version}"),
    "brief_continued": ("（续）", " (continued)"),
    "brief_notes": ("运行说明", "Run notes"),
    "brief_not_modelled": ("模型不测算的目标：{targets}", "Targets the model does not project: {targets}"),
    "target_years": ("年份", "Years"),
    "target_level": ("目标值", "Goal"),
    "met": ("达到", "met"),
    "not_met": ("未达到", "not met"),
    "replicates_needed": ("约需 {n} 次重复", "about {n} replicates would resolve it"),
    "cannot_resolve": ("差异恰为零，增加重复也无法分辨", "exactly zero: no number of replicates resolves it"),
    "extra_spending": ("财政支出合计", "Total spending"),
    "percentage_points": ("个百分点", "percentage points"),
    "sw_samples": ("样本数", "samples"),
    "unit": ("单位", "Unit"),
    "sw_found": ("已有的扫描结果", "Sweep stores found"),
    "programme": ("项目", "Programme"),
    "status_outside": ("超出模拟期", "outside the simulated period"),
    "status_area": ("该地区不在本次模拟中", "area not in this run"),
    # the Trust page (app/screens/trust.py)
    "trust_intro": ("把模型基线与历史数据、统计预测和回测放在一起看：模型在这里的误差有多大，就该在多大程度上相信它。",
                    "The model's baseline beside the history, the statistical forecast and the back-tests: "
                    "trust its projections as far as its recorded errors allow."),
    "trust_chart_title": ("{label}：历史、统计预测与模型基线", "{label}: history, statistical forecast and model baseline"),
    "trust_chart_note": ("黑线：历史数据（全年值）；紫色虚线与浅紫带：统计预测及 80% 区间；蓝线与浅蓝带：校准后模型基线（{scenario}）的中位数与 10%–90% 区间。",
                         "Black: history (full-year values); purple dashes and band: statistical forecast and its 80% "
                         "interval; blue line and band: the calibrated model's baseline ({scenario}), median and 10–90% range."),
    "trust_forecast_model": ("统计预测模型：{model}（按滚动起点回测的 MASE 选出；方法见 docs/forecasting.md）。",
                             "Forecast model: {model} (chosen by rolling-origin back-tests on MASE; method in docs/forecasting.md)."),
    "no_history": ("该地区没有这一指标的全年历史数据：{reason}", "No full-year history of this indicator for this region: {reason}"),
    "no_forecast": ("无法做统计预测：{reason}", "No statistical forecast: {reason}"),
    "no_model_output": ("模型不输出这一指标。", "The model does not produce this indicator."),
    "no_trust_indicator": ("该地区的历史数据中没有模型测算的指标；下面只显示模型基线。",
                           "The region's history has no indicator the model produces; only the model's baseline is shown."),
    "calibration_quick": ("快速", "quick"),
    "calibration_thorough": ("完整", "thorough"),
    "calibration_budget": ("{kind}（每个起点 {n:,} 次模拟）", "{kind} ({n:,}-simulation)"),
    "backtest_how": ("回测方法：在每个起点年只用截至该年的数据做{calibration}校准，再把校准时的模拟接着运行到其后各年，与实际值、统计预测和朴素预测（沿用最后一个值）比较；"
                     "模型区间为 {replicates} 次重复的 10%–90% 范围。生成于 {generated}（jobsim {version}）。"
                     "用 `python -m jobsim.calibration.report` 重新生成。",
                     "How these were made: at each origin year a {calibration} calibration on data up to that year only, "
                     "then the calibration's own run carried on over the years after it, compared with what happened, the statistical forecast "
                     "and the naive forecast (the last value repeated); the model's band is the 10–90% range of "
                     "{replicates} replicates. Generated on {generated} (jobsim {version}). "
                     "Regenerate them with `python -m jobsim.calibration.report`."),
    "no_backtest": ("本地区没有回测记录：模型在这里的预测只能当作情景比较，不能当作对实际数字的预测。",
                    "No back-test is recorded for this region: the model's projections there are scenario comparisons only, not forecasts of the actual figures."),
    "no_backtest_indicator": ("该指标没有回测记录。", "No back-test is recorded for this indicator."),
    "ppc_high_z": ("标红的矩偏离观测值超过 3 个标准差（|z| > 3）。", "Moments in red miss the observed value by more than 3 sds (|z| > 3)."),
    "ppc_none": ("该地区没有校准文件，因此没有后验预测检验。", "This region has no calibrated file, so there are no posterior predictive checks."),
    "ppc_units": ("数值为模型单位（人、比例）；观测值来自历史数据或其代理（见来源列）。",
                  "Values in the model's units (persons, fractions); observed values from the history or its proxies (see the source column)."),
    "calibration_warnings": ("校准文件的警告（{file}，校准于 {date}）", "The calibrated file's warnings ({file}, calibrated on {date})"),
    "col_series": ("序列", "Series"),
    "col_method": ("方法", "Method"),
    "col_n": ("年数", "Years"),
    "col_origin": ("起点年", "Origin"),
    "col_period": ("预测年", "Year"),
    "col_actual": ("实际值", "Actual"),
    "col_forecast": ("统计预测", "Forecast"),
    "col_forecast_lo80": ("统计预测 80% 下限", "Forecast 80% low"),
    "col_forecast_hi80": ("统计预测 80% 上限", "Forecast 80% high"),
    "col_model_median": ("模型中位数", "Model median"),
    "col_model_lo80": ("模型 10%", "Model 10%"),
    "col_model_hi80": ("模型 90%", "Model 90%"),
    "col_model_fg_median": ("模型中位数（预测增速）", "Model median (forecast growth)"),
    "col_naive": ("朴素预测", "Naive"),
    "col_mase_forecast": ("MASE 统计预测", "MASE forecast"),
    "col_mase_model": ("MASE 模型", "MASE model"),
    "col_mase_model_fg": ("MASE 模型（预测增速）", "MASE model (forecast growth)"),
    "col_mase_naive": ("MASE 朴素", "MASE naive"),
    "col_forecast_covered_80": ("统计预测区间覆盖", "Forecast band covers"),
    "col_model_covered_80": ("模型区间覆盖", "Model band covers"),
    "col_mean_abs_error": ("平均绝对误差", "Mean absolute error"),
    "col_mean_abs_pct_error": ("平均绝对百分比误差（%）", "Mean absolute % error"),
    "col_mean_mase": ("平均 MASE", "Mean MASE"),
    "col_coverage_80": ("80% 区间覆盖率", "80% coverage"),
    "col_mean_band_width_80": ("平均区间宽度", "Mean band width"),
    "col_moment": ("矩", "Moment"),
    "col_observed": ("观测值", "Observed"),
    "col_sd": ("标准差", "sd"),
    "col_simulated": ("模拟中位数", "Simulated median"),
    "col_lo80": ("80% 下限", "80% low"),
    "col_hi80": ("80% 上限", "80% high"),
    "col_covered": ("覆盖", "Covered"),
    "col_z": ("z", "z"),
    "col_source": ("来源", "Source"),
    "method_forecast": ("统计预测", "statistical forecast"),
    "method_model": ("模型（实际增速）", "model (realised growth)"),
    "method_model_fg": ("模型（起点年预测的增速）", "model (growth forecast at the origin)"),
    "method_naive": ("朴素预测", "naive"),
    # the Method and sources page (app/screens/method.py)
    "method_intro": ("模型如何计数、目标如何解读、数据从哪里来。完整说明见 docs/methodology.md。",
                     "How the model counts, how targets are read and where the data comes from. The full account is docs/methodology.md."),
    "method_text": ("**城镇新增就业是毛流量。** 它等于报告期内城镇新就业人员减去自然减员（城镇就业人员的退休和死亡）；"
                    "同一年里失业后又再就业的人会再计一次。因此制造人员流动的政策可以抬高它而不增加一个在岗岗位。"
                    "模型对每个政策工具同时报告流量（城镇新增就业）和存量（期末城镇就业人员、就业人年、失业），不把流动当作新增岗位。"
                    "经济下行时招聘减少，这一流量也会下降（全国 2019→2020 年：1352 万→1186 万）。\n\n"
                    "**目标按规划者的本意解读。** “X 以上”读作不低于 X；失业率“控制在 X% 以内/左右”读作上限；"
                    "五年规划中带方括号的数是五年累计。目标本身就是政策工具投放量（培训人次、贷款发放额）时，"
                    "由情景设定即视为完成，显示为“由情景设定”而不是概率。"
                    "详见 docs/methodology.md 的“Reading targets”和“Indicators”两节。",
                    "**New urban jobs is a gross flow.** It counts the people newly employed in urban areas over the "
                    "period minus natural attrition (retirements and deaths of the urban employed); someone laid off and "
                    "re-hired within the year counts again. So a policy that creates churn can raise it without adding a "
                    "single job held. The model reports every lever's effect on both the flow (new urban jobs) and the "
                    "stock (urban employment at the year end, person-years employed, unemployment), and never lets churn "
                    "pass for jobs. In a downturn hiring falls, so the counted flow falls too (China 2019 → 2020: "
                    "13.52 → 11.86 million).\n\n"
                    "**Targets are read as planners read them.** \u201cX以上\u201d is at least X; an unemployment rate "
                    "\u201ckept within / around X%\u201d is a ceiling; a bracketed figure in a five-year plan is a "
                    "five-year total. A target that is itself a lever volume (training person-times, loans issued) is met "
                    "by the scenario's choice and shown as \u201cset by the scenario\u201d, not as a probability. "
                    "See the sections \u201cReading targets\u201d and \u201cIndicators\u201d of docs/methodology.md."),
    "sources_scope": ("显示哪些来源", "Sources to show"),
    "sources_all": ("全部地区", "All regions"),
    "sources_region": ("仅当前地区", "This region only"),
    "sources_note": ("共 {n} 个来源网址；data/history.csv 的每一行都摘录来源原文，绝大多数附有网页链接。",
                     "{n} source URLs; every row of data/history.csv quotes its source, and nearly all link to its page."),
    "col_id": ("编号", "Id"),
    "col_label": ("名称", "Name"),
    "col_unit": ("单位", "Unit"),
    "col_kind": ("类型", "Kind"),
    "col_modelled": ("模型测算", "Modelled"),
    "col_definition": ("定义（英文）", "Definition"),
    "col_programme": ("项目", "Programme"),
    "col_min": ("下限", "Min"),
    "col_max": ("上限", "Max"),
    "col_file": ("文件", "File"),
    "col_source_url": ("来源网址", "Source URL"),
    "col_regions": ("地区", "Regions"),
    "col_cited_for": ("引用于", "Cited for"),
    "col_rows": ("行数", "Rows"),
    # the Sweep explorer (app/screens/sweeps.py)
    "sw_missing": ("找不到 {path}。", "{path} was not found."),
    "sw_summary": ("扫描 {name}：{design}，{samples} 个样本 × 每样本 {replicates} 次重复；基准情景 {base}（{region}）。",
                   "Sweep {name}: {design}, {samples} samples × {replicates} replicates each; base scenario {base} ({region})."),
    "sw_design_full_factorial": ("全因子设计", "full factorial design"),
    "sw_design_latin_hypercube": ("拉丁超立方设计", "Latin hypercube design"),
    "sw_design_sobol": ("Sobol 设计", "Sobol design"),
    "sw_design_morris": ("Morris 设计", "Morris design"),
    "sw_no_targets": ("这份扫描结果无法评估基准情景的任何目标（目标的指标、地区或年份不在结果中）。",
                      "The store cannot judge any target of its base scenario (their indicators, areas or years are not in it)."),
    "sw_cells": ("每格为横纵轴取值相同的样本的平均达标概率；每个样本的概率来自 {replicates} 次重复（步长 1/{replicates}），悬停可见样本数。",
                 "Each cell is the mean probability over the samples sharing its two axis values; a sample's probability "
                 "comes from {replicates} replicates (steps of 1/{replicates}); hover for the number of samples."),
    "sw_binned": ("取值连续的因素按分位数分为 {bins} 组，刻度为组内取值的平均值；其余因素的取值在格内取平均。",
                  "Factors with continuous values are cut into {bins} quantile bins, each shown at the mean of its values; "
                  "the other factors are averaged over within a cell."),
    "sw_one_factor": ("这份扫描只改变一个因素：热图只有一行。", "This sweep varies one factor: the heatmap has one row."),
    "sw_factor_multiplier": ("{label}（× 基准）", "{label} (× base)"),
    "sw_factor_value": ("{label}（{unit}）", "{label} ({unit})"),
    "sw_factor_gdp_real_growth_percent_shift": ("实际GDP增速调整（百分点）", "Real GDP growth shift (percentage points)"),
    "sw_factor_gdp_real_growth_percent_value": ("实际GDP增速（%）", "Real GDP growth (%)"),
    "sw_factor_graduates_multiplier_multiplier": ("毕业生规模倍数（× 基准）", "Graduate cohort multiplier (× base)"),
    "sw_factor_graduates_multiplier_value": ("毕业生规模倍数", "Graduate cohort multiplier"),
    "sw_area": ("地区", "Area"),
    "sw_no_indices": ("{design}没有敏感性指数；要得到指数，请用 sobol 或 morris 设计重新扫描。",
                      "A {design} has no sensitivity indices; run the sweep with a sobol or morris design to get them."),
    "sw_sensitivity_title": ("{indicator}（{area}）：敏感性指数", "{indicator} ({area}): sensitivity indices"),
    "sw_sobol_note": ("Sobol 指数：S1 为因素单独解释的方差比例，ST 含其全部交互作用；分析对象为每个样本 {replicates} 次重复的均值（全期）；"
                      "误差线为 {level:.0%} 置信区间（自助法）。样本少时指数可为负或大于 1，说明样本不足。",
                      "Sobol indices: S1 is the share of the variance a factor explains alone, ST with all its interactions; "
                      "of the mean of each sample's {replicates} replicates (whole period); whiskers are {level:.0%} "
                      "bootstrap confidence intervals. With few samples an index can fall below 0 or above 1: too few samples."),
    "sw_morris_note": ("Morris 指数 μ*：因素的平均绝对基本效应（单位：{unit}）；分析对象为每个样本 {replicates} 次重复的均值（全期）；"
                       "误差线为 {level:.0%} 置信区间（自助法）。",
                       "Morris index μ*: a factor's mean absolute elementary effect (in {unit}); of the mean of each "
                       "sample's {replicates} replicates (whole period); whiskers are {level:.0%} bootstrap confidence intervals."),
    "sw_index_S1": ("一阶指数 S1", "first-order S1"),
    "sw_index_ST": ("总效应指数 ST", "total-order ST"),
    "sw_index_mu_star": ("μ*（平均绝对效应）", "μ* (mean absolute effect)"),
    "sw_col_factor": ("因素", "Factor"),
    "sw_col_index": ("指数", "Index"),
    "sw_col_value": ("指数值", "Index value"),
    "sw_col_low": ("区间下限", "Interval low"),
    "sw_col_high": ("区间上限", "Interval high"),
}


def status_text(status: str, lang: str) -> str:
    """Why a target is not judged (api.evaluate_targets' `status`) in `lang`."""
    if status.startswith("outside"):
        return t("status_outside", lang)
    if status.startswith("area "):
        return t("status_area", lang)
    return status


def unit_words(unit: str, lang: str) -> str:
    """A registry unit in `lang` ('10k persons' -> 万人); a difference of two rates in percentage points (a
    unit the registry does not have)."""
    from jobsim.model import api

    if unit == "percentage points":
        return t("percentage_points", lang)
    return api.unit_text(unit, lang)


def t(key: str, lang: str, **values) -> str:
    """The app's word `key` in `lang`, with `{placeholders}` filled from `values`."""
    zh, en = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
