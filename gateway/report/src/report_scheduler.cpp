#include "pmap/report/report_scheduler.hpp"

#include "pmap/nights/nights_reader.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"

namespace pmap::report {

ReportScheduler::ReportScheduler(ReportSchedule schedule, diary::TimeZone zone, Publish publish,
                                 Logger* logger)
    : schedule_(std::move(schedule)),
      zone_(std::move(zone)),
      publish_(std::move(publish)),
      logger_(logger) {
  validate(schedule_.report);
  if (schedule_.settle_s <= schedule_.report.nights.merge_exit_max_s)
    throw ReportError("report settle time must be longer than the bed-exit merge gap (" +
                      std::to_string(schedule_.report.nights.merge_exit_max_s) + " s)");
  if (schedule_.fallback_hour < 0 || schedule_.fallback_hour > 23)
    throw ReportError("report fallback hour must be 0..23");
  if (!publish_) throw ReportError("report scheduler needs a publish callback");
}

ReportScheduler::~ReportScheduler() {
  stop();
}

std::optional<std::chrono::sys_days> ReportScheduler::tick(std::int64_t now_us) {
  try {
    if (!store_) store_ = std::make_unique<Store>(schedule_.db_path, reader_store_config());
    const auto today = zone_.local_day(now_us);
    const auto nights = nights::NightsReader(*store_, zone_, schedule_.report.nights)
                            .nights(today, today, schedule_.report.bed_mat);
    std::optional<std::int64_t> night_end;
    std::string night_mat;
    for (const auto& n : nights) {
      if (schedule_.report.bed_mat && n.mat_id != *schedule_.report.bed_mat) continue;
      if (!night_end || n.end_us > *night_end) {
        night_end = n.end_us;
        night_mat = n.mat_id;
      }
    }
    const auto done = last_published_.find(today);
    bool due = false;
    if (night_end) {
      due = *night_end + schedule_.settle_s * 1'000'000 <= now_us &&
            (done == last_published_.end() || done->second != *night_end) &&
            !(schedule_.occupied_now && schedule_.occupied_now(night_mat));
    } else {
      due = done == last_published_.end() && zone_.to_local(now_us).hour >= schedule_.fallback_hour;
    }
    if (!due) return std::nullopt;
    const auto report = ReportBuilder(*store_, zone_, schedule_.report).build(today, now_us);
    const auto& mats = report["mats"];
    const std::string mat = mats["bed"].is_string()     ? mats["bed"].get<std::string>()
                            : mats["chair"].is_string() ? mats["chair"].get<std::string>()
                                                        : std::string();
    if (mat.empty()) {
      last_published_[today] = night_end.value_or(0);
      if (logger_)
        logger_->info("morning report " + diary::format_date(today) +
                      ": no mat has data yet, nothing published");
      return std::nullopt;
    }
    if (!publish_(mat, report.dump())) {
      ++failures_;
      if (logger_)
        logger_->warn("morning report " + diary::format_date(today) +
                      " not published (broker not connected?); retried at the next check");
      return std::nullopt;
    }
    last_published_[today] = night_end.value_or(0);
    // Keep a week of keys: enough to never re-publish a day, small forever.
    while (last_published_.size() > 7) last_published_.erase(last_published_.begin());
    ++published_;
    if (logger_)
      logger_->info("morning report " + diary::format_date(today) + " published for mat '" + mat +
                    "'" + (night_end ? "" : " (no night recorded)"));
    return today;
  } catch (const std::exception& e) {
    ++failures_;
    if (logger_)
      logger_->warn(std::string("morning report failed (retried at the next check): ") + e.what());
    store_.reset();
    return std::nullopt;
  }
}

void ReportScheduler::start(std::chrono::milliseconds interval) {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_requested_ = false;
  thread_ = std::thread([this, interval] { run(interval); });
}

void ReportScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReportScheduler::run(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    lock.unlock();
    (void)tick(diary::now_us());
    lock.lock();
    wake_.wait_for(lock, interval, [this] { return stop_requested_; });
  }
}

}  // namespace pmap::report
