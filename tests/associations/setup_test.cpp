// Pillow setups: a planted pain difference gives a recommendation, equal setups give an n-of-1
// plan with a sensible night count and a balanced, reproducible ABBA schedule.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "pmap/associations/association_error.hpp"
#include "pmap/associations/associations_json.hpp"
#include "pmap/associations/setup_comparator.hpp"

namespace pmap::associations {
namespace {

constexpr std::chrono::sys_days kStart{std::chrono::year{2026} / 9 / 1};

// Setups A ("thin") and B ("thick") in ABBA order, leg pain N(mean, sd) rounded.
std::vector<SetupNight> nights(int per_setup, double mean_a, double mean_b, double sd,
                               unsigned long long seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sd);
  std::vector<SetupNight> out;
  for (int i = 0; i < 2 * per_setup; ++i) {
    SetupNight night;
    night.date = kStart + std::chrono::days{i};
    const bool a = i % 4 == 0 || i % 4 == 3;  // ABBA: balanced for any even total
    night.setup = a ? "thin" : "thick";
    const double mean = a ? mean_a : mean_b;
    night.pain["morning_leg_pain"] = std::clamp(std::round(mean + noise(rng)), 0.0, 10.0);
    night.pain["morning_back_pain"] = std::clamp(std::round(4.0 + noise(rng)), 0.0, 10.0);
    night.alignment["knee_pillow_aligned_share"] = a ? 0.6 + 0.1 * noise(rng) : 0.9;
    night.alignment["turns_per_hour"] = 2.0 + 0.3 * noise(rng);
    out.push_back(std::move(night));
  }
  return out;
}

SetupComparatorConfig labelled() {
  SetupComparatorConfig config;
  config.pain_labels["morning_leg_pain"] = {"next-morning leg pain", 0.0, ""};
  return config;
}

TEST(Setups, APlantedPainDifferenceGivesARecommendation) {
  const SetupComparator comparator(labelled());
  const auto result = comparator.compare(nights(14, 5.0, 3.0, 1.0, 3), "thin", "thick",
                                         kStart + std::chrono::days{28});
  EXPECT_EQ(result.a.nights, 14);
  EXPECT_EQ(result.b.nights, 14);
  ASSERT_TRUE(result.recommendation.has_value());
  std::printf("recommendation: %s\n", result.recommendation->c_str());
  EXPECT_NE(result.recommendation->find("Prefer setup thick"), std::string::npos);
  EXPECT_NE(result.recommendation->find("14 nights with thin, 14 with thick"), std::string::npos);
  EXPECT_FALSE(result.plan.has_value());
  bool leg_seen = false;
  for (const auto& d : result.differences) {
    if (d.variable != "morning_leg_pain") continue;
    leg_seen = true;
    EXPECT_TRUE(d.is_pain);
    EXPECT_TRUE(d.excludes_zero);
    EXPECT_LT(*d.ci_high, 0.0);
    EXPECT_NEAR(*d.difference, -2.0, 1.0);
  }
  EXPECT_TRUE(leg_seen);
}

TEST(Setups, EqualSetupsGiveNoRecommendationAndAPlan) {
  const SetupComparator comparator(labelled());
  const auto from = kStart + std::chrono::days{20};
  const auto result = comparator.compare(nights(10, 4.0, 4.0, 1.2, 11), "thin", "thick", from);
  for (const auto& d : result.differences) {
    if (d.is_pain) {
      EXPECT_FALSE(d.excludes_zero) << d.variable;
    }
  }
  EXPECT_FALSE(result.recommendation.has_value());
  ASSERT_TRUE(result.plan.has_value());
  const auto& plan = *result.plan;
  std::printf("plan: %s (SD %.2f)\n", plan.sentence.c_str(), plan.sd);
  EXPECT_TRUE(plan.sd_observed);
  EXPECT_TRUE(plan.feasible);
  // SD about 1.2 and a 1-point difference: about 2 (1.96 + 0.84)^2 1.2^2 = 23 nights per setup.
  EXPECT_GE(plan.nights_per_setup, 10);
  EXPECT_LE(plan.nights_per_setup, 60);
  EXPECT_EQ(plan.more_nights_a, plan.nights_per_setup - 10);
  EXPECT_EQ(plan.more_nights_b, plan.nights_per_setup - 10);
  ASSERT_FALSE(plan.schedule.empty());
  EXPECT_EQ(plan.schedule.front().date, from);
  int a = 0;
  int b = 0;
  for (const auto& night : plan.schedule) (night.setup == "thin" ? a : b)++;
  EXPECT_EQ(a, b);
  EXPECT_GE(a, plan.more_nights_a);
  EXPECT_NE(plan.sentence.find("cannot tell setups thin and thick apart"), std::string::npos);
}

TEST(Setups, TheAbbaScheduleIsBalancedPerCycleAndReproducibleFromItsSeed) {
  SetupComparatorConfig config;
  config.seed = 42;
  const SetupComparator comparator(config);
  const auto schedule = comparator.abba_schedule("A", "B", kStart, 10);
  ASSERT_EQ(schedule.size(), 10u * 4u * 2u);
  int abba = 0;
  for (std::size_t cycle = 0; cycle < 10; ++cycle) {
    const std::size_t base = cycle * 8;
    int a = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      EXPECT_EQ(schedule[base + i].date, kStart + std::chrono::days{static_cast<int>(base + i)});
      a += schedule[base + i].setup == "A" ? 1 : 0;
    }
    EXPECT_EQ(a, 4) << "cycle " << cycle;
    // Periods of two nights: XXYYYYXX.
    const auto& s = schedule;
    EXPECT_EQ(s[base].setup, s[base + 1].setup);
    EXPECT_EQ(s[base].setup, s[base + 7].setup);
    EXPECT_EQ(s[base + 2].setup, s[base + 5].setup);
    EXPECT_NE(s[base].setup, s[base + 2].setup);
    abba += s[base].setup == "A" ? 1 : 0;
  }
  EXPECT_GT(abba, 0);  // the seeded coin chooses both orders over ten cycles
  EXPECT_LT(abba, 10);

