#include "pmap/export/csv.hpp"

namespace pmap::data_export {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '"';
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

namespace {

std::string plain_text(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return {};
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "yes" : "no";
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::array: {
      std::string joined;
      for (const auto& element : value) {
        if (!joined.empty()) joined += ';';
        joined += plain_text(element);
      }
      return joined;
    }
    default:
      // Numbers (exact integers, shortest round-trip doubles) and objects.
      return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

std::string csv_cell(const nlohmann::json& value) {
  return csv_field(plain_text(value));
}

}  // namespace pmap::data_export
