// dashboard_core: colour map, units, state parsing, live model (MQTT decoding with pmap::core's
// codec, coalescing, counters), timelines and time axes, API documents, the line fit.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QUrlQuery>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pmap/dashboard/api_client.hpp"
#include "pmap/dashboard/api_documents.hpp"
#include "pmap/dashboard/colour_map.hpp"
#include "pmap/dashboard/live_model.hpp"
#include "pmap/dashboard/mat_state.hpp"
#include "pmap/dashboard/pressure_units.hpp"
#include "pmap/dashboard/stats.hpp"
#include "pmap/dashboard/timeline.hpp"
#include "pmap/wire_codec.hpp"

using namespace pmap;
using namespace pmap::dashboard;
using nlohmann::json;

TEST(ColourMap, LightnessRisesEvenlyAndEndsAreDarkBlueAndLightYellow) {
  // Every byte entry: never darker than the one below (rounding to bytes may tie).
  double previous = -1;
  for (int i = 0; i <= 255; ++i) {
    const double l = lightness_of(colour_at(i / 255.0));
    EXPECT_GE(l, previous - 0.05) << i;
    previous = l;
  }
  // Over 32 equal steps: strictly lighter each step and evenly so (within 25 % of the mean:
  // no flat or steep stretch that would hide or invent a pressure edge).
  std::vector<double> steps;
  for (int i = 1; i <= 32; ++i) {
    steps.push_back(lightness_of(colour_at(i / 32.0)) - lightness_of(colour_at((i - 1) / 32.0)));
  }
  const double mean = (lightness_of(colour_at(1)) - lightness_of(colour_at(0))) / 32.0;
  for (const double s : steps) {
    EXPECT_GT(s, mean * 0.75);
    EXPECT_LT(s, mean * 1.25);
  }
  const Rgb low = colour_at(0), high = colour_at(1);
  EXPECT_GT(low.b, low.r);    // blue end
  EXPECT_GT(high.r, high.b);  // yellow end
  EXPECT_GT(high.g, high.b);
  EXPECT_NEAR(lightness_of(low), 16, 1.5);
  EXPECT_NEAR(lightness_of(high), 92, 1.5);
}

TEST(ColourMap, ClampsAndTableMatches) {
  EXPECT_EQ(colour_at(-3), colour_at(0));
  EXPECT_EQ(colour_at(7), colour_at(1));
  EXPECT_EQ(colour_at(std::nan("")), colour_at(0));
  const ColourTable table;
  const Rgb c = colour_at(128 / 255.0);
  EXPECT_EQ(table.argb(128),
            0xFF000000u | (std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b);
  EXPECT_EQ(table.argb_at(2.0), table.argb(255));
}

TEST(PressureUnits, ConversionsAndLegendCeiling) {
  EXPECT_NEAR(from_mmhg(100, PressureUnit::kKPa), 13.3322, 1e-3);
  EXPECT_EQ(from_mmhg(42, PressureUnit::kMmHg), 42);
  EXPECT_EQ(unit_from_string("kPa"), PressureUnit::kKPa);
  EXPECT_FALSE(unit_from_string("psi"));
  MatDescriptor mat;
  mat.full_scale_counts = 1000;
  EXPECT_FALSE(mmhg_per_count(mat));
  mat.nominal_full_scale_mmhg = 100;
  EXPECT_DOUBLE_EQ(*mmhg_per_count(mat), 0.1);
  EXPECT_EQ(nice_ceiling(73), 100);
  EXPECT_EQ(nice_ceiling(13.3), 20);
  EXPECT_EQ(nice_ceiling(2.1), 2.5);
  EXPECT_EQ(nice_ceiling(-1), 1);
}

namespace {
json bed_state() {
  return json::parse(R"({"v":1,"mat":"bed1","kind":"bed","ts_us":1700000000000000,
    "occupied":true,"occupancy":"occupied","total_load":{"raw":1,"force_n":702.5},
    "contact_area_cm2":3120.4,"cop":{"row":27.4,"col":15.2,"x_mm":1,"y_mm":2},"calibrated":false,
    "posture":{"position":"left","confidence":0.97,"subtype":"fetal","head_end":"first-row",
      "axis_deg":-4.2,"knee_pillow":{"state":"dropped","top_knee_offset_cm":3.0,
      "pelvic_roll_deg":7.5,"confidence":0.8},"future_field":[1,2],
      "landmarks":{"head":{"row":3.0,"col":15.5,"confidence":0.9},"shoulders":null,
        "pelvis":{"row":30.2,"col":14.0,"confidence":0.8},"knees":{"row":44.5,"col":12.0,
        "confidence":0.7},"heels":null}},
    "episodes":{"position":{"label":"left","since_us":1699998000000000}},
    "frames":{"received":10,"accepted":9,"rejected":1}})");
}
}  // namespace

