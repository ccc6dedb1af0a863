// No SQL built from strings at run time (docs/security.md, "SQL"): every place the project's C++
// sources hand SQL text to SQLite — sqlite3_prepare*/sqlite3_exec, and the store's wrapper
// Database::prepare/exec/query_int/query_text — must pass text fixed at compile time: string
// literals, constants initialised only with literals, a literal picked by a condition or an index
// from such constants, and `+` of those. Values go in as bound parameters (?1, ?2, ...). The few
// places that assemble SQL from fixed identifiers (table and column names from a list in the
// code) are named in kAllowed below with the reason; any other site fails the test, and so does
// an allow-list entry that no longer matches (it would silently cover a new site). sqlite3's
// printf family (sqlite3_mprintf & co.) is refused everywhere.
//
// The scan: the sources under core/, mqtt/, calibration/, firmware-sim/, gateway/ and dashboard/
// (*.cpp, *.hpp, *.h) of PMAP_SOURCE_DIR, tokenised (comments dropped; string, raw string and
// character literals kept whole), every call of those functions found by name, its SQL argument
// classified token by token. tests/ is not scanned: test code builds SQL from its own constants
// to inspect files it made, and is not shipped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

enum class Kind { kString, kChar, kIdent, kNumber, kPunct };

struct Token {
  Kind kind;
  std::string text;
  int line;
};

/// C++ tokens of `src`, comments dropped. Literals keep their prefix (u8, L, R) in the text.
std::vector<Token> tokenize(const std::string& src) {
  std::vector<Token> out;
  int line = 1;
  std::size_t i = 0;
  const auto ident_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  while (i < src.size()) {
    const char c = src[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
    } else if (src.compare(i, 2, "//") == 0) {
      while (i < src.size() && src[i] != '\n') ++i;
    } else if (src.compare(i, 2, "/*") == 0) {
      const auto end = src.find("*/", i + 2);
      const auto stop = end == std::string::npos ? src.size() : end + 2;
      line += static_cast<int>(std::count(src.begin() + static_cast<std::ptrdiff_t>(i),
                                          src.begin() + static_cast<std::ptrdiff_t>(stop), '\n'));
      i = stop;
    } else if (c == '#' && (out.empty() || out.back().line != line)) {
      // A preprocessor line (includes, defines): skipped with its continuations.
      while (i < src.size() && src[i] != '\n') {
        if (src[i] == '\\' && i + 1 < src.size() && src[i + 1] == '\n') {
          ++line;
          ++i;
        }
        ++i;
      }
    } else if (ident_char(c)) {
      std::size_t j = i;
      const bool number = std::isdigit(static_cast<unsigned char>(c)) != 0;
      // Digit separators (1'000'000) belong to the number, not to a character literal.
      while (j < src.size() &&
             (ident_char(src[j]) ||
              (number && src[j] == '\'' && j + 1 < src.size() && ident_char(src[j + 1])))) {
        ++j;
      }
      const std::string word = src.substr(i, j - i);
      const bool literal_prefix = word == "R" || word == "u8R" || word == "LR" || word == "uR" ||
                                  word == "UR" || word == "u8" || word == "L" || word == "u" ||
                                  word == "U";
      if (literal_prefix && j < src.size() && (src[j] == '"' || src[j] == '\'')) {
        const bool raw = word.back() == 'R';
        if (raw) {
          const auto open = src.find('(', j);
          const std::string delim = ")" + src.substr(j + 1, open - j - 1) + "\"";
          const auto close = src.find(delim, open);
          const auto stop = close == std::string::npos ? src.size() : close + delim.size();
          const int start_line = line;
          line +=
              static_cast<int>(std::count(src.begin() + static_cast<std::ptrdiff_t>(i),
                                          src.begin() + static_cast<std::ptrdiff_t>(stop), '\n'));
          out.push_back({Kind::kString, src.substr(i, stop - i), start_line});
          i = stop;
          continue;
        }
        i = j;  // the prefix; the quote is read next as a literal
        continue;
      }
      out.push_back({number ? Kind::kNumber : Kind::kIdent, word, line});
      i = j;
    } else if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      while (j < src.size() && src[j] != c) j += src[j] == '\\' ? 2 : 1;
      out.push_back({c == '"' ? Kind::kString : Kind::kChar, src.substr(i, j + 1 - i), line});
      i = j + 1;
    } else {
      static const std::vector<std::string> kLong = {
          "::", "->", "<<", ">>", "==", "!=", "&&", "||", "+=", "<=", ">="};
      std::string p(1, c);
      for (const auto& l : kLong) {
        if (src.compare(i, l.size(), l) == 0) p = l;
      }
      out.push_back({Kind::kPunct, p, line});
      i += p.size();
    }
  }
  return out;
}

