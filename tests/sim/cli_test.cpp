#include "cli.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "pmap/frame_log.hpp"

namespace pmap::sim {
namespace {

std::variant<CliOptions, CliExit> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "pmap-sim");
  return parse_cli(static_cast<int>(args.size()), args.data());
}

std::string error_of(std::vector<const char*> args) {
  auto parsed = parse(std::move(args));
  auto* exit = std::get_if<CliExit>(&parsed);
  return exit ? exit->error : "";
}

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