TEST(MatState, ParsesBedStateAndDescribesItInWords) {
  const auto parsed = parse_state(bed_state().dump());
  ASSERT_TRUE(parsed.state) << parsed.error;
  const MatState& s = *parsed.state;
  EXPECT_EQ(s.mat, "bed1");
  EXPECT_DOUBLE_EQ(*s.force_n, 702.5);
  EXPECT_DOUBLE_EQ(s.cop->row, 27.4);
  EXPECT_EQ(*s.knee_pillow, "dropped");
  EXPECT_DOUBLE_EQ(*s.pelvic_roll_deg, 7.5);
  EXPECT_EQ(s.episodes.at("position").label, "left");
  EXPECT_EQ(s.frames_rejected, 1u);
  // Landmarks that were found, head to heels; nulls (not found) are left out.
  ASSERT_EQ(s.landmarks.size(), 3u);
  EXPECT_EQ(s.landmarks[0].first, "head");
  EXPECT_EQ(s.landmarks[2].first, "knees");
  EXPECT_DOUBLE_EQ(s.landmarks[2].second.row, 44.5);
  EXPECT_EQ(describe_position(s), "Lying on the left side (fetal)");
  EXPECT_EQ(describe_knees(s), "Knee pillow: top knee has dropped");
  EXPECT_EQ(describe_pelvis(s), "");
}

TEST(MatState, ParsesChairStateWithIschialPeaks) {
  const auto parsed = parse_state(R"({"mat":"chair1","kind":"chair","occupied":true,
    "posture":{"sitting_class":"slouched","pelvic_obliquity_deg":6.2,"pelvic_tilt_deg":9.0,
      "it_right":{"row":10,"col":5,"x_mm":1,"y_mm":1,"load_share_pct":55},"it_left":null,
      "wallet":"right"}})");
  ASSERT_TRUE(parsed.state) << parsed.error;
  EXPECT_DOUBLE_EQ(parsed.state->it_right->at.col, 5);
  EXPECT_FALSE(parsed.state->it_left);
  EXPECT_EQ(describe_position(*parsed.state), "Slouching");
  EXPECT_EQ(
      describe_pelvis(*parsed.state),
      "Pelvis +6.2° (right side lower), tilt +9.0° (tilted back), wallet under the right side");
}

TEST(MatState, RefusesBadDocumentsWithoutThrowing) {
  for (const char* bad : {"", "[]", "{", R"({"kind":"bed"})", R"({"mat":"b","kind":"sofa"})",
                          R"({"mat":"b","kind":"bed","cop":{"row":"x","col":1}})",
                          R"({"mat":"b","kind":"bed","total_load":{"force_n":"heavy"}})",
                          R"({"mat":"b","kind":"bed","posture":[1]})"}) {
    const auto parsed = parse_state(bad);
    EXPECT_FALSE(parsed.state) << bad;
    EXPECT_FALSE(parsed.error.empty()) << bad;
  }
  const auto empty =
      parse_state(R"({"mat":"b","kind":"bed","occupied":false,"posture":null,"cop":null})");
  ASSERT_TRUE(empty.state);
  EXPECT_EQ(describe_position(*empty.state), "Bed empty");
}

