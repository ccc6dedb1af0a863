#include "bed_image.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bed_workspace.hpp"
#include "pmap/limits.hpp"
#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture::detail {
namespace {

// Fraction of the taxels assumed to be unloaded mat: their level is the baseline. A lying adult
// covers well under 80% of a bed mat, so the 20th percentile is bare mat (BodiTrak air mats read
// 40-50 counts unloaded; other mats read 0, where this changes nothing).
constexpr double kBaselinePercentile = 0.20;
// The robust peak is the mean of the top 2% of taxels: one hot taxel cannot set the scale, and even
// a side-lying body loads more than 2% of a bed mat.
constexpr double kPeakFraction = 0.02;
// A body raises the robust peak far above the bare mat's read noise (measured as the mean
// shortfall of the taxels between half the baseline and the baseline): 78-375 times on PMD
// experiment-ii's raw counts, 62-156 for simulated adults lying down, 20-42 when every pressure is
// a fifth of theirs. The noise of an empty raw mat alone reaches 4.8-15.7 times (simulated
// sensors, the empty periods of simulated nights), and its specks would otherwise be normalised
// into a "body" and read as a confident position. Calibrated frames have nothing below a zero
// baseline and skip the test.
constexpr double kMinPeakOverNoise = 20.0;
// Connected contact regions smaller than this many taxels are noise, not a body part.
constexpr int kMinRegionTaxels = 2;
constexpr int kMinRows = 8;
constexpr int kMinCols = 4;

constexpr int kBuckets = 64;

// Counts the bucket of every candidate into kBuckets bins: the index is a monotonic function of
// the value, so ranks are kept. The indices are computed in one vectorised pass and kept in
// `index` for the gathering; four interleaved counters avoid one long chain of increments of the
// same bin (most values of a frame fall into a few bins).
void count_buckets(const float* values, std::size_t m, float lo, float scale, std::int32_t* index,
                   std::array<std::size_t, kBuckets>& count) {
  const auto size = static_cast<Eigen::Index>(m);
  Eigen::Map<Eigen::ArrayXi>(index, size) =
      ((Eigen::Map<const Eigen::ArrayXf>(values, size) - lo) * scale).cast<int>().min(kBuckets - 1);
  std::array<std::array<std::size_t, kBuckets>, 4> partial{};
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) ++partial[j][static_cast<std::size_t>(index[i + j])];
  }
  for (; i < m; ++i) ++partial[0][static_cast<std::size_t>(index[i])];
  for (int b = 0; b < kBuckets; ++b) {
    const auto u = static_cast<std::size_t>(b);
    count[u] = partial[0][u] + partial[1][u] + partial[2][u] + partial[3][u];
  }
}

// The bucket holding the k-th smallest value; `below` receives the count of the buckets before it.
int bucket_of_rank(const std::array<std::size_t, kBuckets>& count, std::size_t k,
                   std::size_t& below) {
  int target = 0;
  below = 0;
  while (below + count[static_cast<std::size_t>(target)] <= k)
    below += count[static_cast<std::size_t>(target++)];
  return target;
}

// Copies the candidates of bucket `target` to `out` (which may be `values` itself).
std::size_t gather(const float* values, const std::int32_t* index, std::size_t m, int target,
                   float* out) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < m; ++i) {
    out[kept] = values[i];  // branch-free: kept only if it falls into the target bucket
    kept += index[i] == target ? 1 : 0;
  }
  return kept;
}

// The k-th smallest (0-based) of the m candidates in `scratch` (reordered): the value
// std::nth_element would put at k. A full selection over the frame costs more than the rest of the
// image stage, so the candidates are counted into buckets between their minimum and maximum and
// only the bucket holding the k-th value goes on to the next round; the few values left are
// selected exactly.
float kth_smallest(float* scratch, std::size_t m, std::size_t k, std::int32_t* index) {
  constexpr std::size_t kSelectDirectly = 48;
  for (int round = 0; round < 4 && m > kSelectDirectly; ++round) {
    const Eigen::Map<const Eigen::ArrayXf> candidates(scratch, static_cast<Eigen::Index>(m));
    const float lo = candidates.minCoeff();
    const float hi = candidates.maxCoeff();
    const float scale = static_cast<float>(kBuckets) / (hi - lo);
    if (!(hi > lo) || !std::isfinite(scale)) break;
    std::array<std::size_t, kBuckets> count{};
    count_buckets(scratch, m, lo, scale, index, count);
    std::size_t below = 0;
    const int target = bucket_of_rank(count, k, below);
    m = gather(scratch, index, m, target, scratch);
    k -= below;
  }
  std::nth_element(scratch, scratch + k, scratch + m);
  return scratch[k];
}

