"""The meeting brief as a PDF (fpdf2), page for slide of the PowerPoint brief (app/brief.py): the same title,
charts, target table, differences from the baseline and back-test caveat, from the same `brief.brief_content`.

A4 landscape. Every text is set in Noto Sans CJK SC (Debian's fonts-noto-cjk), embedded as a subset, so the
PDF shows Chinese on any reader; without the font installed there is no PDF brief (`font_files` says which
package to install) while the PowerPoint brief, which names the font but does not embed it, still works. Long
tables continue on the next page with their header repeated.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from jobsim.app import charts
from jobsim.app.brief import DIFFERENCE_SHARES, TARGET_SHARES, BriefContent, brief_content, png_size, title_lines
from jobsim.app.text import t

PAGE_FORMAT, ORIENTATION = "A4", "L"  # 297 x 210 mm
MARGIN_MM = 15.0
TITLE_PT, BODY_PT, TABLE_PT, NOTE_PT, FOOTER_PT, CAVEAT_PT, COVER_PT = 20, 13, 10, 9, 8, 22, 28
LINE_MM = 0.5  # a line's height per point of type (Noto Sans CJK's 1.45 em, in mm)
GREY, NOISE_COLOUR, HEADER_FILL = (102, 102, 102), (153, 102, 0), (230, 236, 242)
FAMILY = "cjk"


class BriefFontMissing(RuntimeError):
    """The CJK font the PDF brief embeds is not installed."""


@lru_cache(maxsize=1)
def font_files() -> tuple[dict[str, Path], int]:
    """The regular and bold Noto Sans CJK collections and the index of the SC face in them (looked up by
    name, not assumed). BriefFontMissing when they are absent."""
    from fontTools.ttLib import TTCollection

    found = charts.cjk_font_files()
    if found is None:
        raise BriefFontMissing(f"the PDF brief needs the {charts.FONT} font ({', '.join(charts.FONT_FILES.values())} "
                               f"under {' or '.join(charts.FONT_FOLDERS)}); on Debian or Ubuntu: apt-get install "
                               "fonts-noto-cjk (`make browser` does it). The PowerPoint brief works without it.")
    collection = TTCollection(str(found["regular"]), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == charts.FONT:
            return {"": found["regular"], "B": found["bold"]}, index
    raise BriefFontMissing(f"{found['regular']} holds no {charts.FONT} face")


def _cell_text(cell) -> tuple[str, bool]:
    """A table cell of brief.target_rows / difference_rows as (text, carries a within-noise mark): a cell is a
    string or a list of lines, each a string or (string, style)."""
    if isinstance(cell, str):
        return cell, False
    lines, marked = [], False
    for line in cell:
        if isinstance(line, tuple):
            lines.append(line[0])
            marked = marked or bool(line[1].get("italic"))
        else:
            lines.append(str(line))
    return "\n".join(lines), marked


def _document(footer: str):
    from fpdf import FPDF

    class Brief(FPDF):
        def footer(self) -> None:
            self.set_y(-MARGIN_MM + 4)
            self.set_font(FAMILY, "", FOOTER_PT)
            self.set_text_color(*GREY)
            self.cell(0, 4, f"{footer} · {self.page_no()}", align="R")
            self.set_text_color(0, 0, 0)

    files, index = font_files()
    pdf = Brief(orientation=ORIENTATION, format=PAGE_FORMAT)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM + 2)
    for style, path in files.items():
        pdf.add_font(FAMILY, style, str(path), collection_font_number=index)
    return pdf


def _heading(pdf, text: str) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, "B", TITLE_PT)
    pdf.multi_cell(0, TITLE_PT * LINE_MM, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(pdf, header: list[str], rows: list[list], shares: list[float]) -> None:
    pdf.set_font(FAMILY, "", TABLE_PT)
    width = pdf.epw
    widths = [width * s / sum(shares) for s in shares]
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=TABLE_PT * LINE_MM, repeat_headings=1,
                   headings_style=_style(pdf, bold=True), cell_fill_color=HEADER_FILL, cell_fill_mode="NONE") as table:
        head = table.row()
        for text in header:
            head.cell(text)
        for row in rows:
            r = table.row()
            for cell in row:
                text, marked = _cell_text(cell)
                r.cell(text, style=_style(pdf, colour=NOISE_COLOUR) if marked else None)


def _style(pdf, bold: bool = False, colour=None):
    from fpdf.fonts import FontFace

    return FontFace(family=FAMILY, emphasis="BOLD" if bold else None, color=colour,
                    fill_color=HEADER_FILL if bold else None)


def _picture(pdf, png: bytes) -> None:
    """The chart fitted into the rest of the page, centred."""
    w, h = png_size(png)
    top, bottom = pdf.get_y(), pdf.h - MARGIN_MM - 6
    k = min(pdf.epw / w, (bottom - top) / h)
    pdf.image(io.BytesIO(png), x=pdf.l_margin + (pdf.epw - w * k) / 2, y=top, w=w * k, h=h * k)


def render(content: BriefContent) -> bytes:
    """The PDF of a brief's content."""
    lang = content.lang
    pdf = _document(content.footer)
    pdf.set_title(content.title)
    pdf.set_author("jobsim")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("jobsim")

    # 1. title
    pdf.add_page()
    pdf.set_font(FAMILY, "B", COVER_PT)
    pdf.ln(10)
    pdf.multi_cell(0, COVER_PT * LINE_MM, content.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in title_lines(content):
        text, style = (line, {}) if isinstance(line, str) else line
        pdf.set_font(FAMILY, "B" if style.get("bold") else "", BODY_PT)
        pdf.set_text_color(*(GREY if style.get("colour") is not None else (0, 0, 0)))
        pdf.multi_cell(0, BODY_PT * LINE_MM, text or " ", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    # 2. the charts
    for chart_title, chart in content.indicator_charts:
        _heading(pdf, chart_title)
        _picture(pdf, charts.to_png(chart))

    # 3. the targets, 4. the differences from the baseline
    n = len(content.titles)
    _heading(pdf, t("target_table", lang))
    _table(pdf, content.target_header, content.target_rows, TARGET_SHARES[:3] + TARGET_SHARES[3:] * n)
    if content.not_modelled_note:
        pdf.ln(3)
        pdf.set_font(FAMILY, "", NOTE_PT)
        pdf.multi_cell(0, NOTE_PT * LINE_MM, content.not_modelled_note, align="L", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, t("effects", lang))
    _table(pdf, content.difference_header, content.difference_rows,
           DIFFERENCE_SHARES[:2] + DIFFERENCE_SHARES[2:] * (n - 1))

    # 5. the back-test caveat and the run notes
    _heading(pdf, t("trust_link", lang))
    pdf.set_font(FAMILY, "B", CAVEAT_PT)
    pdf.multi_cell(0, CAVEAT_PT * LINE_MM, content.caveat, align="L", new_x="LMARGIN", new_y="NEXT")
    if content.notes:
        pdf.ln(6)
        pdf.set_font(FAMILY, "B", NOTE_PT + 2)
        pdf.multi_cell(0, (NOTE_PT + 2) * LINE_MM, t("brief_notes", lang), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", NOTE_PT + 2)
        for note in content.notes:
            pdf.multi_cell(0, (NOTE_PT + 2) * LINE_MM, f"• {note}", align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def brief_pdf(comparison, lang: str, region: str, indicator_charts: list[tuple[str, object]],
              present_title: str | None = None) -> bytes:
    """The comparison's meeting brief as PDF bytes (the arguments of brief.comparison_brief)."""
    return render(brief_content(comparison, lang, region, indicator_charts, present_title))