namespace {
MatDescriptor small_mat() {
  MatDescriptor m;
  m.id = "bed1";
  m.rows = 4;
  m.cols = 3;
  m.row_pitch_mm = m.col_pitch_mm = 20;
  m.sample_rate_hz = 10;
  m.full_scale_counts = 1000;
  m.nominal_full_scale_mmhg = 100;
  m.layout.first_row = RowOrigin::kFar;  // turned round: the model must rotate frames
  return m;
}
std::string frame_payload(std::uint32_t seq, std::uint16_t first) {
  PressureFrame f;
  f.sequence = seq;
  f.timestamp_us = 1700000000000000 + seq * 100000LL;
  f.rows = 4;
  f.cols = 3;
  f.values.assign(12, 0);
  f.values[0] = first;
  const auto bytes = encode_binary(f);
  return std::string(bytes.begin(), bytes.end());
}
}  // namespace

TEST(LiveModel, MailboxCoalescesFramesPerMatAndKeepsOtherMessagesInOrder) {
  Mailbox box;
  box.put({"pmap/v1/bed1/meta", to_meta_json(small_mat())});
  for (std::uint32_t i = 0; i < 10; ++i) box.put({"pmap/v1/bed1/frame", frame_payload(i, 100 + i)});
  box.put({"pmap/v1/bed1/status", "online"});
  auto batch = box.take();
  ASSERT_EQ(batch.messages.size(), 3u);
  EXPECT_EQ(batch.messages[0].topic, "pmap/v1/bed1/meta");
  EXPECT_EQ(batch.messages[1].topic, "pmap/v1/bed1/status");
  EXPECT_EQ(batch.messages[2].topic, "pmap/v1/bed1/frame");  // the newest of ten
  EXPECT_EQ(batch.frames_arrived.at("bed1"), 10u);
  EXPECT_EQ(batch.coalesced, 9u);

  LiveModel model;
  const auto now = std::chrono::steady_clock::now();
  const auto changed = model.apply(batch, now);
  ASSERT_EQ(changed, std::vector<std::string>{"bed1"});
  const MatLive& m = model.mats().at("bed1");
  EXPECT_EQ(m.status, "online");
  ASSERT_TRUE(m.canonical_frame);
  // Row 0 of a mat turned round is the canonical last row, columns reversed.
  EXPECT_EQ(m.canonical_frame->at(3, 2), 109);
  EXPECT_DOUBLE_EQ(m.frame_rate_hz, -1);  // not known during the first window
  EXPECT_EQ(box.take().messages.size(), 0u);
  // Then one frame every 100 ms: 10 Hz once the first window has passed (the start-up burst has
  // left it), and 0 once they stop.
  auto t = now;
  for (int i = 0; i < 25; ++i) {
    t += std::chrono::milliseconds(100);
    Mailbox::Batch one;
    one.frames_arrived["bed1"] = 1;
    (void)model.apply(one, t);
  }
  EXPECT_NEAR(model.mats().at("bed1").frame_rate_hz, 10.0, 1e-9);
  (void)model.apply(Mailbox::Batch{}, t + std::chrono::seconds(3));
  EXPECT_DOUBLE_EQ(model.mats().at("bed1").frame_rate_hz, 0);
}

