"""A short meeting brief of a comparison, as a PowerPoint file (python-pptx), in Chinese or English.

Slides, 16:9:

1. the title: region, the scenarios compared (baseline first), date, jobsim version and the run size;
2. one slide per indicator chart the Compare page drew (rendered to PNG by `charts.to_png`, fitted to the slide);
3. the targets: each target's probability of being met under each scenario (a target the scenario itself sets
   shows "set by the scenario" with the scenario's value), as a real table; the targets the model does not
   project are listed under it;
4. the differences from the baseline: each headline measure's paired difference ± standard error, the extra
   spending and the cost per extra job, with "within noise; more replicates needed" where it is;
5. the back-test caveat (`api.backtest_reminder`) in large type, with the comparison's run notes.

A table with more rows than fit on a slide continues on the next slide. Every text run is set in Noto Sans
CJK SC, for Latin and East-Asian text alike (the `a:latin`, `a:ea` and `a:cs` typefaces of the run), so that
Chinese renders in PowerPoint and LibreOffice wherever the font is installed. The numbers are those of
`api.comparison_tables`; nothing here computes a figure. What the brief says (`brief_content`) is apart from
how it is laid out, so that the PDF brief (app/brief_pdf.py) says the same.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from jobsim.app import charts, services
from jobsim.app.text import t, unit_words
from jobsim.model import api

FONT = charts.FONT
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
TITLE_TOP, TITLE_HEIGHT = Inches(0.3), Inches(0.9)
BODY_TOP = Inches(1.3)
FOOTER_HEIGHT = Inches(0.4)
BODY_BOTTOM = SLIDE_HEIGHT - FOOTER_HEIGHT - Inches(0.15)
TITLE_SIZE, BODY_SIZE, TABLE_SIZE, NOTE_SIZE, FOOTER_SIZE, CAVEAT_SIZE = 28, 18, 13, 11, 10, 32
MIN_TITLE_SIZE, MIN_TABLE_SIZE, MIN_NOTE_SIZE = 20, 10, 9
LINE_SPACING = 1.45  # a line's height in font sizes (Noto Sans CJK's ascent and descent: 1.448 em)
CELL_MARGIN = Inches(0.05)  # top and bottom; left and right are python-pptx's 0.1 inch
BOX_INSET = Inches(0.1)  # a text box's own inset on each side
LATIN_EM = 0.56  # the mean width of a Latin character, in ems (a CJK character is 1 em)
GREY = RGBColor(0x66, 0x66, 0x66)
NOISE_COLOUR = RGBColor(0x99, 0x66, 0x00)
BLANK_LAYOUT = 6  # "Blank" in python-pptx's default template
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# target_status values of api.comparison_tables()["targets"]
EVALUATED, SET_BY_SCENARIO, NOT_MODELLED = "evaluated", "set by the scenario", "not modelled"
UNRESOLVABLE = "cannot be resolved"  # replicates_needed of a difference of exactly 0
COSTS = ("cost_per_extra_job", "cost_per_extra_job_held", "cost_per_extra_job_year")
DASH = "—"
# Column widths as shares: the targets table (target, years, goal, then each scenario) and the differences
# table (measure, the baseline's median, then each other scenario).
TARGET_SHARES = [2.8, 1.1, 1.4, 2.6]
DIFFERENCE_SHARES = [3.4, 1.8, 2.8]


# ---- text --------------------------------------------------------------------------------------------

def set_font(run, size: float | None = None, bold: bool = False, italic: bool = False,
             colour: RGBColor | None = None) -> None:
    """The run in FONT for Latin, East-Asian and complex scripts (python-pptx's font.name sets only a:latin)."""
    font = run.font
    if size is not None:
        font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    if colour is not None:
        font.color.rgb = colour
    rPr = run._r.get_or_add_rPr()
    latin = rPr.get_or_add_latin()
    latin.set("typeface", FONT)
    for tag in ("a:ea", "a:cs"):
        for old in rPr.findall(qn(tag)):
            rPr.remove(old)
    previous = latin
    for tag in ("a:ea", "a:cs"):  # schema order: latin, ea, cs
        element = rPr.makeelement(qn(tag), {"typeface": FONT})
        previous.addnext(element)
        previous = element


def _write(text_frame, lines: Sequence, size: float, first: bool = True, **style) -> None:
    """Paragraphs into `text_frame`, one per line; a line is a str or (str, style overrides)."""
    for k, line in enumerate(lines):
        text, extra = (line, {}) if isinstance(line, str) else line
        paragraph = text_frame.paragraphs[0] if (first and k == 0) else text_frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        options = {**style, **extra}
        set_font(run, options.pop("size", size), **options)


# How tall text will be, estimated (python-pptx lays nothing out): PowerPoint and LibreOffice grow a table's
# rows to their text, so rows are given these heights and a table is cut into slides by them.

_TOKENS = re.compile(r"[\u2e80-\uffef]|[^\s\u2e80-\uffef]+\s*|\s+")


def text_width(text: str) -> float:
    """The width of `text` in ems: 1 for a CJK (wide) character, LATIN_EM for others."""
    return sum(1.0 if ord(c) >= 0x2E80 or 0xFF00 <= ord(c) <= 0xFFEF else LATIN_EM for c in text)


def line_count(text: str, width, size: float) -> int:
    """Lines `text` takes in a box `width` (EMU) wide at `size` points, wrapped greedily: a CJK character
    may start a line, a Latin word is kept whole unless it is longer than a line."""
    per_line = max(width / 12700 / size, 1.0)  # ems per line (12700 EMU a point)
    lines, used = 1, 0.0
    for token in _TOKENS.findall(text):
        w, shown = text_width(token), text_width(token.rstrip())
        if used and used + shown > per_line:
            lines, used = lines + 1, 0.0
        while shown > per_line:  # a word longer than the line breaks anywhere
            lines, shown, w = lines + 1, shown - per_line, w - per_line
        used += w
    return lines


def text_height(lines: Sequence, width, size: float) -> int:
    """EMU height of `lines` (str or (str, style)) wrapped in `width` at `size` points."""
    total = 0.0
    for line in lines:
        text, extra = (line, {}) if isinstance(line, str) else line
        s = extra.get("size", size)
        total += line_count(text, width, s) * s * LINE_SPACING
    return int(total * 12700)


def fit_size(lines: Sequence, width, height, size: float, smallest: float) -> float:
    """The largest size from `size` down to `smallest` (in 1-point steps) at which `lines` fit the box."""
    while size > smallest and text_height(lines, width - 2 * BOX_INSET, size) > height - 2 * BOX_INSET:
        size -= 1
    return size


def _text_box(slide, left, top, width, height, lines: Sequence, size: float, smallest: float | None = None,
              **style):
    """A text box of `lines`; with `smallest`, the size shrinks (not below it) until the text fits."""
    if smallest is not None:
        size = fit_size(lines, width, height, size, smallest)
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    _write(frame, lines, size, **style)
    return box


def _title(slide, text: str) -> None:
    _text_box(slide, MARGIN, TITLE_TOP, SLIDE_WIDTH - 2 * MARGIN, TITLE_HEIGHT, [text], TITLE_SIZE,
              smallest=MIN_TITLE_SIZE, bold=True)


def _footer(slide, text: str) -> None:
    _text_box(slide, MARGIN, SLIDE_HEIGHT - FOOTER_HEIGHT - Inches(0.05), SLIDE_WIDTH - 2 * MARGIN, FOOTER_HEIGHT,
              [text], FOOTER_SIZE, colour=GREY)


def _new_slide(prs, title: str | None, footer: str | None):
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    if title:
        _title(slide, title)
    if footer:
        _footer(slide, footer)
    return slide


# ---- numbers -----------------------------------------------------------------------------------------

def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def probability_text(p) -> str:
    """A probability as the brief shows it: a whole percentage ('—' when there is none)."""
    return DASH if _missing(p) else f"{float(p):.0%}"


def _decimals(se: float, value: float) -> int:
    """Decimals that show the standard error to two significant figures (0-3), else the value to three."""
    if se and not _missing(se):
        digits = 1 - math.floor(math.log10(abs(se)))
    elif value and not _missing(value):
        digits = 2 - math.floor(math.log10(abs(value)))
    else:
        return 1
    return int(max(0, min(3, digits)))


def number_text(x, decimals: int = 1, sign: bool = False) -> str:
    if _missing(x):
        return DASH
    text = f"{float(x):{'+' if sign else ''},.{decimals}f}"
    return text.replace("-", "−")


def value_text(x) -> str:
    """A plain value to three significant figures, without trailing zeros: 600, 60, 13.8."""
    if _missing(x):
        return DASH
    text = number_text(x, _decimals(0.0, float(x)))
    return text.rstrip("0").rstrip(".") if "." in text else text


def difference_text(difference, se) -> str:
    """'+2.0 ± 4.0': the paired difference and its standard error, to the standard error's precision."""
    if _missing(difference):
        return DASH
    d = _decimals(0.0 if _missing(se) else float(se), float(difference))
    return f"{number_text(difference, d, sign=True)} ± {number_text(0.0 if _missing(se) else se, d)}"


def noise_text(replicates_needed, lang: str) -> str:
    """The within-noise mark, with the replicates that would resolve the difference when known."""
    mark = t("within_noise", lang)
    if replicates_needed == UNRESOLVABLE:
        return f"{mark}（{t('cannot_resolve', lang)}）" if lang == "zh" else f"{mark} ({t('cannot_resolve', lang)})"
    if _missing(replicates_needed):
        return mark
    more = t("replicates_needed", lang, n=int(replicates_needed))
    return f"{mark}（{more}）" if lang == "zh" else f"{mark} ({more})"


def unit_label(unit: str, lang: str) -> str:
    """A unit on a slide: the app's words for it (text.unit_words), percent as % in both languages."""
    if unit == "percent":
        return "%"
    return unit_words(unit, lang) if unit else ""


def _in_unit(label: str, unit: str, lang: str) -> str:
    u = unit_label(unit, lang)
    if not u or u == "1":
        return label
    return f"{label}（{u}）" if lang == "zh" else f"{label} ({u})"


# ---- names -------------------------------------------------------------------------------------------

def scenario_titles(scenarios, lang: str) -> dict[str, str]:
    """{name: title in lang} from the comparison's `scenarios` table."""
    column = "title_zh" if lang == "zh" else "title_en"
    return {str(r["scenario"]): (str(r[column]) or str(r["scenario"])) for _, r in scenarios.iterrows()}


def short_titles(titles: dict[str, str]) -> dict[str, str]:
    """Column headers: each title up to its first colon ('江西省基线：…' -> '江西省基线'), unless two would then
    be the same (an edited scenario keeps its base's head), when the whole titles are used."""
    def head(title: str) -> str:
        for colon in ("：", ": "):
            if colon in title:
                return title.split(colon, 1)[0].strip() or title
        return title

    short = {name: head(title) for name, title in titles.items()}
    return short if len(set(short.values())) == len(short) else dict(titles)


def _label(row, lang: str) -> str:
    return str(row["label_zh" if lang == "zh" else "label_en"])


def goal_text(row, lang: str) -> str:
    """A target's goal in `lang`: '≥ 200 万人', '≤ 5.5%'."""
    symbol = api.comparison_symbol(str(row["comparison"]))
    unit = unit_label(str(row["unit"]), lang)
    value = value_text(row["value"])
    return f"{symbol} {value}{unit}" if unit == "%" else f"{symbol} {value} {unit}".rstrip()


# ---- tables ------------------------------------------------------------------------------------------

def _lines(value) -> list:
    return [value] if isinstance(value, (str, tuple)) else list(value)


def column_widths(shares: Sequence[float], width=None) -> list[int]:
    """EMU widths of columns given as shares of `width` (the slide's width inside the margins), summing to it."""
    width = int(SLIDE_WIDTH - 2 * MARGIN) if width is None else int(width)
    total = sum(shares)
    out = [int(width * w / total) for w in shares[:-1]]
    return out + [width - sum(out)]


def row_height(row: Sequence, widths: Sequence[int], size: float) -> int:
    """A table row's EMU height: its tallest cell's text and the cell margins."""
    inner = [w - 2 * Inches(0.1) for w in widths]
    return max(text_height(_lines(v), w, size) for v, w in zip(row, inner)) + 2 * int(CELL_MARGIN)


def table_pages(header: list, rows: list[list], widths: Sequence[int], height, size: float) -> list[list[list]]:
    """`rows` cut into pages that each fit `height` under the header (at least one row a page; no row: one
    empty page)."""
    room = height - row_height(header, widths, size)
    pages, page, used = [], [], 0
    for row in rows:
        h = row_height(row, widths, size)
        if page and used + h > room:
            pages.append(page)
            page, used = [], 0
        page.append(row)
        used += h
    return pages + [page] if page or not pages else pages


def _cell(cell, lines: Sequence, size: float, bold: bool = False) -> None:
    frame = cell.text_frame
    frame.word_wrap = True
    _write(frame, lines, size, bold=bold)
    cell.margin_top = cell.margin_bottom = CELL_MARGIN


def _table(slide, header: list[str], rows: list[list], widths: Sequence[int], size: float, top=BODY_TOP):
    """A table at `top` across the slide; a cell is a str, (str, style) or a list of them, one per line.
    Returns the table's estimated height."""
    heights = [row_height(header, widths, size)] + [row_height(r, widths, size) for r in rows]
    shape = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, top, sum(widths), sum(heights))
    table = shape.table
    for k, w in enumerate(widths):
        table.columns[k].width = Emu(w)
    for row, h in zip(table.rows, heights):
        row.height = Emu(h)
    for k, text in enumerate(header):
        _cell(table.cell(0, k), [text], size, bold=True)
    for i, row in enumerate(rows, start=1):
        for k, value in enumerate(row):
            _cell(table.cell(i, k), _lines(value), size)
    return sum(heights)


