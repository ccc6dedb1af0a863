#include "pmap/export/exporter.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_json.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/export/atomic_output.hpp"
#include "pmap/export/base64.hpp"
#include "pmap/export/time_formatter.hpp"
#include "pmap/nights/nights_json.hpp"
#include "pmap/nights/nights_reader.hpp"

namespace pmap::data_export {

namespace {

using nlohmann::json;
using OneDay = std::chrono::days;
using std::chrono::sys_days;

constexpr std::int64_t kUsPerS = 1'000'000;

// Whole seconds at or before `us` (std::chrono::floor: no overflow at the int64 limits).
std::int64_t floor_seconds(std::int64_t us) {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::microseconds(us)).count();
}

json::json_pointer ptr(const std::string& path) {
  return json::json_pointer(path);
}

std::vector<CsvColumn> columns(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<CsvColumn> out;
  for (const auto& [header, path] : list) out.push_back(CsvColumn{header, ptr(path)});
  return out;
}

/// A column whose path is its header.
std::vector<CsvColumn> same_named(std::initializer_list<const char*> names) {
  std::vector<CsvColumn> out;
  for (const char* n : names) out.push_back(CsvColumn{n, ptr(std::string("/") + n)});
  return out;
}

/// Local midnight of `day` (01:00 in the few zones whose clocks skip midnight itself).
std::int64_t local_midnight_us(const diary::TimeZone& zone, sys_days day) {
  const std::chrono::year_month_day ymd(day);
  try {
    return zone.to_utc_us(diary::LocalDateTime{ymd, 0, 0, 0});
  } catch (const diary::DiaryError&) {
    return zone.to_utc_us(diary::LocalDateTime{ymd, 1, 0, 0});
  }
}

/// Adds "<stem>_utc" and "<stem>_local" for a time of `utc_s` (null when not representable).
void add_times(json& row, const std::string& stem, std::int64_t utc_s, TimeFormatter& times) {
  if (representable(utc_s)) {
    row[stem + "_utc"] = TimeFormatter::utc(utc_s);
    row[stem + "_local"] = times.local(utc_s);
  } else {
    row[stem + "_utc"] = nullptr;
    row[stem + "_local"] = nullptr;
  }
}

// ------------------------------------------------------------------------- stored tables

enum class Kind {
  kInt,
  kReal,
  kText,
  kTimeUs,    ///< UTC µs; adds <stem>_utc and <stem>_local
  kTimeS,     ///< UTC s; likewise
  kBlobSize,  ///< length(blob) as "bytes"
  kBlob,      ///< the blob as "blob_base64"
};

struct Field {
  std::string name;  ///< the SQL column (for kBlob/kBlobSize: the blob column)
  Kind kind;
};

struct StoredTable {
  std::string name;
  std::vector<Field> fields;
  std::string time_column;  ///< the range filter's column ("" = the table is not filtered)
  bool time_in_seconds = false;
  std::string order_by;
};

std::string stem_of(const std::string& name, Kind kind) {
  const std::string suffix = kind == Kind::kTimeUs ? "_us" : "_s";
  return name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : name;
}

std::vector<StoredTable> stored_table_specs(bool raw) {
  using K = Kind;
  std::vector<StoredTable> t;
  t.push_back({"mats",
               {{"id", K::kText},
                {"kind", K::kText},
                {"rows", K::kInt},
                {"cols", K::kInt},
                {"row_pitch_mm", K::kReal},
                {"col_pitch_mm", K::kReal},
                {"layout", K::kText},
                {"firmware", K::kText},
                {"meta_json", K::kText},
                {"first_seen_us", K::kTimeUs},
                {"last_seen_us", K::kTimeUs},
                {"last_status", K::kText}},
               "",
               false,
               "id"});
  t.push_back({"mat_status_events",
               {{"mat_id", K::kText}, {"ts_us", K::kTimeUs}, {"status", K::kText}},
               "ts_us",
               false,
               "ts_us, mat_id, rowid"});
  t.push_back({"mat_counters",
               {{"mat_id", K::kText}, {"reason", K::kText}, {"count", K::kInt}},
               "",
               false,
               "mat_id, reason"});
  t.push_back({"episodes",
               {{"mat_id", K::kText},
                {"stream", K::kText},
                {"label", K::kText},
                {"start_us", K::kTimeUs},
                {"end_us", K::kTimeUs},
                {"frames", K::kInt},
                {"mean_confidence", K::kReal}},
               "start_us",
               false,
               "start_us, mat_id, stream"});
  t.push_back({"epochs",
               {{"mat_id", K::kText},
                {"epoch_start_s", K::kTimeS},
                {"frames", K::kInt},
                {"occupied_frames", K::kInt},
                {"load_raw_sum", K::kReal},
                {"load_raw_max", K::kReal},
                {"force_n_sum", K::kReal},
                {"contact_area_cm2_sum", K::kReal},
                {"cop_row_sum", K::kReal},
                {"cop_col_sum", K::kReal},
                {"movement_sum", K::kReal},
                {"first_seq", K::kInt},
                {"last_seq", K::kInt}},
               "epoch_start_s",
               true,
               "mat_id, epoch_start_s"});
  t.push_back({"posture_epochs",
               {{"mat_id", K::kText},
                {"epoch_start_s", K::kTimeS},
                {"posture_frames", K::kInt},
                {"side_frames", K::kInt},
                {"pelvic_roll_deg_sum", K::kReal},
                {"knee_aligned_frames", K::kInt},
                {"knee_dropped_frames", K::kInt},
                {"supine_supported_frames", K::kInt},
                {"supine_flat_frames", K::kInt},
                {"obliquity_deg_sum", K::kReal},
                {"tilt_deg_sum", K::kReal},
                {"slouched_frames", K::kInt},
                {"wallet_frames", K::kInt},
                {"ppi_sum", K::kReal},
                {"di_pct_sum", K::kReal}},
               "epoch_start_s",
               true,
               "mat_id, epoch_start_s"});
  // The mats' learned empty-mat floors (zero tracking): the counts only with raw frames.
  StoredTable floors{"mat_floors",
                     {{"mat_id", K::kText},
                      {"rows", K::kInt},
                      {"cols", K::kInt},
                      {"counts", K::kBlobSize},
                      {"empty_frames", K::kInt},
                      {"last_learned_us", K::kTimeUs},
                      {"last_occupied_us", K::kTimeUs},
                      {"saved_us", K::kTimeUs}},
                     "",
                     false,
                     "mat_id"};
  if (raw) floors.fields.push_back({"counts", K::kBlob});
  t.push_back(std::move(floors));
  StoredTable frames{"raw_frames",
                     {{"id", K::kInt},
                      {"mat_id", K::kText},
                      {"seq", K::kInt},
                      {"ts_us", K::kTimeUs},
                      {"blob", K::kBlobSize}},
                     "ts_us",
                     false,
                     "id"};
  if (raw) frames.fields.push_back({"blob", K::kBlob});
  t.push_back(std::move(frames));
  return t;
}

TableLayout layout_of(const StoredTable& table, const std::string& csv_file) {
  TableLayout layout{table.name, csv_file, {}};
  for (const auto& f : table.fields) {
    switch (f.kind) {
      case Kind::kTimeUs:
      case Kind::kTimeS: {
        const std::string stem = stem_of(f.name, f.kind);
        for (const std::string& h : {f.name, stem + "_utc", stem + "_local"})
          layout.csv_columns.push_back(CsvColumn{h, ptr("/" + h)});
        break;
      }
      case Kind::kBlobSize:
        layout.csv_columns.push_back(CsvColumn{"bytes", ptr("/bytes")});
        break;
      case Kind::kBlob:
        layout.csv_columns.push_back(CsvColumn{"blob_base64", ptr("/blob_base64")});
        break;
      default:
        layout.csv_columns.push_back(CsvColumn{f.name, ptr("/" + f.name)});
    }
  }
  return layout;
}

/// Streams one stored table: one prepared statement, one row object at a time.
std::int64_t write_stored(Database& db, const StoredTable& table, std::int64_t from_us,
                          std::int64_t to_us, TimeFormatter& times, TableSink& sink) {
  // Identifiers and the whole statement come from the specs above, never from input; the range
  // is bound.
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < table.fields.size(); ++i) {
    const Field& f = table.fields[i];
    if (i > 0) sql += ", ";
    sql += f.kind == Kind::kBlobSize ? "length(" + f.name + ")" : f.name;
  }
  sql += " FROM " + table.name;
  const bool filtered = !table.time_column.empty() && (from_us != INT64_MIN || to_us != INT64_MAX);
  if (filtered) sql += " WHERE " + table.time_column + " >= ?1 AND " + table.time_column + " < ?2";
  sql += " ORDER BY " + table.order_by;
  Statement st = db.prepare(sql);
  if (filtered) {
    // Bounds are local midnights (whole seconds), so seconds are exact.
    const std::int64_t lo =
        table.time_in_seconds && from_us != INT64_MIN ? floor_seconds(from_us) : from_us;
    const std::int64_t hi =
        table.time_in_seconds && to_us != INT64_MAX ? floor_seconds(to_us) : to_us;
    st.bind(1, lo).bind(2, hi);
  }
  std::int64_t count = 0;
  json row = json::object();
  while (st.step()) {
    row = json::object();
    for (std::size_t i = 0; i < table.fields.size(); ++i) {
      const Field& f = table.fields[i];
      const int c = static_cast<int>(i);
      const bool null = st.is_null(c);
      switch (f.kind) {
        case Kind::kInt:
          row[f.name] = null ? json(nullptr) : json(st.column_int(c));
          break;
        case Kind::kReal:
          row[f.name] = null ? json(nullptr) : json(st.column_double(c));
          break;
        case Kind::kText:
          row[f.name] = null ? json(nullptr) : json(st.column_text(c));
          break;
        case Kind::kTimeUs:
        case Kind::kTimeS: {
          const std::string stem = stem_of(f.name, f.kind);
          if (null) {
            row[f.name] = nullptr;
            row[stem + "_utc"] = nullptr;
            row[stem + "_local"] = nullptr;
            break;
          }
          const std::int64_t v = st.column_int(c);
          row[f.name] = v;
          add_times(row, stem, f.kind == Kind::kTimeUs ? floor_seconds(v) : v, times);
          break;
        }
        case Kind::kBlobSize:
          row["bytes"] = null ? json(nullptr) : json(st.column_int(c));
          break;
        case Kind::kBlob:
          row["blob_base64"] = null ? json(nullptr) : json(base64_encode(st.column_blob(c)));
          break;
      }
    }
    sink.row(row);
    ++count;
  }
  return count;
}

