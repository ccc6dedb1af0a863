#include "pmap/gateway_service.hpp"

#include <mqtt/async_client.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <thread>

#include "mqtt_outbox.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/api/state_snapshot.hpp"
#include "pmap/asio.hpp"
#include "pmap/deletion/data_deletion.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/gateway_metrics.hpp"
#include "pmap/ha_discovery.hpp"
#include "pmap/metrics/exposition.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_html.hpp"
#include "pmap/report/report_route.hpp"
#include "pmap/report/report_scheduler.hpp"
#include "pmap/report_pdf/html_to_pdf.hpp"
#include "pmap/store_writer.hpp"
#include "pmap/topics.hpp"

namespace pmap {

namespace {

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Paho action listener forwarding to std::functions.
class Listener final : public mqtt::iaction_listener {
 public:
  std::function<void()> success;
  std::function<void(const std::string&)> failure;
  void on_success(const mqtt::token& /*tok*/) override {
    if (success) success();
  }
  void on_failure(const mqtt::token& tok) override {
    if (failure) failure("code " + std::to_string(tok.get_return_code()));
  }
};

}  // namespace

class GatewayService::Impl {
 public:
  Impl(GatewayConfig config, Logger& logger)
      : config_(std::move(config)),
        logger_(logger),
        signals_(io_, SIGINT, SIGTERM),
        reload_signals_(io_, SIGHUP),
        flush_timer_(io_),
        state_timer_(io_),
        housekeeping_timer_(io_),
        reconnect_timer_(io_),
        stop_timer_(io_),
        writer_(open_store(), &logger_, writer_options()),
        outbox_([this](const OutgoingMessage& m) { return send(m); }, kOutboxCapacity),
        pipeline_(
            PipelineConfig::from(config_), &logger_,
            [this](const std::string& t, const std::string& p) { return publish(t, p); },
            [this](WriteBatch b) { writer_.submit(std::move(b)); }),
        client_id_(config_.effective_client_id()),
        client_(make_client()) {
    conn_opts_.set_clean_session(false);
    conn_opts_.set_keep_alive_interval(static_cast<int>(config_.keep_alive_s));
    conn_opts_.set_connect_timeout(5);
    conn_opts_.set_automatic_reconnect(
        false);  // we reconnect ourselves (also covers first connect)
    conn_opts_.set_mqtt_version(MQTTVERSION_3_1_1);
    try {
      apply_mqtt_security(config_.mqtt_security(), config_.broker, conn_opts_);
    } catch (const MqttSecurityError& e) {
      throw ConfigError(e.what());
    }
    // The gateway's availability (docs/protocol.md §1): the broker says offline for us when we
    // vanish; we say online after connecting and offline before a clean disconnect.
    conn_opts_.set_will(
        mqtt::will_options(std::string(kGatewayStatusTopic), std::string(kStatusOffline), 1, true));

    client_->set_message_callback(
        [this](mqtt::const_message_ptr msg) { on_message(std::move(msg)); });
    client_->set_connected_handler([this](const std::string&) {
      connected_ = true;
      boost::asio::post(io_, [this] { on_connected(); });
    });
    client_->set_connection_lost_handler([this](const std::string& cause) {
      connected_ = false;
      boost::asio::post(io_, [this, cause] {
        logger_.warn("broker connection lost" + (cause.empty() ? std::string() : ": " + cause));
        schedule_reconnect();
      });
    });
    connect_listener_.failure = [this](const std::string& why) {
      boost::asio::post(io_, [this, why] {
        logger_.warn("cannot connect to " + config_.broker + " (" + why + ")");
        schedule_reconnect();
      });
    };
    disconnect_listener_.success = [this] { boost::asio::post(io_, [this] { finish(); }); };
    disconnect_listener_.failure = [this](const std::string&) {
      boost::asio::post(io_, [this] { finish(); });
    };
    pipeline_.set_latency(PipelineLatency{&metrics_.decode, &metrics_.estimate});
    pipeline_.set_mat_listener(Pipeline::MatListener{
        [this](const MatDescriptor& meta) {
          announce(DiscoveryDevice{meta.id, meta.kind, meta.firmware});
        },
        [this](const std::string& mat) { withdraw(mat, "its meta was cleared"); }});
    metrics_.set_live_reader([this](GatewayMetricsView& v) {
      v.mqtt_connected = connected_.load();
      v.mqtt_published = outbox_.sent();
      v.mqtt_publish_failures = outbox_.failed();
      v.mqtt_outbox_dropped = outbox_.dropped();
      v.messages_queued = queued_.load(std::memory_order_relaxed);
      v.messages_queue_limit = static_cast<std::uint64_t>(config_.max_queued_messages);
      v.delivery_held_s = static_cast<double>(held_us_.load(std::memory_order_relaxed)) / 1e6;
      v.store = writer_.stats();
      if (api_) {
        const auto api = api_->counters();
        v.api_rate_limited = api["rejected"].value("rate_limited", std::uint64_t{0});
        v.api_auth_failures = api["rejected"].value("missing_token", std::uint64_t{0}) +
                              api["rejected"].value("invalid_token", std::uint64_t{0});
      }
    });
    make_api();
    make_reports();
  }

