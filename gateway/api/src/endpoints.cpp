#include "endpoints.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pmap/deletion/data_deletion.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_json.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/directional_preference.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/nights/nights_json.hpp"
#include "pmap/nights/nights_reader.hpp"

namespace pmap::api {

namespace {

using nlohmann::json;
using std::chrono::sys_days;

/// The episode streams the gateway stores (docs/gateway.md, "Episodes").
const std::vector<std::string> kEpisodeKinds = {"presence", "position", "knee", "activity",
                                                "weight_shift"};

[[noreturn]] void bad_param(const std::string& field, const std::string& message) {
  throw ApiError(400, "bad_param", field + ": " + message, field);
}

/// Runs `f`, turning the diary's validation errors into 400 invalid_value.
template <typename F>
auto diary_call(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const diary::DiaryError& e) {
    throw ApiError(400, "invalid_value", e.what(), e.field());
  }
}

// ------------------------------------------------------------------------------ query values

sys_days date_of(const std::string& text, const std::string& field) {
  sys_days day;
  try {
    day = diary::TimeZone::parse_date(text, field);
  } catch (const diary::DiaryError& e) {
    throw ApiError(400, "bad_param", e.what(), field);
  }
  const auto ymd = std::chrono::year_month_day(day);
  if (ymd.year() < std::chrono::year(2000) || ymd.year() > std::chrono::year(2100))
    bad_param(field, "'" + text + "' is outside 2000-01-01..2100-12-31");
  return day;
}

struct DateRange {
  sys_days from;
  sys_days to;
};

/// from/to (local dates, inclusive); default: the 7 days up to today, as pmapctl nights.
DateRange date_range(const Request& r, const diary::TimeZone& zone) {
  DateRange d;
  const auto to = r.query_param("to");
  const auto from = r.query_param("from");
  d.to = to ? date_of(*to, "to") : zone.local_day(diary::now_us());
  d.from = from ? date_of(*from, "from") : d.to - std::chrono::days(6);
  if (d.from > d.to) bad_param("to", "must not be before from");
  if ((d.to - d.from).count() + 1 > kMaxRangeDays)
    throw ApiError(400, "range_too_large",
                   "from..to spans " + std::to_string((d.to - d.from).count() + 1) +
                       " days, at most " + std::to_string(kMaxRangeDays) + " per request",
                   "from");
  return d;
}

/// UTC µs of the local midnight that starts `day`.
std::int64_t midnight_us(sys_days day, const diary::TimeZone& zone, const std::string& field) {
  return diary_call([&] {
    try {
      return zone.to_utc_us(diary::LocalDateTime{std::chrono::year_month_day(day), 0, 0, 0});
    } catch (const diary::DiaryError& e) {
      throw diary::DiaryError(field + ": " + e.what(), field);
    }
  });
}

int int_param(const std::string& text, const std::string& field, int lo, int hi) {
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    bad_param(field, "'" + text + "' is not a whole number " + std::to_string(lo) + "-" +
                         std::to_string(hi));
  const int v = std::stoi(text);
  if (v < lo || v > hi)
    bad_param(field, std::to_string(v) + " is out of range " + std::to_string(lo) + "-" +
                         std::to_string(hi));
  return v;
}

std::string mat_param(const std::string& text, const std::string& field) {
  if (!is_valid_mat_id(text)) bad_param(field, "'" + text + "' is not a valid mat id");
  return text;
}

// ----------------------------------------------------------------------------------- bodies

/// The body as a JSON object whose keys are all in `allowed`.
json object_body(const Request& r, const std::set<std::string>& allowed) {
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw ApiError(400, "bad_json", "the body is not valid JSON");
  if (!body.is_object()) throw ApiError(400, "bad_type", "the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (allowed.count(key) == 0U) {
      std::string known;
      for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
      throw ApiError(400, "unknown_field", "unknown field '" + key + "' (accepted: " + known + ")",
                     key);
    }
  }
  return body;
}

[[noreturn]] void bad_type(const std::string& field, const char* want) {
  throw ApiError(400, "bad_type", field + ": must be " + std::string(want), field);
}