// -------------------------------------------------------------------------------- diary

TableLayout pain_layout() {
  // pain.csv is exactly the import format (pmap/diary/pain_csv.hpp): pmapctl import reads it.
  return {"pain_entries", "pain.csv",
          columns({{"time", "/time"},
                   {"tz", "/tz"},
                   {"back_pain", "/back_pain"},
                   {"leg_pain", "/leg_pain"},
                   {"extent", "/extent"},
                   {"tags", "/tags"},
                   {"bladder_bowel", "/red_flags/bladder_bowel"},
                   {"saddle_numbness", "/red_flags/saddle_numbness"},
                   {"leg_weakness", "/red_flags/leg_weakness"},
                   {"note", "/note"}})};
}

TableLayout tests_layout() {
  // The first nine columns are those of the diary-only export (format version 1).
  return {"movement_tests", "movement_tests.csv",
          same_named({"time", "tz", "direction", "repetitions", "extent_before", "extent_after",
                      "leg_pain_before", "leg_pain_after", "note", "id", "time_us", "time_utc",
                      "utc_offset_s", "centralized", "peripheralized", "created_us"})};
}

TableLayout setups_layout() {
  return {"pillow_setups", "pillow_setups.csv",
          same_named({"name", "knee_pillow", "pillow_under_knees", "head_pillow", "mattress_topper",
                      "note", "created_us"})};
}