// The values at ranks `low_rank` and `high_rank` (0-based, ascending) of values[0, n), by one
// shared first round of kth_smallest.
std::pair<float, float> two_ranks(const float* values, std::size_t n, std::size_t low_rank,
                                  std::size_t high_rank, BedWorkspace& ws) {
  const Eigen::Map<const Eigen::ArrayXf> all(values, static_cast<Eigen::Index>(n));
  const float lo = all.minCoeff();
  const float hi = all.maxCoeff();
  const float scale = static_cast<float>(kBuckets) / (hi - lo);
  if (!(hi > lo) || !std::isfinite(scale)) return {lo, lo};
  std::array<std::size_t, kBuckets> count{};
  count_buckets(values, n, lo, scale, ws.bucket_index.data(), count);
  std::size_t below_low = 0, below_high = 0;
  const int low_bucket = bucket_of_rank(count, low_rank, below_low);
  const int high_bucket = bucket_of_rank(count, high_rank, below_high);
  float* low_candidates = ws.selected.data();
  float* high_candidates = ws.selected.data() + n;
  const std::size_t low_count =
      gather(values, ws.bucket_index.data(), n, low_bucket, low_candidates);
  const std::size_t high_count =
      gather(values, ws.bucket_index.data(), n, high_bucket, high_candidates);
  const float low =
      kth_smallest(low_candidates, low_count, low_rank - below_low, ws.bucket_index.data());
  const float high =
      kth_smallest(high_candidates, high_count, high_rank - below_high, ws.bucket_index.data());
  return {low, high};
}

// The sum of the values above `threshold`, in the frame's order, and how many there are. The top
// 2 % are rare, so groups of four with none of them are skipped after one vector compare; the
// sum is the one a sequential pass adding every taxel's `v > threshold ? v : 0` gives, bit for
// bit (adding +0.0 changes no sum of non-negative values).
std::pair<double, std::size_t> sum_above(const float* values, std::size_t n, float threshold) {
  double sum = 0;
  std::size_t count = 0;
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128 t = _mm_set1_ps(threshold);
  for (; i + 4 <= n; i += 4) {
    if (_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(values + i), t)) == 0) continue;
    for (std::size_t j = i; j < i + 4; ++j) {
      if (values[j] > threshold) {
        sum += static_cast<double>(values[j]);
        ++count;
      }
    }
  }
#endif
  for (; i < n; ++i) {
    if (values[i] > threshold) {
      sum += static_cast<double>(values[i]);
      ++count;
    }
  }
  return {sum, count};
}

// The bare mat's read noise: the sum of (baseline - v) over the taxels reading between half the
// baseline and the baseline (dead taxels, reading 0 or far below the rest, are not read noise),
// and how many there are. About half the bare mat reads below its baseline, at random, so this is
// branch-free, four lanes in double (the sum's order differs from a sequential pass only in the
// last bits; it is only compared with the robust peak, kMinPeakOverNoise).
#ifdef __SSE2__
// Bits set in a four-lane mask (the default build has no popcnt instruction: __builtin_popcount
// calls libgcc).
constexpr std::array<std::size_t, 16> kLanesSet = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
#endif

std::pair<double, std::size_t> read_noise_shortfall(const float* values, std::size_t n,
                                                    float baseline) {
  double sum = 0;
  std::size_t count = 0;
  std::size_t i = 0;
  const float half = 0.5F * baseline;
#ifdef __SSE2__
  const __m128 base = _mm_set1_ps(baseline);
  const __m128 lower = _mm_set1_ps(half);
  __m128d sum_low = _mm_setzero_pd(), sum_high = _mm_setzero_pd();
  for (; i + 4 <= n; i += 4) {
    const __m128 v = _mm_loadu_ps(values + i);
    const __m128 noise = _mm_and_ps(_mm_cmplt_ps(v, base), _mm_cmpgt_ps(v, lower));
    const __m128 shortfall = _mm_and_ps(_mm_sub_ps(base, v), noise);
    sum_low = _mm_add_pd(sum_low, _mm_cvtps_pd(shortfall));
    sum_high = _mm_add_pd(sum_high, _mm_cvtps_pd(_mm_movehl_ps(shortfall, shortfall)));
    count += kLanesSet[_mm_movemask_ps(noise)];
  }
  alignas(16) double lanes[2];
  _mm_store_pd(lanes, _mm_add_pd(sum_low, sum_high));
  sum = lanes[0] + lanes[1];
#endif
  for (; i < n; ++i) {
    const float v = values[i];
    if (v < baseline && v > half) {
      sum += static_cast<double>(baseline - v);
      ++count;
    }
  }
  return {sum, count};
}

