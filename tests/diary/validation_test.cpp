// Validation of every diary field and of times and zones.
#include <gtest/gtest.h>

#include <cstdlib>

#include "diary_test_util.hpp"
#include "pmap/diary/context_tag.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/extent.hpp"
#include "pmap/diary/movement_test.hpp"
#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/pillow_setup.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/diary/time_zone.hpp"

namespace pmap::diary {
namespace {

using test::entry;

// The field a DiaryError names for `f()`, or "<none>" when nothing was thrown.
template <typename F>
std::string refused_field(F&& f) {
  try {
    f();
  } catch (const DiaryError& e) {
    return e.field();
  }
  return "<none>";
}

const std::int64_t kNow = TimeZone("UTC").parse_time("2026-11-26T05:00Z", "now");

TEST(DiaryValidation, PainScoresMustBeZeroToTen) {
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kThigh);
  for (int ok : {0, 5, 10}) {
    e.back_pain = ok;
    e.leg_pain = ok;
    EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "<none>") << ok;
  }
  e.back_pain = 11;
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "back_pain");
  e.back_pain = -1;
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "back_pain");
  e.back_pain = 2;
  e.leg_pain = 11;
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "leg_pain");
  try {
    validate(e, kNow);
  } catch (const DiaryError& err) {
    EXPECT_STREQ(err.what(), "leg_pain: 11 is out of range 0-10");
  }
}

TEST(DiaryValidation, ExtentIsAnOrderedEnumWithFixedNames) {
  const char* names[] = {"none", "back", "buttock", "thigh", "knee", "calf", "foot"};
  for (int i = 0; i < kExtentLevels; ++i) {
    EXPECT_EQ(rank(parse_extent(names[i])), i);
    EXPECT_EQ(to_string(static_cast<Extent>(i)), names[i]);
  }
  EXPECT_EQ(parse_extent(" Calf "), Extent::kCalf);  // case and spaces forgiven
  EXPECT_LT(rank(Extent::kButtock), rank(Extent::kFoot));
  EXPECT_EQ(refused_field([] { (void)parse_extent("ankle"); }), "extent");
  EXPECT_EQ(refused_field([] { (void)parse_extent(""); }), "extent");
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kThigh);
  e.extent = static_cast<Extent>(9);
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "extent");
}

TEST(DiaryValidation, ContextTagsFromTheListOnlyOnceEach) {
  const auto tags = parse_context_tags("on_waking, after_sitting;at_night");
  ASSERT_EQ(tags.size(), 3U);
  EXPECT_EQ(tags[1], ContextTag::kAfterSitting);
  EXPECT_EQ(join_context_tags(tags), "on_waking;after_sitting;at_night");
  EXPECT_TRUE(parse_context_tags("").empty());
  EXPECT_TRUE(parse_context_tags("  ").empty());
  for (const char* all : {"after_driving", "after_walking", "after_exercise", "other"}) {
    EXPECT_EQ(to_string(parse_context_tag(all)), all);
  }
  EXPECT_EQ(refused_field([] { (void)parse_context_tags("gardening"); }), "tags");
  EXPECT_EQ(refused_field([] { (void)parse_context_tags("on_waking,on_waking"); }), "tags");
  EXPECT_EQ(refused_field([] { (void)parse_context_tags("on_waking,,at_night"); }), "tags");
  EXPECT_EQ(refused_field([] { (void)parse_context_tags("on_waking,"); }), "tags");
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kThigh);
  e.tags = {ContextTag::kAtNight, ContextTag::kAtNight};
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "tags");
}

TEST(DiaryValidation, RedFlagAnswersAreYesOrNoAndRequired) {
  EXPECT_TRUE(parse_yes_no("yes", "bladder_bowel"));
  EXPECT_TRUE(parse_yes_no("Y", "bladder_bowel"));
  EXPECT_FALSE(parse_yes_no("no", "bladder_bowel"));
  EXPECT_FALSE(parse_yes_no("0", "bladder_bowel"));
  EXPECT_EQ(refused_field([] { (void)parse_yes_no("", "saddle_numbness"); }), "saddle_numbness");
  EXPECT_EQ(refused_field([] { (void)parse_yes_no("maybe", "leg_weakness"); }), "leg_weakness");
  try {
    (void)parse_yes_no("", "saddle_numbness");
  } catch (const DiaryError& e) {
    EXPECT_STREQ(e.what(), "saddle_numbness: must be answered yes or no");
  }
}

