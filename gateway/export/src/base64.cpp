#include "pmap/export/base64.hpp"

#include <string_view>

namespace pmap::data_export {

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  // Whole groups: three bytes make four 6-bit digits.
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16U) |
                                (std::uint32_t{bytes[i + 1]} << 8U) | std::uint32_t{bytes[i + 2]};
    out += kAlphabet[(group >> 18U) & 63U];
    out += kAlphabet[(group >> 12U) & 63U];
    out += kAlphabet[(group >> 6U) & 63U];
    out += kAlphabet[group & 63U];
  }
  // One or two bytes left: pad the group with zero bits, and the text with '='.
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    std::uint32_t group = std::uint32_t{bytes[i]} << 16U;
    if (left == 2) group |= std::uint32_t{bytes[i + 1]} << 8U;
    out += kAlphabet[(group >> 18U) & 63U];
    out += kAlphabet[(group >> 12U) & 63U];
    out += left == 2 ? kAlphabet[(group >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

}  // namespace pmap::data_export
