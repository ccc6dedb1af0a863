#include "cli_parse.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pmap/frame_log.hpp"

namespace pmap::sim {
namespace {

using testing::error_of;
using testing::parse;

TEST(Cli, ParsesSeveralMats) {
  auto parsed = parse({"--broker", "tcp://localhost:1883", "--mat", "bed1", "--mat", "chair1",
                       "--kind", "bed", "--kind", "chair", "--speed", "max", "--seed", "4"});
  ASSERT_TRUE(std::holds_alternative<CliOptions>(parsed));
  const auto& cli = std::get<CliOptions>(parsed);
  ASSERT_EQ(cli.mats.size(), 2u);
  EXPECT_EQ(cli.mats[0].scenario, "night");
  EXPECT_EQ(cli.mats[1].scenario, "workday");
  EXPECT_EQ(cli.mats[1].kind, MatKind::kChair);
  EXPECT_FALSE(cli.speed.has_value());
  EXPECT_EQ(cli.seed, 4u);
}

TEST(Cli, BrokerCredentialsAndTlsFilesAreCheckedUpFront) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pmap-sim-cli-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto pw = (dir / "pw").string();
  const auto ca = (dir / "ca.pem").string();
  std::ofstream(pw) << "secret\n";
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  auto parsed = parse({"--broker", "ssl://broker.lan:8883", "--mat", "bed1", "--kind", "bed",
                       "--mqtt-username", "bed1", "--mqtt-password-file", pw.c_str(),
                       "--tls-ca-file", ca.c_str()});
  ASSERT_TRUE(std::holds_alternative<CliOptions>(parsed)) << std::get<CliExit>(parsed).error;
  const auto& options = std::get<CliOptions>(parsed);
  EXPECT_EQ(options.security.username, "bed1");
  EXPECT_EQ(options.security.password_file, pw);
  EXPECT_EQ(options.security.ca_file, ca);
  // Errors name the option and the file, never the password.
  const auto missing = (dir / "missing").string();
  const auto error = error_of({"--broker", "ssl://b:8883", "--mat", "bed1", "--kind", "bed",
                               "--mqtt-username", "bed1", "--mqtt-password-file", missing.c_str()});
  EXPECT_NE(error.find("--mqtt-password-file " + missing + ": no such file"), std::string::npos)
      << error;
  EXPECT_NE(error_of({"--broker", "tcp://b:1883", "--mat", "bed1", "--kind", "bed", "--tls-ca-file",
                      ca.c_str()})
                .find("not ssl://"),
            std::string::npos);
  EXPECT_NE(error_of({"--output", "x.pmaplog", "--mat", "bed1", "--kind", "bed", "--mqtt-username",
                      "bed1"})
                .find("--mqtt-username needs --broker"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", "ssl://b:8883", "--mat", "bed1", "--kind", "bed",
                      "--mqtt-password-file", pw.c_str()})
                .find("--mqtt-password-file is set but --mqtt-username is empty"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Cli, RejectsBadArgumentsWithAMessage) {
  EXPECT_NE(error_of({"--mat", "bed1", "--kind", "bed"}), "");  // no broker / output
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "bad id", "--kind", "bed"}), "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "sofa"}), "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--speed", "fast"}),
            "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--speed", "-2"}),
            "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--rate", "0"}), "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--seed", "x"}), "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--mat", "a", "--kind", "bed"}), "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--mat", "b", "--kind", "bed",
                      "--kind", "bed", "--kind", "chair"}),
            "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--drop-rate", "2"}),
            "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--encoding", "u12"}),
            "");
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--bogus"}), "");
  EXPECT_NE(error_of({"--output", "x", "--mat", "a", "--mat", "b", "--kind", "bed"}), "");
}

TEST(Cli, HelpIsNotAnError) {
  auto parsed = parse({"--help"});
  ASSERT_TRUE(std::holds_alternative<CliExit>(parsed));
  EXPECT_NE(std::get<CliExit>(parsed).help.find("--scenario"), std::string::npos);
}

TEST(Cli, ParsesReplay) {
  auto parsed = parse({"--broker", "tcp://localhost:1883", "--replay", "a.txt", "b.txt", "--format",
                       "pmd", "--mirror", "--head", "last", "--speed", "10", "--mat", "pmd1"});
  ASSERT_TRUE(std::holds_alternative<CliOptions>(parsed)) << std::get<CliExit>(parsed).error;
  const auto& cli = std::get<CliOptions>(parsed);
  ASSERT_TRUE(cli.replay.has_value());
  EXPECT_EQ(cli.replay->files, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(cli.replay->read.format, RecordingFormat::kPmd);
  EXPECT_EQ(cli.replay->layout, (MatLayout{RowOrigin::kFar, true}));
  EXPECT_EQ(cli.replay->mat_id, "pmd1");
  EXPECT_DOUBLE_EQ(*cli.speed, 10.0);
  // Frame logs need no --format; their meta has the layout.
  auto logs = parse({"--output", "x.pmaplog", "--replay", "a.pmaplog"});
  ASSERT_TRUE(std::holds_alternative<CliOptions>(logs));
  EXPECT_EQ(std::get<CliOptions>(logs).replay->read.format, RecordingFormat::kPmaplog);
}

TEST(Cli, RejectsBadReplayArguments) {
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--replay", "a.txt"}).find("--format"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "gif"}).find("pmd"),
            std::string::npos);
  EXPECT_NE(
      error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "pmd", "--scenario", "night"})
          .find("does not apply"),
      std::string::npos);
  EXPECT_NE(
      error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "pmd", "--first-row", "far"})
          .find("does not apply"),
      std::string::npos);
  EXPECT_NE(
      error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "pmd", "--head", "auto"})
          .find("first or last"),
      std::string::npos);
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "csv"}).find("--rows"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "pmd", "--rows", "64"})
                .find("both"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--replay", "a.pmaplog", "--mirror"})
                .find("do not apply to pmaplog"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--replay", "a", "--format", "pmd", "--mat", "a",
                      "--mat", "b"})
                .find("one --mat"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", "tcp://x:1", "--mat", "a", "--kind", "bed", "--format", "pmd"})
                .find("needs --replay"),
            std::string::npos);
  EXPECT_NE(error_of({"--replay", "a", "--format", "pmd"}), "");  // no broker / output
}