def _table_slides(prs, title: str, footer: str, header: list[str], rows: list[list], shares: Sequence[float],
                  lang: str, note: str | None = None) -> None:
    """The table on as many slides as it takes (the title marked "continued" after the first), at the largest
    size from TABLE_SIZE down to MIN_TABLE_SIZE that keeps it on one slide, and `note` under its last part."""
    widths = column_widths(shares)
    width = SLIDE_WIDTH - 2 * MARGIN
    note_lines = [(note, {"colour": GREY})] if note else []
    note_height = text_height(note_lines, width - 2 * BOX_INSET, NOTE_SIZE) + 2 * BOX_INSET if note else 0
    room = BODY_BOTTOM - BODY_TOP
    size = TABLE_SIZE
    while size > MIN_TABLE_SIZE and len(table_pages(header, rows, widths, room - note_height, size)) > 1:
        size -= 1
    pages = table_pages(header, rows, widths, room, size)
    if note and sum(row_height(r, widths, size) for r in pages[-1]) \
            + row_height(header, widths, size) > room - note_height:
        pages.append([])  # the note on a page of its own rather than over the table
    for k, page in enumerate(pages):
        slide = _new_slide(prs, title + (t("brief_continued", lang) if k else ""), footer)
        used = _table(slide, header, page, widths, size) if page else 0
        if note and k == len(pages) - 1:
            top = BODY_TOP + used + Inches(0.15)
            _text_box(slide, MARGIN, top, width, max(BODY_BOTTOM - top, Inches(0.4)), note_lines, NOTE_SIZE,
                      smallest=MIN_NOTE_SIZE)


