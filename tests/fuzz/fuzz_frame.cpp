// Fuzz target "frame": the wire codec's decoder (pmap/wire_codec.hpp), binary and JSON forms, as
// the gateway gets them from MQTT. Invariants: a decoded frame is well formed; encoding it again
// (binary and JSON) decodes to the same frame; a binary payload that decodes re-encodes to the
// same bytes (the format has no slack: every byte is a checked field).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "fuzz_support.hpp"
#include "pmap/limits.hpp"
#include "pmap/wire_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> payload(data, size);
  const auto result = pmap::decode_frame(payload);
  if (const auto* failure = std::get_if<pmap::DecodeFailure>(&result)) {
    PMAP_FUZZ_CHECK(!pmap::reason_name(failure->error).empty());
    return 0;
  }
  const auto& frame = std::get<pmap::PressureFrame>(result);
  PMAP_FUZZ_CHECK(frame.well_formed());
  PMAP_FUZZ_CHECK(frame.rows > 0 && frame.cols > 0);

  const auto binary = pmap::encode_binary(frame);
  const auto again = pmap::decode_frame(std::span<const std::uint8_t>(binary));
  PMAP_FUZZ_CHECK(std::holds_alternative<pmap::PressureFrame>(again));
  PMAP_FUZZ_CHECK(std::get<pmap::PressureFrame>(again) == frame);
  if (size >= 4 && data[0] == 'P' && data[1] == 'M' && data[2] == 'A' && data[3] == 'P') {
    PMAP_FUZZ_CHECK(std::equal(binary.begin(), binary.end(), payload.begin(), payload.end()));
  }

  const auto json = pmap::encode_json(frame);
  const auto from_json = pmap::decode_frame(std::string_view(json));
  PMAP_FUZZ_CHECK(std::holds_alternative<pmap::PressureFrame>(from_json));
  PMAP_FUZZ_CHECK(std::get<pmap::PressureFrame>(from_json) == frame);
  return 0;
}
