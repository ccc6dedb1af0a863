#include "inline_svg.hpp"

#include <algorithm>
#include <string>

#include <QByteArray>
#include <QRectF>
#include <QUuid>
#include <QXmlStreamReader>

#include "pmap/report_pdf/html_to_pdf.hpp"

namespace pmap::report_pdf::detail {
namespace {

// True when html has the tag name `name` opening at `pos` ("<name" then a space, '>' or '/').
bool tag_at(const QString& html, qsizetype pos, QLatin1StringView open) {
  if (QStringView(html).mid(pos, open.size()).compare(open, Qt::CaseInsensitive) != 0) {
    return false;
  }
  const qsizetype next = pos + open.size();
  if (next >= html.size()) return false;
  const QChar c = html.at(next);
  return c.isSpace() || c == u'>' || c == u'/';
}

std::string error_prefix(std::size_t index, qsizetype offset) {
  return "inline <svg> #" + std::to_string(index + 1) + " (character " + std::to_string(offset) +
         " of the HTML)";
}

// Reads the <svg> element starting at `pos` as XML; returns its length in characters and fills
// the root's width attribute. The reader is fed in chunks, so that finding the end of each chart
// does not copy the rest of the document.
qsizetype svg_element_length(const QString& html, qsizetype pos, std::size_t index,
                             QString& width_attribute) {
  constexpr qsizetype kChunk = 64 * 1024;
  QXmlStreamReader reader;
  qsizetype fed = pos;
  const auto feed = [&] {
    const qsizetype length = std::min(kChunk, html.size() - fed);
    reader.addData(html.mid(fed, length));
    fed += length;
  };
  feed();
  int depth = 0;
  for (;;) {
    const QXmlStreamReader::TokenType token = reader.readNext();
    if (token == QXmlStreamReader::StartElement) {
      if (depth == 0) {
        width_attribute =
            reader.attributes().value(QLatin1StringView("width")).toString().trimmed();
      }
      ++depth;
    } else if (token == QXmlStreamReader::EndElement) {
      if (--depth == 0) return static_cast<qsizetype>(reader.characterOffset());
    } else if (token == QXmlStreamReader::Invalid) {
      if (reader.error() != QXmlStreamReader::PrematureEndOfDocumentError || fed == html.size()) {
        break;
      }
      feed();
    }
  }
  const QString why = reader.error() == QXmlStreamReader::PrematureEndOfDocumentError
                          ? QStringLiteral("no </svg> before the end of the HTML")
                          : reader.errorString();
  throw PdfError(error_prefix(index, pos) + " is not well-formed XML: " + why.toStdString() +
                 " (line " + std::to_string(reader.lineNumber()) + " of the element)");
}

QSizeF chart_size(const QSvgRenderer& renderer, const QString& width_attribute, QSizeF text_size_px,
                  std::size_t index, qsizetype pos) {
  const QRectF view_box = renderer.viewBoxF();
  QSizeF size = renderer.defaultSize();
  if (width_attribute.endsWith(u'%') && view_box.width() > 0 && view_box.height() > 0) {
    bool ok = false;
    const double percent = width_attribute.chopped(1).toDouble(&ok);
    if (ok && percent > 0) {
      const double width = text_size_px.width() * std::min(percent, 100.0) / 100.0;
      size = QSizeF(width, width * view_box.height() / view_box.width());
    }
  }
  if (!(size.width() > 0 && size.height() > 0)) {
    throw PdfError(error_prefix(index, pos) +
                   " has no size: give it width and height attributes or a viewBox");
  }
  const double fit =
      std::min({1.0, text_size_px.width() / size.width(), text_size_px.height() / size.height()});
  return size * fit;
}

}  // namespace

PreparedHtml prepare_html(const QString& html, QSizeF text_size_px) {
  PreparedHtml out;
  out.image_prefix =
      QStringLiteral("pmap-svg-%1:").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
  out.html.reserve(html.size());
  qsizetype copied = 0;  // html[0, copied) is in out.html
  qsizetype pos = 0;
  while ((pos = html.indexOf(u'<', pos)) >= 0) {
    if (QStringView(html).mid(pos, 4) == u"<!--") {
      const qsizetype end = html.indexOf(QStringLiteral("-->"), pos + 4);
      if (end < 0) break;
      pos = end + 3;
    } else if (tag_at(html, pos, QLatin1StringView("<script"))) {
      out.html += QStringView(html).mid(copied, pos - copied);
      const qsizetype close = html.indexOf(QStringLiteral("</script"), pos, Qt::CaseInsensitive);
      const qsizetype end = close < 0 ? -1 : html.indexOf(u'>', close);
      copied = pos = end < 0 ? html.size() : end + 1;
    } else if (tag_at(html, pos, QLatin1StringView("<svg"))) {
      const std::size_t index = out.charts.size();
      QString width_attribute;
      const qsizetype length = svg_element_length(html, pos, index, width_attribute);
      auto renderer = std::make_unique<QSvgRenderer>(html.mid(pos, length).toUtf8());
      if (!renderer->isValid()) {
        throw PdfError(error_prefix(index, pos) + " could not be read by QtSvg");
      }
      const QSizeF size = chart_size(*renderer, width_attribute, text_size_px, index, pos);
      out.html += QStringView(html).mid(copied, pos - copied);
      out.html += QStringLiteral("<div><img src=\"%1%2\" width=\"%3\" height=\"%4\"></div>")
                      .arg(out.image_prefix)
                      .arg(index)
                      .arg(size.width(), 0, 'f', 2)
                      .arg(size.height(), 0, 'f', 2);
      out.charts.push_back(std::move(renderer));
      out.sizes_px.push_back(size);
      copied = pos = pos + length;
    } else {
      ++pos;
    }
  }
  out.html += QStringView(html).mid(copied);
  return out;
}

}  // namespace pmap::report_pdf::detail