def target_rows(targets, names: list[str], lang: str, home: str) -> tuple[list[list], list[str]]:
    """The targets table's rows (target, years, goal, one cell per scenario) and the labels of the targets the
    model does not project under any scenario; a target of an area other than `home` is labelled with it."""
    regions = services.region_names(lang)
    rows, not_modelled = [], []
    by = {(str(r["scenario"]), str(r["target"])): r for _, r in targets.iterrows()}
    for key in dict.fromkeys(str(k) for k in targets["target"]):
        first = by[names[0], key]
        label = _label(first, lang)
        area = str(first["area"])
        if area != home:
            name = regions.get(area, area)
            label = f"{label}（{name}）" if lang == "zh" else f"{label} ({name})"
        if all(str(by[n, key]["status"]) == NOT_MODELLED for n in names):
            not_modelled.append(label)
            continue
        cells = [target_cell(by[n, key], lang) for n in names]
        rows.append([label, str(first["period"]), goal_text(first, lang), *cells])
    return rows, not_modelled


def target_cell(row, lang: str) -> str:
    """One scenario's cell for one target: the probability, 'set by the scenario' with whether the scenario's
    own value meets it, or the status when the run cannot judge it."""
    status = str(row["status"])
    if status == EVALUATED or not _missing(row["probability"]):
        return probability_text(row["probability"])
    if status == SET_BY_SCENARIO:
        meets, value = row["scenario_meets"], row["scenario_value"]
        details = []
        if not _missing(value):
            details.append(f"{value_text(value)} {unit_label(str(row['unit']), lang)}".strip())
        if meets is True or meets is False:
            details.append(t("met" if meets else "not_met", lang))
        text = t("set_by_scenario", lang)
        if details:
            text += f"（{'，'.join(details)}）" if lang == "zh" else f" ({', '.join(details)})"
        return text
    if status == NOT_MODELLED:
        return t("not_modelled", lang)
    return status


