// Colours shared by every figure, so that one thing has one colour across figures.
#pragma once

#include <string>

namespace scalelab::plots {

// viridis sampled at t in [0, 1] (clamped): sequential colours for budgets and model sizes,
// perceptually uniform and readable by colour-blind readers and in grey.
std::string viridis(double t);
// The i-th of `count` colours spread over viridis, stopping short of its pale yellow end
// (too light on white).
std::string sequential_color(std::size_t i, std::size_t count);

// Fixed colours (Okabe-Ito, colour-blind safe).
inline constexpr const char* kColorFit = "#0072B2";         // our fits
inline constexpr const char* kColorFitAlt = "#009E73";      // a second fit of ours
inline constexpr const char* kColorChinchilla = "#D55E00";  // Hoffmann et al. 2022
inline constexpr const char* kColorKaplan = "#CC79A7";      // Kaplan et al. 2020
inline constexpr const char* kColorTarget = "#D55E00";      // the predicted run

}  // namespace scalelab::plots
