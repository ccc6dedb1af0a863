// pmap-sim-eval: scores the bed and chair engines against the simulator's truth over many seeds
// and body types, and sweeps bodies and sensor imperfections beyond the simulator's defaults
// (docs/accuracy.md, "Simulator truth over many seeds and body types"). Prints Markdown tables.
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "pmap/simeval/sim_evaluation.hpp"

namespace po = boost::program_options;
using namespace pmap::simeval;

namespace {

double pct(double x) {
  return 100.0 * x;
}

void print_definitions() {
  std::printf(
      "Definitions (every sample is a fresh random body, pose and sensor; seeds never used in\n"
      "training):\n"
      "- position: single frames, 36%% supine (half with the knees supported), 27%% each side\n"
      "  (straight / semi-fetal / fetal / partly rolled, any knee-pillow state), 10%% prone;\n"
      "  accuracy and macro-F1 over supine/left/right (prone is not validated and scored apart);\n"
      "  'confident wrong' = wrong with confidence >= 0.6 (what the position episode stream\n"
      "  accepts).\n"
      "- knee pillow: side-lying frames, pillow none/aligned/dropped equally likely; truth\n"
      "  aligned = none or aligned, dropped = dropped. F1 per class; an 'unknown' answer or a\n"
      "  frame not read as side-lying is a miss of its true class. Macro-F1 = mean of both.\n"
      "- under-knee: supine frames, half with the knees supported (flexion 30-50 deg): 3 in 4\n"
      "  a pillow on the mat (40-70 x 15-45 cm, 40-90%% of the legs' freed load through it),\n"
      "  1 in 4 knees drawn up with nothing under them; F1 per class flat / flexed_supported,\n"
      "  unknown or not-supine = miss.\n"
      "- turns: whole 8-h simulated nights at 1 Hz through the engine and the gateway's episode\n"
      "  streams (30-s position dwell, confidence floor 0.6). True turn = change of the\n"
      "  simulator's position label between lying periods without a bed exit, timed at the\n"
      "  middle of the roll; detected turn = a position episode starting after another one in\n"
      "  the same in-bed episode. One-to-one matching, nearest first, same new position, within\n"
      "  60 s (F1) and within 5 s (F1@5s); timing error = detected - true.\n"
      "- chair: obliquity -10..10 deg / tilt -10..20 deg family and wallet none/left/right\n"
      "  family; obliquity and tilt MAE, sign correct when |truth| >= 3 deg, wallet F1.\n\n");
}

struct Sizes {
  int frames;
  int nights;
  int chair;
};

void print_in_range(std::uint64_t seed, const Sizes& n) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::printf("## In range (simulator defaults), first seed %llu\n\n",
              static_cast<unsigned long long>(seed));
  const PositionReport p = evaluate_position(seed, n.frames);
  std::printf("### Position, %d frames\n\n", p.frames);
  std::printf("| truth \\ engine | supine | left | right | prone | unoccupied/error |\n");
  std::printf("|---|---|---|---|---|---|\n");
  const char* names[] = {"supine", "left", "right", "prone"};
  for (std::size_t t = 0; t < 4; ++t) {
    std::printf("| %s |", names[t]);
    for (std::size_t e = 0; e < 5; ++e) std::printf(" %d |", p.confusion[t][e]);
    std::printf("\n");
  }
  std::printf(
      "\naccuracy (supine/left/right) %.2f%% (%d/%d), macro-F1 %.3f, confident wrong %d, low "
      "confidence %d\n\n",
      pct(p.accuracy()), p.correct, p.scored, p.macro_f1(), p.confident_wrong, p.low_confidence);

  const KneePillowReport k = evaluate_knee_pillow(seed, n.frames);
  std::printf("### Knee pillow (side-lying), %d frames\n\n", k.frames);
  std::printf(
      "| truth \\ engine | aligned | dropped | unknown | not side-lying "
      "|\n|---|---|---|---|---|\n");
  for (std::size_t t = 0; t < 2; ++t)
    std::printf("| %s | %d | %d | %d | %d |\n", t == 0 ? "aligned (none+aligned)" : "dropped",
                k.confusion[t][0], k.confusion[t][1], k.confusion[t][2], k.confusion[t][3]);
  std::printf(
      "\nF1 aligned %.3f (P %.3f R %.3f), F1 dropped %.3f (P %.3f R %.3f), macro-F1 %.3f; "
      "answered %.1f%%, wrong %.1f%%\n\n",
      k.aligned.f1(), k.aligned.precision(), k.aligned.recall(), k.dropped.f1(),
      k.dropped.precision(), k.dropped.recall(), k.macro_f1(), pct(k.answered()), pct(k.wrong()));

