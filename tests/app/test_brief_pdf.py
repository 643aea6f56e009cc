"""The PDF brief (jobsim.app.brief_pdf): the same small comparison of two Jiangxi scenarios as the PowerPoint
brief's tests, briefed in Chinese and English as PDF and read back with pypdf: the pages in order, the texts of
the PowerPoint brief (the same `brief_content`), the CJK font embedded, and a clear error without the font."""

from __future__ import annotations

import io
import re

import pytest

pytest.importorskip("fpdf")
pytest.importorskip("vl_convert")
pypdf = pytest.importorskip("pypdf")

from jobsim.app import brief, brief_pdf, charts  # noqa: E402
from jobsim.app.text import t  # noqa: E402
from jobsim.model import api  # noqa: E402

if charts.cjk_font_files() is None:
    pytest.skip("the PDF brief needs fonts-noto-cjk (`make browser`)", allow_module_level=True)

REGION = "Jiangxi"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def comparison(brief_comparison):
    return brief_comparison


@pytest.fixture(scope="module", params=["zh", "en"])
def document(request, comparison):
    lang = request.param
    plan = comparison.plan
    fan = api.fan_table(comparison.runs, "new_urban_jobs", REGION, lang, cumulative=True)
    marks = api.target_marks(plan.baseline.target_list(), "new_urban_jobs", REGION, lang, cumulative=True)
    title = t("fan_title", lang, label=fan.attrs["label"])
    charts_ = [(title, charts.styled(charts.fan_chart(fan, marks, title)))]
    data = brief_pdf.brief_pdf(comparison, lang, REGION, charts_)
    content = brief.brief_content(comparison, lang, REGION, charts_)
    return lang, data, pypdf.PdfReader(io.BytesIO(data)), content


def _page_texts(reader) -> list[str]:
    # pypdf reads fpdf2's two-byte glyph codes of the CJK font with a NUL before each character (PDFium, as in
    # Chrome, reads the same text plainly): the NULs and white space are dropped before comparing.
    return [re.sub(r"[\s\x00]+", "", page.extract_text()) for page in reader.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pages_in_order_title_chart_targets_differences_caveat(document):
    lang, data, reader, content = document
    assert data[:5] == b"%PDF-"
    pages = _page_texts(reader)
    assert len(pages) == 5  # the tables of two scenarios fit on a page each
    assert _flat(content.title) in pages[0]
    for title in content.titles.values():
        assert _flat(title) in pages[0]
    assert _flat(content.indicator_charts[0][0]) in pages[1]
    assert "/XObject" in reader.pages[1]["/Resources"] and reader.pages[1].images  # the chart, as a picture
    assert _flat(t("target_table", lang)) in pages[2]
    assert _flat(t("effects", lang)) in pages[3]
    assert _flat(content.caveat) in pages[4]
    for k, page in enumerate(pages):  # every page but the title carries the footer with its number
        assert page.endswith(f"{k + 1}")
    assert reader.metadata.title == content.title


def test_tables_hold_the_rows_of_the_powerpoint_brief(document):
    lang, _, reader, content = document
    pages = _page_texts(reader)
    for row in content.target_rows:
        for cell in row:
            assert _flat(brief_pdf._cell_text(cell)[0]) in pages[2], cell
    for row in content.difference_rows:
        for cell in row:
            assert _flat(brief_pdf._cell_text(cell)[0]) in pages[3], cell
    marks = sum(brief_pdf._cell_text(cell)[1] for row in content.difference_rows for cell in row)
    assert marks >= 1  # the within-noise marks of a two-replicate comparison
    assert _flat(t("within_noise", lang)) in pages[3]


def test_language_and_the_embedded_cjk_font(document):
    lang, _, reader, _ = document
    text = "".join(_page_texts(reader)[2:])
    if lang == "zh":
        assert "城镇新增就业" in text and "由情景设定" in text
    else:
        assert "newurbanjobs" in text.lower() and "setbythescenario" in text.lower()
        assert not CJK.search(text), CJK.findall(text)[:10]
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("NotoSansCJK" in f.replace(" ", "") for f in fonts), fonts
    faces = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    for d in faces:  # embedded (a TrueType or CFF font program), so any reader shows the Chinese
        descriptor = d["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), descriptor


def test_without_the_font_the_pdf_brief_says_what_to_install(monkeypatch, tmp_path, comparison):
    monkeypatch.setattr(charts, "FONT_FOLDERS", (str(tmp_path),))
    charts.cjk_font_files.cache_clear()
    brief_pdf.font_files.cache_clear()
    try:
        from jobsim.app import services

        assert services.pdf_brief_available() is False
        with pytest.raises(brief_pdf.BriefFontMissing, match="fonts-noto-cjk"):
            brief_pdf.brief_pdf(comparison, "zh", REGION, [])
    finally:
        charts.cjk_font_files.cache_clear()
        brief_pdf.font_files.cache_clear()
