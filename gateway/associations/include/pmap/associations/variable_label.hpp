#pragma once
// How a measure or an outcome is named in sentences, and the step the effect is expressed per.
//
// An effect "per 30 min" is what a person can act on; the caller knows the units, so it says so
// here. Without a label (or with step <= 0) the effect is per one standard deviation of the
// measure over the days used, and the sentence says that.
#include <string>

namespace pmap::associations {

struct VariableLabel {
  std::string phrase;  ///< "the time you lay on your side without an aligned knee pillow"
  double step = 0.0;   ///< measure units per reported step (e.g. 30 for minutes); outcomes: unused
  std::string step_phrase;  ///< "30 min"
};

}  // namespace pmap::associations
