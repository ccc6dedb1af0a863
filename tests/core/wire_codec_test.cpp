#include "pmap/wire_codec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "pmap/limits.hpp"

namespace pmap {
namespace {

PressureFrame sample_frame(std::uint16_t rows, std::uint16_t cols, TaxelEncoding enc,
                           std::uint32_t seed = 1) {
  PressureFrame f;
  f.sequence = 1000 + seed;
  f.timestamp_us = 1'700'000'000'000'000 + seed;
  f.rows = rows;
  f.cols = cols;
  f.encoding = enc;
  std::mt19937 rng(seed);
  const std::uint16_t max = enc == TaxelEncoding::kUint8 ? 255 : 65535;
  std::uniform_int_distribution<int> d(0, max);
  for (std::size_t i = 0; i < f.taxel_count(); ++i)
    f.values.push_back(static_cast<std::uint16_t>(d(rng)));
  return f;
}

DecodeError error_of(const DecodeResult& r) {
  EXPECT_TRUE(std::holds_alternative<DecodeFailure>(r));
  return std::holds_alternative<DecodeFailure>(r) ? std::get<DecodeFailure>(r).error
                                                  : DecodeError::kEmpty;
}

TEST(WireCodec, Crc32CheckValue) {
  const std::string s = "123456789";
  EXPECT_EQ(wire_crc32({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}), 0xCBF43926u);
}

TEST(WireCodec, BinaryTestVector) {
  // The vector printed in docs/protocol.md section 4.
  PressureFrame f;
  f.sequence = 7;
  f.timestamp_us = 1'700'000'000'000'000;
  f.rows = 2;
  f.cols = 3;
  f.values = {1, 2, 3, 4, 5, 1000};
  const auto bytes = encode_binary(f);
  const std::vector<std::uint8_t> expected = {
      0x50, 0x4d, 0x41, 0x50, 0x01, 0x01, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x40,
      0x1e, 0x18, 0x24, 0x0a, 0x06, 0x00, 0x02, 0x00, 0x03, 0x00, 0x01, 0x00, 0x02, 0x00,
      0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0xe8, 0x03, 0xa8, 0xa6, 0xbc, 0xf7};
  EXPECT_EQ(bytes, expected);
  const auto decoded = decode_frame(std::span<const std::uint8_t>(expected));
  ASSERT_TRUE(std::holds_alternative<PressureFrame>(decoded));
  EXPECT_EQ(std::get<PressureFrame>(decoded), f);
}

TEST(WireCodec, BinaryRoundTripBothEncodingsAndShapes) {
  for (auto enc : {TaxelEncoding::kUint16, TaxelEncoding::kUint8}) {
    for (auto [r, c] :
         {std::pair<int, int>{1, 1}, {64, 32}, {32, 32}, {64, 27}, {128, 128}, {256, 64}}) {
      const auto f = sample_frame(static_cast<std::uint16_t>(r), static_cast<std::uint16_t>(c), enc,
                                  r * 7 + c);
      const auto bytes = encode_binary(f);
      EXPECT_EQ(
          bytes.size(),
          kBinaryHeaderSize + f.taxel_count() * (enc == TaxelEncoding::kUint8 ? 1 : 2) + kCrcSize);
      const auto back = decode_frame(std::span<const std::uint8_t>(bytes));
      ASSERT_TRUE(std::holds_alternative<PressureFrame>(back)) << r << "x" << c;
      EXPECT_EQ(std::get<PressureFrame>(back), f);
    }
  }
}

TEST(WireCodec, JsonRoundTrip) {
  for (auto enc : {TaxelEncoding::kUint16, TaxelEncoding::kUint8}) {
    const auto f = sample_frame(64, 32, enc, 3);
    const auto back = decode_frame(encode_json(f));
    ASSERT_TRUE(std::holds_alternative<PressureFrame>(back));
    EXPECT_EQ(std::get<PressureFrame>(back), f);
  }
}

TEST(WireCodec, JsonDocExampleDecodes) {
  const auto r = decode_frame(std::string_view(
      R"( {"v":1,"seq":42,"ts_us":1700000000000000,"rows":2,"cols":3,"encoding":"u16","values":[1,2,3,4,5,1000]})"));
  ASSERT_TRUE(std::holds_alternative<PressureFrame>(r));
  const auto& f = std::get<PressureFrame>(r);
  EXPECT_EQ(f.sequence, 42u);
  EXPECT_EQ(f.at(1, 2), 1000);
}

TEST(WireCodec, RejectsEmpty) {
  EXPECT_EQ(error_of(decode_frame(std::string_view{})), DecodeError::kEmpty);
}

TEST(WireCodec, RejectsBadMagic) {
  EXPECT_EQ(error_of(decode_frame(std::string_view("hello world, not a frame"))),
            DecodeError::kBadMagic);
  EXPECT_EQ(error_of(decode_frame(std::string_view("xyz"))), DecodeError::kBadMagic);
}

TEST(WireCodec, RejectsEveryTruncation) {
  const auto bytes = encode_binary(sample_frame(8, 4, TaxelEncoding::kUint16));
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    const auto r = decode_frame(std::span<const std::uint8_t>(bytes.data(), n));
    EXPECT_EQ(error_of(r), DecodeError::kTruncated) << "length " << n;
  }
}

TEST(WireCodec, RejectsTrailingBytes) {
  auto bytes = encode_binary(sample_frame(8, 4, TaxelEncoding::kUint16));
  bytes.push_back(0);
  EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(bytes))),
            DecodeError::kLengthMismatch);
}