  const UnderKneeReport u = evaluate_under_knee(seed, n.frames);
  std::printf("### Under-knee support (supine), %d frames\n\n", u.frames);
  std::printf(
      "| truth \\ engine | flat | flexed_supported | unknown | not supine "
      "|\n|---|---|---|---|---|\n");
  for (std::size_t t = 0; t < 2; ++t)
    std::printf("| %s | %d | %d | %d | %d |\n", t == 0 ? "flat" : "knees supported",
                u.confusion[t][0], u.confusion[t][1], u.confusion[t][2], u.confusion[t][3]);
  std::printf(
      "\nF1 flat %.3f (P %.3f R %.3f), F1 flexed %.3f (P %.3f R %.3f), macro-F1 %.3f; answered "
      "%.1f%%, wrong %.1f%%\n\n",
      u.flat.f1(), u.flat.precision(), u.flat.recall(), u.flexed.f1(), u.flexed.precision(),
      u.flexed.recall(), u.macro_f1(), pct(u.answered()), pct(u.wrong()));
  std::printf("pillow frames read as flexed_supported by knee flexion:");
  for (std::size_t b = 0; b < 4; ++b)
    std::printf(" %d-%d deg %d/%d;", 30 + 5 * static_cast<int>(b), 35 + 5 * static_cast<int>(b),
                u.flexed_by_flexion[b][0], u.flexed_by_flexion[b][1]);
  std::printf("\nby kind: pillow on the mat %d/%d; knees drawn up, nothing under them %d/%d\n\n",
              u.flexed_by_kind[0][0], u.flexed_by_kind[0][1], u.flexed_by_kind[1][0],
              u.flexed_by_kind[1][1]);

  if (n.nights > 0) {
    const TurnReport t = evaluate_turns(seed, n.nights);
    std::printf("### Turns, %d nights\n\n", t.nights);
    std::printf(
        "true turns %zu (%d to or from prone), detected %zu; within 60 s: TP %d FP %d FN %d, "
        "precision %.3f recall %.3f F1 %.3f; within 5 s: F1 %.3f; missed prone turns %d\n",
        t.true_turns.size(), t.true_turns_with_prone, t.detected_turns.size(),
        t.turns.true_positive, t.turns.false_positive, t.turns.false_negative, t.turns.precision(),
        t.turns.recall(), t.turns.f1(), t.turns_within_5s.f1(), t.missed_with_prone);
    std::printf(
        "without turns to or from prone (and detections near them): TP %d FP %d FN %d, "
        "precision %.3f recall %.3f F1 %.3f\n",
        t.turns_without_prone.true_positive, t.turns_without_prone.false_positive,
        t.turns_without_prone.false_negative, t.turns_without_prone.precision(),
        t.turns_without_prone.recall(), t.turns_without_prone.f1());
    std::printf(
        "timing error |detected - true|: median %.1f s, 95th percentile %.1f s, worst %.1f s\n",
        t.median_abs_timing_error_s(), t.p95_abs_timing_error_s(), t.worst_abs_timing_error_s());
    std::printf(
        "occupancy: empty-bed frames read as occupied %d of %d; lying frames read as empty "
        "%d of %d\n\n",
        t.empty_read_occupied, t.empty_frames, t.lying_read_empty, t.lying_frames);
  }

  const ChairReport c = evaluate_chair(seed, n.chair);
  std::printf("### Chair, %d frames per family\n\n", c.frames);
  std::printf(
      "obliquity MAE %.2f deg, sign %d/%d; tilt MAE %.2f deg; wallet F1 %.3f (P %.3f R %.3f), "
      "side %d/%d; unoccupied %d\n\n",
      c.obliquity_mae_deg, c.sign_correct, c.sign_checked, c.tilt_mae_deg, c.wallet.f1(),
      c.wallet.precision(), c.wallet.recall(), c.wallet_side_correct, c.wallet.true_positive,
      c.unoccupied);
  std::printf("(%.0f s)\n\n", std::chrono::duration<double>(Clock::now() - start).count());
}

struct Sweep {
  const char* name;
  const char* unit;
  std::vector<double> values;
  std::function<void(Conditions&, double)> apply;
};