// Normalises the frame's values, (v - baseline) / peak clamped at 0, into `normalised`, and
// `light` (the same kept down to kLightContactThreshold), in one pass. The division stays a
// division (bit for bit the values of before) but two lanes at a time: Eigen does not vectorise
// the float -> double cast, so it left a scalar division per taxel.
void normalise(const float* values, std::size_t n, double baseline, double peak, double* normalised,
               double* light) {
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128d base = _mm_set1_pd(baseline);
  const __m128d scale = _mm_set1_pd(peak);
  const __m128d zero = _mm_setzero_pd();
  const __m128d light_threshold = _mm_set1_pd(kLightContactThreshold);
  for (; i + 4 <= n; i += 4) {
    const __m128 v = _mm_loadu_ps(values + i);
    const __m128d halves[2] = {_mm_cvtps_pd(v), _mm_cvtps_pd(_mm_movehl_ps(v, v))};
    for (std::size_t h = 0; h < 2; ++h) {
      const __m128d x = _mm_max_pd(_mm_div_pd(_mm_sub_pd(halves[h], base), scale), zero);
      _mm_storeu_pd(normalised + i + 2 * h, x);
      _mm_storeu_pd(light + i + 2 * h, _mm_and_pd(x, _mm_cmpge_pd(x, light_threshold)));
    }
  }
#endif
  for (; i < n; ++i) {
    const double x = std::max((static_cast<double>(values[i]) - baseline) / peak, 0.0);
    normalised[i] = x;
    light[i] = x >= kLightContactThreshold ? x : 0.0;
  }
}

int find_root(std::vector<ContactRun>& runs, int i) {
  while (runs[static_cast<std::size_t>(i)].region != i) {
    auto& parent = runs[static_cast<std::size_t>(i)].region;
    parent = runs[static_cast<std::size_t>(parent)].region;  // path halving
    i = parent;
  }
  return i;
}

// Labels the 8-connected regions of contact by their runs: runs of neighbouring rows that touch
// (overlap or meet at a corner) belong to one region. Much cheaper than a flood fill per taxel.
void label_regions(std::vector<ContactRun>& runs) {
  std::size_t previous_begin = 0, previous_end = 0;  // the runs of the row above
  std::size_t i = 0;
  while (i < runs.size()) {
    const int row = runs[i].row;
    std::size_t end = i;
    while (end < runs.size() && runs[end].row == row) ++end;
    if (previous_end > previous_begin && runs[previous_begin].row != row - 1) {
      previous_begin = previous_end = 0;
    }
    std::size_t a = previous_begin, b = i;
    while (a < previous_end && b < end) {
      const ContactRun& above = runs[a];
      const ContactRun& here = runs[b];
      if (above.end + 1 >= here.begin && here.end + 1 >= above.begin) {
        const int ra = find_root(runs, static_cast<int>(a));
        const int rb = find_root(runs, static_cast<int>(b));
        if (ra != rb) runs[static_cast<std::size_t>(std::max(ra, rb))].region = std::min(ra, rb);
      }
      if (above.end < here.end) {
        ++a;
      } else {
        ++b;
      }
    }
    previous_begin = i;
    previous_end = end;
    i = end;
  }
}

}  // namespace

Eigen::MatrixXd rotated_180(const Eigen::MatrixXd& image) {
  return image.reverse();
}

std::optional<RowExtent> contact_row_extent(const Eigen::MatrixXd& body) {
  std::optional<RowExtent> extent;
  for (int r = 0; r < body.rows(); ++r) {
    if ((body.row(r).array() > 0).any()) {
      if (!extent) extent = RowExtent{r, r};
      extent->last = r;
    }
  }
  return extent;
}

