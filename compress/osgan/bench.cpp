// `ganlite bench osgan`: wall time of the two-stage step (gan::task_step, the trainer's plain
// generation step) and of the one-stage step (OsganTechnique::step) on one gan::Run: the same
// networks, optimizers and batches. Both variants keep stepping the same networks, alternately;
// round r uses real batch r mod `batches` and, for both, the run generator reset to one state, so
// that the two draw the same latents.
#include "compress/osgan/bench.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "engine/backend.h"
#include "engine/error.h"
#include "engine/random.h"
#include "kernels/cpu/gemm.h"
#include "nn/data/loader.h"

namespace ganlite::compress {
namespace {

// The first `batches` batches of the spec's dataset, in order.
std::vector<data::Batch> real_batches(const nlohmann::json& spec, int64_t batch, int64_t batches) {
  auto ds = gan::make_dataset(spec);
  GANLITE_CHECK(ds->size() >= batch, "bench osgan: the dataset has ", ds->size(),
                " examples, fewer than one batch of ", batch);
  std::vector<data::Batch> out;
  for (int64_t start = 0; start + batch <= ds->size() && (int64_t)out.size() < batches;
       start += batch) {
    std::vector<data::Example> ex;
    for (int64_t i = start; i < start + batch; ++i) ex.push_back(ds->get(i));
    out.push_back(data::collate(ex));
  }
  return out;
}

// Wall time of f, synchronised with the device on both ends.
template <class F>
double time_ms(Device device, F f) {
  synchronize(device);
  const auto t0 = std::chrono::steady_clock::now();
  f();
  synchronize(device);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

}  // namespace

double median_of(std::vector<double> v) {
  GANLITE_CHECK(!v.empty(), "median_of: no values");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

OsganBenchResult bench_osgan(const nlohmann::json& resolved_spec, const OsganBenchOptions& opt) {
  GANLITE_CHECK(opt.device == "cpu" || opt.device == "cuda", "bench osgan: unknown device '",
                opt.device, "' (cpu or cuda)");
  GANLITE_CHECK(opt.steps > 0 && opt.warmup >= 0 && opt.batches > 0,
                "bench osgan: steps and batches must be > 0, warmup >= 0");
  nlohmann::json spec = resolved_spec;
  spec["device"] = opt.device;
  GANLITE_CHECK(gan::task_kind(spec) == gan::TaskKind::generation,
                "bench osgan: the spec's task is ", gan::task_kind_name(gan::task_kind(spec)),
                "; OSGAN trains generation (noise -> image)");
  OsganBenchResult r;
  r.batch_size = spec["data"]["batch_size"].get<int64_t>();
  // Only the batches timed are loaded.
  const int64_t need = r.batch_size * opt.batches, limit = spec["data"]["limit"];
  spec["data"]["limit"] = limit > 0 ? std::min(limit, need) : need;

  gan::Run run(spec);
  OsganTechnique tech(osgan_params(spec));
  tech.setup(run);
  r.loss = run.mode;
  r.mode = tech.mode();
  r.concat = tech.concat();
  r.G = spec["model"]["G"]["name"].get<std::string>();
  r.D = spec["model"]["D"]["name"].get<std::string>();
  r.threads = cpu::num_threads();
  std::vector<data::Batch> reals = real_batches(spec, r.batch_size, opt.batches);
  for (data::Batch& b : reals) run.to_device(b);

  auto two = [&](const data::Batch& b) { gan::task_step(run, b, nullptr); };
  auto one = [&](const data::Batch& b) {
    gan::Scalars log;
    tech.step(run, b, log);
  };
  // Round r: both variants start from the same generator state (same z and labels).
  auto round = [&](int64_t i, bool timed, bool two_first) {
    const data::Batch& b = reals[i % reals.size()];
    const Generator g(1000 + static_cast<uint64_t>(i));
    double t_two = 0, t_one = 0;
    for (int k = 0; k < 2; ++k) {
      run.gen = g;
      if ((k == 0) == two_first)
        t_two = time_ms(run.device, [&] { two(b); });
      else
        t_one = time_ms(run.device, [&] { one(b); });
    }
    if (timed) r.two_stage_all.push_back(t_two), r.one_stage_all.push_back(t_one);
  };
  for (int64_t i = 0; i < opt.warmup; ++i) round(i, false, true);
  for (int64_t i = 0; i < opt.steps; ++i) round(opt.warmup + i, true, i % 2 == 0);
  r.two_stage_ms = median_of(r.two_stage_all);
  r.one_stage_ms = median_of(r.one_stage_all);
  r.speedup = r.two_stage_ms / r.one_stage_ms;
  std::vector<double> ratios;
  for (size_t i = 0; i < r.two_stage_all.size(); ++i)
    ratios.push_back(r.two_stage_all[i] / r.one_stage_all[i]);
  r.paired_speedup = median_of(ratios);
  return r;
}

}  // namespace ganlite::compress
