#include <gtest/gtest.h>

#include <chrono>

#include "pmap/occupancy.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/scenario.hpp"
#include "pmap/sim/sensor_model.hpp"
#include "pmap/wire_codec.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

using test::bytes;
using test::kNowUs;

struct Harness {
  std::vector<std::pair<std::string, std::string>> published;
  std::vector<WriteBatch> batches;
  Pipeline pipeline;
  explicit Harness(PipelineConfig cfg = {})
      : pipeline(
            cfg, nullptr,
            [this](const std::string& t, const std::string& p) {
              published.emplace_back(t, p);
              return true;
            },
            [this](WriteBatch b) { batches.push_back(std::move(b)); }) {}
  void send(const std::string& topic, const std::vector<std::uint8_t>& payload,
            std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    pipeline.handle(topic, payload, kNowUs, now);
  }
  WriteBatch all() {
    WriteBatch out;
    for (auto& b : batches) out.append(std::move(b));
    batches.clear();
    return out;
  }
};

std::vector<std::uint8_t> person_frame(std::uint32_t seq, bool occupied) {
  PressureFrame f = test::make_frame(seq, kNowUs + seq * 1'000'000LL, 32, 16, 5);
  if (occupied) {
    for (std::size_t r = 5; r < 25; ++r) {
      for (std::size_t c = 3; c < 10; ++c) f.at(r, c) = 600;
    }
  }
  return encode_binary(f);
}

// A simulated sleeper (adult of the simulator's middle size) on the 64 x 32 bed as the mat would
// send it, at `seq` seconds.
std::vector<std::uint8_t> sleeper_frame(std::uint32_t seq, sim::BedPosture position) {
  sim::BedPose pose;
  pose.posture = position;
  const sim::BodyModel body(MatKind::kBed, sim::MatGeometry::bed(), sim::BodyParams{});
  const sim::PressureImage image = body.render(sim::BodyState{pose, pose, 0, {}, 1.0});
  sim::SensorModel sensor(image.rows, image.cols, sim::SensorConfig{}, 7);
  return encode_binary(sensor.read(image, seq, kNowUs + seq * 1'000'000LL));
}

TEST(Pipeline, BedStateReportsTheSmoothedPositionAndTheFramesOwn) {
  Harness h;
  h.send("pmap/v1/bed1/meta", bytes(test::meta_json("bed", 64, 32, "head", true, 28.6)));
  const auto t0 = std::chrono::steady_clock::now();
  std::uint32_t seq = 0;
  auto send = [&](sim::BedPosture position) {
    h.send("pmap/v1/bed1/frame", sleeper_frame(seq, position),
           t0 + std::chrono::seconds(2 * seq));  // 2 s apart: every frame publishes a state
    ++seq;
    return nlohmann::json::parse(h.published.back().second)["posture"];
  };
  nlohmann::json posture;
  for (int i = 0; i < 20; ++i) posture = send(sim::BedPosture::kSupine);
  EXPECT_EQ(posture["position"], "supine");
  EXPECT_EQ(posture["position_frame"], "supine");
  EXPECT_GT(posture["confidence"].get<double>(), 0.9);
  // One frame that looks like lying on the right side does not flip what is reported...
  posture = send(sim::BedPosture::kRight);
  EXPECT_EQ(posture["position_frame"], "right");
  EXPECT_EQ(posture["position"], "supine");
  // ... a real turn does, within a few frames, and then stays.
  int frames_to_follow = 0;
  for (int i = 1; i <= 10; ++i) {
    posture = send(sim::BedPosture::kRight);
    if (frames_to_follow == 0 && posture["position"] == "right") frames_to_follow = i;
  }
  EXPECT_GE(frames_to_follow, 1);
  EXPECT_LE(frames_to_follow, 3);
  EXPECT_EQ(posture["position"], "right");
  // Nobody on the mat: no posture, and the next sleeper starts afresh (reported at once).
  h.send("pmap/v1/bed1/frame", test::binary(seq, kNowUs + seq * 1'000'000LL, 64, 32, 45),
         t0 + std::chrono::seconds(2 * seq));
  ++seq;
  EXPECT_TRUE(nlohmann::json::parse(h.published.back().second)["posture"].is_null());
  EXPECT_EQ(send(sim::BedPosture::kLeft)["position"], "left");
}

