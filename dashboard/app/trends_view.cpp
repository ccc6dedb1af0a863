#include "trends_view.hpp"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <QValueAxis>
#include <map>

#include "palette.hpp"
#include "pmap/dashboard/stats.hpp"

namespace pmap::dashboard::app {

namespace {
// The night measures a person can change (docs/reports.md), in words.
const std::vector<std::pair<std::string, QString>>& measures() {
  static const std::vector<std::pair<std::string, QString>> list{
      {"supine_s", QStringLiteral("hours on the back")},
      {"left_s", QStringLiteral("hours on the left side")},
      {"right_s", QStringLiteral("hours on the right side")},
      {"prone_s", QStringLiteral("hours on the front")},
      {"side_knee_aligned_share",
       QStringLiteral("share of side-lying with the knee pillow in place")},
      {"turns", QStringLiteral("turns in the night")},
      {"bed_exits", QStringLiteral("times out of bed")},
      {"time_in_bed_s", QStringLiteral("hours in bed")},
      {"longest_still_s", QStringLiteral("longest still period, hours")},
      {"supine_knees_supported_s", QStringLiteral("hours on the back with knees supported")}};
  return list;
}
double display_value(const std::string& key, double v) {
  return key.ends_with("_s") ? v / 3600.0 : v;
}
}  // namespace

TrendsView::TrendsView(ApiClient& api, QDate today, int days, QWidget* parent)
    : View(parent), api_(api), today_(today) {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout();
  range_ = new QComboBox(this);
  range_->addItem(tr("last 30 days"), 30);
  range_->addItem(tr("last 90 days"), 90);
  range_->setCurrentIndex(days == 90 ? 1 : 0);
  measure_ = new QComboBox(this);
  for (const auto& [key, name] : measures()) measure_->addItem(name, QString::fromStdString(key));
  range_->setObjectName(QStringLiteral("trend_range"));
  measure_->setObjectName(QStringLiteral("trend_measure"));
  auto* range_label = new QLabel(tr("Sho&w"), this);
  range_label->setBuddy(range_);
  auto* measure_label = new QLabel(tr("&Compare next-morning leg pain with"), this);
  measure_label->setBuddy(measure_);
  bar->addWidget(range_label);
  bar->addWidget(range_);
  bar->addSpacing(20);
  bar->addWidget(measure_label);
  bar->addWidget(measure_);
  bar->addStretch(1);
  layout->addLayout(bar);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  layout->addWidget(status_);
  auto* grid = new QGridLayout();
  pain_chart_ = new QChart();
  pain_chart_->setTitle(tr("Pain, 0-10 (daily mean)"));
  pain_chart_->legend()->setAlignment(Qt::AlignBottom);
  scatter_chart_ = new QChart();
  scatter_chart_->legend()->setAlignment(Qt::AlignBottom);
  setup_chart_ = new QChart();
  setup_chart_->setTitle(
      tr("Next-morning leg pain by pillow setup (mean; the morning report says whether a difference "
         "is clear)"));
  setup_chart_->legend()->hide();
  trend_text_ = new QLabel(this);
  trend_text_->setWordWrap(true);
  scatter_text_ = new QLabel(this);
  scatter_text_->setWordWrap(true);
  auto make_view = [this](QChart* c) {
    auto* v = new_chart_view(c, this, 220);
    v->setRenderHint(QPainter::Antialiasing);
    return v;
  };
  grid->addWidget(make_view(pain_chart_), 0, 0);
  grid->addWidget(trend_text_, 1, 0);
  grid->addWidget(make_view(scatter_chart_), 0, 1);
  grid->addWidget(scatter_text_, 1, 1);
  grid->addWidget(make_view(setup_chart_), 2, 0, 1, 2);
  layout->addLayout(grid, 1);
  connect(range_, &QComboBox::currentIndexChanged, this, &TrendsView::refresh);
  connect(measure_, &QComboBox::currentIndexChanged, this, &TrendsView::draw_scatter);
}

void TrendsView::refresh() {
  const int generation = ++generation_;
  loaded_ = false;
  pending_ = 2;
  problem_.clear();
  status_->setText(tr("Loading…"));
  const int days = range_->currentData().toInt();
  QUrlQuery q;
  q.addQueryItem(QStringLiteral("from"), today_.addDays(-(days - 1)).toString(Qt::ISODate));
  q.addQueryItem(QStringLiteral("to"), today_.toString(Qt::ISODate));
  for (const QString& path : {QStringLiteral("/v1/nights"), QStringLiteral("/v1/pain")}) {
    api_.get(path, q, [this, generation, path](const ApiReply& r) {
      if (generation != generation_) return;
      if (!r.ok())
        problem_ = r.problem();
      else if (path.endsWith(QLatin1String("nights")))
        nights_body_ = r.body;
      else
        pain_body_ = r.body;
      if (--pending_ == 0) finish();
    });
  }
}

void TrendsView::finish() {
  loaded_ = true;
  if (!problem_.isEmpty()) {
    status_->setText(problem_ + tr(" - what was shown before is kept."));
    status_->setStyleSheet(QStringLiteral("QLabel{background:#fde0c5;color:#000;padding:6px}"));
    return;
  }
  status_->setStyleSheet({});
  nights_ = parse_nights(std::string_view(nights_body_.constData(), nights_body_.size())).rows;
  pain_ = parse_pain(std::string_view(pain_body_.constData(), pain_body_.size())).rows;
  const auto daily = daily_pain(pain_);
  status_->setText(tr("%1 nights and %2 diary entries in the last %3 days.")
                       .arg(nights_.size())
                       .arg(pain_.size())
                       .arg(range_->currentData().toInt()));
  // Pain over time.
  pain_chart_->removeAllSeries();
  for (auto* axis : pain_chart_->axes()) pain_chart_->removeAxis(axis);
  auto* back = new QLineSeries();
  back->setName(tr("back pain"));
  back->setColor(back_pain_colour());
  auto* leg = new QLineSeries();
  leg->setName(tr("leg pain"));
  leg->setColor(leg_pain_colour());
  std::vector<double> day_index, difference;
  pain_points_ = 0;
  for (const auto& d : daily) {
    const QDate date = QDate::fromString(QString::fromStdString(d.date), Qt::ISODate);
    const double ms = static_cast<double>(date.startOfDay().toMSecsSinceEpoch());
    back->append(ms, d.back);
    leg->append(ms, d.leg);
    day_index.push_back(static_cast<double>(today_.daysTo(date)));
    difference.push_back(d.leg - d.back);
    ++pain_points_;
  }
  pain_chart_->addSeries(back);
  pain_chart_->addSeries(leg);
  auto* time_axis = new QDateTimeAxis();
  time_axis->setFormat(QStringLiteral("d MMM"));
  time_axis->setRange(today_.addDays(-(range_->currentData().toInt() - 1)).startOfDay(),
                      today_.addDays(1).startOfDay());
  auto* pain_axis = new QValueAxis();
  pain_axis->setRange(0, 10);
  pain_axis->setTickCount(6);  // 0, 2, … 10: whole numbers under every tick
  pain_axis->setLabelFormat(QStringLiteral("%d"));
  pain_chart_->addAxis(time_axis, Qt::AlignBottom);
  pain_chart_->addAxis(pain_axis, Qt::AlignLeft);
  for (auto* s : {back, leg}) {
    s->attachAxis(time_axis);
    s->attachAxis(pain_axis);
  }
  if (daily.empty()) {
    trend_text_->setText(tr("No diary entries in this period yet: add one in the Diary tab."));
  } else if (const auto fit = fit_line(day_index, difference)) {
    const double per_week = fit->slope * 7;
    const double half = fit->band_half_width(fit->mean_x) > 0
                            ? fit->t95 * fit->residual_sd / std::sqrt(fit->sxx) * 7
                            : 0;
    QString verdict;
    if (per_week + half < 0)
      verdict = tr("centralizing: leg pain is falling relative to back pain");
    else if (per_week - half > 0)
      verdict = tr(
          "peripheralizing: leg pain is rising relative to back pain - tell your physiotherapist");
    else
      verdict = tr("no clear change yet");
    trend_text_->setText(tr("Centralization trend: leg minus back pain changes %1 points per week "
                            "(95 % interval %2 to %3) - %4.")
                             .arg(per_week, 0, 'f', 2)
                             .arg(per_week - half, 0, 'f', 2)
                             .arg(per_week + half, 0, 'f', 2)
                             .arg(verdict));
  } else {
    trend_text_->setText(tr("Centralization trend: needs diary entries on at least 3 days."));
  }
  // Pillow setups compared.
  setup_chart_->removeAllSeries();
  for (auto* axis : setup_chart_->axes()) setup_chart_->removeAxis(axis);
  std::map<std::string, std::pair<double, int>> by_setup;
  std::map<std::string, double> leg_by_date;
  for (const auto& d : daily) leg_by_date[d.date] = d.leg;
  for (const auto& n : nights_) {
    const auto it = leg_by_date.find(n.wake_date);
    if (it == leg_by_date.end()) continue;
    auto& slot = by_setup[n.setup.value_or("(no setup recorded)")];
    slot.first += it->second;
    slot.second += 1;
  }
  setups_ = static_cast<int>(by_setup.size());
  if (!by_setup.empty()) {
    auto* set = new QBarSet(tr("leg pain"));
    set->setColor(QColor(0x00, 0x72, 0xB2));
    QStringList names;
    for (const auto& [name, sum] : by_setup) {
      *set << sum.first / sum.second;
      names << tr("%1 (%2 nights)").arg(QString::fromStdString(name)).arg(sum.second);
    }
    auto* series = new QBarSeries();
    series->append(set);
    series->setLabelsVisible(true);
    series->setLabelsPrecision(2);
    setup_chart_->addSeries(series);
    auto* cats = new QBarCategoryAxis();
    cats->append(names);
    auto* values = new QValueAxis();
    values->setRange(0, 10);
    values->setTickCount(6);
    values->setLabelFormat(QStringLiteral("%d"));
    setup_chart_->addAxis(cats, Qt::AlignBottom);
    setup_chart_->addAxis(values, Qt::AlignLeft);
    series->attachAxis(cats);
    series->attachAxis(values);
  }
  draw_scatter();
}

void TrendsView::draw_scatter() {
  scatter_chart_->removeAllSeries();
  for (auto* axis : scatter_chart_->axes()) scatter_chart_->removeAxis(axis);
  const std::string key = measure_->currentData().toString().toStdString();
  scatter_chart_->setTitle(tr("Next-morning leg pain against %1").arg(measure_->currentText()));
  std::map<std::string, double> leg_by_date;
  for (const auto& d : daily_pain(pain_)) leg_by_date[d.date] = d.leg;
  std::vector<double> xs, ys;
  auto* points = new QScatterSeries();
  points->setName(tr("one night"));
  points->setColor(QColor(0x00, 0x72, 0xB2));
  points->setMarkerSize(9);
  for (const auto& n : nights_) {
    const auto it = n.numbers.find(key);
    const auto pain = leg_by_date.find(n.wake_date);
    if (it == n.numbers.end() || pain == leg_by_date.end()) continue;
    xs.push_back(display_value(key, it->second));
    ys.push_back(pain->second);
    points->append(xs.back(), ys.back());
  }
  scatter_points_ = static_cast<int>(xs.size());
  scatter_chart_->addSeries(points);
  double lo = 0, hi = 1;
  if (!xs.empty()) {
    lo = *std::min_element(xs.begin(), xs.end());
    hi = *std::max_element(xs.begin(), xs.end());
    if (hi <= lo) hi = lo + 1;
  }
  auto* x_axis = new QValueAxis();
  x_axis->setRange(lo, hi);
  x_axis->applyNiceNumbers();  // round ticks (0.5, 1.0 …) around the data
  x_axis->setTitleText(measure_->currentText());
  auto* y_axis = new QValueAxis();
  y_axis->setRange(0, 10);
  y_axis->setTickCount(6);
  y_axis->setLabelFormat(QStringLiteral("%d"));
  y_axis->setTitleText(tr("leg pain"));
  scatter_chart_->addAxis(x_axis, Qt::AlignBottom);
  scatter_chart_->addAxis(y_axis, Qt::AlignLeft);
  points->attachAxis(x_axis);
  points->attachAxis(y_axis);
  fit_drawn_ = false;
  const auto fit = fit_line(xs, ys);
  if (fit) {
    auto* line = new QLineSeries();
    line->setName(tr("fitted line"));
    line->setColor(Qt::black);
    auto* upper = new QLineSeries();
    auto* lower = new QLineSeries();
    for (int i = 0; i <= 40; ++i) {
      const double x = lo + (hi - lo) * i / 40.0;
      line->append(x, fit->at(x));
      upper->append(x, fit->at(x) + fit->band_half_width(x));
      lower->append(x, fit->at(x) - fit->band_half_width(x));
    }
    auto* band = new QAreaSeries(upper, lower);
    // The area series does not own its boundary lines; as its children they go with it when the
    // chart drops its series at the next redraw (LeakSanitizer found them left behind).
    upper->setParent(band);
    lower->setParent(band);
    band->setName(tr("95 % band of the line"));
    band->setColor(QColor(0x99, 0x99, 0x99, 90));
    band->setBorderColor(QColor(0x99, 0x99, 0x99, 0));
    scatter_chart_->addSeries(band);
    scatter_chart_->addSeries(line);
    for (auto* s : std::initializer_list<QAbstractSeries*>{band, line}) {
      s->attachAxis(x_axis);
      s->attachAxis(y_axis);
    }
    fit_drawn_ = true;
    scatter_text_->setText(tr("%1 nights: leg pain changes %2 per unit (r = %3). An association, "
                              "not proof of a cause; the morning report says when it is solid.")
                               .arg(fit->n)
                               .arg(fit->slope, 0, 'f', 2)
                               .arg(fit->r, 0, 'f', 2));
  } else {
    scatter_text_->setText(tr("Needs at least 3 nights with a diary entry the next morning."));
  }
}

QJsonObject TrendsView::facts() const {
  QJsonObject o;
  o["pain_points"] = pain_points_;
  o["scatter_points"] = scatter_points_;
  o["fit_drawn"] = fit_drawn_;
  o["setups"] = setups_;
  o["trend_text"] = trend_text_->text();
  o["scatter_text"] = scatter_text_->text();
  o["status_text"] = status_->text();
  return o;
}

}  // namespace pmap::dashboard::app
