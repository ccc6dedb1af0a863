#pragma once
// The morning report's HTML on screen with its charts (the dashboard's Report view): the same
// preparation as the PDF (html_to_pdf.hpp) — <script> dropped, every top-level inline <svg>
// drawn by QtSvg as vector graphics — into a QTextDocument the caller shows, e.g. a
// QTextBrowser's. Qt's rich-text engine alone shows inline SVG as its text.
//
// Threading: call it on the thread of the application that owns `doc` (the GUI thread); it needs
// a QGuiApplication and does not start one.
// Error semantics: PdfError (html_to_pdf.hpp) for a chart that is not well-formed XML or that
// QtSvg cannot read; `doc` is then left as it was.
#include <cstddef>

class QString;
class QTextDocument;

namespace pmap::report_pdf {

/// Replaces what `doc` shows by `html` with its charts drawn; charts wider than
/// `text_width_px` (CSS pixels, 1/96 in) are scaled down to it, percentage widths are shares of
/// it. The charts live as long as `doc` (or until the next call). Returns the number of charts.
int set_report_html(QTextDocument& doc, const QString& html, double text_width_px);

}  // namespace pmap::report_pdf
