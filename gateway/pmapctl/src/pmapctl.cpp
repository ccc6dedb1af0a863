#include "pmap/pmapctl.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "api_url.hpp"
#include "gateway_client.hpp"
#include "gateway_error.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/deletion/data_deletion.hpp"
#include "pmap/diary/centralization.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_json.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/directional_preference.hpp"
#include "pmap/diary/pain_csv.hpp"
#include "pmap/diary/two_week_rule.hpp"
#include "pmap/export/exporter.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/nights/nights_json.hpp"
#include "pmap/nights/nights_reader.hpp"
#include "pmap/private_file.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_html.hpp"
#include "pmap/report_pdf/html_to_pdf.hpp"
#include "pmap/store.hpp"

namespace pmap::pmapctl {

namespace {

namespace po = boost::program_options;
using nlohmann::json;
using namespace pmap::diary;

/// A command line that cannot be understood (exit 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The command was understood and refused (exit 1); the message is already complete.
class Refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

constexpr std::string_view kForgetConfirmation = "forget";

constexpr const char* kTopUsage =
    "pmapctl COMMAND [SUBCOMMAND] --db FILE [options]   (docs/diary.md)\n"
    "pmapctl COMMAND [SUBCOMMAND] --api URL [--token-file FILE] [options]\n"
    "\n"
    "The pain diary, movement tests and pillow setups, kept in PostureMap's SQLite file, used\n"
    "directly (--db) or through the gateway's HTTP API (--api; docs/api.md).\n"
    "\n"
    "Commands:\n"
    "  pain add      record a pain entry (the three red-flag questions are required)\n"
    "  pain list     list entries [--from --to] [--json]\n"
    "  pain trend    centralization over the last days and the two-week rule [--days 14] [--json]\n"
    "  test add      record a movement test (extent and leg pain before and after)\n"
    "  test summary  which movement direction centralizes the pain [--json]\n"
    "  setup add     define a named pillow setup\n"
    "  setup use     switch to a setup [--from TIME]\n"
    "  setup list    the setups, and which is in use\n"
    "  setup show    one setup and when it was used, or which setup was in use --at TIME /\n"
    "                --night DATE\n"
    "  import        import a pain diary CSV (--csv FILE), all rows or none\n"
    "  export        everything personal (diary, nights, days, mats, episodes, epochs ...) as\n"
    "                JSON or CSV [--format json|csv] [-o FILE|DIR] [--from D --to D] [--raw]\n"
    "                [--force] (docs/export.md)\n"
    "  nights        nightly summaries by wake-up date [--from D --to D] [--json] "
    "(docs/nights.md)\n"
    "  days          sitting days by local date [--from D --to D] [--json]\n"
    "  report        the morning report of a date [--date D] [--format html|pdf|json] [-o FILE]\n"
    "                (docs/reports.md)\n"
    "  delete        delete personal data: --all, or a mat's (--mat ID) and/or a range of\n"
    "                dates (--from D --to D), from every table and the file's bytes\n"
    "                [--compact] [--dry-run] [--yes] (docs/export.md, \"Delete\")\n"
    "  forget        delete all personal data (the same as delete --all)\n"
    "\n"
    "Every command takes --db FILE, --tz ZONE (IANA name; default $TZ, /etc/timezone or UTC)\n"
    "and --help.\n"
    "Through the gateway instead of --db: --api http://HOST:PORT (or $PMAP_API), --token-file\n"
    "FILE (or $PMAP_API_TOKEN_FILE; the gateway's bearer token), --timeout SECONDS (default 60).\n"
    "Over --api work: pain add, pain list, test add, test summary, setup add|use|list, nights,\n"
    "days, report (with the default thresholds; dates in the gateway's zone), delete (a\n"
    "gateway with a token). The others need --db. http:// only: no TLS yet.\n"
    "Exit codes: 0 ok, 1 refused (invalid value, unknown name, not confirmed, missing database,\n"
    "file error, an export target that exists, the gateway refused or could not be reached),\n"
    "2 bad command line (also --db with --api, or a command that needs --db given --api),\n"
    "3 stored but a red flag was answered yes (the warning was shown).\n";

/// Whether a command also works through the gateway's API (its help then shows the API options).
enum class Reach { kDbOnly, kDbOrApi };

po::options_description common_options() {
  po::options_description o("Common options");
  o.add_options()("help,h", "show this help")("db", po::value<std::string>(),
                                              "the SQLite file (created by commands that add)")(
      "tz", po::value<std::string>(),
      "IANA time zone for times given and shown (default: $TZ, /etc/timezone, UTC)");
  return o;
}

/// Accepted by every command (so one that needs --db can say so), shown by those that use them.
po::options_description api_options() {
  po::options_description o("Through the gateway (instead of --db; docs/diary.md)");
  o.add_options()(
      "api", po::value<std::string>(),
      "instead of --db: the gateway's HTTP API, http://HOST:PORT (default $PMAP_API when no "
      "--db is given; no https yet)")(
      "token-file", po::value<std::string>(),
      "with --api: file whose first line is the gateway's bearer token (default "
      "$PMAP_API_TOKEN_FILE)")("timeout", po::value<int>(),
                               "with --api: seconds to wait for the gateway's answer (1-3600, "
                               "default 60; connecting waits at most 10)");
  return o;
}

/// Parses `args` against `specific` plus the common options. Returns nullopt after printing the
/// help when --help is given.
std::optional<po::variables_map> parse(
    const std::vector<std::string>& args, const std::string& usage,
    po::options_description specific, Io& io,
    const po::positional_options_description* positional = nullptr, Reach reach = Reach::kDbOnly) {
  po::options_description shown(usage);
  shown.add(specific).add(common_options());
  if (reach == Reach::kDbOrApi) shown.add(api_options());
  po::options_description all;
  all.add(shown);
  if (reach == Reach::kDbOnly) all.add(api_options());
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional != nullptr) {
      parser.positional(*positional);
    } else {
      parser.positional(po::positional_options_description());
    }
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help") != 0U) {
    io.out << shown << '\n';
    return std::nullopt;
  }
  return vm;
}

std::optional<std::string> opt(const po::variables_map& vm, const char* name) {
  if (vm.count(name) == 0U) return std::nullopt;
  return vm[name].as<std::string>();
}

std::string required(const po::variables_map& vm, const char* name, const std::string& why = {}) {
  auto v = opt(vm, name);
  if (!v)
    throw UsageError(std::string("--") + name + " is required" +
                     (why.empty() ? "" : " (" + why + ")"));
  return *v;
}

int required_int(const po::variables_map& vm, const char* name) {
  if (vm.count(name) == 0U) throw UsageError(std::string("--") + name + " is required");
  return vm[name].as<int>();
}

TimeZone zone_of(const po::variables_map& vm) {
  if (auto tz = opt(vm, "tz")) return TimeZone(*tz);
  return TimeZone::system_default();
}

/// "now" (the default) is truncated to whole seconds so an exported entry reads back identically.
std::int64_t time_of(const po::variables_map& vm, const char* name, const TimeZone& zone) {
  const auto text = opt(vm, name);
  if (!text || *text == "now") return now_us() / 1'000'000 * 1'000'000;
  return zone.parse_time(*text, name);
}

/// A --from/--to bound: a date means its local midnight (for --to, the following midnight, so the
/// day is included); a time is taken as given.
std::int64_t bound_of(const std::string& text, const char* name, const TimeZone& zone, bool end) {
  if (text.size() == 10) {
    auto day = TimeZone::parse_date(text, name);
    if (end) day += std::chrono::days(1);
    return zone.to_utc_us(LocalDateTime{std::chrono::year_month_day(day), 0, 0, 0});
  }
  return zone.parse_time(text, name);
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

/// True when the command goes through the gateway's API: --api, or $PMAP_API when neither --db
/// nor --api is given (an explicit --db wins over the environment). --db with --api, and the API
/// options with --db, are usage errors.
bool api_mode(const po::variables_map& vm) {
  const bool db = vm.count("db") != 0U;
  const bool api = vm.count("api") != 0U;
  if (db && api) throw UsageError("give either --db FILE or --api URL, not both");
  const bool use_api = api || (!db && env("PMAP_API").has_value());
  if (!use_api) {
    for (const char* name : {"token-file", "timeout"}) {
      if (vm.count(name) != 0U) throw UsageError(std::string("--") + name + " goes with --api");
    }
  }
  return use_api;
}

/// For the commands the API has no endpoint for.
void needs_db(const po::variables_map& vm) {
  if (api_mode(vm))
    throw UsageError(
        "needs --db FILE: the gateway's HTTP API has no endpoint for this command (docs/diary.md, "
        "\"Through the gateway\")");
}

/// Options the API does not take (the nights thresholds, the report's mats and history): given
/// with --api, they are a usage error rather than silently ignored.
void only_defaults_over_api(const po::variables_map& vm, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (vm.count(name) != 0U && !vm[name].defaulted())
      throw UsageError(std::string("--") + name +
                       " needs --db (the gateway's API uses the default)");
  }
}

