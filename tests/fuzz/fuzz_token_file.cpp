// Fuzz target "token_file": the API's bearer-token file (api_token_file, docs/api.md), read by
// pmap::api::read_token_file as the gateway and pmapctl read it. The input is the file's bytes.
//
// Invariants: either ApiConfigError with a message naming api_token_file, or a token of 16-256
// characters of the RFC 6750 token68 alphabet that is the file's first line without surrounding
// blanks (so a token never carries a newline, a space or a NUL into a comparison or a header).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "pmap/api/api_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = pmap::fuzz::write_scratch("api.token", data, size);
  std::string token;
  try {
    token = pmap::api::read_token_file(path.string());
  } catch (const pmap::api::ApiConfigError& e) {
    PMAP_FUZZ_CHECK(std::string_view(e.what()).starts_with("api_token_file: "));
    return 0;
  }
  PMAP_FUZZ_CHECK(token.size() >= 16 && token.size() <= 256);
  PMAP_FUZZ_CHECK(std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~+/=").find(c) != std::string_view::npos;
  }));
  // The first line, trimmed: the token occurs in it, and only blanks surround it.
  const std::string_view text = pmap::fuzz::as_text(data, size);
  const std::string_view first_line = text.substr(0, text.find('\n'));
  const auto at = first_line.find(token);
  PMAP_FUZZ_CHECK(at != std::string_view::npos);
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  PMAP_FUZZ_CHECK(
      std::all_of(first_line.begin(), first_line.begin() + static_cast<std::ptrdiff_t>(at), blank));
  PMAP_FUZZ_CHECK(std::all_of(first_line.begin() + static_cast<std::ptrdiff_t>(at + token.size()),
                              first_line.end(), blank));
  return 0;
}
