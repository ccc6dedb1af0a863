// Multi-night runs (docs/firmware-sim.md, "Multi-night runs"): the planner's local and UTC times
// (across DST changes), night-to-night variation, reproducibility, the command line, and a
// 28-night run of the real binary into a frame log.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_parse.hpp"
#include "pmap/frame_log.hpp"
#include "pmap/sim/session_planner.hpp"
#include "pmap/zone_clock.hpp"

namespace pmap::sim {
namespace {

using testing::error_of;
using testing::parse;

MultiNightConfig berlin(int nights, const char* start_date) {
  MultiNightConfig config;
  config.nights = nights;
  config.start_date = *ZoneClock::parse_date(start_date);
  config.zone = "Europe/Berlin";
  return config;
}

std::vector<PlannedSession> plan(MatKind kind, const MultiNightConfig& config, std::uint64_t seed) {
  auto planned = SessionPlanner::plan(kind, config, seed);
  if (auto* error = std::get_if<std::string>(&planned)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return std::get<std::vector<PlannedSession>>(std::move(planned));
}

int local_minute_of_day(const ZoneClock& clock, std::int64_t utc_s) {
  const CivilTime t = clock.to_local(utc_s);
  return t.hour * 60 + t.minute;
}

TEST(ZoneClock, ConvertsAcrossBerlinClockChanges) {
  // The process's own TZ is left as it was.
  const char* old = std::getenv("TZ");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TZ", "America/New_York", 1);
  const auto clock = ZoneClock::make("Europe/Berlin");
  ASSERT_TRUE(clock);
  // 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
  const std::int64_t before = clock->to_utc_s({2026, 3, 28, 23, 0, 0});
  const std::int64_t after = clock->to_utc_s({2026, 3, 28, 23, 0 + 8 * 60, 0});  // 07:00 local
  EXPECT_EQ(before, 1774735200);  // 2026-03-28T22:00:00Z
  EXPECT_EQ(after - before, 7 * 3600);
  EXPECT_EQ(clock->utc_offset_s(before), 3600);
  EXPECT_EQ(clock->utc_offset_s(after), 7200);
  const std::int64_t autumn_in = clock->to_utc_s({2026, 10, 24, 23, 0, 0});
  const std::int64_t autumn_out = clock->to_utc_s({2026, 10, 25, 7, 0, 0});
  EXPECT_EQ(autumn_out - autumn_in, 9 * 3600);
  EXPECT_EQ(clock->format(after), "2026-03-29T07:00:00+02:00");
  EXPECT_EQ(ZoneClock::format_utc(after), "2026-03-29T05:00:00Z");
  EXPECT_FALSE(ZoneClock::make("Mars/Olympus_Mons"));
  EXPECT_FALSE(ZoneClock::make("../etc/passwd"));
  EXPECT_FALSE(ZoneClock::parse_date("2026-02-30"));
  EXPECT_FALSE(ZoneClock::parse_date("2026-2-3"));
  EXPECT_STREQ(std::getenv("TZ"), "America/New_York");
  if (saved) {
    ::setenv("TZ", saved->c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
}

TEST(SessionPlanner, NightsHaveRealisticLocalTimesAndRealGaps) {
  const auto config = berlin(21, "2026-01-05");
  const auto nights = plan(MatKind::kBed, config, 11);
  ASSERT_EQ(nights.size(), 21u);
  const auto clock = ZoneClock::make("Europe/Berlin");
  std::set<int> bed_minutes;
  for (std::size_t i = 0; i < nights.size(); ++i) {
    const SessionPlan& p = nights[i].plan;
    EXPECT_EQ(p.index, static_cast<int>(i));
    // Bed 22:30-00:30 local.
    const int bed = local_minute_of_day(*clock, p.begin_utc_s);
    EXPECT_TRUE(bed >= 22 * 60 + 30 || bed <= 30) << p.date << " bed at minute " << bed;
    bed_minutes.insert(bed);
    // 6.5-8.5 h, so up between 05:00 and 09:00 local.
    EXPECT_GE(p.local_minutes, 390);
    EXPECT_LE(p.local_minutes, 510);
    const int wake = local_minute_of_day(*clock, p.end_utc_s);
    EXPECT_GE(wake, 5 * 60);
    EXPECT_LE(wake, 9 * 60);
    // No DST change in January: the UTC length is the wall-clock length.
    EXPECT_EQ(p.end_utc_s - p.begin_utc_s, p.local_minutes * 60);
    // The timeline covers the session exactly: 10 minutes of empty mat on each side.
    EXPECT_EQ(p.session_start_us, (p.begin_utc_s - 600) * 1'000'000);
    EXPECT_NEAR(nights[i].scenario.duration_s(),
                static_cast<double>(p.session_end_us - p.session_start_us) / 1e6, 1e-6);
    // Time in bed as planned: everything that is not empty mat is within a few minutes of it
    // (exits are empty time inside the night).
    const double in_bed = p.local_minutes - p.exit_minutes;
    const double occupied = nights[i].scenario.duration_s() / 60.0 - p.minutes.at("empty");
    EXPECT_NEAR(occupied, in_bed, 3.0) << p.date;
    if (i > 0) {
      // A real gap of daytime between getting up and the next night.
      const SessionPlan& previous = nights[i - 1].plan;
      EXPECT_GT(p.session_start_us - previous.session_end_us, 12LL * 3600 * 1'000'000);
    }
  }
  EXPECT_GT(bed_minutes.size(), 10u);  // bed times vary from night to night
}

TEST(SessionPlanner, NightAcrossSpringForwardIsAnHourShorterInUtc) {
  const auto nights = plan(MatKind::kBed, berlin(3, "2026-03-27"), 4);
  ASSERT_EQ(nights.size(), 3u);
  const SessionPlan& friday = nights[0].plan;  // 27 -> 28 March: no change
  const SessionPlan& change = nights[1].plan;  // 28 -> 29 March: clocks go forward at 02:00
  EXPECT_EQ(change.date, "2026-03-28");
  EXPECT_EQ(friday.end_utc_s - friday.begin_utc_s, friday.local_minutes * 60);
  EXPECT_EQ(change.end_utc_s - change.begin_utc_s, (change.local_minutes - 60) * 60);
  // And the timeline that is played is the UTC length (plus the empty 10 min each side).
  EXPECT_NEAR(nights[1].scenario.duration_s(), (change.local_minutes - 60) * 60.0 + 1200, 1e-6);
  const auto truth = nlohmann::json::parse(SessionPlanner::truth_json(change, "bed1"));
  EXPECT_EQ(truth["utc_minutes"].get<int>(), change.local_minutes - 60);
  EXPECT_NE(truth["bed_local"].get<std::string>().find("+01:00"), std::string::npos);
  EXPECT_NE(truth["wake_local"].get<std::string>().find("+02:00"), std::string::npos);
  std::printf("spring-forward night %s: %s -> %s, %d min local, %d min UTC\n", change.date.c_str(),
              truth["bed_local"].get<std::string>().c_str(),
              truth["wake_local"].get<std::string>().c_str(), change.local_minutes,
              truth["utc_minutes"].get<int>());
}

TEST(SessionPlanner, NightAcrossFallBackIsAnHourLongerInUtc) {
  const auto nights = plan(MatKind::kBed, berlin(2, "2026-10-24"), 4);
  ASSERT_EQ(nights.size(), 2u);
  const SessionPlan& change = nights[0].plan;  // 24 -> 25 October: clocks go back at 03:00
  EXPECT_EQ(change.end_utc_s - change.begin_utc_s, (change.local_minutes + 60) * 60);
  EXPECT_EQ(nights[1].plan.end_utc_s - nights[1].plan.begin_utc_s,
            nights[1].plan.local_minutes * 60);
  const auto truth = nlohmann::json::parse(SessionPlanner::truth_json(change, "bed1"));
  EXPECT_EQ(truth["utc_minutes"].get<int>(), change.local_minutes + 60);
  EXPECT_NE(truth["bed_local"].get<std::string>().find("+02:00"), std::string::npos);
  EXPECT_NE(truth["wake_local"].get<std::string>().find("+01:00"), std::string::npos);
}

TEST(SessionPlanner, ReproducibleWithTheSeedAndDifferentWithAnother) {
  const auto config = berlin(7, "2026-05-01");
  auto truths = [&](std::uint64_t seed) {
    std::vector<std::string> out;
    for (const auto& night : plan(MatKind::kBed, config, seed)) {
      out.push_back(SessionPlanner::truth_json(night.plan, "bed1"));
    }
    return out;
  };
  EXPECT_EQ(truths(5), truths(5));
  EXPECT_NE(truths(5), truths(6));
  // Each night depends only on the seed and its index: a longer run starts with the same nights.
  auto longer = berlin(10, "2026-05-01");
  const auto ten = plan(MatKind::kBed, longer, 5);
  EXPECT_EQ(SessionPlanner::truth_json(ten[6].plan, "bed1"), truths(5)[6]);
}

TEST(SessionPlanner, NightsVaryInPillowBehaviourPositionsAndExits) {
  const auto nights = plan(MatKind::kBed, berlin(28, "2026-04-01"), 9);
  ASSERT_EQ(nights.size(), 28u);
  std::set<int> slips, exits, changes;
  int without_pillow = 0, long_exits = 0;
  double min_supine = 1e9, max_supine = 0;
  for (const auto& night : nights) {
    const SessionPlan& p = night.plan;
    slips.insert(p.slips);
    exits.insert(p.bed_exits);
    changes.insert(p.position_changes);
    EXPECT_EQ(p.bed_exits, p.night.bed_exits);
    if (p.night.knee_pillow_use == 0) {
      ++without_pillow;
      EXPECT_EQ(p.slips, 0);
      EXPECT_EQ(p.side_aligned_minutes + p.side_dropped_minutes, 0.0);
    }
    if (p.night.long_exit) {
      ++long_exits;
      EXPECT_GE(p.exit_minutes, 19.0) << p.date;
    }
    const double supine = p.minutes.count("supine") ? p.minutes.at("supine") : 0.0;
    min_supine = std::min(min_supine, supine);
    max_supine = std::max(max_supine, supine);
  }
  std::printf(
      "28 nights: %zu distinct slip counts, %zu exit counts, %zu turn counts, %d without "
      "a knee pillow, %d with a long exit, supine %.0f-%.0f min\n",
      slips.size(), exits.size(), changes.size(), without_pillow, long_exits, min_supine,
      max_supine);
  EXPECT_GE(slips.size(), 3u);
  EXPECT_GE(exits.size(), 2u);
  EXPECT_GE(changes.size(), 5u);
  EXPECT_GE(without_pillow, 1);
  EXPECT_GT(max_supine - min_supine, 60.0);
}

TEST(SessionPlanner, SetupScheduleChangesHowOftenThePillowSlips) {
  auto config = berlin(60, "2026-06-01");
  config.setup_schedule = {{"2026-06-01", "thin"}, {"2026-07-01", "body"}};
  const auto nights = plan(MatKind::kBed, config, 3);
  ASSERT_EQ(nights.size(), 60u);
  int thin_slips = 0, body_slips = 0;
  double thin_aligned = 0, body_aligned = 0;
  for (const auto& night : nights) {
    const SessionPlan& p = night.plan;
    EXPECT_EQ(p.setup, p.date < "2026-07-01" ? "thin" : "body");
    (p.setup == "thin" ? thin_slips : body_slips) += p.slips;
    (p.setup == "thin" ? thin_aligned : body_aligned) += p.side_aligned_minutes;
  }
  std::printf("30 thin-pillow nights: %d slips; 30 body-pillow nights: %d slips\n", thin_slips,
              body_slips);
  EXPECT_GT(thin_slips, 2 * body_slips);
  EXPECT_GT(body_aligned, thin_aligned);
  // No knee pillow: nothing can slip.
  config.setup_schedule = {{"2026-05-01", "none"}};
  for (const auto& night : plan(MatKind::kBed, config, 3)) {
    EXPECT_EQ(night.plan.slips, 0);
    EXPECT_EQ(night.plan.setup, "none");
  }
}

TEST(SessionPlanner, WorkingDaysVaryInBoutsWalletAndObliquity) {
  const auto days = plan(MatKind::kChair, berlin(20, "2026-09-07"), 2);
  ASSERT_EQ(days.size(), 20u);
  const auto clock = ZoneClock::make("Europe/Berlin");
  std::set<int> bouts, oblique;
  int wallet_days = 0;
  for (const auto& day : days) {
    const SessionPlan& p = day.plan;
    const int start = local_minute_of_day(*clock, p.begin_utc_s);
    EXPECT_GE(start, 8 * 60);
    EXPECT_LE(start, 9 * 60 + 30);
    EXPECT_GE(p.local_minutes, 420);
    EXPECT_LE(p.local_minutes, 540);
    EXPECT_EQ(p.wallet_bouts, p.day.wallet ? 1 : 0);
    wallet_days += p.day.wallet ? 1 : 0;
    bouts.insert(p.sitting_bouts);
    oblique.insert(p.oblique_bouts);
    EXPECT_GT(p.minutes.at("sitting"), 240.0);
  }
  EXPECT_GE(bouts.size(), 3u);
  EXPECT_GE(oblique.size(), 2u);
  EXPECT_GT(wallet_days, 0);
  EXPECT_LT(wallet_days, 20);
}

TEST(SessionPlanner, GapNightsAreKeptAsTruthWithoutData) {
  auto config = berlin(30, "2026-02-01");
  config.gap_rate = 0.3;
  const auto nights = plan(MatKind::kBed, config, 8);
  int gaps = 0;
  for (const auto& night : nights) gaps += night.plan.recorded ? 0 : 1;
  EXPECT_GT(gaps, 2);
  EXPECT_LT(gaps, 20);
}

TEST(MultiNightCli, ParsesTheFlags) {
  auto parsed = parse({"--output", "x.pmaplog", "--mat", "bed1", "--kind", "bed", "--nights", "14",
                       "--start-date", "2026-03-20", "--tz", "Europe/Berlin", "--gap-rate", "0.1"});
  ASSERT_TRUE(std::holds_alternative<CliOptions>(parsed)) << std::get<CliExit>(parsed).error;
  const auto& cli = std::get<CliOptions>(parsed);
  ASSERT_TRUE(cli.nights);
  EXPECT_EQ(cli.nights->nights, 14);
  EXPECT_EQ(cli.nights->start_date.month, 3);
  EXPECT_EQ(cli.nights->zone, "Europe/Berlin");
  EXPECT_DOUBLE_EQ(cli.nights->gap_rate, 0.1);
  auto help = parse({"--help"});
  EXPECT_NE(std::get<CliExit>(help).help.find("--nights"), std::string::npos);
  EXPECT_NE(std::get<CliExit>(help).help.find("--setup-schedule"), std::string::npos);
}

TEST(MultiNightCli, RefusesBadFlags) {
  const std::vector<const char*> base = {"--output", "x.pmaplog", "--mat", "bed1", "--kind", "bed"};
  auto with = [&](std::vector<const char*> extra) {
    std::vector<const char*> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return error_of(args);
  };
  EXPECT_NE(with({"--nights", "3"}).find("--start-date"), std::string::npos);
  EXPECT_NE(with({"--nights", "0", "--start-date", "2026-01-01"}), "");
  EXPECT_NE(with({"--nights", "367", "--start-date", "2026-01-01"}), "");
  EXPECT_NE(with({"--nights", "x", "--start-date", "2026-01-01"}), "");
  EXPECT_NE(with({"--nights", "3", "--start-date", "2026-13-01"}).find("--start-date"),
            std::string::npos);
  EXPECT_NE(with({"--nights", "3", "--start-date", "01.03.2026"}), "");
  EXPECT_NE(
      with({"--nights", "3", "--start-date", "2026-01-01", "--tz", "Europe/Atlantis"}).find("--tz"),
      std::string::npos);
  EXPECT_NE(with({"--nights", "3", "--start-date", "2026-01-01", "--gap-rate", "1"}), "");
  EXPECT_NE(with({"--nights", "3", "--start-date", "2026-01-01", "--duration", "600"}), "");
  EXPECT_NE(with({"--nights", "3", "--start-date", "2026-01-01", "--start-us", "0"}), "");
  EXPECT_NE(with({"--nights", "3", "--start-date", "2026-01-01", "--scenario", "supine"}), "");
  EXPECT_NE(with({"--start-date", "2026-01-01"}).find("needs --nights"), std::string::npos);
  EXPECT_NE(with({"--tz", "UTC"}), "");
  EXPECT_NE(with({"--nights", "3", "--start-date", "2026-01-01", "--setup-schedule",
                  "/nonexistent/schedule"}),
            "");
  EXPECT_NE(error_of({"--output", "x.pmaplog", "--mat", "c1", "--kind", "chair", "--nights", "3",
                      "--start-date", "2026-01-01", "--setup-schedule", "/dev/null"})
                .find("bed mat"),
            std::string::npos);
  EXPECT_NE(error_of({"--output", "x", "--replay", "a.pmaplog", "--nights", "3"}), "");
  // A schedule file with a bad line is refused with its line number.
  const auto path = std::filesystem::temp_directory_path() /
                    ("pmap_sim_schedule_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "# setups\n2026-01-01 thick\n2026-01-05 foam\n";
  const std::string message =
      with({"--nights", "3", "--start-date", "2026-01-01", "--setup-schedule", path.c_str()});
  EXPECT_NE(message.find(":3:"), std::string::npos) << message;
  std::ofstream(path) << "2026-01-01 thick # from new year\n2026-01-03 none\n";
  EXPECT_EQ(with({"--nights", "3", "--start-date", "2026-01-01", "--setup-schedule", path.c_str()}),
            "");
  std::filesystem::remove(path);
}

/// 28 nights of the real binary at --speed max into a frame log (a frame every 50 s keeps the
/// file small): one truth line per night, timestamps increasing, frames only inside the planned
/// sessions, real gaps between nights, sequence numbers continuing.
TEST(PmapSimBinary, WritesTwentyEightNights) {
  const char* bin = std::getenv("PMAP_BIN_DIR");
  if (!bin) GTEST_SKIP() << "PMAP_BIN_DIR not set";
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pmap_sim_nights_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto log = dir / "bed1.pmaplog", truth = dir / "bed1.jsonl";
  const std::string command = std::string(bin) + "/pmap-sim --output " + log.string() +
                              " --truth-out " + truth.string() +
                              " --mat bed1 --kind bed --nights 28 --start-date 2026-03-16 "
                              "--tz Europe/Berlin --seed 12 --rate 0.02 --speed max > " +
                              (dir / "summary.json").string() + " 2>/dev/null";
  const auto begin = std::chrono::steady_clock::now();
  ASSERT_EQ(std::system(command.c_str()), 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("28 nights at 0.02 Hz, --speed max: %.2f s\n", seconds);

  std::vector<nlohmann::json> nights;
  std::ifstream in(truth);
  for (std::string line; std::getline(in, line);) nights.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(nights.size(), 28u);
  int spring = 0;
  for (const auto& night : nights) {
    EXPECT_EQ(night["mat"], "bed1");
    EXPECT_TRUE(night["recorded"].get<bool>());
    for (const char* key : {"date", "bed_utc", "bed_local", "wake_utc", "wake_local", "minutes",
                            "slips", "bed_exits", "side_pillow_minutes", "style", "session"}) {
      EXPECT_TRUE(night.contains(key)) << key;
    }
    const int diff = night["utc_minutes"].get<int>() - night["local_minutes"].get<int>();
    if (night["date"] == "2026-03-28") {
      EXPECT_EQ(diff, -60);
      ++spring;
    } else {
      EXPECT_EQ(diff, 0) << night["date"];
    }
  }
  EXPECT_EQ(spring, 1);

  auto reader = FrameLogReader::open(log);
  ASSERT_TRUE(std::holds_alternative<FrameLogReader>(reader));
  auto& frames = std::get<FrameLogReader>(reader);
  std::int64_t previous_ts = 0;
  std::uint32_t previous_seq = 0;
  std::size_t count = 0, gaps = 0, night = 0;
  for (;;) {
    auto record = frames.next();
    if (std::holds_alternative<FrameLogEnd>(record)) break;
    ASSERT_TRUE(std::holds_alternative<PressureFrame>(record));
    const auto& frame = std::get<PressureFrame>(record);
    if (count > 0) {
      EXPECT_GT(frame.timestamp_us, previous_ts);
      EXPECT_EQ(frame.sequence, previous_seq + 1);
      if (frame.timestamp_us - previous_ts > 3600LL * 1'000'000) {
        ++gaps;
        ++night;
      }
    }
    ASSERT_LT(night, nights.size());
    EXPECT_GE(frame.timestamp_us, nights[night]["session"]["start_ts_us"].get<std::int64_t>());
    EXPECT_LT(frame.timestamp_us, nights[night]["session"]["end_ts_us"].get<std::int64_t>());
    previous_ts = frame.timestamp_us;
    previous_seq = frame.sequence;
    ++count;
  }
  EXPECT_EQ(gaps, 27u);
  EXPECT_GT(count, 28u * 400);  // >= 6.5 h at one frame per 50 s each night
  const auto summary = nlohmann::json::parse(std::ifstream(dir / "summary.json"));
  EXPECT_EQ(summary["mats"]["bed1"]["nights_recorded"], 28);
  EXPECT_EQ(summary["mats"]["bed1"]["frames_published"].get<std::size_t>(), count);

  // The same seed gives the same truth; a bad flag exits with 2 and writes nothing.
  const std::string bad = std::string(bin) + "/pmap-sim --output " + (dir / "b.pmaplog").string() +
                          " --mat bed1 --kind bed --nights 3 --start-date 2026-02-30 > /dev/null "
                          "2>&1";
  const int status = std::system(bad.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  EXPECT_FALSE(std::filesystem::exists(dir / "b.pmaplog"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pmap::sim