TableLayout switches_layout() {
  return {"setup_switches", "setup_switches.csv",
          same_named({"from", "tz", "setup", "id", "from_us", "from_utc", "created_us"})};
}

/// id → created_us of a diary table (the repository's types do not carry it).
std::map<std::int64_t, std::int64_t> created_times(Database& db, const std::string& table) {
  std::map<std::int64_t, std::int64_t> out;
  Statement st = db.prepare("SELECT id, created_us FROM " + table);
  while (st.step()) out.emplace(st.column_int(0), st.column_int(1));
  return out;
}

json utc_text(std::int64_t utc_us) {
  const std::int64_t s = floor_seconds(utc_us);
  return representable(s) ? json(TimeFormatter::utc(s)) : json(nullptr);
}

// ---------------------------------------------------------------------------- summaries

TableLayout nights_layout() {
  return {"nights", "nights.csv",
          columns({{"mat_id", "/mat_id"},
                   {"wake_date", "/wake_date"},
                   {"start", "/start"},
                   {"end", "/end"},
                   {"start_us", "/start_us"},
                   {"end_us", "/end_us"},
                   {"time_in_bed_s", "/time_in_bed_s"},
                   {"occupied_s", "/occupied_s"},
                   {"sleep_periods", "/sleep_periods"},
                   {"bed_exits", "/bed_exits"},
                   {"long_exits", "/long_exits"},
                   {"supine_s", "/position_s/supine"},
                   {"prone_s", "/position_s/prone"},
                   {"left_s", "/position_s/left"},
                   {"right_s", "/position_s/right"},
                   {"turns", "/turns"},
                   {"turns_per_h", "/turns_per_h"},
                   {"longest_still_s", "/longest_still_s"},
                   {"restlessness_moving_min_per_h", "/restlessness_moving_min_per_h"},
                   {"side_knee_aligned_s", "/side_knee_aligned_s"},
                   {"side_knee_dropped_s", "/side_knee_dropped_s"},
                   {"pillow_slips", "/pillow_slips"},
                   {"supine_knees_supported_s", "/supine_knees_supported_s"},
                   {"supine_knees_flat_s", "/supine_knees_flat_s"},
                   {"side_knee_aligned_share", "/side_knee_aligned_share"},
                   {"side_pelvic_roll_mean_deg", "/side_pelvic_roll_mean_deg"},
                   {"side_pelvic_roll_p90_deg", "/side_pelvic_roll_p90_deg"},
                   {"setup", "/setup"}})};
}

