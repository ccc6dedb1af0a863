#pragma once
// GET /v1/reports/{date}?format=json|html|pdf (docs/api.md, "Reports"): the morning report of a
// date, built on the API's database worker with the report library, as JSON, self-contained HTML
// or PDF. One definition for the gateway and for every test that serves the API in-process.
//
// Errors (as API errors, never thrown out of the server): 400 bad_param for a format other than
// json/html/pdf or a malformed or impossible date; 500 pdf_failed when the PDF cannot be made.
// A report whose diary holds an active red flag carries the header
// `X-PostureMap-Red-Flag: seek-emergency-care-now` in every format.
#include "pmap/api/api_server.hpp"
#include "pmap/report/report_config.hpp"

namespace pmap::report {

/// Adds the route to `server`'s router (before server.start()).
void add_report_route(api::ApiServer& server, ReportConfig config = {});

}  // namespace pmap::report
