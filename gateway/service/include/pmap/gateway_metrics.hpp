#pragma once
// The gateway's Prometheus metrics (GET /metrics, docs/metrics.md).
//
// Hot path: the latency histograms are lock-free (metrics::Histogram). Everything owned by the
// io_context thread (the ingest counters, which are plain integers there) is copied into this
// object once a second by the housekeeping timer and at shutdown (publish_pipeline()), under a
// mutex that the per-frame path never takes; a scrape therefore sees counters at most ~1 s old.
// The MQTT connection state and the outbox counters are atomics read at scrape time.
//
// Threading: observe through the histograms and call the setters from any thread; render() from
// any thread (the API's network thread).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "pmap/mat_metrics.hpp"
#include "pmap/metrics/histogram.hpp"
#include "pmap/store_writer.hpp"

namespace pmap {

namespace api {
class ApiServer;
}

/// Counters of the gateway as a whole, copied with the mats.
struct GatewayTotals {
  std::uint64_t unattributed = 0;      ///< messages on topics that are not pmap/v1/<mat>/...
  std::uint64_t too_many_mats = 0;     ///< frames of mats beyond max_mats
  std::uint64_t overload_dropped = 0;  ///< messages dropped while shutting down
  std::uint64_t states_published = 0;
};

/// What render() reads besides the histograms (a value, so the text is testable without threads).
struct GatewayMetricsView {
  std::vector<MatMetrics> mats;
  GatewayTotals totals;
  std::int64_t now_us = 0;  ///< wall clock of the scrape (ages)
  bool mqtt_connected = false;
  std::uint64_t mqtt_published = 0;
  std::uint64_t mqtt_publish_failures = 0;
  std::uint64_t mqtt_outbox_dropped = 0;
  std::uint64_t messages_queued = 0;       ///< received, waiting for the processing thread
  std::uint64_t messages_queue_limit = 0;  ///< max_queued_messages (0: not written)
  double delivery_held_s = 0;  ///< time MQTT delivery waited for room in that queue
  StoreWriter::Stats store;             ///< the database writer (failing, buffered, dropped)
  std::uint64_t api_rate_limited = 0;   ///< API requests refused 429 (per-client rate limit)
  std::uint64_t api_auth_failures = 0;  ///< API requests refused 401 (missing or wrong token)
  double process_start_s = 0;           ///< Unix time the gateway started
  std::int64_t resident_bytes = -1;     ///< -1: unknown (not written)
  std::string version;
  std::string compiler;
};

class GatewayMetrics {
 public:
  GatewayMetrics();

  metrics::Histogram decode{metrics::Histogram::frame_bounds()};
  metrics::Histogram estimate{metrics::Histogram::frame_bounds()};
  metrics::Histogram db_write{metrics::Histogram::write_bounds()};

  /// io_context thread, about once a second: the pipeline's counters.
  void publish_pipeline(std::vector<MatMetrics> mats, GatewayTotals totals);
  /// Reads the live atomics of the service (MQTT state, outbox counters).
  using LiveReader = std::function<void(GatewayMetricsView&)>;
  void set_live_reader(LiveReader reader) { live_ = std::move(reader); }

  /// The full exposition text of a scrape now.
  [[nodiscard]] std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::vector<MatMetrics> mats_;
  GatewayTotals totals_;
  LiveReader live_;
  double start_s_;
};

/// The exposition text for a view and the three histograms (pure; unit-tested).
[[nodiscard]] std::string render_gateway_metrics(const GatewayMetricsView& view,
                                                 const metrics::Histogram::Snapshot& decode,
                                                 const metrics::Histogram::Snapshot& estimate,
                                                 const metrics::Histogram::Snapshot& db_write);

/// Adds GET /metrics to `api`'s router (before api.start()): inline on the network thread (no
/// database), no query parameters, the same bearer-token rule as every endpoint but /v1/health.
/// `metrics` must outlive the server.
void add_metrics_route(api::ApiServer& api, const GatewayMetrics& metrics);

/// This build's version (the CMake project version) and compiler ("gcc 12.2.0").
[[nodiscard]] std::string build_version();
[[nodiscard]] std::string build_compiler();
/// Resident set size of this process from /proc/self/statm; -1 when unreadable.
[[nodiscard]] std::int64_t resident_memory_bytes();

}  // namespace pmap
