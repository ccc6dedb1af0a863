// pmap-load's run: pre-render the frame pools, connect, pace the frames, and measure in the same
// process what the broker and the gateway make of them.
#include <mqtt/async_client.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include "load.hpp"
#include "mat_simulator.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/sim/publisher.hpp"
#include "pmap/topics.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap::sim {
namespace {

using Clock = std::chrono::steady_clock;
namespace http = boost::beast::http;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Postures the mats cycle through, so the posture engine sees every class (not empty mats).
constexpr const char* kPostures[] = {"supine", "left",       "right",
                                     "prone",  "fetal-left", "fetal-right"};

struct LoadMat {
  std::string id;
  std::string meta_json;
  std::vector<PressureFrame> pool;  ///< in the mat's layout; sequence and timestamp set at send
  std::size_t next = 0;             ///< index into pool
  std::uint32_t sequence = 0;
  std::size_t connection = 0;
};

/// "host", "port" of tcp://host:port or http://host:port/...
struct HostPort {
  std::string host, port, target;
};
HostPort split_url(const std::string& url, std::size_t scheme_len) {
  HostPort hp;
  const std::string rest = url.substr(scheme_len);
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  hp.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  hp.host = authority.substr(0, colon);
  hp.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  return hp;
}

/// One scrape of the gateway's /metrics: the sum of each family's samples we need.
struct Scrape {
  bool ok = false;
  double received = 0;   ///< pmap_frames_received_total (≤ 1 s old)
  double accepted = 0;   ///< pmap_frames_accepted_total (≤ 1 s old)
  double rejected = 0;   ///< pmap_frames_rejected_total (≤ 1 s old)
  double processed = 0;  ///< pmap_frame_estimate_seconds_count: fully analysed frames (live)
  double decoded = 0;    ///< pmap_frame_decode_seconds_count (live)
  double rss_bytes = -1;
};

class MetricsReader {
 public:
  MetricsReader(const std::string& url, std::string token)
      : url_(split_url(url, 7)), token_(std::move(token)) {}
  Scrape scrape() {
    Scrape s;
    try {
      boost::asio::ip::tcp::resolver resolver(io_);
      boost::beast::tcp_stream stream(io_);
      stream.expires_after(std::chrono::seconds(2));
      stream.connect(resolver.resolve(url_.host, url_.port));
      http::request<http::empty_body> request(http::verb::get, url_.target, 11);
      request.set(http::field::host, url_.host);
      if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
      http::write(stream, request);
      boost::beast::flat_buffer buffer;
      http::response<http::string_body> response;
      http::read(stream, buffer, response);
      boost::system::error_code ignored;
      stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      if (response.result() != http::status::ok) return s;
      std::istringstream lines(response.body());
      std::string line;
      while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto name_end = line.find_first_of("{ ");
        const auto value_at = line.rfind(' ');
        if (name_end == std::string::npos || value_at == std::string::npos) continue;
        const std::string name = line.substr(0, name_end);
        double value = 0;
        try {
          value = std::stod(line.substr(value_at + 1));
        } catch (const std::exception&) {
          continue;
        }
        if (name == "pmap_frames_received_total")
          s.received += value;
        else if (name == "pmap_frames_accepted_total")
          s.accepted += value;
        else if (name == "pmap_frames_rejected_total")
          s.rejected += value;
        else if (name == "pmap_frame_estimate_seconds_count")
          s.processed = value;
        else if (name == "pmap_frame_decode_seconds_count")
          s.decoded = value;
        else if (name == "process_resident_memory_bytes")
          s.rss_bytes = value;
      }
      s.ok = true;
    } catch (const std::exception&) {
      s.ok = false;
    }
    return s;
  }

 private:
  boost::asio::io_context io_;
  HostPort url_;
  std::string token_;
};

/// VmRSS and VmHWM of a process in bytes (-1 when unreadable).
std::pair<double, double> process_memory(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  double rss = -1, hwm = -1;
  std::string key;
  while (in >> key) {
    double kb = 0;
    if (key == "VmRSS:" && in >> kb)
      rss = kb * 1024;
    else if (key == "VmHWM:" && in >> kb)
      hwm = kb * 1024;
    in.ignore(1 << 20, '\n');
  }
  return {rss, hwm};
}

