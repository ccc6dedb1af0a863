#include "pmap/report_pdf/html_to_pdf.hpp"

#include <cmath>
#include <string>

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QByteArray>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QFontDatabase>
#include <QImage>
#include <QMarginsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPalette>
#include <QPdfWriter>
#include <QSaveFile>
#include <QStringDecoder>
#include <QTextDocument>
#include <QUrl>
#include <QVariant>
#include <QXmlStreamWriter>

#include "inline_svg.hpp"
#include "qt_runtime.hpp"
#include "svg_object.hpp"

namespace pmap::report_pdf {
namespace {

constexpr double kMillimetresPerInch = 25.4;
constexpr double kCssPixelsPerInch = 96.0;
constexpr double kPointsPerInch = 72.0;
constexpr double kFooterPointSize = 8.0;
// The footer band under the text: a blank line and the footer line.
constexpr double kFooterBandPoints = 2.5 * kFooterPointSize;

// A QTextDocument that loads nothing from outside the document: the base class would read local
// files for <img src>, <link href> and CSS url(); only data: URIs (decoded by the base) are kept.
class ContainedDocument : public QTextDocument {
 protected:
  QVariant loadResource(int type, const QUrl& name) override {
    if (name.scheme().compare(QLatin1StringView("data"), Qt::CaseInsensitive) == 0) {
      return QTextDocument::loadResource(type, name);
    }
    return {};
  }
};

void check_options(const PdfOptions& options) {
  for (const double margin : {options.margin_top_mm, options.margin_right_mm,
                              options.margin_bottom_mm, options.margin_left_mm}) {
    if (!(std::isfinite(margin) && margin >= 0.0 && margin <= 50.0)) {
      throw PdfError("page margins must be between 0 and 50 mm, got " + std::to_string(margin));
    }
  }
  if (options.resolution_dpi < 72 || options.resolution_dpi > 2400) {
    throw PdfError("resolution must be between 72 and 2400 dpi, got " +
                   std::to_string(options.resolution_dpi));
  }
  if (!(std::isfinite(options.font_point_size) && options.font_point_size >= 4.0 &&
        options.font_point_size <= 72.0)) {
    throw PdfError("font size must be between 4 and 72 points, got " +
                   std::to_string(options.font_point_size));
  }
}

QString decode_utf8(std::string_view html) {
  if (html.find_first_not_of(" \t\r\n\f") == std::string_view::npos) {
    throw PdfError("the HTML document is empty");
  }
  if (html.size() > kMaxHtmlBytes) {
    throw PdfError("the HTML document has " + std::to_string(html.size()) +
                   " bytes, more than the limit of " + std::to_string(kMaxHtmlBytes));
  }
  QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
  QString text = decoder.decode(QByteArrayView(html.data(), static_cast<qsizetype>(html.size())));
  if (decoder.hasError()) throw PdfError("the HTML document is not valid UTF-8");
  return text;
}

QString to_qstring(const std::string& text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// XMP metadata with the author, which Qt 6.4's Info dictionary cannot carry.
QByteArray xmp_metadata(const QString& title, const QString& author, const QString& creator) {
  QByteArray xmp;
  QXmlStreamWriter w(&xmp);
  w.setAutoFormatting(true);
  w.writeProcessingInstruction(QStringLiteral("xpacket"),
                               QStringLiteral("begin='\uFEFF' id='W5M0MpCehiHzreSzNTczkc9d'"));
  const QString x = QStringLiteral("adobe:ns:meta/");
  const QString rdf = QStringLiteral("http://www.w3.org/1999/02/22-rdf-syntax-ns#");
  const QString dc = QStringLiteral("http://purl.org/dc/elements/1.1/");
  const QString xmp_ns = QStringLiteral("http://ns.adobe.com/xap/1.0/");
  const QString pdf = QStringLiteral("http://ns.adobe.com/pdf/1.3/");
  w.writeNamespace(x, QStringLiteral("x"));
  w.writeNamespace(rdf, QStringLiteral("rdf"));
  w.writeNamespace(dc, QStringLiteral("dc"));
  w.writeNamespace(xmp_ns, QStringLiteral("xmp"));
  w.writeNamespace(pdf, QStringLiteral("pdf"));
  w.writeStartElement(x, QStringLiteral("xmpmeta"));
  w.writeStartElement(rdf, QStringLiteral("RDF"));
  w.writeStartElement(rdf, QStringLiteral("Description"));
  w.writeAttribute(rdf, QStringLiteral("about"), QString());
  if (!title.isEmpty()) {
    w.writeStartElement(dc, QStringLiteral("title"));
    w.writeStartElement(rdf, QStringLiteral("Alt"));
    w.writeStartElement(rdf, QStringLiteral("li"));
    w.writeAttribute(QStringLiteral("xml:lang"), QStringLiteral("x-default"));
    w.writeCharacters(title);
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
  }
  if (!author.isEmpty()) {
    w.writeStartElement(dc, QStringLiteral("creator"));
    w.writeStartElement(rdf, QStringLiteral("Seq"));
    w.writeTextElement(rdf, QStringLiteral("li"), author);
    w.writeEndElement();
    w.writeEndElement();
  }
  w.writeTextElement(dc, QStringLiteral("format"), QStringLiteral("application/pdf"));
  if (!creator.isEmpty()) w.writeTextElement(xmp_ns, QStringLiteral("CreatorTool"), creator);
  w.writeTextElement(xmp_ns, QStringLiteral("CreateDate"),
                     QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
  w.writeTextElement(pdf, QStringLiteral("Producer"),
                     QStringLiteral("Qt ") + QLatin1StringView(qVersion()));
  w.writeEndElement();
  w.writeEndElement();
  w.writeEndElement();
  w.writeProcessingInstruction(QStringLiteral("xpacket"), QStringLiteral("end='w'"));
  return xmp;
}

QByteArray render(const QString& html, const PdfOptions& options) {
  const QString family = to_qstring(options.font_family);
  if (!QFontDatabase::hasFamily(family)) {
    throw PdfError("font family '" + options.font_family +
                   "' is not installed (fontconfig: fc-list : family)");
  }
  QFont font(family);
  font.setPointSizeF(options.font_point_size);

  const QPageLayout page_layout(
      QPageSize(options.page_size == PageSize::kLetter ? QPageSize::Letter : QPageSize::A4),
      QPageLayout::Portrait,
      QMarginsF(options.margin_left_mm, options.margin_top_mm, options.margin_right_mm,
                options.margin_bottom_mm),
      QPageLayout::Millimeter);
  const double footer_mm =
      options.page_numbers ? kFooterBandPoints / kPointsPerInch * kMillimetresPerInch : 0.0;
  const QRectF text_mm = page_layout.paintRect(QPageLayout::Millimeter);
  const double px_per_mm = kCssPixelsPerInch / kMillimetresPerInch;
  const detail::PreparedHtml prepared = detail::prepare_html(
      html, QSizeF(text_mm.width() * px_per_mm, (text_mm.height() - footer_mm) * px_per_mm));

  QByteArray bytes;
  QBuffer buffer(&bytes);
  if (!buffer.open(QIODevice::WriteOnly)) throw PdfError("could not open the PDF buffer");
  QPdfWriter writer(&buffer);
  writer.setResolution(options.resolution_dpi);
  if (!writer.setPageLayout(page_layout)) {
    throw PdfError("the page margins leave no room for text on this page size");
  }

  // The document is laid out in CSS pixels, on a 96-dpi device (so that "px" in the CSS is 1/96
  // inch and "pt" 1/72 inch, as in a browser), with the fonts' unhinted design metrics, and
  // painted onto the PDF scaled to its resolution: text and charts stay vectors.
  QImage css_pixel_device(1, 1, QImage::Format_ARGB32);
  const int dots_per_metre = qRound(kCssPixelsPerInch / kMillimetresPerInch * 1000.0);
  css_pixel_device.setDotsPerMeterX(dots_per_metre);
  css_pixel_device.setDotsPerMeterY(dots_per_metre);
  ContainedDocument doc;
  doc.setDocumentMargin(0);
  doc.setUseDesignMetrics(true);
  doc.setDefaultFont(font);
  doc.documentLayout()->setPaintDevice(&css_pixel_device);
  doc.setHtml(prepared.html);
  detail::SvgObjectHandler charts(prepared, &doc);
  charts.install(doc);

  const double scale = options.resolution_dpi / kCssPixelsPerInch;
  const double footer_height =
      options.page_numbers ? kFooterBandPoints * kCssPixelsPerInch / kPointsPerInch : 0.0;
  const QSizeF body(writer.width() / scale, writer.height() / scale - footer_height);
  if (!(body.width() > 0 && body.height() > 0)) {
    throw PdfError("the page margins leave no room for text on this page size");
  }
  doc.setPageSize(body);
  const int pages = doc.pageCount();

  QString title = to_qstring(options.title);
  if (title.isEmpty()) title = doc.metaInformation(QTextDocument::DocumentTitle).trimmed();
  const QString creator = to_qstring(options.creator);
  writer.setTitle(title);
  writer.setCreator(creator);
  writer.setDocumentXmpMetadata(xmp_metadata(title, to_qstring(options.author), creator));

  QPainter painter;
  if (!painter.begin(&writer)) throw PdfError("could not start painting the PDF");
  painter.scale(scale, scale);
  QFont footer_font(family);
  footer_font.setPointSizeF(kFooterPointSize);
  for (int page = 0; page < pages; ++page) {
    if (page > 0 && !writer.newPage()) throw PdfError("could not start a new PDF page");
    const QRectF view(0, page * body.height(), body.width(), body.height());
    painter.save();
    painter.translate(0, -view.top());
    painter.setClipRect(view);
    QAbstractTextDocumentLayout::PaintContext context;
    context.clip = view;
    context.palette.setColor(QPalette::Text, Qt::black);
    doc.documentLayout()->draw(&painter, context);
    painter.restore();
    if (options.page_numbers) {
      painter.save();
      painter.resetTransform();  // the footer font's points are resolved for the PDF itself
      painter.setFont(footer_font);
      painter.setPen(QColor(0x55, 0x55, 0x55));
      painter.drawText(
          QRectF(0, body.height() * scale, body.width() * scale, footer_height * scale),
          Qt::AlignHCenter | Qt::AlignBottom,
          QStringLiteral("page %1 of %2").arg(page + 1).arg(pages));
      painter.restore();
    }
  }
  if (!painter.end()) throw PdfError("could not finish the PDF");
  return bytes;
}

}  // namespace

std::string html_to_pdf(std::string_view html, const PdfOptions& options) {
  check_options(options);
  std::string pdf;
  detail::run_with_qt([&] {
    const QByteArray bytes = render(decode_utf8(html), options);
    pdf.assign(bytes.constData(), static_cast<std::size_t>(bytes.size()));
  });
  return pdf;
}

void html_to_pdf_file(std::string_view html, const std::filesystem::path& path,
                      const PdfOptions& options) {
  if (path.empty()) throw PdfError("no output file given for the PDF");
  check_options(options);
  detail::run_with_qt([&] {
    const QByteArray bytes = render(decode_utf8(html), options);
    const std::u8string name = path.u8string();
    QSaveFile file(QString::fromUtf8(reinterpret_cast<const char*>(name.data()),
                                     static_cast<qsizetype>(name.size())));
    const auto fail = [&](const char* what) {
      file.cancelWriting();
      throw PdfError(std::string("could not ") + what + " " + path.string() + ": " +
                     file.errorString().toStdString());
    };
    if (!file.open(QIODevice::WriteOnly)) fail("create");
    if (file.write(bytes) != bytes.size()) fail("write");
    if (!file.commit()) fail("write");
  });
}

}  // namespace pmap::report_pdf
