// Names of the diary's enums, their parsers, and field validation.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

#include "pmap/diary/context_tag.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/extent.hpp"
#include "pmap/diary/movement_test.hpp"
#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/pillow_setup.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/diary/time_zone.hpp"

namespace pmap::diary {

namespace {

constexpr std::array<std::string_view, 7> kExtentNames = {"none", "back", "buttock", "thigh",
                                                          "knee", "calf", "foot"};
constexpr std::array<std::string_view, 7> kTagNames = {
    "on_waking", "after_sitting",  "after_driving", "after_walking",
    "at_night",  "after_exercise", "other"};
constexpr std::array<std::string_view, 5> kDirectionNames = {"extension", "flexion", "nerve_glide",
                                                             "side_glide", "other"};
constexpr std::array<std::string_view, 4> kKneePillowNames = {"none", "thin", "thick", "body"};

// Year 2000 as UTC microseconds: nothing in a diary is older.
constexpr std::int64_t kEarliestUs = 946'684'800'000'000;
constexpr std::int64_t kDayUs = 86'400'000'000;

std::string lower(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <std::size_t N>
std::string choices(const std::array<std::string_view, N>& names) {
  std::string s;
  for (auto n : names) s += (s.empty() ? "" : "|") + std::string(n);
  return s;
}

template <typename Enum, std::size_t N>
Enum parse_name(std::string_view text, const std::array<std::string_view, N>& names,
                std::string_view field) {
  const std::string key = lower(trim(text));
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == key) return static_cast<Enum>(i);
  }
  throw DiaryError(
      std::string(field) + ": '" + std::string(text) + "' is not one of " + choices(names),
      std::string(field));
}

void check_pain(int value, std::string_view field) {
  if (value < 0 || value > kMaxPain) {
    throw DiaryError(std::string(field) + ": " + std::to_string(value) + " is out of range 0-10",
                     std::string(field));
  }
}

void check_time(std::int64_t time_us, std::int64_t now, const std::string& tz) {
  if (time_us < kEarliestUs) throw DiaryError("time: before the year 2000", "time");
  if (time_us > now + kDayUs) throw DiaryError("time: more than a day in the future", "time");
  (void)TimeZone(tz);  // throws for an unknown zone
}

}  // namespace

std::string_view to_string(Extent extent) {
  return kExtentNames.at(static_cast<std::size_t>(extent));
}
Extent parse_extent(std::string_view text, std::string_view field) {
  return parse_name<Extent>(text, kExtentNames, field);
}

std::string_view to_string(ContextTag tag) {
  return kTagNames.at(static_cast<std::size_t>(tag));
}
ContextTag parse_context_tag(std::string_view text) {
  return parse_name<ContextTag>(text, kTagNames, "tags");
}
std::vector<ContextTag> parse_context_tags(std::string_view text) {
  std::vector<ContextTag> tags;
  while (!trim(text).empty()) {
    const auto cut = text.find_first_of(",;");
    const std::string_view item = trim(text.substr(0, cut));
    if (item.empty()) throw DiaryError("tags: empty tag in '" + std::string(text) + "'", "tags");
    const ContextTag tag = parse_context_tag(item);
    if (std::find(tags.begin(), tags.end(), tag) != tags.end()) {
      throw DiaryError("tags: '" + std::string(item) + "' given twice", "tags");
    }
    tags.push_back(tag);
    if (cut == std::string_view::npos) break;
    text.remove_prefix(cut + 1);
    if (trim(text).empty()) throw DiaryError("tags: list ends with a separator", "tags");
  }
  return tags;
}
std::string join_context_tags(const std::vector<ContextTag>& tags) {
  std::string s;
  for (auto t : tags) s += (s.empty() ? "" : ";") + std::string(to_string(t));
  return s;
}

bool parse_yes_no(std::string_view text, std::string_view field) {
  const std::string key = lower(trim(text));
  if (key == "yes" || key == "y" || key == "true" || key == "1") return true;
  if (key == "no" || key == "n" || key == "false" || key == "0") return false;
  throw DiaryError(std::string(field) + ": " +
                       (key.empty() ? std::string("must be answered yes or no")
                                    : "'" + std::string(text) + "' is not yes or no"),
                   std::string(field));
}

std::string_view to_string(Direction direction) {
  return kDirectionNames.at(static_cast<std::size_t>(direction));
}
Direction parse_direction(std::string_view text) {
  return parse_name<Direction>(text, kDirectionNames, "direction");
}

