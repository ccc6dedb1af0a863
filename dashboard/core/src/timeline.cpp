#include "pmap/dashboard/timeline.hpp"

#include <QDateTime>

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace pmap::dashboard {

EpisodesParse parse_episodes(std::string_view json_text) {
  EpisodesParse out;
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (!doc.is_object() || !doc.contains("episodes") || !doc["episodes"].is_array()) {
    out.error = "not an episodes document";
    return out;
  }
  out.truncated = doc.value("truncated", false);
  for (const auto& e : doc["episodes"]) {
    if (!e.is_object()) {
      ++out.refused;
      continue;
    }
    const auto str = [&](const char* k) -> const nlohmann::json* {
      const auto it = e.find(k);
      return it != e.end() && it->is_string() ? &*it : nullptr;
    };
    const auto num = [&](const char* k) -> const nlohmann::json* {
      const auto it = e.find(k);
      return it != e.end() && it->is_number_integer() ? &*it : nullptr;
    };
    if (!str("mat_id") || !str("stream") || !str("label") || !num("start_us") || !num("end_us")) {
      ++out.refused;
      continue;
    }
    EpisodeRow row{e["mat_id"].get<std::string>(), e["stream"].get<std::string>(),
                   e["label"].get<std::string>(), e["start_us"].get<std::int64_t>(),
                   e["end_us"].get<std::int64_t>()};
    if (row.end_us < row.start_us) {
      ++out.refused;
      continue;
    }
    out.episodes.push_back(std::move(row));
  }
  return out;
}

std::map<std::string, double> Timeline::seconds_per_label(std::string_view stream) const {
  std::map<std::string, double> out;
  const auto it = streams.find(std::string(stream));
  if (it == streams.end()) return out;
  for (const auto& b : it->second) out[b.label] += static_cast<double>(b.end_us - b.start_us) / 1e6;
  return out;
}

bool Timeline::empty() const {
  for (const auto& [stream, bands] : streams) {
    if (!bands.empty()) return false;
  }
  return true;
}

Timeline build_timeline(const std::vector<EpisodeRow>& episodes, std::string_view mat,
                        std::int64_t start_us, std::int64_t end_us) {
  Timeline t;
  t.start_us = start_us;
  t.end_us = end_us;
  for (const auto& e : episodes) {
    if (e.mat != mat) continue;
    const std::int64_t s = std::max(e.start_us, start_us);
    const std::int64_t f = std::min(e.end_us, end_us);
    if (f <= s) continue;
    t.streams[e.stream].push_back(Band{s, f, e.label});
  }
  for (auto& [stream, bands] : t.streams) {
    std::sort(bands.begin(), bands.end(),
              [](const Band& a, const Band& b) { return a.start_us < b.start_us; });
  }
  constexpr std::int64_t kTurnGapUs = 60'000'000;
  if (const auto it = t.streams.find("position"); it != t.streams.end()) {
    const auto& bands = it->second;
    for (std::size_t i = 1; i < bands.size(); ++i) {
      const bool lying = position_row(bands[i].label) >= 1 && position_row(bands[i].label) <= 4;
      const bool was_lying =
          position_row(bands[i - 1].label) >= 1 && position_row(bands[i - 1].label) <= 4;
      if (lying && was_lying && bands[i].label != bands[i - 1].label &&
          bands[i].start_us - bands[i - 1].end_us <= kTurnGapUs) {
        t.markers.push_back(Marker{bands[i].start_us, "turn"});
      }
    }
  }
  if (const auto it = t.streams.find("presence"); it != t.streams.end()) {
    const auto& bands = it->second;
    const Band* previous_in_bed = nullptr;
    for (const auto& b : bands) {
      if (b.label == "out_of_bed") {
        t.markers.push_back(Marker{b.start_us, "exit"});
      } else if (b.label == "in_bed") {
        // A gap between two stays in bed is an exit too (the mat may have gone quiet).
        if (previous_in_bed != nullptr && b.start_us - previous_in_bed->end_us > kTurnGapUs &&
            std::none_of(bands.begin(), bands.end(), [&](const Band& o) {
              return o.label == "out_of_bed" && o.start_us >= previous_in_bed->end_us &&
                     o.start_us <= b.start_us;
            })) {
          t.markers.push_back(Marker{previous_in_bed->end_us, "exit"});
        }
        previous_in_bed = &b;
      }
    }
  }
  std::sort(t.markers.begin(), t.markers.end(),
            [](const Marker& a, const Marker& b) { return a.at_us < b.at_us; });
  return t;
}

std::vector<Tick> time_ticks(std::int64_t start_us, std::int64_t end_us, int utc_offset_s,
                             int max_ticks) {
  return time_ticks(start_us, end_us, [utc_offset_s](std::int64_t) { return utc_offset_s; },
                    max_ticks);
}

std::vector<Tick> time_ticks(std::int64_t start_us, std::int64_t end_us,
                             const std::function<int(std::int64_t)>& utc_offset_at,
                             int max_ticks) {
  std::vector<Tick> ticks;
  if (end_us <= start_us || max_ticks < 1) return ticks;
  constexpr std::array<std::int64_t, 6> kSteps{900, 1800, 3600, 7200, 10800, 21600};
  const std::int64_t span_s = (end_us - start_us) / 1'000'000;
  std::int64_t step = kSteps.back();
  for (const auto s : kSteps) {
    if (span_s / s + 1 <= max_ticks) {
      step = s;
      break;
    }
  }
  // Walk UTC in quarter hours (every zone's offset is a multiple of 15 min) and keep the instants
  // whose local clock reading is a multiple of the step.
  constexpr std::int64_t kQuarterUs = 900'000'000;
  std::int64_t u = start_us / kQuarterUs * kQuarterUs;
  if (u < start_us) u += kQuarterUs;
  for (; u <= end_us; u += kQuarterUs) {
    const std::int64_t local_s = u / 1'000'000 + utc_offset_at(u);
    const std::int64_t day_s = (local_s % 86'400 + 86'400) % 86'400;
    if (day_s % step != 0) continue;
    char label[8];
    std::snprintf(label, sizeof label, "%02d:%02d", static_cast<int>(day_s / 3600),
                  static_cast<int>(day_s % 3600 / 60));
    ticks.push_back(Tick{u, label});
  }
  return ticks;
}

QTimeZone zone_or(const std::string& iana, const QTimeZone& fallback) {
  if (iana.empty()) return fallback;
  const QTimeZone zone(QByteArray::fromStdString(iana));
  return zone.isValid() ? zone : fallback;
}

std::function<int(std::int64_t)> offset_function(const QTimeZone& zone) {
  return [zone](std::int64_t us) {
    return zone.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(us / 1000, QTimeZone::utc()));
  };
}

