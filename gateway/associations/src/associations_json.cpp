#include "pmap/associations/associations_json.hpp"

#include "text.hpp"

namespace pmap::associations {

namespace {
nlohmann::json number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

void to_json(nlohmann::json& j, const Association& a) {
  j = {{"metric", a.metric},
       {"outcome", a.outcome},
       {"status", std::string(to_string(a.status))},
       {"n", a.n},
       {"effect", number(a.effect)},
       {"ci_low", number(a.ci_low)},
       {"ci_high", number(a.ci_high)},
       {"per", a.status == AssociationStatus::kTested ? nlohmann::json(a.step) : nullptr},
       {"per_text", a.step_phrase},
       {"p", number(a.p)},
       {"p_adjusted", number(a.p_adjusted)},
       {"claimed", a.claimed},
       {"sentence", a.sentence}};
}

void to_json(nlohmann::json& j, const VariableSummary& s) {
  j = {{"n", s.n}, {"mean", number(s.mean)}, {"sd", number(s.sd)}};
}

void to_json(nlohmann::json& j, const SetupSummary& s) {
  j = {{"setup", s.setup}, {"nights", s.nights}, {"alignment", s.alignment}, {"pain", s.pain}};
}

void to_json(nlohmann::json& j, const SetupDifference& d) {
  j = {{"variable", d.variable},
       {"is_pain", d.is_pain},
       {"n_a", d.n_a},
       {"n_b", d.n_b},
       {"difference", number(d.difference)},
       {"ci_low", number(d.ci_low)},
       {"ci_high", number(d.ci_high)},
       {"df", number(d.df)},
       {"p", number(d.p)},
       {"excludes_zero", d.excludes_zero}};
}

void to_json(nlohmann::json& j, const ScheduledNight& n) {
  j = {{"date", detail::iso_date(n.date)}, {"setup", n.setup}};
}

void to_json(nlohmann::json& j, const NOf1Plan& p) {
  j = {{"target_difference", p.target_difference},
       {"sd", p.sd},
       {"sd_observed", p.sd_observed},
       {"power", p.power},
       {"alpha", p.alpha},
       {"feasible", p.feasible},
       {"nights_per_setup", p.nights_per_setup},
       {"more_nights_a", p.more_nights_a},
       {"more_nights_b", p.more_nights_b},
       {"block_nights", p.block_nights},
       {"seed", p.seed},
       {"schedule", p.schedule},
       {"sentence", p.sentence}};
}

void to_json(nlohmann::json& j, const SetupComparison& c) {
  j = {{"a", c.a},
       {"b", c.b},
       {"differences", c.differences},
       {"recommendation",
        c.recommendation ? nlohmann::json(*c.recommendation) : nlohmann::json(nullptr)},
       {"plan", c.plan ? nlohmann::json(*c.plan) : nlohmann::json(nullptr)}};
}

void to_json(nlohmann::json& j, const PainTrend& t) {
  j = {{"window_days", t.window_days},     {"first", detail::iso_date(t.first)},
       {"last", detail::iso_date(t.last)}, {"n", t.n},
       {"mean", number(t.mean)},           {"slope_per_week", number(t.slope_per_week)},
       {"ci_low", number(t.ci_low)},       {"ci_high", number(t.ci_high)}};
}

}  // namespace pmap::associations