/// The client for --api / $PMAP_API with the token from --token-file / $PMAP_API_TOKEN_FILE.
GatewayClient gateway_of(const po::variables_map& vm) {
  const bool from_env = vm.count("api") == 0U;
  const std::string text = from_env ? env("PMAP_API").value_or("") : *opt(vm, "api");
  ApiUrl url;
  try {
    url = ApiUrl::parse(text);
  } catch (const ApiUrlError& e) {
    throw UsageError(std::string(e.what()) + (from_env ? " (from $PMAP_API)" : ""));
  }
  std::string token;
  const auto token_file =
      vm.count("token-file") != 0U ? opt(vm, "token-file") : env("PMAP_API_TOKEN_FILE");
  if (token_file) {
    try {
      token = api::read_token_file(*token_file);
    } catch (const api::ApiConfigError& e) {
      // The gateway's own reader and rules; its message names the gateway's config key.
      std::string message = e.what();
      const std::string key = "api_token_file: ";
      if (message.starts_with(key)) message = message.substr(key.size());
      throw Refused("--token-file: " + message);
    }
  }
  GatewayClient::Timeouts timeouts;
  if (vm.count("timeout") != 0U) {
    const int s = vm["timeout"].as<int>();
    if (s < 1 || s > 3600) throw DiaryError("timeout: must be 1..3600 seconds", "timeout");
    timeouts.response = std::chrono::seconds(s);
  }
  return GatewayClient(std::move(url), std::move(token), timeouts);
}

struct Session {
  std::unique_ptr<Store> store;
  std::unique_ptr<DiaryRepository> diary;
};

/// Opens (and migrates) the database; `create` allows a new file.
Session open(const po::variables_map& vm, bool create) {
  needs_db(vm);
  if (vm.count("db") == 0U)
    throw UsageError("give --db FILE (the SQLite file) or --api URL (the gateway's HTTP API)");
  const std::string path = *opt(vm, "db");
  if (!create && !std::filesystem::exists(path)) throw Refused("no database at '" + path + "'");
  Session s;
  // pmapctl writes no frames: the default StoreConfig leaves the gateway's raw-frame archive
  // exactly as it is.
  try {
    s.store = std::make_unique<Store>(path, reader_store_config());
  } catch (const StoreError& e) {
    throw Refused(e.what());
  }
  s.diary = std::make_unique<DiaryRepository>(*s.store);
  return s;
}

void show_red_flag_warning(Io& io) {
  // Both streams: whoever reads only one of them must still see it.
  io.err << '\n' << kRedFlagWarning << "\n\n";
  io.out << '\n' << kRedFlagWarning << "\n\n";
  io.err.flush();
  io.out.flush();
}

