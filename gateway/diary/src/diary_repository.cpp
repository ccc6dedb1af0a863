#include "pmap/diary/diary_repository.hpp"

#include <algorithm>
#include <utility>

#include "pmap/diary/diary_error.hpp"

namespace pmap::diary {

namespace {

// Turns SQLite failures into the library's one error type.
template <typename F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SqliteError& e) {
    throw DiaryError(std::string(what) + ": database error: " + e.what());
  }
}

std::int64_t as_int(bool b) {
  return b ? 1 : 0;
}

constexpr const char* kInsertPain =
    "INSERT INTO pain_entries (time_us, tz, utc_offset_s, back_pain, leg_pain, extent, tags, "
    "note, bladder_bowel, saddle_numbness, leg_weakness, red_flag_warning_shown, created_us) "
    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)";

void prepare_pain(PainEntry& e, std::int64_t now) {
  validate(e, now);
  e.utc_offset_s = TimeZone(e.tz).utc_offset_s(e.time_us);
}

std::int64_t insert_pain(Database& db, Statement& st, const PainEntry& e, std::int64_t now) {
  st.bind(1, e.time_us).bind(2, e.tz).bind(3, std::int64_t{e.utc_offset_s});
  st.bind(4, std::int64_t{e.back_pain}).bind(5, std::int64_t{e.leg_pain});
  st.bind(6, to_string(e.extent)).bind(7, join_context_tags(e.tags)).bind(8, e.note);
  st.bind(9, as_int(e.red_flags.bladder_bowel)).bind(10, as_int(e.red_flags.saddle_numbness));
  st.bind(11, as_int(e.red_flags.leg_weakness)).bind(12, as_int(e.red_flag_warning_shown));
  st.bind(13, now).run();
  return db.query_int("SELECT last_insert_rowid()");
}

PillowSetup read_setup(const Statement& st) {
  PillowSetup s;
  s.name = st.column_text(0);
  s.knee_pillow = parse_knee_pillow(st.column_text(1));
  s.pillow_under_knees = st.column_int(2) != 0;
  s.head_pillow = HeadPillow::parse(st.column_text(3));
  s.mattress_topper = st.column_int(4) != 0;
  s.note = st.column_text(5);
  s.created_us = st.column_int(6);
  return s;
}

constexpr const char* kSelectSetup =
    "SELECT name, knee_pillow, pillow_under_knees, head_pillow, mattress_topper, note, "
    "created_us FROM pillow_setups";

}  // namespace

DiaryRepository::DiaryRepository(Store& store) : store_(store) {
  if (store_.schema_version() < 3) {
    throw DiaryError("database has schema version " + std::to_string(store_.schema_version()) +
                     ", the diary needs 3 (open it read-write to migrate)");
  }
}

std::int64_t DiaryRepository::add_pain(PainEntry entry) {
  const std::int64_t now = now_us();
  prepare_pain(entry, now);
  return guarded("pain entry", [&] {
    Database& db = store_.db();
    Transaction tx(db);
    Statement st = db.prepare(kInsertPain);
    const std::int64_t id = insert_pain(db, st, entry, now);
    tx.commit();
    return id;
  });
}

void DiaryRepository::add_pains(std::vector<PainEntry> entries, int first_line) {
  const std::int64_t now = now_us();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    try {
      prepare_pain(entries[i], now);
    } catch (const DiaryError& e) {
      const int line = first_line + static_cast<int>(i);
      throw DiaryError("line " + std::to_string(line) + ": " + e.what(), e.field(), line);
    }
  }
  guarded("pain entries", [&] {
    Database& db = store_.db();
    Transaction tx(db);
    Statement st = db.prepare(kInsertPain);
    for (const auto& e : entries) insert_pain(db, st, e, now);
    tx.commit();
  });
}

