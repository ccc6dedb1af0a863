#include "night_view.hpp"

#include <algorithm>
#include <cmath>

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QTimeZone>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <QValueAxis>

#include "palette.hpp"
#include "pmap/dashboard/timeline.hpp"
#include "timeline_widget.hpp"

namespace pmap::dashboard::app {

namespace {
QString hours(double seconds) {
  const int minutes = static_cast<int>(seconds / 60 + 0.5);
  return QStringLiteral("%1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'));
}
}  // namespace

NightView::NightView(ApiClient& api, QDate date, QWidget* parent) : View(parent), api_(api) {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout();
  auto* prev = new QPushButton(tr("◀ Previous night"), this);
  auto* next = new QPushButton(tr("Next night ▶"), this);
  date_ = new QDateEdit(date, this);
  date_->setCalendarPopup(true);
  date_->setObjectName(QStringLiteral("night_date"));
  date_->setDisplayFormat(QStringLiteral("ddd d MMM yyyy"));
  date_->setToolTip(tr("The morning the night ended (wake-up date)"));
  auto* label = new QLabel(tr("Night ending on the &morning of"), this);
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
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  summary_->setTextFormat(Qt::RichText);
  layout->addWidget(summary_);
  timeline_ = new TimelineWidget(this);
  layout->addWidget(timeline_);
  bars_ = new QChart();
  bars_->setTitle(tr("Hours in each position"));
  bars_->legend()->hide();
  layout->addWidget(new_chart_view(bars_, this, 200), 1);
  connect_day_stepper(prev, next, date_);
  connect(date_, &QDateEdit::dateChanged, this, &NightView::refresh);
}

void NightView::show_problem(const QString& text) {
  status_->setText(text);
  status_->setStyleSheet(QStringLiteral("QLabel{background:#fde0c5;color:#000;padding:6px}"));
}

void NightView::refresh() {
  const int generation = ++generation_;
  const QString day = date_->date().toString(Qt::ISODate);
  loaded_ = false;
  pending_ = 1;
  clock_.start();
  status_->setText(tr("Loading the night to %1…").arg(day));
  status_->setStyleSheet({});
  QUrlQuery q;
  q.addQueryItem(QStringLiteral("from"), day);
  q.addQueryItem(QStringLiteral("to"), day);
  api_.get(QStringLiteral("/v1/nights"), q, [this, generation, day](const ApiReply& r) {
    if (generation != generation_) return;  // the person picked another night meanwhile
    if (!r.ok()) {
      pending_ = 0;
      loaded_ = true;
      show_problem(r.problem() + tr(" - the night shown before (if any) is kept."));
      return;
    }
    const auto nights = parse_nights(std::string_view(r.body.constData(), r.body.size()));
    if (!nights.error.empty() || nights.rows.empty()) {
      pending_ = 0;
      loaded_ = true;
      summary_->clear();
      timeline_->set_data(0, 0, 0, {}, {});
      timeline_->set_empty_text(tr("No data for this night yet."));
      bars_->removeAllSeries();
      bar_series_ = nullptr;
      bar_labels_.clear();
      status_->setText(nights.error.empty()
                           ? tr("No data for the night to %1 yet. Was the bed mat on?").arg(day)
                           : tr("The gateway's answer was not understood: %1")
                                 .arg(QString::fromStdString(nights.error)));
      return;
    }
    const NightSummary night = nights.rows.front();
    QUrlQuery q2;
    q2.addQueryItem(QStringLiteral("mat"), QString::fromStdString(night.mat));
    q2.addQueryItem(QStringLiteral("from"), date_->date().addDays(-1).toString(Qt::ISODate));
    q2.addQueryItem(QStringLiteral("to"), day);
    q2.addQueryItem(QStringLiteral("limit"), QStringLiteral("10000"));
    api_.get(QStringLiteral("/v1/episodes"), q2, [this, generation, night](const ApiReply& r2) {
      if (generation != generation_) return;
      pending_ = 0;
      loaded_ = true;
      if (!r2.ok()) {
        show_problem(r2.problem());
        return;
      }
      show_night(night, r2.body);
    });
  });
}

void NightView::show_night(const NightSummary& night, const QByteArray& body) {
  // The gateway's zone for clock times (a night across a DST change is labelled right after it);
  // the offset at the night's start when the zone is unknown.
  const QTimeZone zone = zone_or(night.tz, QTimeZone(night.utc_offset_s));
  const auto offset_at = offset_function(zone);
  const auto episodes = parse_episodes(std::string_view(body.constData(), body.size()));
  const Timeline t = build_timeline(episodes.episodes, night.mat, night.start_us, night.end_us);
  std::vector<Lane> lanes;
  for (int row = 0; row < kPositionRows; ++row) {
    Lane lane;
    lane.title = QString::fromUtf8(position_row_name(row).data(),
                                   static_cast<int>(position_row_name(row).size()));
    for (const auto& [stream, bands] : t.streams) {
      if (stream != "position" && !(stream == "presence" && row == 0)) continue;
      for (const auto& b : bands) {
        if (position_row(b.label) == row) lane.bands.push_back(b);
      }
    }
    lane.colour = category_colour(row == 0   ? QStringLiteral("out_of_bed")
                                  : row == 1 ? QStringLiteral("right")
                                  : row == 2 ? QStringLiteral("supine")
                                  : row == 3 ? QStringLiteral("left")
                                  : row == 4 ? QStringLiteral("prone")
                                             : QStringLiteral("unknown"));
    lanes.push_back(std::move(lane));
  }
  Lane pillow{tr("Knee pillow"), {}, good_colour()};
  Lane slipped{tr("Pillow slipped"), {}, warning_colour()};
  Lane supported{tr("Knees supported"), {}, good_colour()};
  Lane flat{tr("Knees flat"), {}, category_colour(QStringLiteral("flat"))};
  if (const auto it = t.streams.find("knee"); it != t.streams.end()) {
    for (const auto& b : it->second) {
      if (b.label == "aligned") pillow.bands.push_back(b);
      if (b.label == "dropped") slipped.bands.push_back(b);
      if (b.label == "flexed_supported") supported.bands.push_back(b);
      if (b.label == "flat") flat.bands.push_back(b);
    }
  }
  for (auto* lane : {&pillow, &slipped, &supported, &flat}) lanes.push_back(std::move(*lane));
  timeline_->set_data(night.start_us, night.end_us, offset_at, std::move(lanes), t.markers);
  timeline_->set_empty_text(tr("The night has a summary but no episodes."));

  // Hours per position.
  bars_->removeAllSeries();
  for (auto* axis : bars_->axes()) bars_->removeAxis(axis);
  bar_series_ = new QBarSeries();
  auto* set = new QBarSet(tr("hours"));
  set->setColor(QColor(0x00, 0x72, 0xB2));
  bar_labels_.clear();
  double longest_h = 0;
  for (const auto& [label, name] : {std::pair{"supine", "Back"},
                                    {"left", "Left side"},
                                    {"right", "Right side"},
                                    {"prone", "Front"}}) {
    const auto it = night.position_s.find(label);
    const double h = it == night.position_s.end() ? 0.0 : it->second / 3600.0;
    longest_h = std::max(longest_h, h);
    *set << h;
    bar_labels_ << tr(name);
  }
  bar_series_->append(set);
  bar_series_->setLabelsVisible(true);
  bar_series_->setLabelsFormat(QStringLiteral("@value h"));
  bar_series_->setLabelsPrecision(2);
  bars_->addSeries(bar_series_);
  auto* cats = new QBarCategoryAxis();
  cats->append(bar_labels_);
  auto* values = new QValueAxis();
  values->setTitleText(tr("hours"));
  // Whole hours on the axis (0, 1, 2 … h), with room above the longest bar for its label.
  const int top_h = std::max(1, static_cast<int>(std::ceil(longest_h + 0.05)));
  values->setRange(0, top_h);
  values->setTickCount(top_h + 1);
  values->setLabelFormat(QStringLiteral("%d"));
  bars_->addAxis(cats, Qt::AlignBottom);
  bars_->addAxis(values, Qt::AlignLeft);
  bar_series_->attachAxis(cats);
  bar_series_->attachAxis(values);

  QString text =
      tr("<b>In bed %1</b> (%2 → %3). %4 %5, out of bed %6.")
          .arg(hours(night.time_in_bed_s))
          .arg(QDateTime::fromMSecsSinceEpoch(night.start_us / 1000, zone)
                   .toString(QStringLiteral("HH:mm")))
          .arg(QDateTime::fromMSecsSinceEpoch(night.end_us / 1000, zone)
                   .toString(QStringLiteral("HH:mm")))
          .arg(night.turns)
          .arg(night.turns == 1 ? tr("turn") : tr("turns"))
          .arg(night.bed_exits == 0   ? tr("never")
               : night.bed_exits == 1 ? tr("once")
                                      : tr("%1 times").arg(night.bed_exits));
  if (night.side_knee_aligned_share) {
    text += tr(" On your side, the knee pillow was in place %1 % of the time (%2 slips).")
                .arg(std::lround(*night.side_knee_aligned_share * 100))
                .arg(night.pillow_slips);
  }
  if (night.supine_knees_supported_s + night.supine_knees_flat_s > 0) {
    text += tr(" On your back, knees supported %1, flat %2.")
                .arg(hours(night.supine_knees_supported_s), hours(night.supine_knees_flat_s));
  }
  if (night.setup) text += tr(" Pillow setup: %1.").arg(QString::fromStdString(*night.setup));
  summary_->setText(text);
  open_ms_ = clock_.elapsed();
  status_->setText(
      tr("Night to %1, mat %2 — lanes show where you lay; ▼ marks getting out of bed, "
         "short ticks mark turns.")
          .arg(QString::fromStdString(night.wake_date), QString::fromStdString(night.mat)));
  if (episodes.truncated) status_->setText(status_->text() + tr(" (more episodes than shown)"));
}

QJsonObject NightView::facts() const {
  QJsonObject o;
  o["bands"] = static_cast<int>(timeline_->band_count());
  o["markers"] = static_cast<int>(timeline_->marker_count());
  o["bars"] = QJsonArray::fromStringList(bar_labels_);
  QJsonArray values;
  if (bar_series_ != nullptr && !bar_series_->barSets().isEmpty()) {
    const auto* set = bar_series_->barSets().front();
    for (int i = 0; i < set->count(); ++i) values.append(set->at(i));
  }
  o["bar_hours"] = values;
  o["summary_text"] = summary_->text();
  o["status_text"] = status_->text();
  o["open_ms"] = open_ms_;
  return o;
}

}  // namespace pmap::dashboard::app