TEST(DiaryValidation, ARedFlagMustHaveItsWarningShown) {
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kFoot);
  e.red_flags.saddle_numbness = true;
  EXPECT_TRUE(e.red_flags.any());
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "red_flag_warning_shown");
  e.red_flag_warning_shown = true;
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "<none>");
  // The warning is one fixed text that says what to do.
  EXPECT_NE(kRedFlagWarning.find("SEEK EMERGENCY CARE NOW"), std::string_view::npos);
  EXPECT_NE(kRedFlagWarning.find("bladder or bowel"), std::string_view::npos);
  EXPECT_NE(kRedFlagWarning.find("saddle"), std::string_view::npos);
  EXPECT_NE(kRedFlagWarning.find("foot drop"), std::string_view::npos);
}

TEST(DiaryValidation, NotesAreSizeLimitedAndFreeOfControlCharacters) {
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kBack);
  e.note = std::string(kMaxNoteBytes, 'x');
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "<none>");
  e.note += 'x';
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "note");
  e.note = "line one\nline two\twith tab, \"quotes\" and ünïcode";
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "<none>");
  e.note = std::string("bell\a");
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "note");
  e.note = std::string("nul\0x", 5);
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "note");
}

TEST(DiaryValidation, TimesMustBeAfter2000AndNotInTheFuture) {
  PainEntry e = entry("UTC", "1999-12-31T23:59", Extent::kBack);
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "time");
  e = entry("UTC", "2026-11-27T04:59", Extent::kBack);  // within a day ahead: clock skew
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "<none>");
  e = entry("UTC", "2026-11-27T05:01", Extent::kBack);
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "time");
}

TEST(DiaryValidation, UnknownZonesAreRefusedNotSilentlyUtc) {
  EXPECT_EQ(refused_field([] { (void)TimeZone("Mars/Olympus_Mons"); }), "tz");
  EXPECT_EQ(refused_field([] { (void)TimeZone("../../etc/passwd"); }), "tz");
  EXPECT_EQ(refused_field([] { (void)TimeZone("/usr/share/zoneinfo/UTC"); }), "tz");
  EXPECT_EQ(refused_field([] { (void)TimeZone(""); }), "tz");
  // A file of the tz database directory that is not a zone (glibc would read it as UTC).
  EXPECT_EQ(refused_field([] { (void)TimeZone("leapseconds"); }), "tz");
  EXPECT_EQ(TimeZone("Europe/London").name(), "Europe/London");
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kBack);
  e.tz = "Nowhere/City";
  EXPECT_EQ(refused_field([&] { validate(e, kNow); }), "tz");
}

TEST(DiaryTimeZone, LocalTimesFollowDaylightSaving) {
  const TimeZone london("Europe/London");
  // Summer: BST (+01:00); winter: GMT.
  EXPECT_EQ(london.parse_time("2026-07-01T08:00", "time"),
            TimeZone("UTC").parse_time("2026-07-01T07:00Z", "time"));
  EXPECT_EQ(london.utc_offset_s(london.parse_time("2026-07-01T08:00", "time")), 3600);
  EXPECT_EQ(london.utc_offset_s(london.parse_time("2026-11-20T08:00", "time")), 0);
  EXPECT_EQ(london.format(london.parse_time("2026-07-01T08:00:05", "time")),
            "2026-07-01T08:00:05+01:00");
  // 01:30 on 29 March 2026 does not exist in London (clocks go 01:00 -> 02:00).
  EXPECT_EQ(refused_field([&] { (void)london.parse_time("2026-03-29T01:30", "time"); }), "time");
  // 01:30 on 25 October 2026 happens twice: the first (BST) is taken.
  EXPECT_EQ(london.format(london.parse_time("2026-10-25T01:30", "time")),
            "2026-10-25T01:30:00+01:00");
  // Offsets and Z are absolute, whatever the zone.
  EXPECT_EQ(london.parse_time("2026-07-01T08:00+02:00", "time"),
            TimeZone("UTC").parse_time("2026-07-01T06:00Z", "time"));
  const TimeZone ny("America/New_York");
  const auto t = ny.parse_time("2026-11-20T23:30", "time");  // 04:30 UTC next day
  EXPECT_EQ(format_date(ny.local_day(t)), "2026-11-20");
  EXPECT_EQ(format_date(TimeZone("UTC").local_day(t)), "2026-11-21");
}