TEST(LiveModel, CountsBadMessagesAndNeverThrows) {
  LiveModel model;
  const auto now = std::chrono::steady_clock::now();
  model.apply_message({"pmap/v1/bed1/frame", frame_payload(1, 5)}, now);  // before meta
  model.apply_message({"pmap/v1/bed1/meta", "{not json"}, now);
  model.apply_message({"pmap/v1/bed1/meta", to_meta_json(small_mat())}, now);
  model.apply_message({"pmap/v1/bed1/frame", "PMAPgarbage"}, now);
  std::string crc = frame_payload(2, 5);
  crc[30] ^= 0x55;
  model.apply_message({"pmap/v1/bed1/frame", crc}, now);
  model.apply_message({"pmap/v1/bed1/state", "[]"}, now);
  model.apply_message({"pmap/v1/bed1/state", R"({"mat":"other","kind":"bed"})"}, now);
  model.apply_message({"pmap/v1/bed1/status", "maybe"}, now);
  model.apply_message({"pmap/v2/bed1/frame", "x"}, now);
  model.apply_message({"pmap/v1/bad id/frame", "x"}, now);
  model.apply_message({"pmap/v1/chair1/alert", "nope"}, now);
  PressureFrame wrong;
  wrong.rows = 2;
  wrong.cols = 2;
  wrong.values.assign(4, 1);
  const auto w = encode_binary(wrong);
  model.apply_message({"pmap/v1/bed1/frame", std::string(w.begin(), w.end())}, now);
  const auto& r = model.mats().at("bed1").rejected;
  EXPECT_EQ(r.at("no_meta"), 1u);
  EXPECT_EQ(r.at("bad_meta"), 1u);
  EXPECT_EQ(r.at("truncated") + r.count("length_mismatch"), 1u);
  EXPECT_EQ(r.at("bad_crc"), 1u);
  EXPECT_EQ(r.at("bad_state"), 2u);
  EXPECT_EQ(r.at("bad_status"), 1u);
  EXPECT_EQ(r.at("dimension_mismatch"), 1u);
  EXPECT_EQ(model.global_rejected().at("bad_topic"), 2u);
  EXPECT_EQ(model.global_rejected().at("bad_alert"), 1u);
  EXPECT_FALSE(model.mats().at("bed1").canonical_frame);
}

TEST(LiveModel, StatesBuildTheRollingHistoryAndAlertsAreWorded) {
  LiveModel model;
  const auto now = std::chrono::steady_clock::now();
  json s = bed_state();
  for (int i = 0; i < 700; ++i) {
    s["ts_us"] = 1700000000000000LL + i * 1000000LL;
    model.apply_message({"pmap/v1/bed1/state", s.dump()}, now);
  }
  const MatLive& m = model.mats().at("bed1");
  EXPECT_EQ(m.history.size(), LiveModel::kHistory);
  EXPECT_EQ(m.history.back().ts_us, 1700000000000000LL + 699 * 1000000LL);
  s["ts_us"] = 1600000000000000LL;  // older: a replay restarts the chart
  model.apply_message({"pmap/v1/bed1/state", s.dump()}, now);
  EXPECT_EQ(model.mats().at("bed1").history.size(), 1u);
  model.apply_message(
      {"pmap/v1/chair1/alert",
       R"({"type":"sitting_bout_over_limit","mat_id":"chair1","bout_s":2760,"ts_us":5})"},
      now);
  ASSERT_EQ(model.alerts().size(), 1u);
  EXPECT_EQ(model.alerts().front().text,
            "Sitting for 46 min without a break - time to stand up and move");
}

