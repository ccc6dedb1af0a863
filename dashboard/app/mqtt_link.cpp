#include "mqtt_link.hpp"

#include <QMetaObject>
#include <QTimer>
#include <chrono>
#include <random>

namespace pmap::dashboard::app {

MqttLink::MqttLink(std::string broker_uri, MqttSecurity security, Mailbox& mailbox,
                   QObject* parent)
    : QObject(parent),
      uri_(std::move(broker_uri)),
      security_(std::move(security)),
      mailbox_(mailbox) {}

MqttLink::~MqttLink() {
  if (client_) {
    try {
      client_->disable_callbacks();
      if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
      // Shutting down: nothing left to tell anyone.
    }
  }
}

void MqttLink::start() {
  std::random_device rd;
  const std::string client_id = "pmap-dashboard-" + std::to_string(rd() % 1000000);
  try {
    client_ = std::make_unique<mqtt::async_client>(uri_, client_id);
  } catch (const mqtt::exception& e) {
    post_state(false, std::string("bad broker URI: ") + e.what());
    return;
  }
  client_->set_callback(*this);
  options_ = mqtt::connect_options_builder()
                 .clean_session(true)
                 .automatic_reconnect(std::chrono::seconds(1), std::chrono::seconds(30))
                 .connect_timeout(std::chrono::seconds(5))
                 .keep_alive_interval(std::chrono::seconds(20))
                 .finalize();
  try {
    apply_mqtt_security(security_, uri_, options_);  // the password is never shown
  } catch (const MqttSecurityError& e) {
    post_state(false, e.what());
    return;
  }
  connect_now();
}

void MqttLink::connect_now() {
  try {
    client_->connect(options_, nullptr, listener_);  // success arrives in connected()
  } catch (const mqtt::exception& e) {
    post_state(false, e.what());
  }
}

void MqttLink::ConnectListener::on_failure(const mqtt::token&) {
  link_.post_state(false, "cannot reach the broker " + link_.uri_ + ", retrying");
}

void MqttLink::connected(const std::string&) {
  // Also called after every automatic reconnect: subscribe again (clean session).
  try {
    for (const char* channel : {"meta", "status", "frame", "state", "alert"}) {
      client_->subscribe(std::string("pmap/v1/+/") + channel, 0);
    }
  } catch (const mqtt::exception& e) {
    post_state(false, std::string("subscribe failed: ") + e.what());
    return;
  }
  post_state(true, "connected to " + uri_);
}

void MqttLink::connection_lost(const std::string& cause) {
  post_state(false, cause.empty() ? "connection lost" : cause);
}

void MqttLink::message_arrived(mqtt::const_message_ptr message) {
  mailbox_.put(RawMessage{message->get_topic(), message->get_payload_str()});
}

void MqttLink::post_state(bool up, const std::string& detail) {
  QMetaObject::invokeMethod(
      this,
      [this, up, text = QString::fromStdString(detail)] {
        connected_ = up;
        if (up) ever_connected_ = true;
        if (!up && !ever_connected_ && client_ && !client_->is_connected()) {
          QTimer::singleShot(3000, this, [this] {
            if (!connected_) connect_now();
          });
        }
        emit connectionChanged(up, text);
      },
      Qt::QueuedConnection);
}

}  // namespace pmap::dashboard::app