TEST(DiaryTimeZone, MalformedTimesAndDatesNameTheirField) {
  const TimeZone utc("UTC");
  for (const char* bad :
       {"", "yesterday", "2026-11-20", "2026-11-20T25:00", "2026-11-20T08:60", "2026-02-30T08:00",
        "2026-11-20T08:00+2", "2026-11-20T08:00junk", "2026-13-01T08:00", "20261120T0800"}) {
    EXPECT_EQ(refused_field([&] { (void)utc.parse_time(bad, "from"); }), "from") << bad;
  }
  for (const char* bad : {"2026-02-29", "2026-1-01", "26-01-01", "2026/01/01"}) {
    EXPECT_EQ(refused_field([&] { (void)TimeZone::parse_date(bad, "night"); }), "night") << bad;
  }
  EXPECT_EQ(format_date(TimeZone::parse_date("2028-02-29", "night")), "2028-02-29");
  EXPECT_EQ(utc.parse_time("2026-11-20 08:00:30", "time"),
            utc.parse_time("2026-11-20T08:00:30Z", "time"));
}

TEST(DiaryTimeZone, TheProcessTimeZoneIsLeftAsItWas) {
  const TimeZone london("Europe/London");
  ::setenv("TZ", "America/New_York", 1);
  (void)london.parse_time("2026-07-01T08:00", "time");
  (void)london.format(0);
  ASSERT_NE(std::getenv("TZ"), nullptr);
  EXPECT_STREQ(std::getenv("TZ"), "America/New_York");
  ::unsetenv("TZ");
  (void)london.utc_offset_s(0);
  EXPECT_EQ(std::getenv("TZ"), nullptr);
}

TEST(DiaryValidation, MovementTestsValidateEveryField) {
  MovementTest t;
  t.time_us = TimeZone("UTC").parse_time("2026-11-20T08:00", "time");
  t.direction = parse_direction("extension");
  t.extent_before = Extent::kCalf;
  t.extent_after = Extent::kThigh;
  t.leg_pain_before = 6;
  t.leg_pain_after = 3;
  t.repetitions = 10;
  EXPECT_EQ(refused_field([&] { validate(t, kNow); }), "<none>");
  EXPECT_TRUE(t.centralized());
  EXPECT_FALSE(t.peripheralized());
  EXPECT_EQ(refused_field([] { (void)parse_direction("twist"); }), "direction");
  for (const char* d : {"extension", "flexion", "nerve_glide", "side_glide", "other"}) {
    EXPECT_EQ(to_string(parse_direction(d)), d);
  }
  auto bad = t;
  bad.repetitions = 101;
  EXPECT_EQ(refused_field([&] { validate(bad, kNow); }), "repetitions");
  bad = t;
  bad.leg_pain_after = 12;
  EXPECT_EQ(refused_field([&] { validate(bad, kNow); }), "leg_pain_after");
  bad = t;
  bad.leg_pain_before = -2;
  EXPECT_EQ(refused_field([&] { validate(bad, kNow); }), "leg_pain_before");
  bad = t;
  bad.extent_after = static_cast<Extent>(-1);
  EXPECT_EQ(refused_field([&] { validate(bad, kNow); }), "extent_after");
}

TEST(DiaryValidation, PillowSetupsValidateNameAndHeadPillow) {
  PillowSetup s;
  s.name = "side-thick_v2.1";
  s.knee_pillow = parse_knee_pillow("thick");
  s.head_pillow = HeadPillow::parse("12cm");
  EXPECT_EQ(refused_field([&] { validate(s); }), "<none>");
  EXPECT_EQ(s.head_pillow.to_string(), "12cm");
  EXPECT_EQ(HeadPillow::parse("12").to_string(), "12cm");
  EXPECT_EQ(HeadPillow::parse("HIGH").to_string(), "high");
  EXPECT_EQ(to_string(parse_knee_pillow("body")), "body");
  EXPECT_EQ(refused_field([] { (void)parse_knee_pillow("huge"); }), "knee_pillow");
  for (const char* bad : {"0cm", "41", "tall", "12 cm", "-3", ""}) {
    EXPECT_EQ(refused_field([&] { (void)HeadPillow::parse(bad); }), "head_pillow") << bad;
  }
  for (const char* bad : {"", "has space", "semi;colon", "x'--"}) {
    s.name = bad;
    EXPECT_EQ(refused_field([&] { validate(s); }), "name") << bad;
  }
  s.name = std::string(41, 'a');
  EXPECT_EQ(refused_field([&] { validate(s); }), "name");
}

}  // namespace
}  // namespace pmap::diary