TableLayout days_layout() {
  return {"sitting_days", "sitting_days.csv",
          same_named({"mat_id", "date", "sitting_s", "bouts", "longest_bout_s", "bouts_over_limit",
                      "breaks", "breaks_per_sitting_h", "oblique_right_low_s", "oblique_left_low_s",
                      "oblique_side", "slouched_s", "wallet_min", "posterior_tilt_mean_deg",
                      "ppi_median", "ppi_p90", "di_median_pct", "di_p90_pct"})};
}

/// Smallest and largest value of `expr` over the episodes matching `where`, or nullopt.
std::optional<std::pair<std::int64_t, std::int64_t>> episode_span(Database& db,
                                                                  const std::string& min_expr,
                                                                  const std::string& max_expr,
                                                                  const std::string& label) {
  Statement st = db.prepare("SELECT MIN(" + min_expr + "), MAX(" + max_expr +
                            ") FROM episodes WHERE stream = 'presence' AND label = ?1");
  st.bind(1, std::string_view(label));
  if (!st.step() || st.is_null(0) || st.is_null(1)) return std::nullopt;
  return std::make_pair(st.column_int(0), st.column_int(1));
}

}  // namespace

std::int64_t ExportCounts::rows(const std::string& table) const {
  for (const auto& [name, n] : tables)
    if (name == table) return n;
  return -1;
}

