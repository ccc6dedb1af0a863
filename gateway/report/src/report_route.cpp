#include "pmap/report/report_route.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_html.hpp"
#include "pmap/report_pdf/html_to_pdf.hpp"

namespace pmap::report {

void add_report_route(api::ApiServer& server, ReportConfig config) {
  api::ApiServer* api = &server;
  server.router().add(
      "GET", "/v1/reports/{date}", {"format"}, [api, config](const api::Request& r) {
        const std::string format = r.query_param("format").value_or("json");
        if (format != "json" && format != "html" && format != "pdf")
          throw api::ApiError(400, "bad_param", "format must be json, html or pdf", "format");
        std::chrono::sys_days date;
        try {
          date = diary::TimeZone::parse_date(r.path_param("date"), "date");
        } catch (const diary::DiaryError& e) {
          throw api::ApiError(400, "bad_param", e.what(), "date");
        }
        nlohmann::json doc;
        try {
          doc =
              ReportBuilder(api->worker_store(), api->zone(), config).build(date, diary::now_us());
        } catch (const ReportError& e) {
          throw api::ApiError(400, "bad_param", e.what(), "date");
        }
        api::Response res;
        if (doc["red_flag"]["active"].get<bool>())
          res.headers.emplace_back("X-PostureMap-Red-Flag", "seek-emergency-care-now");
        if (format == "json") {
          res.body = std::move(doc);
          return res;
        }
        const std::string html = render_html(doc);
        if (format == "html") {
          res.text = html;
          res.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
          return res;
        }
        try {
          report_pdf::PdfOptions pdf;
          pdf.title = "PostureMap morning report " + diary::format_date(date);
          res.text = report_pdf::html_to_pdf(html, pdf);
        } catch (const report_pdf::PdfError& e) {
          throw api::ApiError(500, "pdf_failed", e.what());
        }
        res.headers.emplace_back("Content-Type", "application/pdf");
        return res;
      });
}

}  // namespace pmap::report
