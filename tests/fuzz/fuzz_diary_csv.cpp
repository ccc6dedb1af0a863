// Fuzz target "diary_csv": the pain diary's CSV import (pmap/diary/pain_csv.hpp, PainCsv::parse,
// behind `pmapctl diary import` and POST /v1/pain/import). The default zone is Europe/Berlin (DST
// changes) and "now" is fixed, so the target is deterministic. Invariants: a bad file is a
// DiaryError and nothing else; accepted entries, written as CSV and parsed again, write the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/pain_csv.hpp"
#include "pmap/diary/time_zone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const pmap::diary::TimeZone zone("Europe/Berlin");
  constexpr std::int64_t kNowUs = 1'795'000'000'000'000;  // 2026-11-18, a fixed "now"
  std::string written;
  try {
    const auto entries = pmap::diary::PainCsv::parse(pmap::fuzz::as_text(data, size), zone, kNowUs);
    written = pmap::diary::PainCsv::write(entries);
  } catch (const pmap::diary::DiaryError& e) {
    PMAP_FUZZ_CHECK(e.what()[0] != '\0');
    return 0;
  }
  try {
    const auto again = pmap::diary::PainCsv::parse(written, zone, kNowUs);
    PMAP_FUZZ_CHECK(pmap::diary::PainCsv::write(again) == written);
  } catch (const pmap::diary::DiaryError& e) {
    pmap::fuzz::fail(__FILE__, __LINE__, e.what());
  }
  return 0;
}
