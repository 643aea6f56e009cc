"""The meeting brief (jobsim.app.brief): a real small comparison of two Jiangxi scenarios, briefed in Chinese
and English, read back with python-pptx."""

from __future__ import annotations

import io
import math
import re

import pytest

pytest.importorskip("pptx")
pytest.importorskip("vl_convert")

from pptx import Presentation  # noqa: E402
from pptx.oxml.ns import qn  # noqa: E402
from pptx.util import Inches  # noqa: E402

from jobsim.app import brief, charts, services  # noqa: E402
from jobsim.app.text import WORDS, t  # noqa: E402
from jobsim.model import api  # noqa: E402

REGION = "Jiangxi"
REPLICATES, SCALE = 2, 20000  # the conftest brief_comparison's size
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def comparison(brief_comparison):
    return brief_comparison


def _fan(comparison, lang: str, indicator: str = "new_urban_jobs"):
    plan = comparison.plan
    fan = api.fan_table(comparison.runs, indicator, REGION, lang, cumulative=True)
    marks = api.target_marks(plan.baseline.target_list(), indicator, REGION, lang, cumulative=True)
    title = t("fan_title", lang, label=fan.attrs.get("label", indicator))
    return title, charts.styled(charts.fan_chart(fan, marks, title))


@pytest.fixture(scope="module", params=["zh", "en"])
def deck(request, comparison):
    lang = request.param
    charts_ = [_fan(comparison, lang)]
    data = brief.comparison_brief(comparison, lang, REGION, charts_)
    return lang, data, Presentation(io.BytesIO(data)), charts_


def _texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        elif shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def _tables(slide):
    return [shape.table for shape in slide.shapes if shape.has_table]


def _pictures(slide):
    return [shape for shape in slide.shapes if shape.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE


def test_opens_as_16_9_with_the_slides_in_order(deck, comparison):
    lang, data, prs, charts_ = deck
    assert data[:2] == b"PK"  # a zip (OOXML) package
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    assert len(slides) == 1 + len(charts_) + 3  # title, the charts, targets, differences, caveat
    first = "\n".join(_texts(slides[0]))
    assert t("brief_title", lang, region=services.region_names(lang)[REGION]) in first
    for k, (title, _) in enumerate(charts_, start=1):
        assert title in _texts(slides[k])
    assert t("target_table", lang) in _texts(slides[-3])
    assert t("effects", lang) in _texts(slides[-2])
    assert t("trust_link", lang) in _texts(slides[-1])


def test_title_slide_names_region_scenarios_date_version_and_run_size(deck, comparison):
    lang, _, prs, _ = deck
    text = "\n".join(_texts(prs.slides[0]))
    regions = api.load_regions()
    assert regions.at[REGION, "name_zh" if lang == "zh" else "name_en"] in text
    scenarios = api.comparison_tables(comparison.dataset)["scenarios"]
    for title in scenarios["title_zh" if lang == "zh" else "title_en"]:
        assert title in text
    assert re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert api.__version__ in text
    assert t("preview_note", lang, replicates=REPLICATES, scale=float(SCALE)) in text


def test_present_title_replaces_the_default_title(comparison):
    data = brief.comparison_brief(comparison, "zh", REGION, [], present_title="十四五就业规划中期评估会")
    prs = Presentation(io.BytesIO(data))
    text = "\n".join(_texts(prs.slides[0]))
    assert "十四五就业规划中期评估会" in text and "江西省" in text
    assert len(prs.slides) == 4  # no chart: title, targets, differences, caveat


def test_chart_slide_holds_a_fitted_png(deck):
    lang, _, prs, _ = deck
    pictures = _pictures(prs.slides[1])
    assert len(pictures) == 1
    picture = pictures[0]
    blob = picture.image.blob
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < len(blob) < 5_000_000
    w, h = brief.png_size(blob)
    assert w > 600 and h > 300  # rendered at scale 2 from a 640 x 320 chart
    assert picture.left >= 0 and picture.top >= brief.BODY_TOP - 1
    assert picture.left + picture.width <= prs.slide_width
    assert picture.top + picture.height <= prs.slide_height
    assert abs(picture.width / picture.height - w / h) < 0.01  # aspect kept
    assert picture.width > prs.slide_width * 0.5 or picture.height > Inches(5)  # fills the slide


def _cell_lines(cell) -> list[str]:
    return [p.text for p in cell.text_frame.paragraphs]


def test_target_table_holds_the_comparisons_probabilities(deck, comparison):
    lang, _, prs, _ = deck
    tables = api.comparison_tables(comparison.dataset)
    targets, scenarios = tables["targets"], tables["scenarios"]
    names = list(scenarios["scenario"])
    (table,) = _tables(prs.slides[-3])
    header = [c.text for c in table.rows[0].cells]
    short = brief.short_titles(brief.scenario_titles(scenarios, lang))
    assert header[-len(names):] == [short[n] for n in names]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in list(table.rows)[1:]}
    label = "label_zh" if lang == "zh" else "label_en"
    checked = {"evaluated": 0, "set": 0}
    for k, name in enumerate(names):
        column = len(header) - len(names) + k
        for _, r in targets[targets["scenario"] == name].iterrows():
            if r["status"] == "not modelled":
                assert r[label] not in rows
                continue
            cell = rows[r[label]][column]
            if r["status"] == "evaluated":
                assert cell == f"{r['probability']:.0%}", (r[label], name)
                checked["evaluated"] += 1
            elif r["status"] == "set by the scenario":
                assert cell.startswith(t("set_by_scenario", lang))
                assert t("met" if r["scenario_meets"] else "not_met", lang) in cell
                checked["set"] += 1
    assert checked["evaluated"] >= 2 * len(names) and checked["set"] >= len(names)
    # the targets the model does not project are named under the table
    text = "\n".join(_texts(prs.slides[-3]))
    for lab in targets.loc[targets["status"] == "not modelled", label].unique():
        assert lab in text


