#include "pmap/report_pdf/report_document.hpp"

#include <QTextDocument>

#include "inline_svg.hpp"
#include "svg_object.hpp"

namespace pmap::report_pdf {

namespace {

/// The prepared charts and their handler, owned by the document (one per document: a new one
/// replaces the old).
class ReportCharts : public QObject {
 public:
  ReportCharts(detail::PreparedHtml prepared, QTextDocument& doc)
      : QObject(&doc), prepared_(std::move(prepared)), handler_(prepared_, this) {
    setObjectName(QStringLiteral("pmap-report-charts"));
  }
  [[nodiscard]] const QString& html() const { return prepared_.html; }
  void install(QTextDocument& doc) { handler_.install(doc); }

 private:
  detail::PreparedHtml prepared_;
  detail::SvgObjectHandler handler_;
};

}  // namespace

int set_report_html(QTextDocument& doc, const QString& html, double text_width_px) {
  // The height only limits charts taller than a page; on screen there is no page.
  auto prepared = detail::prepare_html(html, QSizeF(text_width_px, 1e6));
  for (QObject* old : doc.findChildren<QObject*>(QStringLiteral("pmap-report-charts"),
                                                 Qt::FindDirectChildrenOnly))
    delete old;
  const auto count = static_cast<int>(prepared.charts.size());
  auto* charts = new ReportCharts(std::move(prepared), doc);
  doc.setHtml(charts->html());
  charts->install(doc);
  return count;
}

}  // namespace pmap::report_pdf
