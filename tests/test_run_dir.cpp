// A run's directory is never written over by a new run, a damaged latest checkpoint leaves a way
// on (--from an intact one), a resume names its checkpoint file, and a CPU run resumed on another
// thread count is refused unless allowed.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "kernels/cpu/gemm.h"
#include "trainer_fixtures.h"

using namespace ganlite;
using namespace ganlite::test;
using Catch::Matchers::Contains;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

void damage(const fs::path& file) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-4, std::ios::end);
  f.write("\xff\xff\xff\xff", 4);
}

// Thread count for a scope.
struct Threads {
  explicit Threads(int n) : was(cpu::num_threads()) { cpu::set_num_threads(n); }
  ~Threads() { cpu::set_num_threads(was); }
  int was;
};

}  // namespace

TEST_CASE("run dir: a new run never writes where a run left checkpoints or metrics", "[rundir]") {
  REQUIRE_FASHION();
  const std::string out = out_dir("trace");
  json s = tiny_spec(out);
  s["schedule"] = {{"steps", 4}};
  s["logging"]["checkpoint_every"] = 2;
  const gan::TrainResult r = run(s);
  const fs::path dir = r.run_dir;
  // latest gone, step checkpoints left: still a run.
  fs::remove(dir / "checkpoints" / "latest.safetensors");
  const auto metrics_size = fs::file_size(dir / "metrics.jsonl");
  CHECK_THAT(error_of([&] { run(s); }), Contains("already holds a run") &&
                                            Contains("step_000002.safetensors") &&
                                            Contains("--resume"));
  CHECK(fs::file_size(dir / "metrics.jsonl") == metrics_size);
  CHECK(fs::exists(dir / "checkpoints" / "step_000004.safetensors"));
  // Only metrics left: still a run.
  fs::remove_all(dir / "checkpoints");
  CHECK_THAT(error_of([&] { run(s); }),
             Contains("already holds a run") && Contains("metrics.jsonl"));
  CHECK(fs::file_size(dir / "metrics.jsonl") == metrics_size);
  // An out_dir that is a file is a spec error before anything is written.
  const std::string file = out + "/a_file";
  std::ofstream(file) << "x";
  json f = tiny_spec(file);
  CHECK_THROWS_AS(run(f), gan::SpecError);
  CHECK_THAT(error_of([&] { run(f); }),
             Contains("/logging/out_dir: " + file + " is a file, not a directory"));
}

TEST_CASE("run dir: a damaged latest checkpoint names the intact ones; --from resumes from one",
          "[rundir]") {
  REQUIRE_FASHION();
  const std::string a = out_dir("from_whole"), b = out_dir("from_split");
  auto spec = [](const std::string& out) {
    json s = tiny_spec(out);
    s["schedule"] = {{"steps", 8}};
    s["logging"]["checkpoint_every"] = 2;
    return s;
  };
  const gan::TrainResult whole = run(spec(a));
  const gan::TrainResult part = run(spec(b), 6);
  const fs::path ckpts = fs::path(part.run_dir) / "checkpoints";
  damage(ckpts / "latest.safetensors");
  damage(ckpts / "step_000006.safetensors");
  const std::string e = error_of([&] { run(spec(b), -1, part.run_dir); });
  CHECK_THAT(e, Contains((ckpts / "latest.safetensors").string()) && Contains("checksum"));
  CHECK_THAT(e, Contains("intact checkpoints of " + part.run_dir + ": step_000004, step_000002") &&
                    Contains("--from NAME"));
  // From step 4: the run continues from there and ends as the uninterrupted one.
  gan::TrainOptions o;
  o.quiet = true;
  o.resume_dir = part.run_dir;
  o.resume_from = "step_000004";
  CHECK(gan::train(gan::resolve_spec(spec(b)), o).steps_done == 8);
  check_same_losses(metrics(whole.run_dir), metrics(part.run_dir));
  check_same_state(gan::load_run_checkpoint(whole.run_dir).tensors,
                   gan::load_run_checkpoint(part.run_dir).tensors);
  // A checkpoint file names its run directory; one outside RUN/checkpoints/ is refused.
  const gan::ResumePoint p = gan::resume_point((ckpts / "step_000004.safetensors").string());
  CHECK(fs::equivalent(p.run_dir, part.run_dir));
  const std::string loose = out_dir("loose") + "/c.safetensors";
  fs::copy_file(ckpts / "step_000004.safetensors", loose);
  CHECK_THAT(error_of([&] { gan::resume_point(loose); }), Contains("must sit in RUN/checkpoints/"));
  CHECK_THAT(error_of([&] { gan::resume_point(part.run_dir, "step_000005"); }),
             Contains("no " + (ckpts / "step_000005.safetensors").string()) &&
                 Contains("its checkpoints: ") && Contains("step_000004"));
}

TEST_CASE("run dir: a CPU run resumed on another thread count is refused unless allowed",
          "[rundir]") {
  REQUIRE_FASHION();
  const std::string out = out_dir("threads");
  json s = tiny_spec(out);
  s["schedule"] = {{"steps", 4}};
  gan::TrainResult first;
  {
    Threads one(1);
    first = run(s, 2);
  }
  CHECK(gan::load_run_checkpoint(first.run_dir).metadata.at("threads") == "1");
  Threads two(2);
  CHECK_THAT(error_of([&] { run(s, -1, first.run_dir); }),
             Contains("1 CPU threads; this one has 2") && Contains("--threads 1") &&
                 Contains("--allow-thread-change"));
  gan::TrainOptions o;
  o.quiet = true;
  o.resume_dir = first.run_dir;
  o.allow_thread_change = true;
  CHECK(gan::train(gan::resolve_spec(s), o).steps_done == 4);
}