/// For commands that show stored entries: the warning with the text output (stdout), or on stderr
/// when stdout carries JSON (which then holds the flag and the text itself).
void repeat_red_flag_warning(Io& io, bool json_output) {
  std::ostream& to = json_output ? io.err : io.out;
  to << '\n' << kRedFlagWarning << "\n\n";
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

/// For `report -o FILE`: the whole content under a temporary name, then renamed into place.
void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    // A report is health data: owner-only (0600), whatever the umask.
    (void)create_owner_only_file(tmp);
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Refused("cannot write '" + tmp.string() + "'");
    f << content;
    f.flush();
    if (!f) throw Refused("cannot write '" + tmp.string() + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    throw Refused("cannot rename '" + tmp.string() + "' to '" + path.string() +
                  "': " + ec.message());
}

// ---------------------------------------------------------------------------------------- pain

int pain_add(const std::vector<std::string>& args, Io& io) {
  po::options_description o("pain add options");
  o.add_options()("time", po::value<std::string>(),
                  "when: YYYY-MM-DDTHH:MM[:SS] local in --tz, or with Z/+HH:MM (default now)")(
      "back", po::value<int>(), "back pain 0-10 (required)")("leg", po::value<int>(),
                                                             "leg pain 0-10 (required)")(
      "extent", po::value<std::string>(),
      "how far down the leg: none|back|buttock|thigh|knee|calf|foot (required)")(
      "tags", po::value<std::string>(),
      "context, comma separated: on_waking,after_sitting,after_driving,after_walking,at_night,"
      "after_exercise,other")("note", po::value<std::string>(), "free text, at most 1000 bytes")(
      "bladder-bowel", po::value<std::string>(),
      "RED FLAG: new loss of bladder or bowel control? yes|no (required)")(
      "saddle-numbness", po::value<std::string>(),
      "RED FLAG: numbness in the saddle area? yes|no (required)")(
      "leg-weakness", po::value<std::string>(),
      "RED FLAG: new or worsening leg weakness / foot drop? yes|no (required)");
  const auto vm = parse(args,
                        "pmapctl pain add --db FILE|--api URL --back N --leg N --extent E "
                        "--bladder-bowel yes|no --saddle-numbness yes|no --leg-weakness yes|no "
                        "[--tags T] [--note TEXT] [--time T]",
                        o, io, nullptr, Reach::kDbOrApi);
  if (!vm) return kOk;
  const std::string why = "the three red-flag questions must be answered on every entry";
  const std::string bladder = required(*vm, "bladder-bowel", why);
  const std::string saddle = required(*vm, "saddle-numbness", why);
  const std::string weakness = required(*vm, "leg-weakness", why);
  PainEntry e;
  e.back_pain = required_int(*vm, "back");
  e.leg_pain = required_int(*vm, "leg");
  e.extent = parse_extent(required(*vm, "extent"));
  const TimeZone zone = zone_of(*vm);
  e.tz = zone.name();
  e.time_us = time_of(*vm, "time", zone);
  if (auto t = opt(*vm, "tags")) e.tags = parse_context_tags(*t);
  if (auto n = opt(*vm, "note")) e.note = *n;
  e.red_flags =
      RedFlags{parse_yes_no(bladder, "bladder-bowel"), parse_yes_no(saddle, "saddle-numbness"),
               parse_yes_no(weakness, "leg-weakness")};
  e.red_flag_warning_shown = e.red_flags.any();
  validate(e, now_us());  // refuse before warning, opening or sending anything
  std::int64_t id = 0;
  if (api_mode(*vm)) {
    // POST /v1/pain with every field; the gateway stores red_flag_warning_shown exactly when a
    // red flag was answered yes, as below.
    const GatewayClient gateway = gateway_of(*vm);
    json tags = json::array();
    for (const auto t : e.tags) tags.push_back(std::string(to_string(t)));
    const json body{{"time", zone.format(e.time_us)},
                    {"tz", e.tz},
                    {"back_pain", e.back_pain},
                    {"leg_pain", e.leg_pain},
                    {"extent", std::string(to_string(e.extent))},
                    {"tags", tags},
                    {"note", e.note},
                    {"red_flags",
                     {{"bladder_bowel", e.red_flags.bladder_bowel},
                      {"saddle_numbness", e.red_flags.saddle_numbness},
                      {"leg_weakness", e.red_flags.leg_weakness}}}};
    // The warning comes before the request, as before the write with --db: it is shown even
    // when the gateway cannot be reached.
    if (e.red_flags.any()) show_red_flag_warning(io);
    const GatewayReply reply = gateway.post("/v1/pain", body);
    const json answer = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (!answer.is_object() || !answer.contains("id") || !answer["id"].is_number_integer())
      throw Refused("the gateway at " + gateway.url().text() +
                    " answered POST /v1/pain without the stored entry's id");
    id = answer["id"].get<std::int64_t>();
  } else {
    Session s = open(*vm, true);
    // The warning comes before the write: the row records that it was shown.
    if (e.red_flags.any()) show_red_flag_warning(io);
    id = s.diary->add_pain(e);
  }
  io.out << "stored pain entry " << id << " at " << zone.format(e.time_us) << " (" << zone.name()
         << ")\n";
  return e.red_flags.any() ? kRedFlag : kOk;
}

/// The entries of `pain list` (each as diary::to_json, oldest first) as text or JSON; the same
/// for --db and --api.
int print_pain_list(const json& entries, const TimeZone& zone, bool as_json, Io& io) {
  bool any_red = false;
  for (const auto& e : entries) any_red = any_red || e.at("red_flag").get<bool>();
  if (as_json) {
    if (any_red) repeat_red_flag_warning(io, true);
    io.out << entries.dump(2) << '\n';
    return kOk;
  }
  io.out << std::left << std::setw(6) << "id" << std::setw(26) << "time" << std::setw(5) << "back"
         << std::setw(4) << "leg" << std::setw(9) << "extent" << std::setw(30) << "tags"
         << "red flag  note\n";
  for (const auto& e : entries) {
    std::vector<ContextTag> tags;
    for (const auto& t : e.at("tags")) tags.push_back(parse_context_tag(t.get<std::string>()));
    io.out << std::left << std::setw(6) << e.at("id").get<std::int64_t>() << std::setw(26)
           << zone.format(e.at("time_us").get<std::int64_t>()) << std::setw(5)
           << e.at("back_pain").get<int>() << std::setw(4) << e.at("leg_pain").get<int>()
           << std::setw(9) << e.at("extent").get<std::string>() << std::setw(30)
           << join_context_tags(tags) << std::setw(10)
           << (e.at("red_flag").get<bool>() ? "YES" : "no") << e.at("note").get<std::string>()
           << '\n';
  }
  io.out << entries.size() << " entries\n";
  if (any_red) {
    io.out << "Some entries above answered yes to a red-flag question:\n";
    repeat_red_flag_warning(io, false);
  }
  return kOk;
}

/// GET /v1/pain for the entries in [from_us, to_us). The API takes local dates of the gateway's
/// zone; asking a day more on each side (no zone is a day off UTC) and filtering here gives
/// exactly the entries --db gives, for dates and times in --tz alike.
json pain_entries_over_api(const GatewayClient& gateway, std::int64_t from_us, std::int64_t to_us) {
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::microseconds;
  using std::chrono::sys_days;
  const sys_days first_allowed = std::chrono::year(2000) / 1 / 1;
  const sys_days last_allowed = std::chrono::year(2100) / 12 / 31;
  std::optional<sys_days> from_day;
  std::optional<sys_days> to_day;
  if (from_us != INT64_MIN) {
    from_day = floor<days>(std::chrono::sys_time<microseconds>(microseconds(from_us))) - days(1);
    if (*from_day > last_allowed) return json::array();
    from_day = std::max(*from_day, first_allowed);
  }
  if (to_us != INT64_MAX) {
    to_day = floor<days>(std::chrono::sys_time<microseconds>(microseconds(to_us))) + days(1);
    if (*to_day < first_allowed) return json::array();
    to_day = std::min(*to_day, last_allowed);
  }
  // With both bounds the API serves at most 400 days; with `from` alone, everything after it.
  if (from_day && to_day && (*to_day - *from_day).count() + 1 > 400) to_day.reset();
  std::string target = "/v1/pain";
  if (from_day) target += "?from=" + format_date(*from_day);
  if (to_day) target += std::string(from_day ? "&" : "?") + "to=" + format_date(*to_day);
  const json answer = gateway.get_json(target);
  if (!answer.contains("entries") || !answer["entries"].is_array())
    throw Refused("the gateway at " + gateway.url().text() + " answered GET " + target +
                  " without entries");
  json entries = json::array();
  for (const auto& e : answer["entries"]) {
    const std::int64_t t = e.at("time_us").get<std::int64_t>();
    if (t >= from_us && t < to_us) entries.push_back(e);
  }
  return entries;
}

int pain_list(const std::vector<std::string>& args, Io& io) {
  po::options_description o("pain list options");
  o.add_options()("from", po::value<std::string>(), "first day YYYY-MM-DD (or a time), inclusive")(
      "to", po::value<std::string>(), "last day YYYY-MM-DD (inclusive) or a time (exclusive)")(
      "json", "one JSON array");
  const auto vm = parse(args, "pmapctl pain list --db FILE|--api URL [--from D] [--to D] [--json]",
                        o, io, nullptr, Reach::kDbOrApi);
  if (!vm) return kOk;
  const TimeZone zone = zone_of(*vm);
  const std::int64_t from =
      vm->count("from") ? bound_of(*opt(*vm, "from"), "from", zone, false) : INT64_MIN;
  const std::int64_t to = vm->count("to") ? bound_of(*opt(*vm, "to"), "to", zone, true) : INT64_MAX;
  if (from >= to) throw DiaryError("to: must be after --from", "to");
  json entries = json::array();
  if (api_mode(*vm)) {
    entries = pain_entries_over_api(gateway_of(*vm), from, to);
  } else {
    Session s = open(*vm, false);
    for (const auto& e : s.diary->pains(from, to)) entries.push_back(to_json(e));
  }
  return print_pain_list(entries, zone, vm->count("json") != 0U, io);
}

int pain_trend(const std::vector<std::string>& args, Io& io) {
  po::options_description o("pain trend options");
  o.add_options()("days", po::value<int>()->default_value(14),
                  "window in days for centralization (2-365)")(
      "to", po::value<std::string>(), "last day of the window, YYYY-MM-DD (default today)")(
      "json", "one JSON object");
  const auto vm = parse(args, "pmapctl pain trend --db FILE [--days 14] [--to D] [--json]", o, io);
  if (!vm) return kOk;
  needs_db(*vm);
  const TimeZone zone = zone_of(*vm);
  const auto end_day =
      vm->count("to") ? TimeZone::parse_date(*opt(*vm, "to"), "to") : zone.local_day(now_us());
  CentralizationRule rule;
  rule.window_days = (*vm)["days"].as<int>();
  Session s = open(*vm, false);
  const auto entries = s.diary->pains();
  const auto c = analyze_centralization(entries, end_day, zone, rule);
  const auto two = two_week_rule(entries, end_day, zone);
  // A red flag in the window is repeated here: every surface shows it.
  bool red = false;
  for (const auto& e : entries) {
    const auto d = zone.local_day(e.time_us);
    red = red || (e.red_flags.any() && d >= c.first_day && d <= c.last_day);
  }
  if (red) repeat_red_flag_warning(io, vm->count("json") != 0U);
  if (vm->count("json")) {
    io.out << json{{"tz", zone.name()},
                   {"centralization", to_json(c)},
                   {"two_week_rule", to_json(two)},
                   {"red_flag_in_window", red},
                   {"red_flag_warning", red ? json(std::string(kRedFlagWarning)) : json(nullptr)}}
                  .dump(2)
           << '\n';
    return kOk;
  }
  io.out << "Centralization " << format_date(c.first_day) << " .. " << format_date(c.last_day)
         << " (" << c.window_days << " days, " << zone.name() << "): " << to_string(c.trend)
         << '\n';
  io.out << "  days with entries " << c.days_with_entries << " (at least " << c.min_days
         << " needed)\n";
  if (c.trend != Trend::kNotEnoughData) {
    io.out << std::fixed << std::setprecision(3) << "  Mann-Kendall S " << c.kendall_s << ", tau-b "
           << c.kendall_tau_b << ", z " << c.z << ", p " << c.p_value << " (claimed when p < "
           << c.alpha << ")\n"
           << "  Theil-Sen slope " << c.theil_sen_per_week << " extent levels per week\n";
  }
  for (const auto& d : c.days) {
    io.out << "  " << format_date(d.day) << "  worst " << std::setw(8)
           << to_string(static_cast<Extent>(d.worst_rank)) << " (" << d.entries << " entries)\n";
  }
  io.out << std::defaultfloat << std::setprecision(3) << "Two-week rule: ";
  if (!two.enough_data) {
    io.out << "not enough data (needs entries about two weeks ago and in the last three days)\n";
  } else {
    io.out << "worst pain " << *two.baseline_mean << " two weeks ago, " << *two.recent_mean
           << " now (change " << *two.change << ")\n";
    if (two.not_better) io.out << "  " << kSeeClinicianAdvice << '\n';
  }
  return kOk;
}

// ---------------------------------------------------------------------------------------- test

int test_add(const std::vector<std::string>& args, Io& io) {
  po::options_description o("test add options");
  o.add_options()("direction", po::value<std::string>(),
                  "extension|flexion|nerve_glide|side_glide|other (required)")(
      "extent-before", po::value<std::string>(), "extent before (required)")(
      "extent-after", po::value<std::string>(), "extent after (required)")(
      "leg-before", po::value<int>(), "leg pain before 0-10 (required)")(
      "leg-after", po::value<int>(), "leg pain after 0-10 (required)")(
      "reps", po::value<int>()->default_value(0), "repetitions 0-100 (0: not recorded)")(
      "time", po::value<std::string>(), "when (default now)")("note", po::value<std::string>(),
                                                              "free text");
  const auto vm = parse(args,
                        "pmapctl test add --db FILE|--api URL --direction D --extent-before E "
                        "--extent-after E --leg-before N --leg-after N [--reps N]",
                        o, io, nullptr, Reach::kDbOrApi);
  if (!vm) return kOk;
  MovementTest t;
  t.direction = parse_direction(required(*vm, "direction"));
  t.extent_before = parse_extent(required(*vm, "extent-before"), "extent_before");
  t.extent_after = parse_extent(required(*vm, "extent-after"), "extent_after");
  t.leg_pain_before = required_int(*vm, "leg-before");
  t.leg_pain_after = required_int(*vm, "leg-after");
  t.repetitions = (*vm)["reps"].as<int>();
  const TimeZone zone = zone_of(*vm);
  t.tz = zone.name();
  t.time_us = time_of(*vm, "time", zone);
  if (auto n = opt(*vm, "note")) t.note = *n;
  validate(t, now_us());  // refuse before opening or sending anything
  std::int64_t id = 0;
  if (api_mode(*vm)) {
    const GatewayClient gateway = gateway_of(*vm);
    const json body{{"time", zone.format(t.time_us)},
                    {"tz", t.tz},
                    {"direction", std::string(to_string(t.direction))},
                    {"repetitions", t.repetitions},
                    {"extent_before", std::string(to_string(t.extent_before))},
                    {"extent_after", std::string(to_string(t.extent_after))},
                    {"leg_pain_before", t.leg_pain_before},
                    {"leg_pain_after", t.leg_pain_after},
                    {"note", t.note}};
    const json answer = json::parse(gateway.post("/v1/tests", body).body, nullptr, false);
    if (!answer.is_object() || !answer.contains("id") || !answer["id"].is_number_integer())
      throw Refused("the gateway at " + gateway.url().text() +
                    " answered POST /v1/tests without the stored test's id");
    id = answer["id"].get<std::int64_t>();
  } else {
    Session s = open(*vm, true);
    id = s.diary->add_test(t);
  }
  io.out << "stored movement test " << id << ": " << to_string(t.direction) << ", "
         << to_string(t.extent_before) << " -> " << to_string(t.extent_after)
         << (t.centralized()      ? " (centralized)"
             : t.peripheralized() ? " (peripheralized)"
                                  : "")
         << '\n';
  return kOk;
}

int test_summary(const std::vector<std::string>& args, Io& io) {
  po::options_description o("test summary options");
  o.add_options()("json", "one JSON object");
  const auto vm = parse(args, "pmapctl test summary --db FILE|--api URL [--json]", o, io, nullptr,
                        Reach::kDbOrApi);
  if (!vm) return kOk;
  // The same document from both: to_json(summarize_directions(tests)), GET /v1/tests "summary".
  json p;
  if (api_mode(*vm)) {
    const json doc = gateway_of(*vm).get_json("/v1/tests");
    if (!doc.contains("summary") || !doc["summary"].is_object())
      throw Refused("the gateway's GET /v1/tests answer has no summary");
    p = doc["summary"];
  } else {
    Session s = open(*vm, false);
    p = to_json(summarize_directions(s.diary->tests()));
  }
  if (vm->count("json")) {
    io.out << p.dump(2) << '\n';
    return kOk;
  }
  io.out << std::left << std::setw(13) << "direction" << std::setw(4) << "n" << std::setw(13)
         << "centralized" << std::setw(16) << "peripheralized" << std::setw(14) << "extent chg"
         << std::setw(12) << "leg chg"
         << "sign-test p\n";
  for (const auto& d : p.at("directions")) {
    io.out << std::left << std::setw(13) << d.at("direction").get<std::string>() << std::setw(4)
           << d.at("n").get<int>() << std::setw(13) << d.at("centralized").get<int>()
           << std::setw(16) << d.at("peripheralized").get<int>() << std::setw(14)
           << std::setprecision(3) << d.at("mean_extent_change").get<double>() << std::setw(12)
           << d.at("mean_leg_pain_change").get<double>() << d.at("sign_test_p").get<double>()
           << '\n';
  }
  if (p.at("preferred").is_string()) {
    io.out << "Directional preference: " << p["preferred"].get<std::string>()
           << " centralizes the pain (sign test p < " << p.at("alpha").get<double>() << ").\n";
  } else {
    io.out << "No directional preference can be claimed yet (needs at least "
           << p.at("min_tests").get<int>()
           << " tests of a direction that centralize clearly more often than not).\n";
  }
  return kOk;
}

// --------------------------------------------------------------------------------------- setup

int setup_add(const std::vector<std::string>& args, Io& io) {
  po::options_description o("setup add options");
  o.add_options()("name", po::value<std::string>(), "the setup's name (also the first argument)")(
      "knee-pillow", po::value<std::string>()->default_value("none"), "none|thin|thick|body")(
      "under-knees", po::value<std::string>()->default_value("no"),
      "pillow under the knees: yes|no")("head-pillow",
                                        po::value<std::string>()->default_value("medium"),
                                        "low|medium|high or a height in cm (e.g. 12cm)")(
      "topper", po::value<std::string>()->default_value("no"), "mattress topper: yes|no")(
      "note", po::value<std::string>(), "free text");
  po::positional_options_description pos;
  pos.add("name", 1);
  const auto vm = parse(args,
                        "pmapctl setup add NAME --db FILE|--api URL [--knee-pillow K] "
                        "[--under-knees yes|no] [--head-pillow H] [--topper yes|no]",
                        o, io, &pos, Reach::kDbOrApi);
  if (!vm) return kOk;
  PillowSetup setup;
  setup.name = required(*vm, "name", "the setup's name");
  setup.knee_pillow = parse_knee_pillow((*vm)["knee-pillow"].as<std::string>());
  setup.pillow_under_knees = parse_yes_no((*vm)["under-knees"].as<std::string>(), "under-knees");
  setup.head_pillow = HeadPillow::parse((*vm)["head-pillow"].as<std::string>());
  setup.mattress_topper = parse_yes_no((*vm)["topper"].as<std::string>(), "topper");
  if (auto n = opt(*vm, "note")) setup.note = *n;
  validate(setup);
  if (api_mode(*vm)) {
    const json body{{"name", setup.name},
                    {"knee_pillow", std::string(to_string(setup.knee_pillow))},
                    {"pillow_under_knees", setup.pillow_under_knees},
                    {"head_pillow", setup.head_pillow.to_string()},
                    {"mattress_topper", setup.mattress_topper},
                    {"note", setup.note}};
    (void)gateway_of(*vm).post("/v1/setups", body);
  } else {
    Session s = open(*vm, true);
    s.diary->add_setup(setup);
  }
  io.out << "added setup " << setup.name << '\n';
  return kOk;
}

int setup_use(const std::vector<std::string>& args, Io& io) {
  po::options_description o("setup use options");
  o.add_options()("name", po::value<std::string>(), "the setup (also the first argument)")(
      "from", po::value<std::string>(), "in use from this time (default now)");
  po::positional_options_description pos;
  pos.add("name", 1);
  const auto vm = parse(args, "pmapctl setup use NAME --db FILE|--api URL [--from TIME]", o, io,
                        &pos, Reach::kDbOrApi);
  if (!vm) return kOk;
  const std::string name = required(*vm, "name", "the setup's name");
  const TimeZone zone = zone_of(*vm);
  const std::int64_t from = time_of(*vm, "from", zone);
  if (api_mode(*vm)) {
    validate_setup_name(name);
    (void)gateway_of(*vm).post(
        "/v1/setups/use", json{{"name", name}, {"from", zone.format(from)}, {"tz", zone.name()}});
  } else {
    Session s = open(*vm, true);
    s.diary->use_setup(name, from, zone.name());
  }
  io.out << "setup " << name << " in use from " << zone.format(from) << '\n';
  return kOk;
}

/// `setup list` from {"setups": [diary::to_json(setup) …], "in_use": name|null}; the same for
/// --db and --api.
int print_setup_list(const json& doc, bool as_json, Io& io) {
  if (as_json) {
    io.out << doc.dump(2) << '\n';
    return kOk;
  }
  const json& active = doc.at("in_use");
  for (const auto& x : doc.at("setups")) {
    const std::string name = x.at("name").get<std::string>();
    const std::string note = x.at("note").get<std::string>();
    io.out << (active.is_string() && active.get<std::string>() == name ? "* " : "  ") << std::left
           << std::setw(20) << name << " knee pillow " << std::setw(6)
           << x.at("knee_pillow").get<std::string>() << " under knees " << std::setw(4)
           << yes_no(x.at("pillow_under_knees").get<bool>()) << " head " << std::setw(7)
           << x.at("head_pillow").get<std::string>() << " topper "
           << yes_no(x.at("mattress_topper").get<bool>()) << (note.empty() ? "" : "  " + note)
           << '\n';
  }
  io.out << doc.at("setups").size() << " setups"
         << (active.is_string() ? ", * in use now" : ", none in use") << '\n';
  return kOk;
}

int setup_list(const std::vector<std::string>& args, Io& io) {
  po::options_description o("setup list options");
  o.add_options()("json", "one JSON object");
  const auto vm = parse(args, "pmapctl setup list --db FILE|--api URL [--json]", o, io, nullptr,
                        Reach::kDbOrApi);
  if (!vm) return kOk;
  json doc;
  if (api_mode(*vm)) {
    const GatewayClient gateway = gateway_of(*vm);
    const json answer = gateway.get_json("/v1/setups");
    if (!answer.contains("setups") || !answer["setups"].is_array() || !answer.contains("in_use"))
      throw Refused("the gateway at " + gateway.url().text() +
                    " answered GET /v1/setups without setups");
    doc = json{{"setups", answer["setups"]}, {"in_use", answer["in_use"]}};
  } else {
    Session s = open(*vm, false);
    const auto active = s.diary->timeline().at(now_us());
    json a = json::array();
    for (const auto& x : s.diary->setups()) a.push_back(to_json(x));
    doc = json{{"setups", a}, {"in_use", active ? json(*active) : json(nullptr)}};
  }
  return print_setup_list(doc, vm->count("json") != 0U, io);
}

int setup_show(const std::vector<std::string>& args, Io& io) {
  po::options_description o("setup show options");
  o.add_options()("name", po::value<std::string>(), "the setup (also the first argument)")(
      "at", po::value<std::string>(), "which setup was in use at this time")(
      "night", po::value<std::string>(),
      "which setup was in use the night you woke up on this date (YYYY-MM-DD; at 03:00)")(
      "json", "one JSON object");
  po::positional_options_description pos;
  pos.add("name", 1);
  const auto vm = parse(args,
                        "pmapctl setup show NAME --db FILE | setup show --at TIME | "
                        "setup show --night YYYY-MM-DD",
                        o, io, &pos);
  if (!vm) return kOk;
  needs_db(*vm);
  const int modes = static_cast<int>(vm->count("name") + vm->count("at") + vm->count("night"));
  if (modes != 1) throw UsageError("give exactly one of NAME, --at TIME, --night DATE");
  const TimeZone zone = zone_of(*vm);
  Session s = open(*vm, false);
  const SetupTimeline timeline = s.diary->timeline();
  std::optional<std::string> name = opt(*vm, "name");
  std::string when;
  if (!name) {
    if (auto at = opt(*vm, "at")) {
      const std::int64_t t = zone.parse_time(*at, "at");
      name = timeline.at(t);
      when = "at " + zone.format(t);
    } else {
      const auto day = TimeZone::parse_date(*opt(*vm, "night"), "night");
      name = timeline.for_night(day, zone);
      when = "the night to " + format_date(day);
    }
    if (!name) {
      if (vm->count("json")) {
        io.out << json{{"query", when}, {"setup", nullptr}}.dump(2) << '\n';
      } else {
        io.out << "no setup was in use " << when << '\n';
      }
      return kOk;
    }
  }
  const auto setup = s.diary->find_setup(*name);
  if (!setup) throw DiaryError("name: no setup called '" + *name + "'", "name");
  json periods = json::array();
  const auto& sw = timeline.switches();
  for (std::size_t i = 0; i < sw.size(); ++i) {
    if (sw[i].setup_name != *name) continue;
    periods.push_back(
        json{{"from", zone.format(sw[i].from_us)},
             {"to", i + 1 < sw.size() ? json(zone.format(sw[i + 1].from_us)) : json(nullptr)}});
  }
  if (vm->count("json")) {
    json j = to_json(*setup);
    j["in_use"] = periods;
    if (!when.empty()) j["query"] = when;
    io.out << j.dump(2) << '\n';
    return kOk;
  }
  if (!when.empty()) io.out << "in use " << when << ": " << *name << '\n';
  io.out << "setup " << setup->name << "\n  knee pillow        " << to_string(setup->knee_pillow)
         << "\n  pillow under knees " << yes_no(setup->pillow_under_knees)
         << "\n  head pillow        " << setup->head_pillow.to_string() << "\n  mattress topper    "
         << yes_no(setup->mattress_topper) << "\n  note               " << setup->note
         << "\n  in use:\n";
  for (const auto& p : periods) {
    io.out << "    from " << p["from"].get<std::string>() << " to "
           << (p["to"].is_null() ? std::string("now") : p["to"].get<std::string>()) << '\n';
  }
  if (periods.empty()) io.out << "    never\n";
  return kOk;
}

// ---------------------------------------------------------------------- import, export, forget

int import_csv(const std::vector<std::string>& args, Io& io) {
  po::options_description o("import options");
  const std::string csv_help = "pain diary CSV (header: " + std::string(kPainCsvHeader) + ")";
  o.add_options()("csv", po::value<std::string>(), csv_help.c_str());
  const auto vm = parse(args,
                        "pmapctl import --csv FILE --db FILE [--tz ZONE]\n"
                        "All rows are validated first; one bad row imports nothing.",
                        o, io);
  if (!vm) return kOk;
  needs_db(*vm);
  const std::string path = required(*vm, "csv", "the file to import");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Refused("cannot read '" + path + "'");
  std::stringstream text;
  text << f.rdbuf();
  constexpr std::size_t kMaxImportBytes = 64U << 20U;
  if (text.str().size() > kMaxImportBytes) throw Refused("'" + path + "' is larger than 64 MiB");
  auto entries = PainCsv::parse(text.str(), zone_of(*vm), now_us());
  Session s = open(*vm, true);
  std::size_t red = 0;
  for (const auto& e : entries) red += e.red_flags.any() ? 1 : 0;
  if (red > 0) {
    io.out << red << " imported entries answered yes to a red-flag question.\n";
    show_red_flag_warning(io);
  }
  const std::size_t count = entries.size();
  s.diary->add_pains(std::move(entries), 2);
  io.out << "imported " << count << " entries from '" << path << "'\n";
  return red > 0 ? kRedFlag : kOk;
}

int export_all(const std::vector<std::string>& args, Io& io) {
  po::options_description o("export options");
  o.add_options()("format", po::value<std::string>()->default_value("json"), "json|csv")(
      "output,o", po::value<std::string>(),
      "json: a file (default stdout); csv: a directory (required) that receives one file per "
      "table (docs/export.md)")("from", po::value<std::string>(),
                                "first local date YYYY-MM-DD (inclusive; default: all)")(
      "to", po::value<std::string>(), "last local date YYYY-MM-DD (inclusive; default: all)")(
      "raw", "include the raw frames' bytes (base64 of the binary wire form; can be gigabytes)")(
      "force", "replace an existing file, or a directory that is not empty");
  const auto vm = parse(args,
                        "pmapctl export --db FILE [--format json|csv] [-o FILE|DIR] "
                        "[--from D] [--to D] [--raw] [--force] [--tz ZONE]\n"
                        "Everything personal in the file: the diary, nights and sitting days, "
                        "mats, episodes,\nepochs, posture epochs, status events, counters and "
                        "raw frame metadata (docs/export.md)",
                        o, io);
  if (!vm) return kOk;
  needs_db(*vm);
  const std::string format = (*vm)["format"].as<std::string>();
  if (format != "json" && format != "csv") throw UsageError("--format must be json or csv");
  const auto output = opt(*vm, "output");
  if (format == "csv" && !output)
    throw UsageError("--format csv needs -o DIR (it writes one file per table)");
  const bool force = vm->count("force") != 0U;
  const TimeZone zone = zone_of(*vm);
  data_export::ExportOptions options;
  if (auto from = opt(*vm, "from")) options.from = TimeZone::parse_date(*from, "from");
  if (auto to = opt(*vm, "to")) options.to = TimeZone::parse_date(*to, "to");
  if (options.from && options.to && *options.from > *options.to)
    throw DiaryError("to: must not be before --from", "to");
  options.raw = vm->count("raw") != 0U;
  const std::string db_path = required(*vm, "db", "the SQLite file");
  if (output) {
    // Never write over the database (or its WAL, shared-memory or journal file), nor (--force)
    // replace a directory that holds it.
    std::filesystem::path out_path(*output);
    if (!out_path.has_filename()) out_path = out_path.parent_path();  // "dir/" names "dir"
    std::error_code out_ec;
    std::error_code db_ec;
    const auto out = std::filesystem::weakly_canonical(out_path, out_ec);
    const auto db = std::filesystem::weakly_canonical(db_path, db_ec);
    const bool known = !out_ec && !db_ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      if (known && out.string() == db.string() + suffix)
        throw Refused("'" + *output + "' is the database" +
                      (*suffix != '\0' ? std::string("'s ") + (suffix + 1) + " file" : " itself"));
    }
    if (known && format == "csv") {
      const auto rel = db.lexically_relative(out);
      if (!rel.empty() && *rel.begin() != "..")
        throw Refused("'" + *output + "' holds the database; export to another directory");
    }
  }
  Session s = open(*vm, false);
  data_export::Exporter exporter(*s.store, zone, options);
  try {
    if (format == "json" && !output) {
      const auto counts = data_export::export_json(exporter, io.out);
      // Every surface that shows entries repeats the warning; stdout carries the JSON.
      if (counts.red_flag_entries > 0) repeat_red_flag_warning(io, true);
      return kOk;
    }
    const auto counts = format == "json"
                            ? data_export::export_json_file(exporter, *output, force)
                            : data_export::export_csv_directory(exporter, *output, force);
    std::int64_t rows = 0;
    for (const auto& [table, n] : counts.tables) rows += n;
    io.out << "exported " << rows << " rows of " << counts.tables.size() << " tables to " << *output
           << (format == "csv" ? " (one CSV file per table)" : "") << '\n';
    if (counts.red_flag_entries > 0) {
      io.out << counts.red_flag_entries
             << " exported entries answered yes to a red-flag question:\n";
      repeat_red_flag_warning(io, false);
    }
  } catch (const data_export::ExportError& e) {
    throw Refused(e.what());
  }
  return kOk;
}