/// Names declared in the file as constants whose initialiser is only string literals (with the
/// braces and commas of an array): `constexpr const char* kX = "..." "...";`,
/// `constexpr std::array<std::string_view, 4> kMigrations = {R"(...)", ...};`, `static const
/// char kY[] = "...";`.
std::set<std::string> literal_constants(const std::vector<Token>& t) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].text != "constexpr" && t[i].text != "const") continue;
    // The declarator: the last identifier before '=' on this declaration.
    std::size_t j = i + 1;
    std::string name;
    while (j < t.size() && t[j].text != "=" && t[j].text != ";" && t[j].text != "(" &&
           t[j].text != "{") {
      if (t[j].kind == Kind::kIdent) name = t[j].text;
      ++j;
    }
    if (j >= t.size() || t[j].text != "=" || name.empty()) continue;
    bool only_literals = true;
    bool any_literal = false;
    std::size_t k = j + 1;
    for (; k < t.size() && t[k].text != ";"; ++k) {
      if (t[k].kind == Kind::kString) {
        any_literal = true;
      } else if (t[k].text != "{" && t[k].text != "}" && t[k].text != ",") {
        only_literals = false;
        break;
      }
    }
    if (only_literals && any_literal) names.insert(name);
  }
  return names;
}

/// Whether the expression t[b, e) is text fixed at compile time (see the file comment).
bool fixed_text(const std::vector<Token>& t, std::size_t b, std::size_t e,
                const std::set<std::string>& constants) {
  if (b >= e) return false;
  // A top-level conditional: both branches must be fixed; the condition may be anything.
  int depth = 0;
  for (std::size_t i = b; i < e; ++i) {
    const auto& s = t[i].text;
    if (s == "(" || s == "[" || s == "{") ++depth;
    if (s == ")" || s == "]" || s == "}") --depth;
    if (depth == 0 && s == "?") {
      int d = 0;
      for (std::size_t j = i + 1; j < e; ++j) {
        const auto& x = t[j].text;
        if (x == "(" || x == "[" || x == "{" || x == "?") ++d;
        if (x == ")" || x == "]" || x == "}") --d;
        if (x == ":" && d == 0) {
          return fixed_text(t, i + 1, j, constants) && fixed_text(t, j + 1, e, constants);
        }
        if (x == ":" && d > 0) --d;  // the ':' of a nested '?'
      }
      return false;
    }
  }
  // Operands joined by '+'.
  std::size_t i = b;
  while (i < e) {
    if (t[i].kind == Kind::kString) {
      while (i < e && t[i].kind == Kind::kString) ++i;  // adjacent literals are one
    } else if (t[i].kind == Kind::kIdent && constants.contains(t[i].text)) {
      ++i;
      if (i < e && t[i].text == "[") {  // one element of a constant array: any index
        int d = 0;
        for (; i < e; ++i) {
          if (t[i].text == "[") ++d;
          if (t[i].text == "]" && --d == 0) break;
        }
        if (i >= e) return false;
        ++i;
      }
    } else if (t[i].text == "(" || (t[i].text == "std" && i + 4 < e && t[i + 1].text == "::" &&
                                    (t[i + 2].text == "string" || t[i + 2].text == "string_view") &&
                                    t[i + 3].text == "(")) {
      // Parentheses, or std::string(...) / std::string_view(...) of fixed text.
      std::size_t open = t[i].text == "(" ? i : i + 3;
      int d = 0;
      std::size_t close = open;
      for (; close < e; ++close) {
        if (t[close].text == "(") ++d;
        if (t[close].text == ")" && --d == 0) break;
      }
      if (close >= e || !fixed_text(t, open + 1, close, constants)) return false;
      i = close + 1;
    } else {
      return false;
    }
    if (i == e) return true;
    if (t[i].text != "+") return false;
    ++i;
  }
  return false;
}

