#pragma once
// Bands on a shared time axis, one lane per row: the night's hypnogram-like position lanes, the
// knee lanes, the chair's bouts. Markers (turns, exits) are drawn over the lanes.
#include <QColor>
#include <QString>
#include <QWidget>
#include <functional>
#include <vector>

#include "pmap/dashboard/timeline.hpp"

namespace pmap::dashboard::app {

struct Lane {
  QString title;
  std::vector<Band> bands;
  QColor colour;  ///< of every band in the lane
};

class TimelineWidget : public QWidget {
  Q_OBJECT
 public:
  explicit TimelineWidget(QWidget* parent = nullptr);
  /// `utc_offset_at(us)`: the local clock's offset from UTC at a time (the axis labels).
  void set_data(std::int64_t start_us, std::int64_t end_us,
                std::function<int(std::int64_t)> utc_offset_at,
                std::vector<Lane> lanes, std::vector<Marker> markers);
  void set_empty_text(const QString& text);
  [[nodiscard]] std::size_t band_count() const;
  [[nodiscard]] std::size_t marker_count() const { return markers_.size(); }
  [[nodiscard]] QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::int64_t start_us_ = 0, end_us_ = 0;
  std::function<int(std::int64_t)> utc_offset_at_ = [](std::int64_t) { return 0; };
  std::vector<Lane> lanes_;
  std::vector<Marker> markers_;
  QString empty_text_;
};

}  // namespace pmap::dashboard::app