std::optional<std::string> opt_string(const json& o, const std::string& field) {
  const auto it = o.find(field);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad_type(field, "a string");
  return it->get<std::string>();
}

std::string req_string(const json& o, const std::string& field) {
  auto v = opt_string(o, field);
  if (!v) throw ApiError(400, "missing_field", field + ": is required", field);
  return *v;
}

std::optional<bool> opt_bool(const json& o, const std::string& field) {
  const auto it = o.find(field);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) bad_type(field, "true or false");
  return it->get<bool>();
}

int req_int(const json& o, const std::string& field) {
  const auto it = o.find(field);
  if (it == o.end() || it->is_null())
    throw ApiError(400, "missing_field", field + ": is required", field);
  // Integral JSON numbers only (3, not 3.5, "3" or true); the diary checks the range.
  if (!it->is_number_integer()) bad_type(field, "a whole number");
  const auto v = it->get<std::int64_t>();
  if (v < -1'000'000 || v > 1'000'000)
    throw ApiError(400, "invalid_value", field + ": " + std::to_string(v) + " is out of range",
                   field);
  return static_cast<int>(v);
}

/// "now" or absent: now, whole seconds (as pmapctl); otherwise a time in `zone` or absolute.
std::int64_t time_field(const json& o, const std::string& field, const diary::TimeZone& zone) {
  const auto text = opt_string(o, field);
  if (!text || *text == "now") return diary::now_us() / 1'000'000 * 1'000'000;
  return diary_call([&] { return zone.parse_time(*text, field); });
}

diary::TimeZone zone_field(const json& o, const diary::TimeZone& fallback) {
  const auto tz = opt_string(o, "tz");
  if (!tz) return fallback;
  return diary_call([&] { return diary::TimeZone(*tz); });
}

json red_flag_warning(bool any) {
  return any ? json(std::string(diary::kRedFlagWarning)) : json(nullptr);
}

// ---------------------------------------------------------------------------------- handlers

Response health(const EndpointContext& c) {
  json body{{"status", "ok"},
            {"api_version", 1},
            {"tz", c.zone->name()},
            {"time", c.zone->format(diary::now_us() / 1'000'000 * 1'000'000)},
            {"mats_live", c.states ? c.states->size() : 0U},
            {"counters", c.counters ? c.counters() : json::object()}};
  if (c.store_health) {
    json store = c.store_health();
    // Still 200: the gateway is alive and the live view works; the status says what is wrong.
    if (store.value("state", "ok") != "ok") body["status"] = "degraded";
    body["store"] = std::move(store);
  }
  return Response{200, std::move(body)};
}

/// The optional `mat` of /v1/nights and /v1/days: one mat's history costs one mat's reads.
std::optional<std::string> optional_mat(const Request& r) {
  if (const auto m = r.query_param("mat")) return mat_param(*m, "mat");
  return std::nullopt;
}

Response nights_get(const EndpointContext& c, const Request& r) {
  const DateRange d = date_range(r, *c.zone);
  const auto mat = optional_mat(r);
  nights::NightsConfig config;
  config.epoch_seconds = c.epoch_seconds;
  const auto all = diary_call(
      [&] { return nights::NightsReader(*c.store, *c.zone, config).nights(d.from, d.to, mat); });
  return Response{200, nights::nights_document(all, *c.zone, d.from, d.to)};
}

Response days_get(const EndpointContext& c, const Request& r) {
  const DateRange d = date_range(r, *c.zone);
  const auto mat = optional_mat(r);
  nights::NightsConfig config;
  config.epoch_seconds = c.epoch_seconds;
  const auto all = diary_call(
      [&] { return nights::NightsReader(*c.store, *c.zone, config).days(d.from, d.to, mat); });
  return Response{200, nights::days_document(all, *c.zone, d.from, d.to, config)};
}