// ------------------------------------------------------------------------------------ delete

/// A mat recorded this recently is taken to be live: a gateway is writing to the file.
constexpr std::int64_t kLiveMatUs = 120'000'000;

/// Asks for `word` on stdin; throws Refused unless it is typed.
void confirm(Io& io, const std::string& what, std::string_view word) {
  io.out << what << "It cannot be undone. Type '" << word << "' to confirm: ";
  io.out.flush();
  std::string answer;
  std::getline(io.in, answer);
  io.out << '\n';  // the answer's own newline is not echoed when stdin is not a terminal
  if (!answer.empty() && answer.back() == '\r') answer.pop_back();
  if (answer != word) throw Refused("not confirmed; nothing was deleted");
}

/// "pain_entries=3 epochs=17280 …" of a deletion document's non-zero tables (every table when
/// `all_tables`).
std::string table_counts(const json& doc, bool all_tables) {
  std::string out;
  for (const auto& [table, n] : doc["deleted"].items()) {
    if (all_tables || n.get<std::int64_t>() != 0)
      out += (out.empty() ? "" : " ") + table + "=" + std::to_string(n.get<std::int64_t>());
  }
  return out.empty() ? "(none)" : out;
}

/// What will go, for the confirmation (from a dry run's document).
std::string deletion_preview_text(const json& doc, const std::string& where) {
  std::ostringstream o;
  o << "This deletes " << doc["scope"]["description"].get<std::string>() << " from " << where
    << ":\n  " << doc["rows"].get<std::int64_t>() << " rows: " << table_counts(doc, false) << '\n';
  if (!doc["mats_deleted"].empty()) o << "  mats removed: " << doc["mats_deleted"].dump() << '\n';
  return o.str();
}