Exporter::Exporter(Store& store, diary::TimeZone zone, ExportOptions options)
    : store_(store), zone_(std::move(zone)), options_(options), exported_us_(diary::now_us()) {
  if (options_.from && options_.to && *options_.from > *options_.to)
    throw ExportError("--to must not be before --from");
  if (options_.from) from_us_ = local_midnight_us(zone_, *options_.from);
  if (options_.to) to_us_ = local_midnight_us(zone_, *options_.to + OneDay(1));
}

std::vector<std::string> Exporter::stored_tables() {
  std::vector<std::string> names = {"pain_entries", "movement_tests", "pillow_setups",
                                    "setup_switches"};
  for (const auto& t : stored_table_specs(false)) names.push_back(t.name);
  return names;
}

nlohmann::ordered_json Exporter::header() const {
  const std::int64_t s = floor_seconds(exported_us_);
  return nlohmann::ordered_json{
      {"format", "pmapctl-export"},
      {"format_version", kFormatVersion},
      {"exported_at", TimeFormatter::utc(s)},
      {"exported_us", exported_us_},
      {"schema_version", store_.schema_version()},
      {"time_zone", zone_.name()},
      {"from", options_.from ? nlohmann::ordered_json(diary::format_date(*options_.from))
                             : nlohmann::ordered_json(nullptr)},
      {"to", options_.to ? nlohmann::ordered_json(diary::format_date(*options_.to))
                         : nlohmann::ordered_json(nullptr)},
      {"raw_frames_included", options_.raw}};
}

