// Quantitative similarity of simulated images with the real PMD experiment-i recordings
// (M. Baran Pouyan et al., IEEE EMBS BHI 2017, PhysioNet, ODC-By 1.0).
#include <gtest/gtest.h>
// <math.h> before Boost.Math: Boost 1.74's correlation_coefficient calls an unqualified sqrt.
#include <math.h>

#include <boost/math/statistics/bivariate_statistics.hpp>


#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "pmap/sim/body_model.hpp"

namespace pmap::sim {
namespace {

std::filesystem::path pmd_dir() {
  const char* source = std::getenv("PMAP_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / ".." / "shared" / "data" / "pmd" /
         "experiment-i";
}

/// Mean of frames 5.. of a PMD file, in canonical layout (PMD exp-i has mirrored columns).
std::vector<double> pmd_mean(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<double> sum(2048, 0.0);
  std::string line;
  int frames = 0, index = 0;
  while (std::getline(in, line)) {
    if (index++ < 5) continue;
    std::istringstream values(line);
    std::vector<double> frame(2048);
    for (std::size_t i = 0; i < 2048; ++i) values >> frame[i];
    for (std::size_t r = 0; r < 64; ++r)
      for (std::size_t c = 0; c < 32; ++c) sum[r * 32 + c] += frame[r * 32 + (31 - c)];
    ++frames;
  }
  for (double& v : sum) v /= std::max(frames, 1);
  return sum;
}

std::vector<double> profile(const std::vector<double>& image, bool rows) {
  std::vector<double> out(rows ? 64 : 32, 0.0);
  for (std::size_t r = 0; r < 64; ++r)
    for (std::size_t c = 0; c < 32; ++c) out[rows ? r : c] += image[r * 32 + c];
  const double total = std::accumulate(out.begin(), out.end(), 0.0);
  for (double& v : out) v /= total;
  return out;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  return boost::math::statistics::correlation_coefficient(a, b);
}

double contact_fraction(const std::vector<double>& counts) {
  return static_cast<double>(
             std::count_if(counts.begin(), counts.end(), [](double v) { return v > 5; })) /
         static_cast<double>(counts.size());
}

struct Comparison {
  double row_corr = 0, col_corr = 0, sim_contact = 0, pmd_contact_min = 1, pmd_contact_max = 0;
};

Comparison compare(const std::string& file, const BedPose& pose) {
  std::vector<double> pmd_rows(64, 0.0), pmd_cols(32, 0.0);
  Comparison result;
  int subjects = 0;
  for (const auto& subject : std::filesystem::directory_iterator(pmd_dir())) {
    const auto path = subject.path() / file;
    if (!std::filesystem::exists(path)) continue;
    const auto mean = pmd_mean(path);
    const auto rows = profile(mean, true), cols = profile(mean, false);
    for (std::size_t i = 0; i < 64; ++i) pmd_rows[i] += rows[i];
    for (std::size_t i = 0; i < 32; ++i) pmd_cols[i] += cols[i];
    result.pmd_contact_min = std::min(result.pmd_contact_min, contact_fraction(mean));
    result.pmd_contact_max = std::max(result.pmd_contact_max, contact_fraction(mean));
    ++subjects;
  }
  EXPECT_GT(subjects, 0);
  // The PMD subjects' average: 177 cm, 81 kg.
  BodyModel model(MatKind::kBed, MatGeometry::bed(), BodyParams{177, 81});
  PressureImage image = model.render(BodyState{pose, pose, 0, {}, 1.0});
  std::vector<double> counts(image.mmhg.size());
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = image.mmhg[i] * 10.0;  // nominal
  result.row_corr = correlation(profile(counts, true), pmd_rows);
  result.col_corr = correlation(profile(counts, false), pmd_cols);
  result.sim_contact = contact_fraction(counts);
  return result;
}

class PmdSimilarity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(pmd_dir())) GTEST_SKIP() << "no PMD data at " << pmd_dir();
  }
};

TEST_F(PmdSimilarity, SupineProfilesAndContactArea) {
  BedPose pose{BedPosture::kSupine};
  pose.head_gap_mm = -10;
  const Comparison c = compare("1.txt", pose);
  std::cout << "supine: row profile r=" << c.row_corr << " col profile r=" << c.col_corr
            << " contact " << c.sim_contact << " (PMD " << c.pmd_contact_min << ".."
            << c.pmd_contact_max << ")\n";
  EXPECT_GT(c.row_corr, 0.7);
  EXPECT_GT(c.col_corr, 0.7);
  EXPECT_GT(c.sim_contact, c.pmd_contact_min * 0.7);
  EXPECT_LT(c.sim_contact, c.pmd_contact_max * 1.3);
}

TEST_F(PmdSimilarity, RightSideProfiles) {
  BedPose pose{BedPosture::kRight};
  pose.head_gap_mm = -10;
  const Comparison c = compare("2.txt", pose);
  std::cout << "right: row profile r=" << c.row_corr << " col profile r=" << c.col_corr
            << " contact " << c.sim_contact << " (PMD " << c.pmd_contact_min << ".."
            << c.pmd_contact_max << ")\n";
  EXPECT_GT(c.row_corr, 0.6);
  EXPECT_GT(c.sim_contact, c.pmd_contact_min * 0.6);
  EXPECT_LT(c.sim_contact, c.pmd_contact_max * 1.4);
}

}  // namespace
}  // namespace pmap::sim
