#pragma once
// Writes batches to a Store on its own thread, off the ingest path.
//
// Threading: submit(), flush() and stop() may be called from any thread (the gateway calls them
// from its io_context thread). Batches queued together are committed in one transaction. A
// failed transaction is logged and counted (write_errors) and its batch dropped; the writer keeps
// going. The queue is bounded (max_queued_batches); when full, the oldest batch is dropped and
// counted. stop() (and the destructor) writes everything queued, then joins the thread.
// run_exclusive() runs other work (a deletion) on the writer's own connection, in line with the
// batches, so it never competes with the gateway's writes for the database's write lock.
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

class StoreWriter {
 public:
  /// Told the duration of every transaction, committed or failed (on the writer's thread).
  using TransactionObserver = std::function<void(std::chrono::nanoseconds)>;

  StoreWriter(std::unique_ptr<Store> store, Logger* logger, std::size_t max_queued_batches = 600,
              TransactionObserver observer = {});
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  /// Queues a batch; never blocks on disk.
  void submit(WriteBatch batch);
  /// Blocks until every batch submitted before has been committed (or failed).
  void flush();
  /// Writes what is queued and stops the thread. Idempotent.
  void stop();
  /// Runs `job` with the Store on the writer's thread, after every batch submitted before this
  /// call (batches submitted meanwhile may be written before it too; none is written while it
  /// runs: they wait in the queue). Blocks until the job ends; rethrows what it threw. Throws
  /// StoreError when the writer is stopping. Call it from any thread but the writer's own.
  void run_exclusive(std::function<void(Store&)> job);

  struct Stats {
    std::uint64_t transactions = 0;
    std::uint64_t rows = 0;
    std::uint64_t write_errors = 0;
    std::uint64_t dropped_batches = 0;
    std::string last_error;
  };
  [[nodiscard]] Stats stats() const;

 private:
  void run();
  struct Job;
  void run_job(Job& job);
  std::unique_ptr<Store> store_;
  Logger* logger_;
  std::size_t max_queued_;
  TransactionObserver observer_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<WriteBatch> queue_;
  struct Job {
    std::function<void(Store&)> work;
    std::promise<void> done;
  };
  std::deque<Job> jobs_;
  std::uint64_t submitted_ = 0;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace pmap
