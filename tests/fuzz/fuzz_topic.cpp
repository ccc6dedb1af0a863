// Fuzz target "topic": MQTT topic names (pmap/topics.hpp, parse_topic), which come from whoever
// may publish on the broker. Invariant: an accepted topic has a valid mat id and is exactly the
// topic the codec builds for that mat and channel.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/topics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = pmap::fuzz::as_text(data, size);
  const auto parsed = pmap::parse_topic(text);
  if (!parsed) return 0;
  PMAP_FUZZ_CHECK(pmap::is_valid_mat_id(parsed->mat_id));
  PMAP_FUZZ_CHECK(pmap::topic(parsed->mat_id, parsed->channel) == text);
  return 0;
}
