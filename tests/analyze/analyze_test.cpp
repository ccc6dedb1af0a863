// pmap-analyze: the per-frame analysis library and the real binary on real and bad recordings.
// The PMD-based tests use the PhysioNet Pressure Map Dataset (M. Baran Pouyan et al., IEEE EMBS BHI
// 2017, doi:10.1109/BHI.2017.7897206; ODC-By 1.0) from ../shared/data/pmd and skip without it.
#include "pmap/analyze.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "child_process.hpp"
#include "harness.hpp"

namespace pmap::analyze {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pmap::testing::ChildProcess;

const std::set<std::string> kBedVocabulary{"supine", "prone", "left", "right", "empty", "unknown"};

fs::path pmd_root() {
  const char* source = std::getenv("PMAP_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "pmd";
}
fs::path pmd_i(const std::string& subject, int file) {
  return pmd_root() / "experiment-i" / subject / (std::to_string(file) + ".txt");
}

struct BinaryRun {
  int exit_code = -1;
  std::vector<json> lines;
  std::string err;
};

// Runs the real pmap-analyze binary; stdout must be JSON Lines.
BinaryRun analyze_binary(const std::vector<std::string>& args, const fs::path& dir) {
  std::vector<std::string> argv{(pmap::testing::bin_dir() / "pmap-analyze").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p(argv, dir / "analyze");
  BinaryRun run;
  run.exit_code = p.wait_for(std::chrono::seconds(300)).value_or(-1);
  run.err = p.stderr_text();
  std::istringstream out(p.stdout_text());
  std::string line;
  while (std::getline(out, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line.substr(0, 200);
    run.lines.push_back(std::move(j));
  }
  return run;
}

class AnalyzeTest : public ::testing::Test {
 protected:
  fs::path dir_ = pmap::testing::fresh_dir(
      std::string("analyze-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  static std::vector<std::string> lines_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
    }
    return out;
  }
  static bool have_pmd() { return fs::exists(pmd_i("S1", 1)); }
};

// A PMD experiment-i style line: 64 x 32 values, tab separated, trailing tab, CRLF.
std::string pmd_line(const std::vector<int>& values) {
  std::string line;
  for (int v : values) line += std::to_string(v) + "\t";
  return line + "\r\n";
}

// ---- library ------------------------------------------------------------------------------

std::variant<AnalyzeCli, CliExit> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "pmap-analyze");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_analyze_cli(static_cast<int>(argv.size()), argv.data());
}
std::string cli_error(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  const auto* e = std::get_if<CliExit>(&r);
  return e != nullptr ? e->error : "";
}

TEST(AnalyzeCliTest, OptionsAndTheirValidation) {
  auto ok =
      parse({"--format", "pmd", "--mirror", "--head", "last", "--pitch-mm", "28.6,20", "a", "b"});
  ASSERT_TRUE(std::holds_alternative<AnalyzeCli>(ok)) << std::get<CliExit>(ok).error;
  const AnalyzeCli cli = std::get<AnalyzeCli>(ok);
  EXPECT_EQ(cli.files, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(cli.options.mirror);
  EXPECT_EQ(cli.options.head, HeadMode::kLast);
  ASSERT_TRUE(cli.options.pitch_mm.has_value());
  EXPECT_DOUBLE_EQ(cli.options.pitch_mm->first, 28.6);
  EXPECT_DOUBLE_EQ(cli.options.pitch_mm->second, 20.0);
  EXPECT_FALSE(cli.summary);
  // Without --format only frame logs are recognised.
  auto logs = parse({"x.pmaplog"});
  ASSERT_TRUE(std::holds_alternative<AnalyzeCli>(logs));
  EXPECT_EQ(std::get<AnalyzeCli>(logs).options.format, RecordingFormat::kPmaplog);
  EXPECT_NE(cli_error({"x.txt"}).find("--format"), std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd"}).find("at least one FILE"), std::string::npos);
  EXPECT_NE(cli_error({"--format", "bmp", "a"}).find("pmd, csv or pmaplog"), std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--rows", "64", "a"}).find("both"), std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--rows", "0", "--cols", "3", "a"}).find("1-256"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--rows", "200", "--cols", "200", "a"}).find("16384"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "csv", "a"}).find("--rows"), std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--head", "up", "a"}).find("first, last or auto"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--kind", "sofa", "a"}).find("bed or chair"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--pitch-mm", "0", "a"}).find("1-200"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--pitch-mm", "nan", "a"}).find("1-200"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--summary", "a", "b"}).find("exactly one"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--db", "x.db", "a"}).find("--summary"),
            std::string::npos);
  EXPECT_NE(cli_error({"--format", "pmd", "--bogus", "a"}).find("bogus"), std::string::npos);
  auto help = parse({"--help"});
  ASSERT_TRUE(std::holds_alternative<CliExit>(help));
  EXPECT_NE(std::get<CliExit>(help).help.find("--head first|last|auto"), std::string::npos);
}

