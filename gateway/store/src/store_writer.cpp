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
  return stats_;
}

void StoreWriter::run() {
  for (;;) {
    WriteBatch batch;
    std::uint64_t n = 0;
    std::optional<Job> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !jobs_.empty(); });
      if (queue_.empty() && jobs_.empty()) break;  // stopping and drained
      while (!queue_.empty()) {
        batch.append(std::move(queue_.front()));
        queue_.pop_front();
        ++n;
      }
      if (!jobs_.empty()) {
        job.emplace(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    if (n == 0) {  // only a job: the batches before it are written already
      run_job(*job);
      continue;
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
    if (job) run_job(*job);
  }
  done_cv_.notify_all();
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