def test_differences_table_shows_difference_se_and_the_noise_mark(deck, comparison):
    lang, _, prs, _ = deck
    tables = api.comparison_tables(comparison.dataset)
    headline, cost = tables["headline"], tables["cost"]
    base, other = list(tables["scenarios"]["scenario"])
    (table,) = _tables(prs.slides[-2])
    body = list(table.rows)[1:]
    label = "label_zh" if lang == "zh" else "label_en"
    rows = {r.cells[0].text: r.cells for r in body}
    marks = 0
    for _, r in headline[headline["scenario"] == other].iterrows():
        (key,) = [k for k in rows if k.startswith(r[label])]
        lines = _cell_lines(rows[key][2])
        assert lines[0].startswith(brief.difference_text(r["difference"], r["difference_se"]))
        assert " ± " in lines[0]
        if r["within_noise"]:
            assert t("within_noise", lang) in lines[1]
            if isinstance(r["replicates_needed"], int):
                assert str(r["replicates_needed"]) in lines[1]
            marks += 1
        else:
            assert len(lines) == 1
    assert marks >= 1  # two replicates leave at least one difference within noise
    c = cost.set_index("scenario").loc[other]
    (spending,) = [k for k in rows if k.startswith(t("extra_spending", lang))]
    assert _cell_lines(rows[spending][2])[0] == brief.difference_text(c["extra_cost"], c["extra_cost_se"])
    (per_job,) = [k for k in rows if k.startswith(t("cost_per_extra_job", lang))]
    assert _cell_lines(rows[per_job][2])[0] == brief.number_text(c["cost_per_extra_job"], 0)
    # The mark goes with a cost shown: no cost (no added job, "—") leaves nothing to mark.
    shown = brief.number_text(c["cost_per_extra_job"], 0) != brief.DASH
    assert (t("within_noise", lang) in rows[per_job][2].text) == (bool(c["cost_per_extra_job_within_noise"]) and shown)


def test_caveat_slide_holds_the_backtest_reminder_in_large_type(deck, comparison):
    lang, _, prs, _ = deck
    reminder = api.backtest_reminder(REGION, lang)
    slide = prs.slides[-1]
    boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text == reminder]
    assert len(boxes) == 1
    sizes = {run.font.size.pt for p in boxes[0].text_frame.paragraphs for run in p.runs}
    assert min(sizes) >= 28
    for note in api.comparison_facts(comparison.dataset)["notes"]:
        assert any(note in text for text in _texts(slide))


def test_language(deck):
    lang, _, prs, _ = deck
    text = "\n".join(x for s in prs.slides for x in _texts(s))
    if lang == "zh":
        for word in ("城镇新增就业", "由情景设定", "在随机误差范围内", "回测"):
            assert word in text
    else:
        for word in ("new urban jobs", "set by the scenario", "within noise; more replicates needed", "Back-test"):
            assert word in text
        # no Chinese in the English brief outside the chart picture
        assert not CJK.search(text), CJK.findall(text)[:10]


def test_every_run_is_set_in_the_cjk_font(deck):
    _, _, prs, _ = deck
    runs = 0
    for slide in prs.slides:
        for r in slide._element.iter(qn("a:r")):
            rPr = r.find(qn("a:rPr"))
            assert rPr is not None, r.xml
            for tag in ("a:latin", "a:ea"):
                face = rPr.find(qn(tag))
                assert face is not None and face.get("typeface") == brief.FONT, (tag, r.xml)
            children = [c.tag for c in rPr]  # schema order: latin before ea before cs
            assert children.index(qn("a:latin")) < children.index(qn("a:ea")) < children.index(qn("a:cs"))
            runs += 1
    assert runs > 30


