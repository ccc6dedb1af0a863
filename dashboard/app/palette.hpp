#pragma once
// The dashboard's side of pmap/category_colours.hpp: the same Okabe & Ito colour per meaning as
// the morning report, as QColor.
#include <QColor>
#include <QString>

#include "pmap/category_colours.hpp"

namespace pmap::dashboard::app {

inline QColor to_qcolor(std::string_view hex) {
  return QColor::fromString(QLatin1StringView(hex.data(), static_cast<qsizetype>(hex.size())));
}
inline QColor category_colour(const QString& label) {
  return to_qcolor(colours::of_category(label.toStdString()));
}
inline QColor good_colour() {
  return to_qcolor(colours::kGood);
}
inline QColor warning_colour() {
  return to_qcolor(colours::kWarning);
}
inline QColor neutral_colour() {
  return to_qcolor(colours::kNeutral);
}
inline QColor back_pain_colour() {
  return to_qcolor(colours::of_category("back"));
}
inline QColor leg_pain_colour() {
  return to_qcolor(colours::of_category("leg"));
}

}  // namespace pmap::dashboard::app