Response episodes_get(const EndpointContext& c, const Request& r) {
  const DateRange d = date_range(r, *c.zone);
  const std::optional<std::string> mat = optional_mat(r);
  std::optional<std::string> kind = r.query_param("kind");
  if (kind && std::find(kEpisodeKinds.begin(), kEpisodeKinds.end(), *kind) == kEpisodeKinds.end())
    bad_param("kind",
              "'" + *kind + "' is not one of presence, position, knee, activity, weight_shift");
  const int limit = r.query_param("limit")
                        ? int_param(*r.query_param("limit"), "limit", 1, kMaxEpisodeLimit)
                        : kDefaultEpisodeLimit;
  const std::int64_t from_us = midnight_us(d.from, *c.zone, "from");
  const std::int64_t to_us = midnight_us(d.to + std::chrono::days(1), *c.zone, "to");
  // Episodes overlapping [from, to): they are not clipped (a night crosses midnight).
  Statement st = c.store->db().prepare(
      "SELECT mat_id, stream, label, start_us, end_us, frames, mean_confidence FROM episodes "
      "WHERE start_us < ?2 AND end_us >= ?1 AND (?3 IS NULL OR mat_id = ?3) "
      "AND (?4 IS NULL OR stream = ?4) ORDER BY start_us, mat_id, stream LIMIT ?5");
  st.bind(1, from_us).bind(2, to_us);
  if (mat) {
    st.bind(3, std::string_view(*mat));
  } else {
    st.bind_null(3);
  }
  if (kind) {
    st.bind(4, std::string_view(*kind));
  } else {
    st.bind_null(4);
  }
  st.bind(5, std::int64_t{limit} + 1);
  json a = json::array();
  bool truncated = false;
  while (st.step()) {
    if (static_cast<int>(a.size()) == limit) {
      truncated = true;
      break;
    }
    const std::int64_t start = st.column_int(3);
    const std::int64_t end = st.column_int(4);
    a.push_back(json{{"mat_id", st.column_text(0)},
                     {"stream", st.column_text(1)},
                     {"label", st.column_text(2)},
                     {"start", c.zone->format(start)},
                     {"start_us", start},
                     {"end", c.zone->format(end)},
                     {"end_us", end},
                     {"duration_s", static_cast<double>(end - start) / 1e6},
                     {"frames", st.column_int(5)},
                     {"mean_confidence", st.column_double(6)}});
  }
  return Response{200, json{{"tz", c.zone->name()},
                            {"from", diary::format_date(d.from)},
                            {"to", diary::format_date(d.to)},
                            {"mat", mat ? json(*mat) : json(nullptr)},
                            {"kind", kind ? json(*kind) : json(nullptr)},
                            {"limit", limit},
                            {"truncated", truncated},
                            {"episodes", a}}};
}

Response pain_get(const EndpointContext& c, const Request& r) {
  // Without from/to: every entry (as pmapctl pain list); with both, at most kMaxRangeDays.
  std::optional<sys_days> from, to;
  if (auto f = r.query_param("from")) from = date_of(*f, "from");
  if (auto t = r.query_param("to")) to = date_of(*t, "to");
  if (from && to && *from > *to) bad_param("to", "must not be before from");
  if (from && to && (*to - *from).count() + 1 > kMaxRangeDays)
    throw ApiError(400, "range_too_large",
                   "from..to spans more than " + std::to_string(kMaxRangeDays) + " days", "from");
  const std::int64_t from_us = from ? midnight_us(*from, *c.zone, "from") : INT64_MIN;
  const std::int64_t to_us =
      to ? midnight_us(*to + std::chrono::days(1), *c.zone, "to") : INT64_MAX;
  diary::DiaryRepository repo(*c.store);
  const auto entries = diary_call([&] { return repo.pains(from_us, to_us); });
  json a = json::array();
  bool any_red = false;
  for (const auto& e : entries) {
    a.push_back(diary::to_json(e));
    any_red = any_red || e.red_flags.any();
  }
  return Response{200, json{{"tz", c.zone->name()},
                            {"from", from ? json(diary::format_date(*from)) : json(nullptr)},
                            {"to", to ? json(diary::format_date(*to)) : json(nullptr)},
                            {"entries", a},
                            {"red_flag", any_red},
                            {"red_flag_warning", red_flag_warning(any_red)}}};
}