ExportCounts Exporter::write(TableSink& sink) {
  Database& db = store_.db();
  ExportCounts counts;
  TimeFormatter times(zone_);
  // One read transaction: every table from the same snapshot. A deferred BEGIN takes no write
  // lock, so the gateway keeps writing (WAL) while the export runs.
  db.exec("BEGIN");
  try {
    diary::DiaryRepository diary(store_);

    // --- the diary
    {
      const TableLayout layout = pain_layout();
      const auto created = created_times(db, "pain_entries");
      sink.begin_table(layout);
      std::int64_t n = 0;
      for (const auto& e : diary.pains(from_us_, to_us_)) {
        json row = diary::to_json(e);
        row["time_utc"] = utc_text(e.time_us);
        if (const auto it = created.find(e.id); it != created.end()) row["created_us"] = it->second;
        sink.row(row);
        ++n;
        if (e.red_flags.any()) ++counts.red_flag_entries;
      }
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }
    {
      const TableLayout layout = tests_layout();
      const auto created = created_times(db, "movement_tests");
      sink.begin_table(layout);
      std::int64_t n = 0;
      for (const auto& t : diary.tests()) {
        if (t.time_us < from_us_ || t.time_us >= to_us_) continue;
        json row = diary::to_json(t);
        row["time_utc"] = utc_text(t.time_us);
        if (const auto it = created.find(t.id); it != created.end()) row["created_us"] = it->second;
        sink.row(row);
        ++n;
      }
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }
    {
      const TableLayout layout = setups_layout();
      sink.begin_table(layout);
      std::int64_t n = 0;
      for (const auto& s : diary.setups()) {
        sink.row(diary::to_json(s));
        ++n;
      }
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }
    {
      const TableLayout layout = switches_layout();
      sink.begin_table(layout);
      Statement st = db.prepare(
          "SELECT id, setup_name, from_us, tz, created_us FROM setup_switches "
          "WHERE from_us >= ?1 AND from_us < ?2 ORDER BY from_us, id");
      st.bind(1, from_us_).bind(2, to_us_);
      std::int64_t n = 0;
      while (st.step()) {
        const diary::SetupSwitch s{st.column_text(1), st.column_int(2), st.column_text(3)};
        json row = diary::to_json(s);
        row["id"] = st.column_int(0);
        row["from_utc"] = utc_text(s.from_us);
        row["created_us"] = st.column_int(4);
        sink.row(row);
        ++n;
      }
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }

    // --- nights and sitting days, over the data's own dates within the range
    nights::NightsReader reader(store_, zone_, options_.nights);
    {
      const TableLayout layout = nights_layout();
      sink.begin_table(layout);
      std::int64_t n = 0;
      if (const auto span = episode_span(db, "start_us", "end_us", "in_bed")) {
        // A night's wake date is its end's local date, or the next one after the evening hour.
        sys_days first = zone_.local_day(span->first);
        sys_days last = zone_.local_day(span->second) + OneDay(1);
        if (options_.from) first = std::max(first, *options_.from);
        if (options_.to) last = std::min(last, *options_.to);
        if (first <= last) {
          for (const auto& night : reader.nights(first, last)) {
            sink.row(nights::to_json(night, zone_));
            ++n;
          }
        }
      }
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }
    {
      const TableLayout layout = days_layout();
      sink.begin_table(layout);
      std::int64_t n = 0;
      // Only the dates with a sitting bout: the reader looks at one date at a time.
      std::vector<sys_days> dates;
      {
        Statement st = db.prepare(
            "SELECT start_us FROM episodes WHERE stream = 'presence' AND label = 'sitting' "
            "AND start_us >= ?1 AND start_us < ?2 ORDER BY start_us");
        st.bind(1, from_us_).bind(2, to_us_);
        while (st.step()) {
          const sys_days d = zone_.local_day(st.column_int(0));
          if (dates.empty() || dates.back() != d) dates.push_back(d);
        }
      }
      for (const sys_days d : dates) {
        for (const auto& day : reader.days(d, d)) {
          sink.row(nights::to_json(day));
          ++n;
        }
      }
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }

    // --- the stored tables, streamed
    for (const auto& table : stored_table_specs(options_.raw)) {
      const TableLayout layout = layout_of(table, table.name + ".csv");
      sink.begin_table(layout);
      const std::int64_t n = write_stored(db, table, from_us_, to_us_, times, sink);
      sink.end_table();
      counts.tables.emplace_back(layout.name, n);
    }
    sink.finish();
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // The transaction is gone already; the original error is the one to report.
    }
    throw;
  }
  db.exec("COMMIT");
  return counts;
}

ExportCounts export_json(Exporter& exporter, std::ostream& out) {
  JsonDocumentSink sink(out, exporter.header());
  return exporter.write(sink);
}

ExportCounts export_json_file(Exporter& exporter, const std::filesystem::path& file, bool force) {
  AtomicFile output(file, force);
  JsonDocumentSink sink(output.stream(), exporter.header());
  ExportCounts counts = exporter.write(sink);
  output.commit();
  return counts;
}

ExportCounts export_csv_directory(Exporter& exporter, const std::filesystem::path& directory,
                                  bool force) {
  AtomicDirectory output(directory, force);
  CsvDirectorySink sink(output.path());
  ExportCounts counts = exporter.write(sink);
  // What was exported, when, and in which zone, as key,value rows.
  const TableLayout info{"export_info", "export_info.csv", same_named({"key", "value"})};
  sink.begin_table(info);
  // The header in a local: a range-for over a temporary's items() would dangle.
  const nlohmann::ordered_json header = exporter.header();
  for (const auto& [key, value] : header.items()) {
    sink.row(json{{"key", key}, {"value", json(value)}});
  }
  for (const auto& [table, n] : counts.tables) {
    sink.row(json{{"key", "rows." + table}, {"value", n}});
  }
  sink.end_table();
  output.commit();
  return counts;
}

}  // namespace pmap::data_export
