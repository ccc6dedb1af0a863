#include "svg_object.hpp"

#include <vector>

#include <QAbstractTextDocumentLayout>
#include <QPainter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextImageFormat>

namespace pmap::report_pdf::detail {
SvgObjectHandler::SvgObjectHandler(const PreparedHtml& charts, QObject* parent)
    : QObject(parent), charts_(charts) {}

QSizeF SvgObjectHandler::intrinsicSize(QTextDocument* /*doc*/, int /*position*/,
                                       const QTextFormat& format) {
  const int index = format.intProperty(kSvgIndexProperty);
  if (index < 0 || static_cast<std::size_t>(index) >= charts_.sizes_px.size()) return {};
  // The document is laid out in CSS pixels (html_to_pdf.cpp).
  return charts_.sizes_px[static_cast<std::size_t>(index)];
}

void SvgObjectHandler::drawObject(QPainter* painter, const QRectF& rect, QTextDocument* /*doc*/,
                                  int /*position*/, const QTextFormat& format) {
  const int index = format.intProperty(kSvgIndexProperty);
  if (index < 0 || static_cast<std::size_t>(index) >= charts_.charts.size()) return;
  charts_.charts[static_cast<std::size_t>(index)]->render(painter, rect);
}

void SvgObjectHandler::install(QTextDocument& doc) {
  doc.documentLayout()->registerHandler(kSvgObjectType, this);

  struct Placeholder {
    int position;
    int length;
    QTextCharFormat format;
  };
  std::vector<Placeholder> placeholders;
  const QString& prefix = charts_.image_prefix;
  for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
    for (auto it = block.begin(); !it.atEnd(); ++it) {
      const QTextFragment fragment = it.fragment();
      const QTextCharFormat char_format = fragment.charFormat();
      if (!char_format.isImageFormat()) continue;
      const QString name = char_format.toImageFormat().name();
      if (!name.startsWith(prefix)) continue;
      bool ok = false;
      const int index = QStringView(name).mid(prefix.size()).toInt(&ok);
      if (!ok) continue;
      QTextCharFormat object_format = char_format;
      object_format.setObjectType(kSvgObjectType);
      object_format.setProperty(kSvgIndexProperty, index);
      placeholders.push_back({fragment.position(), fragment.length(), object_format});
    }
  }
  QTextCursor cursor(&doc);
  for (const Placeholder& placeholder : placeholders) {
    cursor.setPosition(placeholder.position);
    cursor.setPosition(placeholder.position + placeholder.length, QTextCursor::KeepAnchor);
    cursor.setCharFormat(placeholder.format);
  }
}

}  // namespace pmap::report_pdf::detail
