#include <boost/program_options.hpp>
#include <cmath>
#include <sstream>

#include "load.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap::sim {
namespace po = boost::program_options;

namespace {

po::options_description describe() {
  po::options_description all(
      "pmap-load: N simulated bed mats at R Hz into one broker, measuring a gateway in the same "
      "run\n\n"
      "Usage: pmap-load --broker tcp://HOST:PORT [--mats N] [--rate-hz R] [--warmup-s W] "
      "[--duration-s D]\n"
      "                 [--metrics-url http://HOST:PORT/metrics] [--gateway-pid PID] [options]\n\n"
      "Each mat publishes its retained meta and status, then binary frames (sequence +1, the\n"
      "current time as timestamp) from a pool pre-rendered by the simulator's body and sensor\n"
      "models (mats cycle supine/left/right/prone/fetal postures). Sends are spread evenly over\n"
      "the frame period on a steady clock. Prints one JSON line of results (docs/firmware-sim.md,\n"
      "\"Load runs\").\n\nOptions");
  // clang-format off
  all.add_options()
      ("help,h", "show this help and exit")
      ("broker", po::value<std::string>(), "MQTT broker URI, tcp://host:port (required)")
      ("mats", po::value<long long>(), "number of bed mats, 1-10000 (default 500)")
      ("rate-hz", po::value<double>(), "frames per second per mat, 0.1-100 (default 10)")
      ("warmup-s", po::value<double>(), "seconds sent before measuring, 0-3600 (default 10)")
      ("duration-s", po::value<double>(),
       "seconds measured after the warm-up (the steady part), 1-86400 (default 60)")
      ("drain-s", po::value<double>(),
       "after the last frame, wait at most this for the gateway and the bare subscriber to catch "
       "up, 0-600 (default 20)")
      ("connections", po::value<long long>(),
       "MQTT connections, shared round-robin by the mats, 1-mats (default: one per mat, as real "
       "mats; the connection's own mat has the last will)")
      ("pool-frames", po::value<long long>(), "frames pre-rendered per mat, 1-10000 (default 20)")
      ("window", po::value<long long>(),
       "QoS 1 deliveries in flight per connection, 1-65535 (default 64)")
      ("seed", po::value<unsigned long long>(), "simulation seed (default 1)")
      ("mat-prefix", po::value<std::string>(),
       "mat ids are PREFIX0000, PREFIX0001, ... ([A-Za-z0-9_-], default load)")
      ("metrics-url", po::value<std::string>(),
       "the gateway's metrics, http://HOST:PORT/metrics: frames fully processed and backlog, "
       "sampled every second")
      ("api-token-file", po::value<std::string>(), "bearer token file for --metrics-url")
      ("gateway-pid", po::value<long long>(),
       "the gateway's process id: VmRSS sampled every second and VmHWM from /proc/PID/status")
      ("bare-subscriber", po::value<std::string>(),
       "command of the bare subscriber counting the frames the broker delivers "
       "(default mosquitto_sub; empty: none)");
  // clang-format on
  return all;
}

template <typename T>
std::optional<T> get(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<T>();
}

}  // namespace

std::variant<LoadOptions, LoadCliExit> parse_load_cli(int argc, const char* const argv[]) {
  const auto all = describe();
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    return LoadCliExit{"", error.what()};
  }
  if (vm.count("help")) {
    std::ostringstream help;
    help << all;
    return LoadCliExit{help.str(), ""};
  }
  auto fail = [](std::string message) { return LoadCliExit{"", std::move(message)}; };
  LoadOptions o;
  const auto broker = get<std::string>(vm, "broker");
  if (!broker) return fail("--broker is required");
  if (broker->rfind("tcp://", 0) != 0 || broker->size() <= 6 ||
      broker->find(':', 6) == std::string::npos) {
    return fail("--broker must be tcp://host:port, not '" + *broker + "'");
  }
  o.broker = *broker;

  auto integer = [&](const char* name, long long lo, long long hi,
                     std::size_t& out) -> std::optional<std::string> {
    if (auto v = get<long long>(vm, name)) {
      if (*v < lo || *v > hi) {
        return "--" + std::string(name) + " must be " + std::to_string(lo) + "-" +
               std::to_string(hi) + ", not " + std::to_string(*v);
      }
      out = static_cast<std::size_t>(*v);
    }
    return std::nullopt;
  };
  auto real = [&](const char* name, double lo, double hi,
                  double& out) -> std::optional<std::string> {
    if (auto v = get<double>(vm, name)) {
      if (!std::isfinite(*v) || *v < lo || *v > hi) {
        std::ostringstream m;
        m << "--" << name << " must be " << lo << "-" << hi << ", not " << *v;
        return m.str();
      }
      out = *v;
    }
    return std::nullopt;
  };
  if (auto e = integer("mats", 1, 10000, o.mats)) return fail(*e);
  if (auto e = integer("connections", 1, static_cast<long long>(o.mats), o.connections))
    return fail(*e);
  if (auto e = integer("pool-frames", 1, 10000, o.pool_frames)) return fail(*e);
  if (auto e = integer("window", 1, 65535, o.window)) return fail(*e);
  if (auto e = real("rate-hz", 0.1, 100, o.rate_hz)) return fail(*e);
  if (auto e = real("warmup-s", 0, 3600, o.warmup_s)) return fail(*e);
  if (auto e = real("duration-s", 1, 86400, o.duration_s)) return fail(*e);
  if (auto e = real("drain-s", 0, 600, o.drain_s)) return fail(*e);
  if (auto seed = get<unsigned long long>(vm, "seed")) o.seed = *seed;
  if (auto prefix = get<std::string>(vm, "mat-prefix")) o.mat_prefix = *prefix;
  // The longest id (prefix + 4-5 digits) must be a valid mat id.
  if (!is_valid_mat_id(o.mat_prefix + std::to_string(o.mats))) {
    return fail("--mat-prefix '" + o.mat_prefix +
                "' does not make valid mat ids ([A-Za-z0-9_-], at most 64 characters)");
  }
  o.metrics_url = get<std::string>(vm, "metrics-url");
  if (o.metrics_url && (o.metrics_url->rfind("http://", 0) != 0 ||
                        o.metrics_url->find('/', 7) == std::string::npos)) {
    return fail("--metrics-url must be http://host:port/path, not '" + *o.metrics_url + "'");
  }
  o.api_token_file = get<std::string>(vm, "api-token-file");
  if (o.api_token_file && !o.metrics_url) return fail("--api-token-file needs --metrics-url");
  if (auto pid = get<long long>(vm, "gateway-pid")) {
    if (*pid < 1 || *pid > 4194304) return fail("--gateway-pid must be a process id");
    o.gateway_pid = static_cast<int>(*pid);
  }
  if (auto bare = get<std::string>(vm, "bare-subscriber")) o.bare_subscriber = *bare;
  return o;
}

}  // namespace pmap::sim
