// pmap::report_pdf: the report's HTML (inline SVG charts) to PDF.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "pmap/report_pdf/html_to_pdf.hpp"

namespace fs = std::filesystem;
using pmap::report_pdf::html_to_pdf;
using pmap::report_pdf::html_to_pdf_file;
using pmap::report_pdf::PageSize;
using pmap::report_pdf::PdfError;
using pmap::report_pdf::PdfOptions;

namespace {

// A page of the morning report: heading, table, non-ASCII text, two inline SVG charts (a line
// chart and a position timeline of rects with labels).
const std::string kSvgLine =
    R"(<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 400 120">)"
    R"(<polyline fill="none" stroke="#c00" stroke-width="2")"
    R"( points="0,110 50,90 100,95 150,60 200,50 250,40 300,45 350,20 400,10"/>)"
    R"(<line x1="0" y1="118" x2="400" y2="118" stroke="#000"/></svg>)";
const std::string kSvgTimeline =
    R"(<svg width="600" height="80" viewBox="0 0 600 80">)"
    R"(<rect x="0" y="10" width="250" height="30" fill="#4e79a7"/>)"
    R"(<rect x="250" y="10" width="150" height="30" fill="#f28e2b"/>)"
    R"(<rect x="400" y="10" width="200" height="30" fill="#59a14f"/>)"
    R"(<text x="2" y="60" font-size="12">left side</text>)"
    R"(<text x="598" y="60" font-size="12" text-anchor="end">back</text></svg>)";

std::string report_html(const std::string& extra_body = {}, int table_rows = 3) {
  std::string html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Morning report "
      "2026-11-26</title><style>h1 { font-size: 18pt; } td, th { border: 1px solid #888; "
      "padding: 2px 4px; } th { background-color: #dde7f0; }</style></head><body>"
      "<h1>Morning report</h1>"
      "<p>Leg pain +0.4 points per 30 min, 95 % interval −0.4 to +1.2 · centralizing.</p>"
      "<h2>Last night</h2><div>" +
      kSvgTimeline + "</div><h2>Pain trend</h2>" + kSvgLine +
      "<table width=\"100%\" cellspacing=\"0\"><thead><tr><th>measure</th><th>effect</th>"
      "<th>n</th></tr></thead><tbody>";
  for (int row = 0; row < table_rows; ++row) {
    html += "<tr><td>measure_" + std::to_string(row) + "</td><td>+0." + std::to_string(row % 10) +
            "</td><td>" + std::to_string(row + 14) + "</td></tr>";
  }
  html += "</tbody></table>" + extra_body + "<p>Not a medical device.</p></body></html>";
  return html;
}

int page_count(const std::string& pdf) {
  static const std::regex page_object(R"(/Type\s*/Page[^s])");
  return static_cast<int>(
      std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), page_object), {}));
}

