#pragma once
// The morning report as PDF (docs/report_pdf.md): the same self-contained HTML document the web
// report uses — CSS in a <style> element, charts as inline <svg> elements — paginated into a PDF
// with Qt (QTextDocument for the HTML, QtSvg for the charts, QPdfWriter for the file).
//
// What is rendered: the HTML subset QTextDocument understands (docs/report_pdf.md lists what
// renders well). Every top-level inline <svg>…</svg> is drawn as vector graphics at its own size
// (width/height/viewBox; a percentage width is a share of the text width), scaled down to fit the
// page when larger. <script> elements are dropped. Nothing outside the document is ever loaded:
// no network, no files — only images embedded as data: URIs; any other <img>, <link> or url()
// renders as nothing.
//
// Error semantics: every failure throws PdfError with a message that says what was wrong — empty
// input, input over kMaxHtmlBytes or not valid UTF-8, an inline <svg> that is not well-formed XML
// or that QtSvg cannot read (the message gives its number and character offset), bad options, a
// rendering failure, a file that cannot be written. html_to_pdf_file never leaves a partial file:
// it writes a temporary file next to the target and renames it over the target only when
// complete (QSaveFile); on failure the target is untouched.
//
// Qt and threads: rendering needs a QGuiApplication. When the process has none (pmapctl, the
// gateway), the first call starts one on a dedicated thread of this library, with the "offscreen"
// platform (never a display, whatever QT_QPA_PLATFORM says), and every call from any thread is
// run there, one at a time; the thread lives until the process exits. When the process already
// has its own QGuiApplication, calls must come from that application's thread (others throw
// PdfError) and run there; and the process must not create a QGuiApplication after the first call.
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pmap::report_pdf {

/// Larger HTML input is refused (a year of nights with charts is well under 2 MB).
inline constexpr std::size_t kMaxHtmlBytes = 20u * 1024u * 1024u;

/// The one exception type of this library.
class PdfError : public std::runtime_error {
 public:
  explicit PdfError(const std::string& message) : std::runtime_error(message) {}
};

enum class PageSize { kA4, kLetter };

struct PdfOptions {
  PageSize page_size = PageSize::kA4;
  /// Page margins in millimetres (0..50 each); the footer sits inside the bottom margin's area.
  double margin_top_mm = 15.0;
  double margin_right_mm = 15.0;
  double margin_bottom_mm = 15.0;
  double margin_left_mm = 15.0;
  /// Document metadata. An empty title takes the HTML <title>. The title and creator go into the
  /// PDF Info dictionary and the XMP metadata; the author into the XMP metadata only (Qt 6.4's
  /// PDF writer has no Info /Author).
  std::string title;
  std::string author = "PostureMap";
  std::string creator = "PostureMap";
  /// Device resolution of the PDF's coordinate system in dots per inch (72..2400). Text and
  /// charts stay vector graphics at any value; it only sets the precision of the layout.
  int resolution_dpi = 300;
  /// The document's default font (family must be installed; fontconfig) and its size in points.
  /// Unknown families throw PdfError, so the output does not depend on a silent substitute.
  std::string font_family = "DejaVu Sans";
  double font_point_size = 10.0;
  /// "page X of N" centred in a footer under the text on every page.
  bool page_numbers = true;
};

/// Renders the HTML document to PDF and returns the PDF's bytes. Throws PdfError.
std::string html_to_pdf(std::string_view html, const PdfOptions& options = {});

/// Renders to a file, atomically (temporary file + rename). Throws PdfError; on error the target
/// is left as it was and no temporary file remains.
void html_to_pdf_file(std::string_view html, const std::filesystem::path& path,
                      const PdfOptions& options = {});

}  // namespace pmap::report_pdf