TEST(Occupancy, GettingInSettlesAndLeavingIsSeenBeforeEmpty) {
  OccupancyTracker t;
  double time = 0;
  auto frame = [&](bool occupied, double load, double area) {
    return t.update(occupied, load, area, time++);
  };
  EXPECT_EQ(frame(false, 0, 0), Occupancy::kEmpty);
  // Getting in: load and area ramp up over 10 s...
  for (int i = 1; i <= 10; ++i) {
    EXPECT_EQ(frame(true, 100.0 * i, 300.0 * i), Occupancy::kGettingInOrOut) << i;
  }
  // ... then lying still: occupied once 5 s of frames agree.
  Occupancy last = Occupancy::kEmpty;
  int settled_after = 0;
  for (int i = 1; i <= 10; ++i) {
    last = frame(true, 1000 + (i % 2) * 20, 3000 - (i % 2) * 30);
    if (last == Occupancy::kOccupied && settled_after == 0) settled_after = i;
  }
  EXPECT_EQ(last, Occupancy::kOccupied);
  EXPECT_GE(settled_after, 3);
  EXPECT_LE(settled_after, 7);
  // A roll onto the side: less contact area, the same load: still occupied.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(frame(true, 1000, 1800), Occupancy::kOccupied) << i;
  // Sitting up on the edge and standing up: load and area fall.
  EXPECT_EQ(frame(true, 500, 900), Occupancy::kGettingInOrOut);
  EXPECT_EQ(frame(true, 300, 500), Occupancy::kGettingInOrOut);
  EXPECT_EQ(frame(false, 0, 0), Occupancy::kEmpty);
  // Out-of-order and non-finite input do not change anything.
  EXPECT_EQ(t.update(true, 1000, 3000, 1.0), Occupancy::kEmpty);
  EXPECT_EQ(frame(true, std::nan(""), 3000), Occupancy::kEmpty);
  EXPECT_EQ(to_string(Occupancy::kGettingInOrOut), "getting_in_or_out");
}