def difference_rows(tables: dict, names: list[str], lang: str) -> list[list]:
    """The differences table's rows: each headline measure, then the total spending and the costs per extra job;
    cells: measure (unit), the baseline's median, then per other scenario the difference ± se, with the
    within-noise mark on a second line where it applies."""
    headline, cost, spending = tables["headline"], tables["cost"], tables["spending"]
    base, others = names[0], names[1:]
    rows = []
    for measure in dict.fromkeys(headline["measure"] if len(headline) else []):
        at = {str(r["scenario"]): r for _, r in headline[headline["measure"] == measure].iterrows()}
        b = at[base]
        median_decimals = _decimals(0.0, float(b["median"])) if not _missing(b["median"]) else 1
        row = [_in_unit(_label(b, lang), str(b["unit"]), lang), number_text(b["median"], median_decimals)]
        for n in others:
            r = at[n]
            text = difference_text(r["difference"], r["difference_se"])
            if str(r["diff_unit"]) != str(r["unit"]):
                text += " " + unit_label(str(r["diff_unit"]), lang)
            row.append([text, (noise_text(r["replicates_needed"], lang), {"colour": NOISE_COLOUR, "italic": True})]
                       if bool(r["within_noise"]) else text)
        rows.append(row)
    c = {str(r["scenario"]): r for _, r in cost.iterrows()}
    if base in c and len(spending):
        total = {str(r["scenario"]): r for _, r in spending[spending["programme"] == "total"].iterrows()}
        unit = str(c[base]["extra_cost_unit"])
        base_total = total[base]["median"] if base in total else math.nan
        rows.append([_in_unit(t("extra_spending", lang), unit, lang), number_text(base_total, 1),
                     *(difference_text(c[n]["extra_cost"], c[n]["extra_cost_se"]) for n in others)])
        for variable in COSTS:
            if variable not in cost.columns:
                continue
            row = [_in_unit(t(variable, lang), str(c[base]["cost_unit"]), lang), DASH]
            for n in others:
                text = number_text(c[n][variable], 0)
                noisy = bool(c[n].get(f"{variable}_within_noise", False)) and text != DASH
                row.append([text, (t("within_noise", lang), {"colour": NOISE_COLOUR, "italic": True})]
                           if noisy else text)
            rows.append(row)
    return rows


