// pmap-load's command line: defaults, every range checked, clear messages (no network).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "load.hpp"

namespace pmap::sim {
namespace {

std::variant<LoadOptions, LoadCliExit> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "pmap-load");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_load_cli(static_cast<int>(argv.size()), argv.data());
}

std::string error_of(std::vector<std::string> args) {
  const auto parsed = parse(std::move(args));
  const auto* exit = std::get_if<LoadCliExit>(&parsed);
  return exit ? exit->error : std::string("(parsed)");
}

TEST(LoadCli, DefaultsAre500BedMatsAt10HzOneConnectionEach) {
  const auto parsed = parse({"--broker", "tcp://127.0.0.1:1883"});
  ASSERT_TRUE(std::holds_alternative<LoadOptions>(parsed));
  const auto& o = std::get<LoadOptions>(parsed);
  EXPECT_EQ(o.mats, 500u);
  EXPECT_DOUBLE_EQ(o.rate_hz, 10);
  EXPECT_EQ(o.connections, 0u);  // one per mat
  EXPECT_DOUBLE_EQ(o.warmup_s, 10);
  EXPECT_DOUBLE_EQ(o.duration_s, 60);
  EXPECT_EQ(o.bare_subscriber, "mosquitto_sub");
  EXPECT_FALSE(o.metrics_url);
}

TEST(LoadCli, HelpNamesEveryOption) {
  const auto parsed = parse({"--help"});
  ASSERT_TRUE(std::holds_alternative<LoadCliExit>(parsed));
  const std::string help = std::get<LoadCliExit>(parsed).help;
  for (const char* option :
       {"--broker", "--mats", "--rate-hz", "--warmup-s", "--duration-s", "--connections",
        "--metrics-url", "--gateway-pid", "--bare-subscriber"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

TEST(LoadCli, BadValuesAreRefusedWithTheOptionNamed) {
  EXPECT_NE(error_of({}).find("--broker is required"), std::string::npos);
  EXPECT_NE(error_of({"--broker", "localhost:1883"}).find("tcp://host:port"), std::string::npos);
  const std::string b = "tcp://127.0.0.1:1883";
  EXPECT_NE(error_of({"--broker", b, "--mats", "0"}).find("--mats must be 1-10000"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--mats", "10", "--connections", "11"})
                .find("--connections must be 1-10"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--rate-hz", "nan"}).find("--rate-hz"), std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--rate-hz", "500"}).find("--rate-hz"), std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--duration-s", "0"}).find("--duration-s"), std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--mats", "x"}).find("mats"), std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--mat-prefix", "bad/id"}).find("--mat-prefix"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--metrics-url", "127.0.0.1:8787"}).find("--metrics-url"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--api-token-file", "/tmp/t"}).find("needs --metrics-url"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--gateway-pid", "0"}).find("--gateway-pid"),
            std::string::npos);
  EXPECT_NE(error_of({"--broker", b, "--no-such-option"}).find("no-such-option"),
            std::string::npos);
}

}  // namespace
}  // namespace pmap::sim