// A whole simulated night (1 Hz) through the pipeline: the state's occupancy against the
// simulator's truth. Getting in and out are the "transition" stretches next to an empty period.
TEST(Pipeline, OccupancyOfASimulatedNightFollowsTheTruth) {
  Harness h;
  h.send("pmap/v1/bed1/meta", bytes(test::meta_json("bed", 64, 32, "head", true, 28.6)));
  auto made = sim::Scenario::make("night", MatKind::kBed, std::nullopt, 21);
  const auto& scenario = std::get<sim::Scenario>(made);
  const sim::BodyModel body(MatKind::kBed, sim::MatGeometry::bed(), sim::BodyParams{});
  sim::SensorModel sensor(64, 32, sim::SensorConfig{}, 5);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> truth;
  std::vector<std::string> reported;
  std::optional<sim::BodyState> cached;
  sim::PressureImage image;
  const auto frames = static_cast<std::uint32_t>(scenario.duration_s());
  for (std::uint32_t seq = 0; seq < frames; ++seq) {
    const sim::BodyState state = scenario.state_at(seq);
    if (!cached || !(*cached == state)) {
      image = body.render(state);
      cached = state;
    }
    // The wall clock moves with the recording, as on a live mat (frames far ahead of it are
    // refused).
    const std::int64_t ts_us = kNowUs + seq * 1'000'000LL;
    h.pipeline.handle("pmap/v1/bed1/frame", encode_binary(sensor.read(image, seq, ts_us)), ts_us,
                      t0 + std::chrono::seconds(2 * seq));
    truth.push_back(sim::posture_label(MatKind::kBed, state));
    reported.push_back(
        nlohmann::json::parse(h.published.back().second)["occupancy"].get<std::string>());
  }
  // Truth per frame: empty; transition next to (within 30 s of) an empty frame = getting in/out;
  // anything else = occupied.
  auto near_empty = [&](std::size_t i) {
    for (std::size_t k = i > 30 ? i - 30 : 0; k < std::min(truth.size(), i + 31); ++k) {
      if (truth[k] == "empty") return true;
    }
    return false;
  };
  int getting = 0, getting_found = 0, getting_empty = 0, occupied = 0, occupied_called_getting = 0,
      empty = 0, empty_right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == "empty") {
      ++empty;
      empty_right += reported[i] == "empty" ? 1 : 0;
    } else if (truth[i] == "transition" && near_empty(i)) {
      ++getting;
      getting_found += reported[i] == "getting_in_or_out" ? 1 : 0;
      getting_empty += reported[i] == "empty" ? 1 : 0;
    } else if (truth[i] != "transition") {
      ++occupied;
      occupied_called_getting += reported[i] == "getting_in_or_out" ? 1 : 0;
    }
  }
  std::cout << "occupancy over a simulated night: empty " << empty_right << "/" << empty
            << ", getting in/out found " << getting_found << "/" << getting << " (" << getting_empty
            << " read as empty: too little on the mat yet)"
            << ", lying frames called getting in/out " << occupied_called_getting << "/" << occupied
            << "\n";
  EXPECT_GE(getting, 30);  // in, out and back in at night, up in the morning
  EXPECT_GE(empty_right, 0.99 * empty);
  // Measured 34 of the 45 the mat can see (12 more carry too little load to count as occupied).
  EXPECT_GE(getting_found, 0.7 * (getting - getting_empty));
  EXPECT_LE(occupied_called_getting, 0.01 * occupied);
}

TEST(Pipeline, SittingAlertOncePerBoutOverTheLimit) {
  PipelineConfig cfg;
  cfg.sitting_alert_us = 60'000'000;
  Harness h(cfg);
  h.send("pmap/v1/chair1/meta",
         bytes(test::meta_json("chair", 32, 16, "back", true, 12.0)));  // 200 cm² occupied
  const auto t0 = std::chrono::steady_clock::now();
  std::uint32_t seq = 0;
  auto run = [&](int frames, bool occupied) {
    for (int i = 0; i < frames; ++i, ++seq) {
      const std::int64_t ts_us = kNowUs + seq * 1'000'000LL;
      h.pipeline.handle("pmap/v1/chair1/frame", person_frame(seq, occupied), ts_us,
                        t0 + std::chrono::seconds(seq));
    }
  };
  auto alerts = [&] {
    std::vector<nlohmann::json> out;
    for (const auto& [topic, payload] : h.published) {
      if (topic == "pmap/v1/chair1/alert") out.push_back(nlohmann::json::parse(payload));
    }
    return out;
  };
  run(50, true);
  EXPECT_TRUE(alerts().empty());  // 49 s: under the limit
  run(100, true);
  auto a = alerts();
  ASSERT_EQ(a.size(), 1U);  // once per bout, not once per frame
  EXPECT_EQ(a[0]["type"], "sitting_bout_over_limit");
  EXPECT_EQ(a[0]["mat_id"], "chair1");
  EXPECT_EQ(a[0]["bout_s"], 61);
  EXPECT_EQ(a[0]["limit_s"], 60);
  EXPECT_EQ(a[0]["bout_start_us"], kNowUs);
  run(60, false);  // a break (longer than the 30 s presence dwell)
  run(80, true);
  a = alerts();
  ASSERT_EQ(a.size(), 2U);
  EXPECT_GT(a[1]["bout_start_us"].get<std::int64_t>(), kNowUs + 150'000'000);
}