# ---- pictures ----------------------------------------------------------------------------------------

def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    if png[:8] != PNG_SIGNATURE:
        raise ValueError("not a PNG image")
    return struct.unpack(">II", png[16:24])


def _fit(png: bytes, left, top, width, height) -> tuple[int, int, int, int]:
    """The largest box of the picture's aspect ratio inside (left, top, width, height), centred."""
    w, h = png_size(png)
    k = min(width / w, height / h)
    fw, fh = int(w * k), int(h * k)
    return int(left + (width - fw) / 2), int(top + (height - fh) / 2), fw, fh


# ---- the brief ---------------------------------------------------------------------------------------

@dataclass
class BriefContent:
    """What a brief says, whatever its format (`comparison_brief` for PowerPoint, `brief_pdf` for PDF)."""

    lang: str
    title: str
    region_name: str
    present_title: bool
    titles: dict[str, str]            # scenario name -> its title (the baseline first)
    today: str
    size_note: str
    footer: str
    indicator_charts: list            # (title, Altair chart)
    target_header: list[str]
    target_rows: list[list]
    not_modelled_note: str | None
    difference_header: list[str]
    difference_rows: list[list]
    caveat: str
    notes: list[str]


def brief_content(comparison, lang: str, region: str, indicator_charts: list[tuple[str, object]],
                  present_title: str | None = None) -> BriefContent:
    """The brief's titles, tables and caveat from the comparison (`api.comparison_tables`), in `lang`."""
    lang = lang if lang in ("zh", "en") else "zh"
    ds = comparison.dataset
    tables = api.comparison_tables(ds)
    facts = api.comparison_facts(ds)
    names = [str(n) for n in tables["scenarios"]["scenario"]]
    titles = scenario_titles(tables["scenarios"], lang)
    short = short_titles(titles)
    region_name = services.region_names(lang).get(region, region)
    size = comparison.size
    size_note = t(size.note_key(), lang, replicates=size.replicates, scale=size.scale)
    today = _dt.date.today().isoformat()
    rows, not_modelled = target_rows(tables["targets"], names, lang, facts["area"] or region)
    return BriefContent(
        lang=lang, title=present_title or t("brief_title", lang, region=region_name), region_name=region_name,
        present_title=bool(present_title), titles={n: titles[n] for n in names}, today=today, size_note=size_note,
        footer=f"{region_name} · {today} · jobsim {api.__version__} · {size_note}",
        indicator_charts=list(indicator_charts),
        target_header=[t("target", lang), t("target_years", lang), t("target_level", lang), *(short[n] for n in names)],
        target_rows=rows,
        not_modelled_note=(t("brief_not_modelled", lang, targets=("、" if lang == "zh" else "; ").join(not_modelled))
                           if not_modelled else None),
        difference_header=[t("indicator", lang), f"{short[names[0]]}（{t('median', lang)}）" if lang == "zh"
                           else f"{short[names[0]]} ({t('median', lang).lower()})", *(short[n] for n in names[1:])],
        difference_rows=difference_rows(tables, names, lang),
        caveat=api.backtest_reminder(region, lang), notes=list(facts["notes"]))


