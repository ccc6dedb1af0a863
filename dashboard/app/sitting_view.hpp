#pragma once
// Sitting: the day's bouts and sitting classes on a time axis, obliquity / slouching / wallet
// per day over two weeks with the mean pelvic tilt, and the alerts (bouts over the limit, live
// alerts from the gateway).
#include <QDate>

#include "pmap/dashboard/api_client.hpp"
#include "pmap/dashboard/api_documents.hpp"
#include "pmap/dashboard/live_model.hpp"
#include "view.hpp"

class QDateEdit;
class QLabel;
class QChart;
class QTimeZone;

namespace pmap::dashboard::app {

class TimelineWidget;

class SittingView : public View {
  Q_OBJECT
 public:
  SittingView(ApiClient& api, QDate date, const LiveModel* live, QWidget* parent = nullptr);
  void refresh() override;
  [[nodiscard]] bool ready() const override { return pending_ == 0 && loaded_; }
  [[nodiscard]] QJsonObject facts() const override;

 private:
  void finish();

  ApiClient& api_;
  const LiveModel* live_;
  QDateEdit* date_;
  QLabel* status_;
  QLabel* alerts_;
  TimelineWidget* timeline_;
  QChart* chart_;
  int pending_ = 0;
  bool loaded_ = false;
  int generation_ = 0;
  QByteArray days_body_, episodes_body_;
  QByteArray posture_body_;  ///< GET /v1/posture of posture_key_ ("chair@date")
  std::string posture_key_;
  QChart* day_chart_ = nullptr;
  int day_points_ = 0;
  int wallet_bands_ = 0;
  static constexpr int kBinS = 300;
  void draw_day(const std::vector<PostureBin>& bins, std::int64_t day_start_us,
                const QTimeZone& zone);
  QString problem_;
  int chart_points_ = 0;
  int bouts_ = 0;
  int bouts_over_limit_ = 0;
};

}  // namespace pmap::dashboard::app
