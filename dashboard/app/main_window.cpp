#include "main_window.hpp"

#include <QComboBox>
#include <QKeySequence>
#include <QLabel>
#include <QShortcut>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "diary_view.hpp"
#include "live_view.hpp"
#include "mqtt_link.hpp"
#include "night_view.hpp"
#include "report_view.hpp"
#include "sitting_view.hpp"
#include "trends_view.hpp"

namespace pmap::dashboard::app {

MainWindow::MainWindow(const Options& options, ApiClient& api, Mailbox& mailbox, QWidget* parent)
    : QMainWindow(parent), api_(api), mailbox_(mailbox) {
  setWindowTitle(tr("PostureMap"));
  const QDate date = options.date.empty()
                         ? QDate::currentDate()
                         : QDate::fromString(QString::fromStdString(options.date), Qt::ISODate);
  const auto unit = unit_from_string(options.unit).value_or(PressureUnit::kMmHg);
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(6, 6, 6, 6);
  banner_ = new QLabel(central);
  banner_->setWordWrap(true);
  banner_->setStyleSheet(
      QStringLiteral("QLabel{background:#fde0c5;color:#000;font-weight:bold;padding:8px;"
                     "border:2px solid #D55E00}"));
  banner_->hide();
  layout->addWidget(banner_);
  tabs_ = new QTabWidget(central);
  live_ = new LiveView(mailbox, unit, tabs_);
  auto* night = new NightView(api, date, tabs_);
  auto* sitting = new SittingView(api, date, &live_->model(), tabs_);
  auto* trends = new TrendsView(api, date, options.trend_days, tabs_);
  auto* report = new ReportView(api, date, tabs_);
  diary_ = new DiaryView(api, tabs_);
  const std::vector<std::tuple<QString, QString, View*>> list{
      {QStringLiteral("live"), tr("&Live"), live_},
      {QStringLiteral("night"), tr("&Night"), night},
      {QStringLiteral("sitting"), tr("&Sitting"), sitting},
      {QStringLiteral("trends"), tr("&Trends"), trends},
      {QStringLiteral("report"), tr("&Report"), report},
      {QStringLiteral("diary"), tr("&Diary"), diary_}};
  int index = 0;
  for (const auto& [name, title, view] : list) {
    tabs_->addTab(view, title);
    views_[name] = view;
    auto* shortcut =
        new QShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)), this);
    connect(shortcut, &QShortcut::activated, this,
            [this, index] { tabs_->setCurrentIndex(index); });
    ++index;
  }
  layout->addWidget(tabs_, 1);
  setCentralWidget(central);

  auto* toolbar = addToolBar(tr("View"));
  toolbar->setMovable(false);
  auto* unit_box = new QComboBox(toolbar);
  unit_box->addItem(QStringLiteral("mmHg"));
  unit_box->addItem(QStringLiteral("kPa"));
  unit_box->setCurrentIndex(unit == PressureUnit::kKPa ? 1 : 0);
  unit_box->setToolTip(tr("Pressure unit of the live heatmaps"));
  unit_box->setObjectName(QStringLiteral("pressure_unit"));
  auto* unit_label = new QLabel(tr(" Pressure un&it: "), toolbar);
  unit_label->setBuddy(unit_box);
  toolbar->addWidget(unit_label);
  toolbar->addWidget(unit_box);
  toolbar->addSeparator();
  toolbar->addWidget(
      new QLabel(tr(" Gateway %1 · F5 reloads · Ctrl+1…6 switch views · Alt+←/→ previous/next day ")
                     .arg(api.base().toString()),
                 toolbar));
  connect(unit_box, &QComboBox::currentIndexChanged, this,
          [this](int i) { live_->set_unit(i == 1 ? PressureUnit::kKPa : PressureUnit::kMmHg); });
  auto* reload = new QShortcut(QKeySequence(Qt::Key_F5), this);
  connect(reload, &QShortcut::activated, this, &MainWindow::refresh_current);
  connect(tabs_, &QTabWidget::currentChanged, this, [this] {
    View* v = current_view();
    if (v != nullptr && !loaded_once_[v]) {
      loaded_once_[v] = true;
      v->refresh();
    }
  });
  connect(&api_, &ApiClient::reachabilityChanged, this, &MainWindow::on_reachability);
  // While the gateway is unreachable, ask its health every 5 s; when it answers, reload.
  health_.setInterval(5000);
  connect(&health_, &QTimer::timeout, this, [this] {
    if (api_.pending() == 0) api_.get(QStringLiteral("/v1/health"), {}, {});
  });
  loaded_once_[live_] = true;
}

MainWindow::~MainWindow() = default;

void MainWindow::start_mqtt(const std::string& uri, const MqttSecurity& security) {
  mqtt_ = std::make_unique<MqttLink>(uri, security, mailbox_);
  connect(mqtt_.get(), &MqttLink::connectionChanged, live_, &LiveView::set_broker_state);
  mqtt_->start();
}

void MainWindow::on_reachability(bool reachable) {
  if (reachable) {
    banner_->hide();
    health_.stop();
    refresh_current();
    return;
  }
  banner_->setText(tr("The gateway at %1 cannot be reached - reconnecting every 5 s. What is "
                      "on screen is the data loaded before.")
                       .arg(api_.base().toString()));
  banner_->show();
  health_.start();
}

void MainWindow::refresh_current() {
  if (View* v = current_view()) {
    loaded_once_[v] = true;
    v->refresh();
  }
}

void MainWindow::show_view(const QString& name) {
  const auto it = views_.find(name);
  if (it == views_.end()) return;
  if (tabs_->currentWidget() == it->second) {
    refresh_current();
  } else {
    tabs_->setCurrentWidget(it->second);  // loads it (currentChanged)
  }
}

View* MainWindow::current_view() const {
  return qobject_cast<View*>(tabs_->currentWidget());
}

QString MainWindow::current_name() const {
  for (const auto& [name, view] : views_) {
    if (view == tabs_->currentWidget()) return name;
  }
  return {};
}

}  // namespace pmap::dashboard::app