Response pain_post(const EndpointContext& c, const Request& r) {
  const json body = object_body(
      r, {"time", "tz", "back_pain", "leg_pain", "extent", "tags", "note", "red_flags"});
  diary::PainEntry e;
  const diary::TimeZone zone = zone_field(body, *c.zone);
  e.tz = zone.name();
  e.back_pain = req_int(body, "back_pain");
  e.leg_pain = req_int(body, "leg_pain");
  e.extent = diary_call([&] { return diary::parse_extent(req_string(body, "extent")); });
  e.time_us = time_field(body, "time", zone);
  if (const auto it = body.find("tags"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) bad_type("tags", "an array of strings");
    for (const auto& t : *it) {
      if (!t.is_string()) bad_type("tags", "an array of strings");
      e.tags.push_back(diary_call([&] { return diary::parse_context_tag(t.get<std::string>()); }));
    }
  }
  if (auto n = opt_string(body, "note")) e.note = *n;
  // The three red-flag questions must be answered on every entry, as in pmapctl.
  const auto flags = body.find("red_flags");
  if (flags == body.end() || flags->is_null())
    throw ApiError(400, "missing_field",
                   "red_flags: the three red-flag questions (bladder_bowel, saddle_numbness, "
                   "leg_weakness) must be answered on every entry",
                   "red_flags");
  if (!flags->is_object()) bad_type("red_flags", "an object of three booleans");
  for (const auto& [key, value] : flags->items()) {
    if (key != "bladder_bowel" && key != "saddle_numbness" && key != "leg_weakness")
      throw ApiError(400, "unknown_field", "red_flags: unknown question '" + key + "'",
                     "red_flags." + key);
  }
  const auto answer = [&](const char* q) {
    const std::string field = std::string("red_flags.") + q;
    const auto it = flags->find(q);
    if (it == flags->end() || it->is_null())
      throw ApiError(400, "missing_field", field + ": must be answered (true or false)", field);
    if (!it->is_boolean()) bad_type(field, "true or false");
    return it->get<bool>();
  };
  e.red_flags =
      diary::RedFlags{answer("bladder_bowel"), answer("saddle_numbness"), answer("leg_weakness")};
  // Mirrors pmapctl pain add: the warning is part of this very response, so the row records that
  // it was shown; everything is validated before anything is written.
  e.red_flag_warning_shown = e.red_flags.any();
  diary_call([&] { diary::validate(e, diary::now_us()); });
  diary::DiaryRepository repo(*c.store);
  const std::int64_t id = diary_call([&] { return repo.add_pain(e); });
  json stored = nullptr;
  for (const auto& x : repo.pains(e.time_us, e.time_us + 1)) {
    if (x.id == id) stored = diary::to_json(x);
  }
  Response res{201, json{{"id", id},
                         {"entry", stored},
                         {"red_flag", e.red_flags.any()},
                         {"red_flag_warning", red_flag_warning(e.red_flags.any())}}};
  if (e.red_flags.any())
    res.headers.emplace_back("X-PostureMap-Red-Flag", "seek-emergency-care-now");
  return res;
}