  ~Impl() {
    if (reports_) reports_->stop();  // its thread publishes through the outbox
    outbox_.stop();                  // its thread calls client_
    // Callbacks must not fire into a half-destroyed object.
    client_->set_message_callback([](mqtt::const_message_ptr) {});
    client_->set_connected_handler([](const std::string&) {});
    client_->set_connection_lost_handler([](const std::string&) {});
  }

  int run() {
    logger_.info("pmap-gateway starting: broker " + config_.broker + ", client id " + client_id_ +
                 ", db " + config_.db);
    signals_.async_wait(
        [this](const boost::system::error_code& ec, int sig) { on_signal(ec, sig); });
    if (config_.calibration_dir.empty()) {
      logger_.info("no calibration_dir: every mat works on raw counts (uncalibrated)");
    } else {
      std::error_code ec;
      if (!std::filesystem::is_directory(config_.calibration_dir, ec)) {
        logger_.warn("calibration_dir '" + config_.calibration_dir +
                     "' is not a directory (yet): mats stay uncalibrated until it holds their "
                     "files and SIGHUP is sent");
      } else {
        logger_.info("calibrations from " + config_.calibration_dir +
                     "/<mat id>.json (loaded at each mat's first frame; SIGHUP re-reads them)");
      }
    }
    arm_reload();
    restore_mats();
    connect();
    arm_flush();
    arm_state();
    arm_housekeeping();
    start_api();
    io_.run();
    return 0;
  }

  void request_stop() {
    boost::asio::post(io_, [this] { begin_shutdown("stop requested"); });
  }

  nlohmann::json summary() const {
    nlohmann::json s = pipeline_.summary();
    const auto ws = writer_.stats();
    s["global"]["overload_dropped"] = overload_dropped_.load();
    s["global"]["delivery_held_s"] = static_cast<double>(held_us_.load()) / 1e6;
    s["global"]["mqtt_published"] = outbox_.sent();
    s["global"]["mqtt_publish_failures"] = outbox_.failed();
    s["global"]["mqtt_outbox_dropped"] = outbox_.dropped();
    s["global"]["store_transactions"] = ws.transactions;
    s["global"]["store_write_errors"] = ws.write_errors;
    s["global"]["store_dropped_batches"] = ws.dropped_batches;
    s["global"]["store_dropped_rows"] = ws.dropped_rows;
    s["global"]["store_dropped_raw_frames"] = ws.dropped_raw_frames;
    s["global"]["store_retries"] = ws.retries;
    if (reports_) {
      s["reports"] = {{"published", reports_->published()}, {"failures", reports_->failures()}};
    }
    if (api_) {
      s["api"] = api_->counters();
      if (!api_error_.empty()) s["api"]["error"] = api_error_;
    }
    return s;
  }

 private:
  /// GET /v1/health "store" (any thread).
  nlohmann::json store_health() const {
    const auto ws = writer_.stats();
    nlohmann::json j{{"state", ws.failing ? "failing" : "ok"},
                     {"buffered_bytes", ws.buffered_bytes},
                     {"buffered_rows", ws.buffered_rows},
                     {"max_buffer_bytes", ws.max_buffer_bytes},
                     {"write_errors", ws.write_errors},
                     {"dropped_rows", ws.dropped_rows},
                     {"dropped_raw_frames", ws.dropped_raw_frames}};
    if (ws.failing) j["failing_for_s"] = ws.failing_for_s;
    if (!ws.last_error.empty()) j["last_error"] = ws.last_error;
    return j;
  }