struct Site {
  std::string file;  ///< relative to the source tree
  int line;
  std::string function;
  std::string argument;  ///< the SQL argument's tokens joined by single spaces
};

/// Dynamic SQL that is allowed, with the reason. Matched by file and exact argument text.
struct Allowed {
  const char* file;
  const char* argument;
  const char* reason;
};

constexpr Allowed kAllowed[] = {
    {"gateway/store/src/sqlite.cpp", "s . c_str ( )",
     "Database::exec, the wrapper itself: passes its caller's text on (every caller is checked)"},
    {"gateway/store/src/sqlite.cpp", "sql . data ( )",
     "Database::prepare, the wrapper itself: passes its caller's text on"},
    {"gateway/store/src/sqlite.cpp", "sql",
     "Database::query_int/query_text, the wrapper itself: prepare() of its caller's text"},
    {"gateway/store/src/store.cpp", "\"PRAGMA user_version = \" + std :: to_string ( v + 1 )",
     "the schema version after migration v: an integer from the loop over the compiled-in "
     "migrations (PRAGMA takes no bound parameters)"},
    {"gateway/deletion/src/data_deletion.cpp", "sql",
     "SELECT COUNT(*) / DELETE FROM \"table\" WHERE ...: table and column names from kRules (a "
     "fixed list) or, for a table the rules do not know, from the file's own schema; every name "
     "double-quoted by quote_identifier; the mat and the range are bound (?1-?3)"},
    {"gateway/store/src/store.cpp",
     "\"PRAGMA busy_timeout = \" + std :: to_string ( config_ . busy_timeout_ms )",
     "an integer of StoreConfig (PRAGMA takes no bound parameters; std::to_string of an integer "
     "is digits and a sign)"},
    {"gateway/store/src/store.cpp",
     "\"PRAGMA cache_size = -\" + std :: to_string ( config_ . cache_kib )",
     "an integer of StoreConfig, as above"},
    {"gateway/store/src/store.cpp",
     "\"PRAGMA mmap_size = \" + std :: to_string ( config_ . mmap_bytes )",
     "an integer of StoreConfig, as above"},
    {"gateway/export/src/exporter.cpp", "\"SELECT id, created_us FROM \" + table",
     "created_times(): called only with the literals \"pain_entries\" and \"movement_tests\""},
    {"gateway/export/src/exporter.cpp",
     "\"SELECT MIN(\" + min_expr + \"), MAX(\" + max_expr + \") FROM episodes WHERE stream = "
     "'presence' AND label = ?1\"",
     "episode_span(): called only with the literal column names \"start_us\" and \"end_us\"; the "
     "label is bound"},
    {"gateway/export/src/exporter.cpp", "sql",
     "SELECT <columns> FROM <table> ...: names from the compiled-in table specs (kTables), never "
     "from input; the range is bound (?1, ?2)"},
};

/// Every SQL call site seen (fixed or not): the scan's own sanity check.
int g_sql_calls = 0;

