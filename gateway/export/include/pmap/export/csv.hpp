#pragma once
// CSV cells (RFC 4180) for the export's files (docs/export.md, "CSV").
//
// A field holding a comma, a double quote, CR or LF is enclosed in double quotes, with every
// double quote inside doubled; any other field is written as it is. Records end with LF (as the
// existing pain.csv; pmapctl import accepts LF and CRLF).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pmap::data_export {

/// `text` as one RFC 4180 field.
[[nodiscard]] std::string csv_field(std::string_view text);

/// One JSON value as a CSV field: null or missing → empty; true/false → yes/no (as the diary's
/// CSV); a number as JSON writes it (integers exactly, doubles in the shortest form that reads
/// back to the same double); a string as it is; an array → its elements joined with ';' (as the
/// pain CSV's tags); an object → its JSON text. Then quoted by csv_field.
[[nodiscard]] std::string csv_cell(const nlohmann::json& value);

}  // namespace pmap::data_export
