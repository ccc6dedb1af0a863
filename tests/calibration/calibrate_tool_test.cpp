// pmap-calibrate end to end on files: zero → fit → check → apply → inspect, and every bad input
// giving a clear message and the documented exit code (docs/calibration.md).
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calibrate_tool.hpp"
#include "independent_session.hpp"
#include "pmap/calibration/calibration_file.hpp"
#include "pmap/recording.hpp"

#include <nlohmann/json.hpp>

namespace pmap::calibration {
namespace {

namespace fs = std::filesystem;

struct ToolRun {
  int code;
  std::string out;
  std::string err;
};

ToolRun calibrate(std::vector<std::string> args) {
  args.insert(args.begin(), "pmap-calibrate");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_calibrate(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

class CalibrateTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pmap_calibrate_tool_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  fs::path dir_;
};

TEST_F(CalibrateTool, ZeroFitCheckApplyInspect) {
  testing::IndependentSession s;
  s.rows = 8;
  s.cols = 6;
  s.dead = 1;
  s.stuck = 1;
  s.shape = testing::Shape::kTanh;
  ASSERT_TRUE(s.write(path("fit.csv")));
  s.noise_seed = 5;
  ASSERT_TRUE(s.write(path("check.csv")));
  s.levels = {0};
  s.unload = false;
  s.frames_per_hold = 30;
  ASSERT_TRUE(s.write(path("empty.csv")));
  const std::vector<std::string> shape = {"--rows", "8", "--cols", "6", "--mat", "chair-7"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), shape.begin(), shape.end());
    return calibrate(args);
  };

  const ToolRun zero = with({"zero", "--input", path("empty.csv"), "-o", path("zero.json")});
  ASSERT_EQ(zero.code, 0) << zero.err;
  EXPECT_NE(zero.out.find("curve: none"), std::string::npos);
  const ToolRun fit = with({"fit", "--input", path("fit.csv"), "--zero", path("zero.json"),
                            "--serial", "SN-42", "-o", path("cal.json")});
  ASSERT_EQ(fit.code, 0) << fit.err;
  EXPECT_NE(fit.out.find("1 dead, 1 stuck"), std::string::npos) << fit.out;
  const auto cal = std::get<MatCalibration>(load_calibration(path("cal.json")));
  EXPECT_EQ(cal.mat_id, "chair-7");
  EXPECT_EQ(cal.mat_serial, "SN-42");
  EXPECT_EQ(cal.full_scale_counts, 1000);  // guessed from the readings

  const ToolRun check = with({"check", "--cal", path("cal.json"), "--input", path("check.csv"),
                              "--json", "--max-rms-pct", "2"});
  ASSERT_EQ(check.code, 0) << check.err << check.out;
  const auto report = nlohmann::json::parse(check.out);
  EXPECT_LT(report["calibration"]["rms_pct_fs"].get<double>(), 2.0);
  EXPECT_GT(report["single_global_curve"]["rms_pct_fs"].get<double>(),
            report["calibration"]["rms_pct_fs"].get<double>());
  EXPECT_GT(report["single_global_line"]["rms_pct_fs"].get<double>(),
            report["calibration"]["rms_pct_fs"].get<double>());

  const ToolRun apply = with(
      {"apply", "--cal", path("cal.json"), "--input", path("check.csv"), "-o", path("mmhg.csv")});
  ASSERT_EQ(apply.code, 0) << apply.err;
  RecordingOptions o;
  o.format = RecordingFormat::kCsv;
  o.rows = 8;
  o.cols = 6;
  const auto applied = std::get<RecordingContents>(read_recording(path("mmhg.csv"), o));
  const auto raw = std::get<RecordingContents>(read_recording(path("check.csv"), o));
  ASSERT_EQ(applied.frames.size(), raw.frames.size());
  // The settled frames of the 100 mmHg loading hold read about 100 mmHg on every taxel.
  const auto& frame = applied.frames[6 * 20 + 19];
  ASSERT_EQ(frame.applied_mmhg, 100.0);
  for (const float p : frame.values) EXPECT_NEAR(p, 100.0, 6.0);

  const ToolRun inspect = calibrate({"inspect", path("cal.json"), "--png", path("cal.png")});
  EXPECT_EQ(inspect.code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("usable: yes"), std::string::npos);
  EXPECT_NE(inspect.out.find("serial SN-42"), std::string::npos);
  EXPECT_NE(inspect.out.find("hysteresis"), std::string::npos);
  std::ifstream png(path("cal.png"), std::ios::binary);
  char magic[8] = {};
  png.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
}

TEST_F(CalibrateTool, BadInputGivesClearErrors) {
  const std::vector<std::string> shape = {"--rows", "2", "--cols", "2", "--mat", "m1"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), shape.begin(), shape.end());
    return calibrate(args);
  };
  auto expect = [](const ToolRun& r, int code, const std::string& text) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
  };
  expect(calibrate({"frobnicate"}), 2, "unknown command");
  expect(calibrate({"fit", "--input", "x.csv", "--rows", "2"}), 2, "both --rows and --cols");
  expect(calibrate({"fit", "--input", "x.bin"}), 2, "give --format");
  expect(with({"fit", "--input", path("none.csv"), "-o", path("c.json")}), 1, "none.csv");
  expect(with({"fit", "--input", write("empty.csv", ""), "-o", path("c.json")}), 1, "empty.csv");
  expect(with({"fit", "--input", write("dims.csv", "0,0,1,2,3\n"), "-o", path("c.json")}), 1,
         "dims.csv");
  expect(with({"fit", "--input", write("nan.csv", "0,0,1,2,nan,4\n"), "-o", path("c.json")}), 1,
         "nan.csv");
  // One level only, and levels out of order.
  std::string one;
  std::string shuffled;
  int t = 0;
  for (const int level : {0, 50}) {
    for (int f = 0; f < 4; ++f)
      one += std::to_string(t++) + "," + std::to_string(level) + ",40,41,42,43\n";
  }
  t = 0;
  for (const int level : {0, 40, 20, 60}) {
    for (int f = 0; f < 4; ++f) {
      const int v = 40 + 3 * level + f % 2;
      shuffled += std::to_string(t++) + "," + std::to_string(level) + "," + std::to_string(v) +
                  "," + std::to_string(v) + "," + std::to_string(v) + "," + std::to_string(v) +
                  "\n";
    }
  }
  expect(with({"fit", "--input", write("one.csv", one), "-o", path("c.json")}), 1,
         "at least two loaded levels");
  expect(with({"fit", "--input", write("order.csv", shuffled), "-o", path("c.json")}), 1,
         "levels out of order");
  expect(with({"zero", "--input", path("order.csv"), "-o", path("z.json")}), 1,
         "needs frames of the empty mat");
  EXPECT_FALSE(fs::exists(path("c.json")));
  expect(with({"check", "--cal", write("bad.json", "{}"), "--input", path("order.csv")}), 1,
         "bad.json");
  expect(calibrate({"inspect", write("junk.json", "[1,2")}), 1, "not valid JSON");
  expect(with({"fit", "--input", path("order.csv"), "-o", path("c.json"), "--family", "cubic9"}), 2,
         "--family");
  expect(with({"fit", "--input", path("order.csv"), "-o", path("c.json"), "--max-dead-pct", "-1"}),
         2, "--max-dead-pct");
}

}  // namespace
}  // namespace pmap::calibration