TEST(AnalyzeSetupTest, LayoutFromMirrorAndHead) {
  RecordingInfo info;
  info.format = RecordingFormat::kPmd;
  info.rows = 64;
  info.cols = 27;
  info.sample_rate_hz = 1;
  AnalyzeOptions o;
  o.mirror = true;
  o.head = HeadMode::kLast;
  auto made = make_setup(info, o);
  ASSERT_TRUE(std::holds_alternative<AnalysisSetup>(made));
  const MatDescriptor mat = std::get<AnalysisSetup>(made).mat;
  EXPECT_EQ(mat.layout, (MatLayout{RowOrigin::kFar, true}));
  EXPECT_EQ(mat.kind, MatKind::kBed);
  EXPECT_DOUBLE_EQ(mat.row_pitch_mm, kDefaultPitchMm);
  EXPECT_EQ(mat.full_scale_counts, 4095);
  o.head = HeadMode::kAuto;
  EXPECT_EQ(std::get<AnalysisSetup>(make_setup(info, o)).mat.layout,
            (MatLayout{RowOrigin::kNear, true}));

  // A frame log brings its mat; --head last turns its declared layout round once more.
  RecordingInfo log = info;
  log.format = RecordingFormat::kPmaplog;
  MatDescriptor stored = mat;
  stored.layout = MatLayout{RowOrigin::kFar, false};
  log.mat = stored;
  AnalyzeOptions lo;
  lo.head = HeadMode::kLast;
  EXPECT_EQ(std::get<AnalysisSetup>(make_setup(log, lo)).mat.layout,
            (MatLayout{RowOrigin::kNear, false}));
  lo.mirror = true;
  EXPECT_TRUE(std::holds_alternative<std::string>(make_setup(log, lo)));
  lo.mirror = false;
  lo.kind = MatKind::kChair;
  EXPECT_NE(std::get<std::string>(make_setup(log, lo)).find("bed mat"), std::string::npos);
}

TEST(AnalyzeSetupTest, CanonicalImageRotatesAndMirrors) {
  AnalysisSetup setup;
  setup.mat.rows = 2;
  setup.mat.cols = 3;
  RecordedFrame frame;
  frame.values = {1, 2, 3, 4, 5, 6};
  setup.mat.layout = MatLayout{RowOrigin::kNear, true};
  Eigen::MatrixXf mirrored = canonical_image(frame, setup.mat);
  EXPECT_EQ(mirrored(0, 0), 3);
  EXPECT_EQ(mirrored(1, 2), 4);
  setup.mat.layout = MatLayout{RowOrigin::kFar, false};
  Eigen::MatrixXf turned = canonical_image(frame, setup.mat);
  EXPECT_EQ(turned(0, 0), 6);
  EXPECT_EQ(turned(1, 2), 1);
}