# ---- the formatting helpers ---------------------------------------------------------------------------

def test_number_formats():
    assert brief.probability_text(0.5) == "50%"
    assert brief.probability_text(float("nan")) == "—"
    assert brief.difference_text(2.0, 4.0) == "+2.0 ± 4.0"
    assert brief.difference_text(-0.0063, 0.0506) == "−0.006 ± 0.051"
    assert brief.difference_text(7.63785, 0.31995) == "+7.64 ± 0.32"
    assert brief.difference_text(math.nan, 1.0) == "—"
    assert brief.value_text(600.0) == "600" and brief.value_text(13.8) == "13.8" and brief.value_text(60.0) == "60"
    assert brief.noise_text(32, "en") == "within noise; more replicates needed (about 32 replicates would resolve it)"
    assert brief.noise_text(brief.UNRESOLVABLE, "zh").startswith(t("within_noise", "zh"))
    assert brief.noise_text(None, "zh") == t("within_noise", "zh")


def test_short_titles_fall_back_to_whole_titles_when_heads_collide():
    titles = {"a": "江西省基线：延续", "b": "江西省扩大岗位：增加"}
    assert brief.short_titles(titles) == {"a": "江西省基线", "b": "江西省扩大岗位"}
    edited = {"a": "江西省基线：延续", "a_edited": "江西省基线：延续（调整）"}
    assert brief.short_titles(edited) == edited


def test_long_tables_continue_on_the_next_slide():
    widths = brief.column_widths([3, 1, 1])
    rows = [[f"城镇新增就业 {k}", "2021-2025", ["+2.0 ± 4.0", (t("within_noise", "zh"), {"italic": True})]]
            for k in range(40)]
    room = brief.BODY_BOTTOM - brief.BODY_TOP
    pages = brief.table_pages(["a", "b", "c"], rows, widths, room, brief.TABLE_SIZE)
    assert len(pages) > 1 and sum(pages, []) == rows
    header_height = brief.row_height(["a", "b", "c"], widths, brief.TABLE_SIZE)
    for page in pages:
        assert header_height + sum(brief.row_height(r, widths, brief.TABLE_SIZE) for r in page) <= room
    assert brief.table_pages(["a"], [], widths[:1], room, brief.TABLE_SIZE) == [[]]

    prs = Presentation()
    prs.slide_width, prs.slide_height = brief.SLIDE_WIDTH, brief.SLIDE_HEIGHT
    note = "模型不测算的目标：甲、乙"
    brief._table_slides(prs, "目标", "页脚", ["a", "b", "c"], rows, [3, 1, 1], "zh", note=note)
    slides = list(prs.slides)
    assert len(slides) > 1
    assert "目标" in _texts(slides[0]) and "目标" + t("brief_continued", "zh") in _texts(slides[1])
    cells = [row.cells[0].text for s in slides for table in _tables(s) for row in list(table.rows)[1:]]
    assert cells == [r[0] for r in rows]  # every row once, in order
    assert note in _texts(slides[-1])
    for slide in slides:
        for table in _tables(slide):
            assert sum(r.height for r in table.rows) <= room


def test_text_shrinks_to_fit_its_box_but_not_below_the_smallest_size():
    width, height = Inches(12), Inches(0.9)
    assert brief.fit_size(["短标题"], width, height, 28, 20) == 28
    long = ["城镇新增就业：中位数与 10%–90% 区间，" * 4]
    size = brief.fit_size(long, width, height, 28, 20)
    assert size == 20 or brief.text_height(long, width - 2 * brief.BOX_INSET, size) <= height - 2 * brief.BOX_INSET
    assert size < 28
    assert brief.line_count("中" * 20, Inches(1), 13) > brief.line_count("m" * 20, Inches(1), 13) > 1


def test_words_of_the_brief_exist_in_both_languages_once():
    import ast
    from pathlib import Path

    import jobsim.app.text as text

    tree = ast.parse(Path(text.__file__).read_text(encoding="utf-8"))
    (words,) = [n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and n.target.id == "WORDS"]
    keys = [k.value for k in words.keys]
    for key in ("brief_title", "brief_scenarios", "within_noise", "set_by_scenario", "met", "not_met",
                "replicates_needed", "cannot_resolve", "extra_spending", *brief.COSTS, "percentage_points"):
        zh, en = WORDS[key]
        assert CJK.search(zh) and not CJK.search(en), key
        assert keys.count(key) == 1, f"{key} is given twice in app/text.py WORDS (the later one wins)"