/// The text of a deletion document (docs/export.md, "Delete").
void print_deletion(const json& doc, bool everything_listed, Io& io) {
  const bool dry = doc["dry_run"].get<bool>();
  io.out << (dry ? "would delete " : "deleted ") << doc["rows"].get<std::int64_t>() << " rows ("
         << doc["scope"]["description"].get<std::string>()
         << "): " << table_counts(doc, everything_listed) << '\n';
  if (!doc["mats_deleted"].empty())
    io.out << (dry ? "mats that would be removed: " : "mats removed: ")
           << doc["mats_deleted"].dump() << '\n';
  if (dry) return;
  io.out << "database file: " << doc["file_bytes_before"].get<std::int64_t>() << " -> "
         << doc["file_bytes_after"].get<std::int64_t>() << " bytes"
         << (doc["compacted"].get<bool>() ? " (compacted)"
                                          : " (free pages zeroed; --compact shrinks it)")
         << '\n';
  if (!doc["wal_truncated"].get<bool>())
    io.out << "note: another program kept reading the database, so its write-ahead log could not "
              "be truncated yet: it still holds copies of the deleted rows until the next "
              "checkpoint (the gateway runs one at least every 1000 pages); run the deletion "
              "again later to make sure\n";
  if (const auto g = doc.find("gateway"); g != doc.end() && g->is_object()) {
    if (g->contains("error")) io.out << "gateway: " << (*g)["error"].get<std::string>() << '\n';
    if (!g->value("retained_cleared", json::array()).empty())
      io.out << "retained MQTT messages cleared: " << (*g)["retained_cleared"].dump() << '\n';
    if (!g->value("retained_not_cleared", json::array()).empty())
      io.out << "NOT cleared (the gateway was not connected to the broker): "
             << (*g)["retained_not_cleared"].dump()
             << " - clear them with mosquitto_pub -r -n -t TOPIC\n";
    if (!g->value("mats_registered_again", json::array()).empty())
      io.out << "still recording, registered again: " << (*g)["mats_registered_again"].dump()
             << '\n';
    if (!g->value("home_assistant_withdrawn", json::array()).empty())
      io.out << "Home Assistant entities withdrawn: " << (*g)["home_assistant_withdrawn"].dump()
             << '\n';
  }
}

