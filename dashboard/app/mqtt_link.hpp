#pragma once
// The broker connection for live data. Paho calls back on its own thread: messages go into the
// thread-safe Mailbox (frames coalesced per mat), connection changes are posted to the GUI
// thread as queued signals. Paho reconnects by itself (1-30 s back-off).
#include <mqtt/async_client.h>
#include <QObject>
#include <memory>
#include <string>

#include "pmap/dashboard/live_model.hpp"
#include "pmap/mqtt_security.hpp"

namespace pmap::dashboard::app {

class MqttLink : public QObject, private mqtt::callback {
  Q_OBJECT
 public:
  /// `security`: credentials and TLS files (checked by the options already).
  MqttLink(std::string broker_uri, MqttSecurity security, Mailbox& mailbox,
           QObject* parent = nullptr);
  ~MqttLink() override;
  void start();
  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] const std::string& uri() const { return uri_; }

 signals:
  void connectionChanged(bool connected, QString detail);

 private:
  void connected(const std::string& cause) override;
  void connection_lost(const std::string& cause) override;
  void message_arrived(mqtt::const_message_ptr message) override;
  void post_state(bool up, const std::string& detail);
  void connect_now();

  /// The first connect is not retried by Paho's automatic reconnect: the GUI thread retries.
  class ConnectListener : public mqtt::iaction_listener {
   public:
    explicit ConnectListener(MqttLink& link) : link_(link) {}
    void on_failure(const mqtt::token& token) override;
    void on_success(const mqtt::token&) override {}

   private:
    MqttLink& link_;
  };
  ConnectListener listener_{*this};
  mqtt::connect_options options_;
  bool ever_connected_ = false;

  std::string uri_;
  MqttSecurity security_;
  Mailbox& mailbox_;
  std::unique_ptr<mqtt::async_client> client_;
  bool connected_ = false;
};

}  // namespace pmap::dashboard::app
