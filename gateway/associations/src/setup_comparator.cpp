#include "pmap/associations/setup_comparator.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <set>
#include <utility>

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "pmap/associations/association_error.hpp"
#include "text.hpp"

namespace pmap::associations {

namespace {

using Values = std::map<std::string, std::optional<double>>;

void validate(const std::vector<SetupNight>& nights) {
  std::set<std::chrono::sys_days> dates;
  for (const auto& night : nights) {
    const std::string when = detail::iso_date(night.date);
    if (night.setup.empty()) throw AssociationError("night " + when + " has no setup name");
    if (!dates.insert(night.date).second) {
      throw AssociationError("night " + when + " is given twice");
    }
    for (const Values* values : {&night.alignment, &night.pain}) {
      for (const auto& [name, value] : *values) {
        if (value && !(std::abs(*value) <= kMaxAbsValue)) {  // also catches NaN
          throw AssociationError("'" + name + "' on night " + when +
                                 " is not a finite number of at most 1e9 in size");
        }
      }
    }
  }
}

std::vector<double> collect(const std::vector<SetupNight>& nights, const std::string& setup,
                            const std::string& variable, bool pain) {
  std::vector<double> out;
  for (const auto& night : nights) {
    if (night.setup != setup) continue;
    const Values& values = pain ? night.pain : night.alignment;
    const auto it = values.find(variable);
    if (it != values.end() && it->second) out.push_back(*it->second);
  }
  return out;
}

struct Moments {
  int n = 0;
  double mean = 0.0;
  double var = 0.0;  // sample variance, n - 1
};

Moments moments(const std::vector<double>& v) {
  Moments m;
  m.n = static_cast<int>(v.size());
  if (m.n == 0) return m;
  for (const double x : v) m.mean += x;
  m.mean /= m.n;
  if (m.n < 2) return m;
  for (const double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= m.n - 1;
  return m;
}

VariableSummary summary_of(const std::vector<double>& v) {
  const Moments m = moments(v);
  VariableSummary s;
  s.n = m.n;
  if (m.n >= 1) s.mean = m.mean;
  if (m.n >= 2) s.sd = std::sqrt(m.var);
  return s;
}

SetupSummary summarize_one(const std::vector<SetupNight>& nights, const std::string& setup) {
  SetupSummary summary;
  summary.setup = setup;
  std::set<std::string> alignment;
  std::set<std::string> pain;
  for (const auto& night : nights) {
    if (night.setup != setup) continue;
    ++summary.nights;
    for (const auto& entry : night.alignment) alignment.insert(entry.first);
    for (const auto& entry : night.pain) pain.insert(entry.first);
  }
  for (const auto& name : alignment) {
    summary.alignment[name] = summary_of(collect(nights, setup, name, false));
  }
  for (const auto& name : pain) summary.pain[name] = summary_of(collect(nights, setup, name, true));
  return summary;
}

SetupDifference welch(const std::string& variable, bool is_pain, const std::vector<double>& a,
                      const std::vector<double>& b, double alpha) {
  SetupDifference d;
  d.variable = variable;
  d.is_pain = is_pain;
  const Moments ma = moments(a);
  const Moments mb = moments(b);
  d.n_a = ma.n;
  d.n_b = mb.n;
  if (ma.n == 0 || mb.n == 0) return d;
  d.difference = mb.mean - ma.mean;
  if (ma.n < 2 || mb.n < 2) return d;
  const double va = ma.var / ma.n;
  const double vb = mb.var / mb.n;
  const double se = std::sqrt(va + vb);
  // Both setups constant: no variation to judge a difference against.
  if (!(se > 0.0)) return d;
  const double df = (va + vb) * (va + vb) / (va * va / (ma.n - 1) + vb * vb / (mb.n - 1));
  const boost::math::students_t t_dist(df);
  const double t_crit = boost::math::quantile(boost::math::complement(t_dist, alpha / 2.0));
  d.df = df;
  d.ci_low = *d.difference - t_crit * se;
  d.ci_high = *d.difference + t_crit * se;
  d.p = std::min(
      1.0, 2.0 * boost::math::cdf(boost::math::complement(t_dist, std::abs(*d.difference) / se)));
  d.excludes_zero = *d.ci_low > 0.0 || *d.ci_high < 0.0;
  return d;
}

std::string pain_phrase(const SetupComparatorConfig& config, const std::string& variable) {
  const auto it = config.pain_labels.find(variable);
  return it == config.pain_labels.end() || it->second.phrase.empty() ? variable : it->second.phrase;
}

}  // namespace

SetupComparator::SetupComparator(SetupComparatorConfig config) : config_(std::move(config)) {
  if (!(config_.target_difference > 0.0) || !std::isfinite(config_.target_difference)) {
    throw AssociationError("target_difference must be a finite number > 0");
  }
  if (!(config_.power > 0.5 && config_.power < 1.0)) {
    throw AssociationError("power must be in (0.5, 1)");
  }
  if (!(config_.alpha > 0.0 && config_.alpha < 0.5)) {
    throw AssociationError("alpha must be in (0, 0.5)");
  }
  if (!(config_.default_sd > 0.0) || !std::isfinite(config_.default_sd)) {
    throw AssociationError("default_sd must be a finite number > 0");
  }
  if (config_.block_nights < 1 || config_.block_nights > 14) {
    throw AssociationError("block_nights must be 1-14");
  }
  if (config_.max_nights_per_setup < 2 || config_.max_nights_per_setup > 1000) {
    throw AssociationError("max_nights_per_setup must be 2-1000");
  }
}

std::vector<SetupSummary> SetupComparator::summarize(const std::vector<SetupNight>& nights) const {
  validate(nights);
  std::set<std::string> setups;
  for (const auto& night : nights) setups.insert(night.setup);
  std::vector<SetupSummary> out;
  for (const auto& setup : setups) out.push_back(summarize_one(nights, setup));
  return out;
}

int SetupComparator::nights_needed(double difference, double sd) const {
  if (!(difference > 0.0) || !(sd > 0.0) || !std::isfinite(difference) || !std::isfinite(sd)) {
    throw AssociationError("nights_needed: difference and sd must be finite numbers > 0");
  }
  // Exact power of the two-sided two-sample t test with n nights per setup: the statistic follows
  // a non-central t with 2n - 2 df and non-centrality difference / (sd * sqrt(2 / n)).
  for (int n = 2; n <= config_.max_nights_per_setup; ++n) {
    const double df = 2.0 * n - 2.0;
    const double ncp = difference / (sd * std::sqrt(2.0 / n));
    const boost::math::students_t central(df);
    const double t_crit =
        boost::math::quantile(boost::math::complement(central, config_.alpha / 2));
    const boost::math::non_central_t shifted(df, ncp);
    const double power = boost::math::cdf(boost::math::complement(shifted, t_crit)) +
                         boost::math::cdf(shifted, -t_crit);
    if (power >= config_.power) return n;
  }
  return 0;
}

std::vector<ScheduledNight> SetupComparator::abba_schedule(const std::string& a,
                                                           const std::string& b,
                                                           std::chrono::sys_days from,
                                                           int cycles) const {
  // std::mt19937_64's output sequence is fixed by the standard (unlike the std distributions),
  // so one raw bit per cycle gives the same schedule on every platform.
  std::mt19937_64 engine(config_.seed);
  std::vector<ScheduledNight> schedule;
  auto day = from;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const bool a_first = (engine() >> 63) == 0;
    const std::string& first = a_first ? a : b;
    const std::string& second = a_first ? b : a;
    for (const std::string* setup : {&first, &second, &second, &first}) {
      for (int night = 0; night < config_.block_nights; ++night) {
        schedule.push_back({day, *setup});
        day += std::chrono::days{1};
      }
    }
  }
  return schedule;
}

SetupComparison SetupComparator::compare(const std::vector<SetupNight>& nights,
                                         const std::string& a, const std::string& b,
                                         std::chrono::sys_days plan_from) const {
  validate(nights);
  if (a.empty() || b.empty()) throw AssociationError("compare: setup names must not be empty");
  if (a == b) throw AssociationError("compare: '" + a + "' cannot be compared with itself");
  SetupComparison result;
  result.a = summarize_one(nights, a);
  result.b = summarize_one(nights, b);

  for (const bool pain : {false, true}) {
    std::set<std::string> names;
    for (const SetupSummary* s : {&result.a, &result.b}) {
      for (const auto& entry : pain ? s->pain : s->alignment) names.insert(entry.first);
    }
    for (const auto& name : names) {
      result.differences.push_back(welch(name, pain, collect(nights, a, name, pain),
                                         collect(nights, b, name, pain), config_.alpha));
    }
  }

  // A recommendation only from pain intervals that exclude zero.
  std::string advice;
  std::set<std::string> better;
  for (const auto& d : result.differences) {
    if (!d.is_pain || !d.excludes_zero) continue;
    const bool b_lower = *d.difference < 0.0;
    const std::string& winner = b_lower ? b : a;
    const std::string& loser = b_lower ? a : b;
    better.insert(winner);
    advice += "With setup " + winner + " your " + pain_phrase(config_, d.variable) +
              " was lower than with setup " + loser + " by " +
              detail::plain_1(std::abs(*d.difference)) + " points (95 % interval " +
              detail::plain_1(b_lower ? -*d.ci_high : *d.ci_low) + " to " +
              detail::plain_1(b_lower ? -*d.ci_low : *d.ci_high) + "; " + std::to_string(d.n_a) +
              " nights with " + a + ", " + std::to_string(d.n_b) + " with " + b + "). ";
  }
  if (!better.empty()) {
    if (better.size() == 1) {
      advice += "Prefer setup " + *better.begin() +
                ". The nights were not randomised, so other changes may explain part of the "
                "difference.";
    } else {
      advice +=
          "The setups differ in opposite directions for different pains; choose by the pain that "
          "matters more to you.";
    }
    result.recommendation = advice;
    return result;
  }

  NOf1Plan plan;
  plan.target_difference = config_.target_difference;
  plan.power = config_.power;
  plan.alpha = config_.alpha;
  plan.block_nights = config_.block_nights;
  plan.seed = config_.seed;
  // The pooled night-to-night SD of each pain variable; the largest one plans for the noisiest.
  double sd = 0.0;
  int have_a = 0;
  int have_b = 0;
  for (const auto& d : result.differences) {
    if (!d.is_pain) continue;
    have_a = std::max(have_a, d.n_a);
    have_b = std::max(have_b, d.n_b);
    if (d.n_a < 2 || d.n_b < 2) continue;
    const Moments ma = moments(collect(nights, a, d.variable, true));
    const Moments mb = moments(collect(nights, b, d.variable, true));
    const double pooled =
        std::sqrt(((ma.n - 1) * ma.var + (mb.n - 1) * mb.var) / (ma.n + mb.n - 2));
    sd = std::max(sd, pooled);
    plan.sd_observed = true;
  }
  // Whole-point pain scores vary by at least their rounding; never plan with less than 0.5.
  plan.sd = plan.sd_observed ? std::max(sd, 0.5) : config_.default_sd;
  plan.nights_per_setup = nights_needed(plan.target_difference, plan.sd);
  plan.feasible = plan.nights_per_setup > 0;
  const std::string target = detail::plain_1(plan.target_difference);
  if (!plan.feasible) {
    plan.sentence = "The nights so far cannot tell setups " + a + " and " + b +
                    " apart, and telling a difference of " + target +
                    " points from the night-to-night variation (SD " + detail::plain_1(plan.sd) +
                    ") would take more than " + std::to_string(config_.max_nights_per_setup) +
                    " nights each: choose by comfort.";
    result.plan = plan;
    return result;
  }
  plan.more_nights_a = std::max(0, plan.nights_per_setup - have_a);
  plan.more_nights_b = std::max(0, plan.nights_per_setup - have_b);
  const int more = std::max(plan.more_nights_a, plan.more_nights_b);
  const int per_cycle = 2 * config_.block_nights;  // nights per setup in one ABBA cycle
  plan.schedule = abba_schedule(a, b, plan_from, (more + per_cycle - 1) / per_cycle);
  if (more == 0) {
    plan.sentence = "With " + std::to_string(have_a) + " nights with " + a + " and " +
                    std::to_string(have_b) + " with " + b + ", a difference of " + target +
                    " points in next-morning pain would most likely have shown, and none did: "
                    "the setups look about equal for your pain, so choose by comfort.";
  } else {
    plan.sentence =
        "The nights so far cannot tell setups " + a + " and " + b + " apart (" +
        std::to_string(have_a) + " nights with " + a + ", " + std::to_string(have_b) + " with " +
        b + "). To detect a difference of " + target + " points in next-morning pain with " +
        std::to_string(static_cast<int>(std::lround(plan.power * 100))) +
        " % power, each setup needs about " + std::to_string(plan.nights_per_setup) +
        " nights: " + std::to_string(plan.more_nights_a) + " more with " + a + " and " +
        std::to_string(plan.more_nights_b) + " more with " + b + ". Follow the schedule (" +
        std::to_string(plan.schedule.size()) + " nights, " + std::to_string(config_.block_nights) +
        " at a time on one setup) from " + detail::iso_date(plan_from) + ".";
  }
  result.plan = plan;
  return result;
}

}  // namespace pmap::associations
