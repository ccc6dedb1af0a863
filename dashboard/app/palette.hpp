#pragma once
// Category colours that stay apart for the common colour-vision deficiencies (the Okabe & Ito
// set), one per meaning, used the same way in every view.
#include <QColor>
#include <QString>

namespace pmap::dashboard::app {

inline QColor position_colour(const QString& label) {
  if (label == QLatin1String("supine")) return QColor(0x00, 0x72, 0xB2);      // blue
  if (label == QLatin1String("left")) return QColor(0xE6, 0x9F, 0x00);        // orange
  if (label == QLatin1String("right")) return QColor(0x56, 0xB4, 0xE9);       // sky blue
  if (label == QLatin1String("prone")) return QColor(0xCC, 0x79, 0xA7);       // purple
  if (label == QLatin1String("out_of_bed")) return QColor(0xD5, 0x5E, 0x00);  // vermillion
  return QColor(0x99, 0x99, 0x99);
}
inline QColor good_colour() {
  return QColor(0x00, 0x9E, 0x73);
}  // bluish green
inline QColor warning_colour() {
  return QColor(0xD5, 0x5E, 0x00);
}  // vermillion
inline QColor neutral_colour() {
  return QColor(0x99, 0x99, 0x99);
}

}  // namespace pmap::dashboard::app
