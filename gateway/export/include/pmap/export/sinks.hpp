#pragma once
// Where exported rows go, one table after the other and one row at a time, so nothing but the
// current row is held in memory (docs/export.md).
//
//  * JsonDocumentSink — one JSON document on a stream: the header fields, then one array per
//    table, one row object per line. Every key and value is serialised by nlohmann::json; the
//    sink only writes the punctuation between them (nlohmann::json has no streaming writer).
//    Invalid UTF-8 in stored text is replaced by U+FFFD rather than failing the export.
//  * CsvDirectorySink — one CSV file per table in a directory, a header row, the layout's columns
//    in the layout's order (csv.hpp for the cells).
//
// Errors: ExportError when a file cannot be opened or written.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmap::data_export {

class ExportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A CSV column: its header and where its value is in the row object (a JSON pointer, e.g.
/// "/red_flags/bladder_bowel"; a missing value is an empty cell).
struct CsvColumn {
  std::string header;
  nlohmann::json::json_pointer path;
};

/// One exported table: its key in the JSON document, its CSV file name and columns.
struct TableLayout {
  std::string name;
  std::string csv_file;
  std::vector<CsvColumn> csv_columns;
};

class TableSink {
 public:
  virtual ~TableSink() = default;
  virtual void begin_table(const TableLayout& layout) = 0;
  /// One row: an object whose keys are the table's fields.
  virtual void row(const nlohmann::json& row) = 0;
  virtual void end_table() = 0;
  /// After the last table: completes the output (closing brackets, flushing). Throws ExportError
  /// when the output could not be written.
  virtual void finish() = 0;
};

class JsonDocumentSink final : public TableSink {
 public:
  /// Writes "{" and the members of `header` (an object) at once.
  JsonDocumentSink(std::ostream& out, const nlohmann::ordered_json& header);
  void begin_table(const TableLayout& layout) override;
  void row(const nlohmann::json& row) override;
  void end_table() override;
  void finish() override;

 private:
  void check() const;
  std::ostream& out_;
  bool first_row_ = true;
};

class CsvDirectorySink final : public TableSink {
 public:
  /// `directory` must exist; files are created in it (an existing file of the same name is
  /// replaced).
  explicit CsvDirectorySink(std::filesystem::path directory);
  void begin_table(const TableLayout& layout) override;
  void row(const nlohmann::json& row) override;
  void end_table() override;
  void finish() override;
  /// The files written, in order.
  [[nodiscard]] const std::vector<std::string>& files() const { return files_; }

 private:
  std::filesystem::path directory_;
  std::filesystem::path current_path_;
  std::ofstream file_;
  std::vector<CsvColumn> columns_;
  std::vector<std::string> files_;
  std::string line_;  ///< reused for every row
};

}  // namespace pmap::data_export
