#pragma once
// Small RAII wrapper over the SQLite3 C API: a connection and prepared statements.
//
// Error semantics: every failing sqlite3_* call throws pmap::SqliteError carrying the SQLite
// result code and message. Threading: a Database and its statements belong to one thread at a
// time (SQLite "multi-thread" mode).
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace pmap {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] int code() const { return code_; }

 private:
  int code_;
};

class Statement;

class Database {
 public:
  enum class Mode { kReadWriteCreate, kReadOnly };
  /// Opens (or creates) the database at `path`. Throws SqliteError.
  Database(const std::string& path, Mode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs one or more statements without results.
  void exec(std::string_view sql);
  [[nodiscard]] Statement prepare(std::string_view sql);
  /// First column of the first row as an integer (0 when there is no row).
  [[nodiscard]] std::int64_t query_int(std::string_view sql);
  [[nodiscard]] std::string query_text(std::string_view sql);
  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] std::int64_t changes() const;
  /// The main database file's absolute path ("" for an in-memory database).
  [[nodiscard]] std::string filename() const;

 private:
  friend class Statement;
  [[noreturn]] void fail(int code, std::string_view what) const;
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::span<const std::uint8_t> blob);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<double>& value);

  /// Steps once: true when a row is available, false when done. Throws on error.
  bool step();
  /// Steps to completion, then resets (for INSERT/UPDATE/DELETE).
  void run();
  void reset();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t column_int(int column) const;
  [[nodiscard]] double column_double(int column) const;
  /// True when the column's value is SQL NULL (e.g. MAX() over no rows).
  [[nodiscard]] bool column_is_null(int column) const;
  [[nodiscard]] std::string column_text(int column) const;
  [[nodiscard]] std::vector<std::uint8_t> column_blob(int column) const;

 private:
  friend class Database;
  Statement(const Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const Database* db_;
  sqlite3_stmt* stmt_;
};

/// BEGIN IMMEDIATE … COMMIT; rolls back in the destructor unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace pmap