/// Replays a CSV recording into a frame log: the declared layout, the values, the recording's pace.
TEST(PmapSimBinary, ReplaysACsvIntoAFrameLog) {
  const char* bin = std::getenv("PMAP_BIN_DIR");
  if (!bin) GTEST_SKIP() << "PMAP_BIN_DIR not set";
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pmap_sim_replay_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream csv(dir / "r.csv");
    csv << "t_ms,applied_mmHg";
    for (int i = 0; i < 32; ++i) csv << ",v" << i;
    csv << "\n";
    for (const int t : {0, 500, 1500}) {
      csv << t << ",";
      for (int i = 0; i < 32; ++i) csv << "," << (t / 100 + i);
      csv << "\n";
    }
  }
  const auto log = dir / "r.pmaplog";
  const std::string command = std::string(bin) + "/pmap-sim --output " + log.string() +
                              " --replay " + (dir / "r.csv").string() +
                              " --format csv --rows 8 --cols 4 --mirror --head last --kind chair "
                              "--pitch-mm 14 --mat seat1 --start-us 1700000000000000 > " +
                              (dir / "out.json").string() + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto read = read_frame_log(log);
  ASSERT_TRUE(std::holds_alternative<FrameLogContents>(read));
  const auto& contents = std::get<FrameLogContents>(read);
  EXPECT_EQ(contents.mat.id, "seat1");
  EXPECT_EQ(contents.mat.kind, MatKind::kChair);
  EXPECT_EQ(contents.mat.layout, (MatLayout{RowOrigin::kFar, true}));
  EXPECT_DOUBLE_EQ(contents.mat.row_pitch_mm, 14.0);
  EXPECT_EQ(contents.mat.full_scale_counts, 65535);
  EXPECT_NEAR(contents.mat.sample_rate_hz, 2.0 / 1.5, 1e-9);  // 2 intervals over 1.5 s
  ASSERT_EQ(contents.frames.size(), 3u);
  EXPECT_EQ(contents.frames[0].timestamp_us, 1'700'000'000'000'000);
  EXPECT_EQ(contents.frames[1].timestamp_us - contents.frames[0].timestamp_us, 500'000);
  EXPECT_EQ(contents.frames[2].timestamp_us - contents.frames[1].timestamp_us, 1'000'000);
  EXPECT_EQ(contents.frames[2].sequence, 2u);
  // Values as recorded, in the file's own order (the gateway applies the declared layout).
  EXPECT_EQ(contents.frames[1].values[0], 5);
  EXPECT_EQ(contents.frames[1].values[31], 36);
  // A bad file: nothing is published, exit code 2.
  std::ofstream(dir / "bad.csv") << "0,,1,2\n";
  const std::string bad = std::string(bin) + "/pmap-sim --output " + (dir / "b.pmaplog").string() +
                          " --replay " + (dir / "bad.csv").string() +
                          " --format csv --rows 8 --cols 4 > /dev/null 2>&1";
  const int status = std::system(bad.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  EXPECT_FALSE(std::filesystem::exists(dir / "b.pmaplog"));
  std::filesystem::remove_all(dir);
}

/// Runs the real binary writing a frame log; checks the layout transform and meta.
TEST(PmapSimBinary, WritesAReadableFrameLog) {
  const char* bin = std::getenv("PMAP_BIN_DIR");
  if (!bin) GTEST_SKIP() << "PMAP_BIN_DIR not set";
  const auto log = std::filesystem::temp_directory_path() / "pmap_sim_cli_test.pmaplog";
  const std::string command = std::string(bin) + "/pmap-sim --output " + log.string() +
                              " --mat bed1 --kind bed --scenario supine --duration 10 --seed 2 "
                              "--first-row far --mirrored --drop-rate 0.2 > /dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto read = read_frame_log(log);
  std::filesystem::remove(log);
  ASSERT_TRUE(std::holds_alternative<FrameLogContents>(read));
  const auto& contents = std::get<FrameLogContents>(read);
  EXPECT_EQ(contents.mat.layout.first_row, RowOrigin::kFar);
  EXPECT_TRUE(contents.mat.layout.mirrored);
  EXPECT_LE(contents.frames.size(), 10u);
  EXPECT_GE(contents.frames.size(), 3u);
  // Turned round: the head (top rows of the canonical image) is in the mat's last rows.
  const auto& f = contents.frames.front();
  double head_end = 0, foot_end = 0;
  for (std::size_t c = 0; c < 32; ++c) {
    for (std::size_t r = 0; r < 8; ++r) foot_end += f.at(r, c);
    for (std::size_t r = 56; r < 64; ++r) head_end += f.at(r, c);
  }
  EXPECT_NE(head_end, foot_end);
  const std::string bad = std::string(bin) + "/pmap-sim --mat x --kind bed > /dev/null 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);
}

}  // namespace
}  // namespace pmap::sim
