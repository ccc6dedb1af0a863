// pmap-html2pdf: a report's HTML file to PDF, for looking at the PDF by hand (docs/report_pdf.md).
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include <boost/program_options.hpp>

#include "pmap/report_pdf/html_to_pdf.hpp"

namespace po = boost::program_options;
namespace rp = pmap::report_pdf;

namespace {

std::string read_input(const std::string& name) {
  std::ostringstream text;
  if (name == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(name, std::ios::binary);
    if (!in) throw rp::PdfError("could not read " + name);
    text << in.rdbuf();
  }
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  rp::PdfOptions options;
  std::string input;
  std::string output;
  std::string page = "a4";
  double margin = options.margin_top_mm;
  po::options_description flags(
      "Usage: pmap-html2pdf INPUT.html -o OUTPUT.pdf [options]\n"
      "Renders a PostureMap report's HTML (inline SVG charts) to PDF.\nOptions");
  flags.add_options()("help,h", "this help")("input,i", po::value(&input),
                                             "the HTML file ('-' reads standard input)")(
      "output,o", po::value(&output), "the PDF file to write (written atomically)")(
      "page", po::value(&page)->default_value(page), "page size: a4 or letter")(
      "margin", po::value(&margin)->default_value(margin), "page margins in mm (all four)")(
      "title", po::value(&options.title), "PDF title (default: the HTML <title>)")(
      "author", po::value(&options.author)->default_value(options.author), "PDF author")(
      "dpi", po::value(&options.resolution_dpi)->default_value(options.resolution_dpi),
      "layout resolution in dots per inch")(
      "font", po::value(&options.font_family)->default_value(options.font_family),
      "default font family")(
      "font-size", po::value(&options.font_point_size)->default_value(options.font_point_size),
      "default font size in points")("no-page-numbers", "no \"page X of N\" footer");
  po::positional_options_description positional;
  positional.add("input", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(flags).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << flags << '\n';
      return 0;
    }
    if (input.empty() || output.empty()) {
      std::cerr << "pmap-html2pdf: give an input HTML file and -o OUTPUT.pdf (--help)\n";
      return 2;
    }
    if (page == "a4") {
      options.page_size = rp::PageSize::kA4;
    } else if (page == "letter") {
      options.page_size = rp::PageSize::kLetter;
    } else {
      std::cerr << "pmap-html2pdf: --page must be a4 or letter, got '" << page << "'\n";
      return 2;
    }
    options.margin_top_mm = options.margin_right_mm = options.margin_bottom_mm =
        options.margin_left_mm = margin;
    options.page_numbers = vm.count("no-page-numbers") == 0;
    rp::html_to_pdf_file(read_input(input), output, options);
  } catch (const po::error& e) {
    std::cerr << "pmap-html2pdf: " << e.what() << " (--help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pmap-html2pdf: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
