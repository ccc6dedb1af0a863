#include "exposition_parser.hpp"

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace pmap::metrics::test {

namespace {

bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

std::string read_name(const std::string& s, std::size_t& i, bool label) {
  const std::size_t start = i;
  if (i >= s.size() || !name_start(s[i]) || (label && s[i] == ':')) return {};
  while (i < s.size() && name_char(s[i]) && !(label && s[i] == ':')) ++i;
  return s.substr(start, i - start);
}

bool parse_value(const std::string& s, double& v) {
  if (s == "NaN") {
    v = NAN;
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    v = INFINITY;
    return true;
  }
  if (s == "-Inf") {
    v = -INFINITY;
    return true;
  }
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

/// The family a sample name belongs to, given the declared families.
std::string family_of(const std::string& sample, const std::map<std::string, ParsedFamily>& fams) {
  if (fams.count(sample) != 0) return sample;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string suf(suffix);
    if (sample.size() > suf.size() && sample.ends_with(suf)) {
      const std::string base = sample.substr(0, sample.size() - suf.size());
      const auto it = fams.find(base);
      if (it != fams.end() && it->second.type == "histogram") return base;
    }
  }
  return {};
}

}  // namespace

double ParsedExposition::value(const std::string& name,
                               const std::map<std::string, std::string>& labels) const {
  for (const auto& [fname, fam] : families)
    for (const auto& s : fam.samples)
      if (s.name == name && s.labels == labels) return s.value;
  return NAN;
}

ParsedExposition parse_exposition(const std::string& text) {
  ParsedExposition out;
  std::map<std::string, int> helps, types;
  std::set<std::string> closed;  // families whose samples ended
  std::string current;           // family of the previous sample
  std::istringstream in(text);
  std::string line;
  int n = 0;
  const auto fail = [&](const std::string& why) {
    out.errors.push_back("line " + std::to_string(n) + ": " + why + ": '" + line + "'");
  };
  if (!text.empty() && text.back() != '\n') {
    out.errors.push_back("the text does not end with a newline");
  }
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kw, name;
      ls >> hash >> kw >> name;
      if (hash != "#" || (kw != "HELP" && kw != "TYPE")) continue;  // a plain comment
      std::size_t i = 0;
      if (read_name(name, i, false) != name || name.empty()) {
        fail("bad metric name in " + kw);
        continue;
      }
      const std::size_t prefix = 2 + kw.size() + 1 + name.size();
      std::string rest = line.size() > prefix ? line.substr(prefix + 1) : std::string();
      auto& fam = out.families[name];
      if (kw == "HELP") {
        if (++helps[name] > 1) fail("second HELP for " + name);
        fam.help = rest;
      } else {
        if (++types[name] > 1) fail("second TYPE for " + name);
        if (!fam.samples.empty()) fail("TYPE after samples of " + name);
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (kTypes.count(rest) == 0) fail("unknown type '" + rest + "'");
        if (rest == "counter" && !name.ends_with("_total")) fail("counter without _total");
        fam.type = rest;
      }
      continue;
    }
    // A sample.
    std::size_t i = 0;
    ParsedSample s;
    s.name = read_name(line, i, false);
    if (s.name.empty()) {
      fail("no metric name");
      continue;
    }
    bool ok = true;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (ok && i < line.size() && line[i] != '}') {
        const std::string label = read_name(line, i, true);
        if (label.empty() || label.starts_with("__") || i >= line.size() || line[i] != '=' ||
            i + 1 >= line.size() || line[i + 1] != '"') {
          ok = false;
          break;
        }
        i += 2;
        std::string value;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) break;
            const char e = line[++i];
            if (e == 'n') {
              value += '\n';
            } else if (e == '\\' || e == '"') {
              value += e;
            } else {
              ok = false;
            }
          } else {
            value += line[i];
          }
        }
        if (i >= line.size()) {
          ok = false;
          break;
        }
        ++i;                                                     // closing quote
        if (!s.labels.emplace(label, value).second) ok = false;  // repeated label
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') ok = false;
      ++i;
    }
    if (!ok || i >= line.size() || line[i] != ' ') {
      fail("malformed sample");
      continue;
    }
    std::istringstream rest(line.substr(i + 1));
    std::string value, timestamp, extra;
    rest >> value >> timestamp >> extra;
    if (!parse_value(value, s.value) || !extra.empty()) {
      fail("bad value");
      continue;
    }
    const std::string fam = family_of(s.name, out.families);
    if (fam.empty() || types[fam] == 0 || helps[fam] == 0) {
      fail("sample without a HELP and TYPE before it");
      continue;
    }
    if (fam != current) {
      if (closed.count(fam) != 0) fail("samples of " + fam + " not contiguous");
      if (!current.empty()) closed.insert(current);
      current = fam;
    }
    out.families[fam].samples.push_back(std::move(s));
  }
  for (const auto& [name, fam] : out.families) {
    if (helps[name] != 1 || types[name] != 1) out.errors.push_back(name + ": HELP/TYPE not once");
    if (fam.type != "histogram") {
      for (const auto& s : fam.samples)
        if (s.name != name) out.errors.push_back(name + ": foreign sample " + s.name);
      continue;
    }
    // Histograms: group by the labels other than le.
    std::map<std::map<std::string, std::string>, std::vector<const ParsedSample*>> buckets;
    std::map<std::map<std::string, std::string>, double> counts, sums;
    for (const auto& s : fam.samples) {
      auto labels = s.labels;
      if (s.name == name + "_bucket") {
        if (labels.erase("le") != 1) out.errors.push_back(name + ": bucket without le");
        buckets[labels].push_back(&s);
      } else if (s.name == name + "_count") {
        counts[labels] = s.value;
      } else if (s.name == name + "_sum") {
        sums[labels] = s.value;
      } else {
        out.errors.push_back(name + ": foreign sample " + s.name);
      }
    }
    if (buckets.empty()) out.errors.push_back(name + ": histogram without buckets");
    for (const auto& [labels, list] : buckets) {
      double prev_le = -INFINITY, prev = 0;
      for (const auto* b : list) {
        double le = 0;
        if (!parse_value(b->labels.at("le"), le) || le <= prev_le)
          out.errors.push_back(name + ": le not increasing");
        if (b->value < prev) out.errors.push_back(name + ": buckets not cumulative");
        prev_le = le;
        prev = b->value;
      }
      if (list.back()->labels.at("le") != "+Inf")
        out.errors.push_back(name + ": last bucket is not +Inf");
      if (counts.count(labels) == 0 || sums.count(labels) == 0) {
        out.errors.push_back(name + ": _count or _sum missing");
      } else if (counts[labels] != list.back()->value) {
        out.errors.push_back(name + ": +Inf bucket != _count");
      }
    }
  }
  return out;
}

}  // namespace pmap::metrics::test
