#pragma once
// The gateway's HTTP JSON API (docs/api.md) over Qt Network: asynchronous requests answered on
// the GUI thread, the bearer token, a transfer timeout, and the reachability the views show as
// a "reconnecting" banner. No HTTP is parsed here: QNetworkAccessManager does that.
#include <QByteArray>
#include <QNetworkAccessManager>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QUrlQuery>
#include <functional>
#include <optional>
#include <string>

namespace pmap::dashboard {

struct ApiReply {
  int status = 0;  ///< HTTP status, 0 when no answer arrived
  QByteArray body;
  QString network_error;         ///< empty when the gateway answered (whatever the status)
  bool red_flag_header = false;  ///< X-PostureMap-Red-Flag: seek-emergency-care-now
  [[nodiscard]] bool ok() const { return network_error.isEmpty() && status >= 200 && status < 300; }
  /// One line for an error banner ("gateway unreachable: …", or the API's error message).
  [[nodiscard]] QString problem() const;
};

/// Checks an API base URL given on the command line: http:// with a host, no query or fragment
/// (https is for a reverse proxy, which Qt could speak, but the gateway itself does not).
/// Returns the normalised URL or nullopt with the reason.
[[nodiscard]] std::optional<QUrl> parse_api_url(const QString& text, QString& error);

/// base + path (+ query), keeping a path prefix the base may carry (a proxy's /pmap).
[[nodiscard]] QUrl api_url(const QUrl& base, const QString& path, const QUrlQuery& query = {});

/// Reads a token file as the gateway does: the first line, blanks trimmed; 16-256 characters
/// of A-Z a-z 0-9 - . _ ~ + / =.
[[nodiscard]] std::optional<std::string> read_token_file(const std::string& path,
                                                         std::string& error);

class ApiClient : public QObject {
  Q_OBJECT
 public:
  using Callback = std::function<void(const ApiReply&)>;

  ApiClient(QUrl base, std::string token, QObject* parent = nullptr);

  void get(const QString& path, const QUrlQuery& query, Callback done);
  void post(const QString& path, const QByteArray& json_body, Callback done);
  [[nodiscard]] const QUrl& base() const { return base_; }
  /// False after a request failed without an HTTP answer, true again after the next answer.
  [[nodiscard]] bool reachable() const { return reachable_; }
  [[nodiscard]] int pending() const { return pending_; }

 signals:
  void reachabilityChanged(bool reachable);

 private:
  void send(QNetworkRequest request, const QByteArray* body, Callback done);

  QNetworkAccessManager network_;
  QUrl base_;
  QByteArray authorization_;
  bool reachable_ = true;
  int pending_ = 0;
};

}  // namespace pmap::dashboard
