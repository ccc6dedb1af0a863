#pragma once
// Writes batches to a Store on its own thread, off the ingest path.
//
// Threading: submit(), flush() and stop() may be called from any thread (the gateway calls them
// from its io_context thread). Batches queued together are committed in one transaction.
// run_exclusive() runs other work (a deletion) on the writer's own connection, in line with the
// batches, so it never competes with the gateway's writes for the database's write lock.
//
// Failures (docs/gateway.md, "When the database cannot be written"): a transaction that fails
// because of the disk or the file — SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_BUSY,
// SQLITE_LOCKED, SQLITE_CANTOPEN, SQLITE_NOMEM, SQLITE_PROTOCOL — is rolled back as a whole and
// its batch is KEPT: it and every batch submitted later wait in memory, in order, and are retried
// with a backoff (retry_min doubling to retry_max). The first success writes all of them in one
// transaction; nothing is written twice (a failed transaction leaves nothing behind). Any other
// failure (a constraint, a bug) would fail again on every retry: its batch is logged, counted
// (write_errors) and dropped, and the writer carries on.
//
// Memory cap: the batches waiting (behind a slow disk or a failing one) are bounded by
// max_buffer_bytes (estimated, WriteBatch::approx_bytes(); the batch being written is not
// counted, so the peak is about twice the cap while a retry of a full buffer runs). Beyond it the raw frames (the
// optional archive) go first, oldest batch first (dropped_raw_frames); if the rest still does not
// fit, whole batches go, oldest first (dropped_batches, dropped_rows): the newest data — the
// night going on now — is kept. stop() (and the destructor) writes everything queued, trying a
// failing database once more, then joins the thread; what still cannot be written is lost, and
// logged and counted as dropped.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pmap/log.hpp"
#include "pmap/store.hpp"

namespace pmap {

struct StoreWriterOptions {
  /// Told the duration of every transaction, committed or failed (on the writer's thread).
  std::function<void(std::chrono::nanoseconds)> observer;
  /// Bytes of batches held in memory at most (waiting for the disk, or for a failing database).
  std::size_t max_buffer_bytes = 64U * 1024 * 1024;
  /// Delay before the first retry of a failing database; doubles up to retry_max.
  std::chrono::milliseconds retry_min{500};
  std::chrono::milliseconds retry_max{30000};
  /// While the database keeps failing, at most one log line per this period.
  std::chrono::milliseconds log_interval{60000};
};

/// True for the SQLite result codes that a later retry may get past (disk full, read-only file,
/// I/O error, lock contention, out of memory): the batch is kept, not dropped.
[[nodiscard]] bool is_transient_sqlite_error(int code);

class StoreWriter {
 public:
  using Clock = std::chrono::steady_clock;

  StoreWriter(std::unique_ptr<Store> store, Logger* logger, StoreWriterOptions options = {});
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  /// Queues a batch; never blocks on disk.
  void submit(WriteBatch batch);
  /// Blocks until every batch submitted before has been committed, dropped, or tried once and
  /// held for a retry (a failing database does not block the caller).
  void flush();
  /// Writes what is queued (one more attempt when the database is failing) and stops the thread.
  /// Idempotent.
  void stop();
  /// Runs `job` with the Store on the writer's thread, after every batch submitted before this
  /// call (batches submitted meanwhile may be written before it too; none is written while it
  /// runs: they wait in the queue). Blocks until the job ends; rethrows what it threw. Throws
  /// StoreError when the writer is stopping. Call it from any thread but the writer's own.
  void run_exclusive(std::function<void(Store&)> job);

  struct Stats {
    std::uint64_t transactions = 0;  ///< committed
    std::uint64_t rows = 0;          ///< committed
    std::uint64_t write_errors = 0;  ///< failed transactions (retried or dropped)
    std::uint64_t retries = 0;       ///< transactions that retried held batches
    std::uint64_t dropped_batches = 0;
    std::uint64_t dropped_rows = 0;        ///< rows of dropped batches (raw frames not included)
    std::uint64_t dropped_raw_frames = 0;  ///< raw frames shed to stay under the memory cap
    std::string last_error;
    int last_error_code = 0;  ///< SQLite result code of last_error (0: not from SQLite)
    /// The database refuses writes now: batches are held and retried.
    bool failing = false;
    double failing_for_s = 0;        ///< how long it has been failing (0 when not)
    std::size_t buffered_bytes = 0;  ///< estimated bytes of batches waiting (or being written)
    std::size_t buffered_rows = 0;
    std::size_t max_buffer_bytes = 0;
  };
  [[nodiscard]] Stats stats() const;

 private:
  struct Pending {
    WriteBatch batch;
    std::size_t bytes = 0;
    std::uint64_t fresh = 0;  ///< submitted batches in it that flush() still waits for
  };
  struct Job {
    std::function<void(Store&)> work;
    std::promise<void> done;
  };
  void run();
  void run_job(Job& job);
  /// Under mutex_: sheds raw frames, then whole batches, oldest first, until the cap holds.
  void enforce_cap_locked();
  /// Writer thread, after a failed transaction: keeps (or drops) the batch, logs.
  void on_failure(Pending&& attempt, const std::string& error, int code);
  void log_error(const std::string& line);
  void log_info(const std::string& line);

  std::unique_ptr<Store> store_;
  Logger* logger_;
  StoreWriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<Pending> queue_;  ///< oldest first; a held (failed) batch is at the front
  std::size_t queued_bytes_ = 0;
  std::size_t inflight_bytes_ = 0;  ///< the batch being written
  std::size_t inflight_rows_ = 0;
  std::deque<Job> jobs_;
  std::uint64_t submitted_ = 0;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  Stats stats_;
  // Failing state (writer thread and mutex_).
  Clock::time_point failing_since_{};
  Clock::time_point retry_at_{};
  std::chrono::milliseconds retry_delay_{0};
  Clock::time_point last_log_{};
  std::thread thread_;
};

}  // namespace pmap
