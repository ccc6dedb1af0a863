#include "pmap/dashboard/api_client.hpp"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <fstream>

#include "pmap/dashboard/api_documents.hpp"

namespace pmap::dashboard {

QString ApiReply::problem() const {
  if (!network_error.isEmpty()) return QStringLiteral("gateway unreachable: ") + network_error;
  if (status >= 200 && status < 300) return {};
  const std::string api = api_error_text(std::string_view(body.constData(), body.size()));
  return QStringLiteral("gateway answered %1%2")
      .arg(status)
      .arg(api.empty() ? QString() : QStringLiteral(": ") + QString::fromStdString(api));
}

std::optional<QUrl> parse_api_url(const QString& text, QString& error) {
  const QUrl url(text, QUrl::StrictMode);
  if (!url.isValid() || url.host().isEmpty()) {
    error = QStringLiteral("--api: '%1' is not a URL like http://127.0.0.1:8787").arg(text);
    return std::nullopt;
  }
  if (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https")) {
    error = QStringLiteral("--api: scheme must be http or https, not '%1'").arg(url.scheme());
    return std::nullopt;
  }
  if (url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty()) {
    error = QStringLiteral("--api: no query, fragment or user name in the URL");
    return std::nullopt;
  }
  QUrl normal = url;
  QString path = normal.path();
  while (path.endsWith('/')) path.chop(1);
  normal.setPath(path);
  return normal;
}

QUrl api_url(const QUrl& base, const QString& path, const QUrlQuery& query) {
  QUrl url = base;
  url.setPath(base.path() + path);
  if (!query.isEmpty()) url.setQuery(query);
  return url;
}

std::optional<std::string> read_token_file(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read the token file " + path;
    return std::nullopt;
  }
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r");
  const auto last = line.find_last_not_of(" \t\r");
  const std::string token = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  const bool charset_ok = std::all_of(token.begin(), token.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
           c == '~' || c == '+' || c == '/' || c == '=';
  });
  if (token.size() < 16 || token.size() > 256 || !charset_ok) {
    error = "the token in " + path + " is not 16-256 characters of A-Z a-z 0-9 - . _ ~ + / =";
    return std::nullopt;
  }
  return token;
}

ApiClient::ApiClient(QUrl base, std::string token, QObject* parent)
    : QObject(parent), base_(std::move(base)) {
  if (!token.empty()) authorization_ = "Bearer " + QByteArray::fromStdString(token);
}

void ApiClient::get(const QString& path, const QUrlQuery& query, Callback done) {
  send(QNetworkRequest(api_url(base_, path, query)), nullptr, std::move(done));
}

void ApiClient::post(const QString& path, const QByteArray& json_body, Callback done) {
  QNetworkRequest request(api_url(base_, path));
  request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
  send(std::move(request), &json_body, std::move(done));
}

void ApiClient::send(QNetworkRequest request, const QByteArray* body, Callback done) {
  if (!authorization_.isEmpty()) request.setRawHeader("Authorization", authorization_);
  // A year of nights takes about a second on the gateway; 30 s is a dead gateway, not a slow one.
  request.setTransferTimeout(30'000);
  QNetworkReply* reply = body != nullptr ? network_.post(request, *body) : network_.get(request);
  ++pending_;
  connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done)] {
    --pending_;
    ApiReply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    out.red_flag_header =
        reply->rawHeader("X-PostureMap-Red-Flag") == QByteArrayLiteral("seek-emergency-care-now");
    if (out.status == 0) {
      out.network_error = reply->errorString();
      if (out.network_error.isEmpty()) out.network_error = QStringLiteral("no answer");
    }
    reply->deleteLater();
    const bool now_reachable = out.status != 0;
    if (now_reachable != reachable_) {
      reachable_ = now_reachable;
      emit reachabilityChanged(reachable_);
    }
    if (done) done(out);
  });
}

}  // namespace pmap::dashboard
