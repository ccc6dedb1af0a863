#pragma once
// Labelled bed frames rendered by the simulator's body and sensor models (firmware-sim), added to
// PMD when pmap-train fits the position classifier: PMD has 13 young adults on two mats; the
// simulator adds other body sizes, a 28.6 mm mat, under-knee and between-knee pillows, and the
// sensor faults of docs/firmware-sim.md. Kept out of pmap::posture so the gateway does not link
// the simulator.
#include <cstdint>
#include <vector>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_model.hpp"

namespace pmap::posture {

/// How many simulated sleepers the shipped model learned from (pmap-train --simulated).
inline constexpr int kDefaultSimulatedTrainingFrames = 600;

/// The simulator's bed mat (64 x 32, 28.6 mm).
[[nodiscard]] MatDescriptor simulated_bed_mat();

/// `count` random sleepers (seeds first_seed ..): 40 % supine (half with a pillow under the
/// knees), 30 % on each side (straight, semi-fetal, fetal or partly rolled towards the back, with
/// no, an aligned or a dropped knee pillow), random bodies and places on the mat. Every sample is a
/// position sample with its augmented views; subtypes are left unlabelled. Deterministic.
[[nodiscard]] std::vector<BedTrainingSample> simulated_bed_training_samples(
    std::uint64_t first_seed, int count);

}  // namespace pmap::posture