// Degenerate frames through the library: never a crash, always the vocabulary.
TEST(FrameAnalyzerTest, DegenerateFramesAndMatSizes) {
  auto analyze_one = [](std::uint16_t rows, std::uint16_t cols, float value, MatKind kind) {
    RecordingInfo info;
    info.rows = rows;
    info.cols = cols;
    info.sample_rate_hz = 1;
    AnalyzeOptions o;
    o.kind = kind;
    FrameAnalyzer analyzer(std::get<AnalysisSetup>(make_setup(info, o)));
    RecordedFrame frame;
    frame.values.assign(std::size_t{rows} * cols, value);
    return analyzer.analyze("x", frame);
  };
  for (const MatKind kind : {MatKind::kBed, MatKind::kChair}) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const auto zeros = analyze_one(64, 32, 0.0F, kind);
    EXPECT_EQ(zeros["posture"], "empty");
    EXPECT_EQ(zeros["posture_frame"], "empty");
    EXPECT_EQ(zeros["occupied"], false);
    const auto saturated = analyze_one(64, 32, 4095.0F, kind);
    EXPECT_EQ(saturated["posture"], "empty") << saturated.dump();
    const auto tiny = analyze_one(4, 4, 100.0F, kind);
    EXPECT_EQ(tiny["posture"], "unknown");
    EXPECT_EQ(tiny["posture_frame"], "unknown");
    EXPECT_TRUE(tiny.contains("error"));
    const auto maximal = analyze_one(128, 128, 0.0F, kind);
    EXPECT_EQ(maximal["posture"], "empty");
  }
  // A random maximal frame: some answer from the vocabulary.
  RecordingInfo info;
  info.rows = 128;
  info.cols = 128;
  FrameAnalyzer analyzer(std::get<AnalysisSetup>(make_setup(info, AnalyzeOptions{})));
  std::mt19937 rng(3);
  for (int i = 0; i < 5; ++i) {
    RecordedFrame frame;
    frame.index = static_cast<std::uint64_t>(i);
    frame.time_us = i * 1'000'000;
    for (int k = 0; k < 128 * 128; ++k) frame.values.push_back(static_cast<float>(rng() % 4096));
    const auto out = analyzer.analyze("x", frame);
    EXPECT_EQ(kBedVocabulary.count(out["posture"].get<std::string>()), 1u) << out.dump();
    EXPECT_EQ(out["frame"], i);
  }
}

// ---- the binary -----------------------------------------------------------------------------

TEST_F(AnalyzeTest, RealPmdExperimentIFileOneLinePerFrameMostlySupine) {
  if (!have_pmd()) GTEST_SKIP() << "no PMD data at " << pmd_root();
  const fs::path file = pmd_i("S1", 1);
  const std::size_t frames = lines_of(file).size();
  const BinaryRun run =
      analyze_binary({"--format", "pmd", "--mirror", "--head", "auto", file.string()}, dir_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.lines.size(), frames);
  int supine_frame = 0, supine = 0;
  for (std::size_t i = 0; i < run.lines.size(); ++i) {
    const json& j = run.lines[i];
    EXPECT_EQ(j["file"], file.string());
    EXPECT_EQ(j["frame"], i);
    EXPECT_DOUBLE_EQ(j["t_s"].get<double>(), static_cast<double>(i));
    EXPECT_EQ(kBedVocabulary.count(j["posture"].get<std::string>()), 1u);
    EXPECT_EQ(kBedVocabulary.count(j["posture_frame"].get<std::string>()), 1u);
    supine_frame += j["posture_frame"] == "supine";
    supine += j["posture"] == "supine";
    // A training subject's frame lies close to a support vector: not novel, so the confidence
    // is the classifier's own. (Unoccupied frames carry no position and no novelty.)
    if (j.value("occupied", false)) {
      ASSERT_TRUE(j.contains("novelty")) << i;
      EXPECT_GE(j["novelty"].get<double>(), 0.0);
      if (i >= 3) {
        EXPECT_LT(j["novelty"].get<double>(), 0.5) << i;
      }
    } else {
      EXPECT_FALSE(j.contains("novelty")) << i;
    }
    if (j["posture_frame"] == "supine") {
      EXPECT_EQ(j["head_end"], "first-row");
      ASSERT_TRUE(j["knee_support"].is_object());
      // Flat legs: no pillow's contact bridges the knees (the pillow sign starts at 40 cm).
      EXPECT_LT(j["knee_support"]["knee_bridge_cm"].get<double>(), 40.0) << i;
      EXPECT_GE(j["knee_support"]["flexion_score"].get<double>(), 0.0) << i;
      EXPECT_TRUE(j["landmarks"]["pelvis"].is_object());
      EXPECT_GT(j["cop"]["y_mm"].get<double>(), 0.0);
    }
  }
  EXPECT_GE(supine_frame, static_cast<int>(0.9 * frames));
  EXPECT_GE(supine, static_cast<int>(0.9 * frames));
  // The tail of the file is supine throughout once smoothed.
  for (std::size_t i = 10; i < run.lines.size(); ++i) EXPECT_EQ(run.lines[i]["posture"], "supine");
  // The subject settles in the first frames (getting in), then lies still.
  EXPECT_EQ(run.lines[1]["occupancy"], "getting_in_or_out");
  for (std::size_t i = 10; i < run.lines.size(); ++i) {
    EXPECT_EQ(run.lines[i]["occupancy"], "occupied") << i;
  }
}

