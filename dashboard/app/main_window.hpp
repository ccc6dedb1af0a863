#pragma once
// The window: a reconnecting banner, the unit switch and one tab per view (Ctrl+1..6, F5
// reloads). Views load their data when first shown and on F5.
#include <QDate>
#include <QMainWindow>
#include <QTimer>
#include <map>
#include <memory>

#include "options.hpp"
#include "pmap/dashboard/api_client.hpp"
#include "pmap/dashboard/live_model.hpp"

class QLabel;
class QTabWidget;

namespace pmap::dashboard::app {

class View;
class LiveView;
class DiaryView;
class MqttLink;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow(const Options& options, ApiClient& api, Mailbox& mailbox, QWidget* parent = nullptr);
  ~MainWindow() override;
  void show_view(const QString& name);
  [[nodiscard]] View* current_view() const;
  [[nodiscard]] QString current_name() const;
  [[nodiscard]] bool api_reachable() const { return api_.reachable(); }
  [[nodiscard]] DiaryView* diary() const { return diary_; }
  void start_mqtt(const std::string& uri, const MqttSecurity& security);

 private:
  void on_reachability(bool reachable);
  void refresh_current();

  ApiClient& api_;
  Mailbox& mailbox_;
  QLabel* banner_;
  QTabWidget* tabs_;
  LiveView* live_ = nullptr;
  DiaryView* diary_ = nullptr;
  std::map<QString, View*> views_;
  std::map<View*, bool> loaded_once_;
  QTimer health_;
  std::unique_ptr<MqttLink> mqtt_;
};

}  // namespace pmap::dashboard::app
