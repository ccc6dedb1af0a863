#include "pmap/topics.hpp"

#include <gtest/gtest.h>

namespace pmap {
namespace {

TEST(Topics, BuildsAndParses) {
  EXPECT_EQ(topic("bed1", Channel::kFrame), "pmap/v1/bed1/frame");
  EXPECT_EQ(topic_filter(Channel::kMeta), "pmap/v1/+/meta");
  const auto p = parse_topic("pmap/v1/chair-2/status");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mat_id, "chair-2");
  EXPECT_EQ(p->channel, Channel::kStatus);
}

TEST(Topics, RejectsForeignTopics) {
  EXPECT_FALSE(parse_topic("pmap/v2/bed1/frame"));
  EXPECT_FALSE(parse_topic("pmap/v1/bed1/frames"));
  EXPECT_FALSE(parse_topic("pmap/v1/bed1/frame/extra"));
  EXPECT_FALSE(parse_topic("pmap/v1/bed 1/frame"));
  EXPECT_FALSE(parse_topic("pmap/v1//frame"));
  EXPECT_FALSE(parse_topic("pmap/v1/bed1"));
  EXPECT_FALSE(parse_topic(""));
}

}  // namespace
}  // namespace pmap
