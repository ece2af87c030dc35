#include "teacher_train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "epoch_loop.hpp"
#include "rng.hpp"
#include "thread_pool.hpp"

namespace mimic {
namespace {

void zero(TeacherGradT<float>& g) {
  g.for_each_group([](std::vector<float>& v) { std::fill(v.begin(), v.end(), 0.0f); });
}

}  // namespace

TeacherTrainer::TeacherTrainer(TeacherParams params, TeacherTrainOptions options,
                               std::shared_ptr<const TeacherDataset> train,
                               std::shared_ptr<const TeacherDataset> validation)
    : params_(std::move(params)), o_(std::move(options)), train_(std::move(train)), validation_(std::move(validation)) {
  if (o_.batchSize == 0) throw InvalidArgument("batchSize must be at least 1");
  if (!o_.source && (!train_ || train_->count == 0)) throw InvalidArgument("training data is empty");
  if (o_.source && o_.samplesPerEpoch == 0) throw InvalidArgument("samplesPerEpoch must be at least 1");
  adam_ = Adam(params_.size(), o_.adam);
}

std::size_t TeacherTrainer::samples_per_epoch() const {
  return o_.source ? o_.samplesPerEpoch : o_.epochSamples > 0 ? std::min(o_.epochSamples, train_->count) : train_->count;
}

void TeacherTrainer::evaluate(const TeacherParams& p, const TeacherDataset& d, double& mse, double& accuracy,
                              const Control& control) const {
  const std::size_t T = d.steps, O = p.outputs, C = p.channels;
  std::vector<double> err(d.count, 0.0);
  // The outputs are kept when there is a rule: a rule with fitted settings (a decision boundary) fits
  // them on these outputs first (refit), as the network would get them.
  std::vector<float> outs(o_.rule ? d.count * T * O : 0);
  global_pool().parallel_for(
      d.count,
      [&](std::size_t i) {
        if (control.cancelled()) return;
        thread_local TeacherWorkspace<float> ws;
        thread_local std::vector<float> local;
        float* out = o_.rule ? &outs[i * T * O] : (local.resize(T * O), local.data());
        teacher_forward_sample(p, &d.inputs[i * T * C], T, out, nullptr, ws, &control);
        const float* tgt = &d.targets[i * T * O];
        double s = 0;
        for (std::size_t k = 0; k < T * O; ++k) {
          const double e = static_cast<double>(out[k]) - static_cast<double>(tgt[k]);
          s += e * e;
        }
        err[i] = s / static_cast<double>(T * O);
      },
      o_.threads);
  control.check();
  double m = 0;
  for (std::size_t i = 0; i < d.count; ++i) m += err[i];
  mse = d.count ? m / static_cast<double>(d.count) : 0.0;
  accuracy = -1.0;
  if (!o_.rule) return;
  std::vector<int8_t> labels(d.count * O);
  for (std::size_t i = 0; i < d.count; ++i)
    for (std::size_t o = 0; o < O; ++o)
      labels[i * O + o] = d.labels.empty() ? o_.rule->label(&d.targets[i * T * O + o], T, O) : d.labels[i * O + o];
  const TaskValues fitted = refit(*o_.rule, o_.fitted, outs.data(), labels.data(), d.count, T, O, control);
  std::size_t c = 0;
  for (std::size_t i = 0; i < d.count; ++i)
    for (std::size_t o = 0; o < O; ++o) c += o_.rule->decide(&outs[i * T * O + o], T, O, fitted) == labels[i * O + o] ? 1 : 0;
  accuracy = d.count ? static_cast<double>(c) / static_cast<double>(d.count * O) : 0.0;
}

double TeacherTrainer::step_factor(uint64_t epoch) const {
  const std::size_t E = o_.cosineEpochs;
  if (E == 0) return 1.0;
  if (epoch >= E) return E == 1 && epoch <= 1 ? 1.0 : o_.stepSizeFloor;  // one epoch: its step size
  const double x = static_cast<double>(epoch - 1) / static_cast<double>(E - 1);
  return o_.stepSizeFloor + (1.0 - o_.stepSizeFloor) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * x));
}

