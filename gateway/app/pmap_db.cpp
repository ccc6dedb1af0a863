// pmap-db: read-only views of a pmap-gateway database (docs/gateway.md).
#include <filesystem>
#include <iostream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "pmap/store.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

json summary(pmap::Store& store, const std::string& path) {
  pmap::Database& db = store.db();
  json mats = json::object();
  {
    auto st = db.prepare(
        "SELECT id, kind, rows, cols, firmware, meta_json, first_seen_us, last_seen_us, "
        "last_status "
        "FROM mats ORDER BY id");
    while (st.step()) {
      json m;
      m["kind"] = st.is_null(1) ? json(nullptr) : json(st.column_text(1));
      m["rows"] = st.is_null(2) ? json(nullptr) : json(st.column_int(2));
      m["cols"] = st.is_null(3) ? json(nullptr) : json(st.column_int(3));
      m["firmware"] = st.is_null(4) ? json(nullptr) : json(st.column_text(4));
      m["first_seen_us"] = st.column_int(6);
      m["last_seen_us"] = st.column_int(7);
      m["last_status"] = st.is_null(8) ? json(nullptr) : json(st.column_text(8));
      const json meta = st.is_null(5) ? json() : json::parse(st.column_text(5), nullptr, false);
      m["sample_rate_hz"] = (meta.is_object() && meta.contains("sample_rate_hz") &&
                             meta["sample_rate_hz"].is_number())
                                ? meta["sample_rate_hz"]
                                : json(nullptr);
      m["counters"] = json::object();
      mats[st.column_text(0)] = m;
    }
  }
  {
    auto st = db.prepare(
        "SELECT mat_id, COUNT(*), SUM(frames), SUM(occupied_frames), MIN(epoch_start_s), "
        "MAX(epoch_start_s), SUM(movement_sum) / SUM(frames) FROM epochs GROUP BY mat_id");
    while (st.step()) {
      json& m = mats[st.column_text(0)];
      m["epochs"] = st.column_int(1);
      m["frames_stored"] = st.column_int(2);
      m["occupied_frames"] = st.column_int(3);
      m["first_epoch_s"] = st.column_int(4);
      m["last_epoch_s"] = st.column_int(5);
      m["movement_mean"] = st.column_double(6);
      const json& rate = m.contains("sample_rate_hz") ? m["sample_rate_hz"] : json(nullptr);
      m["occupied_minutes"] =
          rate.is_number() ? json(static_cast<double>(st.column_int(3)) / rate.get<double>() / 60.0)
                           : json(nullptr);
    }
  }
  {
    auto st = db.prepare("SELECT mat_id, reason, count FROM mat_counters ORDER BY mat_id, reason");
    while (st.step()) mats[st.column_text(0)]["counters"][st.column_text(1)] = st.column_int(2);
  }
  {
    auto st = db.prepare(
        "SELECT mat_id, COUNT(*), COALESCE(SUM(length(blob)),0) FROM raw_frames GROUP BY mat_id");
    while (st.step()) {
      mats[st.column_text(0)]["raw_frames"] = st.column_int(1);
      mats[st.column_text(0)]["raw_bytes"] = st.column_int(2);
    }
  }
  std::error_code ec;
  const auto main_size = std::filesystem::file_size(path, ec);
  const auto wal_size = std::filesystem::file_size(path + "-wal", ec);
  return json{{"db", path},
              {"schema_version", store.schema_version()},
              {"db_bytes", db.query_int("PRAGMA page_count") * db.query_int("PRAGMA page_size")},
              {"file_bytes", static_cast<std::uint64_t>(main_size)},
              {"wal_bytes", ec ? 0 : static_cast<std::uint64_t>(wal_size)},
              {"mats", mats}};
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts(
      "pmap-db COMMAND --db PATH\n\nCommands:\n  summary   JSON summary per mat (frames stored, "
      "occupied minutes, first/last epoch, counters, epochs, raw archive, DB size)\n  check     "
      "PRAGMA integrity_check (prints ok; exit 1 otherwise)\n\nOptions");
  opts.add_options()("help,h", "show this help")("db", po::value<std::string>(),
                                                 "database file (opened read-only)")(
      "command", po::value<std::string>(), "summary | check");
  po::positional_options_description pos;
  pos.add("command", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "pmap-db: " << e.what() << '\n';
    return 2;
  }
  if (vm.count("help") != 0U || vm.count("command") == 0U) {
    std::cout << opts << '\n';
    return vm.count("help") != 0U ? 0 : 2;
  }
  const auto command = vm["command"].as<std::string>();
  if (vm.count("db") == 0U) {
    std::cerr << "pmap-db: --db PATH is required\n";
    return 2;
  }
  const auto path = vm["db"].as<std::string>();
  if (!std::filesystem::exists(path)) {
    std::cerr << "pmap-db: no database at '" << path << "'\n";
    return 1;
  }
  try {
    pmap::Store store = pmap::Store::open_read_only(path);
    if (command == "summary") {
      std::cout << summary(store, path).dump(2) << '\n';
      return 0;
    }
    if (command == "check") {
      const auto r = store.integrity_check();
      std::cout << r << '\n';
      return r == "ok" ? 0 : 1;
    }
    std::cerr << "pmap-db: unknown command '" << command << "'\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pmap-db: " << e.what() << '\n';
    return 1;
  }
}