/// GET /v1/posture?mat=ID&from=D&to=D&bin_s=N: the stored 5-s posture epochs of one mat summed
/// into bins of bin_s seconds (60-3600, default 300), at most 31 days: per bin the frames the
/// posture engine analysed and the means and shares the nights and days are made of.
Response posture_get(const EndpointContext& c, const Request& r) {
  const auto m = r.query_param("mat");
  if (!m) throw ApiError(400, "missing_param", "mat: is required", "mat");
  const std::string mat = mat_param(*m, "mat");
  const DateRange d = date_range(r, *c.zone);
  if ((d.to - d.from).count() + 1 > 31)
    throw ApiError(400, "range_too_large", "from..to spans more than 31 days", "from");
  const int bin_s =
      r.query_param("bin_s") ? int_param(*r.query_param("bin_s"), "bin_s", 60, 3600) : 300;
  const std::int64_t from_s = midnight_us(d.from, *c.zone, "from") / 1'000'000;
  const std::int64_t to_s = midnight_us(d.to + std::chrono::days(1), *c.zone, "to") / 1'000'000;
  // Bins start at multiples of bin_s from the first local midnight (a day's bins line up with
  // its clock hours whatever the zone's offset).
  Statement st = c.store->db().prepare(
      "SELECT ?3 + ((epoch_start_s - ?3) / ?4) * ?4 AS bin, SUM(posture_frames), "
      "SUM(side_frames), SUM(pelvic_roll_deg_sum), SUM(knee_aligned_frames), "
      "SUM(knee_dropped_frames), SUM(supine_supported_frames), SUM(supine_flat_frames), "
      "SUM(obliquity_deg_sum), SUM(tilt_deg_sum), SUM(slouched_frames), SUM(wallet_frames), "
      "SUM(ppi_sum), SUM(di_pct_sum) FROM posture_epochs "
      "WHERE mat_id = ?1 AND epoch_start_s >= ?3 AND epoch_start_s < ?2 "
      "GROUP BY bin ORDER BY bin");
  st.bind(1, std::string_view(mat)).bind(2, to_s).bind(3, from_s).bind(4, std::int64_t{bin_s});
  const auto mean = [](double sum, std::int64_t n) {
    return n > 0 ? json(sum / n) : json(nullptr);
  };
  json bins = json::array();
  while (st.step()) {
    const std::int64_t frames = st.column_int(1);
    const std::int64_t side = st.column_int(2);
    bins.push_back(json{{"start_us", st.column_int(0) * 1'000'000},
                        {"frames", frames},
                        {"side_frames", side},
                        {"pelvic_roll_deg", mean(st.column_double(3), side)},
                        {"knee_aligned_share", mean(static_cast<double>(st.column_int(4)), side)},
                        {"knee_dropped_share", mean(static_cast<double>(st.column_int(5)), side)},
                        {"supine_supported_frames", st.column_int(6)},
                        {"supine_flat_frames", st.column_int(7)},
                        {"obliquity_deg", mean(st.column_double(8), frames)},
                        {"tilt_deg", mean(st.column_double(9), frames)},
                        {"slouched_share", mean(static_cast<double>(st.column_int(10)), frames)},
                        {"wallet_share", mean(static_cast<double>(st.column_int(11)), frames)},
                        {"ppi", mean(st.column_double(12), frames)},
                        {"di_pct", mean(st.column_double(13), frames)}});
  }
  return Response{200, json{{"tz", c.zone->name()},
                            {"mat", mat},
                            {"from", diary::format_date(d.from)},
                            {"to", diary::format_date(d.to)},
                            {"bin_s", bin_s},
                            {"bins", bins}}};
}

/// GET /v1/tests: every movement test, oldest first, and the directional preference over them
/// (as pmapctl test summary --json).
Response tests_get(const EndpointContext& c) {
  diary::DiaryRepository repo(*c.store);
  const auto tests = diary_call([&] { return repo.tests(); });
  json a = json::array();
  for (const auto& t : tests) a.push_back(diary::to_json(t));
  return Response{
      200, json{{"tests", a}, {"summary", diary::to_json(diary::summarize_directions(tests))}}};
}

/// POST /v1/tests: {direction, extent_before, extent_after, leg_pain_before, leg_pain_after,
/// repetitions?, time?, tz?, note?} — as pmapctl test add.
Response tests_post(const EndpointContext& c, const Request& r) {
  const json body = object_body(r, {"time", "tz", "direction", "repetitions", "extent_before",
                                    "extent_after", "leg_pain_before", "leg_pain_after", "note"});
  diary::MovementTest t;
  const diary::TimeZone zone = zone_field(body, *c.zone);
  t.tz = zone.name();
  t.direction = diary_call([&] { return diary::parse_direction(req_string(body, "direction")); });
  t.extent_before = diary_call(
      [&] { return diary::parse_extent(req_string(body, "extent_before"), "extent_before"); });
  t.extent_after = diary_call(
      [&] { return diary::parse_extent(req_string(body, "extent_after"), "extent_after"); });
  t.leg_pain_before = req_int(body, "leg_pain_before");
  t.leg_pain_after = req_int(body, "leg_pain_after");
  if (body.contains("repetitions") && !body["repetitions"].is_null())
    t.repetitions = req_int(body, "repetitions");
  t.time_us = time_field(body, "time", zone);
  if (auto n = opt_string(body, "note")) t.note = *n;
  diary_call([&] { diary::validate(t, diary::now_us()); });
  diary::DiaryRepository repo(*c.store);
  const std::int64_t id = diary_call([&] { return repo.add_test(t); });
  json stored = nullptr;
  for (const auto& x : diary_call([&] { return repo.tests(); })) {
    if (x.id == id) stored = diary::to_json(x);
  }
  return Response{201, json{{"id", id}, {"test", stored}}};
}

