// The wake-phrase task (docs/method.md §2.2, §6): its samples are made outside the native core (the
// offline corpus is synthesised speech, or recordings are imported; both go through the audio front
// end, native/core/audio.hpp), so the task has no SampleSource here. Its decision rule integrates the
// smoothed output over stretches above 0.5 and compares the largest integral with a boundary fitted
// on validation outputs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "task.hpp"

namespace mimic {

// The score of one output trace y[t * stride] (t < steps): with ys[t] = alpha·ys[t−1] + (1 − alpha)·y[t]
// (ys[−1] = 0), the largest sum of ys over a contiguous stretch where ys ≥ level (0 when ys never
// reaches it). A NaN in y makes the score NaN.
double wake_score(const float* y, std::size_t steps, std::size_t stride, double alpha, double level);

// The boundary with the best accuracy of (score > B ? +1 : −1) against labels, among `candidates`
// values evenly spaced from the smallest to the largest finite score (ties: the middle of the first
// run of best candidates). 0 when there is no finite score.
double fit_wake_boundary(const double* scores, const int8_t* labels, std::size_t count, std::size_t candidates);

// The task: no generator; its rule (alpha, level, labelThreshold) and its fitted setting `boundary`.
TaskEntry wake_phrase_task();

}  // namespace mimic
