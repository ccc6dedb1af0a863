#include "view.hpp"

#include <QChartView>
#include <QDateEdit>
#include <QKeySequence>
#include <QPushButton>

namespace pmap::dashboard::app {

QChartView* new_chart_view(QChart* chart, QWidget* parent, int minimum_height) {
  auto* view = new QChartView(chart, parent);
  view->setFocusPolicy(Qt::NoFocus);
  view->setMinimumHeight(minimum_height);
  return view;
}

void connect_day_stepper(QPushButton* previous, QPushButton* next, QDateEdit* date) {
  const auto step = [date](QPushButton* button, QKeyCombination key, int days) {
    button->setShortcut(QKeySequence(key));
    button->setToolTip(QPushButton::tr("%1 (%2)").arg(
        days < 0 ? QPushButton::tr("One day back") : QPushButton::tr("One day on"),
        QKeySequence(key).toString(QKeySequence::NativeText)));
    QObject::connect(button, &QPushButton::clicked, date,
                     [date, days] { date->setDate(date->date().addDays(days)); });
  };
  step(previous, Qt::ALT | Qt::Key_Left, -1);
  step(next, Qt::ALT | Qt::Key_Right, 1);
  // Tab in reading order: previous, the date, next (the buttons are made before the date).
  QWidget::setTabOrder(previous, date);
  QWidget::setTabOrder(date, next);
}

}  // namespace pmap::dashboard::app