void TeacherTrainer::apply_step(const TeacherGradT<float>& g, double stepFactor, TeacherEpochRecord& rec) {
  // The norm (and clipping) is taken over the gradients of the variables Adam actually moves, i.e.
  // with tau in seconds when tauStepInSeconds.
  const double tauFactor = o_.tauStepInSeconds ? 1000.0 : 1.0;
  double norm2 = 0;
  auto acc = [&](const std::vector<float>& v, bool on, double f) {
    if (!on) return;
    for (float x : v) norm2 += (static_cast<double>(x) * f) * (static_cast<double>(x) * f);
  };
  acc(g.wIn, o_.trainWIn, 1.0);
  acc(g.wRec, o_.trainWRec, 1.0);
  acc(g.wOut, o_.trainWOut, 1.0);
  acc(g.bias, o_.trainBias, 1.0);
  acc(g.tauMs, o_.trainTau, tauFactor);
  const double norm = std::sqrt(norm2);
  rec.gradNorm += norm;
  const double clip = (o_.clipNorm > 0 && norm > o_.clipNorm) ? o_.clipNorm / norm : 1.0;

  adam_.begin_step();
  std::vector<double> gd, theta;
  std::size_t offset = 0;
  auto update = [&](std::vector<float>& param, const std::vector<float>& grad, bool on, double gradFactor,
                    double paramFactor) {
    if (on) {
      gd.resize(grad.size());
      theta.resize(param.size());
      for (std::size_t k = 0; k < grad.size(); ++k) gd[k] = static_cast<double>(grad[k]) * gradFactor * clip;
      for (std::size_t k = 0; k < param.size(); ++k) theta[k] = static_cast<double>(param[k]) / paramFactor;
      adam_.update(offset, theta.data(), gd.data(), theta.size(), stepFactor);
      for (std::size_t k = 0; k < param.size(); ++k) param[k] = static_cast<float>(theta[k] * paramFactor);
    }
    offset += param.size();
  };
  update(params_.wIn, g.wIn, o_.trainWIn, 1.0, 1.0);
  update(params_.wRec, g.wRec, o_.trainWRec, 1.0, 1.0);
  update(params_.wOut, g.wOut, o_.trainWOut, 1.0, 1.0);
  update(params_.bias, g.bias, o_.trainBias, 1.0, 1.0);
  update(params_.tauMs, g.tauMs, o_.trainTau, tauFactor, tauFactor);
  // Projection: tau >= dt keeps the Euler factor dt/tau <= 1 (the tau barrier normally keeps tau
  // far above; this only matters with lambdaTau = 0 or huge steps).
  for (auto& t : params_.tauMs) t = std::max(t, static_cast<float>(params_.dtMs));
}