std::vector<Site> sql_sites(const fs::path& root, const fs::path& file) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::vector<Token> t = tokenize(buffer.str());
  const std::set<std::string> constants = literal_constants(t);
  static const std::map<std::string, int> kSqliteSql = {
      {"sqlite3_prepare", 1},   {"sqlite3_prepare_v2", 1},   {"sqlite3_prepare_v3", 1},
      {"sqlite3_prepare16", 1}, {"sqlite3_prepare16_v2", 1}, {"sqlite3_prepare16_v3", 1},
      {"sqlite3_exec", 1}};
  static const std::set<std::string> kWrapper = {"prepare", "exec", "query_int", "query_text"};
  static const std::set<std::string> kPrintf = {"sqlite3_mprintf", "sqlite3_vmprintf",
                                                "sqlite3_snprintf", "sqlite3_vsnprintf"};
  std::vector<Site> sites;
  const std::string rel = fs::relative(file, root).generic_string();
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind != Kind::kIdent || t[i + 1].text != "(") continue;
    const std::string& name = t[i].text;
    if (kPrintf.contains(name)) {
      sites.push_back({rel, t[i].line, name, "<sqlite3 printf: never allowed>"});
      continue;
    }
    int sql_arg = -1;
    if (const auto it = kSqliteSql.find(name); it != kSqliteSql.end()) {
      sql_arg = it->second;
    } else if (kWrapper.contains(name) && i > 0) {
      // A call: after '.', '->', or where an expression starts; not a declaration or definition
      // (after a type, '::' or '~').
      const std::string& before = t[i - 1].text;
      const bool call = before == "." || before == "->" || before == "=" || before == "(" ||
                        before == "," || before == "return" || before == "{" || before == ";" ||
                        before == "}" || before == "?" || before == ":";
      if (call) sql_arg = 0;
    }
    if (sql_arg < 0) continue;
    // The arguments at the call's top level.
    std::vector<std::pair<std::size_t, std::size_t>> args;
    int depth = 0;
    std::size_t start = i + 2;
    std::size_t j = i + 1;
    for (; j < t.size(); ++j) {
      const auto& s = t[j].text;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") {
        if (--depth == 0) break;
      }
      if (s == "," && depth == 1) {
        args.emplace_back(start, j);
        start = j + 1;
      }
    }
    if (j > start) args.emplace_back(start, j);
    // The wrapper takes exactly one argument: other arity is another function of that name
    // (Eigen workspaces' prepare(rows, cols), QApplication::exec()).
    if (kWrapper.contains(name) && args.size() != 1) continue;
    if (static_cast<int>(args.size()) <= sql_arg) continue;
    const auto [b, e] = args[static_cast<std::size_t>(sql_arg)];
    ++g_sql_calls;
    if (std::getenv("PMAP_SQL_TEXT_LIST") != nullptr)
      std::printf("call %s:%d\n", rel.c_str(), t[i].line);
    if (fixed_text(t, b, e, constants)) continue;
    std::string text;
    for (std::size_t k = b; k < e; ++k) text += (text.empty() ? "" : " ") + t[k].text;
    sites.push_back({rel, t[i].line, name, text});
  }
  return sites;
}