Response setups_get(const EndpointContext& c) {
  diary::DiaryRepository repo(*c.store);
  const auto setups = repo.setups();
  const auto timeline = repo.timeline();
  const auto active = timeline.at(diary::now_us());
  json a = json::array();
  for (const auto& s : setups) a.push_back(diary::to_json(s));
  json switches = json::array();
  for (const auto& s : timeline.switches()) switches.push_back(diary::to_json(s));
  return Response{200, json{{"setups", a},
                            {"in_use", active ? json(*active) : json(nullptr)},
                            {"switches", switches}}};
}

Response setups_post(const EndpointContext& c, const Request& r) {
  const json body = object_body(
      r, {"name", "knee_pillow", "pillow_under_knees", "head_pillow", "mattress_topper", "note"});
  diary::PillowSetup s;
  s.name = req_string(body, "name");
  diary_call([&] { diary::validate_setup_name(s.name); });
  if (auto k = opt_string(body, "knee_pillow"))
    s.knee_pillow = diary_call([&] { return diary::parse_knee_pillow(*k); });
  if (auto b = opt_bool(body, "pillow_under_knees")) s.pillow_under_knees = *b;
  if (auto h = opt_string(body, "head_pillow"))
    s.head_pillow = diary_call([&] { return diary::HeadPillow::parse(*h); });
  if (auto b = opt_bool(body, "mattress_topper")) s.mattress_topper = *b;
  if (auto n = opt_string(body, "note")) s.note = *n;
  diary_call([&] { diary::validate(s); });
  diary::DiaryRepository repo(*c.store);
  if (repo.find_setup(s.name))
    throw ApiError(409, "conflict", "name: a setup called '" + s.name + "' exists already", "name");
  diary_call([&] { repo.add_setup(s); });
  const auto stored = repo.find_setup(s.name);
  return Response{201, json{{"setup", stored ? diary::to_json(*stored) : json(nullptr)}}};
}

Response setups_use(const EndpointContext& c, const Request& r) {
  const json body = object_body(r, {"name", "from", "tz"});
  const std::string name = req_string(body, "name");
  diary_call([&] { diary::validate_setup_name(name); });
  const diary::TimeZone zone = zone_field(body, *c.zone);
  const std::int64_t from = time_field(body, "from", zone);
  diary::DiaryRepository repo(*c.store);
  if (!repo.find_setup(name))
    throw ApiError(400, "unknown_setup",
                   "name: no setup called '" + name + "' (add it with POST /v1/setups)", "name");
  diary_call([&] { repo.use_setup(name, from, zone.name()); });
  return Response{
      200,
      json{{"setup", name}, {"from", zone.format(from)}, {"from_us", from}, {"tz", zone.name()}}};
}