  StoreWriterOptions writer_options() {
    StoreWriterOptions o;
    o.observer = [this](std::chrono::nanoseconds d) { metrics_.db_write.observe(d); };
    o.max_buffer_bytes = static_cast<std::size_t>(config_.store_buffer_mb) * 1024 * 1024;
    o.retry_max = std::chrono::seconds(config_.store_retry_max_s);
    return o;
  }

  // The mats of the database get their stored meta before the broker is connected: after a
  // restart the broker first delivers what it queued for this session while the gateway was away,
  // and only then the retained metas; without a meta those frames would overflow the hold queue
  // and be lost as no_meta (docs/gateway.md, "What a crash, a broker restart or a clock step can
  // cost").
  void restore_mats() {
    std::vector<std::pair<std::string, std::string>> mats;
    try {
      writer_.run_exclusive([&](Store& store) {
        Statement st = store.db().prepare(
            "SELECT id, meta_json FROM mats WHERE meta_json IS NOT NULL ORDER BY id");
        while (st.step()) mats.emplace_back(st.column_text(0), st.column_text(1));
      });
    } catch (const std::exception& e) {
      logger_.warn(std::string("stored mats not read (frames before their meta are held): ") +
                   e.what());
      return;
    }
    // Their learned floors (zero tracking), so that a restart in the night does not measure the
    // rest of it against a one-number floor.
    std::vector<FloorRecord> floors;
    std::size_t bad_floors = 0;
    try {
      writer_.run_exclusive([&](Store& store) { floors = read_floors(store.db(), &bad_floors); });
    } catch (const std::exception& e) {
      logger_.warn(std::string("stored floors not read (they are learned again): ") + e.what());
    }
    if (bad_floors > 0) {
      logger_.warn(std::to_string(bad_floors) +
                   " stored floor(s) not used: not a valid floor (learned again)");
    }
    for (FloorRecord& f : floors) pipeline_.restore_floor(std::move(f));
    std::size_t restored = 0;
    for (const auto& [id, meta] : mats) {
      const std::string error = pipeline_.restore_meta(id, meta);
      if (error.empty()) {
        ++restored;
      } else {
        logger_.info("mat '" + id + "': stored meta not used (" + error + ")");
      }
    }
    if (restored > 0) {
      logger_.info(std::to_string(restored) +
                   " mat(s) known from the database: their stored meta " +
                   "is in force until the broker's arrives");
    }
  }

  std::unique_ptr<Store> open_store() {
    StoreConfig sc;
    sc.raw_archive_max_bytes = static_cast<std::int64_t>(config_.raw_archive_mb * 1024 * 1024);
    return std::make_unique<Store>(config_.db, sc);
  }

  // --- HTTP API (docs/api.md) -------------------------------------------------------------
  // Its own thread and its own database connection; fed the states published below.
  void make_api() {
    if (api::listen_disabled(config_.api_listen)) return;
    api::ApiConfig ac;
    ac.db_path = config_.db;
    ac.listen = config_.api_listen;
    ac.tz = config_.tz;
    ac.max_connections = static_cast<std::size_t>(config_.api_max_connections);
    ac.timeout = std::chrono::milliseconds(config_.api_timeout_ms);
    ac.epoch_seconds = config_.epoch_seconds;
    ac.store_health = [this] { return store_health(); };
    ac.rate_limit_per_s = config_.api_rate_limit_per_s;
    ac.rate_burst = static_cast<double>(config_.api_rate_burst);
    ac.deleter = [this](const deletion::DeletionScope& scope,
                        const deletion::DeletionOptions& options) {
      return delete_data(scope, options);
    };
    try {
      if (!config_.api_token_file.empty()) ac.token = api::read_token_file(config_.api_token_file);
      api_ = std::make_unique<api::ApiServer>(ac, logger_, states_);
      add_report_route();
      add_metrics_route();
    } catch (const api::ApiConfigError& e) {
      throw ConfigError(e.what());
    }
  }

