#include "qt_runtime.hpp"

#include <clocale>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <QCoreApplication>
#include <QGuiApplication>
#include <QThread>

#include "pmap/report_pdf/html_to_pdf.hpp"

namespace pmap::report_pdf::detail {
namespace {

QtMessageHandler previous_message_handler = nullptr;

// Qt's messages go where they went before, except one that every run of a CLI would print
// (QStandardPaths, asked by Qt for its runtime directory, when XDG_RUNTIME_DIR is unset, as under
// systemd services and in containers). Installed only when this library owns the application.
void filter_qt_messages(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  if (message.startsWith(QLatin1StringView("QStandardPaths: XDG_RUNTIME_DIR not set"))) return;
  if (previous_message_handler != nullptr) previous_message_handler(type, context, message);
}

// The library's own Qt thread: it creates the QGuiApplication (so Qt sees it as its main thread)
// and then runs queued jobs forever. It is never stopped or destroyed: Qt allows one application
// object per process and tearing one down in a thread at exit races with static destructors, so
// the object and the thread are left to the end of the process (the thread sleeps when idle).
class QtThread {
 public:
  QtThread() {
    std::promise<void> ready;
    std::future<void> started = ready.get_future();
    std::thread([this, ready = std::move(ready)]() mutable { loop(ready); }).detach();
    started.get();
  }

  void run(const std::function<void()>& job) {
    std::packaged_task<void()> task(job);
    std::future<void> done = task.get_future();
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(task));
    }
    wakeup_.notify_one();
    done.get();  // rethrows the job's exception
  }

 private:
  void loop(std::promise<void>& ready) {
    // QCoreApplication sets the process's C locale from the environment (setlocale(LC_ALL, "")),
    // which would change how the rest of the program prints and parses numbers: put it back.
    const std::string previous_locale = std::setlocale(LC_ALL, nullptr);
    previous_message_handler = qInstallMessageHandler(filter_qt_messages);
    // argc/argv must outlive the application object, which lives as long as the process.
    static int argc = 3;
    static char arg0[] = "pmap-report-pdf";
    static char arg1[] = "-platform";
    static char arg2[] = "offscreen";
    static char* argv[] = {arg0, arg1, arg2, nullptr};
    QGuiApplication app(argc, argv);  // this function never returns
    std::setlocale(LC_ALL, previous_locale.c_str());
    ready.set_value();

    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock lock(mutex_);
        wakeup_.wait(lock, [this] { return !queue_.empty(); });
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<std::packaged_task<void()>> queue_;
};

}  // namespace

void run_with_qt(const std::function<void()>& job) {
  static std::mutex mutex;
  static QtThread* own_thread = nullptr;  // never deleted, see QtThread
  {
    const std::lock_guard lock(mutex);
    if (own_thread == nullptr) {
      if (QCoreApplication* const app = QCoreApplication::instance()) {
        if (qobject_cast<QGuiApplication*>(app) == nullptr) {
          throw PdfError(
              "PDF rendering needs a QGuiApplication, but this process has a non-GUI Qt "
              "application object");
        }
        if (QThread::currentThread() != app->thread()) {
          throw PdfError(
              "PDF rendering must be called from the thread of this process's QGuiApplication");
        }
        job();
        return;
      }
      own_thread = new QtThread();
    }
  }
  own_thread->run(job);
}

}  // namespace pmap::report_pdf::detail