TEST(Timeline, BandsAreClippedAndTurnsAndExitsMarked) {
  const std::int64_t h = 3'600'000'000LL;
  const std::string doc = json{
      {"episodes",
       {{{"mat_id", "bed1"},
         {"stream", "position"},
         {"label", "supine"},
         {"start_us", -h},
         {"end_us", 2 * h}},
        {{"mat_id", "bed1"},
         {"stream", "position"},
         {"label", "left"},
         {"start_us", 2 * h},
         {"end_us", 4 * h}},
        {{"mat_id", "bed1"},
         {"stream", "presence"},
         {"label", "in_bed"},
         {"start_us", 0},
         {"end_us", 4 * h}},
        {{"mat_id", "bed1"},
         {"stream", "presence"},
         {"label", "in_bed"},
         {"start_us", 5 * h},
         {"end_us", 8 * h}},
        {{"mat_id", "bed2"},
         {"stream", "position"},
         {"label", "prone"},
         {"start_us", 0},
         {"end_us", h}},
        {{"mat_id", "bed1"},
         {"stream", "position"},
         {"label", "left"},
         {"start_us", 9},
         {"end_us", 1}},
        {{"stream", "position"}}}},
      {"truncated", false}}.dump();
  const auto parsed = parse_episodes(doc);
  EXPECT_EQ(parsed.episodes.size(), 5u);
  EXPECT_EQ(parsed.refused, 2u);
  const Timeline t = build_timeline(parsed.episodes, "bed1", 0, 8 * h);
  ASSERT_EQ(t.streams.at("position").size(), 2u);
  EXPECT_EQ(t.streams.at("position")[0].start_us, 0);  // clipped to the night
  EXPECT_DOUBLE_EQ(t.seconds_per_label("position").at("supine"), 7200);
  ASSERT_EQ(t.markers.size(), 2u);
  EXPECT_EQ(t.markers[0].what, "turn");
  EXPECT_EQ(t.markers[0].at_us, 2 * h);
  EXPECT_EQ(t.markers[1].what, "exit");
  EXPECT_EQ(t.markers[1].at_us, 4 * h);
  EXPECT_TRUE(build_timeline(parsed.episodes, "bed9", 0, h).empty());
  EXPECT_TRUE(parse_episodes("{}").error.size() > 0);
}

TEST(Timeline, TicksAreLocalHoursAndOffsetsParse) {
  // 22:10 UTC to 07:05 UTC in UTC+1: ticks every 2 h at local 00:00, 02:00, ... (9 h span).
  const std::int64_t start = (22 * 3600 + 600) * 1'000'000LL;
  const std::int64_t end = start + (8 * 3600 + 55 * 60) * 1'000'000LL;
  const auto ticks = time_ticks(start, end, 3600, 6);
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks.front().label, "00:00");
  EXPECT_EQ(ticks.back().label, "08:00");
  EXPECT_EQ(ticks.size(), 5u);
  const auto dense = time_ticks(start, end, 0, 40);
  EXPECT_EQ(dense.front().label, "22:15");
  EXPECT_EQ(utc_offset_of("2026-11-26T07:30:00+01:00"), 3600);
  EXPECT_EQ(utc_offset_of("2026-11-26T07:30:00-05:30"), -19800);
  EXPECT_EQ(utc_offset_of("2026-11-26T07:30:00Z"), 0);
  EXPECT_FALSE(utc_offset_of("2026-11-26"));
  EXPECT_FALSE(utc_offset_of("2026-11-26T07:30:00+1x:00"));
  EXPECT_EQ(position_row("out_of_bed"), 0);
  EXPECT_EQ(position_row("sitting"), -1);
  EXPECT_EQ(position_row_name(2), "Back");
}

