#pragma once
// One mat's pressure image in the colour-blind-safe ramp, with a legend in mmHg or kPa and the
// engine's findings drawn over it (centre of pressure, body axis, ischial peaks).
#include <QImage>
#include <QWidget>
#include <optional>

#include "pmap/dashboard/colour_map.hpp"
#include "pmap/dashboard/mat_state.hpp"
#include "pmap/dashboard/pressure_units.hpp"
#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap::dashboard::app {

class HeatmapWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HeatmapWidget(PressureUnit unit, QWidget* parent = nullptr);
  /// A new canonical frame (the image is rebuilt here, once per frame, not per paint).
  void set_frame(const MatDescriptor& mat, const PressureFrame& canonical);
  void set_state(const std::optional<MatState>& state);
  void set_unit(PressureUnit unit);
  [[nodiscard]] bool has_image() const { return !image_.isNull(); }
  [[nodiscard]] int overlay_count() const { return overlays_; }
  [[nodiscard]] QString legend_text() const { return legend_; }
  [[nodiscard]] QSize sizeHint() const override { return {240, 320}; }
  [[nodiscard]] QSize minimumSizeHint() const override { return {120, 160}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  ColourTable table_;
  PressureUnit unit_;
  QImage image_;
  std::optional<MatDescriptor> mat_;
  std::optional<MatState> state_;
  double full_scale_ = 0;  ///< legend top, in the unit (or counts)
  bool counts_ = false;
  QString legend_;
  mutable int overlays_ = 0;
};

}  // namespace pmap::dashboard::app