TEST_F(AnalyzeTest, RealPmdExperimentIIMatrixWithTheHeadAtTheLastRow) {
  if (!have_pmd()) GTEST_SKIP() << "no PMD data at " << pmd_root();
  const fs::path file = pmd_root() / "experiment-ii" / "S1" / "Air_Mat" / "Matrix_Air_B1.txt";
  const BinaryRun last =
      analyze_binary({"--format", "pmd", "--mirror", "--head", "last", file.string()}, dir_);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  ASSERT_EQ(last.lines.size(), 1u);
  EXPECT_EQ(last.lines[0]["frame"], 0);
  EXPECT_EQ(last.lines[0]["posture_frame"], "supine");
  EXPECT_EQ(last.lines[0]["posture"], "supine");
  EXPECT_EQ(last.lines[0]["head_end"], "first-row");  // of the turned-round (canonical) image
  EXPECT_DOUBLE_EQ(last.lines[0]["head_end_confidence"].get<double>(), 1.0);
  // Found by the engine: the same frame as read has its head at the last row.
  const BinaryRun found = analyze_binary({"--format", "pmd", "--mirror", file.string()}, dir_);
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_EQ(found.lines.at(0)["head_end"], "last-row");
  EXPECT_EQ(found.lines.at(0)["posture_frame"], "supine");
}

TEST_F(AnalyzeTest, TurnedRoundFileWithHeadLastGivesTheSameAnswers) {
  if (!have_pmd()) GTEST_SKIP() << "no PMD data at " << pmd_root();
  // Every frame of S1/2.txt rotated by 180°: reversing a row-major frame.
  std::string turned;
  const auto lines = lines_of(pmd_i("S1", 2));
  for (std::size_t k = 0; k < 12; ++k) {
    std::vector<int> values;
    std::istringstream in(lines[k]);
    int v = 0;
    while (in >> v) values.push_back(v);
    std::reverse(values.begin(), values.end());
    turned += pmd_line(values);
  }
  const fs::path path = write("turned.txt", turned);
  const BinaryRun a = analyze_binary(
      {"--format", "pmd", "--mirror", "--head", "first", pmd_i("S1", 2).string()}, dir_);
  const BinaryRun b =
      analyze_binary({"--format", "pmd", "--mirror", "--head", "last", path.string()}, dir_);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(b.lines.size(), 12u);
  for (std::size_t k = 0; k < 12; ++k) {
    json x = a.lines.at(k), y = b.lines.at(k);
    x.erase("file");
    y.erase("file");
    EXPECT_EQ(x, y) << k;
  }
}

TEST_F(AnalyzeTest, CsvOfAPmdFileGivesThePmdAnswers) {
  if (!have_pmd()) GTEST_SKIP() << "no PMD data at " << pmd_root();
  std::string csv = "t_ms,applied_mmHg";
  for (int i = 0; i < 2048; ++i) csv += ",v" + std::to_string(i);
  csv += "\n";
  const auto lines = lines_of(pmd_i("S3", 3));
  for (std::size_t k = 0; k < 10; ++k) {
    std::istringstream in(lines[k]);
    csv += std::to_string(k * 1000) + ",";
    int v = 0;
    while (in >> v) csv += "," + std::to_string(v);
    csv += "\n";
  }
  const fs::path path = write("s3.csv", csv);
  const BinaryRun from_csv = analyze_binary(
      {"--format", "csv", "--rows", "64", "--cols", "32", "--mirror", path.string()}, dir_);
  const BinaryRun from_pmd =
      analyze_binary({"--format", "pmd", "--mirror", pmd_i("S3", 3).string()}, dir_);
  ASSERT_EQ(from_csv.exit_code, 0) << from_csv.err;
  ASSERT_EQ(from_csv.lines.size(), 10u);
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_EQ(from_csv.lines[k]["posture_frame"], from_pmd.lines.at(k)["posture_frame"]);
    EXPECT_EQ(from_csv.lines[k]["posture"], from_pmd.lines.at(k)["posture"]);
    EXPECT_EQ(from_csv.lines[k].value("cop", json(nullptr)),
              from_pmd.lines.at(k).value("cop", json(nullptr)));
  }
}

