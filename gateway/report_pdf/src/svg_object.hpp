#pragma once
// Draws the charts of inline_svg.hpp as vector graphics: a QTextDocument object handler for
// kSvgObjectType, with QtSvg painting straight onto the document's painter (the PDF's).
#include <QObject>
#include <QSizeF>
#include <QTextFormat>
#include <QTextObjectInterface>

#include "inline_svg.hpp"

class QTextDocument;

namespace pmap::report_pdf::detail {

inline constexpr int kSvgObjectType = QTextFormat::UserObject + 1;
/// The chart's index in PreparedHtml (int property of the object's QTextCharFormat).
inline constexpr int kSvgIndexProperty = QTextFormat::UserProperty + 1;

class SvgObjectHandler : public QObject, public QTextObjectInterface {
  Q_OBJECT
  Q_INTERFACES(QTextObjectInterface)

 public:
  /// charts must outlive the handler.
  SvgObjectHandler(const PreparedHtml& charts, QObject* parent);

  QSizeF intrinsicSize(QTextDocument* doc, int position, const QTextFormat& format) override;
  void drawObject(QPainter* painter, const QRectF& rect, QTextDocument* doc, int position,
                  const QTextFormat& format) override;

  /// Registers the handler with doc's layout and turns the placeholder images into chart objects.
  void install(QTextDocument& doc);

 private:
  const PreparedHtml& charts_;
};

}  // namespace pmap::report_pdf::detail