  // --- DELETE /v1/data (docs/export.md, "Delete") ------------------------------------------
  // API worker thread. The deletion runs on the database writer's thread and connection, in
  // line with the frames' batches (no competition for the write lock, no batch lost to a busy
  // timeout); then the io_context thread clears what the broker retains for the mats.
  nlohmann::json delete_data(const deletion::DeletionScope& scope,
                             const deletion::DeletionOptions& options) {
    deletion::DeletionResult result;
    std::vector<std::string> report_mats;  // whose retained morning report may hold deleted data
    writer_.run_exclusive([&](Store& store) {
      if (scope.mat_id) {
        report_mats.push_back(*scope.mat_id);
      } else {
        Statement st = store.db().prepare("SELECT id FROM mats ORDER BY id");
        while (st.step()) report_mats.push_back(st.column_text(0));
      }
      result = deletion::delete_data(store, scope, options);
    });
    logger_.info("deleted " + std::to_string(result.rows_total) + " rows (" +
                 deletion::describe(scope) + ") on request of the API");
    nlohmann::json doc = deletion::to_json(result, scope, false);
    auto done = std::make_shared<std::promise<nlohmann::json>>();
    auto answer = done->get_future();
    boost::asio::post(io_, [this, done, report_mats, mats = result.mats_deleted] {
      done->set_value(after_deletion(report_mats, mats));
    });
    if (answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready) {
      doc["gateway"] = answer.get();
    } else {
      doc["gateway"] = {{"error", "the gateway is shutting down: retained messages not cleared"}};
    }
    return doc;
  }

  /// io_context thread: retained reports cleared; deleted mats that are live registered again
  /// (their Home Assistant entities stay: the configs hold no personal data), the others'
  /// entities withdrawn.
  nlohmann::json after_deletion(const std::vector<std::string>& report_mats,
                                const std::vector<std::string>& mats_deleted) {
    nlohmann::json g = {{"retained_cleared", nlohmann::json::array()},
                        {"retained_not_cleared", nlohmann::json::array()},
                        {"mats_registered_again", nlohmann::json::array()},
                        {"home_assistant_withdrawn", nlohmann::json::array()}};
    for (const auto& mat : report_mats) {
      const std::string topic = "pmap/v1/" + mat + "/report";
      g[publish(topic, "", 1, true) ? "retained_cleared" : "retained_not_cleared"].push_back(topic);
    }
    for (const auto& mat : mats_deleted) {
      if (pipeline_.forget_history(mat, wall_now_us())) {
        g["mats_registered_again"].push_back(mat);
      } else if (!config_.ha_discovery_prefix.empty()) {
        withdraw(mat, "its data was deleted");
        g["home_assistant_withdrawn"].push_back(mat);
      }
    }
    return g;
  }

  // --- morning report (docs/reports.md, "When the gateway makes it") ----------------------
  // Its own thread and database connection; published retained on pmap/v1/<bed mat>/report
  // through the outbox (publish() only queues, so any thread may call it).
  void make_reports() {
    if (config_.report_settle_min == 0) return;
    report::ReportSchedule schedule;
    schedule.db_path = config_.db;
    schedule.report = report_config();
    schedule.settle_s = config_.report_settle_min * 60;
    schedule.fallback_hour = static_cast<int>(config_.report_fallback_hour);
    // Live occupancy from the latest published state (the stored episodes lag by the open one).
    schedule.occupied_now = [states = states_](const std::string& mat) {
      const auto state = states->get(mat);
      if (!state) return false;
      const auto j = nlohmann::json::parse(*state, nullptr, false);
      if (!j.is_object()) return false;
      const auto it = j.find("occupied");
      return it != j.end() && it->is_boolean() && it->get<bool>();
    };
    try {
      reports_ = std::make_unique<report::ReportScheduler>(
          schedule, zone_of(config_),
          [this](const std::string& mat, const std::string& doc) {
            return publish("pmap/v1/" + mat + "/report", doc, 1, true);
          },
          &logger_);
    } catch (const std::exception& e) {
      throw ConfigError(std::string("morning report: ") + e.what());
    }
  }

  static diary::TimeZone zone_of(const GatewayConfig& c) {
    return c.tz.empty() ? diary::TimeZone::system_default() : diary::TimeZone(c.tz);
  }

  // GET /v1/reports/{date}?format=json|html|pdf on the API's database worker.
  void add_report_route() { report::add_report_route(*api_, report_config()); }

