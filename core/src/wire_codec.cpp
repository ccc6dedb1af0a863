#include "pmap/wire_codec.hpp"

#include <algorithm>
#include <boost/crc.hpp>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "pmap/limits.hpp"

namespace pmap {
namespace {

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint16_t get_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (static_cast<unsigned>(p[1]) << 8));
}
std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

DecodeFailure fail(DecodeError e, std::string detail) {
  return {e, std::move(detail)};
}

bool dimensions_ok(std::uint64_t rows, std::uint64_t cols) {
  return rows >= 1 && cols >= 1 && rows <= kMaxRows && cols <= kMaxCols &&
         rows * cols <= kMaxTaxels;
}

std::string dims_text(std::uint64_t rows, std::uint64_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols) + " (limits " +
         std::to_string(kMaxRows) + "x" + std::to_string(kMaxCols) + ", " +
         std::to_string(kMaxTaxels) + " taxels)";
}

DecodeResult decode_binary(std::span<const std::uint8_t> p) {
  if (p.size() > kMaxBinaryFrameBytes) {
    return fail(DecodeError::kTooLarge,
                std::to_string(p.size()) + " bytes > " + std::to_string(kMaxBinaryFrameBytes));
  }
  if (p.size() < kBinaryHeaderSize + kCrcSize) {
    return fail(DecodeError::kTruncated,
                std::to_string(p.size()) + " bytes, shorter than header + CRC");
  }
  const std::uint8_t version = p[4];
  if (version != kProtocolVersion) {
    return fail(DecodeError::kBadVersion, "version " + std::to_string(version));
  }
  const std::uint8_t enc = p[5];
  if (enc != static_cast<std::uint8_t>(TaxelEncoding::kUint16) &&
      enc != static_cast<std::uint8_t>(TaxelEncoding::kUint8)) {
    return fail(DecodeError::kBadEncoding, "encoding " + std::to_string(enc));
  }
  const auto encoding = static_cast<TaxelEncoding>(enc);
  const std::uint16_t rows = get_u16(&p[20]);
  const std::uint16_t cols = get_u16(&p[22]);
  if (!dimensions_ok(rows, cols)) {
    return fail(DecodeError::kBadDimensions, dims_text(rows, cols));
  }
  const std::size_t bytes_per_taxel = encoding == TaxelEncoding::kUint16 ? 2 : 1;
  const std::size_t expected =
      kBinaryHeaderSize + std::size_t{rows} * cols * bytes_per_taxel + kCrcSize;
  if (p.size() < expected) {
    return fail(DecodeError::kTruncated,
                std::to_string(p.size()) + " bytes, " + std::to_string(expected) + " expected");
  }
  if (p.size() > expected) {
    return fail(DecodeError::kLengthMismatch,
                std::to_string(p.size()) + " bytes, " + std::to_string(expected) + " expected");
  }
  const std::uint32_t crc_wire = get_u32(&p[expected - kCrcSize]);
  const std::uint32_t crc_calc = wire_crc32(p.first(expected - kCrcSize));
  if (crc_wire != crc_calc) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "crc 0x%08x, computed 0x%08x", crc_wire, crc_calc);
    return fail(DecodeError::kBadCrc, buf);
  }
  PressureFrame f;
  f.sequence = get_u32(&p[8]);
  f.timestamp_us = static_cast<std::int64_t>(get_u64(&p[12]));
  f.rows = rows;
  f.cols = cols;
  f.encoding = encoding;
  f.values.resize(f.taxel_count());
  const std::uint8_t* data = &p[kBinaryHeaderSize];
  if (encoding == TaxelEncoding::kUint16) {
    for (std::size_t i = 0; i < f.values.size(); ++i) f.values[i] = get_u16(data + 2 * i);
  } else {
    std::copy(data, data + f.values.size(), f.values.begin());
  }
  return f;
}

