#pragma once
// The morning report as one self-contained HTML page: no scripts, no external resources, CSS in a
// <style> element, charts as inline SVG (position timeline, 30-day pain, 14 nights, associations).
// Rendered from the report JSON (ReportBuilder::build) and nothing else, so the page shows exactly
// the document's numbers. The PDF is this page printed (pmap::report_pdf).
//
// Errors: ReportError when the document is not a "pmap-report" of a known format_version.
#include <string>

#include <nlohmann/json.hpp>

namespace pmap::report {

/// Escapes text for HTML element content and attribute values.
[[nodiscard]] std::string html_escape(std::string_view text);

[[nodiscard]] std::string render_html(const nlohmann::json& report);

}  // namespace pmap::report
