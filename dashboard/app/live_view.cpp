#include "live_view.hpp"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QLineSeries>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

#include "heatmap_widget.hpp"

namespace pmap::dashboard::app {

struct LiveView::Panel {
  QGroupBox* box = nullptr;
  HeatmapWidget* heatmap = nullptr;
  QLabel* position = nullptr;
  QLabel* detail = nullptr;
  QLabel* link = nullptr;
  QChart* chart = nullptr;
  QLineSeries* load = nullptr;
  QLineSeries* cop = nullptr;
  QValueAxis* x = nullptr;
  QValueAxis* y_load = nullptr;
  QValueAxis* y_cop = nullptr;
  std::int64_t drawn_history_ts = -1;
};

LiveView::LiveView(Mailbox& mailbox, PressureUnit unit, QWidget* parent)
    : View(parent), mailbox_(mailbox), unit_(unit) {
  auto* outer = new QVBoxLayout(this);
  broker_label_ = new QLabel(tr("Connecting to the broker…"), this);
  broker_label_->setWordWrap(true);
  outer->addWidget(broker_label_);
  alerts_label_ = new QLabel(this);
  alerts_label_->setWordWrap(true);
  alerts_label_->setStyleSheet(
      QStringLiteral("QLabel{background:#fff3cd;color:#000;padding:6px;border:1px solid #D55E00}"));
  alerts_label_->hide();
  outer->addWidget(alerts_label_);
  empty_label_ = new QLabel(
      tr("No mat has sent anything yet. Check that the mats and the gateway are on; their data "
         "appears here within seconds."),
      this);
  empty_label_->setWordWrap(true);
  empty_label_->setAlignment(Qt::AlignCenter);
  outer->addWidget(empty_label_);
  auto* holder = new QWidget(this);
  grid_ = new QGridLayout(holder);
  grid_->setContentsMargins(0, 0, 0, 0);
  auto* scroll = new QScrollArea(this);
  scroll->setObjectName(QStringLiteral("live_mats"));  // on the Tab chain: arrows scroll the mats
  scroll->setWidgetResizable(true);
  scroll->setWidget(holder);
  scroll->setFrameShape(QFrame::NoFrame);
  outer->addWidget(scroll, 1);
  // At most ~30 redraws per second whatever the mats send: the mailbox keeps the newest frame.
  timer_.setInterval(33);
  connect(&timer_, &QTimer::timeout, this, &LiveView::tick);
  timer_.start();
}

LiveView::~LiveView() = default;

bool LiveView::ready() const {
  if (panels_.empty()) return false;
  for (const auto& [id, m] : model_.mats()) {
    // A screenshot shows the frame rate measured, not "measuring".
    if (!m.canonical_frame || !m.state || m.frame_rate_hz < 0) return false;
  }
  return true;
}

void LiveView::set_broker_state(bool connected, const QString& detail) {
  broker_connected_ = connected;
  if (connected) {
    broker_label_->setText(tr("Live data: %1").arg(detail));
    broker_label_->setStyleSheet({});
  } else {
    broker_label_->setText(tr("Broker unreachable - reconnecting… (%1). The last picture stays "
                              "on screen.")
                               .arg(detail));
    broker_label_->setStyleSheet(
        QStringLiteral("QLabel{background:#fde0c5;color:#000;padding:6px;font-weight:bold}"));
  }
}

void LiveView::set_unit(PressureUnit unit) {
  unit_ = unit;
  for (auto& [id, p] : panels_) p->heatmap->set_unit(unit);
}

LiveView::Panel& LiveView::panel(const std::string& mat) {
  auto& slot = panels_[mat];
  if (slot) return *slot;
  slot = std::make_unique<Panel>();
  Panel& p = *slot;
  p.box = new QGroupBox(QString::fromStdString(mat), this);
  auto* layout = new QGridLayout(p.box);
  p.heatmap = new HeatmapWidget(unit_, p.box);
  layout->addWidget(p.heatmap, 0, 0, 4, 1);
  p.position = new QLabel(p.box);
  QFont big = p.position->font();
  big.setPointSizeF(big.pointSizeF() * 1.35);
  big.setBold(true);
  p.position->setFont(big);
  p.position->setWordWrap(true);
  p.detail = new QLabel(p.box);
  p.detail->setWordWrap(true);
  p.link = new QLabel(p.box);
  // The mat's link (online, frames/s, bad messages) first: squeezed windows shrink the chart,
  // never this line.
  layout->addWidget(p.link, 0, 1);
  layout->addWidget(p.position, 1, 1);
  layout->addWidget(p.detail, 2, 1);
  p.chart = new QChart();
  // No legend (it took a quarter of a small chart): the axis titles name the lines in their
  // colours.
  p.chart->legend()->hide();
  p.chart->setMargins(QMargins(2, 2, 2, 2));
  p.load = new QLineSeries();
  p.load->setName(tr("load (N)"));
  p.load->setColor(QColor(0x00, 0x72, 0xB2));
  p.cop = new QLineSeries();
  p.cop->setName(tr("centre of pressure, row"));
  p.cop->setColor(QColor(0xE6, 0x9F, 0x00));
  p.chart->addSeries(p.load);
  p.chart->addSeries(p.cop);
  p.x = new QValueAxis();
  p.x->setTitleText(tr("minutes ago"));
  p.x->setRange(-10, 0);
  p.x->setTickCount(6);  // -10, -8 … 0: every label is the minute under its tick
  p.x->setLabelFormat(QStringLiteral("%d"));
  p.y_load = new QValueAxis();
  p.y_load->setLabelFormat(QStringLiteral("%d"));
  p.y_load->setTickCount(3);
  p.y_load->setTitleText(tr("load, N"));
  p.y_load->setTitleBrush(QColor(0x00, 0x72, 0xB2));
  p.y_load->setLabelsColor(QColor(0x00, 0x72, 0xB2));
  p.y_cop = new QValueAxis();
  p.y_cop->setLabelFormat(QStringLiteral("%d"));
  p.y_cop->setTickCount(3);
  p.y_cop->setTitleText(tr("centre, row"));
  p.y_cop->setTitleBrush(QColor(0xB0, 0x6E, 0x00));
  p.y_cop->setLabelsColor(QColor(0xB0, 0x6E, 0x00));
  p.chart->addAxis(p.x, Qt::AlignBottom);
  p.chart->addAxis(p.y_load, Qt::AlignLeft);
  p.chart->addAxis(p.y_cop, Qt::AlignRight);
  p.load->attachAxis(p.x);
  p.load->attachAxis(p.y_load);
  p.cop->attachAxis(p.x);
  p.cop->attachAxis(p.y_cop);
  auto* view = new_chart_view(p.chart, p.box, 170);
  // The heatmap and the chart take the height the window gives (not their size hints), so one or
  // two rows of mats fit 1366 x 768 without scrolling.
  view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
  p.heatmap->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
  p.heatmap->setMinimumHeight(160);
  view->setRenderHint(QPainter::Antialiasing);
  layout->addWidget(view, 3, 1);
  layout->setRowStretch(3, 1);  // the chart takes what is left, the text rows keep their height
  view->setMinimumHeight(150);
  layout->setColumnStretch(0, 2);
  layout->setColumnStretch(1, 3);
  const int index = static_cast<int>(panels_.size()) - 1;
  grid_->addWidget(p.box, index / 2, index % 2);
  empty_label_->hide();
  return p;
}

void LiveView::tick() {
  auto batch = mailbox_.take();
  if (batch.messages.empty() && batch.frames_arrived.empty() && model_.mats().empty()) return;
  const auto now = std::chrono::steady_clock::now();
  const auto changed = model_.apply(batch, now);
  for (const auto& [id, m] : model_.mats()) {
    const bool was_changed = std::find(changed.begin(), changed.end(), id) != changed.end();
    Panel& p = panel(id);
    if (was_changed && m.meta && m.canonical_frame)
      p.heatmap->set_frame(*m.meta, *m.canonical_frame);
    update_panel(p, m, was_changed);
  }
  if (!model_.alerts().empty()) {
    QStringList lines;
    for (auto it = model_.alerts().rbegin(); it != model_.alerts().rend() && lines.size() < 3;
         ++it) {
      lines << QStringLiteral("%1: %2").arg(QString::fromStdString(it->mat),
                                            QString::fromStdString(it->text));
    }
    alerts_label_->setText(lines.join('\n'));
    alerts_label_->show();
  }
}

void LiveView::update_panel(Panel& p, const MatLive& m, bool changed) {
  const QString status = m.status == "online"    ? tr("mat online")
                         : m.status == "offline" ? tr("mat OFFLINE")
                                                 : tr("mat status unknown");
  std::uint64_t rejected = 0;
  for (const auto& [reason, n] : m.rejected) rejected += n;
  p.link->setText(tr("%1 · %2 · %3 bad messages")
                      .arg(status)
                      .arg(m.frame_rate_hz < 0 ? tr("measuring frames/s")
                                               : tr("%1 frames/s").arg(m.frame_rate_hz, 0, 'f', 1))
                      .arg(rejected));
  if (!changed) return;
  p.heatmap->set_state(m.state);
  if (!m.state) {
    p.position->setText(tr("No analysis yet"));
    return;
  }
  const MatState& s = *m.state;
  QString words = QString::fromStdString(describe_position(s));
  if (s.position_confidence && s.occupied && s.kind == "bed") {
    words += tr(" (%1 % sure)").arg(std::lround(*s.position_confidence * 100));
  }
  p.position->setText(words);
  QStringList detail;
  if (const auto knees = describe_knees(s); !knees.empty()) {
    detail << QString::fromStdString(knees);
  }
  if (s.pelvic_roll_deg && s.occupied) {
    detail << tr("Pelvic roll %1°").arg(*s.pelvic_roll_deg, 0, 'f', 1);
  }
  if (const auto pelvis = describe_pelvis(s); !pelvis.empty()) {
    detail << QString::fromStdString(pelvis);
  }
  if (s.force_n && s.occupied) {
    detail << tr("Load %1 N (about %2 kg)%3")
                  .arg(*s.force_n, 0, 'f', 0)
                  .arg(*s.force_n / 9.81, 0, 'f', 0)
                  .arg(s.calibrated ? QString() : tr(", uncalibrated"));
  }
  if (s.axis_deg && s.occupied) detail << tr("Body axis %1°").arg(*s.axis_deg, 0, 'f', 1);
  p.detail->setText(detail.join('\n'));
  // The chart is rebuilt from the model's history only when a new state arrived (1 Hz).
  if (m.history.empty() || m.history.back().ts_us == p.drawn_history_ts) return;
  p.drawn_history_ts = m.history.back().ts_us;
  QList<QPointF> load, cop;
  double max_load = 10, max_row = 1;
  const double now_us = static_cast<double>(m.history.back().ts_us);
  for (const auto& h : m.history) {
    const double minutes = (h.ts_us - now_us) / 60e6;
    if (minutes < -10) continue;
    load.append(QPointF(minutes, h.force_n.value_or(0)));
    max_load = std::max(max_load, h.force_n.value_or(0));
    if (h.cop) {
      cop.append(QPointF(minutes, h.cop->row));
      max_row = std::max(max_row, h.cop->row);
    }
  }
  p.load->replace(load);
  p.cop->replace(cop);
  p.y_load->setRange(0, nice_ceiling(max_load));
  p.y_cop->setRange(0, m.meta ? m.meta->rows : nice_ceiling(max_row));
}

QJsonObject LiveView::facts() const {
  QJsonObject out;
  QJsonArray mats;
  for (const auto& [id, p] : panels_) {
    const auto& m = model_.mats().at(id);
    QJsonObject o;
    o["mat"] = QString::fromStdString(id);
    o["heatmap_drawn"] = p->heatmap->has_image();
    o["overlays"] = p->heatmap->overlay_count();
    o["legend_unit"] = p->heatmap->legend_text();
    o["position_text"] = p->position->text();
    o["detail_text"] = p->detail->text();
    o["link_text"] = p->link->text();
    o["load_points"] = static_cast<int>(p->load->count());
    o["cop_points"] = static_cast<int>(p->cop->count());
    o["frames"] = static_cast<qint64>(m.frames);
    o["frame_rate_hz"] = m.frame_rate_hz;
    mats.append(o);
  }
  out["mats"] = mats;
  out["broker_text"] = broker_label_->text();
  out["broker_connected"] = broker_connected_;
  out["coalesced_frames"] = static_cast<qint64>(model_.coalesced_frames());
  return out;
}

}  // namespace pmap::dashboard::app