  /// The morning report's settings, the same for the published report and GET /v1/reports.
  [[nodiscard]] report::ReportConfig report_config() const {
    report::ReportConfig rc;
    rc.nights.epoch_seconds = config_.epoch_seconds;
    if (!config_.report_bed_mat.empty()) rc.bed_mat = config_.report_bed_mat;
    if (!config_.report_chair_mat.empty()) rc.chair_mat = config_.report_chair_mat;
    return rc;
  }

  // GET /metrics (docs/metrics.md).
  void add_metrics_route() { pmap::add_metrics_route(*api_, metrics_); }

  /// io_context thread: the pipeline's counters for the next scrapes.
  void publish_metrics() {
    const GlobalCounters& g = pipeline_.global();
    metrics_.publish_pipeline(pipeline_.mat_metrics(),
                              GatewayTotals{.unattributed = g.unattributed,
                                            .too_many_mats = pipeline_.ingest().too_many_mats(),
                                            .overload_dropped = overload_dropped_.load(),
                                            .states_published = g.states_published});
  }

  // --- Home Assistant discovery (docs/home_assistant.md) ------------------------------------
  // io_context thread. Retained configs, QoS 1, through the outbox like every publish.
  void announce(const DiscoveryDevice& device) {
    if (config_.ha_discovery_prefix.empty()) return;
    const auto known = discovered_.find(device.mat_id);
    // A mat whose kind changed: its other kind's entities go first.
    if (known != discovered_.end() && known->second.kind != device.kind)
      withdraw(device.mat_id, "its kind changed");
    discovered_[device.mat_id] = device;
    for (const auto& m : discovery_configs(config_.ha_discovery_prefix, device, build_version()))
      publish(m.topic, m.config.dump(), 1, true);
    logger_.info("home assistant: announced mat '" + device.mat_id + "'");
  }

  void withdraw(const std::string& mat, const std::string& why) {
    if (config_.ha_discovery_prefix.empty()) return;
    discovered_.erase(mat);
    for (const auto& t : discovery_topics_all_kinds(config_.ha_discovery_prefix, mat))
      publish(t, "", 1, true);
    logger_.info("home assistant: cleared the entities of mat '" + mat + "' (" + why + ")");
  }

  // A port that cannot be bound disables the API (logged, in the summary) but not the gateway:
  // recording the night matters more than serving it.
  void start_api() {
    if (!api_) return;
    try {
      api_->start();
    } catch (const std::exception& e) {
      api_error_ = "cannot listen on " + config_.api_listen + ": " + e.what();
      logger_.error("api: " + api_error_ + " - the HTTP API is disabled, the gateway goes on");
    }
  }

  std::unique_ptr<mqtt::async_client> make_client() {
    try {
      mqtt::create_options opts(MQTTVERSION_3_1_1);
      return std::make_unique<mqtt::async_client>(config_.broker, client_id_, opts, nullptr);
    } catch (const mqtt::exception& e) {
      throw ConfigError("broker '" + config_.broker + "': " + e.what());
    }
  }

  // --- MQTT ------------------------------------------------------------------------------
  void on_message(mqtt::const_message_ptr msg) {  // Paho thread: copy and post only
    // Back-pressure rather than loss: while the pipeline is behind, hold Paho's delivery thread.
    // Paho then stops reading the socket, TCP pushes back and the broker keeps the messages
    // queued (under its own max_queued_messages). Only once shutting down are they dropped.
    const auto limit = static_cast<std::size_t>(config_.max_queued_messages);
    if (queued_.load(std::memory_order_relaxed) >= limit) {
      const auto held_since = std::chrono::steady_clock::now();
      const auto count_held = [&] {
        held_us_.fetch_add(static_cast<std::uint64_t>(
                               std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - held_since)
                                   .count()),
                           std::memory_order_relaxed);
      };
      while (queued_.load(std::memory_order_relaxed) >= limit) {
        if (stopping_.load()) {
          ++overload_dropped_;
          count_held();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      count_held();
    }
    ++queued_;
    boost::asio::post(io_, [this, topic = msg->get_topic(), payload = msg->get_payload_str()] {
      --queued_;
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload.data());
      pipeline_.handle(topic, std::span<const std::uint8_t>(bytes, payload.size()), wall_now_us(),
                       std::chrono::steady_clock::now());
    });
  }