TEST(Pipeline, PostureEpochsWrittenForBedFrames) {
  Harness h;
  h.send("pmap/v1/bed1/meta", bytes(test::meta_json("bed", 64, 32, "head", true, 28.6)));
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t seq = 0; seq < 10; ++seq) {
    const std::int64_t ts_us = kNowUs + seq * 1'000'000LL;
    h.pipeline.handle("pmap/v1/bed1/frame", sleeper_frame(seq, sim::BedPosture::kLeft), ts_us,
                      t0 + std::chrono::seconds(seq));
  }
  h.pipeline.flush();
  const WriteBatch b = h.all();
  std::int64_t frames = 0;
  std::int64_t side = 0;
  for (const auto& p : b.posture_epochs) {
    EXPECT_EQ(p.mat_id, "bed1");
    frames += p.posture_frames;
    side += p.side_frames;
  }
  EXPECT_EQ(frames, 10);
  EXPECT_GT(side, 0);
}

// The learned floor is written when first learned, then at most every 5 min while the mat is
// empty, at once when it is occupied again; a restarted pipeline that takes it up conditions
// the night's frames exactly as the one that learned it (docs/gateway.md, "Conditioning").
TEST(Pipeline, LearnedFloorIsWrittenAndTakenUpAfterARestart) {
  const auto meta = bytes(test::meta_json("bed", 32, 16, "head", true, 28.6));
  // An empty mat whose taxels read 5-65 counts (their own zeros), a body on top.
  auto person_frame = [](std::uint32_t seq, bool occupied) {
    PressureFrame f = test::make_frame(seq, kNowUs + seq * 1'000'000LL, 32, 16);
    for (std::size_t i = 0; i < f.values.size(); ++i)
      f.values[i] = static_cast<std::uint16_t>(5 + (i * 37) % 61);
    if (occupied) {
      for (std::size_t r = 5; r < 25; ++r) {
        for (std::size_t c = 3; c < 10; ++c) f.at(r, c) = static_cast<std::uint16_t>(f.at(r, c) + 600);
      }
    }
    return encode_binary(f);
  };
  Harness h;
  h.send("pmap/v1/bed1/meta", meta);
  std::uint32_t seq = 0;
  auto floors_flushed = [&] {
    h.pipeline.flush();
    return h.all().floors;
  };
  for (; seq < 5; ++seq) h.send("pmap/v1/bed1/frame", person_frame(seq, false));
  auto first = floors_flushed();
  ASSERT_EQ(first.size(), 1U);  // learned for the first time
  EXPECT_EQ(first[0].mat_id, "bed1");
  EXPECT_EQ(first[0].rows, 32);
  EXPECT_EQ(first[0].cols, 16);
  EXPECT_EQ(first[0].empty_frames, 5);
  for (; seq < 10; ++seq) h.send("pmap/v1/bed1/frame", person_frame(seq, false));
  EXPECT_TRUE(floors_flushed().empty());  // still learning, written < 5 min ago
  h.send("pmap/v1/bed1/frame", person_frame(seq++, true));
  auto at_bedtime = floors_flushed();
  ASSERT_EQ(at_bedtime.size(), 1U);  // occupied: the floor the night is measured against
  EXPECT_EQ(at_bedtime[0].empty_frames, 10);
  EXPECT_TRUE(at_bedtime[0].last_occupied_us.has_value());
  h.send("pmap/v1/bed1/frame", person_frame(seq++, true));
  h.pipeline.close_episodes();
  EXPECT_TRUE(floors_flushed().empty());  // unchanged since: not written again at shutdown

  // The restart: the floor from the database, the meta, then the night goes on.
  Harness restarted;
  restarted.pipeline.restore_floor(at_bedtime[0]);
  restarted.send("pmap/v1/bed1/meta", meta);
  Harness forgetful;  // a restart without it
  forgetful.send("pmap/v1/bed1/meta", meta);
  const auto night = person_frame(seq, true);
  h.send("pmap/v1/bed1/frame", night);
  restarted.send("pmap/v1/bed1/frame", night);
  forgetful.send("pmap/v1/bed1/frame", night);
  const ConditionedFrame* a = h.pipeline.conditioned("bed1");
  const ConditionedFrame* b = restarted.pipeline.conditioned("bed1");
  const ConditionedFrame* c = forgetful.pipeline.conditioned("bed1");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(b->floor_learned);
  EXPECT_TRUE((a->above_floor == b->above_floor).all());
  EXPECT_FALSE(c->floor_learned);
  EXPECT_FALSE((a->above_floor == c->above_floor).all());  // the one-number floor
  // A floor of another shape is not taken up.
  Harness reshaped;
  FloorRecord other = at_bedtime[0];
  other.rows = 16;
  other.cols = 32;
  reshaped.pipeline.restore_floor(other);
  reshaped.send("pmap/v1/bed1/meta", meta);
  reshaped.send("pmap/v1/bed1/frame", night);
  ASSERT_NE(reshaped.pipeline.conditioned("bed1"), nullptr);
  EXPECT_FALSE(reshaped.pipeline.conditioned("bed1")->floor_learned);
  // Nor one whose counts are not a whole image.
  Harness truncated;
  FloorRecord cut = at_bedtime[0];
  cut.counts.resize(cut.counts.size() - 1);
  truncated.pipeline.restore_floor(cut);
  truncated.send("pmap/v1/bed1/meta", meta);
  truncated.send("pmap/v1/bed1/frame", night);
  ASSERT_NE(truncated.pipeline.conditioned("bed1"), nullptr);
  EXPECT_FALSE(truncated.pipeline.conditioned("bed1")->floor_learned);
}