std::optional<int> utc_offset_of(std::string_view iso) {
  if (iso.size() < 20) return std::nullopt;
  if (iso.back() == 'Z') return 0;
  const std::string_view tail = iso.substr(iso.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return std::nullopt;
  for (const int i : {1, 2, 4, 5}) {
    if (tail[static_cast<std::size_t>(i)] < '0' || tail[static_cast<std::size_t>(i)] > '9') {
      return std::nullopt;
    }
  }
  const int h = (tail[1] - '0') * 10 + (tail[2] - '0');
  const int m = (tail[4] - '0') * 10 + (tail[5] - '0');
  if (h > 18 || m > 59) return std::nullopt;
  const int seconds = h * 3600 + m * 60;
  return tail[0] == '-' ? -seconds : seconds;
}

int position_row(std::string_view label) {
  if (label == "out_of_bed") return 0;
  if (label == "right") return 1;
  if (label == "supine") return 2;
  if (label == "left") return 3;
  if (label == "prone") return 4;
  if (label == "unknown") return 5;
  return -1;
}

std::string_view position_row_name(int row) {
  constexpr std::array<std::string_view, kPositionRows> names{
      "Out of bed", "Right side", "Back", "Left side", "Front", "Unclear"};
  return row >= 0 && row < kPositionRows ? names[static_cast<std::size_t>(row)] : "";
}

}  // namespace pmap::dashboard
