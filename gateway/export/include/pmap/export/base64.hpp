#pragma once
// Base64 (RFC 4648 §4, standard alphabet, '=' padding, no line breaks) for raw frame blobs in the
// export (docs/export.md, "--raw").
#include <cstdint>
#include <span>
#include <string>

namespace pmap::data_export {

/// The Base64 text of `bytes`.
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);

}  // namespace pmap::data_export