TEST(Pipeline, EndToEndEpochsCountersStatesAndUnattributed) {
  Harness h;
  h.send("pmap/v1/bed1/meta", bytes(test::meta_json("bed", 32, 16, "head", true, 28.6)));
  h.send("pmap/v1/bed1/status", bytes("online"));
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t s = 0; s < 10; ++s) {
    h.send("pmap/v1/bed1/frame", person_frame(s, s >= 5), t0 + std::chrono::milliseconds(100 * s));
  }
  h.send("pmap/v1/bed1/frame", bytes("junk"));
  h.send("pmap/v1/bad id/frame", bytes("x"));
  h.send("pmap/v1/bed1/unknown", bytes("x"));
  h.send("other/topic", bytes("x"));
  h.send("pmap/v1/bed1/truth", bytes("{}"));
  h.pipeline.flush();
  const WriteBatch b = h.all();
  ASSERT_EQ(b.mats.size(), 1U);
  EXPECT_EQ(b.statuses.size(), 1U);
  std::int64_t frames = 0, occupied = 0;
  for (const auto& e : b.epochs) {
    frames += e.frames;
    occupied += e.occupied_frames;
  }
  EXPECT_EQ(frames, 10);
  EXPECT_EQ(occupied, 5);
  ASSERT_EQ(b.counters.size(), 1U);
  EXPECT_EQ(b.counters[0].counts.at("bad_magic"), 1U);
  EXPECT_EQ(b.counters[0].counts.at("accepted"), 10U);
  EXPECT_EQ(h.pipeline.global().unattributed, 3U);
  EXPECT_EQ(h.pipeline.global().ignored_channel, 1U);
  // First state immediately, then one more on the occupancy change (within the 1 s interval).
  ASSERT_EQ(h.published.size(), 2U);
  EXPECT_EQ(h.published[0].first, "pmap/v1/bed1/state");
  const auto s1 = nlohmann::json::parse(h.published[1].second);
  EXPECT_TRUE(s1["occupied"].get<bool>());
  EXPECT_NEAR(s1["contact_area_cm2"].get<double>(), 140 * 28.6 * 28.6 / 100, 1e-6);
  EXPECT_NEAR(s1["cop"]["row"].get<double>(), 14.5, 1e-9);
  EXPECT_NEAR(s1["cop"]["col"].get<double>(), 6.0, 1e-9);
  // The pending state of the last frame goes out once the interval has elapsed.
  h.pipeline.publish_due(t0 + std::chrono::seconds(3));
  ASSERT_EQ(h.published.size(), 3U);
  EXPECT_EQ(nlohmann::json::parse(h.published[2].second)["ts_us"].get<std::int64_t>(),
            kNowUs + 9'000'000);
  const auto summary = h.pipeline.summary();
  EXPECT_EQ(summary["mats"]["bed1"]["accepted"], 10);
  EXPECT_EQ(summary["mats"]["bed1"]["rejected_by_reason"]["bad_magic"], 1);
  EXPECT_EQ(summary["global"]["unattributed"], 3);
}