void expect_pdf(const std::string& pdf) {
  ASSERT_GE(pdf.size(), 100u);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  std::string tail = pdf.substr(pdf.size() - 8);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  EXPECT_TRUE(tail.ends_with("%%EOF")) << tail;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("pmap-report-pdf-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// The text of a PDF through pdftotext (poppler-utils), or nullopt when it is not installed.
std::optional<std::string> pdf_text(const std::string& pdf) {
  if (std::system("command -v pdftotext >/dev/null 2>&1") != 0) return std::nullopt;
  const TempDir dir;
  write_file(dir.path() / "in.pdf", pdf);
  const std::string command = "pdftotext -enc UTF-8 '" + (dir.path() / "in.pdf").string() + "' '" +
                              (dir.path() / "out.txt").string() + "'";
  if (std::system(command.c_str()) != 0) return std::string("(pdftotext failed)");
  return read_file(dir.path() / "out.txt");
}

}  // namespace

TEST(HtmlToPdf, SampleReportIsOneA4PageWithMetadata) {
  const std::string pdf = html_to_pdf(report_html());
  expect_pdf(pdf);
  EXPECT_EQ(page_count(pdf), 1);
  EXPECT_NE(pdf.find("/MediaBox [0 0 595"), std::string::npos) << "A4 is 595 x 842 pt";
  // The XMP metadata stream is uncompressed UTF-8: the HTML <title>, author and creator.
  EXPECT_NE(pdf.find("<rdf:li xml:lang=\"x-default\">Morning report 2026-11-26</rdf:li>"),
            std::string::npos);
  EXPECT_NE(pdf.find("<rdf:li>PostureMap</rdf:li>"), std::string::npos);
  EXPECT_NE(pdf.find("<xmp:CreatorTool>PostureMap</xmp:CreatorTool>"), std::string::npos);
  EXPECT_NE(pdf.find("/Title"), std::string::npos);
}

TEST(HtmlToPdf, OptionsSetTitleAuthorAndLetterPages) {
  PdfOptions options;
  options.title = "Nächte & Tage";
  options.author = "A. Person";
  options.page_size = PageSize::kLetter;
  const std::string pdf = html_to_pdf(report_html(), options);
  expect_pdf(pdf);
  EXPECT_NE(pdf.find("/MediaBox [0 0 612"), std::string::npos) << "Letter is 612 x 792 pt";
  EXPECT_NE(pdf.find(">Nächte &amp; Tage</rdf:li>"), std::string::npos);
  EXPECT_NE(pdf.find("<rdf:li>A. Person</rdf:li>"), std::string::npos);
}

TEST(HtmlToPdf, LongTableRunsOverSeveralPages) {
  const std::string pdf = html_to_pdf(report_html({}, 300));
  expect_pdf(pdf);
  EXPECT_GT(page_count(pdf), 1);
  EXPECT_LT(page_count(pdf), 20);
}

TEST(HtmlToPdf, PageBreakBeforeStartsANewPage) {
  const std::string plain = html_to_pdf(report_html("<h2>Pillow setups</h2>"));
  const std::string broken =
      html_to_pdf(report_html("<h2 style=\"page-break-before: always\">Pillow setups</h2>"));
  EXPECT_EQ(page_count(plain), 1);
  EXPECT_EQ(page_count(broken), 2);
}

TEST(HtmlToPdf, ChartTallerThanAPageIsScaledToFitIt) {
  const std::string tall =
      R"(<svg width="300" height="5000"><rect width="300" height="5000"/></svg>)";
  const std::string pdf = html_to_pdf("<p>before</p>" + tall);
  expect_pdf(pdf);
  EXPECT_LE(page_count(pdf), 2);  // the paragraph, then the chart scaled to one page
}

TEST(HtmlToPdf, EmptyInputThrows) {
  EXPECT_THROW(html_to_pdf(""), PdfError);
  EXPECT_THROW(html_to_pdf(" \n\t "), PdfError);
}

TEST(HtmlToPdf, OversizedInputThrows) {
  const std::string big(pmap::report_pdf::kMaxHtmlBytes + 1, 'x');
  try {
    html_to_pdf(big);
    FAIL() << "no PdfError";
  } catch (const PdfError& e) {
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
}

TEST(HtmlToPdf, InvalidUtf8Throws) {
  EXPECT_THROW(html_to_pdf("<p>\xff\xfe broken</p>"), PdfError);
}

TEST(HtmlToPdf, MalformedOrSizelessSvgThrowsWithItsNumber) {
  try {
    html_to_pdf("<p>ok</p>" + kSvgLine + "<svg width=\"10\" height=\"10\"><rect></svg>");
    FAIL() << "no PdfError";
  } catch (const PdfError& e) {
    EXPECT_NE(std::string(e.what()).find("inline <svg> #2"), std::string::npos) << e.what();
  }
  // Without width, height and viewBox QtSvg takes the contents' bounding box; a zero height is
  // none.
  EXPECT_THROW(html_to_pdf("<p>x</p><svg width=\"300\" height=\"0\"/>"), PdfError);
  EXPECT_THROW(html_to_pdf("<p>x</p><svg width=\"10\" height=\"10\">"), PdfError);
}

TEST(HtmlToPdf, BadOptionsThrow) {
  PdfOptions options;
  options.margin_left_mm = -1;
  EXPECT_THROW(html_to_pdf(report_html(), options), PdfError);
  options = {};
  options.resolution_dpi = 10;
  EXPECT_THROW(html_to_pdf(report_html(), options), PdfError);
  options = {};
  options.font_family = "No Such Font Family PMAP";
  EXPECT_THROW(html_to_pdf(report_html(), options), PdfError);
}

TEST(HtmlToPdfFile, WritesThePdfAndNoTemporaryFiles) {
  const TempDir dir;
  const fs::path target = dir.path() / "report.pdf";
  html_to_pdf_file(report_html(), target);
  const std::string pdf = read_file(target);
  expect_pdf(pdf);
  EXPECT_EQ(page_count(pdf), 1);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{target.string()});
}

TEST(HtmlToPdfFile, UnwritablePathThrowsAndLeavesNothing) {
  const TempDir dir;
  write_file(dir.path() / "plain-file", "not a directory");
  const std::vector<std::string> before = dir.listing();
  // Not writable even for root: a path below a regular file, and a directory as the target.
  EXPECT_THROW(html_to_pdf_file(report_html(), dir.path() / "plain-file" / "report.pdf"), PdfError);
  fs::create_directory(dir.path() / "a-directory");
  const std::vector<std::string> with_directory = dir.listing();
  EXPECT_THROW(html_to_pdf_file(report_html(), dir.path() / "a-directory"), PdfError);
  EXPECT_THROW(html_to_pdf_file(report_html(), dir.path() / "missing" / "report.pdf"), PdfError);
  EXPECT_EQ(dir.listing(), with_directory);
  EXPECT_TRUE(fs::is_empty(dir.path() / "a-directory"));
  EXPECT_EQ(read_file(dir.path() / "plain-file"), "not a directory");
  static_cast<void>(before);
}

TEST(HtmlToPdfFile, FailedRenderLeavesTheOldFile) {
  const TempDir dir;
  const fs::path target = dir.path() / "report.pdf";
  write_file(target, "yesterday's report");
  EXPECT_THROW(html_to_pdf_file("", target), PdfError);
  EXPECT_THROW(html_to_pdf_file("<svg width='1' height='1'>", target), PdfError);
  EXPECT_EQ(read_file(target), "yesterday's report");
  EXPECT_EQ(dir.listing(), std::vector<std::string>{target.string()});
}

// Nothing outside the document is loaded: a stylesheet or an image from a file would change the
// layout (a 40 pt stylesheet, tall images), so the page count shows whether they were read. The
// same image as a data: URI is loaded, which shows that the check can see images.
TEST(HtmlToPdf, ExternalResourcesAreNotLoaded) {
  const TempDir dir;
  const fs::path css = dir.path() / "big.css";
  const fs::path svg = dir.path() / "tall.svg";
  write_file(css, "p { font-size: 40pt; }");
  const std::string tall_svg =
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="400" height="900">)"
      R"(<rect width="400" height="900" fill="#c00"/></svg>)";
  write_file(svg, tall_svg);
  std::string paragraphs;
  for (int i = 0; i < 30; ++i) paragraphs += "<p>A line of the report.</p>";
  const auto document = [&paragraphs](const std::string& extra) {
    return "<html><body>" + extra + paragraphs + "</body></html>";
  };

  const int baseline = page_count(html_to_pdf(document({})));
  ASSERT_EQ(baseline, 1);

  const std::string attempts =
      "<link rel=\"stylesheet\" href=\"file://" + css.string() + "\">" +
      "<link rel=\"stylesheet\" href=\"" + css.string() + "\">" + "<img src=\"file://" +
      svg.string() + "\"><img src=\"" + svg.string() + "\"><img src=\"tall.svg\">" +
      "<img src=\"file:///etc/passwd\"><img src=\"http://127.0.0.1:9/x.png\">" +
      "<p style=\"background-image: url(file://" + svg.string() + ")\">styled</p>" +
      "<script>document.write('<p>SCRIPTTEXT</p>')</script>";
  const std::string blocked = html_to_pdf(document(attempts));
  expect_pdf(blocked);
  EXPECT_EQ(page_count(blocked), 1);

  // Positive control: a data: URI is allowed and its image takes its room.
  std::string base64;
  {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned value = 0;
    int bits = -6;
    for (const unsigned char c : tall_svg) {
      value = (value << 8) + c;
      bits += 8;
      while (bits >= 0) {
        base64 += kAlphabet[(value >> bits) & 0x3F];
        bits -= 6;
      }
    }
    if (bits > -6) base64 += kAlphabet[((value << 8) >> (bits + 8)) & 0x3F];
    while (base64.size() % 4 != 0) base64 += '=';
  }
  const std::string data_image = "<img src=\"data:image/svg+xml;base64," + base64 + "\">";
  EXPECT_GT(page_count(html_to_pdf(document(data_image))), 1);

  if (const auto text = pdf_text(blocked)) {
    EXPECT_EQ(text->find("SCRIPTTEXT"), std::string::npos);
    EXPECT_EQ(text->find("root:"), std::string::npos);
  }
}

