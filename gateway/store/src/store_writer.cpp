#include "pmap/store_writer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>

namespace pmap {

namespace {

std::string mib(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s);
  return text;
}

double seconds_between(StoreWriter::Clock::time_point from, StoreWriter::Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

bool is_transient_sqlite_error(int code) {
  switch (code & 0xff) {  // the primary code of an extended one (SQLITE_IOERR_WRITE → SQLITE_IOERR)
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

StoreWriter::StoreWriter(std::unique_ptr<Store> store, Logger* logger, StoreWriterOptions options)
    : store_(std::move(store)), logger_(logger), options_(std::move(options)) {
  options_.retry_min = std::max(options_.retry_min, std::chrono::milliseconds(1));
  options_.retry_max = std::max(options_.retry_max, options_.retry_min);
  stats_.max_buffer_bytes = options_.max_buffer_bytes;
  thread_ = std::thread([this] { run(); });
}

StoreWriter::~StoreWriter() {
  stop();
}

void StoreWriter::submit(WriteBatch batch) {
  if (batch.empty()) return;
  std::string dropped;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    const std::size_t bytes = batch.approx_bytes();
    queue_.push_back(Pending{std::move(batch), bytes, 1});
    queued_bytes_ += bytes;
    ++submitted_;
    const auto before = stats_;
    enforce_cap_locked();
    if (stats_.dropped_batches != before.dropped_batches ||
        stats_.dropped_raw_frames != before.dropped_raw_frames) {
      const auto now = Clock::now();
      if (now - last_log_ >= options_.log_interval || last_log_ == Clock::time_point{}) {
        last_log_ = now;
        dropped = "store: " + mib(options_.max_buffer_bytes) +
                  " of batches waiting for the database (the memory cap): dropped so far " +
                  std::to_string(stats_.dropped_raw_frames) + " raw frames and " +
                  std::to_string(stats_.dropped_batches) + " whole batches (" +
                  std::to_string(stats_.dropped_rows) + " rows), oldest first";
      }
    }
  }
  if (!dropped.empty()) log_error(dropped);
  cv_.notify_one();
}

void StoreWriter::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = submitted_;
  done_cv_.wait(lock, [&] { return completed_ >= target || !thread_.joinable(); });
}

void StoreWriter::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StoreWriter::run_exclusive(std::function<void(Store&)> job) {
  std::future<void> done;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) throw StoreError("the database writer is stopping");
    jobs_.push_back(Job{std::move(job), {}});
    done = jobs_.back().done.get_future();
  }
  cv_.notify_one();
  done.get();
}

StoreWriter::Stats StoreWriter::stats() const {
  const std::lock_guard lock(mutex_);
  Stats s = stats_;
  s.failing_for_s = s.failing ? seconds_between(failing_since_, Clock::now()) : 0;
  s.buffered_bytes = queued_bytes_ + inflight_bytes_;
  s.buffered_rows = inflight_rows_;
  for (const auto& p : queue_) s.buffered_rows += p.batch.rows();
  return s;
}

void StoreWriter::enforce_cap_locked() {
  // The batch being written is not counted: it cannot be shed while SQLite has it, and it comes
  // back to the front of the queue (and under this cap) if it fails. So memory peaks at about
  // twice the cap while a retry of a full buffer is being written.
  const auto over = [&] { return queued_bytes_ > options_.max_buffer_bytes; };
  if (!over()) return;
  // The raw archive first: it is optional, the biggest by far (a 64 × 32 frame is 4 KiB, an
  // epoch row ~200 bytes), and nothing the nights are made of.
  for (auto& p : queue_) {
    if (!over()) break;
    if (p.batch.raw_frames.empty()) continue;
    stats_.dropped_raw_frames += p.batch.drop_raw_frames();
    const std::size_t now_bytes = p.batch.approx_bytes();
    queued_bytes_ -= p.bytes - now_bytes;
    p.bytes = now_bytes;
  }
  // Then whole batches, oldest first: the night going on now is worth more than its beginning,
  // which has been waiting longest.
  while (over() && !queue_.empty()) {
    Pending& p = queue_.front();
    stats_.dropped_rows += p.batch.rows();
    ++stats_.dropped_batches;
    completed_ += p.fresh;
    queued_bytes_ -= p.bytes;
    queue_.pop_front();
  }
  done_cv_.notify_all();
}

