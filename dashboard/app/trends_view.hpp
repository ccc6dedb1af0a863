#pragma once
// Trends: back and leg pain over 30 or 90 days with the centralization trend (leg pain falling
// relative to back pain), one night measure against next-morning pain (scatter, fitted line and
// its 95 % band), and next-morning leg pain per pillow setup.
#include <QDate>

#include "pmap/dashboard/api_client.hpp"
#include "pmap/dashboard/api_documents.hpp"
#include "view.hpp"

class QComboBox;
class QLabel;
class QChart;

namespace pmap::dashboard::app {

class TrendsView : public View {
  Q_OBJECT
 public:
  TrendsView(ApiClient& api, QDate today, int days, QWidget* parent = nullptr);
  void refresh() override;
  [[nodiscard]] bool ready() const override { return pending_ == 0 && loaded_; }
  [[nodiscard]] QJsonObject facts() const override;

 private:
  void finish();
  void draw_scatter();

  ApiClient& api_;
  QDate today_;
  QComboBox* range_;
  QComboBox* measure_;
  QLabel* status_;
  QLabel* trend_text_;
  QLabel* scatter_text_;
  QChart* pain_chart_;
  QChart* scatter_chart_;
  QChart* setup_chart_;
  std::vector<NightSummary> nights_;
  std::vector<PainEntry> pain_;
  QByteArray nights_body_, pain_body_;
  QString problem_;
  int pending_ = 0;
  bool loaded_ = false;
  int generation_ = 0;
  int pain_points_ = 0, scatter_points_ = 0, setups_ = 0;
  bool fit_drawn_ = false;
};

}  // namespace pmap::dashboard::app
