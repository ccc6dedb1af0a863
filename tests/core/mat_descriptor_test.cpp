#include "pmap/mat_descriptor.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pmap {
namespace {

using nlohmann::json;

json good_meta() {
  return json::parse(R"({"v":1,"kind":"bed","rows":64,"cols":32,"pitch_mm":{"row":28.6,"col":28.0},
    "sample_rate_hz":1.0,"layout":{"first_row":"head","mirrored":false},"encoding":"u16",
    "full_scale_counts":1000,"nominal_full_scale_mmhg":100,"firmware":"pmap-sim 0.1.0"})");
}

TEST(MatDescriptor, ParsesTheDocumentedExample) {
  const auto r = parse_meta("bed1", good_meta().dump());
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& m = *r.descriptor;
  EXPECT_EQ(m.id, "bed1");
  EXPECT_EQ(m.kind, MatKind::kBed);
  EXPECT_EQ(m.rows, 64);
  EXPECT_EQ(m.cols, 32);
  EXPECT_DOUBLE_EQ(m.row_pitch_mm, 28.6);
  EXPECT_DOUBLE_EQ(m.col_pitch_mm, 28.0);
  EXPECT_NEAR(m.taxel_area_cm2(), 8.008, 1e-9);
  EXPECT_EQ(m.full_scale_counts, 1000);
  ASSERT_TRUE(m.nominal_full_scale_mmhg);
  EXPECT_DOUBLE_EQ(*m.nominal_full_scale_mmhg, 100);
}

TEST(MatDescriptor, RoundTripsThroughJson) {
  MatDescriptor m;
  m.id = "chair-7";
  m.kind = MatKind::kChair;
  m.rows = 32;
  m.cols = 32;
  m.row_pitch_mm = 14;
  m.col_pitch_mm = 14;
  m.sample_rate_hz = 4;
  m.layout = {RowOrigin::kFar, true};
  m.encoding = TaxelEncoding::kUint8;
  m.full_scale_counts = 255;
  m.firmware = "diy";
  const auto r = parse_meta("chair-7", to_meta_json(m));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(*r.descriptor, m);
  EXPECT_EQ(json::parse(to_meta_json(m))["layout"]["first_row"], "front");
}

TEST(MatDescriptor, AcceptsScalarPitchAndDefaults) {
  auto j = good_meta();
  j["pitch_mm"] = 25.4;
  j.erase("encoding");
  j.erase("nominal_full_scale_mmhg");
  j["layout"].erase("mirrored");
  j["unknown_future_field"] = 3;
  const auto r = parse_meta("bed1", j.dump());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_DOUBLE_EQ(r.descriptor->col_pitch_mm, 25.4);
  EXPECT_FALSE(r.descriptor->layout.mirrored);
  EXPECT_FALSE(r.descriptor->nominal_full_scale_mmhg);
}

TEST(MatDescriptor, RejectsEveryInvalidField) {
  const std::vector<std::pair<std::string, json>> bad = {
      {"/v", 2},
      {"/kind", "sofa"},
      {"/rows", 0},
      {"/rows", 300},
      {"/cols", 31.5},
      {"/pitch_mm", "big"},
      {"/pitch_mm", 0.1},
      {"/sample_rate_hz", -1},
      {"/layout/first_row", "back"},  // a chair value on a bed
      {"/layout/mirrored", "yes"},
      {"/encoding", "u12"},
      {"/full_scale_counts", 70000},
      {"/nominal_full_scale_mmhg", 0},
      {"/firmware", std::string(200, 'x')},
  };
  for (const auto& [pointer, value] : bad) {
    auto j = good_meta();
    j[json::json_pointer(pointer)] = value;
    const auto r = parse_meta("bed1", j.dump());
    EXPECT_FALSE(r.ok()) << pointer << " = " << value.dump();
    EXPECT_FALSE(r.error.empty());
  }
  for (const char* field :
       {"kind", "rows", "cols", "pitch_mm", "sample_rate_hz", "layout", "full_scale_counts"}) {
    auto j = good_meta();
    j.erase(field);
    EXPECT_FALSE(parse_meta("bed1", j.dump()).ok()) << "missing " << field;
  }
  EXPECT_FALSE(parse_meta("bed1", "not json").ok());
  EXPECT_FALSE(parse_meta("bed1", "[1,2]").ok());
  EXPECT_FALSE(parse_meta("bed/1", good_meta().dump()).ok());
  EXPECT_FALSE(parse_meta("bed1", std::string(9000, ' ') + good_meta().dump()).ok());
  auto u8 = good_meta();
  u8["encoding"] = "u8";
  EXPECT_FALSE(parse_meta("bed1", u8.dump()).ok()) << "full scale 1000 does not fit u8";
}

TEST(MatDescriptor, MatIds) {
  EXPECT_TRUE(is_valid_mat_id("bed1"));
  EXPECT_TRUE(is_valid_mat_id("A-b_9"));
  EXPECT_TRUE(is_valid_mat_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_mat_id(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_mat_id(""));
  EXPECT_FALSE(is_valid_mat_id("+"));
  EXPECT_FALSE(is_valid_mat_id("#"));
  EXPECT_FALSE(is_valid_mat_id("a/b"));
  EXPECT_FALSE(is_valid_mat_id("bed 1"));
}

}  // namespace
}  // namespace pmap