TEST(Timeline, ANightAcrossTheAutumnDstChangeIsLabelledByTheLocalClock) {
  // Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC. A night from 22:00 CEST
  // (20:00 UTC) to 07:00 CET (06:00 UTC) is ten hours long; the clock shows 02:00 twice.
  const std::int64_t h = 3600LL * 1'000'000;
  const std::int64_t change = 1'792'890'000LL * 1'000'000;  // 2026-10-25T01:00:00Z
  const std::int64_t start = change - 5 * h;
  const std::int64_t end = change + 5 * h;
  const auto berlin = [change](std::int64_t us) { return us < change ? 7200 : 3600; };
  const auto ticks = time_ticks(start, end, berlin, 12);
  std::vector<std::string> labels;
  for (const auto& t : ticks) labels.push_back(t.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"22:00", "23:00", "00:00", "01:00", "02:00",
                                              "02:00", "03:00", "04:00", "05:00", "06:00",
                                              "07:00"}));
  for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_EQ(ticks[i].at_us - ticks[i - 1].at_us, h);
  // The same from the zone's own rules (Qt's time-zone database), as the views do.
  const auto from_zone = time_ticks(
      start, end, offset_function(zone_or("Europe/Berlin", QTimeZone::utc())), 12);
  ASSERT_EQ(from_zone.size(), ticks.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(from_zone[i].label, ticks[i].label);
  EXPECT_EQ(zone_or("Mars/Olympus", QTimeZone::utc()), QTimeZone::utc());
  EXPECT_EQ(zone_or("", QTimeZone(3600)), QTimeZone(3600));
  // With the start's offset alone (the old behaviour) the end would read 08:00.
  EXPECT_EQ(time_ticks(start, end, 7200, 12).back().label, "08:00");
  // The nights document's zone reaches each night.
  const auto nights = parse_nights(R"({"tz":"Europe/Berlin","nights":[{"wake_date":"2026-10-25",
    "mat_id":"bed1","start":"2026-10-24T22:00:00+02:00","start_us":1,"end_us":2}]})");
  ASSERT_EQ(nights.rows.size(), 1u);
  EXPECT_EQ(nights.rows[0].tz, "Europe/Berlin");
}

TEST(ApiDocuments, NightsDaysAndPainParse) {
  const auto nights = parse_nights(R"({"nights":[{"wake_date":"2025-01-02","mat_id":"bed1",
    "start":"2025-01-01T23:00:00+01:00","start_us":1,"end_us":2,"time_in_bed_s":28800,
    "position_s":{"left":10577,"supine":10531},"turns":8,"bed_exits":1,"pillow_slips":5,
    "side_knee_aligned_share":0.5,"setup":"thick-knee"},{"wake_date":"x"},7]})");
  ASSERT_EQ(nights.rows.size(), 1u);
  EXPECT_EQ(nights.refused, 2u);
  EXPECT_EQ(nights.rows[0].utc_offset_s, 3600);
  EXPECT_EQ(nights.rows[0].turns, 8);
  EXPECT_EQ(*nights.rows[0].setup, "thick-knee");
  EXPECT_DOUBLE_EQ(nights.rows[0].numbers.at("left_s"), 10577);
  EXPECT_DOUBLE_EQ(nights.rows[0].numbers.at("side_knee_aligned_share"), 0.5);
  EXPECT_FALSE(parse_nights(R"({"nights":{}})").error.empty());
  const auto days = parse_days(R"({"days":[{"date":"2025-01-02","mat_id":"chair1","sitting_s":3600,
    "bouts":2,"oblique_right_low_s":600,"wallet_min":12,"posterior_tilt_mean_deg":null}]})");
  ASSERT_EQ(days.rows.size(), 1u);
  EXPECT_FALSE(days.rows[0].posterior_tilt_mean_deg);
  EXPECT_DOUBLE_EQ(days.rows[0].wallet_min, 12);
  const auto pain = parse_pain(R"({"entries":[
    {"back_pain":3,"leg_pain":5,"extent":"thigh","id":1,"time":"2026-11-26T07:30:00+00:00","red_flag":false},
    {"back_pain":5,"leg_pain":7,"extent":"foot","id":2,"time":"2026-11-26T19:30:00+00:00","red_flag":true},
    {"back_pain":11,"leg_pain":5,"time":"2026-11-26T07:30:00+00:00"}],
    "red_flag":true,"red_flag_warning":"!!! RED FLAG"})");
  ASSERT_EQ(pain.rows.size(), 2u);
  EXPECT_EQ(pain.refused, 1u);
  EXPECT_EQ(*pain.red_flag_warning, "!!! RED FLAG");
  const auto daily = daily_pain(pain.rows);
  ASSERT_EQ(daily.size(), 1u);
  EXPECT_DOUBLE_EQ(daily[0].back, 4);
  EXPECT_DOUBLE_EQ(daily[0].leg, 6);
  EXPECT_EQ(api_error_text(R"({"error":{"code":"bad_param","message":"from: bad"}})"), "from: bad");
  EXPECT_EQ(api_error_text("<html>"), "");
}

