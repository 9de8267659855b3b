"""A published report card as a PDF (fpdf2): the student, the term, a table of subjects
(averages, class average, min, max, appreciation), the overall average and the general
appreciation.

Text is set in DejaVu Sans (Debian's `fonts-dejavu-core`), a TrueType font that holds
every script a name may be written in; where it is missing, fpdf2's built-in Helvetica
(Latin-1: French accents survive, other letters become "?")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ent_schoollife.application.report_card_views import ReportCardView, SubjectLine
from ent_schoollife.texts import report_cards as texts

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
FAMILY = "DejaVu"
# Subject, student, class, min, max, appreciation (mm, on an A4 page with 15 mm margins).
WIDTHS = (38, 16, 16, 14, 14, 82)


def dejavu_fonts(dirs: Sequence[Path] = FONT_DIRS) -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold, where the system has them."""
    for folder in dirs:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class ReportCardPdf:
    """Renders report cards; one instance per service (the font is found once)."""

    def __init__(self, fonts: tuple[Path, Path] | None = None) -> None:
        self._fonts = fonts if fonts is not None else dejavu_fonts()
        self.family = FAMILY if self._fonts is not None else "Helvetica"

    def __call__(self, card: ReportCardView) -> bytes:
        pdf = self._document(card)
        self._header(pdf, card)
        self._table(pdf, card.subjects)
        self._overall(pdf, card)
        return bytes(pdf.output())

    def _document(self, card: ReportCardView) -> FPDF:
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_title(texts.PDF_TITLE.format(term=card.term_name))
        pdf.set_creator("ENT")
        if self._fonts is not None:
            pdf.add_font(FAMILY, "", str(self._fonts[0]))
            pdf.add_font(FAMILY, "B", str(self._fonts[1]))
        pdf.add_page()
        return pdf

    def _text(self, value: str) -> str:
        """What the font can show: everything in DejaVu; Latin-1 in the core font."""
        if self.family == FAMILY:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def _line(self, pdf: FPDF, value: str, size: float, style: str = "") -> None:
        pdf.set_font(self.family, style, size)
        pdf.multi_cell(0, size * 0.5, self._text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _header(self, pdf: FPDF, card: ReportCardView) -> None:
        self._line(pdf, texts.PDF_TITLE.format(term=card.term_name), 16, "B")
        period = texts.PDF_PERIOD.format(
            starts=card.term_starts_on.strftime("%d/%m/%Y"),
            ends=card.term_ends_on.strftime("%d/%m/%Y"),
        )
        self._line(pdf, period, 10)
        pdf.ln(2)
        self._line(pdf, texts.PDF_STUDENT.format(name=card.student_name), 12, "B")
        self._line(pdf, texts.PDF_CLASS.format(name=card.class_name), 11)
        pdf.ln(4)

    def _table(self, pdf: FPDF, subjects: Sequence[SubjectLine]) -> None:
        pdf.set_font(self.family, "", 9)
        headings = (
            texts.PDF_SUBJECT,
            texts.PDF_STUDENT_AVERAGE,
            texts.PDF_CLASS_AVERAGE,
            texts.PDF_MIN,
            texts.PDF_MAX,
            texts.PDF_APPRECIATION,
        )
        with pdf.table(col_widths=WIDTHS, text_align="LEFT", line_height=5) as table:
            table.row([self._text(h) for h in headings])
            for line in subjects:
                table.row(
                    [
                        self._text(line.subject),
                        _number(line.student_average),
                        _number(line.class_average),
                        _number(line.min_average),
                        _number(line.max_average),
                        self._text(line.appreciation),
                    ]
                )
        pdf.ln(4)

    def _overall(self, pdf: FPDF, card: ReportCardView) -> None:
        overall = f"{texts.PDF_OVERALL} : {_number(card.overall_average)}"
        if card.class_overall_average is not None:
            overall += f" ({texts.PDF_CLASS_AVERAGE} : {_number(card.class_overall_average)})"
        self._line(pdf, overall, 11, "B")
        pdf.ln(2)
        if card.general_appreciation:
            self._line(pdf, texts.PDF_GENERAL_APPRECIATION, 11, "B")
            self._line(pdf, card.general_appreciation, 10)
        pdf.ln(4)
        published = texts.PDF_PUBLISHED.format(day=card.published_at.strftime("%d/%m/%Y"))
        self._line(pdf, published, 8)


def _number(value: float | None) -> str:
    """French decimals, two places: 12,57."""
    if value is None:
        return texts.PDF_NO_GRADE
    return f"{value:.2f}".replace(".", ",")
