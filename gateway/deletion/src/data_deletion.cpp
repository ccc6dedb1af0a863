#include "pmap/deletion/data_deletion.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>

#include "pmap/zone_clock.hpp"

namespace pmap::deletion {

namespace {

// One rule per table of the schema (gateway/store/src/store.cpp), children before parents.
constexpr std::array<TableRule, 12> kRules = {{
    {"mat_status_events", "mat_id", "ts_us", "ts_us"},
    {"mat_counters", "mat_id", "", ""},
    // An epoch starts at epoch_start_s; epochs are whole seconds and a range's bounds whole
    // seconds too (local midnights), so "starts inside" is "lies inside".
    {"epochs", "mat_id", "epoch_start_s * 1000000", "epoch_start_s * 1000000"},
    {"posture_epochs", "mat_id", "epoch_start_s * 1000000", "epoch_start_s * 1000000"},
    {"episodes", "mat_id", "start_us", "end_us"},
    {"raw_frames", "mat_id", "ts_us", "ts_us"},
    // The mat's learned zero: the sensor's, not the person's, but it goes with the mat.
    {"mat_floors", "mat_id", "", ""},
    {"mats", "id", "", ""},
    {"pain_entries", "", "time_us", "time_us"},
    {"movement_tests", "", "time_us", "time_us"},
    {"setup_switches", "", "from_us", "from_us"},
    {"pillow_setups", "", "", ""},
}};

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

const TableRule* rule_of(std::string_view table) {
  for (const auto& r : kRules) {
    if (r.table == table) return &r;
  }
  return nullptr;
}

std::int64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

/// The WHERE clause of `rule` under `scope`, with ?1 = mat, ?2 = from_us, ?3 = to_us; nullopt
/// when the scope leaves the table alone.
std::optional<std::string> where_of(const TableRule& rule, const DeletionScope& scope) {
  std::vector<std::string> terms;
  if (scope.mat_id) {
    if (rule.mat_column.empty()) return std::nullopt;  // the person's, not the mat's
    terms.push_back(quote_identifier(rule.mat_column) + " = ?1");
  }
  if (scope.has_range()) {
    if (rule.start_us_sql.empty()) return std::nullopt;  // undated rows stay
    const std::string start = "(" + std::string(rule.start_us_sql) + ")";
    const std::string end = "(" + std::string(rule.end_us_sql) + ")";
    // [start, end] overlaps [from, to): end >= from and start < to.
    if (scope.from_us) terms.push_back(end + " >= ?2");
    if (scope.to_us) terms.push_back(start + " < ?3");
  }
  std::string where;
  for (const auto& t : terms) where += (where.empty() ? " WHERE " : " AND ") + t;
  return where;
}

void bind_scope(Statement& st, const DeletionScope& scope, const std::string& sql) {
  if (sql.find("?1") != std::string::npos) st.bind(1, *scope.mat_id);
  if (sql.find("?2") != std::string::npos) st.bind(2, *scope.from_us);
  if (sql.find("?3") != std::string::npos) st.bind(3, *scope.to_us);
}

/// PRAGMA wal_checkpoint(TRUNCATE): true when the whole WAL was copied back and truncated. It
/// waits for readers through the connection's busy handler (the store's busy timeout, 5 s).
bool checkpoint_truncate(Database& db) {
  Statement st = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  // Columns: busy (1 when a reader or writer prevented completion), WAL frames, checkpointed.
  const bool done = st.step() && st.column_int(0) == 0;
  st.reset();
  return done;
}

}  // namespace

std::span<const TableRule> table_rules() {
  return kRules;
}

std::vector<std::string> schema_tables(Store& store) {
  std::vector<std::string> tables;
  Statement st = store.db().prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name");
  while (st.step()) tables.push_back(st.column_text(0));
  return tables;
}


namespace {

/// Every table in order, each with its WHERE clause ("" = every row; nullopt = left alone).
/// Throws DeletionError for a scoped deletion when a table has no rule.
std::vector<std::pair<std::string, std::optional<std::string>>> plan(Store& store, const DeletionScope& scope) {
  if (scope.from_us && scope.to_us && *scope.from_us >= *scope.to_us)
    throw DeletionError("the range is empty: its end is not after its start");
  if (scope.mat_id && scope.mat_id->empty()) throw DeletionError("the mat id is empty");
  const std::vector<std::string> tables = schema_tables(store);
  // Refuse before deleting anything when a table has no rule: a scoped deletion could not say
  // which of its rows belong to the scope. (Everything needs no rule: every row goes.)
  std::vector<std::string> unknown;
  for (const auto& t : tables) {
    if (rule_of(t) == nullptr) unknown.push_back(t);
  }
  if (!unknown.empty() && !scope.everything()) {
    std::string names;
    for (const auto& t : unknown) names += (names.empty() ? "" : ", ") + t;
    throw DeletionError("no deletion rule for table(s) " + names +
                        " (a newer schema than this program knows?); nothing was deleted");
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> steps;
  for (const auto& r : kRules) {  // the rules' order: children first
    if (std::find(tables.begin(), tables.end(), r.table) != tables.end())
      steps.emplace_back(std::string(r.table), where_of(r, scope));
  }
  for (const auto& t : unknown) steps.emplace_back(t, std::string());
  return steps;
}

/// The mats whose row the scope deletes: all or one, unless a range keeps the undated rows.
std::vector<std::string> mats_in(Database& db, const DeletionScope& scope) {
  std::vector<std::string> mats;
  if (scope.has_range()) return mats;
  Statement st = db.prepare(scope.mat_id ? "SELECT id FROM mats WHERE id = ?1"
                                         : "SELECT id FROM mats ORDER BY id");
  if (scope.mat_id) st.bind(1, *scope.mat_id);
  while (st.step()) mats.push_back(st.column_text(0));
  return mats;
}

std::string describe_us(std::int64_t us) {
  // Whole seconds, rounded towards the past as the range itself is.
  const std::int64_t s = us >= 0 ? us / 1'000'000 : -((-us + 999'999) / 1'000'000);
  return ZoneClock::format_utc(s);
}

}  // namespace

DeletionResult preview(Store& store, const DeletionScope& scope) {
  Database& db = store.db();
  DeletionResult result;
  try {
    Transaction tx(db);  // one snapshot for every count
    for (const auto& [table, where] : plan(store, scope)) {
      result.rows[table] = 0;
      if (!where) continue;
      const std::string sql = "SELECT COUNT(*) FROM " + quote_identifier(table) + *where;
      Statement st = db.prepare(sql);
      bind_scope(st, scope, sql);
      if (st.step()) result.rows[table] = st.column_int(0);
      result.rows_total += result.rows[table];
    }
    result.mats_deleted = mats_in(db, scope);
  } catch (const SqliteError& e) {
    throw DeletionError(std::string("counting failed: ") + e.what());
  }
  result.file_bytes_before = result.file_bytes_after = file_bytes(db.filename());
  return result;
}

DeletionResult delete_data(Store& store, const DeletionScope& scope,
                           const DeletionOptions& options) {
  Database& db = store.db();
  DeletionResult result;
  const std::string path = db.filename();
  result.file_bytes_before = file_bytes(path);
  bool committed = false;
  try {
    const auto steps = plan(store, scope);
    db.exec("PRAGMA secure_delete = ON");
    {
      Transaction tx(db);
      result.mats_deleted = mats_in(db, scope);
      for (const auto& [table, where] : steps) {
        result.rows[table] = 0;
        if (!where) continue;
        // Table names come from the schema and the rules, never from input.
        const std::string sql = "DELETE FROM " + quote_identifier(table) + *where;
        Statement st = db.prepare(sql);
        bind_scope(st, scope, sql);
        st.run();
        result.rows[table] = db.changes();
        result.rows_total += result.rows[table];
      }
      tx.commit();
      committed = true;
    }
    result.wal_truncated = checkpoint_truncate(db);
    if (options.compact) {
      db.exec("VACUUM");
      result.compacted = true;
      result.wal_truncated = checkpoint_truncate(db);
    }
    db.exec("PRAGMA secure_delete = OFF");
    store.recount_raw_archive();
  } catch (const SqliteError& e) {
    try {
      db.exec("PRAGMA secure_delete = OFF");
    } catch (const SqliteError&) {
    }
    throw DeletionError(committed ? std::string("the rows were deleted, but cleaning the file "
                                                "afterwards failed: ") +
                                        e.what() + " (run the deletion again to finish it)"
                                  : std::string("delete failed: ") + e.what() +
                                        "; nothing was deleted");
  }
  result.file_bytes_after = file_bytes(path);
  return result;
}

nlohmann::json to_json(const DeletionResult& result, const DeletionScope& scope, bool dry_run) {
  nlohmann::json s = {{"everything", scope.everything()}, {"description", describe(scope)}};
  s["mat"] = scope.mat_id ? nlohmann::json(*scope.mat_id) : nlohmann::json(nullptr);
  s["from_us"] = scope.from_us ? nlohmann::json(*scope.from_us) : nlohmann::json(nullptr);
  s["to_us"] = scope.to_us ? nlohmann::json(*scope.to_us) : nlohmann::json(nullptr);
  nlohmann::json doc = {{"scope", s},
                        {"dry_run", dry_run},
                        {"rows", result.rows_total},
                        {"deleted", result.rows},
                        {"mats_deleted", result.mats_deleted}};
  if (!dry_run) {
    doc["wal_truncated"] = result.wal_truncated;
    doc["compacted"] = result.compacted;
    doc["file_bytes_before"] = result.file_bytes_before;
    doc["file_bytes_after"] = result.file_bytes_after;
  }
  return doc;
}

std::string describe(const DeletionScope& scope) {
  if (scope.everything()) return "everything";
  std::string out;
  if (scope.mat_id) out = "mat '" + *scope.mat_id + "'";
  if (scope.from_us) out += (out.empty() ? "" : " ") + std::string("from ") + describe_us(*scope.from_us);
  if (scope.to_us) out += (out.empty() ? "" : " ") + std::string("until ") + describe_us(*scope.to_us);
  return out;
}

}  // namespace pmap::deletion