  const auto again = SetupComparator(config).abba_schedule("A", "B", kStart, 10);
  ASSERT_EQ(again.size(), schedule.size());
  for (std::size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].setup, schedule[i].setup);
  config.seed = 43;
  const auto other = SetupComparator(config).abba_schedule("A", "B", kStart, 10);
  bool differs = false;
  for (std::size_t i = 0; i < other.size(); ++i) differs |= other[i].setup != schedule[i].setup;
  EXPECT_TRUE(differs);
}

TEST(Setups, NightsNeededAgreesWithTheNormalApproximation) {
  const SetupComparator comparator({});
  // Normal approximation 2 (z_0.975 + z_0.8)^2 (sd / d)^2: 62.8 for sd 2, 15.7 for sd 1; the
  // exact t power needs one or two nights more.
  const int sd2 = comparator.nights_needed(1.0, 2.0);
  const int sd1 = comparator.nights_needed(1.0, 1.0);
  std::printf("nights per setup for a 1-point difference, 80 %% power: SD 1 -> %d, SD 2 -> %d\n",
              sd1, sd2);
  EXPECT_GE(sd2, 63);
  EXPECT_LE(sd2, 66);
  EXPECT_GE(sd1, 16);
  EXPECT_LE(sd1, 18);
  EXPECT_EQ(comparator.nights_needed(0.1, 3.0), 0);  // beyond max_nights_per_setup
  EXPECT_THROW((void)comparator.nights_needed(0.0, 1.0), AssociationError);
}

TEST(Setups, TooFewNightsUseTheDefaultSdAndImpossiblePlansSaySo) {
  const SetupComparator comparator({});
  const auto result = comparator.compare(nights(1, 4.0, 4.0, 1.0, 5), "thin", "thick", kStart);
  ASSERT_TRUE(result.plan.has_value());
  EXPECT_FALSE(result.plan->sd_observed);
  EXPECT_DOUBLE_EQ(result.plan->sd, 2.0);
  for (const auto& d : result.differences) EXPECT_FALSE(d.ci_low.has_value());

  SetupComparatorConfig tiny;
  tiny.target_difference = 0.1;
  const auto hopeless =
      SetupComparator(tiny).compare(nights(10, 4.0, 4.0, 2.0, 5), "thin", "thick", kStart);
  ASSERT_TRUE(hopeless.plan.has_value());
  EXPECT_FALSE(hopeless.plan->feasible);
  EXPECT_TRUE(hopeless.plan->schedule.empty());
  EXPECT_NE(hopeless.plan->sentence.find("choose by comfort"), std::string::npos);

  // A setup with no nights at all still compares (to nothing) without crashing.
  const auto missing = comparator.compare(nights(5, 4.0, 4.0, 1.0, 5), "thin", "body", kStart);
  EXPECT_EQ(missing.b.nights, 0);
  ASSERT_TRUE(missing.plan.has_value());
}

