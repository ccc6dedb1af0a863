#pragma once
// A tiny evaluator of the only Home Assistant value_template form the gateway's discovery
// configs use: `{{ value_json.<key>.<key>… }}` (keys of [a-z0-9_]). It renders the value as
// HA's Jinja would: a string as is, true/false as True/False, null as None, numbers as JSON.
// Anything else — another template form, a missing key, a key into a non-object — is an error,
// so a template that would fail in Home Assistant fails the test.
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmap::ha::test {

/// The key path of a template, or nullopt when it is not of the supported form.
inline std::optional<std::vector<std::string>> template_path(const std::string& tmpl) {
  static const std::regex kForm(R"(^\{\{ value_json((\.[a-z0-9_]+)+) \}\}$)");
  std::smatch m;
  if (!std::regex_match(tmpl, m, kForm)) return std::nullopt;
  std::vector<std::string> path;
  const std::string keys = m[1].str();
  std::size_t i = 1;
  while (i <= keys.size()) {
    const std::size_t dot = keys.find('.', i);
    path.push_back(keys.substr(i, dot == std::string::npos ? std::string::npos : dot - i));
    if (dot == std::string::npos) break;
    i = dot + 1;
  }
  return path;
}

struct Rendered {
  std::string text;   ///< what HA would compare with payload_on / parse as the state
  std::string error;  ///< non-empty when HA's rendering would fail
};

inline Rendered render_template(const std::string& tmpl, const std::string& payload) {
  const auto path = template_path(tmpl);
  if (!path) return {"", "unsupported template form: " + tmpl};
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (doc.is_discarded()) return {"", "payload is not JSON"};
  const nlohmann::json* v = &doc;
  for (const auto& key : *path) {
    if (!v->is_object()) return {"", "'" + key + "' looked up in a non-object"};
    const auto it = v->find(key);
    if (it == v->end()) return {"", "no key '" + key + "'"};
    v = &*it;
  }
  if (v->is_string()) return {v->get<std::string>(), ""};
  if (v->is_boolean()) return {v->get<bool>() ? "True" : "False", ""};
  if (v->is_null()) return {"None", ""};
  if (v->is_number()) return {v->dump(), ""};
  return {"", "the value is an object or array"};
}

}  // namespace pmap::ha::test
