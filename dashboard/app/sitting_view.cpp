#include "sitting_view.hpp"

#include <cmath>

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <QTimeZone>
#include <QValueAxis>
#include <nlohmann/json.hpp>

#include "palette.hpp"
#include "pmap/dashboard/api_documents.hpp"
#include "pmap/dashboard/timeline.hpp"
#include "timeline_widget.hpp"

namespace pmap::dashboard::app {

SittingView::SittingView(ApiClient& api, QDate date, const LiveModel* live, QWidget* parent)
    : View(parent), api_(api), live_(live) {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout();
  auto* prev = new QPushButton(tr("◀ Previous day"), this);
  auto* next = new QPushButton(tr("Next day ▶"), this);
  date_ = new QDateEdit(date, this);
  date_->setCalendarPopup(true);
  date_->setObjectName(QStringLiteral("sitting_date"));
  date_->setDisplayFormat(QStringLiteral("ddd d MMM yyyy"));
  auto* label = new QLabel(tr("Sitting &on"), this);
  label->setBuddy(date_);
  bar->addWidget(prev);
  bar->addWidget(label);
  bar->addWidget(date_);
  bar->addWidget(next);
  bar->addStretch(1);
  layout->addLayout(bar);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  layout->addWidget(status_);
  alerts_ = new QLabel(this);
  alerts_->setWordWrap(true);
  layout->addWidget(alerts_);
  timeline_ = new TimelineWidget(this);
  layout->addWidget(timeline_);
  // Through the day: the pelvis's sideways and backward tilt, 5-min means of the stored epochs.
  day_chart_ = new QChart();
  day_chart_->setTitle(tr("Through the day: pelvic obliquity and tilt, ° (5-minute means)"));
  day_chart_->legend()->setAlignment(Qt::AlignRight);
  day_chart_->setMargins(QMargins(2, 2, 2, 2));
  auto* day_view = new_chart_view(day_chart_, this, 150);
  day_view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
  layout->addWidget(day_view, 1);
  chart_ = new QChart();
  chart_->setTitle(
      tr("Last two weeks: minutes per day with the pelvis tilted sideways, slouching, "
         "sitting on a wallet"));
  chart_->legend()->setAlignment(Qt::AlignBottom);
  auto* view = new_chart_view(chart_, this, 200);
  view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
  layout->addWidget(view, 1);
  connect_day_stepper(prev, next, date_);
  connect(date_, &QDateEdit::dateChanged, this, &SittingView::refresh);
}

void SittingView::refresh() {
  const int generation = ++generation_;
  loaded_ = false;
  pending_ = 2;
  problem_.clear();
  status_->setText(tr("Loading…"));
  const QDate d = date_->date();
  QUrlQuery days;
  days.addQueryItem(QStringLiteral("from"), d.addDays(-13).toString(Qt::ISODate));
  days.addQueryItem(QStringLiteral("to"), d.toString(Qt::ISODate));
  api_.get(QStringLiteral("/v1/days"), days, [this, generation](const ApiReply& r) {
    if (generation != generation_) return;
    if (r.ok())
      days_body_ = r.body;
    else
      problem_ = r.problem();
    if (--pending_ == 0) finish();
  });
  QUrlQuery eps;
  eps.addQueryItem(QStringLiteral("from"), d.toString(Qt::ISODate));
  eps.addQueryItem(QStringLiteral("to"), d.toString(Qt::ISODate));
  eps.addQueryItem(QStringLiteral("limit"), QStringLiteral("10000"));
  api_.get(QStringLiteral("/v1/episodes"), eps, [this, generation](const ApiReply& r) {
    if (generation != generation_) return;
    if (r.ok())
      episodes_body_ = r.body;
    else
      problem_ = r.problem();
    if (--pending_ == 0) finish();
  });
}

void SittingView::finish() {
  loaded_ = true;
  if (!problem_.isEmpty()) {
    status_->setText(problem_ + tr(" - what was shown before is kept."));
    status_->setStyleSheet(QStringLiteral("QLabel{background:#fde0c5;color:#000;padding:6px}"));
    return;
  }
  status_->setStyleSheet({});
  const auto days = parse_days(std::string_view(days_body_.constData(), days_body_.size()));
  const auto eps =
      parse_episodes(std::string_view(episodes_body_.constData(), episodes_body_.size()));
  const nlohmann::json days_doc = nlohmann::json::parse(days_body_.toStdString(), nullptr, false);
  const double limit_s = days_doc.is_object() ? days_doc.value("bout_limit_s", 2700.0) : 2700.0;
  // The chair mat: the one with `sitting` presence episodes.
  std::string chair;
  for (const auto& e : eps.episodes) {
    if (e.stream == "presence" && (e.label == "sitting" || e.label == "away")) {
      chair = e.mat;
      break;
    }
  }
  // The day and its clock times in the gateway's zone (the days document's "tz"), which is the
  // zone the gateway cut the days in; this machine's zone only when the gateway does not say.
  const std::string tz = days_doc.is_object() && days_doc.contains("tz") && days_doc["tz"].is_string()
                             ? days_doc["tz"].get<std::string>()
                             : std::string();
  const QTimeZone zone = zone_or(tz, QTimeZone::systemTimeZone());
  const QDate d = date_->date();
  // The chair's 5-min posture bins of the day (GET /v1/posture), once per chair and date.
  const std::string posture_key = chair + "@" + d.toString(Qt::ISODate).toStdString();
  if (!chair.empty() && posture_key_ != posture_key) {
    posture_key_ = posture_key;
    posture_body_.clear();
    loaded_ = false;
    ++pending_;
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("mat"), QString::fromStdString(chair));
    q.addQueryItem(QStringLiteral("from"), d.toString(Qt::ISODate));
    q.addQueryItem(QStringLiteral("to"), d.toString(Qt::ISODate));
    q.addQueryItem(QStringLiteral("bin_s"), QString::number(kBinS));
    api_.get(QStringLiteral("/v1/posture"), q, [this, generation = generation_](const ApiReply& r) {
      if (generation != generation_) return;
      // A gateway without the endpoint (older) leaves the day chart empty, nothing else.
      posture_body_ = r.ok() ? r.body : QByteArray();
      if (--pending_ == 0) finish();
    });
    return;
  }
  const std::int64_t day_start = d.startOfDay(zone).toMSecsSinceEpoch() * 1000;
  const std::int64_t day_end = d.addDays(1).startOfDay(zone).toMSecsSinceEpoch() * 1000;
  bouts_ = 0;
  bouts_over_limit_ = 0;
  QStringList alert_lines;
  if (!chair.empty()) {
    const Timeline t = build_timeline(eps.episodes, chair, day_start, day_end);
    Lane sitting{tr("Sitting"), {}, QColor(0x00, 0x72, 0xB2)};
    Lane upright{tr("Upright"), {}, good_colour()};
    Lane slouched{tr("Slouched"), {}, warning_colour()};
    Lane leaning{tr("Leaning"), {}, QColor(0xE6, 0x9F, 0x00)};
    if (const auto it = t.streams.find("presence"); it != t.streams.end()) {
      for (const auto& b : it->second) {
        if (b.label != "sitting") continue;
        sitting.bands.push_back(b);
        ++bouts_;
        if (static_cast<double>(b.end_us - b.start_us) / 1e6 > limit_s) {
          ++bouts_over_limit_;
          alert_lines << tr("Sat %1 min without a break from %2")
                             .arg((b.end_us - b.start_us) / 60'000'000)
                             .arg(QDateTime::fromMSecsSinceEpoch(b.start_us / 1000, zone)
                                      .toString(QStringLiteral("HH:mm")));
        }
      }
    }
    if (const auto it = t.streams.find("position"); it != t.streams.end()) {
      for (const auto& b : it->second) {
        if (b.label == "upright")
          upright.bands.push_back(b);
        else if (b.label == "slouched")
          slouched.bands.push_back(b);
        else if (b.label.starts_with("leaning"))
          leaning.bands.push_back(b);
      }
    }
    // Wallet periods: bins where at least half the analysed frames found one.
    Lane wallet{tr("Wallet"), {}, QColor(0xCC, 0x79, 0xA7)};
    const auto bins =
        parse_posture(std::string_view(posture_body_.constData(), posture_body_.size())).rows;
    for (const auto& b : bins) {
      if (b.wallet_share && *b.wallet_share >= 0.5)
        wallet.bands.push_back(Band{b.start_us, b.start_us + kBinS * 1'000'000LL, "wallet"});
    }
    wallet_bands_ = static_cast<int>(wallet.bands.size());
    draw_day(bins, day_start, zone);
    timeline_->set_data(day_start, day_end, offset_function(zone),
                        {std::move(sitting), std::move(upright), std::move(slouched),
                         std::move(leaning), std::move(wallet)},
                        {});
  } else {
    timeline_->set_data(0, 0, [](std::int64_t) { return 0; }, {}, {});
    wallet_bands_ = 0;
    draw_day({}, day_start, zone);
  }
  timeline_->set_empty_text(tr("No sitting recorded on this day yet."));
  if (live_ != nullptr) {
    for (const auto& a : live_->alerts()) {
      alert_lines << tr("Live alert (%1): %2")
                         .arg(QString::fromStdString(a.mat), QString::fromStdString(a.text));
    }
  }
  alerts_->setText(alert_lines.isEmpty()
                       ? tr("No alerts: no sitting bout longer than %1 min.").arg(limit_s / 60)
                       : tr("Alerts: ") + alert_lines.join(QStringLiteral("; ")));
  alerts_->setStyleSheet(alert_lines.isEmpty()
                             ? QString()
                             : QStringLiteral("QLabel{background:#fff3cd;color:#000;padding:6px}"));
  // Two weeks of daily measures.
  chart_->removeAllSeries();
  for (auto* axis : chart_->axes()) chart_->removeAxis(axis);
  chart_points_ = 0;
  QStringList dates;
  auto* right_low = new QBarSet(tr("right side lower"));
  auto* left_low = new QBarSet(tr("left side lower"));
  auto* slouch = new QBarSet(tr("slouched"));
  auto* wallet = new QBarSet(tr("on a wallet"));
  right_low->setColor(QColor(0x56, 0xB4, 0xE9));
  left_low->setColor(QColor(0xE6, 0x9F, 0x00));
  slouch->setColor(warning_colour());
  wallet->setColor(QColor(0xCC, 0x79, 0xA7));
  auto* tilt = new QLineSeries();
  tilt->setName(tr("mean pelvic tilt, ° (+ = tilted back)"));
  tilt->setColor(Qt::black);
  for (int i = 13; i >= 0; --i) {
    const std::string date = d.addDays(-i).toString(Qt::ISODate).toStdString();
    dates << d.addDays(-i).toString(QStringLiteral("d/M"));
    const SittingDay* day = nullptr;
    for (const auto& row : days.rows) {
      if (row.date == date) day = &row;
    }
    *right_low << (day ? day->oblique_right_low_s / 60 : 0);
    *left_low << (day ? day->oblique_left_low_s / 60 : 0);
    *slouch << (day ? day->slouched_s / 60 : 0);
    *wallet << (day ? day->wallet_min : 0);
    if (day && day->posterior_tilt_mean_deg) {
      tilt->append(13 - i, *day->posterior_tilt_mean_deg);
      ++chart_points_;
    }
    if (day) ++chart_points_;
  }
  auto* series = new QBarSeries();
  series->append({right_low, left_low, slouch, wallet});
  chart_->addSeries(series);
  chart_->addSeries(tilt);
  auto* cats = new QBarCategoryAxis();
  cats->append(dates);
  auto* minutes = new QValueAxis();
  minutes->setTitleText(tr("minutes"));
  minutes->setLabelFormat(QStringLiteral("%d"));
  minutes->setMin(0);
  auto* degrees = new QValueAxis();
  degrees->setTitleText(tr("tilt °"));
  degrees->setRange(-20, 20);
  degrees->setLabelFormat(QStringLiteral("%d"));
  auto* index = new QValueAxis();
  index->setRange(-0.5, 13.5);
  index->setVisible(false);
  chart_->addAxis(cats, Qt::AlignBottom);
  chart_->addAxis(minutes, Qt::AlignLeft);
  chart_->addAxis(degrees, Qt::AlignRight);
  chart_->addAxis(index, Qt::AlignTop);
  series->attachAxis(cats);
  series->attachAxis(minutes);
  minutes->applyNiceNumbers();  // round minutes (0, 20, 40 …), not the tallest bar's value
  tilt->attachAxis(index);
  tilt->attachAxis(degrees);
  const SittingDay* today = nullptr;
  for (const auto& row : days.rows) {
    if (row.date == d.toString(Qt::ISODate).toStdString()) today = &row;
  }
  if (today != nullptr) {
    status_->setText(tr("%1: sat %2 h %3 min in %4 bouts (longest %5 min). Pelvis lower on the "
                        "right %6 min, on the left %7 min; wallet %8 min.")
                         .arg(d.toString(QStringLiteral("ddd d MMM")))
                         .arg(static_cast<int>(today->sitting_s / 3600))
                         .arg(static_cast<int>(today->sitting_s / 60) % 60)
                         .arg(today->bouts)
                         .arg(static_cast<int>(today->longest_bout_s / 60))
                         .arg(static_cast<int>(today->oblique_right_low_s / 60))
                         .arg(static_cast<int>(today->oblique_left_low_s / 60))
                         .arg(today->wallet_min, 0, 'f', 0));
  } else {
    status_->setText(
        tr("No sitting data for %1 yet.").arg(d.toString(QStringLiteral("ddd d MMM"))));
  }
}

