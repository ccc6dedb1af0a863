#pragma once
// What every tab of the main window offers: reload its data, say when a screenshot may be
// taken, and list what it drew (written next to a --screenshot PNG for the tests).
#include <QJsonObject>
#include <QWidget>

class QChart;
class QChartView;
class QDateEdit;
class QPushButton;

namespace pmap::dashboard::app {

class View : public QWidget {
  Q_OBJECT
 public:
  using QWidget::QWidget;
  virtual void refresh() = 0;
  /// True once the view holds what it asked for (or knows there is none).
  [[nodiscard]] virtual bool ready() const = 0;
  [[nodiscard]] virtual QJsonObject facts() const = 0;
};

/// A chart view that shows but takes no input: kept out of the Tab chain, so a keyboard user
/// moves from control to control instead of stopping on every chart.
[[nodiscard]] QChartView* new_chart_view(QChart* chart, QWidget* parent, int minimum_height);

/// "◀ Previous" / "Next ▶" buttons of a day picker: one day each way, also on Alt+Left and
/// Alt+Right while the view is shown (their tooltips say so).
void connect_day_stepper(QPushButton* previous, QPushButton* next, QDateEdit* date);

}  // namespace pmap::dashboard::app