TEST(Setups, WelchIntervalMatchesAHandWorkedExample) {
  std::vector<SetupNight> data;
  int day = 0;
  for (const double v : {1.0, 2.0, 3.0}) {
    data.push_back({kStart + std::chrono::days{day++}, "A", {}, {{"leg", v}}});
  }
  for (const double v : {4.0, 5.0, 6.0, 7.0}) {
    data.push_back({kStart + std::chrono::days{day++}, "B", {}, {{"leg", v}}});
  }
  const auto result = SetupComparator({}).compare(data, "A", "B", kStart);
  ASSERT_EQ(result.differences.size(), 1u);
  const auto& d = result.differences[0];
  EXPECT_DOUBLE_EQ(*d.difference, 3.5);
  EXPECT_NEAR(*d.df, 4.959, 1e-3);  // (1/3 + 5/12)^2 / ((1/3)^2 / 2 + (5/12)^2 / 3)
  // t_0.975(4.959) = 2.5758; se = sqrt(0.75).
  EXPECT_NEAR(*d.ci_low, 3.5 - 2.5758 * std::sqrt(0.75), 2e-3);
  EXPECT_TRUE(d.excludes_zero);
}

TEST(Setups, InvalidInputIsRefusedClearly) {
  const SetupComparator comparator({});
  auto data = nights(5, 4.0, 4.0, 1.0, 5);
  EXPECT_THROW((void)comparator.compare(data, "thin", "thin", kStart), AssociationError);
  EXPECT_THROW((void)comparator.compare(data, "", "thin", kStart), AssociationError);
  auto broken = data;
  broken[2].pain["morning_leg_pain"] = std::numeric_limits<double>::infinity();
  try {
    (void)comparator.summarize(broken);
    FAIL();
  } catch (const AssociationError& error) {
    EXPECT_NE(std::string(error.what()).find("'morning_leg_pain' on night 2026-09-03"),
              std::string::npos)
        << error.what();
  }
  broken = data;
  broken[2].alignment["turns_per_hour"] = 1e300;
  EXPECT_THROW((void)comparator.compare(broken, "thin", "thick", kStart), AssociationError);
  broken = data;
  broken[1].setup.clear();
  EXPECT_THROW((void)comparator.summarize(broken), AssociationError);
  broken = data;
  broken[1].date = broken[0].date;
  EXPECT_THROW((void)comparator.summarize(broken), AssociationError);
  SetupComparatorConfig config;
  config.power = 1.0;
  EXPECT_THROW(SetupComparator{config}, AssociationError);
  config = {};
  config.block_nights = 0;
  EXPECT_THROW(SetupComparator{config}, AssociationError);
}

TEST(Setups, SummariesAndJsonHaveTheStableFields) {
  const SetupComparator comparator(labelled());
  const auto data = nights(10, 4.0, 4.0, 1.2, 11);
  const auto summaries = comparator.summarize(data);
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].setup, "thick");
  EXPECT_EQ(summaries[0].nights, 10);
  EXPECT_EQ(summaries[0].pain.at("morning_leg_pain").n, 10);
  const nlohmann::json j = comparator.compare(data, "thin", "thick", kStart);
  for (const char* field : {"a", "b", "differences", "recommendation", "plan"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_TRUE(j["recommendation"].is_null());
  for (const char* field : {"nights_per_setup", "more_nights_a", "more_nights_b", "schedule",
                            "seed", "sd", "sentence", "feasible"}) {
    EXPECT_TRUE(j["plan"].contains(field)) << field;
  }
  EXPECT_EQ(j["plan"]["schedule"][0]["date"], "2026-09-01");
  EXPECT_EQ(j["a"]["pain"]["morning_leg_pain"]["n"], 10);
}

}  // namespace
}  // namespace pmap::associations
