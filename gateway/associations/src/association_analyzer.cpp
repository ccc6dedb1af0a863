#include "pmap/associations/association_analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <set>
#include <utility>

#include "pmap/associations/association_error.hpp"
#include "pmap/associations/multiple_testing.hpp"
#include "slope_fit.hpp"
#include "text.hpp"

namespace pmap::associations {

std::string_view to_string(AssociationStatus status) {
  switch (status) {
    case AssociationStatus::kTested:
      return "tested";
    case AssociationStatus::kTooFewDays:
      return "too_few_days";
    case AssociationStatus::kConstantMeasure:
      return "constant_measure";
    case AssociationStatus::kConstantOutcome:
      return "constant_outcome";
  }
  return "unknown";
}

namespace {

using Values = std::map<std::string, std::optional<double>>;

void check_finite(const Values& values, std::chrono::sys_days date, const char* kind) {
  for (const auto& [name, value] : values) {
    if (value && !(std::abs(*value) <= kMaxAbsValue)) {  // also catches NaN
      throw AssociationError(std::string(kind) + " '" + name + "' on " + detail::iso_date(date) +
                             " is not a finite number of at most 1e9 in size");
    }
  }
}

std::optional<double> lookup(const Values& values, const std::string& name) {
  const auto it = values.find(name);
  return it == values.end() ? std::nullopt : it->second;
}

std::string phrase_of(const std::map<std::string, VariableLabel>& labels, const std::string& name) {
  const auto it = labels.find(name);
  return it == labels.end() || it->second.phrase.empty() ? name : it->second.phrase;
}

std::string interval_text(const Association& a) {
  return detail::signed_1(*a.effect) + " points per " + a.step_phrase + " (95 % interval " +
         detail::signed_1(*a.ci_low) + " to " + detail::signed_1(*a.ci_high) +
         "; n = " + std::to_string(a.n) + ")";
}

}  // namespace

AssociationAnalyzer::AssociationAnalyzer(AssociationConfig config) : config_(std::move(config)) {
  // Four days leave two degrees of freedom: below that an interval is meaningless.
  if (config_.min_days < 4) {
    throw AssociationError("min_days must be at least 4, got " + std::to_string(config_.min_days));
  }
  if (!(config_.fdr > 0.0 && config_.fdr < 1.0)) {
    throw AssociationError("fdr must be in (0, 1), got " + std::to_string(config_.fdr));
  }
  for (const auto& [name, label] : config_.measures) {
    if (!std::isfinite(label.step) || label.step < 0.0) {
      throw AssociationError("measure '" + name + "': step must be a finite number >= 0");
    }
    if (label.step > 0.0 && label.step_phrase.empty()) {
      throw AssociationError("measure '" + name +
                             "': a step needs a step_phrase such as \"30 min\"");
    }
  }
}

std::vector<Association> AssociationAnalyzer::analyze(const std::vector<DayRecord>& days) const {
  std::vector<const DayRecord*> sorted;
  sorted.reserve(days.size());
  std::set<std::string> metric_names;
  std::set<std::string> outcome_names;
  for (const auto& day : days) {
    check_finite(day.measures, day.date, "measure");
    check_finite(day.outcomes, day.date, "outcome");
    for (const auto& entry : day.measures) metric_names.insert(entry.first);
    for (const auto& entry : day.outcomes) outcome_names.insert(entry.first);
    sorted.push_back(&day);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const DayRecord* lhs, const DayRecord* rhs) { return lhs->date < rhs->date; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->date == sorted[i - 1]->date) {
      throw AssociationError("day " + detail::iso_date(sorted[i]->date) + " is given twice");
    }
  }

  std::vector<Association> results;
  for (const auto& metric : metric_names) {
    for (const auto& outcome : outcome_names) {
      if (config_.pair_filter && !config_.pair_filter(metric, outcome)) continue;
      std::vector<double> x;
      std::vector<double> y;
      std::vector<long> day_number;
      for (const DayRecord* day : sorted) {
        const auto xv = lookup(day->measures, metric);
        const auto yv = lookup(day->outcomes, outcome);
        if (!xv || !yv) continue;
        x.push_back(*xv);
        y.push_back(*yv);
        day_number.push_back(static_cast<long>(day->date.time_since_epoch().count()));
      }
      Association a;
      a.metric = metric;
      a.outcome = outcome;
      a.n = static_cast<int>(x.size());
      if (a.n < config_.min_days) {
        a.status = AssociationStatus::kTooFewDays;
        results.push_back(std::move(a));
        continue;
      }
      const auto result = detail::fit_slope(x, y, day_number);
      if (!result.fit) {
        a.status = *result.problem == detail::FitProblem::kConstantY
                       ? AssociationStatus::kConstantOutcome
                       : AssociationStatus::kConstantMeasure;
        results.push_back(std::move(a));
        continue;
      }
      const auto& fit = *result.fit;
      const auto label = config_.measures.find(metric);
      if (label != config_.measures.end() && label->second.step > 0.0) {
        a.step = label->second.step;
        a.step_phrase = label->second.step_phrase;
      } else {
        a.step = fit.sd_x;
        a.step_phrase = "standard deviation (" + detail::sig_3(fit.sd_x) + ")";
      }
      a.status = AssociationStatus::kTested;
      a.effect = fit.slope * a.step;
      a.ci_low = fit.ci_low * a.step;
      a.ci_high = fit.ci_high * a.step;
      a.p = fit.p;
      results.push_back(std::move(a));
    }
  }

  // The family: every pair tested in this call.
  std::vector<double> p;
  for (const auto& a : results) {
    if (a.p) p.push_back(*a.p);
  }
  const auto adjusted = benjamini_hochberg(p);
  const int family = static_cast<int>(p.size());
  std::size_t k = 0;
  for (auto& a : results) {
    const std::string measure = phrase_of(config_.measures, a.metric);
    const std::string outcome = phrase_of(config_.outcomes, a.outcome);
    const std::string cannot_tell =
        "The data cannot tell yet whether " + measure + " goes with " + outcome + ": ";
    switch (a.status) {
      case AssociationStatus::kTooFewDays:
        a.sentence = cannot_tell + "only " + std::to_string(a.n) +
                     " days have both values and at least " + std::to_string(config_.min_days) +
                     " are needed.";
        continue;
      case AssociationStatus::kConstantMeasure:
        a.sentence = cannot_tell + measure + " was the same on all " + std::to_string(a.n) +
                     " days with both values.";
        continue;
      case AssociationStatus::kConstantOutcome:
        a.sentence = cannot_tell + outcome + " was the same on all " + std::to_string(a.n) +
                     " days with both values.";
        continue;
      case AssociationStatus::kTested:
        break;
    }
    a.p_adjusted = adjusted[k++];
    const bool excludes_zero = *a.ci_low > 0.0 || *a.ci_high < 0.0;
    a.claimed = a.n >= config_.min_days && excludes_zero && *a.p_adjusted <= config_.fdr;
    if (a.claimed) {
      a.sentence = "On the " + std::to_string(a.n) + " days with both values, when " + measure +
                   " was higher, " + outcome + " was " + (*a.effect > 0.0 ? "higher" : "lower") +
                   ": " + interval_text(a) + ". This is an association, not proof of cause.";
    } else if (excludes_zero) {
      a.sentence = cannot_tell + interval_text(a) + ", which is not convincing once the " +
                   std::to_string(family) + " links tested are taken into account.";
    } else {
      a.sentence = cannot_tell + interval_text(a) + "; the interval still includes zero (no link).";
    }
  }
  return results;
}

}  // namespace pmap::associations
