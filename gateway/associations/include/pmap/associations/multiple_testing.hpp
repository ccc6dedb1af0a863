#pragma once
// Benjamini-Hochberg adjusted p-values (step-up; controls the false discovery rate for
// independent or positively dependent tests, which pain outcomes and posture measures are).
#include <vector>

namespace pmap::associations {

/// adjusted[i] = min over j with p_(j) >= p_i of min(1, m * p_(j) / rank(j)). Same order as the
/// input. Throws AssociationError for a p outside [0, 1] or NaN.
[[nodiscard]] std::vector<double> benjamini_hochberg(const std::vector<double>& p);

}  // namespace pmap::associations
