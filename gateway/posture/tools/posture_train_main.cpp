// pmap-train: fits the bed posture models on every PMD experiment-i subject and writes the
// C++ source of builtin_bed_model() (gateway/posture/src/bed_model_coefficients.cpp).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/evaluation.hpp"
#include "pmap/posture/pmd_dataset.hpp"
#include "pmap/posture/simulated_training.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  std::string pmd_dir;
  std::string output;
  int first_frame = 4;
  int every_nth = pmap::posture::BedTrainingOptions{}.position_every_nth;
  int simulated = pmap::posture::kDefaultSimulatedTrainingFrames;
  po::options_description options(
      "pmap-train: fit the bed posture models on PMD experiment-i (all subjects)\n"
      "and write the C++ source of the built-in model.\n\nOptions");
  options.add_options()("help,h", "show this help")(
      "pmd", po::value(&pmd_dir)->default_value("../shared/data/pmd"),
      "PMD root (holding experiment-i/)")(
      "first-frame", po::value(&first_frame)->default_value(4),
      "skip frames before this 1-based number in every file (subjects settling)")(
      "every-nth", po::value(&every_nth)->default_value(every_nth),
      "the position classifier learns from every n-th frame (1..100)")(
      "simulated", po::value(&simulated)->default_value(simulated),
      "also learn from this many simulator-rendered sleepers (0..20000; seeds 1..)")(
      "output,o", po::value(&output),
      "write the source here (e.g. gateway/posture/src/bed_model_coefficients.cpp); "
      "default: standard output");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "pmap-train: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (vm.count("help") != 0) {
    std::cout << options << "\n";
    return 0;
  }
  if (first_frame < 1) {
    std::cerr << "pmap-train: --first-frame must be >= 1\n";
    return 2;
  }
  if (simulated < 0 || simulated > 20000) {
    std::cerr << "pmap-train: --simulated must be in 0..20000\n";
    return 2;
  }
  if (every_nth < 1 || every_nth > 100) {
    std::cerr << "pmap-train: --every-nth must be in 1..100\n";
    return 2;
  }
  auto loaded = pmap::posture::load_pmd_experiment_i(pmd_dir, first_frame);
  if (const auto* error = std::get_if<std::string>(&loaded)) {
    std::cerr << "pmap-train: " << *error << "\n";
    return 1;
  }
  const auto& frames = std::get<std::vector<pmap::posture::PmdFrame>>(loaded);
  pmap::posture::BedTrainingOptions training;
  training.position_every_nth = every_nth;
  auto samples =
      pmap::posture::bed_training_samples(frames, pmap::posture::pmd_experiment_i_mat(), training);
  auto extra = pmap::posture::simulated_bed_training_samples(1, simulated);
  samples.insert(samples.end(), extra.begin(), extra.end());
  const auto model = pmap::posture::fit_bed_model(samples, training);
  const std::string source = pmap::posture::bed_model_to_cpp(
      model, "pmap-train --pmd <PMD root> --first-frame " + std::to_string(first_frame) +
                 " --every-nth " + std::to_string(every_nth) + " --simulated " +
                 std::to_string(simulated) + " -o gateway/posture/src/bed_model_coefficients.cpp");
  if (output.empty()) {
    std::cout << source;
    return 0;
  }
  std::ofstream out(output, std::ios::trunc);
  out << source;
  out.close();
  if (!out) {
    std::cerr << "pmap-train: cannot write " << output << "\n";
    return 1;
  }
  std::cerr << "pmap-train: " << frames.size() << " frames, wrote " << output << "\n";
  return 0;
}
