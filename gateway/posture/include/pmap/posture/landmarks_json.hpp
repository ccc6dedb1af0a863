#pragma once
// The bed landmarks as JSON, one spelling for every document that carries them: the gateway's
// `state` (posture.landmarks, docs/protocol.md §7) and pmap-analyze's per-frame lines
// (docs/analyze.md). A template over the JSON type, so both nlohmann::json and ordered_json use it
// without this library depending on nlohmann.
#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture {

/// {"row", "col", "confidence"} in canonical taxel coordinates, or null when not found.
template <typename Json>
[[nodiscard]] Json landmark_json(const Landmark& l) {
  if (!(l.confidence > 0)) return Json(nullptr);
  Json o = Json::object();
  o["row"] = l.row;
  o["col"] = l.col;
  o["confidence"] = l.confidence;
  return o;
}

/// {"head", "shoulders", "pelvis", "knees", "heels"}, each landmark_json.
template <typename Json>
[[nodiscard]] Json landmarks_json(const BedLandmarks& l) {
  Json o = Json::object();
  o["head"] = landmark_json<Json>(l.head);
  o["shoulders"] = landmark_json<Json>(l.shoulders);
  o["pelvis"] = landmark_json<Json>(l.pelvis);
  o["knees"] = landmark_json<Json>(l.knees);
  o["heels"] = landmark_json<Json>(l.heels);
  return o;
}

}  // namespace pmap::posture