std::string_view to_string(KneePillow pillow) {
  return kKneePillowNames.at(static_cast<std::size_t>(pillow));
}
KneePillow parse_knee_pillow(std::string_view text) {
  return parse_name<KneePillow>(text, kKneePillowNames, "knee_pillow");
}

std::string HeadPillow::to_string() const {
  return cm ? std::to_string(*cm) + "cm" : level;
}

HeadPillow HeadPillow::parse(std::string_view text) {
  const std::string key = lower(trim(text));
  if (key == "low" || key == "medium" || key == "high") return HeadPillow{key, std::nullopt};
  std::string_view number = key;
  if (number.ends_with("cm")) number.remove_suffix(2);
  int cm = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), cm);
  if (ec != std::errc() || end != number.data() + number.size() || number.empty()) {
    throw DiaryError(
        "head_pillow: '" + std::string(text) + "' is not low|medium|high or a height in cm",
        "head_pillow");
  }
  if (cm < 1 || cm > 40) {
    throw DiaryError("head_pillow: " + std::to_string(cm) + " cm is out of range 1-40",
                     "head_pillow");
  }
  return HeadPillow{"", cm};
}

void validate_note(const std::string& note, std::string_view field) {
  if (note.size() > kMaxNoteBytes) {
    throw DiaryError(std::string(field) + ": " + std::to_string(note.size()) + " bytes, at most " +
                         std::to_string(kMaxNoteBytes),
                     std::string(field));
  }
  for (unsigned char c : note) {
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      throw DiaryError(std::string(field) + ": control characters are not allowed",
                       std::string(field));
    }
  }
}

void validate(const PainEntry& entry, std::int64_t now) {
  check_time(entry.time_us, now, entry.tz);
  check_pain(entry.back_pain, "back_pain");
  check_pain(entry.leg_pain, "leg_pain");
  if (rank(entry.extent) < 0 || rank(entry.extent) >= kExtentLevels) {
    throw DiaryError("extent: out of range", "extent");
  }
  for (std::size_t i = 0; i < entry.tags.size(); ++i) {
    if (static_cast<std::size_t>(entry.tags[i]) >= kTagNames.size()) {
      throw DiaryError("tags: unknown tag", "tags");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (entry.tags[i] == entry.tags[j]) {
        throw DiaryError("tags: '" + std::string(to_string(entry.tags[i])) + "' given twice",
                         "tags");
      }
    }
  }
  validate_note(entry.note, "note");
  if (entry.red_flags.any() && !entry.red_flag_warning_shown) {
    // The store must never hold a red flag nobody was warned about.
    throw DiaryError("red flags: a red flag was answered yes but the warning was not shown",
                     "red_flag_warning_shown");
  }
}

void validate(const MovementTest& test, std::int64_t now) {
  check_time(test.time_us, now, test.tz);
  if (static_cast<std::size_t>(test.direction) >= kDirectionNames.size()) {
    throw DiaryError("direction: out of range", "direction");
  }
  if (test.repetitions < 0 || test.repetitions > 100) {
    throw DiaryError("repetitions: " + std::to_string(test.repetitions) + " is out of range 0-100",
                     "repetitions");
  }
  if (rank(test.extent_before) < 0 || rank(test.extent_before) >= kExtentLevels) {
    throw DiaryError("extent_before: out of range", "extent_before");
  }
  if (rank(test.extent_after) < 0 || rank(test.extent_after) >= kExtentLevels) {
    throw DiaryError("extent_after: out of range", "extent_after");
  }
  check_pain(test.leg_pain_before, "leg_pain_before");
  check_pain(test.leg_pain_after, "leg_pain_after");
  validate_note(test.note, "note");
}

void validate_setup_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxSetupNameBytes) {
    throw DiaryError("name: a setup name has 1-40 characters", "name");
  }
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      throw DiaryError(
          "name: '" + std::string(name) + "' may only hold letters, digits, '-', '_' and '.'",
          "name");
    }
  }
}

void validate(const PillowSetup& setup) {
  validate_setup_name(setup.name);
  if (static_cast<std::size_t>(setup.knee_pillow) >= kKneePillowNames.size()) {
    throw DiaryError("knee_pillow: out of range", "knee_pillow");
  }
  (void)HeadPillow::parse(setup.head_pillow.to_string());  // throws for a malformed height
  validate_note(setup.note, "note");
}

}  // namespace pmap::diary
