#include "report_view.hpp"

#include <QDateEdit>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBrowser>

#include <algorithm>
#include <cmath>

#include <QUrlQuery>
#include <QVBoxLayout>
#include "pmap/report_pdf/html_to_pdf.hpp"
#include "pmap/report_pdf/report_document.hpp"

namespace pmap::dashboard::app {

ReportView::ReportView(ApiClient& api, QDate date, QWidget* parent) : View(parent), api_(api) {
  relayout_.setSingleShot(true);
  relayout_.setInterval(200);
  connect(&relayout_, &QTimer::timeout, this, [this] {
    if (std::abs(page_->viewport()->width() - 24 - laid_out_width_) > 8) lay_out();
  });
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout();
  date_ = new QDateEdit(date, this);
  date_->setCalendarPopup(true);
  date_->setObjectName(QStringLiteral("report_date"));
  date_->setDisplayFormat(QStringLiteral("ddd d MMM yyyy"));
  auto* label = new QLabel(tr("Morning report &of"), this);
  label->setBuddy(date_);
  auto* save = new QPushButton(tr("Save as &PDF…"), this);
  bar->addWidget(label);
  bar->addWidget(date_);
  bar->addWidget(save);
  bar->addStretch(1);
  layout->addLayout(bar);
  red_flag_ = new QLabel(this);
  red_flag_->setWordWrap(true);
  red_flag_->setStyleSheet(QStringLiteral(
      "QLabel{background:#b00000;color:white;font-weight:bold;font-size:16pt;padding:10px}"));
  red_flag_->hide();
  layout->addWidget(red_flag_);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  layout->addWidget(status_);
  page_ = new QTextBrowser(this);
  page_->setObjectName(QStringLiteral("report_text"));  // on the Tab chain: keys scroll the report
  page_->setOpenExternalLinks(false);
  layout->addWidget(page_, 1);
  connect(date_, &QDateEdit::dateChanged, this, &ReportView::refresh);
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save the morning report"),
        QStringLiteral("posturemap-report-%1.pdf").arg(date_->date().toString(Qt::ISODate)),
        tr("PDF (*.pdf)"));
    if (path.isEmpty()) return;
    save_pdf(path, [this](bool, const QString& message) { status_->setText(message); });
  });
}

void ReportView::refresh() {
  const int generation = ++generation_;
  loaded_ = false;
  pending_ = 1;
  status_->setText(tr("Loading the report…"));
  QUrlQuery q;
  q.addQueryItem(QStringLiteral("format"), QStringLiteral("html"));
  api_.get(QStringLiteral("/v1/reports/") + date_->date().toString(Qt::ISODate), q,
           [this, generation](const ApiReply& r) {
             if (generation != generation_) return;
             pending_ = 0;
             loaded_ = true;
             if (!r.ok()) {
               status_->setText(r.problem() + tr(" - the report shown before (if any) is kept."));
               status_->setStyleSheet(
                   QStringLiteral("QLabel{background:#fde0c5;color:#000;padding:6px}"));
               return;
             }
             status_->setStyleSheet({});
             status_->setText(tr("Report of %1 as the gateway made it.")
                                  .arg(date_->date().toString(QStringLiteral("ddd d MMM yyyy"))));
             red_flag_->setVisible(r.red_flag_header);
             if (r.red_flag_header) {
               red_flag_->setText(
                   tr("A red-flag answer is in your diary: if you have loss of "
                      "bladder or bowel control, saddle numbness or a dropping "
                      "foot, go to emergency care now."));
             }
             // The charts are inline SVG, which Qt's rich text shows as text: drawn as the
             // PDF draws them. A chart QtSvg cannot read leaves the page as plain rich text.
             html_ = QString::fromUtf8(r.body);
             lay_out();
           });
}

void ReportView::lay_out() {
  if (html_.isEmpty()) return;
  const int width = std::max(320, page_->viewport()->width() - 24);
  auto* scroll = page_->verticalScrollBar();
  const double at = scroll->maximum() > 0 ? double(scroll->value()) / scroll->maximum() : 0.0;
  laid_out_width_ = width;
  try {
    charts_ = report_pdf::set_report_html(*page_->document(), html_, width);
  } catch (const report_pdf::PdfError& e) {
    charts_ = 0;
    page_->setHtml(html_);
    status_->setText(status_->text() + tr(" (charts not shown: %1)").arg(e.what()));
  }
  scroll->setValue(static_cast<int>(at * scroll->maximum()));
}

void ReportView::resizeEvent(QResizeEvent* event) {
  View::resizeEvent(event);
  relayout_.start();
}

void ReportView::save_pdf(const QString& path, std::function<void(bool, QString)> done) {
  QUrlQuery q;
  q.addQueryItem(QStringLiteral("format"), QStringLiteral("pdf"));
  api_.get(QStringLiteral("/v1/reports/") + date_->date().toString(Qt::ISODate), q,
           [path, done = std::move(done)](const ApiReply& r) {
             if (!r.ok()) {
               done(false, r.problem());
               return;
             }
             QFile file(path);
             if (!file.open(QIODevice::WriteOnly) || file.write(r.body) != r.body.size()) {
               done(false, QObject::tr("Cannot write %1").arg(path));
               return;
             }
             done(true, QObject::tr("Saved %1").arg(path));
           });
}

QJsonObject ReportView::facts() const {
  QJsonObject o;
  const QString text = page_->toPlainText();
  o["text_chars"] = text.size();
  o["text_head"] = text.left(400);
  o["red_flag_banner"] = !red_flag_->isHidden();
  o["charts"] = charts_;
  o["laid_out_width"] = laid_out_width_;
  o["status_text"] = status_->text();
  return o;
}

}  // namespace pmap::dashboard::app