TEST(HtmlToPdf, CallsFromSeveralThreadsAreSerialized) {
  constexpr int kThreads = 4;
  std::array<std::string, kThreads> pdfs;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back(
        [&pdfs, i] { pdfs[static_cast<std::size_t>(i)] = html_to_pdf(report_html({}, 40)); });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& pdf : pdfs) {
    expect_pdf(pdf);
    EXPECT_EQ(page_count(pdf), page_count(pdfs[0]));
  }
}

// Qt's application object sets the C locale from the environment; the library puts it back, so
// the rest of the program keeps printing "0.5", not "0,5".
TEST(HtmlToPdf, TheProcessLocaleIsLeftAlone) {
  ::setenv("LC_ALL", "C.UTF-8", 1);
  const std::string before = std::setlocale(LC_ALL, nullptr);
  expect_pdf(html_to_pdf(report_html()));
  EXPECT_EQ(std::setlocale(LC_ALL, nullptr), before);
  ::unsetenv("LC_ALL");
}

// Where each chart ends is found by an XML reader fed in chunks: many charts, charts with
// characters outside the BMP, and a chart after more than a chunk of text all come out whole.
TEST(HtmlToPdf, ManyChartsAndLongTextBetweenThem) {
  std::string words;
  for (int i = 0; i < 12'000; ++i) words += "word ";  // 60 kB, more than a chunk of the reader
  std::string html = "<p>" + words + "</p>";
  for (int i = 0; i < 60; ++i) {
    html += "<p>chart " + std::to_string(i) + "</p>" +
            R"(<svg width="300" height="40"><text x="2" y="20">😀 ✓ −0.4 </text>)" +
            R"(<rect x="200" width="100" height="40" fill="#4e79a7"/></svg>)";
  }
  html += "<p>" + words + words + "</p>" + kSvgLine + "<p>the end</p>";
  const std::string pdf = html_to_pdf(html);
  expect_pdf(pdf);
  EXPECT_GT(page_count(pdf), 2);
  if (const auto text = pdf_text(pdf)) {
    EXPECT_NE(text->find("chart 59"), std::string::npos);
    EXPECT_NE(text->find("the end"), std::string::npos);
  }
}

// An <img> in the input that looks like a chart placeholder is not one.
TEST(HtmlToPdf, InputCannotForgeChartPlaceholders) {
  const std::string pdf =
      html_to_pdf(report_html("<img src=\"pmap-svg:0\"><img src=\"pmap-svg:99\" width=\"10\">"));
  expect_pdf(pdf);
  EXPECT_EQ(page_count(pdf), 1);
}

TEST(HtmlToPdf, ThreePagesRenderQuickly) {
  const auto start = std::chrono::steady_clock::now();
  const std::string pdf = html_to_pdf(report_html({}, 80));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(page_count(pdf), 3);
  EXPECT_LT(seconds, 5.0);
  std::printf("3 pages: %zu bytes in %.3f s\n", pdf.size(), seconds);
}

TEST(HtmlToPdf, TextIsExtractable) {
  const std::string pdf = html_to_pdf(report_html({}, 300));
  const auto text = pdf_text(pdf);
  if (!text) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  for (const char* word : {"Morning report", "Last night", "measure_0", "measure_299",
                           "−0.4 to +1.2 · centralizing", "Not a medical device", "page 1 of"}) {
    EXPECT_NE(text->find(word), std::string::npos) << word;
  }
}