/// CPU seconds (user + system) a process has used, from /proc/<pid>/stat; -1 when unreadable.
double process_cpu_s(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = -1, stime = -1;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  if (utime < 0 || stime < 0) return -1;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// The bare subscriber: `mosquitto_sub` on the frame topics, printing one topic per message; a
/// reader thread counts the lines. It also hears a probe topic, so we know when it listens.
class BareSubscriber {
 public:
  BareSubscriber(const std::string& command, const HostPort& broker, const std::string& probe) {
    const std::vector<std::string> args = {command,
                                           "-h",
                                           broker.host,
                                           "-p",
                                           broker.port,
                                           "-q",
                                           "1",
                                           "-i",
                                           "pmap-load-bare-" + std::to_string(::getpid()),
                                           "-t",
                                           "pmap/v1/+/frame",
                                           "-t",
                                           probe,
                                           "-F",
                                           "%t"};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int fds[2];
    if (::pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    const int spawned =
        ::posix_spawnp(&pid_, command.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (spawned != 0) {
      ::close(fds[0]);
      pid_ = -1;
      return;
    }
    pipe_ = ::fdopen(fds[0], "r");
    reader_ = std::thread([this] {
      char line[512];
      while (std::fgets(line, sizeof line, pipe_) != nullptr) {
        if (std::string_view(line).rfind("pmap/v1/", 0) == 0) {
          frames_.fetch_add(1, std::memory_order_relaxed);
        } else {
          probes_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  ~BareSubscriber() { close(); }
  BareSubscriber(const BareSubscriber&) = delete;
  BareSubscriber& operator=(const BareSubscriber&) = delete;
  [[nodiscard]] bool started() const { return pipe_ != nullptr; }
  [[nodiscard]] std::uint64_t frames() const { return frames_.load(); }
  [[nodiscard]] std::uint64_t probes() const { return probes_.load(); }
  void close() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();  // the pipe reaches EOF with the child gone
    if (pipe_ != nullptr) std::fclose(pipe_);
    pipe_ = nullptr;
  }

 private:
  pid_t pid_ = -1;
  FILE* pipe_ = nullptr;
  std::thread reader_;
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> probes_{0};
};

/// Latencies from frame timestamp to the `state` that describes it, per received state.
class StateListener {
 public:
  StateListener(const std::string& broker, const std::string& client_id)
      : client_(broker, client_id) {
    client_.set_message_callback([this](mqtt::const_message_ptr msg) { on_state(*msg); });
  }
  std::optional<std::string> start() {
    try {
      auto options = mqtt::connect_options_builder().clean_session(true).finalize();
      client_.connect(options)->wait_for(std::chrono::seconds(10));
      if (!client_.is_connected()) return "state listener: cannot connect";
      client_.subscribe(topic_filter(Channel::kState), 0)->wait_for(std::chrono::seconds(10));
    } catch (const mqtt::exception& e) {
      return std::string("state listener: ") + e.what();
    }
    return std::nullopt;
  }
  void stop() {
    try {
      if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(5));
    } catch (const mqtt::exception&) {
    }
  }
  /// States received from now on count (the warm-up is over), until close_window().
  void open_window() {
    start_us_ = now_us();
    measuring_ = true;
  }
  void close_window() { measuring_ = false; }
  struct Result {
    std::vector<double> latencies_ms;
    std::map<std::string, std::uint64_t> per_mat;  ///< states measured per mat
    /// States later than 50 ms, by the second of the run they arrived in: stalls show as
    /// clusters, and their period hints at their cause.
    std::map<std::int64_t, std::uint64_t> late_by_second;
    std::uint64_t states_total = 0;
    std::uint64_t bad_states = 0;
  };
  Result result() {
    std::lock_guard lock(mutex_);
    return result_;
  }

 private:
  void on_state(const mqtt::message& msg) {
    const std::int64_t received_us = now_us();
    std::lock_guard lock(mutex_);
    ++result_.states_total;
    const auto parsed = parse_topic(msg.get_topic());
    const auto doc = nlohmann::json::parse(msg.get_payload_str(), nullptr, false);
    if (!parsed || doc.is_discarded() || !doc.contains("ts_us") ||
        !doc["ts_us"].is_number_integer()) {
      ++result_.bad_states;
      return;
    }
    if (!measuring_) return;
    const auto ts = doc["ts_us"].get<std::int64_t>();
    const double latency_ms = static_cast<double>(received_us - ts) / 1000.0;
    result_.latencies_ms.push_back(latency_ms);
    if (latency_ms > 50) ++result_.late_by_second[(received_us - start_us_) / 1'000'000];
    ++result_.per_mat[parsed->mat_id];
  }

  mqtt::async_client client_;
  std::atomic<bool> measuring_{false};
  std::atomic<std::int64_t> start_us_{0};
  std::mutex mutex_;
  Result result_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  // Nearest rank.
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(std::round(v * 1000) / 1000) : nlohmann::json(nullptr);
}

/// Least-squares slope of y over x (units of y per unit of x).
double slope(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  if (x.size() < 2) return std::nan("");
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double d = n * sxx - sx * sx;
  return d == 0 ? std::nan("") : (n * sxy - sx * sy) / d;
}

}  // namespace

int run_load(const LoadOptions& options, const std::atomic<bool>& stop, std::ostream& result,
             std::ostream& log) {
  const auto begin = Clock::now();
  const HostPort broker = split_url(options.broker, 6);

  // 1. The frame pools: each mat is a simulated sleeper in one posture; frames rendered by the
  // simulator's body and sensor models at the run's rate, so consecutive frames carry the
  // sensor's noise like a real mat's.
  std::vector<LoadMat> mats(options.mats);
  const std::size_t width = std::max<std::size_t>(4, std::to_string(options.mats - 1).size());
  const std::size_t connections = options.connections == 0 ? options.mats : options.connections;
  for (std::size_t i = 0; i < options.mats && !stop; ++i) {
    std::ostringstream id;
    id << options.mat_prefix << std::setw(static_cast<int>(width)) << std::setfill('0') << i;
    MatConfig config;
    config.id = id.str();
    config.kind = MatKind::kBed;
    config.scenario = kPostures[i % std::size(kPostures)];
    config.rate_hz = options.rate_hz;
    config.duration_s = static_cast<double>(options.pool_frames) / options.rate_hz + 1.0;
    auto made = MatSimulator::make(config, options.seed);
    if (auto* error = std::get_if<std::string>(&made)) {
      log << "pmap-load: error: " << *error << "\n";
      return 2;
    }
    auto& sim = std::get<MatSimulator>(made);
    LoadMat& mat = mats[i];
    mat.id = config.id;
    mat.meta_json = to_meta_json(sim.descriptor());
    mat.connection = i % connections;
    while (mat.pool.size() < options.pool_frames && !sim.done()) {
      MatStep step = sim.step(0);
      for (auto& frame : step.frames) mat.pool.push_back(std::move(frame));
    }
    if (mat.pool.empty()) {
      log << "pmap-load: error: mat " << mat.id << ": the simulator rendered no frame\n";
      return 1;
    }
  }
  const double render_s = seconds_since(begin);
  log << "pmap-load: rendered " << options.mats << " x " << options.pool_frames << " frames in "
      << render_s << " s\n";

  // 2. Listeners first, so they hear every frame and state of the measured part.
  const std::string run_tag = std::to_string(::getpid());
  StateListener states(options.broker, "pmap-load-states-" + run_tag);
  if (auto error = states.start()) {
    log << "pmap-load: error: " << *error << "\n";
    return 1;
  }
  std::unique_ptr<BareSubscriber> bare;
  if (!options.bare_subscriber.empty()) {
    const std::string probe = "pmap-load/" + run_tag + "/probe";
    bare = std::make_unique<BareSubscriber>(options.bare_subscriber, broker, probe);
    if (!bare->started()) {
      log << "pmap-load: error: cannot start '" << options.bare_subscriber << "'\n";
      return 1;
    }
    mqtt::async_client prober(options.broker, "pmap-load-probe-" + run_tag);
    try {
      prober.connect()->wait_for(std::chrono::seconds(10));
      const auto deadline = Clock::now() + std::chrono::seconds(10);
      while (bare->probes() == 0 && Clock::now() < deadline && !stop) {
        prober.publish(probe, "probe", 5, 0, false);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      prober.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception& e) {
      log << "pmap-load: error: probe: " << e.what() << "\n";
      return 1;
    }
    if (bare->probes() == 0) {
      log << "pmap-load: error: the bare subscriber does not receive anything\n";
      return 1;
    }
  }

  log << "pmap-load: listeners up after " << seconds_since(begin) << " s\n";

  // 3. Connections: each belongs to one mat (its last will); the other mats on it publish their
  // meta and status over it.
  std::vector<std::unique_ptr<MatPublisher>> publishers;
  for (std::size_t c = 0; c < connections; ++c) {
    PublisherOptions p;
    p.broker_uri = options.broker;
    p.client_id = "pmap-load-" + run_tag + "-" + mats[c].id;
    p.mat_id = mats[c].id;
    p.meta_json = mats[c].meta_json;
    p.window = options.window;
    p.abort = &stop;
    publishers.push_back(std::make_unique<MatPublisher>(p));
  }
  // A connect takes Paho ~0.1-0.2 s of waiting (not CPU): hundreds of them one after another
  // would take minutes, so a few threads connect them side by side.
  {
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::optional<std::string> first_error;
    std::vector<std::thread> connectors;
    for (std::size_t t = 0; t < std::min<std::size_t>(32, connections); ++t) {
      connectors.emplace_back([&] {
        for (std::size_t c = next++; c < connections && !stop; c = next++) {
          if (auto error = publishers[c]->start()) {
            std::lock_guard lock(error_mutex);
            if (!first_error) first_error = error;
          }
        }
      });
    }
    for (auto& t : connectors) t.join();
    if (first_error) {
      log << "pmap-load: error: " << *first_error << "\n";
      return 1;
    }
  }
  for (std::size_t i = connections; i < mats.size(); ++i) {
    MatPublisher& p = *publishers[mats[i].connection];
    p.publish_for(mats[i].id, Channel::kMeta, mats[i].meta_json.data(), mats[i].meta_json.size(),
                  true);
    p.publish_for(mats[i].id, Channel::kStatus, kStatusOnline.data(), kStatusOnline.size(), true);
  }
  log << "pmap-load: " << publishers.size() << " connections up after " << seconds_since(begin)
      << " s\n";

  // 4. The sampler: every second, frames sent, bare frames, the gateway's counters and memory.
  std::optional<MetricsReader> metrics;
  if (options.metrics_url) {
    std::string token;
    if (options.api_token_file) {
      std::ifstream in(*options.api_token_file);
      if (!std::getline(in, token)) {
        log << "pmap-load: error: cannot read " << *options.api_token_file << "\n";
        return 1;
      }
    }
    metrics.emplace(*options.metrics_url, token);
    if (!metrics->scrape().ok) {
      log << "pmap-load: error: no metrics at " << *options.metrics_url << "\n";
      return 1;
    }
  }
  struct Sample {
    double t_s;  ///< since the first frame
    std::uint64_t sent;
    std::uint64_t bare;
    Scrape gateway;
    double rss = -1;
    double cpu_s = -1;  ///< the gateway's CPU time so far
  };
  std::atomic<std::uint64_t> sent{0};
  std::mutex samples_mutex;
  std::vector<Sample> samples;
  std::atomic<bool> sampling{true};
  auto take_sample = [&](Clock::time_point t0) {
    Sample s{seconds_since(t0), sent.load(), bare ? bare->frames() : 0, {}, -1, -1};
    if (metrics) s.gateway = metrics->scrape();
    if (options.gateway_pid) {
      s.rss = process_memory(*options.gateway_pid).first;
      s.cpu_s = process_cpu_s(*options.gateway_pid);
    }
    std::lock_guard lock(samples_mutex);
    samples.push_back(s);
    return s;
  };

  // 5. Pace: event j goes to mat j mod N at t0 + j / (N * R): the sends are spread evenly over
  // the frame period (one every 200 us for 500 mats at 10 Hz), on the steady clock, so there is
  // neither drift (the schedule is absolute) nor a burst at the top of each period.
  const double step_s = 1.0 / (static_cast<double>(options.mats) * options.rate_hz);
  const auto total_events =
      static_cast<std::uint64_t>(std::llround((options.warmup_s + options.duration_s) *
                                              options.rate_hz * static_cast<double>(options.mats)));
  const auto t0 = Clock::now() + std::chrono::milliseconds(200);
  const auto warm_end = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.warmup_s));
  std::optional<Sample> at_warm_end, at_end;
  std::thread sampler([&] {
    auto next = t0;
    bool warm = options.warmup_s <= 0;
    if (warm) states.open_window();
    while (sampling) {
      next += std::chrono::seconds(1);
      while (sampling && Clock::now() < std::min(next, warm ? next : warm_end))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!sampling) break;
      if (!warm && Clock::now() >= warm_end) {
        states.open_window();
        warm = true;
        const Sample s = take_sample(t0);
        std::lock_guard lock(samples_mutex);
        at_warm_end = s;
        next = Clock::now();
        continue;
      }
      take_sample(t0);
    }
  });

  std::vector<double> lag_ms;  // steady part: how late each send was against its schedule
  lag_ms.reserve(static_cast<std::size_t>(options.duration_s * options.rate_hz *
                                          static_cast<double>(options.mats)) +
                 16);
  std::uint64_t failed_publish = 0;
  bool delivered = true;
  const double generator_cpu_at_start = process_cpu_s(::getpid());
  for (std::uint64_t j = 0; j < total_events && !stop; ++j) {
    const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(static_cast<double>(j) * step_s));
    std::this_thread::sleep_until(due);
    LoadMat& mat = mats[j % mats.size()];
    PressureFrame& frame = mat.pool[mat.next];
    mat.next = (mat.next + 1) % mat.pool.size();
    frame.sequence = mat.sequence++;
    frame.timestamp_us = now_us();
    const auto bytes = encode_binary(frame);
    if (!publishers[mat.connection]->publish_for(mat.id, Channel::kFrame, bytes.data(),
                                                 bytes.size())) {
      ++failed_publish;
      delivered = false;
      continue;
    }
    sent.fetch_add(1, std::memory_order_relaxed);
    const auto now = Clock::now();
    if (now >= warm_end)
      lag_ms.push_back(std::chrono::duration<double, std::milli>(now - due).count());
  }
  const auto send_end = Clock::now();
  const double generator_cpu_s = process_cpu_s(::getpid()) - generator_cpu_at_start;
  states.close_window();
  at_end = take_sample(t0);
  const double measured_s =
      std::chrono::duration<double>(send_end - std::max(warm_end, t0)).count();

  // 6. Drain: the gateway and the bare subscriber finish what the broker holds for them.
  const auto drain_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(options.drain_s));
  const std::uint64_t total_sent = sent.load();
  Sample last = *at_end;
  while (Clock::now() < drain_deadline && !stop) {
    const bool bare_done = !bare || last.bare >= total_sent;
    const bool gateway_done =
        !metrics || (last.gateway.ok && last.gateway.processed >= static_cast<double>(total_sent));
    if (bare_done && gateway_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    last = take_sample(t0);
  }
  // The per-mat counters reach /metrics once a second: one more scrape after they settled.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  last = take_sample(t0);
  sampling = false;
  sampler.join();

  for (std::size_t i = connections; i < mats.size(); ++i) {
    publishers[mats[i].connection]->publish_for(mats[i].id, Channel::kStatus, kStatusOffline.data(),
                                                kStatusOffline.size(), true);
  }
  std::uint64_t failed_deliveries = 0;
  for (auto& p : publishers) {
    p->stop();
    failed_deliveries += p->failed_deliveries();
  }
  states.stop();
  if (bare) bare->close();

  // 7. Figures of the steady part.
  const StateListener::Result lat = states.result();
  nlohmann::json out;
  out["mats"] = options.mats;
  out["rate_hz"] = options.rate_hz;
  out["connections"] = connections;
  out["warmup_s"] = options.warmup_s;
  out["measured_s"] = number_or_null(measured_s);
  out["render_s"] = number_or_null(render_s);
  out["frame_bytes"] = encode_binary(mats[0].pool[0]).size();
  out["frames_sent"] = total_sent;
  out["generator_cpu_share_of_core"] = number_or_null(
      generator_cpu_s / std::chrono::duration<double>(send_end - std::min(t0, send_end)).count());
  out["failed_publish"] = failed_publish;
  out["failed_deliveries"] = failed_deliveries;
  out["send_lag_ms"] = {{"p50", number_or_null(percentile(lag_ms, 50))},
                        {"p99", number_or_null(percentile(lag_ms, 99))},
                        {"max", number_or_null(percentile(lag_ms, 100))}};
  out["state_latency_ms"] = {{"count", lat.latencies_ms.size()},
                             {"p50", number_or_null(percentile(lat.latencies_ms, 50))},
                             {"p90", number_or_null(percentile(lat.latencies_ms, 90))},
                             {"p99", number_or_null(percentile(lat.latencies_ms, 99))},
                             {"max", number_or_null(percentile(lat.latencies_ms, 100))}};
  out["states_received"] = lat.states_total;
  out["states_unreadable"] = lat.bad_states;
  out["mats_with_latency"] = lat.per_mat.size();
  nlohmann::json late = nlohmann::json::object();
  for (const auto& [second, count] : lat.late_by_second) late[std::to_string(second)] = count;
  out["states_over_50ms_by_second"] = late;

  const Sample& w = at_warm_end ? *at_warm_end : *at_end;
  const Sample& e = *at_end;
  const double window_s = e.t_s - w.t_s;
  nlohmann::json rates;
  rates["window_s"] = number_or_null(window_s);
  rates["sent_per_s"] = number_or_null(static_cast<double>(e.sent - w.sent) / window_s);
  if (bare) {
    out["bare_frames"] = last.bare;
    rates["bare_per_s"] = number_or_null(static_cast<double>(e.bare - w.bare) / window_s);
  }
  if (metrics) {
    out["gateway"] = {{"received", last.gateway.received},
                      {"accepted", last.gateway.accepted},
                      {"rejected", last.gateway.rejected},
                      {"decoded", last.gateway.decoded},
                      {"processed", last.gateway.processed}};
    const double processed_rate = (e.gateway.processed - w.gateway.processed) / window_s;
    rates["processed_per_s"] = number_or_null(processed_rate);
    // The gateway's CPU per fully processed frame: what the machine's noise does not change
    // much (a frame costs the same CPU whoever else runs), unlike frames per second.
    if (options.gateway_pid && e.cpu_s >= 0 && w.cpu_s >= 0 &&
        e.gateway.processed > w.gateway.processed) {
      out["gateway_cpu"] = {
          {"share_of_core", number_or_null((e.cpu_s - w.cpu_s) / window_s)},
          {"us_per_processed_frame", number_or_null((e.cpu_s - w.cpu_s) * 1e6 /
                                                    (e.gateway.processed - w.gateway.processed))}};
    }
    if (bare && e.bare > w.bare) {
      out["saturation_ratio"] =
          number_or_null(processed_rate / (static_cast<double>(e.bare - w.bare) / window_s));
    }
  }
  out["rates"] = rates;

  // Backlog: frames sent but not yet fully processed by the gateway, once a second. It must not
  // grow over the steady part (slope in frames per second, and its first and last sample).
  std::vector<double> ts, backlog, rss;
  {
    std::lock_guard lock(samples_mutex);
    for (const Sample& s : samples) {
      if (s.t_s < w.t_s - 1e-6 || s.t_s > e.t_s + 1e-6) continue;
      if (metrics && s.gateway.ok) {
        ts.push_back(s.t_s);
        backlog.push_back(static_cast<double>(s.sent) - s.gateway.processed);
      }
      if (s.rss >= 0) rss.push_back(s.rss);
    }
  }
  if (!backlog.empty()) {
    out["backlog_frames"] = {{"samples", backlog.size()},
                             {"first", backlog.front()},
                             {"last", backlog.back()},
                             {"max", *std::max_element(backlog.begin(), backlog.end())},
                             {"median", number_or_null(percentile(backlog, 50))},
                             {"slope_per_s", number_or_null(slope(ts, backlog))}};
  }
  if (options.gateway_pid) {
    const auto [rss_now, hwm] = process_memory(*options.gateway_pid);
    out["gateway_rss_mb"] = {
        {"samples", rss.size()},
        {"median", number_or_null(percentile(rss, 50) / 1048576.0)},
        {"max", number_or_null(rss.empty() ? std::nan("") : percentile(rss, 100) / 1048576.0)},
        {"end", number_or_null(rss_now / 1048576.0)},
        {"hwm", number_or_null(hwm / 1048576.0)}};
  }
  result << out.dump() << std::endl;
  if (!delivered || failed_deliveries > 0) return 1;
  return 0;
}

}  // namespace pmap::sim
