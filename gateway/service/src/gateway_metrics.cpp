#include "pmap/gateway_metrics.hpp"

#include <unistd.h>

#include <fstream>
#include <set>

#include "pmap/api/api_server.hpp"
#include "pmap/ingest.hpp"
#include "pmap/metrics/exposition.hpp"

#ifndef PMAP_VERSION
#error "PMAP_VERSION must be defined by the build"
#endif

namespace pmap {

namespace {

double wall_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string build_version() {
  return PMAP_VERSION;
}

std::string build_compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

std::int64_t resident_memory_bytes() {
  std::ifstream in("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return -1;
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? resident * page : -1;
}

GatewayMetrics::GatewayMetrics() : start_s_(wall_now_s()) {}

void add_metrics_route(api::ApiServer& api, const GatewayMetrics& metrics) {
  const GatewayMetrics* m = &metrics;
  api.router().add(
      "GET", "/metrics", {},
      [m](const api::Request&) {
        api::Response res;
        res.text = m->render();
        res.headers.emplace_back("Content-Type", std::string(metrics::kContentType));
        return res;
      },
      api::Runs::kInline);
}

void GatewayMetrics::publish_pipeline(std::vector<MatMetrics> mats, GatewayTotals totals) {
  const std::lock_guard lock(mutex_);
  mats_ = std::move(mats);
  totals_ = totals;
}

std::string GatewayMetrics::render() const {
  GatewayMetricsView view;
  {
    const std::lock_guard lock(mutex_);
    view.mats = mats_;
    view.totals = totals_;
  }
  if (live_) live_(view);
  view.now_us = wall_now_us();
  view.process_start_s = start_s_;
  view.resident_bytes = resident_memory_bytes();
  view.version = build_version();
  view.compiler = build_compiler();
  return render_gateway_metrics(view, decode.snapshot(), estimate.snapshot(), db_write.snapshot());
}

std::string render_gateway_metrics(const GatewayMetricsView& v,
                                   const metrics::Histogram::Snapshot& decode,
                                   const metrics::Histogram::Snapshot& estimate,
                                   const metrics::Histogram::Snapshot& db_write) {
  using metrics::Sample;
  metrics::Exposition out;
  const auto one = [](double value) { return std::vector<Sample>{Sample{{}, value}}; };
  const auto per_mat = [&](auto get) {
    std::vector<Sample> s;
    for (const auto& m : v.mats) s.push_back(Sample{{{"mat", m.mat_id}}, get(m)});
    return s;
  };

  out.gauge("pmap_build_info", "Build of this gateway (always 1).",
            {Sample{{{"version", v.version}, {"compiler", v.compiler}}, 1}});
  out.gauge("process_start_time_seconds", "Start time of the gateway since the Unix epoch.",
            one(v.process_start_s));
  if (v.resident_bytes >= 0)
    out.gauge("process_resident_memory_bytes", "Resident memory of the gateway process.",
              one(static_cast<double>(v.resident_bytes)));

  out.counter(
      "pmap_frames_received_total", "Messages received on a mat's frame topic.",
      per_mat([](const MatMetrics& m) { return static_cast<double>(m.counters.received); }));
  out.counter(
      "pmap_frames_accepted_total", "Frames that passed validation.",
      per_mat([](const MatMetrics& m) { return static_cast<double>(m.counters.accepted); }));
  {
    // Every reason of protocol §6 for every mat (0 until it happens), so rates need no absent()
    // juggling; a reason the ingest stage adds later still shows up.
    std::vector<Sample> s;
    for (const auto& m : v.mats) {
      std::set<std::string, std::less<>> reasons;
      for (const auto r : rejection_reasons()) reasons.emplace(r);
      for (const auto& [r, n] : m.counters.rejected_by_reason) reasons.insert(r);
      for (const auto& r : reasons) {
        const auto it = m.counters.rejected_by_reason.find(r);
        const double n =
            it == m.counters.rejected_by_reason.end() ? 0 : static_cast<double>(it->second);
        s.push_back(Sample{{{"mat", m.mat_id}, {"reason", r}}, n});
      }
    }
    out.counter("pmap_frames_rejected_total",
                "Frames rejected, by reason (docs/protocol.md, section 6).", s);
  }
  out.counter("pmap_frames_missing_total", "Sequence gaps (frames never received).",
              per_mat([](const MatMetrics& m) { return static_cast<double>(m.counters.missing); }));
  out.counter(
      "pmap_meta_rejected_total", "Meta documents rejected.",
      per_mat([](const MatMetrics& m) { return static_cast<double>(m.counters.bad_meta); }));
  {
    std::vector<Sample> s;
    for (const auto& m : v.mats) {
      if (m.last_frame_us < 0) continue;
      s.push_back(
          Sample{{{"mat", m.mat_id}}, static_cast<double>(v.now_us - m.last_frame_us) / 1e6});
    }
    out.gauge("pmap_mat_last_frame_age_seconds",
              "Seconds since the gateway processed the mat's newest accepted frame.", s);
  }
  out.counter("pmap_messages_unattributed_total",
              "Messages on topics that name no valid mat and channel.",
              one(static_cast<double>(v.totals.unattributed)));
  out.counter("pmap_frames_too_many_mats_total", "Frames of mats beyond the max_mats limit.",
              one(static_cast<double>(v.totals.too_many_mats)));
  out.counter("pmap_messages_overload_dropped_total",
              "Messages dropped because the pipeline was behind while shutting down.",
              one(static_cast<double>(v.totals.overload_dropped)));
  out.counter("pmap_states_published_total", "State documents handed to MQTT.",
              one(static_cast<double>(v.totals.states_published)));

  out.histogram("pmap_frame_decode_seconds",
                "Time to decode and validate one frame message (ingest).", decode);
  out.histogram("pmap_frame_estimate_seconds",
                "Time from an accepted frame to its state: conditioning, features, posture.",
                estimate);
  out.histogram("pmap_db_write_seconds", "Duration of one SQLite write transaction.", db_write);
  out.counter("pmap_db_transactions_total", "SQLite write transactions committed.",
              one(static_cast<double>(v.store.transactions)));
  out.counter("pmap_db_write_errors_total",
              "SQLite write transactions that failed (held for a retry or dropped).",
              one(static_cast<double>(v.store.write_errors)));
  out.gauge("pmap_db_write_failing",
            "1 while the database refuses writes (disk full, read-only, I/O error) and batches "
            "are held in memory for a retry, else 0.",
            one(v.store.failing ? 1 : 0));
  out.gauge("pmap_db_write_failing_seconds", "How long the database has been refusing writes.",
            one(v.store.failing_for_s));
  out.gauge("pmap_db_buffered_bytes",
            "Estimated bytes of batches waiting in memory for the database.",
            one(static_cast<double>(v.store.buffered_bytes)));
  out.gauge("pmap_db_buffer_max_bytes", "The cap of pmap_db_buffered_bytes (store_buffer_mb).",
            one(static_cast<double>(v.store.max_buffer_bytes)));
  out.counter("pmap_db_dropped_raw_frames_total",
              "Raw-archive frames dropped to keep the held batches under the memory cap.",
              one(static_cast<double>(v.store.dropped_raw_frames)));
  out.counter("pmap_db_dropped_rows_total",
              "Rows (epochs, episodes, status events...) never stored: over the memory cap, or "
              "refused by the database for good.",
              one(static_cast<double>(v.store.dropped_rows)));

  out.gauge("pmap_mqtt_connected", "1 while the gateway is connected to the broker, else 0.",
            one(v.mqtt_connected ? 1 : 0));
  out.counter("pmap_mqtt_published_total", "MQTT messages published.",
              one(static_cast<double>(v.mqtt_published)));
  out.counter("pmap_mqtt_publish_failures_total", "MQTT publishes that failed.",
              one(static_cast<double>(v.mqtt_publish_failures)));
  out.counter("pmap_mqtt_outbox_dropped_total",
              "Outgoing MQTT messages dropped from the full outbox.",
              one(static_cast<double>(v.mqtt_outbox_dropped)));
  if (v.messages_queue_limit > 0) {
    // Read at the scrape, not copied by the busy processing thread: a backlog shows at once.
    out.gauge("pmap_messages_queued",
              "Messages received from the broker and waiting for the processing thread.",
              one(static_cast<double>(v.messages_queued)));
    out.gauge("pmap_messages_queue_limit",
              "max_queued_messages: at this many queued, MQTT delivery waits (back-pressure).",
              one(static_cast<double>(v.messages_queue_limit)));
    out.counter("pmap_mqtt_delivery_held_seconds_total",
                "Time MQTT delivery waited for room in the queue; rising: the gateway is behind "
                "and the broker holds the rest.",
                one(v.delivery_held_s));
  }
  out.counter("pmap_api_rate_limited_total",
              "API requests refused with 429 by the per-client rate limit.",
              one(static_cast<double>(v.api_rate_limited)));
  out.counter("pmap_api_auth_failures_total",
              "API requests refused with 401 (missing or wrong bearer token).",
              one(static_cast<double>(v.api_auth_failures)));
  return out.text();
}

}  // namespace pmap
