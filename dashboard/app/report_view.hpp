#pragma once
// Report: the morning report as the gateway renders it (GET /v1/reports/{date}?format=html),
// and "Save as PDF" (format=pdf, the gateway's own PDF).
#include <QDate>

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

 private:
  ApiClient& api_;
  QDateEdit* date_;
  QLabel* status_;
  QLabel* red_flag_;
  QTextBrowser* page_;
  int pending_ = 0;
  bool loaded_ = false;
  int charts_ = 0;  ///< inline SVG charts drawn in the page
  int generation_ = 0;
};

}  // namespace pmap::dashboard::app
