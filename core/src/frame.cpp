#include "pmap/frame.hpp"

#include <algorithm>

namespace pmap {

bool PressureFrame::well_formed() const {
  if (values.size() != taxel_count()) return false;
  if (encoding == TaxelEncoding::kUint8) {
    return std::all_of(values.begin(), values.end(), [](std::uint16_t v) { return v <= 0xFF; });
  }
  return encoding == TaxelEncoding::kUint16;
}

}  // namespace pmap
