#pragma once
// Report: the morning report as the gateway renders it (GET /v1/reports/{date}?format=html),
// and "Save as PDF" (format=pdf, the gateway's own PDF).
#include <QDate>
#include <QTimer>

#include "pmap/dashboard/api_client.hpp"
#include "view.hpp"

class QDateEdit;
class QLabel;
class QTextBrowser;

namespace pmap::dashboard::app {

class ReportView : public View {
  Q_OBJECT
 public:
  ReportView(ApiClient& api, QDate date, QWidget* parent = nullptr);
  void refresh() override;
  [[nodiscard]] bool ready() const override { return pending_ == 0 && loaded_; }
  [[nodiscard]] QJsonObject facts() const override;
  /// Fetches the PDF and writes it to `path`; `done(ok, message)` on the GUI thread.
  void save_pdf(const QString& path, std::function<void(bool, QString)> done);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  /// Lays the report's HTML out at the page's width (its SVG charts drawn to fit).
  void lay_out();

  ApiClient& api_;
  QDateEdit* date_;
  QLabel* status_;
  QLabel* red_flag_;
  QTextBrowser* page_;
  int pending_ = 0;
  bool loaded_ = false;
  int charts_ = 0;  ///< inline SVG charts drawn in the page
  QString html_;    ///< the report as the gateway sent it (laid out again on resize)
  int laid_out_width_ = 0;
  QTimer relayout_;  ///< a resize lays out again once the window stops changing size
  int generation_ = 0;
};

}  // namespace pmap::dashboard::app