void SittingView::draw_day(const std::vector<PostureBin>& bins, std::int64_t day_start_us,
                           const QTimeZone& zone) {
  day_chart_->removeAllSeries();
  for (auto* axis : day_chart_->axes()) day_chart_->removeAxis(axis);
  auto* obliquity = new QScatterSeries();
  obliquity->setName(tr("obliquity (+ = right side lower)"));
  obliquity->setColor(QColor(0x00, 0x72, 0xB2));
  obliquity->setMarkerSize(6);
  auto* tilt = new QScatterSeries();
  tilt->setName(tr("tilt (+ = tilted back)"));
  tilt->setColor(Qt::black);
  tilt->setMarkerSize(6);
  double lo = -10;
  double hi = 10;
  for (const auto& b : bins) {
    if (b.frames <= 0) continue;
    // Local clock hours since the day's midnight (a DST day keeps its clock hours).
    const double offset_h = (zone.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(
                                 b.start_us / 1000, QTimeZone::utc())) -
                             zone.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(
                                 day_start_us / 1000, QTimeZone::utc()))) /
                            3600.0;
    const double h = static_cast<double>(b.start_us - day_start_us) / 3.6e9 + offset_h +
                     kBinS / 7200.0;  // the bin's middle
    if (b.obliquity_deg) {
      obliquity->append(h, *b.obliquity_deg);
      lo = std::min(lo, *b.obliquity_deg);
      hi = std::max(hi, *b.obliquity_deg);
    }
    if (b.tilt_deg) {
      tilt->append(h, *b.tilt_deg);
      lo = std::min(lo, *b.tilt_deg);
      hi = std::max(hi, *b.tilt_deg);
    }
  }
  day_points_ = static_cast<int>(obliquity->count());
  day_chart_->addSeries(obliquity);
  day_chart_->addSeries(tilt);
  auto* hours = new QValueAxis();
  hours->setRange(0, 24);
  hours->setTickCount(9);  // every 3 h
  hours->setLabelFormat(QStringLiteral("%d:00"));
  auto* degrees = new QValueAxis();
  // Ticks on whole multiples of 5° or 10° (a -25..25 axis with five ticks labelled 12.5 as "12").
  const double step = hi - lo <= 30 ? 5 : 10;
  const double bottom = std::floor(lo / step) * step;
  const double top = std::ceil(hi / step) * step;
  degrees->setRange(bottom, top);
  degrees->setTickCount(static_cast<int>(std::lround((top - bottom) / step)) + 1);
  degrees->setLabelFormat(QStringLiteral("%d"));
  degrees->setTitleText(tr("°"));
  day_chart_->addAxis(hours, Qt::AlignBottom);
  day_chart_->addAxis(degrees, Qt::AlignLeft);
  for (auto* s : {obliquity, tilt}) {
    s->attachAxis(hours);
    s->attachAxis(degrees);
  }
}

QJsonObject SittingView::facts() const {
  QJsonObject o;
  o["day_points"] = day_points_;
  o["wallet_bands"] = wallet_bands_;
  o["bands"] = static_cast<int>(timeline_->band_count());
  o["bouts"] = bouts_;
  o["bouts_over_limit"] = bouts_over_limit_;
  o["chart_points"] = chart_points_;
  o["status_text"] = status_->text();
  o["alerts_text"] = alerts_->text();
  return o;
}

}  // namespace pmap::dashboard::app