std::vector<PainEntry> DiaryRepository::pains(std::int64_t from_us, std::int64_t to_us) const {
  return guarded("pain entries", [&] {
    Statement st = store_.db().prepare(
        "SELECT id, time_us, tz, utc_offset_s, back_pain, leg_pain, extent, tags, note, "
        "bladder_bowel, saddle_numbness, leg_weakness, red_flag_warning_shown FROM pain_entries "
        "WHERE time_us >= ?1 AND time_us < ?2 ORDER BY time_us, id");
    st.bind(1, from_us).bind(2, to_us);
    std::vector<PainEntry> out;
    while (st.step()) {
      PainEntry e;
      e.id = st.column_int(0);
      e.time_us = st.column_int(1);
      e.tz = st.column_text(2);
      e.utc_offset_s = static_cast<std::int32_t>(st.column_int(3));
      e.back_pain = static_cast<int>(st.column_int(4));
      e.leg_pain = static_cast<int>(st.column_int(5));
      e.extent = parse_extent(st.column_text(6));
      e.tags = parse_context_tags(st.column_text(7));
      e.note = st.column_text(8);
      e.red_flags = RedFlags{st.column_int(9) != 0, st.column_int(10) != 0, st.column_int(11) != 0};
      e.red_flag_warning_shown = st.column_int(12) != 0;
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::int64_t DiaryRepository::add_test(MovementTest test) {
  const std::int64_t now = now_us();
  validate(test, now);
  test.utc_offset_s = TimeZone(test.tz).utc_offset_s(test.time_us);
  return guarded("movement test", [&] {
    Database& db = store_.db();
    Transaction tx(db);
    Statement st = db.prepare(
        "INSERT INTO movement_tests (time_us, tz, utc_offset_s, direction, repetitions, "
        "extent_before, extent_after, leg_pain_before, leg_pain_after, note, created_us) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    st.bind(1, test.time_us).bind(2, test.tz).bind(3, std::int64_t{test.utc_offset_s});
    st.bind(4, to_string(test.direction)).bind(5, std::int64_t{test.repetitions});
    st.bind(6, to_string(test.extent_before)).bind(7, to_string(test.extent_after));
    st.bind(8, std::int64_t{test.leg_pain_before}).bind(9, std::int64_t{test.leg_pain_after});
    st.bind(10, test.note).bind(11, now).run();
    const std::int64_t id = db.query_int("SELECT last_insert_rowid()");
    tx.commit();
    return id;
  });
}

std::vector<MovementTest> DiaryRepository::tests() const {
  return guarded("movement tests", [&] {
    Statement st = store_.db().prepare(
        "SELECT id, time_us, tz, utc_offset_s, direction, repetitions, extent_before, "
        "extent_after, leg_pain_before, leg_pain_after, note FROM movement_tests "
        "ORDER BY time_us, id");
    std::vector<MovementTest> out;
    while (st.step()) {
      MovementTest t;
      t.id = st.column_int(0);
      t.time_us = st.column_int(1);
      t.tz = st.column_text(2);
      t.utc_offset_s = static_cast<std::int32_t>(st.column_int(3));
      t.direction = parse_direction(st.column_text(4));
      t.repetitions = static_cast<int>(st.column_int(5));
      t.extent_before = parse_extent(st.column_text(6));
      t.extent_after = parse_extent(st.column_text(7));
      t.leg_pain_before = static_cast<int>(st.column_int(8));
      t.leg_pain_after = static_cast<int>(st.column_int(9));
      t.note = st.column_text(10);
      out.push_back(std::move(t));
    }
    return out;
  });
}

void DiaryRepository::add_setup(PillowSetup setup) {
  validate(setup);
  if (setup.created_us == 0) setup.created_us = now_us();
  guarded("pillow setup", [&] {
    Database& db = store_.db();
    Transaction tx(db);
    Statement exists = db.prepare("SELECT 1 FROM pillow_setups WHERE name = ?1");
    exists.bind(1, setup.name);
    if (exists.step()) {
      throw DiaryError("name: a setup called '" + setup.name + "' exists already", "name");
    }
    Statement st = db.prepare(
        "INSERT INTO pillow_setups (name, knee_pillow, pillow_under_knees, head_pillow, "
        "mattress_topper, note, created_us) VALUES (?1,?2,?3,?4,?5,?6,?7)");
    st.bind(1, setup.name).bind(2, to_string(setup.knee_pillow));
    st.bind(3, as_int(setup.pillow_under_knees)).bind(4, setup.head_pillow.to_string());
    st.bind(5, as_int(setup.mattress_topper)).bind(6, setup.note).bind(7, setup.created_us).run();
    tx.commit();
  });
}

std::vector<PillowSetup> DiaryRepository::setups() const {
  return guarded("pillow setups", [&] {
    Statement st = store_.db().prepare(std::string(kSelectSetup) + " ORDER BY name");
    std::vector<PillowSetup> out;
    while (st.step()) out.push_back(read_setup(st));
    return out;
  });
}

std::optional<PillowSetup> DiaryRepository::find_setup(const std::string& name) const {
  validate_setup_name(name);
  return guarded("pillow setup", [&]() -> std::optional<PillowSetup> {
    Statement st = store_.db().prepare(std::string(kSelectSetup) + " WHERE name = ?1");
    st.bind(1, name);
    if (!st.step()) return std::nullopt;
    return read_setup(st);
  });
}

void DiaryRepository::use_setup(const std::string& name, std::int64_t from_us,
                                const std::string& tz) {
  validate_setup_name(name);
  (void)TimeZone(tz);
  const std::int64_t now = now_us();
  constexpr std::int64_t kEarliestUs = 946'684'800'000'000;  // 2000-01-01
  constexpr std::int64_t kDayUs = 86'400'000'000;
  if (from_us < kEarliestUs || from_us > now + kDayUs) {
    throw DiaryError("from: must be after 2000 and at most a day ahead", "from");
  }
  guarded("setup switch", [&] {
    Database& db = store_.db();
    Transaction tx(db);
    Statement exists = db.prepare("SELECT 1 FROM pillow_setups WHERE name = ?1");
    exists.bind(1, name);
    if (!exists.step()) {
      throw DiaryError(
          "name: no setup called '" + name + "' (add it with: setup add " + name + " …)", "name");
    }
    Statement st = db.prepare(
        "INSERT INTO setup_switches (setup_name, from_us, tz, created_us) VALUES (?1,?2,?3,?4)");
    st.bind(1, name).bind(2, from_us).bind(3, tz).bind(4, now).run();
    tx.commit();
  });
}

SetupTimeline DiaryRepository::timeline() const {
  return guarded("setup switches", [&] {
    Statement st = store_.db().prepare(
        "SELECT setup_name, from_us, tz FROM setup_switches ORDER BY from_us, id");
    std::vector<SetupSwitch> switches;
    while (st.step()) switches.push_back({st.column_text(0), st.column_int(1), st.column_text(2)});
    return SetupTimeline(std::move(switches));
  });
}

}  // namespace pmap::diary