/// `pmapctl delete` (and `forget`, which is `delete --all` over --db confirmed by 'forget').
int delete_impl(const std::vector<std::string>& args, Io& io, std::string_view word,
                const std::string& usage, Reach reach) {
  po::options_description o("delete options");
  o.add_options()("all", "everything: every row of every table")(
      "mat", po::value<std::string>(),
      "this mat's data (mats, status events, counters, epochs, posture epochs, episodes, raw "
      "frames); the diary stays")("from", po::value<std::string>(),
                                  "from this local date YYYY-MM-DD (or time) on, inclusive")(
      "to", po::value<std::string>(), "up to this local date YYYY-MM-DD (or time), inclusive")(
      "compact", "also VACUUM: the file shrinks (rewrites it; stop the gateway first with --db)")(
      "dry-run", "only count what would be deleted")("yes", "do not ask (for scripts)")(
      "json", "print the result as one JSON object (docs/export.md, \"Delete\")");
  const auto vm = parse(args, usage, o, io, nullptr, reach);
  if (!vm) return kOk;
  if (reach == Reach::kDbOnly) needs_db(*vm);
  const bool all = vm->count("all") != 0U;
  const auto mat = opt(*vm, "mat");
  const auto from = opt(*vm, "from");
  const auto to = opt(*vm, "to");
  if (all && (mat || from || to)) throw UsageError("--all goes without --mat, --from and --to");
  if (!all && !mat && !from && !to)
    throw UsageError("say what to delete: --all, or --mat ID and/or --from D / --to D");
  if (mat && !is_valid_mat_id(*mat)) throw DiaryError("mat: '" + *mat + "' is not a mat id", "mat");
  const bool dry_run = vm->count("dry-run") != 0U;
  const bool yes = vm->count("yes") != 0U;
  const bool compact = vm->count("compact") != 0U;
  const bool as_json = vm->count("json") != 0U;
  json doc;
  if (api_mode(*vm)) {
    if (vm->count("tz") != 0U)
      throw UsageError("--tz needs --db: through the API, dates are in the gateway's zone");
    for (const auto& [name, text] : {std::pair{"from", from}, std::pair{"to", to}}) {
      if (text && text->size() != 10)
        throw UsageError(std::string("--") + name +
                         ": through the API only a date YYYY-MM-DD (a time needs --db)");
    }
    GatewayClient client = gateway_of(*vm);
    std::string query = "/v1/data?";
    if (all) query += "all=true";
    if (mat) query += "mat=" + GatewayClient::encode(*mat) + "&";
    if (from) query += "from=" + GatewayClient::encode(*from) + "&";
    if (to) query += "to=" + GatewayClient::encode(*to) + "&";
    if (query.back() == '&') query.pop_back();
    if (compact) query += "&compact=true";
    const auto call = [&](bool dry) {  // a GatewayError is reported by run()
      const GatewayReply reply = client.remove(query + (dry ? "&dry_run=true" : ""));
      json j = json::parse(reply.body, nullptr, false);
      if (!j.is_object() || !j.contains("deleted") || !j.contains("scope"))
        throw Refused("the gateway's answer is not a deletion document");
      return j;
    };
    if (!dry_run && !yes) confirm(io, deletion_preview_text(call(true), client.url().text()), word);
    doc = call(dry_run);
  } else {
    const TimeZone zone = zone_of(*vm);
    deletion::DeletionScope scope;
    scope.mat_id = mat;
    if (from) scope.from_us = bound_of(*from, "from", zone, false);
    if (to) scope.to_us = bound_of(*to, "to", zone, true);
    if (scope.from_us && scope.to_us && *scope.from_us >= *scope.to_us)
      throw DiaryError("to: must not be before --from", "to");
    const std::string path = required(*vm, "db", "the SQLite file");
    Session s = open(*vm, false);
    try {
      const deletion::DeletionResult plan = deletion::preview(*s.store, scope);
      if (!dry_run) {
        // A gateway recording into this file would re-create a deleted mat's row without its
        // kind, and wait on (or lose a batch to) a VACUUM: the gateway's own path does it right.
        const std::int64_t now = now_us();
        Statement st = s.store->db().prepare(
            "SELECT id, last_seen_us FROM mats WHERE last_seen_us > ?1 ORDER BY last_seen_us DESC");
        st.bind(1, now - kLiveMatUs);
        while (st.step()) {
          const std::string id = st.column_text(0);
          const bool removed = std::find(plan.mats_deleted.begin(), plan.mats_deleted.end(), id) !=
                               plan.mats_deleted.end();
          if (!removed && !compact) continue;
          throw Refused(
              "mat '" + id + "' was recorded " +
              std::to_string(std::max<std::int64_t>(0, now - st.column_int(1)) / 1'000'000) +
              " s ago: a gateway is writing to '" + path + "'. Delete through it " +
              "(pmapctl delete --api URL), which keeps the mats it records " +
              "registered, or stop it first (systemctl stop pmap-gateway)");
        }
      }
      if (dry_run) {
        doc = deletion::to_json(plan, scope, true);
      } else {
        if (!yes)
          confirm(io, deletion_preview_text(deletion::to_json(plan, scope, true), "'" + path + "'"),
                  word);
        deletion::DeletionOptions options;
        options.compact = compact;
        doc = deletion::to_json(deletion::delete_data(*s.store, scope, options), scope, false);
      }
    } catch (const deletion::DeletionError& e) {
      throw Refused(e.what());
    }
  }
  if (as_json) {
    io.out << doc.dump(2) << '\n';
  } else {
    print_deletion(doc, all, io);
  }
  return kOk;
}

int delete_cmd(const std::vector<std::string>& args, Io& io) {
  return delete_impl(args, io, "delete",
                     "pmapctl delete --db FILE|--api URL (--all | [--mat ID] [--from D] [--to D])\n"
                     "               [--compact] [--dry-run] [--yes] [--json] [--tz ZONE]\n"
                     "Deletes personal data from every table and from the file's bytes "
                     "(docs/export.md, \"Delete\").",
                     Reach::kDbOrApi);
}

int forget(const std::vector<std::string>& args, Io& io) {
  std::vector<std::string> all = args;
  all.emplace_back("--all");
  return delete_impl(all, io, kForgetConfirmation,
                     "pmapctl forget --db FILE [--yes]   (the same as: pmapctl delete --all)\n"
                     "Deletes every row of every table: pain diary, movement tests, "
                     "pillow setups, nights, epochs, episodes, raw frames, mats.",
                     Reach::kDbOnly);
}

/// --from/--to as local dates (default: the last 7 days up to today) and the thresholds.
struct SummaryRange {
  std::chrono::sys_days from;
  std::chrono::sys_days to;
};

po::options_description summary_options(const char* title) {
  po::options_description o(title);
  o.add_options()("mat", po::value<std::string>(), "only this mat (default: every mat)")(
      "from", po::value<std::string>(), "first date YYYY-MM-DD (default: --to - 6)")(
      "to", po::value<std::string>(), "last date YYYY-MM-DD (default: today)")(
      "json", "one JSON object (docs/nights.md, \"JSON\")")(
      "merge-exit-min", po::value<int>()->default_value(15),
      "bed exits shorter than this stay inside one sleep period")(
      "evening-hour", po::value<int>()->default_value(18),
      "a sleep period ending at or after this local hour counts for the next date")(
      "obliquity-deg", po::value<double>()->default_value(5.0),
      "|pelvic obliquity| beyond this counts as oblique sitting")(
      "bout-limit-min", po::value<int>()->default_value(45),
      "sitting bouts longer than this are counted as over the limit");
  return o;
}

nights::NightsConfig summary_config(const po::variables_map& vm) {
  nights::NightsConfig c;
  const int merge = vm["merge-exit-min"].as<int>();
  const int evening = vm["evening-hour"].as<int>();
  const double obliquity = vm["obliquity-deg"].as<double>();
  const int limit = vm["bout-limit-min"].as<int>();
  if (merge < 0 || merge > 24 * 60)
    throw DiaryError("merge-exit-min: must be 0..1440", "merge-exit-min");
  if (evening < 12 || evening > 24)
    throw DiaryError("evening-hour: must be 12..24", "evening-hour");
  if (!(obliquity >= 0 && obliquity <= 45))
    throw DiaryError("obliquity-deg: must be 0..45", "obliquity-deg");
  if (limit < 1 || limit > 24 * 60)
    throw DiaryError("bout-limit-min: must be 1..1440", "bout-limit-min");
  c.merge_exit_max_s = std::int64_t{merge} * 60;
  c.evening_hour = evening;
  c.obliquity_threshold_deg = obliquity;
  c.bout_limit_s = std::int64_t{limit} * 60;
  return c;
}