bool prepare_bed_image(const Eigen::Ref<const Eigen::MatrixXf>& canonical, const MatDescriptor& mat,
                       BedWorkspace& ws, std::string* error, bool remove_baseline) {
  auto fail = [error](std::string message) {
    if (error != nullptr) *error = std::move(message);
    return false;
  };
  if (mat.kind != MatKind::kBed) return fail("posture analysis needs a bed mat, got a chair mat");
  if (canonical.rows() != mat.rows || canonical.cols() != mat.cols) {
    return fail("image is " + std::to_string(canonical.rows()) + "x" +
                std::to_string(canonical.cols()) + " but the mat declares " +
                std::to_string(mat.rows) + "x" + std::to_string(mat.cols));
  }
  if (canonical.rows() < kMinRows || canonical.cols() < kMinCols) {
    return fail("a bed mat needs at least " + std::to_string(kMinRows) + " rows and " +
                std::to_string(kMinCols) + " columns");
  }
  if (!(mat.row_pitch_mm >= kMinPitchMm && mat.row_pitch_mm <= kMaxPitchMm &&
        mat.col_pitch_mm >= kMinPitchMm && mat.col_pitch_mm <= kMaxPitchMm)) {
    return fail("the mat's row and column pitch must be 1-200 mm");
  }
  // Finite iff every v·0 is 0 (inf·0 and NaN·0 are NaN): one vectorised sum instead of Eigen's
  // allFinite, a scalar loop with an exit test per taxel (11 % of this function).
  if (!((canonical.array() * 0.0F).sum() == 0.0F)) {
    return fail("image contains non-finite values");
  }

  const Eigen::Index rows = canonical.rows(), cols = canonical.cols();
  ws.prepare(rows, cols);
  BedImage& out = ws.image;
  out.light_body.resize(rows, cols);  // no allocation once the shape is known
  out.row_pitch_mm = mat.row_pitch_mm;
  out.col_pitch_mm = mat.col_pitch_mm;
  out.occupied = false;
  out.contact_area_cm2 = 0;
  out.contact_mat_fraction = 0;
  out.load_in_largest_region = 0;
  ws.runs.clear();
  Eigen::Map<Eigen::MatrixXf> image(ws.values.data(), rows, cols);
  image = canonical.cwiseMax(0.0F);
  const auto n = static_cast<std::size_t>(image.size());

  // Robust peak and baseline by exact selections (the values nth_element would give).
  const auto top_count = std::max<std::size_t>(1, static_cast<std::size_t>(kPeakFraction * n));
  const auto [baseline_value, top_lowest] = two_ranks(
      image.data(), n, static_cast<std::size_t>(kBaselinePercentile * static_cast<double>(n - 1)),
      n - top_count, ws);
  const auto [top_sum_found, above] = sum_above(image.data(), n, top_lowest);
  double top_sum = top_sum_found;
  const auto [shortfall, below] = read_noise_shortfall(image.data(), n, baseline_value);
  top_sum += static_cast<double>(top_count - above) * top_lowest;
  const double baseline = remove_baseline ? baseline_value : 0.0;
  const double peak = top_sum / static_cast<double>(top_count) - baseline;
  const double noise = below > 0 ? shortfall / static_cast<double>(below) : 0.0;
  // Flat image, or nothing but read noise over a raw baseline: nothing lies on the mat.
  if (!(peak > 0) || (remove_baseline && peak < kMinPeakOverNoise * noise)) {
    out.body.setZero();
    out.light_body.setZero();
    ws.body_rows.clear();
    return true;
  }

  normalise(image.data(), n, baseline, peak, ws.normalised.data(), out.light_body.data());
  const Eigen::MatrixXd& normalised = ws.normalised;

  // Runs of contact, row by row, each its own region to begin with.
  for (Eigen::Index r = 0; r < rows; ++r) {
    Eigen::Index c = 0;
    while (c < cols) {
      while (c < cols && !(normalised(r, c) >= kContactThreshold)) ++c;
      if (c == cols) break;
      ContactRun run;
      run.row = static_cast<int>(r);
      run.begin = static_cast<int>(c);
      while (c < cols && normalised(r, c) >= kContactThreshold) run.load += normalised(r, c++);
      run.end = static_cast<int>(c - 1);
      run.region = static_cast<int>(ws.runs.size());
      ws.runs.push_back(run);
    }
  }
  label_regions(ws.runs);
  for (std::size_t i = 0; i < ws.runs.size(); ++i) {
    ContactRun& run = ws.runs[i];
    run.region = find_root(ws.runs, static_cast<int>(i));
    ContactRun& root = ws.runs[static_cast<std::size_t>(run.region)];
    root.region_taxels += run.end - run.begin + 1;
    root.region_load += run.load;
  }
  double total_load = 0;
  double largest_load = 0;
  std::size_t contact_taxels = 0;
  for (const ContactRun& root : ws.runs) {
    if (root.region_taxels < kMinRegionTaxels) continue;  // not a root, or a speck of noise
    total_load += root.region_load;
    largest_load = std::max(largest_load, root.region_load);
    contact_taxels += static_cast<std::size_t>(root.region_taxels);
  }
  // Specks of noise go (a region's size is read at its root, before any run moves).
  for (ContactRun& run : ws.runs) {
    run.removed = ws.runs[static_cast<std::size_t>(run.region)].region_taxels < kMinRegionTaxels;
  }
  std::erase_if(ws.runs, [](const ContactRun& run) { return run.removed; });
  out.contact_area_cm2 =
      static_cast<double>(contact_taxels) * mat.row_pitch_mm * mat.col_pitch_mm / 100.0;
  out.contact_mat_fraction = static_cast<double>(contact_taxels) / static_cast<double>(n);
  out.load_in_largest_region = total_load > 0 ? largest_load / total_load : 0.0;
  out.occupied = out.contact_area_cm2 >= kOccupiedMinAreaCm2 &&
                 out.contact_mat_fraction <= kOccupiedMaxMatFraction &&
                 out.load_in_largest_region >= kOccupiedMinLoadInLargestRegion;
  out.body.setZero();
  if (!out.occupied) ws.runs.clear();
  for (const ContactRun& run : ws.runs) {
    for (int c = run.begin; c <= run.end; ++c) out.body(run.row, c) = normalised(run.row, c);
  }
  if (!out.occupied) out.light_body.setZero();
  summarise_rows(out.body, ws.runs, false, ws.body_rows);
  return true;
}

