#pragma once
// The diary's rows in the gateway's SQLite database (tables from Store migration 3:
// pain_entries, movement_tests, pillow_setups, setup_switches). Prepared statements only; every
// write is one transaction.
//
// Error semantics: invalid input and SQLite failures throw DiaryError; nothing is written then.
// Threading: like Store, one thread at a time.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pmap/diary/movement_test.hpp"
#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/pillow_setup.hpp"
#include "pmap/diary/setup_timeline.hpp"
#include "pmap/store.hpp"

namespace pmap::diary {

class DiaryRepository {
 public:
  /// `store` must outlive the repository (it is migrated already by its constructor).
  explicit DiaryRepository(Store& store);

  /// Validates (against now_us()), fills utc_offset_s from the zone, inserts; returns the id.
  std::int64_t add_pain(PainEntry entry);
  /// All entries or all at once (one transaction): the first invalid one throws DiaryError with
  /// line() = its 1-based position + `first_line` - 1, and nothing is stored.
  void add_pains(std::vector<PainEntry> entries, int first_line = 1);
  /// Entries with from_us <= time_us < to_us, oldest first.
  [[nodiscard]] std::vector<PainEntry> pains(std::int64_t from_us = INT64_MIN,
                                             std::int64_t to_us = INT64_MAX) const;

  std::int64_t add_test(MovementTest test);
  [[nodiscard]] std::vector<MovementTest> tests() const;

  /// Throws DiaryError (field "name") when a setup of that name exists already.
  void add_setup(PillowSetup setup);
  [[nodiscard]] std::vector<PillowSetup> setups() const;
  [[nodiscard]] std::optional<PillowSetup> find_setup(const std::string& name) const;
  /// Records that `name` is in use from `from_us`. Throws DiaryError (field "name") for an
  /// unknown setup.
  void use_setup(const std::string& name, std::int64_t from_us, const std::string& tz);
  [[nodiscard]] SetupTimeline timeline() const;

 private:
  Store& store_;
};

}  // namespace pmap::diary
