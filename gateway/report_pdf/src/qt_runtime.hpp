#pragma once
// Where the Qt work of this library runs (the threading rules are in html_to_pdf.hpp).
#include <functional>

namespace pmap::report_pdf::detail {

/// Runs job where a QGuiApplication is usable: on this library's own Qt thread when the process
/// has no application (started on first use, offscreen platform), or in the calling thread when
/// it is the thread of the process's own QGuiApplication. One job at a time. Exceptions thrown by
/// job propagate to the caller; throws PdfError when no usable application exists.
void run_with_qt(const std::function<void()>& job);

}  // namespace pmap::report_pdf::detail
