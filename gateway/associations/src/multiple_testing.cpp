#include "pmap/associations/multiple_testing.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>

#include "pmap/associations/association_error.hpp"

namespace pmap::associations {

std::vector<double> benjamini_hochberg(const std::vector<double>& p) {
  for (const double value : p) {
    if (!(value >= 0.0 && value <= 1.0)) {
      throw AssociationError("benjamini_hochberg: p-value " + std::to_string(value) +
                             " is not in [0, 1]");
    }
  }
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t lhs, std::size_t rhs) { return p[lhs] < p[rhs]; });
  std::vector<double> adjusted(m, 1.0);
  double running_min = 1.0;
  // Step-up: walk from the largest p down, keeping the adjusted values monotone.
  for (std::size_t k = m; k-- > 0;) {
    const double rank = static_cast<double>(k + 1);
    running_min = std::min(running_min, p[order[k]] * static_cast<double>(m) / rank);
    adjusted[order[k]] = std::min(1.0, running_min);
  }
  return adjusted;
}

}  // namespace pmap::associations
