#include "pmap/store_writer.hpp"

namespace pmap {

StoreWriter::StoreWriter(std::unique_ptr<Store> store, Logger* logger,
                         std::size_t max_queued_batches, TransactionObserver observer)
    : store_(std::move(store)),
      logger_(logger),
      max_queued_(max_queued_batches),
      observer_(std::move(observer)) {
  thread_ = std::thread([this] { run(); });
}

StoreWriter::~StoreWriter() {
  stop();
}

void StoreWriter::submit(WriteBatch batch) {
  if (batch.empty()) return;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= max_queued_) {
      queue_.pop_front();
      ++stats_.dropped_batches;
      ++completed_;
    }
    queue_.push_back(std::move(batch));
    ++submitted_;
  }
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

StoreWriter::Stats StoreWriter::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void StoreWriter::run() {
  for (;;) {
    WriteBatch batch;
    std::uint64_t n = 0;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      while (!queue_.empty()) {
        batch.append(std::move(queue_.front()));
        queue_.pop_front();
        ++n;
      }
    }
    std::string error;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      store_->write(batch);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (observer_) observer_(std::chrono::steady_clock::now() - t0);
    {
      const std::lock_guard lock(mutex_);
      completed_ += n;
      if (error.empty()) {
        ++stats_.transactions;
        stats_.rows += batch.rows();
      } else {
        ++stats_.write_errors;
        stats_.last_error = error;
      }
    }
    if (!error.empty() && logger_ != nullptr)
      logger_->error("store: " + error + " (batch dropped)");
    done_cv_.notify_all();
  }
  done_cv_.notify_all();
}

}  // namespace pmap