DecodeResult decode_json(std::string_view text) {
  if (text.size() > kMaxJsonFrameBytes) {
    return fail(DecodeError::kTooLarge,
                std::to_string(text.size()) + " bytes > " + std::to_string(kMaxJsonFrameBytes));
  }
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(DecodeError::kBadJson, "not a JSON object");
  }
  auto uint_field = [&](const char* name, std::uint64_t max,
                        std::uint64_t& out) -> std::optional<DecodeFailure> {
    const auto it = doc.find(name);
    if (it == doc.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > max) {
      return fail(DecodeError::kBadJson,
                  std::string("field '") + name +
                      "' missing or not an unsigned integer <= " + std::to_string(max));
    }
    out = it->get<std::uint64_t>();
    return std::nullopt;
  };
  std::uint64_t version = 0, seq = 0, ts = 0, rows = 0, cols = 0;
  if (auto e = uint_field("v", 255, version)) return *e;
  if (version != kProtocolVersion) {
    return fail(DecodeError::kBadVersion, "version " + std::to_string(version));
  }
  if (auto e = uint_field("seq", 0xFFFFFFFFull, seq)) return *e;
  if (auto e = uint_field("ts_us", static_cast<std::uint64_t>(INT64_MAX), ts)) return *e;
  if (auto e = uint_field("rows", 0xFFFF, rows)) return *e;
  if (auto e = uint_field("cols", 0xFFFF, cols)) return *e;
  if (!dimensions_ok(rows, cols)) return fail(DecodeError::kBadDimensions, dims_text(rows, cols));
  TaxelEncoding encoding = TaxelEncoding::kUint16;
  if (const auto it = doc.find("encoding"); it != doc.end()) {
    if (*it == "u16") {
      encoding = TaxelEncoding::kUint16;
    } else if (*it == "u8") {
      encoding = TaxelEncoding::kUint8;
    } else {
      return fail(DecodeError::kBadEncoding, "encoding must be \"u16\" or \"u8\"");
    }
  }
  const auto values = doc.find("values");
  if (values == doc.end() || !values->is_array()) {
    return fail(DecodeError::kBadJson, "field 'values' missing or not an array");
  }
  if (values->size() != rows * cols) {
    return fail(DecodeError::kLengthMismatch, std::to_string(values->size()) + " values, " +
                                                  std::to_string(rows * cols) + " expected");
  }
  const std::uint64_t max_value = encoding == TaxelEncoding::kUint16 ? 0xFFFF : 0xFF;
  PressureFrame f;
  f.sequence = static_cast<std::uint32_t>(seq);
  f.timestamp_us = static_cast<std::int64_t>(ts);
  f.rows = static_cast<std::uint16_t>(rows);
  f.cols = static_cast<std::uint16_t>(cols);
  f.encoding = encoding;
  f.values.reserve(values->size());
  for (const auto& v : *values) {
    if (!v.is_number_unsigned()) {
      return fail(DecodeError::kValueOutOfRange,
                  "value #" + std::to_string(f.values.size()) + " is not an unsigned integer");
    }
    if (v.get<std::uint64_t>() > max_value) {
      return fail(DecodeError::kValueOutOfRange, "value #" + std::to_string(f.values.size()) +
                                                     " exceeds " + std::to_string(max_value));
    }
    f.values.push_back(static_cast<std::uint16_t>(v.get<std::uint64_t>()));
  }
  return f;
}

}  // namespace

std::string_view reason_name(DecodeError error) {
  switch (error) {
    case DecodeError::kEmpty:
      return "empty";
    case DecodeError::kTooLarge:
      return "too_large";
    case DecodeError::kBadMagic:
      return "bad_magic";
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kLengthMismatch:
      return "length_mismatch";
    case DecodeError::kBadVersion:
      return "bad_version";
    case DecodeError::kBadEncoding:
      return "bad_encoding";
    case DecodeError::kBadDimensions:
      return "bad_dimensions";
    case DecodeError::kBadCrc:
      return "bad_crc";
    case DecodeError::kBadJson:
      return "bad_json";
    case DecodeError::kValueOutOfRange:
      return "value_out_of_range";
  }
  return "unknown";
}

std::uint32_t wire_crc32(std::span<const std::uint8_t> bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::vector<std::uint8_t> encode_binary(const PressureFrame& frame) {
  const bool u8 = frame.encoding == TaxelEncoding::kUint8;
  std::vector<std::uint8_t> out;
  out.reserve(kBinaryHeaderSize + frame.values.size() * (u8 ? 1 : 2) + kCrcSize);
  for (const std::uint8_t m : kFrameMagic) out.push_back(m);
  out.push_back(kProtocolVersion);
  out.push_back(static_cast<std::uint8_t>(frame.encoding));
  put_u16(out, 0);  // flags: reserved
  put_u32(out, frame.sequence);
  put_u64(out, static_cast<std::uint64_t>(frame.timestamp_us));
  put_u16(out, frame.rows);
  put_u16(out, frame.cols);
  for (const std::uint16_t v : frame.values) {
    if (u8) {
      out.push_back(static_cast<std::uint8_t>(std::min<std::uint16_t>(v, 0xFF)));
    } else {
      put_u16(out, v);
    }
  }
  put_u32(out, wire_crc32(out));
  return out;
}

std::string encode_json(const PressureFrame& frame) {
  nlohmann::json doc{{"v", kProtocolVersion},
                     {"seq", frame.sequence},
                     {"ts_us", frame.timestamp_us},
                     {"rows", frame.rows},
                     {"cols", frame.cols},
                     {"encoding", frame.encoding == TaxelEncoding::kUint8 ? "u8" : "u16"},
                     {"values", frame.values}};
  return doc.dump();
}

DecodeResult decode_frame(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return fail(DecodeError::kEmpty, "zero-length payload");
  if (payload.size() >= 4 &&
      std::equal(std::begin(kFrameMagic), std::end(kFrameMagic), payload.begin())) {
    return decode_binary(payload);
  }
  // JSON form: first non-blank character is '{'. Look only at a bounded prefix.
  for (std::size_t i = 0; i < payload.size() && i < 64; ++i) {
    const auto c = payload[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '{') {
      return decode_json(
          std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
    }
    break;
  }
  if (payload.size() > kMaxBinaryFrameBytes) {
    return fail(DecodeError::kTooLarge, std::to_string(payload.size()) + " bytes");
  }
  if (payload.size() < 4 && std::equal(payload.begin(), payload.end(), std::begin(kFrameMagic))) {
    return fail(DecodeError::kTruncated, std::to_string(payload.size()) + " bytes of a header");
  }
  return fail(DecodeError::kBadMagic, "payload starts with neither \"PMAP\" nor '{'");
}

DecodeResult decode_frame(std::string_view payload) {
  return decode_frame(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

}  // namespace pmap
