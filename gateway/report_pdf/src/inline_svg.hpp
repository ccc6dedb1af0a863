#pragma once
// The HTML preparation for QTextDocument, which knows neither inline SVG nor scripts: <script>
// elements are removed, and each top-level <svg>…</svg> element is parsed with QtSvg and replaced
// by a placeholder <div><img src="pmap-svg-…:N" width=W height=H></div> that svg_object.hpp draws.
// The <div> makes every chart a block of its own: QTextDocument would otherwise put an image that
// follows a heading or paragraph into that block's last line (with doubled line heights).
#include <memory>
#include <vector>

#include <QSizeF>
#include <QString>
#include <QSvgRenderer>

namespace pmap::report_pdf::detail {

struct PreparedHtml {
  QString html;
  /// Placeholder N is the image named image_prefix + N: "pmap-svg-<random UUID>:", so that an
  /// <img> already in the input can never pass for a chart.
  QString image_prefix;
  /// Placeholder N's chart, and its size in CSS pixels (1/96 in).
  std::vector<std::unique_ptr<QSvgRenderer>> charts;
  std::vector<QSizeF> sizes_px;
};

/// text_size_px: the page's text area in CSS pixels; charts with a percentage width take that
/// share of its width, and larger charts are scaled down to fit it. Throws PdfError for an <svg>
/// that is not well-formed XML, that QtSvg cannot read, or that has no size.
PreparedHtml prepare_html(const QString& html, QSizeF text_size_px);

}  // namespace pmap::report_pdf::detail