TEST(WireCodec, RejectsEverySingleBitFlipInBodyOrCrc) {
  const auto good = encode_binary(sample_frame(4, 4, TaxelEncoding::kUint16));
  int accepted = 0;
  for (std::size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = good;
      bad[byte] ^= static_cast<std::uint8_t>(1u << bit);
      if (std::holds_alternative<PressureFrame>(decode_frame(std::span<const std::uint8_t>(bad))))
        ++accepted;
    }
  }
  // The CRC covers the whole header, reserved flags included, so no single flip may pass.
  EXPECT_EQ(accepted, 0);
}

TEST(WireCodec, RejectsBadCrc) {
  auto bytes = encode_binary(sample_frame(8, 4, TaxelEncoding::kUint16));
  bytes.back() ^= 0xFF;
  EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(bytes))), DecodeError::kBadCrc);
}

TEST(WireCodec, RejectsBadVersionAndEncoding) {
  auto bytes = encode_binary(sample_frame(2, 2, TaxelEncoding::kUint16));
  auto v = bytes;
  v[4] = 2;
  EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(v))), DecodeError::kBadVersion);
  auto e = bytes;
  e[5] = 9;
  EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(e))), DecodeError::kBadEncoding);
}

TEST(WireCodec, RejectsBadDimensionsWithoutAllocating) {
  auto bytes = encode_binary(sample_frame(2, 2, TaxelEncoding::kUint16));
  for (auto [r, c] :
       {std::pair<int, int>{0, 2}, {2, 0}, {257, 1}, {1, 257}, {256, 256}, {65535, 65535}}) {
    auto b = bytes;
    b[20] = static_cast<std::uint8_t>(r & 0xFF);
    b[21] = static_cast<std::uint8_t>(r >> 8);
    b[22] = static_cast<std::uint8_t>(c & 0xFF);
    b[23] = static_cast<std::uint8_t>(c >> 8);
    EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(b))), DecodeError::kBadDimensions)
        << r << "x" << c;
  }
}

TEST(WireCodec, RejectsOversizedPayloads) {
  std::vector<std::uint8_t> huge(2 * 1024 * 1024, 0xAB);
  EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(huge))), DecodeError::kTooLarge);
  std::copy(std::begin(kFrameMagic), std::end(kFrameMagic), huge.begin());
  EXPECT_EQ(error_of(decode_frame(std::span<const std::uint8_t>(huge))), DecodeError::kTooLarge);
  std::string json = "{\"v\":1,\"values\":[" + std::string(kMaxJsonFrameBytes, ' ') + "]}";
  EXPECT_EQ(error_of(decode_frame(json)), DecodeError::kTooLarge);
}

TEST(WireCodec, RejectsMalformedJson) {
  EXPECT_EQ(error_of(decode_frame(std::string_view("{not json"))), DecodeError::kBadJson);
  EXPECT_EQ(error_of(decode_frame(std::string_view(R"({"v":1})"))), DecodeError::kBadJson);
  EXPECT_EQ(error_of(decode_frame(
                std::string_view(R"({"v":2,"seq":1,"ts_us":1,"rows":1,"cols":1,"values":[1]})"))),
            DecodeError::kBadVersion);
  EXPECT_EQ(error_of(decode_frame(
                std::string_view(R"({"v":1,"seq":-1,"ts_us":1,"rows":1,"cols":1,"values":[1]})"))),
            DecodeError::kBadJson);
  EXPECT_EQ(error_of(decode_frame(
                std::string_view(R"({"v":1,"seq":1,"ts_us":1,"rows":2,"cols":1,"values":[1]})"))),
            DecodeError::kLengthMismatch);
  EXPECT_EQ(error_of(decode_frame(std::string_view(
                R"({"v":1,"seq":1,"ts_us":1,"rows":1,"cols":1,"values":[70000]})"))),
            DecodeError::kValueOutOfRange);
  EXPECT_EQ(error_of(decode_frame(std::string_view(
                R"({"v":1,"seq":1,"ts_us":1,"rows":1,"cols":1,"encoding":"u8","values":[256]})"))),
            DecodeError::kValueOutOfRange);
  EXPECT_EQ(error_of(decode_frame(
                std::string_view(R"({"v":1,"seq":1,"ts_us":1,"rows":1,"cols":1,"values":[1.5]})"))),
            DecodeError::kValueOutOfRange);
  EXPECT_EQ(error_of(decode_frame(std::string_view(
                R"({"v":1,"seq":1,"ts_us":1,"rows":1000,"cols":1000,"values":[]})"))),
            DecodeError::kBadDimensions);
}

TEST(WireCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 3000);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> b(static_cast<std::size_t>(len(rng)));
    for (auto& x : b) x = static_cast<std::uint8_t>(byte(rng));
    if (i % 3 == 0 && b.size() >= 4)
      std::copy(std::begin(kFrameMagic), std::end(kFrameMagic), b.begin());
    if (std::holds_alternative<PressureFrame>(decode_frame(std::span<const std::uint8_t>(b))))
      ++accepted;
  }
  EXPECT_EQ(accepted, 0);
}

TEST(WireCodec, ReasonNamesAreStableAndDistinct) {
  std::set<std::string_view> names;
  for (int e = 0; e <= static_cast<int>(DecodeError::kValueOutOfRange); ++e) {
    names.insert(reason_name(static_cast<DecodeError>(e)));
  }
  EXPECT_EQ(names.size(), 11u);
  EXPECT_EQ(reason_name(DecodeError::kBadCrc), "bad_crc");
}

}  // namespace
}  // namespace pmap
