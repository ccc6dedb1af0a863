#pragma once
// Wire protocol v1 frame codec (docs/protocol.md, "frame"). Decoding never throws and never
// trusts a length field: every failure is returned as a DecodeError the caller can count.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pmap/frame.hpp"

namespace pmap {

inline constexpr std::uint8_t kProtocolVersion = 1;
/// First four bytes of every binary frame: "PMAP".
inline constexpr std::uint8_t kFrameMagic[4] = {'P', 'M', 'A', 'P'};

/// Why a payload was not a valid frame. The names (see `reason_name`) are the counter keys the
/// gateway publishes, so they are part of the protocol and must not be renamed.
enum class DecodeError : std::uint8_t {
  kEmpty,            ///< zero-length payload
  kTooLarge,         ///< payload larger than the protocol allows
  kBadMagic,         ///< neither "PMAP" nor a JSON object
  kTruncated,        ///< shorter than the header, or than header + payload + CRC
  kLengthMismatch,   ///< longer than header + payload + CRC
  kBadVersion,       ///< protocol version other than 1
  kBadEncoding,      ///< unknown taxel encoding
  kBadDimensions,    ///< rows or cols zero or over the limits
  kBadCrc,           ///< CRC-32 does not match
  kBadJson,          ///< JSON form: not parseable, or fields missing / of the wrong type
  kValueOutOfRange,  ///< JSON form: a taxel value outside the encoding's range
};

[[nodiscard]] std::string_view reason_name(DecodeError error);

struct DecodeFailure {
  DecodeError error;
  std::string detail;  ///< human-readable, for logs
};

using DecodeResult = std::variant<PressureFrame, DecodeFailure>;

/// Encodes a frame in the binary form (header, taxels, CRC-32). The frame must be well formed
/// and within the limits; values above 255 are clamped when the encoding is kUint8.
[[nodiscard]] std::vector<std::uint8_t> encode_binary(const PressureFrame& frame);

/// Encodes a frame in the JSON form meant for DIY firmware.
[[nodiscard]] std::string encode_json(const PressureFrame& frame);

/// Decodes either form: binary when the payload starts with "PMAP", JSON when it starts with '{'
/// (after optional white space).
[[nodiscard]] DecodeResult decode_frame(std::span<const std::uint8_t> payload);
[[nodiscard]] DecodeResult decode_frame(std::string_view payload);

/// CRC-32 as used on the wire (IEEE 802.3 / zlib polynomial, reflected, init and xorout
/// 0xFFFFFFFF; check value of "123456789" is 0xCBF43926).
[[nodiscard]] std::uint32_t wire_crc32(std::span<const std::uint8_t> bytes);

}  // namespace pmap