std::optional<BedImage> prepare_bed_image(const Eigen::MatrixXf& canonical,
                                          const MatDescriptor& mat, std::string* error) {
  BedWorkspace workspace;
  if (!prepare_bed_image(canonical, mat, workspace, error)) return std::nullopt;
  return std::move(workspace.image);
}

void summarise_rows(const Eigen::MatrixXd& image, const std::vector<ContactRun>& runs, bool turned,
                    RowSummary& out) {
  out.clear();
  const auto rows = static_cast<int>(image.rows());
  const auto cols = static_cast<int>(image.cols());
  // Turned by 180°, the runs are met in reverse order: rows and columns ascend again.
  const auto visit = [&](const ContactRun& run) {
    const int r = turned ? rows - 1 - run.row : run.row;
    const int begin = turned ? cols - 1 - run.end : run.begin;
    const int end = turned ? cols - 1 - run.begin : run.end;
    double moment = out.moment(r), strong = out.strong(r);
    for (int c = begin; c <= end; ++c) {
      const double w = image(r, c);
      moment += w * c;
      strong += w >= 0.5 ? 1 : 0;
    }
    out.moment(r) = moment;
    out.strong(r) = strong;
    out.contact(r) += end - begin + 1;
    out.runs(r) += 1;
    if (out.first_col(r) < 0) out.first_col(r) = begin;
    out.last_col(r) = end;
  };
  if (turned) {
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) visit(*it);
  } else {
    for (const ContactRun& run : runs) visit(run);
  }
  // Eigen's row sums, to the last bit: the head-end feature of the heaviest rows takes an argmax
  // over them, which must not depend on the order of the additions.
  out.load.noalias() = image.rowwise().sum();
}

std::optional<RowExtent> contact_row_extent(const RowSummary& rows) {
  std::optional<RowExtent> extent;
  for (int r = 0; r < rows.contact.size(); ++r) {
    if (rows.contact(r) > 0) {
      if (!extent) extent = RowExtent{r, r};
      extent->last = r;
    }
  }
  return extent;
}

}  // namespace pmap::posture::detail
