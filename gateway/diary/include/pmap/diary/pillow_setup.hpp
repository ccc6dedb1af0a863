#pragma once
// A named bed setup (pillows and topper) the person can switch between, so nights can later be
// compared per setup.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pmap::diary {

enum class KneePillow { kNone, kThin, kThick, kBodyPillow };

/// "none", "thin", "thick", "body" (a full-length body pillow).
[[nodiscard]] std::string_view to_string(KneePillow pillow);
/// Throws DiaryError (field "knee_pillow").
[[nodiscard]] KneePillow parse_knee_pillow(std::string_view text);

/// Head pillow height: a level ("low", "medium", "high") or a measured height in cm (1-40).
struct HeadPillow {
  std::string level;  ///< "low" | "medium" | "high", or empty when cm is set
  std::optional<int> cm;

  /// "low" | "medium" | "high" | "<n>cm" (the stored and printed form).
  [[nodiscard]] std::string to_string() const;
  /// Accepts the forms above and a bare number of cm. Throws DiaryError (field "head_pillow").
  [[nodiscard]] static HeadPillow parse(std::string_view text);
  bool operator==(const HeadPillow&) const = default;
};

inline constexpr std::size_t kMaxSetupNameBytes = 40;

struct PillowSetup {
  std::string name;  ///< 1-40 characters: letters, digits, '-', '_', '.'
  KneePillow knee_pillow = KneePillow::kNone;
  bool pillow_under_knees = false;
  HeadPillow head_pillow{"medium", std::nullopt};
  bool mattress_topper = false;
  std::string note;
  std::int64_t created_us = 0;
  bool operator==(const PillowSetup&) const = default;
};

/// Throws DiaryError (field "name") for an invalid setup name.
void validate_setup_name(std::string_view name);
/// Throws DiaryError naming the first invalid field.
void validate(const PillowSetup& setup);

}  // namespace pmap::diary
