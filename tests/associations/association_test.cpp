// Posture <-> pain associations: a planted effect is claimed with the right sign, noise is not,
// the pure-noise claim rate stays <= 5 %, and thin or broken data gives clear results or errors.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "pmap/associations/association_analyzer.hpp"
#include "pmap/associations/association_error.hpp"
#include "pmap/associations/associations_json.hpp"
#include "pmap/associations/multiple_testing.hpp"
#include "synthetic_days.hpp"

namespace pmap::associations {
namespace {

using testing::synthetic_days;
using testing::SyntheticSpec;

AssociationConfig report_config() {
  AssociationConfig config;
  config.measures["side_unaligned_min"] = {
      "the time you lay on your side without an aligned knee pillow", 30.0, "30 min"};
  config.outcomes["morning_leg_pain"] = {"your next-morning leg pain", 0.0, ""};
  return config;
}

const Association& find(const std::vector<Association>& all, const std::string& metric,
                        const std::string& outcome) {
  for (const auto& a : all) {
    if (a.metric == metric && a.outcome == outcome) return a;
  }
  throw std::runtime_error("no association " + metric + " / " + outcome);
}

int count_claims(const std::vector<Association>& all) {
  int claims = 0;
  for (const auto& a : all) claims += a.claimed ? 1 : 0;
  return claims;
}

TEST(Associations, PlantedEffectIsClaimedWithTheRightSignAndNoiseIsNot) {
  SyntheticSpec spec;
  spec.planted_slope = 0.03;  // +0.9 leg-pain points per 30 min
  spec.seed = 7;
  const AssociationAnalyzer analyzer(report_config());
  const auto all = analyzer.analyze(synthetic_days(spec));
  ASSERT_EQ(all.size(), 8u * 3u);

  const auto& planted = find(all, "side_unaligned_min", "morning_leg_pain");
  std::printf("planted: %s\n", planted.sentence.c_str());
  EXPECT_EQ(planted.status, AssociationStatus::kTested);
  EXPECT_EQ(planted.n, 30);
  EXPECT_TRUE(planted.claimed);
  EXPECT_GT(*planted.effect, 0.0);
  EXPECT_GT(*planted.ci_low, 0.0);
  EXPECT_LE(*planted.ci_low, 0.9);
  EXPECT_GE(*planted.ci_high, 0.9);
  EXPECT_LE(*planted.p_adjusted, 0.05);
  EXPECT_NE(planted.sentence.find("n = 30"), std::string::npos);
  EXPECT_NE(planted.sentence.find("per 30 min"), std::string::npos);
  EXPECT_NE(planted.sentence.find("not proof of cause"), std::string::npos);
  EXPECT_NE(planted.sentence.find("higher"), std::string::npos);
  for (const auto& a : all) {
    // No sentence may suggest a cause; the only use of the word is the disclaimer.
    for (const char* causal : {"because", "caus", "due to", "leads to", "makes"}) {
      const auto at = a.sentence.find(causal);
      const bool disclaimer = at != std::string::npos && at >= 13 &&
                              a.sentence.compare(at - 13, 18, "not proof of cause") == 0;
      EXPECT_TRUE(at == std::string::npos || disclaimer) << a.sentence;
    }
    if (&a == &planted) continue;
    EXPECT_FALSE(a.claimed) << a.metric << " / " << a.outcome << ": " << a.sentence;
    EXPECT_NE(a.sentence.find("cannot tell yet"), std::string::npos) << a.sentence;
  }
}

TEST(Associations, ANegativePlantedEffectIsClaimedAsLower) {
  SyntheticSpec spec;
  spec.planted_slope = -0.03;
  spec.seed = 7;
  const auto all = AssociationAnalyzer(report_config()).analyze(synthetic_days(spec));
  const auto& planted = find(all, "side_unaligned_min", "morning_leg_pain");
  ASSERT_TRUE(planted.claimed) << planted.sentence;
  EXPECT_LT(*planted.ci_high, 0.0);
  EXPECT_NE(planted.sentence.find("leg pain was lower: -"), std::string::npos) << planted.sentence;
  const auto& noise = find(all, "noise_3", "morning_back_pain");
  EXPECT_FALSE(noise.claimed);
  EXPECT_NE(noise.sentence.find("The data cannot tell yet whether noise_3 goes with "
                                "morning_back_pain"),
            std::string::npos)
      << noise.sentence;
}

TEST(Associations, PairFilterDropsPairsFromResultsAndFromTheFamily) {
  SyntheticSpec spec;
  spec.planted_slope = 0.03;
  spec.seed = 7;
  const auto days = synthetic_days(spec);
  const auto unfiltered = AssociationAnalyzer(report_config()).analyze(days);
  AssociationConfig config = report_config();
  config.pair_filter = [](std::string_view metric, std::string_view outcome) {
    return metric == "side_unaligned_min" || outcome != "morning_leg_pain";
  };
  const auto all = AssociationAnalyzer(config).analyze(days);
  // 7 noise measures lose their morning_leg_pain pair.
  ASSERT_EQ(all.size(), 8u * 3u - 7u);
  for (const auto& a : all) {
    EXPECT_TRUE(a.metric == "side_unaligned_min" || a.outcome != "morning_leg_pain");
  }
  // A smaller family: the planted pair's adjusted p can only fall.
  const auto& planted = find(all, "side_unaligned_min", "morning_leg_pain");
  const auto& before = find(unfiltered, "side_unaligned_min", "morning_leg_pain");
  EXPECT_DOUBLE_EQ(*planted.p, *before.p);
  EXPECT_LE(*planted.p_adjusted, *before.p_adjusted);
  EXPECT_TRUE(planted.claimed);
}

TEST(Associations, PlantedEffectDetectionRateOverSeeds) {
  // Not a requirement, a figure for docs/reports.md: how often a month finds the planted effect.
  const AssociationAnalyzer analyzer(report_config());
  int found = 0;
  int wrong_sign = 0;
  int noise_claims = 0;
  constexpr int kSeeds = 100;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    SyntheticSpec spec;
    spec.planted_slope = 0.03;
    spec.autocorrelation = 0.3;
    spec.seed = static_cast<unsigned long long>(seed);
    const auto all = analyzer.analyze(synthetic_days(spec));
    const auto& planted = find(all, "side_unaligned_min", "morning_leg_pain");
    found += planted.claimed ? 1 : 0;
    wrong_sign += planted.claimed && *planted.effect < 0.0 ? 1 : 0;
    noise_claims += count_claims(all) - (planted.claimed ? 1 : 0);
  }
  std::printf(
      "planted +0.9/30 min, 30 days, AR(1) 0.3: claimed in %d of %d months, wrong sign %d, "
      "noise pairs claimed %d of %d\n",
      found, kSeeds, wrong_sign, noise_claims, kSeeds * 23);
  EXPECT_EQ(wrong_sign, 0);
  EXPECT_GE(found, 30);
}

double noise_claim_rate(double autocorrelation, int seeds, int days) {
  const AssociationAnalyzer analyzer(report_config());
  int runs_with_claim = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    SyntheticSpec spec;
    spec.days = days;
    spec.autocorrelation = autocorrelation;
    spec.seed = 1000 + static_cast<unsigned long long>(seed);
    runs_with_claim += count_claims(analyzer.analyze(synthetic_days(spec))) > 0 ? 1 : 0;
  }
  return static_cast<double>(runs_with_claim) / seeds;
}