def title_lines(content: BriefContent) -> list:
    """The title page's lines under the title: the region (under a meeting's own title), the scenarios, the
    date, the version and the run size."""
    lang, lines = content.lang, []
    if content.present_title:
        lines.append(content.region_name)
    lines.append((t("brief_scenarios", lang), {"bold": True}))
    for k, title in enumerate(content.titles.values()):
        lines.append(f"• {title}" + (t("brief_baseline_mark", lang) if k == 0 else ""))
    lines += ["", t("brief_date", lang, date=content.today), t("brief_version", lang, version=api.__version__),
              (content.size_note, {"colour": GREY})]
    return lines


def comparison_brief(comparison, lang: str, region: str, indicator_charts: list[tuple[str, object]],
                     present_title: str | None = None) -> bytes:
    """The comparison's meeting brief as .pptx bytes, in `lang` ('zh' or 'en'): title, one slide per
    (title, Altair chart) in `indicator_charts`, targets, differences from the baseline, back-test caveat.
    `present_title` replaces the default title of the first slide (e.g. the meeting's name)."""
    c = brief_content(comparison, lang, region, indicator_charts, present_title)
    lang, footer, n = c.lang, c.footer, len(c.titles)

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    prs.core_properties.title = c.title
    prs.core_properties.author = "jobsim"
    prs.core_properties.language = "zh-CN" if lang == "zh" else "en"

    # 1. title
    slide = _new_slide(prs, None, None)
    _text_box(slide, MARGIN, Inches(0.9), SLIDE_WIDTH - 2 * MARGIN, Inches(1.5), [c.title], 40, smallest=24,
              bold=True)
    _text_box(slide, MARGIN, Inches(2.5), SLIDE_WIDTH - 2 * MARGIN, Inches(4.6), title_lines(c), BODY_SIZE,
              smallest=11)

    # 2. the charts
    for chart_title, chart in c.indicator_charts:
        slide = _new_slide(prs, chart_title, footer)
        png = charts.to_png(chart)
        left, top, width, height = _fit(png, MARGIN, BODY_TOP, SLIDE_WIDTH - 2 * MARGIN, BODY_BOTTOM - BODY_TOP)
        slide.shapes.add_picture(io.BytesIO(png), left, top, width, height)

    # 3. the targets
    _table_slides(prs, t("target_table", lang), footer, c.target_header, c.target_rows, TARGET_SHARES[:3] +
                  TARGET_SHARES[3:] * n, lang, c.not_modelled_note)

    # 4. the differences from the baseline
    _table_slides(prs, t("effects", lang), footer, c.difference_header, c.difference_rows,
                  DIFFERENCE_SHARES[:2] + DIFFERENCE_SHARES[2:] * (n - 1), lang)

    # 5. the back-test caveat and the run notes
    slide = _new_slide(prs, t("trust_link", lang), footer)
    _text_box(slide, MARGIN, BODY_TOP + Inches(0.2), SLIDE_WIDTH - 2 * MARGIN, Inches(3.0), [c.caveat], CAVEAT_SIZE,
              smallest=24, bold=True)
    if c.notes:
        top = BODY_TOP + Inches(3.3)
        _text_box(slide, MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, BODY_BOTTOM - top,
                  [(t("brief_notes", lang), {"bold": True}), *(f"• {note}" for note in c.notes)], NOTE_SIZE + 3,
                  smallest=MIN_NOTE_SIZE)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
