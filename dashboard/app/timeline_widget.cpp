#include "timeline_widget.hpp"

#include <QPainter>
#include <algorithm>

namespace pmap::dashboard::app {

namespace {
constexpr int kLaneHeight = 24;
constexpr int kTitleWidth = 110;
constexpr int kAxisHeight = 22;
}  // namespace

TimelineWidget::TimelineWidget(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void TimelineWidget::set_data(std::int64_t start_us, std::int64_t end_us,
                              std::function<int(std::int64_t)> utc_offset_at,
                              std::vector<Lane> lanes, std::vector<Marker> markers) {
  start_us_ = start_us;
  end_us_ = end_us;
  utc_offset_at_ = std::move(utc_offset_at);
  lanes_ = std::move(lanes);
  markers_ = std::move(markers);
  updateGeometry();
  setFixedHeight(sizeHint().height());
  update();
}

void TimelineWidget::set_empty_text(const QString& text) {
  empty_text_ = text;
  update();
}

std::size_t TimelineWidget::band_count() const {
  std::size_t n = 0;
  for (const auto& l : lanes_) n += l.bands.size();
  return n;
}

QSize TimelineWidget::sizeHint() const {
  return {600, std::max<int>(3, static_cast<int>(lanes_.size())) * kLaneHeight + kAxisHeight + 8};
}

void TimelineWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  if (lanes_.empty() || end_us_ <= start_us_ || band_count() == 0) {
    p.setPen(palette().text().color());
    p.drawText(rect(), Qt::AlignCenter, empty_text_);
    return;
  }
  const QRect plot(kTitleWidth, 4, width() - kTitleWidth - 12,
                   static_cast<int>(lanes_.size()) * kLaneHeight);
  const double span = static_cast<double>(end_us_ - start_us_);
  auto x_of = [&](std::int64_t us) {
    return plot.left() + plot.width() * (static_cast<double>(us - start_us_) / span);
  };
  // Hour grid and labels.
  const int max_ticks = std::max(2, plot.width() / 60);
  p.setPen(palette().mid().color());
  for (const auto& tick : time_ticks(start_us_, end_us_, utc_offset_at_, max_ticks)) {
    const double x = x_of(tick.at_us);
    p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom() + 4));
    p.drawText(QRectF(x - 30, plot.bottom() + 4, 60, kAxisHeight - 4), Qt::AlignCenter,
               QString::fromStdString(tick.label));
  }
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const auto& lane = lanes_[i];
    const int top = plot.top() + static_cast<int>(i) * kLaneHeight;
    p.setPen(palette().text().color());
    p.drawText(QRect(4, top, kTitleWidth - 8, kLaneHeight), Qt::AlignVCenter | Qt::AlignRight,
               lane.title);
    for (const auto& b : lane.bands) {
      const double x0 = x_of(b.start_us);
      const double x1 = std::max(x0 + 1.0, x_of(b.end_us));
      p.fillRect(QRectF(x0, top + 3, x1 - x0, kLaneHeight - 6), lane.colour);
    }
    p.setPen(palette().mid().color());
    p.drawLine(plot.left(), top + kLaneHeight, plot.right(), top + kLaneHeight);
  }
  // Markers: turns as thin ticks on the axis, exits as dark lines with a triangle across the plot.
  for (const auto& m : markers_) {
    const double x = x_of(m.at_us);
    if (m.what == "exit") {
      p.setPen(QPen(QColor(0, 0, 0), 2));
      p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
      QPolygonF tri;
      tri << QPointF(x - 5, plot.top()) << QPointF(x + 5, plot.top()) << QPointF(x, plot.top() + 8);
      p.setBrush(Qt::black);
      p.drawPolygon(tri);
    } else {
      // Below the lanes, on the axis: at the top they would read as an "out of bed" band.
      p.setPen(QPen(palette().text().color(), 1));
      p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 5));
    }
  }
}

}  // namespace pmap::dashboard::app
