// pmap-dashboard: PostureMap's desktop dashboard (docs/dashboard.md). A thin main: options, the
// API client, the window, and the headless --screenshot mode the tests and docs/img use.
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "diary_view.hpp"
#include "main_window.hpp"
#include "options.hpp"
#include "pmap/dashboard/api_client.hpp"
#include "view.hpp"

using namespace pmap::dashboard;

namespace {

// Waits until the view has its data (or --wait-ms passed), lets the charts lay out, then saves
// the window as PNG and FILE.json listing what was drawn.
void schedule_screenshot(app::MainWindow& window, const app::Options& o, ApiClient& api) {
  // Shared by the two callbacks, freed with the last of them (LeakSanitizer found the raw `new`).
  auto clock = std::make_shared<QElapsedTimer>();
  clock->start();
  auto* poll = new QTimer(&window);
  poll->setInterval(100);
  QObject::connect(poll, &QTimer::timeout, &window, [&window, &o, &api, poll, clock] {
    app::View* view = window.current_view();
    const bool ready = view != nullptr && view->ready() && api.pending() == 0;
    const bool timed_out = clock->elapsed() > o.wait_ms;
    if (!ready && !timed_out) return;
    poll->stop();
    // One more round for the layout and the charts' animations-free repaint.
    QTimer::singleShot(400, &window, [&window, &o, &api, view, timed_out, clock] {
      const QString path = QString::fromStdString(o.screenshot);
      const bool saved = window.grab().save(path, "PNG");
      QJsonObject facts = view != nullptr ? view->facts() : QJsonObject();
      facts["view"] = window.current_name();
      facts["timed_out"] = timed_out;
      facts["api_reachable"] = api.reachable();
      facts["elapsed_ms"] = clock->elapsed();
      QFile out(path + QStringLiteral(".json"));
      const bool wrote =
          out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(facts).toJson()) > 0;
      if (!saved || !wrote) std::cerr << "pmap-dashboard: cannot write " << o.screenshot << "\n";
      QApplication::exit(saved && wrote ? 0 : 1);
    });
  });
  poll->start();
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto options = app::parse_options(argc, argv, exit_code);
  if (!options) return exit_code;
  if (!options->screenshot.empty() && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
    qputenv("QT_QPA_PLATFORM", "offscreen");  // headless: no display needed
  }
  QString url_error;
  const auto base = parse_api_url(QString::fromStdString(options->api), url_error);
  if (!base) {
    std::cerr << "pmap-dashboard: " << url_error.toStdString() << "\n";
    return 2;
  }
  std::string token;
  if (!options->token_file.empty()) {
    std::string error;
    const auto read = read_token_file(options->token_file, error);
    if (!read) {
      std::cerr << "pmap-dashboard: --token-file: " << error << "\n";
      return 2;
    }
    token = *read;
  }
  QApplication application(argc, argv);
  QApplication::setApplicationName(QStringLiteral("pmap-dashboard"));
  ApiClient api(*base, token);
  Mailbox mailbox;
  app::MainWindow window(*options, api, mailbox);
  window.resize(1366, 768);
  if (!options->no_mqtt) window.start_mqtt(options->broker, options->mqtt_security);
  window.show();
  window.show_view(QString::fromStdString(options->view));
  if (!options->answer_red_flag.empty()) {
    window.diary()->answer_red_flag(QString::fromStdString(options->answer_red_flag));
  }
  if (!options->screenshot.empty()) schedule_screenshot(window, *options, api);
  return QApplication::exec();
}