TEST(Associations, PureNoiseClaimsInAtMostFivePercentOfRuns) {
  // 8 measures x 3 outcomes = 24 pairs per run, no effect anywhere; measures and pain independent
  // (autocorrelation 0) or with day-to-day persistence AR(1) 0.5 in every series.
  constexpr int kSeeds = 200;
  for (const double phi : {0.0, 0.5}) {
    for (const int days : {30, 90}) {
      const double rate = noise_claim_rate(phi, kSeeds, days);
      std::printf(
          "pure noise, %d days, AR(1) %.1f, 24 pairs: runs with any claim %.1f %% (%d "
          "seeds)\n",
          days, phi, 100.0 * rate, kSeeds);
      EXPECT_LE(rate, 0.05) << "days " << days << ", autocorrelation " << phi;
    }
  }
}

TEST(Associations, StronglyPersistentNoiseRateIsPrintedNotPromised) {
  // AR(1) 0.8 in both pain and measures over one month is beyond what the correction holds to
  // 5 % (docs/reports.md, "Limits"); the figure is printed so a change in it is seen.
  for (const int days : {30, 90}) {
    const double rate = noise_claim_rate(0.8, 200, days);
    std::printf(
        "pure noise, %d days, AR(1) 0.8, 24 pairs: runs with any claim %.1f %% (200 "
        "seeds)\n",
        days, 100.0 * rate);
    EXPECT_LE(rate, 0.15);
  }
}

