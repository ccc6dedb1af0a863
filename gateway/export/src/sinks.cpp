#include "pmap/export/sinks.hpp"

#include <utility>

#include "pmap/export/csv.hpp"

namespace pmap::data_export {

namespace {

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

// ------------------------------------------------------------------------------------- JSON

JsonDocumentSink::JsonDocumentSink(std::ostream& out, const nlohmann::ordered_json& header)
    : out_(out) {
  out_ << '{';
  bool first = true;
  for (const auto& [key, value] : header.items()) {
    out_ << (first ? "\n  " : ",\n  ") << dump(nlohmann::ordered_json(key)) << ": " << dump(value);
    first = false;
  }
  check();
}

void JsonDocumentSink::begin_table(const TableLayout& layout) {
  // The header always has members, so every table follows a comma.
  out_ << ",\n  " << dump(nlohmann::json(layout.name)) << ": [";
  first_row_ = true;
  check();
}

void JsonDocumentSink::row(const nlohmann::json& row) {
  out_ << (first_row_ ? "\n    " : ",\n    ") << dump(row);
  first_row_ = false;
  // A full disk shows at the next flush; checking the stream's state here is cheap.
  if (!out_) throw ExportError("writing the JSON document failed");
}

void JsonDocumentSink::end_table() {
  out_ << (first_row_ ? "]" : "\n  ]");
  check();
}

void JsonDocumentSink::finish() {
  out_ << "\n}\n";
  out_.flush();
  check();
}

void JsonDocumentSink::check() const {
  if (!out_) throw ExportError("writing the JSON document failed");
}

// -------------------------------------------------------------------------------------- CSV

CsvDirectorySink::CsvDirectorySink(std::filesystem::path directory)
    : directory_(std::move(directory)) {}

void CsvDirectorySink::begin_table(const TableLayout& layout) {
  current_path_ = directory_ / layout.csv_file;
  file_ = std::ofstream(current_path_, std::ios::binary | std::ios::trunc);
  if (!file_) throw ExportError("cannot create '" + current_path_.string() + "'");
  columns_ = layout.csv_columns;
  line_.clear();
  for (const auto& c : columns_) {
    if (!line_.empty()) line_ += ',';
    line_ += csv_field(c.header);
  }
  line_ += '\n';
  file_ << line_;
  files_.push_back(layout.csv_file);
}

void CsvDirectorySink::row(const nlohmann::json& row) {
  line_.clear();
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) line_ += ',';
    const auto& path = columns_[i].path;
    if (row.contains(path)) line_ += csv_cell(row.at(path));
  }
  line_ += '\n';
  file_ << line_;
  if (!file_) throw ExportError("cannot write '" + current_path_.string() + "'");
}

void CsvDirectorySink::end_table() {
  file_.close();
  if (!file_) throw ExportError("cannot write '" + current_path_.string() + "'");
}

void CsvDirectorySink::finish() {}

}  // namespace pmap::data_export