json parse_state(const std::string& payload) {
  json j = json::parse(payload, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

Response state_all(const EndpointContext& c) {
  json mats = json::object();
  if (c.states) {
    for (const auto& [id, payload] : c.states->all()) mats[id] = parse_state(*payload);
  }
  return Response{200, json{{"mats", mats}}};
}

Response state_one(const EndpointContext& c, const Request& r) {
  const std::string mat = mat_param(r.path_param("mat_id"), "mat_id");
  const auto payload = c.states ? c.states->get(mat) : nullptr;
  if (!payload)
    throw ApiError(404, "unknown_mat",
                   "mat '" + mat + "' has published no state since the gateway started", "mat_id");
  return Response{200, parse_state(*payload)};
}

/// "true" / "false" (absent: `fallback`).
bool bool_param(const Request& r, const std::string& field, bool fallback) {
  const auto v = r.query_param(field);
  if (!v) return fallback;
  if (*v == "true") return true;
  if (*v == "false") return false;
  bad_param(field, "'" + *v + "' is not true or false");
}

/// DELETE /v1/data?all=true | mat=ID&from=D&to=D [&compact=true] [&dry_run=true]
/// (docs/api.md, "Deleting data"). Dates are local in the API's zone, both inclusive.
Response data_delete(const EndpointContext& c, const Request& r) {
  // Without a token any local program could wipe the person's history; reading is the most a
  // token-less (loopback-only) API allows.
  if (!c.token_configured)
    throw ApiError(403, "token_required",
                   "deleting data through the API needs the gateway to have a bearer token "
                   "(api_token_file); or use pmapctl delete --db on the gateway's machine");
  deletion::DeletionScope scope;
  const bool all = bool_param(r, "all", false);
  if (const auto mat = r.query_param("mat")) scope.mat_id = mat_param(*mat, "mat");
  std::optional<sys_days> from;
  std::optional<sys_days> to;
  if (const auto f = r.query_param("from")) from = date_of(*f, "from");
  if (const auto t = r.query_param("to")) to = date_of(*t, "to");
  if (from && to && *from > *to) bad_param("to", "must not be before from");
  if (from) scope.from_us = midnight_us(*from, *c.zone, "from");
  if (to) scope.to_us = midnight_us(*to + std::chrono::days(1), *c.zone, "to");
  // Deleting everything is said, never implied by a forgotten parameter.
  if (all && !scope.everything())
    bad_param("all", "all=true deletes everything: give it without mat, from and to");
  if (!all && scope.everything())
    throw ApiError(400, "missing_param", "say what to delete: all=true, or mat and/or from/to",
                   "all");
  deletion::DeletionOptions options;
  options.compact = bool_param(r, "compact", false);
  const bool dry_run = bool_param(r, "dry_run", false);
  try {
    if (dry_run)
      return Response{200, deletion::to_json(deletion::preview(*c.store, scope), scope, true)};
    if (c.deleter) return Response{200, c.deleter(scope, options)};
    return Response{
        200, deletion::to_json(deletion::delete_data(*c.store, scope, options), scope, false)};
  } catch (const deletion::DeletionError& e) {
    throw ApiError(500, "delete_failed", e.what());
  }
}

}  // namespace

void add_v1_routes(Router& router, const EndpointContext& context) {
  const EndpointContext* c = &context;
  // Health and live state never touch the database: they answer while a long query runs.
  router.add(
      "GET", "/v1/health", {}, [c](const Request&) { return health(*c); }, Runs::kInline);
  router.add("GET", "/v1/nights", {"mat", "from", "to"},
             [c](const Request& r) { return nights_get(*c, r); });
  router.add("GET", "/v1/days", {"mat", "from", "to"},
             [c](const Request& r) { return days_get(*c, r); });
  router.add("GET", "/v1/episodes", {"mat", "kind", "from", "to", "limit"},
             [c](const Request& r) { return episodes_get(*c, r); });
  router.add("GET", "/v1/pain", {"from", "to"}, [c](const Request& r) { return pain_get(*c, r); });
  router.add("POST", "/v1/pain", {}, [c](const Request& r) { return pain_post(*c, r); });
  router.add("GET", "/v1/posture", {"mat", "from", "to", "bin_s"},
             [c](const Request& r) { return posture_get(*c, r); });
  router.add("GET", "/v1/tests", {}, [c](const Request&) { return tests_get(*c); });
  router.add("POST", "/v1/tests", {}, [c](const Request& r) { return tests_post(*c, r); });
  router.add("GET", "/v1/setups", {}, [c](const Request&) { return setups_get(*c); });
  router.add("POST", "/v1/setups", {}, [c](const Request& r) { return setups_post(*c, r); });
  router.add("POST", "/v1/setups/use", {}, [c](const Request& r) { return setups_use(*c, r); });
  router.add("DELETE", "/v1/data", {"all", "mat", "from", "to", "compact", "dry_run"},
             [c](const Request& r) { return data_delete(*c, r); });
  router.add(
      "GET", "/v1/state", {}, [c](const Request&) { return state_all(*c); }, Runs::kInline);
  router.add(
      "GET", "/v1/state/{mat_id}", {}, [c](const Request& r) { return state_one(*c, r); },
      Runs::kInline);
}

}  // namespace pmap::api