fs::path source_root() {
  const char* dir = std::getenv("PMAP_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::path();
}

TEST(SqlText, NoSqlIsBuiltFromStringsOutsideTheAllowList) {
  const fs::path root = source_root();
  ASSERT_FALSE(root.empty());
  std::vector<Site> dynamic;
  int files = 0;
  for (const char* top : {"core", "mqtt", "calibration", "firmware-sim", "gateway", "dashboard"}) {
    ASSERT_TRUE(fs::is_directory(root / top)) << root / top;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h")) continue;
      ++files;
      for (auto& s : sql_sites(root, entry.path())) dynamic.push_back(std::move(s));
    }
  }
  EXPECT_GT(files, 100);
  // The scan sees the calls (a tokenizer that swallowed code would see few): 82 when written,
  // every other match of the names being a declaration or another class's prepare()/exec().
  // PMAP_SQL_TEXT_LIST=1 prints each call site.
  EXPECT_GE(g_sql_calls, 75);
  std::map<std::size_t, int> used;
  for (const auto& s : dynamic) {
    bool allowed = false;
    for (std::size_t a = 0; a < std::size(kAllowed); ++a) {
      if (s.file == kAllowed[a].file && s.argument == kAllowed[a].argument) {
        allowed = true;
        ++used[a];
      }
    }
    EXPECT_TRUE(allowed) << s.file << ":" << s.line << ": " << s.function << "(" << s.argument
                         << ") — SQL text assembled at run time: bind the values (?1, ...), or "
                            "add it to kAllowed with the reason if it only joins fixed names";
  }
  for (std::size_t a = 0; a < std::size(kAllowed); ++a) {
    EXPECT_GE(used[a], 1) << "stale allow-list entry: " << kAllowed[a].file << ": "
                          << kAllowed[a].argument;
  }
  std::printf(
      "%d source files scanned, %zu of them with text assembled at run time, checked "
      "against the allow-list of %zu entries\n",
      files, dynamic.size(), std::size(kAllowed));
}

// The rule itself, on made-up code: what passes and what is caught.
std::vector<Site> sites_of(const std::string& code) {
  const fs::path dir = fs::temp_directory_path() / ("pmap-sql-text-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "x.cpp";
  std::ofstream(file) << code;
  auto sites = sql_sites(dir, file);
  fs::remove_all(dir);
  return sites;
}

TEST(SqlText, TheRuleAcceptsFixedTextAndCatchesAssembledText) {
  // Fixed: literals, adjacent literals, raw strings, literal constants, a conditional between
  // literals, an element of a constant array, std::string() of a constant + a literal.
  EXPECT_TRUE(sites_of(R"x(
constexpr const char* kInsert = "INSERT INTO t VALUES (?1)";
constexpr std::array<std::string_view, 2> kMig = {R"sql(CREATE TABLE a (x);)sql", "CREATE TABLE b (y);"};
void f(Database& db, bool one, int v) {
  db.prepare("SELECT 1");
  db.exec("PRAGMA a = 1;" "PRAGMA b = 2");
  db.prepare(R"sql(SELECT x FROM "t" WHERE y = ?1)sql");
  db.prepare(kInsert);
  auto s = db.prepare(one ? "SELECT 1 WHERE a = ?1" : "SELECT 2");
  db.exec(kMig[v]);
  store.db().prepare(std::string(kInsert) + " ON CONFLICT DO NOTHING");
  ws.prepare(rows, cols);  // not the wrapper: two arguments
  k.prepare();
}
)x")
                  .empty());
  // Caught: a value concatenated in, std::to_string, a variable, std::format, a stream's text, a
  // non-literal constant, a conditional with one assembled branch, sqlite3_exec of a variable,
  // sqlite3_mprintf.
  const auto caught = sites_of(R"x(
const std::string kTable = table_name();
void g(Database& db, sqlite3* h, const std::string& mat, int n, bool b) {
  db.prepare("SELECT * FROM epochs WHERE mat_id = '" + mat + "'");
  db.query_int("SELECT COUNT(*) FROM t WHERE n = " + std::to_string(n));
  std::string sql = "SELECT 1";
  db.prepare(sql);
  db.exec(std::format("DELETE FROM t WHERE id = {}", n));
  std::ostringstream q; q << "SELECT " << n;
  db.prepare(q.str());
  db.prepare(kTable);
  db.prepare(b ? "SELECT 1" : "SELECT " + mat);
  sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr);
  char* s = sqlite3_mprintf("SELECT %Q", mat.c_str());
  return db.query_text("SELECT name FROM " + mat);
}
)x");
  EXPECT_EQ(caught.size(), 10U);
  std::set<int> lines;
  for (const auto& s : caught) lines.insert(s.line);
  EXPECT_EQ(lines, (std::set<int>{4, 5, 7, 8, 10, 11, 12, 13, 14, 15}));
}

}  // namespace