void StoreWriter::run() {
  for (;;) {
    Pending attempt;
    bool have_batch = false;
    bool was_failing = false;
    std::optional<Job> job;
    {
      std::unique_lock lock(mutex_);
      const auto due = [&] {
        return !stats_.failing || stopping_ || !jobs_.empty() || Clock::now() >= retry_at_;
      };
      for (;;) {
        if (!jobs_.empty()) break;
        if (queue_.empty()) {
          if (stopping_) {
            lock.unlock();
            done_cv_.notify_all();
            return;  // stopping and drained
          }
          cv_.wait(lock);
          continue;
        }
        if (due()) break;
        cv_.wait_until(lock, retry_at_);
      }
      // A job waits for the held batches (one more try, whatever the backoff): it must run after
      // them, as run_exclusive() promises.
      if (!queue_.empty() && due()) {
        while (!queue_.empty()) {
          Pending& p = queue_.front();
          attempt.batch.append(std::move(p.batch));
          attempt.bytes += p.bytes;
          attempt.fresh += p.fresh;
          queue_.pop_front();
        }
        queued_bytes_ = 0;
        inflight_bytes_ = attempt.bytes;
        inflight_rows_ = attempt.batch.rows();
        have_batch = true;
        was_failing = stats_.failing;
        if (was_failing) ++stats_.retries;
      }
      if (!jobs_.empty()) {
        job.emplace(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    if (have_batch) {
      std::string error;
      int code = 0;
      const auto t0 = Clock::now();
      try {
        store_->write(attempt.batch);
      } catch (const StoreError& e) {
        error = e.what();
        code = e.sqlite_code();
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (options_.observer) options_.observer(Clock::now() - t0);
      if (error.empty()) {
        double failed_for = 0;
        {
          const std::lock_guard lock(mutex_);
          ++stats_.transactions;
          stats_.rows += attempt.batch.rows();
          completed_ += attempt.fresh;
          inflight_bytes_ = 0;
          inflight_rows_ = 0;
          if (stats_.failing) failed_for = seconds_between(failing_since_, Clock::now());
          stats_.failing = false;
        }
        if (was_failing) {
          log_info("store: the database is writable again after " + seconds(failed_for) +
                   "; wrote the " + std::to_string(attempt.batch.rows()) + " rows held meanwhile");
        }
      } else {
        on_failure(std::move(attempt), error, code);
      }
      done_cv_.notify_all();
    }
    if (job) run_job(*job);
  }
}

void StoreWriter::on_failure(Pending&& attempt, const std::string& error, int code) {
  std::string line;
  {
    const std::lock_guard lock(mutex_);
    ++stats_.write_errors;
    stats_.last_error = error;
    stats_.last_error_code = code;
    completed_ += attempt.fresh;  // tried: flush() no longer waits for it
    attempt.fresh = 0;
    inflight_bytes_ = 0;
    inflight_rows_ = 0;
    const std::size_t rows = attempt.batch.rows();
    if (is_transient_sqlite_error(code) && !stopping_) {
      const auto now = Clock::now();
      const bool first = !stats_.failing;
      if (first) {
        stats_.failing = true;
        failing_since_ = now;
        retry_delay_ = options_.retry_min;
      } else {
        retry_delay_ = std::min(retry_delay_ * 2, options_.retry_max);
      }
      retry_at_ = now + retry_delay_;
      queued_bytes_ += attempt.bytes;
      queue_.push_front(std::move(attempt));
      enforce_cap_locked();
      if (first || now - last_log_ >= options_.log_interval) {
        last_log_ = now;
        std::size_t held_rows = 0;
        for (const auto& p : queue_) held_rows += p.batch.rows();
        line = "store: cannot write the database (" + error + "); " +
               (first ? std::string("")
                      : "failing for " + seconds(seconds_between(failing_since_, now)) + ", ") +
               "holding " + std::to_string(held_rows) + " rows (" + mib(queued_bytes_) +
               " of the " + mib(options_.max_buffer_bytes) + " cap) in memory, retrying every " +
               seconds(std::chrono::duration<double>(retry_delay_).count()) +
               " at most; the live state goes on";
        if (stats_.dropped_batches > 0 || stats_.dropped_raw_frames > 0) {
          line += "; dropped over the cap: " + std::to_string(stats_.dropped_raw_frames) +
                  " raw frames, " + std::to_string(stats_.dropped_batches) + " batches";
        }
      }
    } else {
      ++stats_.dropped_batches;
      stats_.dropped_rows += rows - attempt.batch.raw_frames.size();
      stats_.dropped_raw_frames += attempt.batch.raw_frames.size();
      stats_.failing = false;
      line = stopping_ && is_transient_sqlite_error(code)
                 ? "store: " + error +
                       " - stopping with the database still not writable: " + std::to_string(rows) +
                       " rows lost"
                 : "store: " + error + " (batch of " + std::to_string(rows) + " rows dropped)";
    }
  }
  if (!line.empty()) log_error(line);
}

void StoreWriter::log_error(const std::string& line) {
  if (logger_ != nullptr) logger_->error(line);
}

void StoreWriter::log_info(const std::string& line) {
  if (logger_ != nullptr) logger_->info(line);
}

void StoreWriter::run_job(Job& job) {
  try {
    job.work(*store_);
    job.done.set_value();
  } catch (...) {
    job.done.set_exception(std::current_exception());
  }
}

}  // namespace pmap
