#pragma once
// One mat's figures for GET /metrics (docs/metrics.md), copied off the pipeline's thread. Its own
// header so that the metrics rendering (pmap::gateway_metrics) builds without the pipeline's
// analysis stages (the /metrics fuzz target links only it).
#include <cstdint>
#include <string>

#include "pmap/ingest.hpp"

namespace pmap {

struct MatMetrics {
  std::string mat_id;
  std::string kind;  ///< "bed", "chair"; empty before the mat's meta
  MatCounters counters;
  std::int64_t last_frame_us = -1;  ///< gateway wall clock of the newest accepted frame; -1: none
};

}  // namespace pmap