TEST(Pipeline, BadMatDoesNotAffectOthersAndRejectionsAreNeverStored) {
  PipelineConfig cfg;
  cfg.raw_archive = true;
  Harness h(cfg);
  h.send("pmap/v1/good/meta", bytes(test::meta_json("bed", 32, 16)));
  h.send("pmap/v1/bad/meta", bytes(test::meta_json("bed", 32, 16)));
  for (std::uint32_t s = 0; s < 20; ++s) {
    h.send("pmap/v1/good/frame", person_frame(s, true));
    auto corrupt = person_frame(s, true);
    corrupt[30] ^= 0x55;
    h.send("pmap/v1/bad/frame", corrupt);
    h.send("pmap/v1/bad/frame", bytes(""));
    h.send("pmap/v1/bad/frame", test::binary(s, kNowUs, 2, 2));
  }
  h.pipeline.flush();
  const WriteBatch b = h.all();
  for (const auto& e : b.epochs) EXPECT_EQ(e.mat_id, "good");
  for (const auto& r : b.raw_frames) EXPECT_EQ(r.mat_id, "good");
  EXPECT_EQ(b.raw_frames.size(), 20U);
  const auto bad = h.pipeline.ingest().counters("bad");
  EXPECT_EQ(bad.rejected_by_reason.at("bad_crc"), 20U);
  EXPECT_EQ(bad.rejected_by_reason.at("empty"), 20U);
  EXPECT_EQ(bad.rejected_by_reason.at("dimension_mismatch"), 20U);
  EXPECT_EQ(bad.accepted, 0U);
  EXPECT_EQ(h.pipeline.ingest().counters("good").accepted, 20U);
}

TEST(Pipeline, FlushesEarlyWhenManyRowsPending) {
  PipelineConfig cfg;
  cfg.flush_max_rows = 10;
  cfg.raw_archive = true;
  Harness h(cfg);
  h.send("pmap/v1/m/meta", bytes(test::meta_json("bed", 32, 16)));
  for (std::uint32_t s = 0; s < 30; ++s) h.send("pmap/v1/m/frame", person_frame(s, false));
  EXPECT_GE(h.batches.size(), 2U);
}

TEST(Pipeline, LongRunOfFramesAllAcceptedAndAggregated) {
  // Throughput is measured by pmap-bench (BM_PipelineBedFrame, docs/performance.md), not here:
  // the machine is shared, so tests assert behaviour, never time.
  Harness h;
  h.send("pmap/v1/m/meta", bytes(test::meta_json("bed", 64, 32)));
  for (std::uint32_t s = 0; s < 2000; ++s) {
    PressureFrame f = test::make_frame(s, kNowUs, 64, 32, 5);
    for (std::size_t r = 10; r < 40; ++r) {
      for (std::size_t c = 8; c < 20; ++c)
        f.at(r, c) = static_cast<std::uint16_t>(300 + (s + r + c) % 200);
    }
    h.send("pmap/v1/m/frame", encode_binary(f));
  }
  EXPECT_EQ(h.pipeline.ingest().counters("m").accepted, 2000U);
  EXPECT_EQ(h.pipeline.ingest().counters("m").rejected, 0U);
}

}  // namespace
}  // namespace pmap
