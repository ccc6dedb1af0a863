#pragma once
// When the pain was felt, from a fixed list (so trends can be grouped by context).
#include <string>
#include <string_view>
#include <vector>

namespace pmap::diary {

enum class ContextTag {
  kOnWaking,
  kAfterSitting,
  kAfterDriving,
  kAfterWalking,
  kAtNight,
  kAfterExercise,
  kOther
};

/// "on_waking", "after_sitting", "after_driving", "after_walking", "at_night",
/// "after_exercise", "other".
[[nodiscard]] std::string_view to_string(ContextTag tag);
/// Throws DiaryError (field "tags") for a name not in the list.
[[nodiscard]] ContextTag parse_context_tag(std::string_view text);
/// Parses a list separated by ',' or ';' (spaces ignored, empty list allowed). Duplicates are
/// refused, so a stored list is a set in the order given. Throws DiaryError (field "tags").
[[nodiscard]] std::vector<ContextTag> parse_context_tags(std::string_view text);
/// Joined with ';' (the CSV and database form).
[[nodiscard]] std::string join_context_tags(const std::vector<ContextTag>& tags);

}  // namespace pmap::diary
