#pragma once
// The /v1 endpoints (docs/api.md). Internal to pmap::api.
//
// Threading: every handler runs on the API thread and uses the Store given here, which belongs
// to that thread.
#include <cstdint>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "pmap/api/api_server.hpp"
#include "pmap/api/router.hpp"
#include "pmap/api/state_snapshot.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/store.hpp"

namespace pmap::api {

/// Longest range of dates one request may ask for (nights, days, episodes, pain).
inline constexpr int kMaxRangeDays = 400;
/// Episodes: default and largest `limit`.
inline constexpr int kDefaultEpisodeLimit = 1000;
inline constexpr int kMaxEpisodeLimit = 10000;

struct EndpointContext {
  Store* store = nullptr;
  const diary::TimeZone* zone = nullptr;
  std::int64_t epoch_seconds = 5;
  std::shared_ptr<const StateSnapshot> states;
  std::function<nlohmann::json()> counters;      ///< for GET /v1/health
  std::function<nlohmann::json()> store_health;  ///< GET /v1/health "store"; empty: none
  DataDeleter deleter;                           ///< DELETE /v1/data; empty: on `store`
  bool token_configured = false;  ///< a bearer token guards the API (DELETE needs one)
};

/// Adds every /v1 route. `context` must outlive the router's use.
void add_v1_routes(Router& router, const EndpointContext& context);

}  // namespace pmap::api