TEST(ApiDocuments, PainBodyIsValidatedAndRedFlagsAreSeenAtOnce) {
  PainForm form;
  form.back_pain = 4;
  form.leg_pain = 7;
  form.extent = "foot";
  EXPECT_FALSE(any_red_flag(form));
  form.saddle_numbness = true;
  EXPECT_TRUE(any_red_flag(form));
  EXPECT_NE(std::string(red_flag_banner_text()).find("EMERGENCY"), std::string::npos);
  form.tags = {"on_waking"};
  std::string error;
  const auto body = pain_body(form, error);
  ASSERT_TRUE(body) << error;
  const json b = json::parse(*body);
  EXPECT_EQ(b["red_flags"]["saddle_numbness"], true);
  EXPECT_EQ(b["red_flags"]["bladder_bowel"], false);
  EXPECT_EQ(b["tags"][0], "on_waking");
  EXPECT_FALSE(b.contains("note"));
  for (auto change : std::vector<std::function<void(PainForm&)>>{
           [](PainForm& f) { f.back_pain = 11; }, [](PainForm& f) { f.leg_pain = -1; },
           [](PainForm& f) { f.extent = "ankle"; }, [](PainForm& f) { f.tags = {"x"}; },
           [](PainForm& f) {
             f.tags = {"at_night", "at_night"};
           },
           [](PainForm& f) { f.note = std::string(1001, 'a'); },
           [](PainForm& f) { f.note = "bell\a"; }}) {
    PainForm bad = form;
    change(bad);
    error.clear();
    EXPECT_FALSE(pain_body(bad, error));
    EXPECT_FALSE(error.empty());
  }
  EXPECT_EQ(json::parse(setup_use_body("thick-knee"))["name"], "thick-knee");
}

TEST(ApiDocuments, PostureBinsParse) {
  const auto bins = parse_posture(R"({"bins":[{"start_us":10,"frames":600,"obliquity_deg":2.5,
    "tilt_deg":-4.0,"slouched_share":0.0,"wallet_share":0.5},{"start_us":20,"frames":0,
    "obliquity_deg":null},{"frames":3},"x"]})");
  ASSERT_EQ(bins.rows.size(), 2u);
  EXPECT_EQ(bins.refused, 2u);
  EXPECT_DOUBLE_EQ(*bins.rows[0].obliquity_deg, 2.5);
  EXPECT_DOUBLE_EQ(*bins.rows[0].wallet_share, 0.5);
  EXPECT_FALSE(bins.rows[1].obliquity_deg);
  EXPECT_FALSE(parse_posture("[]").error.empty());
}

