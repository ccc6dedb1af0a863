#pragma once
// What every tab of the main window offers: reload its data, say when a screenshot may be
// taken, and list what it drew (written next to a --screenshot PNG for the tests).
#include <QJsonObject>
#include <QWidget>

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

}  // namespace pmap::dashboard::app