TEST_F(AnalyzeTest, SimulatedFrameLogIsAnalysedWithItsMeta) {
  const fs::path log = dir_ / "supine.pmaplog";
  ChildProcess sim({(pmap::testing::bin_dir() / "pmap-sim").string(), "--output", log.string(),
                    "--mat", "bed1", "--kind", "bed", "--scenario", "left", "--duration", "30",
                    "--seed", "2", "--first-row", "far", "--mirrored"},
                   dir_ / "sim");
  ASSERT_EQ(sim.wait_for(std::chrono::seconds(120)), 0) << sim.stderr_text();
  const BinaryRun run = analyze_binary({"--format", "pmaplog", log.string()}, dir_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.lines.size(), 30u);
  int left = 0;
  for (const auto& j : run.lines) left += j["posture"] == "left";
  EXPECT_GE(left, 27);
  EXPECT_EQ(run.lines.back()["head_end"], "first-row");  // the declared layout was applied
  EXPECT_DOUBLE_EQ(run.lines[1]["t_s"].get<double>(), 1.0);
  // Options that contradict the log's meta are errors.
  const BinaryRun bad =
      analyze_binary({"--format", "pmaplog", "--kind", "chair", log.string()}, dir_);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bed mat"), std::string::npos) << bad.err;
}

TEST_F(AnalyzeTest, BadInputsGiveClearErrorsOrAnswersNeverACrash) {
  const fs::path empty = write("empty.txt", "");
  std::string junk(4000, '\0');
  std::mt19937 rng(11);
  for (char& c : junk) c = static_cast<char>(rng() % 256);
  const fs::path binary = write("junk.bin", junk);
  std::vector<int> zeros(2048, 0), saturated(2048, 4095);
  const fs::path all_zero = write("zeros.txt", pmd_line(zeros) + pmd_line(zeros));
  const fs::path all_saturated = write("saturated.txt", pmd_line(saturated));
  const fs::path tiny = write("tiny.txt", "1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16\n");
  std::string big = "0,";
  for (int i = 0; i < 128 * 128; ++i) big += "," + std::to_string((i * 7) % 4096);
  const fs::path maximal = write("max.csv", big + "\n");

  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string in_stderr;
    std::size_t lines;
    std::string posture;
  };
  const std::vector<Case> cases{
      {{"--format", "pmd", (dir_ / "missing.txt").string()}, 1, "missing.txt: no such file", 0, ""},
      {{"--format", "pmd", empty.string()}, 1, "empty.txt: empty file", 0, ""},
      {{"--format", "pmd", binary.string()}, 1, "junk.bin:1: not a number", 0, ""},
      {{"--format", "csv", "--rows", "4", "--cols", "4", binary.string()}, 1, "junk.bin:", 0, ""},
      {{"--format", "pmaplog", binary.string()}, 1, "not a frame log", 0, ""},
      {{"--format", "pmd", "--rows", "64", "--cols", "27", all_zero.string()},
       1,
       "zeros.txt:1: 2048 values on the line",
       0,
       ""},
      {{"--format", "csv", "--rows", "64", "--cols", "27", maximal.string()},
       1,
       "max.csv:1: expected 1730 columns",
       0,
       ""},
      {{"--format", "pmd", all_zero.string()}, 0, "", 2, "empty"},
      {{"--format", "pmd", all_saturated.string()}, 0, "", 1, "empty"},
      {{"--format", "pmd", "--rows", "4", "--cols", "4", tiny.string()}, 0, "", 1, "unknown"},
      {{"--format", "pmd", "--rows", "4", "--cols", "4", "--kind", "chair", tiny.string()},
       0,
       "",
       1,
       "unknown"},
      {{"--format", "csv", "--rows", "128", "--cols", "128", maximal.string()}, 0, "", 1, ""},
      {{"--format", "pmd", "--rows", "300", "--cols", "2", tiny.string()}, 2, "1-256", 0, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args.back() + " " + c.args[1]);
    const BinaryRun run = analyze_binary(c.args, dir_);
    EXPECT_EQ(run.exit_code, c.exit_code) << run.err;
    if (!c.in_stderr.empty()) {
      EXPECT_NE(run.err.find(c.in_stderr), std::string::npos) << run.err;
    }
    EXPECT_EQ(run.lines.size(), c.lines);
    for (const auto& j : run.lines) {
      EXPECT_EQ(kBedVocabulary.count(j["posture"].get<std::string>()), 1u) << j.dump();
      if (!c.posture.empty()) {
        EXPECT_EQ(j["posture"], c.posture) << j.dump();
      }
    }
  }
}

