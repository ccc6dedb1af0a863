#include "heatmap_widget.hpp"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace pmap::dashboard::app {

HeatmapWidget::HeatmapWidget(PressureUnit unit, QWidget* parent) : QWidget(parent), unit_(unit) {
  setAttribute(Qt::WA_OpaquePaintEvent);
  setFocusPolicy(Qt::NoFocus);
}

void HeatmapWidget::set_unit(PressureUnit unit) {
  unit_ = unit;
  if (mat_) {
    const auto per_count = mmhg_per_count(*mat_);
    counts_ = !per_count.has_value();
    full_scale_ =
        counts_ ? mat_->full_scale_counts : from_mmhg(*per_count * mat_->full_scale_counts, unit_);
    legend_ = counts_ ? QStringLiteral("raw counts (no pressure scale)")
                      : QString::fromUtf8(unit_label(unit_).data(), unit_label(unit_).size());
  }
  update();
}

void HeatmapWidget::set_frame(const MatDescriptor& mat, const PressureFrame& canonical) {
  if (!mat_ || mat_->full_scale_counts != mat.full_scale_counts ||
      mat_->nominal_full_scale_mmhg != mat.nominal_full_scale_mmhg) {
    mat_ = mat;
    set_unit(unit_);
  }
  mat_ = mat;
  if (image_.width() != canonical.cols || image_.height() != canonical.rows) {
    image_ = QImage(canonical.cols, canonical.rows, QImage::Format_RGB32);
  }
  // The colour scale is the mat's full scale: fixed, so the same colour means the same pressure
  // from frame to frame and between mornings.
  const double inv = mat.full_scale_counts > 0 ? 255.0 / mat.full_scale_counts : 0.0;
  for (int r = 0; r < canonical.rows; ++r) {
    auto* line = reinterpret_cast<std::uint32_t*>(image_.scanLine(r));
    const std::uint16_t* src = canonical.values.data() + std::size_t(r) * canonical.cols;
    for (int c = 0; c < canonical.cols; ++c) {
      const double index = std::min(255.0, src[c] * inv);
      line[c] = table_.argb(static_cast<std::uint8_t>(index + 0.5));
    }
  }
  update();
}

void HeatmapWidget::set_state(const std::optional<MatState>& state) {
  state_ = state;
  update();
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().window());
  overlays_ = 0;
  const int legend_w = 58;
  const QRect area = rect().adjusted(2, 2, -legend_w, -2);
  if (image_.isNull()) {
    p.setPen(palette().text().color());
    p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap,
               tr("Waiting for the first frame of this mat…"));
    return;
  }
  // Keep taxels square to the mat's pitch, fit in the area, head/back at the top.
  const double pitch_ratio =
      mat_ && mat_->col_pitch_mm > 0 ? mat_->row_pitch_mm / mat_->col_pitch_mm : 1.0;
  const double want_w = image_.width();
  const double want_h = image_.height() * pitch_ratio;
  const double scale = std::min(area.width() / want_w, area.height() / want_h);
  const QRectF target(area.x() + (area.width() - want_w * scale) / 2, area.y(), want_w * scale,
                      want_h * scale);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);  // taxels are cells, not a photo
  p.drawImage(target, image_);

  const double cell_w = target.width() / image_.width();
  const double cell_h = target.height() / image_.height();
  auto to_px = [&](const TaxelPoint& t) {
    return QPointF(target.x() + (t.col + 0.5) * cell_w, target.y() + (t.row + 0.5) * cell_h);
  };
  p.setRenderHint(QPainter::Antialiasing, true);
  if (state_ && state_->occupied) {
    // Overlays in white with a dark outline: readable on both ends of the ramp.
    auto outlined = [&](const auto& draw) {
      p.setPen(QPen(QColor(0, 0, 0, 200), 4));
      draw();
      p.setPen(QPen(Qt::white, 2));
      draw();
    };
    if (state_->cop) {
      const QPointF c = to_px(*state_->cop);
      if (state_->axis_deg) {
        // Body axis: the head-foot line through the centre of pressure, axis_deg from the mat's
        // long axis.
        const double a = *state_->axis_deg * std::numbers::pi / 180.0;
        const double len = target.height() * 0.45;
        const QPointF d(std::sin(a) * len, std::cos(a) * len);
        outlined([&] { p.drawLine(c - d, c + d); });
        ++overlays_;
      }
      outlined([&] {
        p.drawEllipse(c, 7, 7);
        p.drawLine(c + QPointF(-11, 0), c + QPointF(11, 0));
        p.drawLine(c + QPointF(0, -11), c + QPointF(0, 11));
      });
      ++overlays_;
    }
    // Bed landmarks (head, shoulders, pelvis, knees, heels): a dot and a short name. Curled up
    // (fetal), pelvis and knees lie close together: a name goes right of its dot, else left of
    // it, else (both would cover a name already written) only the dot is drawn.
    std::vector<QRectF> names;
    const QFontMetricsF metrics(p.font());
    for (const auto& [name, at] : state_->landmarks) {
      const QPointF c = to_px(at);
      outlined([&] { p.drawEllipse(c, 3.5, 3.5); });
      const QString text = QString::fromStdString(name);
      const QSizeF size(metrics.horizontalAdvance(text), metrics.height());
      const QRectF right(c + QPointF(7, -size.height() / 2), size);
      const QRectF left(c - QPointF(7 + size.width(), size.height() / 2), size);
      const auto free = [&names](const QRectF& r) {
        return std::none_of(names.begin(), names.end(),
                            [&r](const QRectF& n) { return n.intersects(r); });
      };
      for (const QRectF& place : {right, left}) {
        if (!free(place)) continue;
        p.setPen(Qt::white);
        p.drawText(place, Qt::AlignLeft | Qt::AlignVCenter, text);
        names.push_back(place);
        break;
      }
      ++overlays_;
    }
    for (const auto& [peak, name] : {std::pair{&state_->it_right, "R"}, {&state_->it_left, "L"}}) {
      if (!*peak) continue;
      const QPointF c = to_px((*peak)->at);
      outlined([&] { p.drawRect(QRectF(c - QPointF(6, 6), QSizeF(12, 12))); });
      p.setPen(Qt::white);
      p.drawText(c + QPointF(9, -6), QString::fromLatin1(name));
      ++overlays_;
    }
  }
  // Legend: the ramp with 5 labelled ticks.
  const QRect bar(rect().right() - legend_w + 6, area.y() + 14, 14, area.height() - 28);
  for (int y = 0; y < bar.height(); ++y) {
    const double t = 1.0 - static_cast<double>(y) / std::max(1, bar.height() - 1);
    p.setPen(QColor::fromRgb(table_.argb_at(t)));
    p.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
  }
  p.setPen(palette().text().color());
  QFont small = font();
  small.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.85));
  p.setFont(small);
  for (int i = 0; i <= 4; ++i) {
    const double v = full_scale_ * i / 4.0;
    const int y = bar.bottom() - static_cast<int>(std::lround(bar.height() * i / 4.0));
    p.drawLine(bar.right(), y, bar.right() + 3, y);
    p.drawText(QPointF(bar.right() + 5, y + 4), QString::number(v, 'f', full_scale_ >= 20 ? 0 : 1));
  }
  // The unit above the ramp, inside the legend's own column (never over the heatmap).
  p.drawText(QRect(rect().right() - legend_w + 1, area.y() - 2, legend_w - 1,
                   QFontMetrics(small).height()),
             Qt::AlignLeft, counts_ ? QStringLiteral("counts") : legend_);
}

}  // namespace pmap::dashboard::app