TEST(ApiDocuments, MovementTestBodyAndSummaryInWords) {
  MovementTestForm form;
  form.extent_before = "calf";
  form.extent_after = "thigh";
  form.leg_pain_before = 6;
  form.leg_pain_after = 4;
  std::string error;
  const auto body = movement_test_body(form, error);
  ASSERT_TRUE(body) << error;
  const json b = json::parse(*body);
  EXPECT_EQ(b["direction"], "extension");
  EXPECT_EQ(b["repetitions"], 10);
  EXPECT_EQ(b["extent_after"], "thigh");
  EXPECT_FALSE(b.contains("note"));
  for (auto change : std::vector<std::function<void(MovementTestForm&)>>{
           [](MovementTestForm& f) { f.direction = "sideways"; },
           [](MovementTestForm& f) { f.extent_before = "ankle"; },
           [](MovementTestForm& f) { f.leg_pain_after = 11; },
           [](MovementTestForm& f) { f.repetitions = 101; },
           [](MovementTestForm& f) { f.note = "bell\a"; }}) {
    MovementTestForm bad = form;
    change(bad);
    error.clear();
    EXPECT_FALSE(movement_test_body(bad, error));
    EXPECT_FALSE(error.empty());
  }
  EXPECT_EQ(movement_tests_text(R"({"tests":[],"summary":{"directions":[],"preferred":null,"min_tests":4}})"),
            "No movement test yet.");
  const std::string text = movement_tests_text(
      R"({"tests":[{},{},{},{}],"summary":{"directions":[{"direction":"extension","n":4,)"
      R"("centralized":4,"peripheralized":0}],"preferred":"extension","min_tests":4}})");
  EXPECT_NE(text.find("extension: 4 tests, 4 centralized, 0 peripheralized"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Directional preference: extension"), std::string::npos) << text;
  EXPECT_EQ(movement_tests_text("[1,2]"), "The gateway's answer was not understood.");
}

TEST(Stats, LineFitAndInterval) {
  const auto fit = fit_line({1, 2, 3, 4, 5}, {2.1, 3.9, 6.2, 7.8, 10.1});
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->slope, 1.99, 0.01);
  EXPECT_NEAR(fit->intercept, 0.05, 0.05);
  EXPECT_GT(fit->r, 0.99);
  // The band is narrowest at the mean of x.
  EXPECT_LT(fit->band_half_width(3), fit->band_half_width(5));
  EXPECT_GT(fit->band_half_width(3), 0);
  EXPECT_FALSE(fit_line({1, 1, 1}, {1, 2, 3}));
  EXPECT_FALSE(fit_line({1, 2}, {1, 2}));
  EXPECT_NEAR(student_t95(3), 3.182, 0.03);
  EXPECT_NEAR(student_t95(10), 2.228, 0.01);
  EXPECT_NEAR(student_t95(1000), 1.962, 0.001);
}

TEST(ApiClient, UrlsTokensAndAnUnreachableGateway) {
  QString error;
  EXPECT_FALSE(parse_api_url("ftp://x", error));
  EXPECT_FALSE(parse_api_url("not a url", error));
  EXPECT_FALSE(parse_api_url("http://h:1/?a=b", error));
  const auto base = parse_api_url("http://127.0.0.1:8787/pmap/", error);
  ASSERT_TRUE(base) << error.toStdString();
  QUrlQuery q;
  q.addQueryItem("from", "2026-11-01");
  EXPECT_EQ(api_url(*base, "/v1/nights", q).toString().toStdString(),
            "http://127.0.0.1:8787/pmap/v1/nights?from=2026-11-01");
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/tok") << "  abcdefghijklmnop0123  \nsecond line\n";
  std::ofstream(dir + "/short") << "abc\n";
  std::string terror;
  EXPECT_EQ(read_token_file(dir + "/tok", terror), "abcdefghijklmnop0123");
  EXPECT_FALSE(read_token_file(dir + "/short", terror));
  EXPECT_FALSE(read_token_file(dir + "/missing", terror));

  // A port nobody listens on: the reply carries a network error and reachability drops.
  int argc = 1;
  char name[] = "dashboard_core_test";
  char* argv[] = {name, nullptr};
  QCoreApplication app(argc, argv);
  ApiClient client(*parse_api_url("http://127.0.0.1:9", error), "");
  bool changed = false;
  QObject::connect(&client, &ApiClient::reachabilityChanged, [&](bool up) { changed = !up; });
  ApiReply got;
  bool done = false;
  client.get("/v1/health", {}, [&](const ApiReply& r) {
    got = r;
    done = true;
    app.quit();
  });
  if (!done) app.exec();
  EXPECT_FALSE(got.ok());
  EXPECT_EQ(got.status, 0);
  EXPECT_TRUE(got.problem().startsWith("gateway unreachable"));
  EXPECT_TRUE(changed);
  EXPECT_FALSE(client.reachable());
}
