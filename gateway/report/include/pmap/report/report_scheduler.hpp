#pragma once
// When the gateway makes the morning report: after the night closes, and by a fallback hour when
// there was no night (docs/reports.md, "When the report is made").
//
// A night of wake date D is closed when its last stored in-bed episode ended at least settle_s
// ago (the person is up: an exit shorter than the nights' merge_exit_max_s would still belong to
// the night, so settle_s must be longer) and its bed is not occupied now (occupied_now, when
// given). The report of D is published when
//   * the night of D is closed and its end differs from the end last published for D (getting
//     back into bed and up again re-makes the report), or
//   * there is no night of D, the local time is past fallback_hour, and nothing was published
//     for D yet (the report then says "no bed data").
// The report JSON goes to the publish callback (the gateway publishes it retained on
// pmap/v1/<bed mat>/report, QoS 1).
//
// Threading: start() runs tick() on its own thread every `interval` (the report can take up to a
// second for a year of data; frames must not wait for it). The scheduler opens its own Store
// connection (SQLite WAL lets it read while the gateway writes). The callback is called on that
// thread. stop() (and the destructor) wake and join the thread. tick() may be called directly
// (tests) when the thread is not running.
//
// Errors: a failing report (database error) or a refused publish is logged, counted in failures(),
// and retried at the next tick; it never stops the thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pmap/diary/time_zone.hpp"
#include "pmap/log.hpp"
#include "pmap/report/report_config.hpp"
#include "pmap/store.hpp"

namespace pmap::report {

struct ReportSchedule {
  std::string db_path;
  ReportConfig report;
  std::int64_t settle_s = 30 * 60;  ///< out of bed this long after the night's end: closed
  int fallback_hour = 12;           ///< local hour from which a report without a night is made
  /// The live occupancy of a mat, when known (the gateway's latest state). A night whose bed is
  /// occupied now is not closed: the person went back to bed after an exit longer than the merge
  /// gap, and the stored episodes do not show the open in-bed episode yet.
  std::function<bool(const std::string& mat_id)> occupied_now;
};

class ReportScheduler {
 public:
  /// `topic_mat` is the bed mat (else the chair mat) the report is about. Returns false when the
  /// report could not be handed on (e.g. broker not connected): it is made again at the next tick.
  using Publish = std::function<bool(const std::string& topic_mat, const std::string& report_json)>;

  /// Throws ReportError for an invalid schedule (settle_s not longer than the merge gap,
  /// fallback_hour outside 0-23) or configuration.
  ReportScheduler(ReportSchedule schedule, diary::TimeZone zone, Publish publish, Logger* logger);
  ~ReportScheduler();
  ReportScheduler(const ReportScheduler&) = delete;
  ReportScheduler& operator=(const ReportScheduler&) = delete;

  /// One check at `now_us`; returns the published report's date, if one was published.
  std::optional<std::chrono::sys_days> tick(std::int64_t now_us);

  void start(std::chrono::milliseconds interval);
  void stop();

  [[nodiscard]] std::uint64_t published() const { return published_; }
  [[nodiscard]] std::uint64_t failures() const { return failures_; }

 private:
  void run(std::chrono::milliseconds interval);

  ReportSchedule schedule_;
  diary::TimeZone zone_;
  Publish publish_;
  Logger* logger_;
  std::unique_ptr<Store> store_;
  /// Per report date: the night end (µs) last published, 0 for "no night".
  std::map<std::chrono::sys_days, std::int64_t> last_published_;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::thread thread_;
};

}  // namespace pmap::report
