// Fuzz target "gateway_config": pmap-gateway's JSON config file (pmap/gateway_config.hpp,
// load_config_text, what load_config_file runs on the file's text). Invariants: a bad file is a
// ConfigError and nothing else; an accepted config, given back key by key as command-line text
// (apply_config_text, what --key VALUE does), is the same config.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pmap/gateway_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pmap::GatewayConfig config;
  try {
    pmap::load_config_text(config, pmap::fuzz::as_text(data, size), "fuzz.json");
  } catch (const pmap::ConfigError& e) {
    PMAP_FUZZ_CHECK(e.what()[0] != '\0');
    return 0;
  }
  pmap::GatewayConfig copy;
  for (const auto& key : pmap::config_keys()) {
    try {
      pmap::apply_config_text(copy, key.name, key.get(config));
    } catch (const pmap::ConfigError& e) {
      pmap::fuzz::fail(__FILE__, __LINE__, e.what());
    }
  }
  PMAP_FUZZ_CHECK(pmap::config_to_json(copy) == pmap::config_to_json(config));
  return 0;
}