/// --mat of nights/days: checked here, with --db as with --api.
std::optional<std::string> summary_mat(const po::variables_map& vm) {
  auto mat = opt(vm, "mat");
  if (mat && !is_valid_mat_id(*mat)) throw DiaryError("mat: '" + *mat + "' is not a mat id", "mat");
  return mat;
}

SummaryRange range_of(const po::variables_map& vm, const TimeZone& zone) {
  SummaryRange r;
  r.to = vm.count("to") ? TimeZone::parse_date(*opt(vm, "to"), "to") : zone.local_day(now_us());
  r.from = vm.count("from") ? TimeZone::parse_date(*opt(vm, "from"), "from")
                            : r.to - std::chrono::days(6);
  if (r.from > r.to) throw DiaryError("to: must not be before --from", "to");
  if (r.to - r.from > std::chrono::days(3660))
    throw DiaryError("from: at most ten years at a time", "from");
  return r;
}

std::string hours_minutes(std::int64_t s) {
  std::ostringstream o;
  o << s / 3600 << 'h' << std::setw(2) << std::setfill('0') << (s % 3600) / 60;
  return o.str();
}

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

std::string fixed(const std::optional<double>& v, int digits) {
  return v ? fixed(*v, digits) : "-";
}

/// The thresholds of summary_options(): the API uses their defaults.
constexpr std::initializer_list<const char*> kThresholdOptions = {
    "merge-exit-min", "evening-hour", "obliquity-deg", "bout-limit-min"};

/// GET /v1/nights or /v1/days with --from/--to (checked here as with --db; without them the
/// gateway takes today in its zone). The document is exactly `nights --json` / `days --json`
/// (docs/api.md); with --tz it must be the gateway's zone, which keys the dates.
json summary_over_api(const po::variables_map& vm, const std::string& what) {
  only_defaults_over_api(vm, kThresholdOptions);
  std::string query;
  if (const auto mat = summary_mat(vm)) query = "?mat=" + *mat;  // a mat id needs no escaping
  for (const char* name : {"from", "to"}) {
    if (auto v = opt(vm, name)) {
      (void)TimeZone::parse_date(*v, name);
      query += std::string(query.empty() ? "?" : "&") + name + "=" + *v;
    }
  }
  if (vm.count("from") != 0U && vm.count("to") != 0U &&
      TimeZone::parse_date(*opt(vm, "from"), "from") > TimeZone::parse_date(*opt(vm, "to"), "to"))
    throw DiaryError("to: must not be before --from", "to");
  const GatewayClient gateway = gateway_of(vm);
  const std::string target = "/v1/" + what + query;
  json doc = gateway.get_json(target);
  for (const char* key : {"tz", "from", "to"}) {
    if (!doc.contains(key) || !doc[key].is_string())
      throw Refused("the gateway at " + gateway.url().text() + " answered GET " + target +
                    " without '" + key + "'");
  }
  if (auto tz = opt(vm, "tz"); tz && TimeZone(*tz).name() != doc["tz"].get<std::string>())
    throw Refused("tz: the gateway keys " + what + " by dates in its zone '" +
                  doc["tz"].get<std::string>() + "', not '" + *tz +
                  "' (leave out --tz, or use --db)");
  return doc;
}

/// `nights` from its JSON document (exactly what `nights --json` prints); the same for --db and
/// --api.
int print_nights(const json& doc, bool as_json, Io& io) {
  if (as_json) {
    io.out << doc.dump(2) << '\n';
    return kOk;
  }
  const json& all = doc.at("nights");
  const auto from = TimeZone::parse_date(doc.at("from").get<std::string>(), "from");
  const auto to = TimeZone::parse_date(doc.at("to").get<std::string>(), "to");
  io.out << std::left << std::setw(12) << "wake date" << std::setw(8) << "bed" << std::setw(7)
         << "in bed" << std::setw(6) << "exits" << std::setw(7) << "supine" << std::setw(7)
         << "prone" << std::setw(7) << "left" << std::setw(7) << "right" << std::setw(8)
         << "turns/h" << std::setw(7) << "still" << std::setw(8) << "pillow" << std::setw(6)
         << "slips" << std::setw(6) << "roll"
         << "setup\n";
  const auto int_of = [](const json& n, const char* key) { return n.at(key).get<std::int64_t>(); };
  const auto opt_double = [](const json& n, const char* key) {
    const json& v = n.at(key);
    return v.is_null() ? std::optional<double>() : std::optional<double>(v.get<double>());
  };
  for (auto d = from; d <= to; d += std::chrono::days(1)) {
    bool any = false;
    for (const auto& n : all) {
      if (n.at("wake_date").get<std::string>() != format_date(d)) continue;
      any = true;
      const auto pos = [&](const char* p) {
        return hours_minutes(n.at("position_s").at(p).get<std::int64_t>());
      };
      const std::int64_t aligned = int_of(n, "side_knee_aligned_s");
      const std::int64_t side = aligned + int_of(n, "side_knee_dropped_s");
      io.out << std::left << std::setw(12) << format_date(d) << std::setw(8)
             << n.at("mat_id").get<std::string>() << std::setw(7)
             << hours_minutes(int_of(n, "time_in_bed_s")) << std::setw(6) << int_of(n, "bed_exits")
             << std::setw(7) << pos("supine") << std::setw(7) << pos("prone") << std::setw(7)
             << pos("left") << std::setw(7) << pos("right") << std::setw(8)
             << fixed(n.at("turns_per_h").get<double>(), 1) << std::setw(7)
             << hours_minutes(int_of(n, "longest_still_s")) << std::setw(8)
             << (side > 0
                     ? fixed(100.0 * static_cast<double>(aligned) / static_cast<double>(side), 0) +
                           "%"
                     : "-")
             << std::setw(6) << int_of(n, "pillow_slips") << std::setw(6)
             << fixed(opt_double(n, "side_pelvic_roll_mean_deg"), 1)
             << (n.at("setup").is_string() ? n.at("setup").get<std::string>() : "-") << '\n';
    }
    if (!any) io.out << std::left << std::setw(12) << format_date(d) << "no data\n";
  }
  io.out << all.size() << " nights (" << doc.at("tz").get<std::string>()
         << "; pillow = side-lying time with the knee pillow aligned; roll = mean pelvic roll "
            "while side-lying, deg)\n";
  return kOk;
}

int nights_cmd(const std::vector<std::string>& args, Io& io) {
  const auto vm =
      parse(args, "pmapctl nights --db FILE|--api URL [--mat ID] [--from D] [--to D] [--json]",
            summary_options("nights options"), io, nullptr, Reach::kDbOrApi);
  if (!vm) return kOk;
  const bool as_json = vm->count("json") != 0U;
  if (api_mode(*vm)) return print_nights(summary_over_api(*vm, "nights"), as_json, io);
  const TimeZone zone = zone_of(*vm);
  const auto config = summary_config(*vm);
  const SummaryRange r = range_of(*vm, zone);
  Session s = open(*vm, false);
  const auto all =
      nights::NightsReader(*s.store, zone, config).nights(r.from, r.to, summary_mat(*vm));
  return print_nights(nights::nights_document(all, zone, r.from, r.to), as_json, io);
}

/// `days` from its JSON document (exactly what `days --json` prints); the same for --db and --api.
int print_days(const json& doc, bool as_json, Io& io) {
  if (as_json) {
    io.out << doc.dump(2) << '\n';
    return kOk;
  }
  const json& all = doc.at("days");
  const auto from = TimeZone::parse_date(doc.at("from").get<std::string>(), "from");
  const auto to = TimeZone::parse_date(doc.at("to").get<std::string>(), "to");
  io.out << std::left << std::setw(12) << "date" << std::setw(8) << "chair" << std::setw(8)
         << "sitting" << std::setw(6) << "bouts" << std::setw(8) << "longest" << std::setw(6)
         << "over" << std::setw(9) << "breaks/h" << std::setw(12) << "oblique" << std::setw(9)
         << "slouched" << std::setw(8) << "wallet" << std::setw(9) << "PPI med"
         << "DI med %\n";
  const auto int_of = [](const json& n, const char* key) { return n.at(key).get<std::int64_t>(); };
  const auto opt_double = [](const json& n, const char* key) {
    const json& v = n.at(key);
    return v.is_null() ? std::optional<double>() : std::optional<double>(v.get<double>());
  };
  for (auto d = from; d <= to; d += std::chrono::days(1)) {
    bool any = false;
    for (const auto& day : all) {
      if (day.at("date").get<std::string>() != format_date(d)) continue;
      any = true;
      const std::int64_t oblique =
          int_of(day, "oblique_right_low_s") + int_of(day, "oblique_left_low_s");
      const json& side = day.at("oblique_side");
      io.out << std::left << std::setw(12) << format_date(d) << std::setw(8)
             << day.at("mat_id").get<std::string>() << std::setw(8)
             << hours_minutes(int_of(day, "sitting_s")) << std::setw(6) << int_of(day, "bouts")
             << std::setw(8) << hours_minutes(int_of(day, "longest_bout_s")) << std::setw(6)
             << int_of(day, "bouts_over_limit") << std::setw(9)
             << fixed(day.at("breaks_per_sitting_h").get<double>(), 1) << std::setw(12)
             << (oblique > 0
                     ? hours_minutes(oblique) + " " +
                           (side.is_string() && side.get<std::string>() == "right_low" ? "R" : "L")
                     : "-")
             << std::setw(9)
             << hours_minutes(static_cast<std::int64_t>(day.at("slouched_s").get<double>()))
             << std::setw(8) << (fixed(day.at("wallet_min").get<double>(), 0) + "min")
             << std::setw(9) << fixed(opt_double(day, "ppi_median"), 1)
             << fixed(opt_double(day, "di_median_pct"), 0) << '\n';
    }
    if (!any) io.out << std::left << std::setw(12) << format_date(d) << "no sitting\n";
  }
  io.out << all.size() << " sitting days (" << doc.at("tz").get<std::string>()
         << "; over = bouts longer than " << doc.at("bout_limit_s").get<std::int64_t>() / 60
         << " min; oblique = time beyond "
         << fixed(doc.at("obliquity_threshold_deg").get<double>(), 1)
         << " deg, R/L = which side lower)\n";
  return kOk;
}