TEST(Associations, MissingValuesReduceNAndTooFewDaysAreNotTested) {
  SyntheticSpec spec;
  spec.planted_slope = 0.03;
  auto days = synthetic_days(spec);
  // Leg pain missing on 10 days (absent), back pain on 20 days (nullopt).
  for (int d = 0; d < 10; ++d) days[static_cast<std::size_t>(d)].outcomes.erase("morning_leg_pain");
  for (int d = 0; d < 20; ++d)
    days[static_cast<std::size_t>(d)].outcomes["morning_back_pain"] = std::nullopt;
  const AssociationAnalyzer analyzer(report_config());
  const auto all = analyzer.analyze(days);
  const auto& leg = find(all, "noise_0", "morning_leg_pain");
  EXPECT_EQ(leg.n, 20);
  EXPECT_EQ(leg.status, AssociationStatus::kTested);
  const auto& back = find(all, "noise_0", "morning_back_pain");
  EXPECT_EQ(back.n, 10);
  EXPECT_EQ(back.status, AssociationStatus::kTooFewDays);
  EXPECT_FALSE(back.claimed);
  EXPECT_FALSE(back.effect.has_value());
  EXPECT_FALSE(back.p_adjusted.has_value());
  EXPECT_NE(back.sentence.find("only 10 days have both values and at least 14 are needed"),
            std::string::npos)
      << back.sentence;
}

TEST(Associations, AnEmptyInputAndAFewDaysGiveResultsNotCrashes) {
  const AssociationAnalyzer analyzer(report_config());
  EXPECT_TRUE(analyzer.analyze({}).empty());
  SyntheticSpec spec;
  spec.days = 3;
  for (const auto& a : analyzer.analyze(synthetic_days(spec))) {
    EXPECT_EQ(a.status, AssociationStatus::kTooFewDays);
    EXPECT_FALSE(a.claimed);
  }
}

TEST(Associations, ConstantMeasureAndConstantOutcomeAreReportedNotTested) {
  SyntheticSpec spec;
  auto days = synthetic_days(spec);
  for (auto& day : days) {
    day.measures["prone_min"] = 0.0;
    day.outcomes["after_sitting_pain"] = 2.0;
  }
  const AssociationAnalyzer analyzer(report_config());
  const auto all = analyzer.analyze(days);
  const auto& constant_measure = find(all, "prone_min", "morning_leg_pain");
  EXPECT_EQ(constant_measure.status, AssociationStatus::kConstantMeasure);
  EXPECT_FALSE(constant_measure.claimed);
  EXPECT_NE(constant_measure.sentence.find("was the same on all 30 days"), std::string::npos);
  const auto& constant_outcome = find(all, "noise_1", "after_sitting_pain");
  EXPECT_EQ(constant_outcome.status, AssociationStatus::kConstantOutcome);
  EXPECT_FALSE(constant_outcome.p.has_value());
}

TEST(Associations, NonFiniteValuesAndRepeatedDaysAreRefusedWithTheDayAndField) {
  const AssociationAnalyzer analyzer(report_config());
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(), -1e200}) {
    auto days = synthetic_days({});
    days[4].measures["prone_min"] = bad;
    try {
      (void)analyzer.analyze(days);
      FAIL() << "accepted " << bad;
    } catch (const AssociationError& error) {
      EXPECT_NE(std::string(error.what()).find("'prone_min' on 2026-10-05"), std::string::npos)
          << error.what();
    }
  }
  auto days = synthetic_days({});
  days[3].date = days[2].date;
  EXPECT_THROW((void)analyzer.analyze(days), AssociationError);
}

