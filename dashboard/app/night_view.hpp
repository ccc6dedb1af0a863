#pragma once
// Night: the positions through one night as lanes (hypnogram-like), knee-pillow and under-knee
// lanes, turns and bed exits marked, hours per position, and the night's summary in words.
#include <QDate>
#include <QElapsedTimer>

#include "pmap/dashboard/api_client.hpp"
#include "pmap/dashboard/api_documents.hpp"
#include "view.hpp"

class QDateEdit;
class QLabel;
class QBarSeries;
class QChart;

namespace pmap::dashboard::app {

class TimelineWidget;

class NightView : public View {
  Q_OBJECT
 public:
  NightView(ApiClient& api, QDate date, QWidget* parent = nullptr);
  void refresh() override;
  [[nodiscard]] bool ready() const override { return pending_ == 0 && loaded_; }
  [[nodiscard]] QJsonObject facts() const override;

 private:
  void show_night(const NightSummary& night, const QByteArray& episodes);
  void show_problem(const QString& text);

  ApiClient& api_;
  QDateEdit* date_;
  QLabel* status_;
  QLabel* summary_;
  TimelineWidget* timeline_;
  QChart* bars_;
  QBarSeries* bar_series_ = nullptr;
  int pending_ = 0;
  bool loaded_ = false;
  int generation_ = 0;
  QElapsedTimer clock_;
  qint64 open_ms_ = -1;
  QStringList bar_labels_;
};

}  // namespace pmap::dashboard::app