void print_sweeps(std::uint64_t seed, const Sizes& n) {
  const std::vector<Sweep> sweeps = {
      {"height",
       "cm (random 150-200)",
       {100, 120, 140, 150, 175, 200, 210, 220},
       [](Conditions& c, double v) { c.height_cm = v; }},
      {"BMI",
       "(random 18-38)",
       {13, 16, 18, 25, 38, 45, 55},
       [](Conditions& c, double v) { c.bmi = v; }},
      {"noise",
       "x default (2 counts + 1% of signal)",
       {1, 2, 4, 8, 16, 32},
       [](Conditions& c, double v) { c.noise_scale = v; }},
      {"gain spread",
       "lognormal sigma (default 0.10)",
       {0.1, 0.2, 0.3, 0.5, 0.8},
       [](Conditions& c, double v) { c.gain_sigma = v; }},
      {"dead taxels",
       "of 2048 bed / 1024 seat (default ~1 per 700)",
       {2, 20, 50, 100, 200, 400},
       [](Conditions& c, double v) { c.dead_taxels = static_cast<int>(v); }},
      {"baseline offset",
       "counts added to the idle 45 (full scale 1000)",
       {0, 100, 200, 400, 600, 800},
       [](Conditions& c, double v) { c.baseline_offset_counts = v; }},
      {"baseline spread",
       "sigma counts (default 4)",
       {4, 10, 20, 40, 80},
       [](Conditions& c, double v) { c.baseline_sigma_counts = v; }},
      {"legs apart",
       "mm per leg, supine (default 0 = 28.6 cm between the legs; -70 about touching)",
       {-70, -50, -30, 0, 40, 80},
       [](Conditions& c, double v) { c.legs_apart_mm = v; }},
  };
  std::printf(
      "## Sweeps, first seed %llu: %d bed frames per measure, %d nights, %d chair frames per "
      "family at each point\n\n",
      static_cast<unsigned long long>(seed), n.frames, n.nights, n.chair);
  for (const Sweep& sweep : sweeps) {
    std::printf("### %s, %s\n\n", sweep.name, sweep.unit);
    std::printf(
        "| %s | position acc | pos. confident wrong | knee-pillow F1 | knee answered / wrong | "
        "under-knee F1 | under-knee answered / wrong | turns F1 (without prone) | turn timing "
        "median / worst s | "
        "chair obliquity MAE | sign | tilt MAE | wallet F1 |\n",
        sweep.name);
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const double value : sweep.values) {
      Conditions c;
      sweep.apply(c, value);
      const PositionReport p = evaluate_position(seed, n.frames, c);
      const KneePillowReport k = evaluate_knee_pillow(seed, n.frames, c);
      const UnderKneeReport u = evaluate_under_knee(seed, n.frames, c);
      std::printf("| %g | %.1f%% | %.1f%% | %.3f | %.0f%% / %.1f%% | %.3f | %.0f%% / %.1f%% |",
                  value, pct(p.accuracy()), pct(double(p.confident_wrong) / std::max(1, p.scored)),
                  k.macro_f1(), pct(k.answered()), pct(k.wrong()), u.macro_f1(), pct(u.answered()),
                  pct(u.wrong()));
      if (n.nights > 0) {
        const TurnReport t = evaluate_turns(seed, n.nights, c);
        std::printf(" %.3f (%.3f) | %.0f / %.0f |", t.turns.f1(), t.turns_without_prone.f1(),
                    t.median_abs_timing_error_s(), t.worst_abs_timing_error_s());
      } else {
        std::printf(" - | - |");
      }
      const ChairReport s = evaluate_chair(seed, n.chair, c);
      std::printf(" %.2f | %d/%d | %.2f | %.3f |\n", s.obliquity_mae_deg, s.sign_correct,
                  s.sign_checked, s.tilt_mae_deg, s.wallet.f1());
      std::fflush(stdout);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options(
      "pmap-sim-eval: the bed and chair engines against the simulator's truth (docs/accuracy.md)\n"
      "Options");
  // clang-format off
  options.add_options()
      ("help,h", "this help")
      ("first-seed", po::value<unsigned long long>()->default_value(kFirstEvaluationSeed),
       "first evaluation seed (keep clear of training seeds, see docs/accuracy.md)")
      ("frames", po::value<int>()->default_value(1000), "random frames per bed measure")
      ("nights", po::value<int>()->default_value(30), "simulated 8-h nights for turns (0 = skip)")
      ("chair", po::value<int>()->default_value(300), "chair frames per pose family")
      ("sweep", "also sweep bodies and sensor imperfections beyond the defaults")
      ("sweep-frames", po::value<int>()->default_value(200), "bed frames per measure and point")
      ("sweep-nights", po::value<int>()->default_value(2), "nights per sweep point (0 = skip)")
      ("sweep-chair", po::value<int>()->default_value(100), "chair frames per family and point")
      ("no-in-range", "skip the in-range figures (with --sweep)");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "pmap-sim-eval: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (vm.count("help") != 0U) {
    std::cout << options << "\n";
    return 0;
  }
  const Sizes in_range{vm["frames"].as<int>(), vm["nights"].as<int>(), vm["chair"].as<int>()};
  const Sizes sweep{vm["sweep-frames"].as<int>(), vm["sweep-nights"].as<int>(),
                    vm["sweep-chair"].as<int>()};
  for (const int v : {in_range.frames, in_range.chair, sweep.frames, sweep.chair}) {
    if (v < 1 || v > 100000) {
      std::cerr << "pmap-sim-eval: frame counts must be 1..100000\n";
      return 2;
    }
  }
  for (const int v : {in_range.nights, sweep.nights}) {
    if (v < 0 || v > 1000) {
      std::cerr << "pmap-sim-eval: night counts must be 0..1000\n";
      return 2;
    }
  }
  const std::uint64_t seed = vm["first-seed"].as<unsigned long long>();
  print_definitions();
  if (vm.count("no-in-range") == 0U) print_in_range(seed, in_range);
  if (vm.count("sweep") != 0U) print_sweeps(seed, sweep);
  return 0;
}