TEST(Associations, InvalidConfigurationIsRefused) {
  AssociationConfig config;
  config.min_days = 3;
  EXPECT_THROW(AssociationAnalyzer{config}, AssociationError);
  config = {};
  config.fdr = 0.0;
  EXPECT_THROW(AssociationAnalyzer{config}, AssociationError);
  config = {};
  config.measures["x"] = {"x", 30.0, ""};
  EXPECT_THROW(AssociationAnalyzer{config}, AssociationError);
  config.measures["x"] = {"x", std::numeric_limits<double>::quiet_NaN(), "NaN"};
  EXPECT_THROW(AssociationAnalyzer{config}, AssociationError);
}

TEST(Associations, WithoutAStepTheEffectIsPerStandardDeviation) {
  SyntheticSpec spec;
  spec.planted_slope = 0.03;
  const AssociationAnalyzer analyzer(AssociationConfig{});
  const auto all = analyzer.analyze(synthetic_days(spec));
  const auto& planted = find(all, "side_unaligned_min", "morning_leg_pain");
  EXPECT_NE(planted.step_phrase.find("standard deviation"), std::string::npos);
  EXPECT_NEAR(planted.step, 35.0, 12.0);
}

TEST(Associations, BenjaminiHochbergMatchesHandWorkedValues) {
  // m = 4: p * m / rank = 0.04, 0.04, 0.04, 0.8 -> step-up keeps them monotone.
  const auto adjusted = benjamini_hochberg({0.03, 0.01, 0.02, 0.8});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(adjusted[0], 0.04, 1e-12);
  EXPECT_NEAR(adjusted[1], 0.04, 1e-12);
  EXPECT_NEAR(adjusted[2], 0.04, 1e-12);
  EXPECT_NEAR(adjusted[3], 0.8, 1e-12);
  EXPECT_TRUE(benjamini_hochberg({}).empty());
  EXPECT_THROW((void)benjamini_hochberg({0.5, std::numeric_limits<double>::quiet_NaN()}),
               AssociationError);
  EXPECT_THROW((void)benjamini_hochberg({1.5}), AssociationError);
}

TEST(Associations, JsonHasTheStableFields) {
  SyntheticSpec spec;
  spec.planted_slope = 0.03;
  spec.seed = 7;
  const AssociationAnalyzer analyzer(report_config());
  const nlohmann::json j = analyzer.analyze(synthetic_days(spec));
  ASSERT_TRUE(j.is_array());
  for (const auto& entry : j) {
    for (const char* field : {"metric", "outcome", "status", "effect", "ci_low", "ci_high", "n",
                              "p", "p_adjusted", "claimed", "per", "per_text", "sentence"}) {
      EXPECT_TRUE(entry.contains(field)) << field;
    }
  }
  AssociationConfig few;
  few.min_days = 40;
  const nlohmann::json untested = AssociationAnalyzer(few).analyze(synthetic_days(spec));
  EXPECT_TRUE(untested[0]["effect"].is_null());
  EXPECT_EQ(untested[0]["status"], "too_few_days");
  EXPECT_EQ(untested[0]["claimed"], false);
}

TEST(Associations, AYearOfTwelveMeasuresAndThreeOutcomesIsFast) {
  SyntheticSpec spec;
  spec.days = 365;
  spec.noise_measures = 11;
  spec.autocorrelation = 0.5;
  const auto days = synthetic_days(spec);
  const AssociationAnalyzer analyzer(report_config());
  const auto start = std::chrono::steady_clock::now();
  const auto all = analyzer.analyze(days);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("365 days x 12 measures x 3 outcomes: %zu associations in %.2f ms\n", all.size(), ms);
  EXPECT_EQ(all.size(), 36u);
}

}  // namespace
}  // namespace pmap::associations