TeacherEpochRecord TeacherTrainer::run_epoch(const Control& control, std::size_t doneBefore, std::size_t totalSamples) {
  const auto start = std::chrono::steady_clock::now();
  TeacherEpochRecord rec;
  rec.epoch = epoch_ + 1;
  const double stepFactor = step_factor(rec.epoch);
  rec.stepSize = o_.adam.stepSize * stepFactor;
  const std::size_t N = params_.units, C = params_.channels, O = params_.outputs;

  // This epoch's data.
  TaskBatch xb;
  const float* inputs;
  const float* targets;
  const int8_t* labels = nullptr;
  std::size_t S, T;
  if (o_.source) {
    const Control quiet = control.cancel_only();
    o_.source->draw(training_draw_seed(o_.seed, epoch_), o_.samplesPerEpoch, o_.threads, quiet, xb);
    inputs = xb.inputs.data();
    targets = xb.targets.data();
    S = xb.count;
    T = xb.steps;
  } else {
    inputs = train_->inputs.data();
    targets = train_->targets.data();
    if (!train_->labels.empty()) labels = train_->labels.data();
    S = train_->count;
    T = train_->steps;
  }
  // fresh samples in the order drawn; a dataset's in the epoch's order (dataset_epoch_order)
  std::vector<std::size_t> order;
  if (o_.source) {
    order.resize(S);
    std::iota(order.begin(), order.end(), std::size_t(0));
  } else {
    order = dataset_epoch_order(S, o_.epochSamples, o_.shuffle, o_.seed, epoch_);
    S = order.size();
  }

  const std::size_t B = o_.batchSize;
  std::vector<TeacherGradT<float>> per(std::min(B, S));
  for (auto& g : per) g.resize(N, C, O);
  std::vector<std::vector<float>> outs(per.size());
  std::vector<double> mse(per.size());
  TeacherGradT<float> grad;
  grad.resize(N, C, O);
  std::size_t correct = 0, decided = 0;
  std::size_t done = 0;
  for (std::size_t b0 = 0; b0 < S; b0 += B) {
    control.check();
    const std::size_t bs = std::min(B, S - b0);
    const auto one = [&](std::size_t i, unsigned helperThreads) {
      if (control.cancelled()) return;
      thread_local TeacherWorkspace<float> ws;
      const std::size_t idx = order[b0 + i];
      zero(per[i]);
      outs[i].resize(T * O);
      mse[i] = teacher_sample_gradient(params_, inputs + idx * T * C, targets + idx * T * O, T, o_.loss.lambdaMse,
                                       per[i], ws, outs[i].data(), &control, helperThreads);
    };
    // Batch 1 (the method's): the sample on this thread, and the pool's second thread free to compute
    // its wRec product beside the backward pass; a larger batch: a sample per thread.
    if (bs == 1)
      one(0, o_.threads);
    else
      global_pool().parallel_for(bs, [&](std::size_t i) { one(i, 1); }, o_.threads);
    control.check();
    // Mean over the batch, summed in sample order.
    const double inv = 1.0 / static_cast<double>(bs);
    teacher_mean_gradient(per, bs, grad);
    TeacherLossTerms terms = teacher_regularisers(params_, o_.loss, &grad);
    double m = 0;
    for (std::size_t i = 0; i < bs; ++i) m += mse[i];
    terms.mse = m * inv;
    const double loss = terms.total(o_.loss.lambdaMse);
    if (!std::isfinite(loss))
      throw std::runtime_error("training diverged: the loss is not finite in epoch " + std::to_string(rec.epoch) +
                               ", batch " + std::to_string(b0 / B + 1) +
                               " (lower stepSize or set clipNorm)");
    rec.loss += loss;
    rec.terms.mse += terms.mse;
    rec.terms.tau += terms.tau;
    rec.terms.maxTau += terms.maxTau;
    rec.terms.rec += terms.rec;
    rec.terms.diag += terms.diag;
    rec.terms.bias += terms.bias;
    if (o_.rule) {
      for (std::size_t i = 0; i < bs; ++i) {
        const std::size_t idx = order[b0 + i];
        for (std::size_t o = 0; o < O; ++o) {
          const int8_t pred = o_.rule->decide(&outs[i][o], T, O, o_.fitted);
          const int8_t label = labels ? labels[idx * O + o] : o_.rule->label(targets + idx * T * O + o, T, O);
          correct += pred == label ? 1 : 0;
          ++decided;
        }
      }
    }
    apply_step(grad, stepFactor, rec);
    ++rec.batches;
    done += bs;
    control.report(static_cast<double>(doneBefore + done), static_cast<double>(totalSamples), "training");
  }
  rec.samples = done;
  if (rec.batches) {
    const double inv = 1.0 / static_cast<double>(rec.batches);
    rec.loss *= inv;
    rec.terms.mse *= inv;
    rec.terms.tau *= inv;
    rec.terms.maxTau *= inv;
    rec.terms.rec *= inv;
    rec.terms.diag *= inv;
    rec.terms.bias *= inv;
    rec.gradNorm *= inv;
  }
  rec.accuracy = o_.rule && decided ? static_cast<double>(correct) / static_cast<double>(decided) : -1.0;
  if (validation_ && validation_->count > 0) {
    rec.hasValidation = true;
    evaluate(params_, *validation_, rec.valMse, rec.valAccuracy, control);
    if (o_.keepBest && (!hasBest_ || rec.valAccuracy > bestAcc_ || (rec.valAccuracy == bestAcc_ && rec.valMse < bestMse_))) {
      best_ = params_;
      hasBest_ = true;
      bestEpoch_ = rec.epoch;
      bestAcc_ = rec.valAccuracy;
      bestMse_ = rec.valMse;
      rec.best = true;
    }
  }
  rec.tauMinMs = *std::min_element(params_.tauMs.begin(), params_.tauMs.end());
  rec.tauMaxMs = *std::max_element(params_.tauMs.begin(), params_.tauMs.end());
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rec;
}

void TeacherTrainer::run_epochs(std::size_t n, const Control& control,
                                const std::function<void(const TeacherEpochRecord&)>& onEpoch) {
  run_epochs_rolling_back(
      n, samples_per_epoch(), epoch_,
      [&](std::size_t doneBefore, std::size_t total) { return run_epoch(control, doneBefore, total); }, onEpoch,
      params_, adam_, best_, hasBest_, bestEpoch_, bestAcc_, bestMse_);
}

}  // namespace mimic
