#include "pmap/diary/pain_csv.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "pmap/diary/diary_error.hpp"

namespace pmap::diary {

namespace {

constexpr std::array<std::string_view, 10> kColumns = {
    "time",         "tz",   "back_pain",     "leg_pain",
    "extent",       "tags", "bladder_bowel", "saddle_numbness",
    "leg_weakness", "note"};

struct Record {
  int line = 0;  ///< where the record starts
  std::vector<std::string> fields;
};

// RFC 4180: fields separated by ',', optionally quoted with '"' ('""' inside quotes is a quote);
// quoted fields may hold commas and line breaks. CRLF and LF both end a record.
std::vector<Record> split_records(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM from spreadsheet programs
  std::vector<Record> records;
  int line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    Record r;
    r.line = line;
    std::string field;
    bool in_quotes = false;
    bool was_quoted = false;
    bool ended = false;
    while (i < text.size() && !ended) {
      const char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          in_quotes = false;
          ++i;
          continue;
        }
        if (c == '\n') ++line;
        field += c;
        ++i;
        continue;
      }
      if (c == '"') {
        if (!field.empty() || was_quoted) {
          throw DiaryError("line " + std::to_string(r.line) + ": a quote inside an unquoted field",
                           std::string(kColumns.at(std::min(r.fields.size(), kColumns.size() - 1))),
                           r.line);
        }
        in_quotes = true;
        was_quoted = true;
        ++i;
      } else if (c == ',') {
        r.fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
        ++i;
      } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      } else if (c == '\n') {
        ++line;
        ++i;
        ended = true;
      } else {
        field += c;
        ++i;
      }
    }
    if (in_quotes) {
      throw DiaryError("line " + std::to_string(r.line) + ": a quoted field is never closed",
                       std::string(kColumns.at(std::min(r.fields.size(), kColumns.size() - 1))),
                       r.line);
    }
    r.fields.push_back(std::move(field));
    // Blank lines (e.g. a trailing newline) are not records.
    if (!(r.fields.size() == 1 && r.fields[0].empty())) records.push_back(std::move(r));
  }
  return records;
}

int parse_pain(const std::string& text, std::string_view field, int line) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw DiaryError("line " + std::to_string(line) + ": " + std::string(field) + ": '" + text +
                         "' is not a whole number 0-10",
                     std::string(field), line);
  }
  return value;
}

std::string quoted(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::vector<PainEntry> PainCsv::parse(std::string_view text, const TimeZone& default_zone,
                                      std::int64_t now_us) {
  const auto records = split_records(text);
  if (records.empty()) throw DiaryError("line 1: the file is empty (expected the header)", "", 1);
  {
    const auto& header = records.front();
    std::string joined;
    for (const auto& f : header.fields) joined += (joined.empty() ? "" : ",") + f;
    if (joined != kPainCsvHeader) {
      throw DiaryError("line " + std::to_string(header.line) + ": the header must be exactly '" +
                           std::string(kPainCsvHeader) + "'",
                       "header", header.line);
    }
  }
  std::vector<PainEntry> entries;
  for (std::size_t k = 1; k < records.size(); ++k) {
    const auto& r = records[k];
    const int line = r.line;
    if (r.fields.size() != kColumns.size()) {
      throw DiaryError("line " + std::to_string(line) + ": " + std::to_string(r.fields.size()) +
                           " fields, expected " + std::to_string(kColumns.size()),
                       "", line);
    }
    try {
      PainEntry e;
      const TimeZone zone = r.fields[1].empty() ? default_zone : TimeZone(r.fields[1]);
      e.tz = zone.name();
      e.time_us = zone.parse_time(r.fields[0], "time");
      e.back_pain = parse_pain(r.fields[2], "back_pain", line);
      e.leg_pain = parse_pain(r.fields[3], "leg_pain", line);
      e.extent = parse_extent(r.fields[4]);
      e.tags = parse_context_tags(r.fields[5]);
      e.red_flags.bladder_bowel = parse_yes_no(r.fields[6], "bladder_bowel");
      e.red_flags.saddle_numbness = parse_yes_no(r.fields[7], "saddle_numbness");
      e.red_flags.leg_weakness = parse_yes_no(r.fields[8], "leg_weakness");
      e.note = r.fields[9];
      e.red_flag_warning_shown = e.red_flags.any();
      validate(e, now_us);
      entries.push_back(std::move(e));
    } catch (const DiaryError& e) {
      if (e.line() != 0) throw;
      throw DiaryError("line " + std::to_string(line) + ": " + e.what(), e.field(), line);
    }
  }
  return entries;
}

std::string PainCsv::write(const std::vector<PainEntry>& entries) {
  std::string out(kPainCsvHeader);
  out += '\n';
  for (const auto& e : entries) {
    const TimeZone zone(e.tz);
    out += zone.format(e.time_us) + ',' + e.tz + ',' + std::to_string(e.back_pain) + ',' +
           std::to_string(e.leg_pain) + ',' + std::string(to_string(e.extent)) + ',' +
           quoted(join_context_tags(e.tags)) + ',' + (e.red_flags.bladder_bowel ? "yes" : "no") +
           ',' + (e.red_flags.saddle_numbness ? "yes" : "no") + ',' +
           (e.red_flags.leg_weakness ? "yes" : "no") + ',' + quoted(e.note) + '\n';
  }
  return out;
}

}  // namespace pmap::diary
