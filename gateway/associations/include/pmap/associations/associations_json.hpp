#pragma once
// JSON forms of every result (nlohmann::json; field names are stable, see docs/reports.md).
// Missing numbers are null; dates are "YYYY-MM-DD".
#include <nlohmann/json.hpp>

#include "pmap/associations/association.hpp"
#include "pmap/associations/n_of_1_plan.hpp"
#include "pmap/associations/pain_trend.hpp"
#include "pmap/associations/setup_comparison.hpp"
#include "pmap/associations/setup_summary.hpp"

namespace pmap::associations {

void to_json(nlohmann::json& j, const Association& a);
void to_json(nlohmann::json& j, const VariableSummary& s);
void to_json(nlohmann::json& j, const SetupSummary& s);
void to_json(nlohmann::json& j, const SetupDifference& d);
void to_json(nlohmann::json& j, const ScheduledNight& n);
void to_json(nlohmann::json& j, const NOf1Plan& p);
void to_json(nlohmann::json& j, const SetupComparison& c);
void to_json(nlohmann::json& j, const PainTrend& t);

}  // namespace pmap::associations