  void connect() {
    if (stopping_) return;
    try {
      client_->connect(conn_opts_, nullptr, connect_listener_);
    } catch (const mqtt::exception& e) {
      logger_.warn(std::string("connect to ") + config_.broker + " failed: " + e.what());
      schedule_reconnect();
    }
  }

  void schedule_reconnect() {
    if (stopping_) return;
    const auto delay = std::min<std::int64_t>(
        config_.reconnect_max_s, config_.reconnect_min_s << std::min<int>(reconnect_attempt_, 16));
    ++reconnect_attempt_;
    logger_.info("reconnecting in " + std::to_string(delay) + " s");
    reconnect_timer_.expires_after(std::chrono::seconds(delay));
    reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) connect();
    });
  }

  void on_connected() {
    reconnect_attempt_ = 0;
    logger_.info("connected to " + config_.broker);
    if (stopping_) return;
    // The report thread starts with the first connection, so its first report (often made at
    // once, for a night that closed while the gateway was down) is not refused for want of one.
    if (reports_) reports_->start(std::chrono::minutes(1));
    publish(std::string(kGatewayStatusTopic), std::string(kStatusOnline), 1, true);
    // After a broker restart without persistence the retained configs may be gone.
    for (const auto& [mat, device] : discovered_) {
      for (const auto& m : discovery_configs(config_.ha_discovery_prefix, device, build_version()))
        publish(m.topic, m.config.dump(), 1, true);
    }

    try {
      auto filters = mqtt::string_collection::create({topic_filter(Channel::kFrame),
                                                      topic_filter(Channel::kMeta),
                                                      topic_filter(Channel::kStatus)});
      client_->subscribe(filters, mqtt::iasync_client::qos_collection{1, 1, 1});
    } catch (const mqtt::exception& e) {
      logger_.error(std::string("subscribe failed: ") + e.what());
    }
  }

  /// io_context thread: queue only (see mqtt_outbox.hpp for why Paho is never called here).
  /// False when not connected: the message would be lost, and the caller counts that.
  bool publish(const std::string& topic, const std::string& payload, int qos = 0,
               bool retained = false) {
    // The API serves the newest state whether or not the broker is reachable.
    if (const auto parsed = parse_topic(topic); parsed && parsed->channel == Channel::kState)
      states_->update(parsed->mat_id, payload);
    if (!connected_.load()) return false;
    outbox_.push(OutgoingMessage{topic, payload, qos, retained});
    return true;
  }

  /// Outbox thread.
  bool send(const OutgoingMessage& m) {
    try {
      if (!client_->is_connected()) return false;
      client_->publish(m.topic, m.payload.data(), m.payload.size(), m.qos, m.retained);
      return true;
    } catch (const mqtt::exception&) {
      return false;
    }
  }

  // --- timers ----------------------------------------------------------------------------
  void arm_flush() {
    flush_timer_.expires_after(std::chrono::milliseconds(config_.flush_interval_ms));
    flush_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      pipeline_.flush();
      arm_flush();
    });
  }
  void arm_state() {
    state_timer_.expires_after(std::chrono::milliseconds(
        std::clamp<std::int64_t>(config_.state_interval_ms / 4, 25, 250)));
    state_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      pipeline_.publish_due(std::chrono::steady_clock::now());
      arm_state();
    });
  }
  void arm_housekeeping() {
    housekeeping_timer_.expires_after(std::chrono::seconds(1));
    housekeeping_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      pipeline_.housekeeping(wall_now_us());
      publish_metrics();
      if (++housekeeping_ticks_ % 300 == 0) logger_.info("stats " + summary()["global"].dump());
      arm_housekeeping();
    });
  }

  // --- SIGHUP: reload calibrations ---------------------------------------------------------
  // The handler runs on the io_context thread, between two messages: no frame waits for a lock,
  // none is dropped (Paho keeps posting them; they are processed right after the reload).
  void arm_reload() {
    reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec || stopping_) return;
      if (config_.calibration_dir.empty()) {
        logger_.info("SIGHUP: no calibration_dir configured, nothing to reload");
      } else {
        logger_.info("SIGHUP: reloading calibrations from " + config_.calibration_dir);
        const auto results = pipeline_.reload_calibrations();
        std::size_t loaded = 0, refused = 0;
        for (const auto& r : results) {
          if (r.outcome == CalibrationReload::Outcome::kLoaded) ++loaded;
          if (r.outcome == CalibrationReload::Outcome::kRefused) ++refused;
        }
        logger_.info("SIGHUP: " + std::to_string(results.size()) + " mats, " +
                     std::to_string(loaded) + " loaded, " + std::to_string(refused) + " refused");
      }
      arm_reload();
    });
  }

  // --- shutdown --------------------------------------------------------------------------
  void on_signal(const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (stopping_) {
      logger_.warn("second signal: finishing without waiting for the broker");
      finish();
      return;
    }
    begin_shutdown(sig == SIGINT ? "SIGINT" : "SIGTERM");
    signals_.async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
  }

  void begin_shutdown(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    logger_.info("shutting down (" + why + ")");
    reconnect_timer_.cancel();
    flush_timer_.cancel();
    state_timer_.cancel();
    housekeeping_timer_.cancel();
    // Safety net: never wait more than 5 s for the broker.
    stop_timer_.expires_after(std::chrono::seconds(5));
    stop_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) finish();
    });
    bool asked = false;
    if (connected_.load()) {
      publish(std::string(kGatewayStatusTopic), std::string(kStatusOffline), 1, true);
      if (!outbox_.drain(std::chrono::seconds(1))) logger_.warn("offline status not sent in 1 s");
    }
    if (client_->is_connected()) {
      try {
        client_->disconnect(1000, nullptr, disconnect_listener_);
        asked = true;
      } catch (const mqtt::exception& e) {
        logger_.warn(std::string("disconnect: ") + e.what());
      }
    }
    if (!asked) boost::asio::post(io_, [this] { finish(); });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    stop_timer_.cancel();
    signals_.cancel();
    reload_signals_.cancel();
    if (api_) api_->stop();
    if (reports_) reports_->stop();
    pipeline_.close_episodes();
    pipeline_.flush();
    publish_metrics();
    outbox_.stop();
    writer_.stop();
    const auto ws = writer_.stats();
    logger_.info("store flushed: " + std::to_string(ws.transactions) + " transactions, " +
                 std::to_string(ws.rows) + " rows, " + std::to_string(ws.write_errors) + " errors");
    io_.stop();
  }

  GatewayConfig config_;
  Logger& logger_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;  ///< SIGHUP: reload calibrations
  boost::asio::steady_timer flush_timer_, state_timer_, housekeeping_timer_, reconnect_timer_,
      stop_timer_;
  static constexpr std::size_t kOutboxCapacity = 4096;
  GatewayMetrics metrics_;  ///< before writer_ and pipeline_, which observe into it
  StoreWriter writer_;
  MqttOutbox outbox_;
  Pipeline pipeline_;
  std::string client_id_;
  mqtt::connect_options conn_opts_;
  Listener connect_listener_;
  Listener disconnect_listener_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> overload_dropped_{0};
  std::atomic<std::uint64_t> held_us_{0};  ///< µs MQTT delivery waited in on_message
  std::atomic<bool> stopping_{false};   // also read on Paho's thread
  std::atomic<bool> connected_{false};  // set on Paho's thread, read by publish()
  bool finished_ = false;
  int reconnect_attempt_ = 0;
  std::uint64_t housekeeping_ticks_ = 0;
  std::shared_ptr<api::StateSnapshot> states_ = std::make_shared<api::StateSnapshot>();
  std::map<std::string, DiscoveryDevice, std::less<>> discovered_;  ///< announced mats
  std::unique_ptr<api::ApiServer> api_;                             ///< null when api_listen is off
  std::unique_ptr<report::ReportScheduler> reports_;  ///< null when report_settle_min is 0
  std::string api_error_;                             ///< why the API could not start
  std::unique_ptr<mqtt::async_client> client_;        // last: destroyed first
};

GatewayService::GatewayService(GatewayConfig config, Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(config), logger)) {}
GatewayService::~GatewayService() = default;
int GatewayService::run() {
  return impl_->run();
}
void GatewayService::request_stop() {
  impl_->request_stop();
}
nlohmann::json GatewayService::summary() const {
  return impl_->summary();
}

}  // namespace pmap
