#pragma once
// Bands on a shared time axis, one lane per row: the night's hypnogram-like position lanes, the
// knee lanes, the chair's bouts. Markers (turns, exits) are drawn over the lanes.
#include <QColor>
#include <QString>
#include <QWidget>
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
  void set_data(std::int64_t start_us, std::int64_t end_us, int utc_offset_s,
                std::vector<Lane> lanes, std::vector<Marker> markers);
  void set_empty_text(const QString& text);
  [[nodiscard]] std::size_t band_count() const;
  [[nodiscard]] std::size_t marker_count() const { return markers_.size(); }
  [[nodiscard]] QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::int64_t start_us_ = 0, end_us_ = 0;
  int utc_offset_s_ = 0;
  std::vector<Lane> lanes_;
  std::vector<Marker> markers_;
  QString empty_text_;
};

}  // namespace pmap::dashboard::app
