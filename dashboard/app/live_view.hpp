#pragma once
// Live: one panel per mat (heatmap, findings in words, load and centre-of-pressure chart, frame
// rate and connection), fed by the Mailbox at display rate.
#include <QLabel>
#include <QTimer>
#include <map>
#include <memory>

#include "pmap/dashboard/live_model.hpp"
#include "pmap/dashboard/pressure_units.hpp"
#include "view.hpp"

class QGridLayout;
class QLineSeries;
class QValueAxis;
class QChartView;

namespace pmap::dashboard::app {

class HeatmapWidget;

class LiveView : public View {
  Q_OBJECT
 public:
  LiveView(Mailbox& mailbox, PressureUnit unit, QWidget* parent = nullptr);
  ~LiveView() override;
  void refresh() override {}
  [[nodiscard]] bool ready() const override;
  [[nodiscard]] QJsonObject facts() const override;
  void set_broker_state(bool connected, const QString& detail);
  void set_unit(PressureUnit unit);
  /// Drains the mailbox and redraws what changed (the display-rate timer calls it).
  void tick();
  [[nodiscard]] const LiveModel& model() const { return model_; }

 private:
  struct Panel;
  Panel& panel(const std::string& mat);
  void update_panel(Panel& p, const MatLive& m, bool chart);

  Mailbox& mailbox_;
  PressureUnit unit_;
  LiveModel model_;
  QTimer timer_;
  QLabel* broker_label_;
  QLabel* empty_label_;
  QLabel* alerts_label_;
  QGridLayout* grid_;
  std::map<std::string, std::unique_ptr<Panel>> panels_;
  bool broker_connected_ = false;
};

}  // namespace pmap::dashboard::app
