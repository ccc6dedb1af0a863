#pragma once
// The pmap-gateway service: MQTT in, pipeline, SQLite and state out.
//
// Threading (mosquitto-style statement):
//  - One thread runs the Boost.Asio io_context (the caller of run()). It owns the pipeline
//    (ingest, conditioning, features, aggregation, state publishing), the signal sets
//    (SIGINT/SIGTERM: shutdown; SIGHUP: reload calibrations, between two messages) and the timers
//    (flush, state, housekeeping, reconnect).
//  - Paho's callback thread only copies each message and posts it into the io_context. When more
//    than max_queued_messages are waiting, new messages are dropped and counted (overload).
//  - A StoreWriter thread does every SQLite write; the io_context thread hands it one batch per
//    flush (every flush_interval_ms, or earlier at flush_max_rows).
//  - Unless api_listen is off, the HTTP API (pmap::api::ApiServer, docs/api.md) runs on its own
//    thread with its own SQLite connection; the io_context thread hands it every state it
//    publishes through a thread-safe StateSnapshot. It is stopped (joined) before the last flush.
// Shutdown (first SIGINT/SIGTERM, or request_stop()): stop timers, disconnect from the broker
// (messages already received are still processed, in order), flush the store, return 0.
// A second signal during shutdown skips the broker disconnect wait.
#include <atomic>
#include <memory>

#include <nlohmann/json.hpp>

#include "pmap/gateway_config.hpp"
#include "pmap/log.hpp"

namespace pmap {

class GatewayService {
 public:
  /// Opens the store (throws StoreError) and prepares the MQTT client (throws ConfigError on a
  /// malformed broker URI).
  GatewayService(GatewayConfig config, Logger& logger);
  ~GatewayService();
  GatewayService(const GatewayService&) = delete;
  GatewayService& operator=(const GatewayService&) = delete;

  /// Runs until stopped; returns the exit code (0 after a clean shutdown).
  int run();
  /// Thread-safe, async-signal-unsafe: asks run() to shut down.
  void request_stop();
  /// The exit summary (valid after run() returned).
  [[nodiscard]] nlohmann::json summary() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pmap