TEST_F(AnalyzeTest, ABadFileAmongSeveralIsReportedAndTheOthersAnalysed) {
  std::vector<int> zeros(2048, 0);
  const fs::path good1 = write("good1.txt", pmd_line(zeros) + pmd_line(zeros));
  const fs::path bad = write("bad.txt", pmd_line(zeros) + "1 2 x\r\n" + pmd_line(zeros));
  const fs::path good2 = write("good2.txt", pmd_line(zeros));
  const BinaryRun run = analyze_binary({"--format", "pmd", good1.string(),
                                        (dir_ / "nope.txt").string(), bad.string(), good2.string()},
                                       dir_);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("nope.txt: no such file"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("bad.txt:2: not a number: 'x'"), std::string::npos) << run.err;
  ASSERT_EQ(run.lines.size(), 4u);  // good1's 2 frames, bad's frame before the bad line, good2's
  EXPECT_EQ(run.lines[0]["file"], good1.string());
  EXPECT_EQ(run.lines[1]["frame"], 1);
  EXPECT_EQ(run.lines[2]["file"], bad.string());
  EXPECT_EQ(run.lines[2]["frame"], 0);
  EXPECT_EQ(run.lines[3]["file"], good2.string());
  EXPECT_EQ(run.lines[3]["frame"], 0);
}

TEST_F(AnalyzeTest, SmoothingRestartsWithEveryFile) {
  if (!have_pmd()) GTEST_SKIP() << "no PMD data at " << pmd_root();
  // A right-side file, then a supine one: the second file's first occupied frame starts from a
  // uniform prior, so its smoothed probabilities are the frame's own (floored).
  const BinaryRun run = analyze_binary(
      {"--format", "pmd", "--mirror", pmd_i("S2", 2).string(), pmd_i("S2", 1).string()}, dir_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string second = pmd_i("S2", 1).string();
  bool checked = false;
  for (const auto& j : run.lines) {
    if (j["file"] != second || j["occupied"] != true) continue;
    // The emissions are floored (kEmissionFloor) and renormalised; nothing else.
    double total = 0;
    for (const auto& [position, p] : j["probabilities"].items()) {
      total += std::max(p.get<double>(), posture::kEmissionFloor);
    }
    for (const auto& [position, p] : j["probabilities"].items()) {
      EXPECT_NEAR(j["smoothed"]["probabilities"][position].get<double>(),
                  std::max(p.get<double>(), posture::kEmissionFloor) / total, 1e-12)
          << position;
    }
    checked = true;
    break;
  }
  EXPECT_TRUE(checked);
  EXPECT_EQ(run.lines.back()["posture"], "supine");
}

TEST_F(AnalyzeTest, SummaryOfAPmdFile) {
  if (!have_pmd()) GTEST_SKIP() << "no PMD data at " << pmd_root();
  const fs::path file = pmd_i("S1", 1);
  ChildProcess p({(pmap::testing::bin_dir() / "pmap-analyze").string(), "--summary", "--format",
                  "pmd", "--mirror", file.string()},
                 dir_ / "summary");
  ASSERT_EQ(p.wait_for(std::chrono::seconds(120)), 0) << p.stderr_text();
  const json report = json::parse(p.stdout_text());
  const auto frames = static_cast<std::int64_t>(lines_of(file).size());
  EXPECT_EQ(report["frames"]["read"], frames);
  EXPECT_EQ(report["frames"]["accepted"], frames);
  EXPECT_EQ(report["kind"], "bed");
}

}  // namespace
}  // namespace pmap::analyze