int days_cmd(const std::vector<std::string>& args, Io& io) {
  const auto vm =
      parse(args, "pmapctl days --db FILE|--api URL [--mat ID] [--from D] [--to D] [--json]",
            summary_options("days options"), io, nullptr, Reach::kDbOrApi);
  if (!vm) return kOk;
  const bool as_json = vm->count("json") != 0U;
  if (api_mode(*vm)) return print_days(summary_over_api(*vm, "days"), as_json, io);
  const TimeZone zone = zone_of(*vm);
  const auto config = summary_config(*vm);
  const SummaryRange r = range_of(*vm, zone);
  Session s = open(*vm, false);
  const auto all =
      nights::NightsReader(*s.store, zone, config).days(r.from, r.to, summary_mat(*vm));
  return print_days(nights::days_document(all, zone, r.from, r.to, config), as_json, io);
}

/// Writes a made report to -o FILE (atomically) or stdout (bytes as they are: PDF is binary); with
/// the red-flag banner, the warning also goes to stderr and the exit code is 3.
int deliver_report(const std::string& content, std::chrono::sys_days date,
                   const std::optional<std::string>& output, bool red_flag, Io& io) {
  if (output) {
    write_file_atomically(*output, content);
    io.out << "report " << format_date(date) << " written to " << *output << '\n';
  } else {
    io.out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  if (red_flag) {
    // The banner is in the report; whoever only sees the terminal must see it too.
    io.err << '\n' << kRedFlagWarning << "\n\n";
    return kRedFlag;
  }
  return kOk;
}

/// GET /v1/reports/{date}?format=…: the gateway makes the report with the default thresholds and
/// history, in its zone; X-PostureMap-Red-Flag marks the red-flag banner.
int report_over_api(const po::variables_map& vm, const TimeZone& zone, const std::string& format,
                    Io& io) {
  only_defaults_over_api(vm, kThresholdOptions);
  only_defaults_over_api(vm, {"history-days", "bed-mat", "chair-mat"});
  const auto date =
      vm.count("date") ? TimeZone::parse_date(*opt(vm, "date"), "date") : zone.local_day(now_us());
  const GatewayClient gateway = gateway_of(vm);
  const std::string target = "/v1/reports/" + format_date(date) + "?format=" + format;
  const GatewayReply reply = gateway.get(target);
  std::string content = reply.body;
  if (format == "json") {
    // As with --db: indented, one newline at the end.
    const json doc = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object())
      throw Refused("the gateway at " + gateway.url().text() + " answered GET " + target +
                    " with something that is not a JSON report");
    content = doc.dump(2) + "\n";
  } else if (format == "pdf" && !content.starts_with("%PDF-")) {
    throw Refused("the gateway at " + gateway.url().text() + " answered GET " + target +
                  " with something that is not a PDF");
  }
  return deliver_report(content, date, opt(vm, "output"), reply.red_flag(), io);
}

int report_cmd(const std::vector<std::string>& args, Io& io) {
  po::options_description o = summary_options("report options");
  o.add_options()("date", po::value<std::string>(),
                  "the report's date YYYY-MM-DD: the morning after the night (default: today)")(
      "format", po::value<std::string>()->default_value("html"), "html|pdf|json")(
      "output,o", po::value<std::string>(), "write to FILE (default stdout)")(
      "history-days", po::value<int>()->default_value(365),
      "days of history behind the associations and setup comparison (14..3660)")(
      "bed-mat", po::value<std::string>(), "the bed mat (default: the one with the most nights)")(
      "chair-mat", po::value<std::string>(),
      "the chair mat (default: the one with the most sitting days)");
  const auto vm = parse(args,
                        "pmapctl report --db FILE|--api URL [--date D] [--format html|pdf|json] "
                        "[-o FILE]",
                        o, io, nullptr, Reach::kDbOrApi);
  if (!vm) return kOk;
  const TimeZone zone = zone_of(*vm);
  const std::string format = (*vm)["format"].as<std::string>();
  if (format != "html" && format != "json" && format != "pdf")
    throw UsageError("--format must be html, pdf or json");
  if (api_mode(*vm)) return report_over_api(*vm, zone, format, io);
  report::ReportConfig config;
  config.nights = summary_config(*vm);
  config.history_days = (*vm)["history-days"].as<int>();
  config.bed_mat = opt(*vm, "bed-mat");
  config.chair_mat = opt(*vm, "chair-mat");
  const std::int64_t now = now_us();
  const auto date =
      vm->count("date") ? TimeZone::parse_date(*opt(*vm, "date"), "date") : zone.local_day(now);
  Session s = open(*vm, false);
  json doc;
  try {
    doc = report::ReportBuilder(*s.store, zone, config).build(date, now);
  } catch (const report::ReportError& e) {
    throw Refused(e.what());
  }
  std::string content;
  if (format == "json") {
    content = doc.dump(2) + "\n";
  } else if (format == "html") {
    content = report::render_html(doc);
  } else {
    try {
      report_pdf::PdfOptions pdf;
      pdf.title = "PostureMap morning report " + format_date(date);
      content = report_pdf::html_to_pdf(report::render_html(doc), pdf);
    } catch (const report_pdf::PdfError& e) {
      throw Refused(std::string("PDF: ") + e.what());
    }
  }
  return deliver_report(content, date, opt(*vm, "output"), doc["red_flag"]["active"].get<bool>(),
                        io);
}

/// The message for a failed API call (docs/diary.md, "Through the gateway").
std::string gateway_message(const GatewayError& e) {
  if (e.kind() != GatewayError::Kind::kHttp) return e.what();
  if (e.status() == 401)
    return std::string("token rejected or missing (--token-file): ") + e.what();
  std::string detail;
  if (!e.code().empty()) detail = e.code();
  if (!e.field().empty()) detail += (detail.empty() ? "field " : ", field ") + e.field();
  const std::string by = e.status() >= 500 ? "the gateway failed: " : "";
  return by + e.what() + (detail.empty() ? "" : " (" + detail + ")");
}

using Handler = std::function<int(const std::vector<std::string>&, Io&)>;

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> h = {
      {"pain add", pain_add},   {"pain list", pain_list},       {"pain trend", pain_trend},
      {"test add", test_add},   {"test summary", test_summary}, {"setup add", setup_add},
      {"setup use", setup_use}, {"setup list", setup_list},     {"setup show", setup_show},
      {"import", import_csv},   {"export", export_all},         {"forget", forget},
      {"delete", delete_cmd},   {"nights", nights_cmd},         {"days", days_cmd},
      {"report", report_cmd}};
  return h;
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err) {
  Io io{in, out, err};
  if (args.empty()) {
    err << kTopUsage;
    return kUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kTopUsage;
    return kOk;
  }
  std::string command = args[0];
  std::size_t rest_from = 1;
  const bool has_sub = command == "pain" || command == "test" || command == "setup";
  if (has_sub) {
    if (args.size() < 2 || args[1].starts_with("-")) {
      if (args.size() >= 2 && (args[1] == "--help" || args[1] == "-h")) {
        out << kTopUsage;
        return kOk;
      }
      err << "pmapctl: '" << command << "' needs a subcommand (pmapctl --help)\n";
      return kUsage;
    }
    command += " " + args[1];
    rest_from = 2;
  }
  const auto it = handlers().find(command);
  if (it == handlers().end()) {
    err << "pmapctl: unknown command '" << command << "' (pmapctl --help)\n";
    return kUsage;
  }
  const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(rest_from),
                                      args.end());
  try {
    return it->second(rest, io);
  } catch (const UsageError& e) {
    err << "pmapctl " << command << ": " << e.what() << " (pmapctl " << command << " --help)\n";
    return kUsage;
  } catch (const DiaryError& e) {
    err << "pmapctl " << command << ": refused: " << e.what() << '\n';
    return kRefused;
  } catch (const Refused& e) {
    err << "pmapctl " << command << ": refused: " << e.what() << '\n';
    return kRefused;
  } catch (const GatewayError& e) {
    err << "pmapctl " << command << ": refused: " << gateway_message(e) << '\n';
    return kRefused;
  } catch (const nlohmann::json::exception& e) {
    // A 2xx answer whose JSON lacks what pmapctl reads (another gateway version).
    err << "pmapctl " << command << ": error: unexpected answer from the gateway: " << e.what()
        << '\n';
    return kRefused;
  } catch (const std::exception& e) {
    err << "pmapctl " << command << ": error: " << e.what() << '\n';
    return kRefused;
  }
}

}  // namespace pmap::pmapctl
