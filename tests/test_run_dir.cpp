// A run's directory is never written over by a new run, a damaged latest checkpoint leaves a way
// on (--from an intact one), a resume names its checkpoint file, and a CPU run resumed on another
// thread count is refused unless allowed.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "engine/image.h"
#include "engine/ops.h"
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

namespace {

// A folder of n images (side x side, RGB) for single_folder runs, sizes varying when asked.
void write_folder(const fs::path& dir, int n, int64_t side, bool vary = false) {
  fs::create_directories(dir);
  for (int i = 0; i < n; ++i) {
    const int64_t h = vary && i % 2 ? side + 4 : side, w = side;
    Tensor t = empty({3, h, w});
    for (int64_t k = 0; k < t.numel(); ++k)
      t.data<float>()[k] = float((k * 13 + i * 71) % 256) / 127.5f - 1.0f;
    char name[32];
    std::snprintf(name, sizeof name, "%02d.png", i);
    save_png((dir / name).string(), t);
  }
}

json folder_spec(const std::string& out, const fs::path& root) {
  json s = tiny_spec(out);
  s["model"]["G"]["options"]["output_nc"] = 3;
  s["model"]["D"]["options"]["input_nc"] = 3;
  s["data"] = {{"dataset", "single_folder"},
               {"root", root.string()},
               {"preprocess", "none"},
               {"crop_size", 32},
               {"flip", false},
               {"batch_size", 2}};
  s["schedule"] = {{"steps", 12}};
  s["logging"]["checkpoint_every"] = 0;
  return s;
}

// Damages every PNG of `dir` after step 1 (the loader has a few batches in hand by then).
class Damage : public gan::Technique {
 public:
  explicit Damage(const json& spec) : dir_(spec["technique"]["params"]["dir"]) {}
  std::string name() const override { return "test_damage"; }
  void after_step(gan::Run& run) override {
    if (run.step != 1 || dir_.empty()) return;
    for (const auto& e : fs::directory_iterator(dir_)) fs::resize_file(e.path(), 60);
  }

 private:
  std::string dir_;
};

const gan::RegisterTechnique damage_registration{[] {
  gan::TechniqueInfo i;
  i.name = "test_damage";
  i.summary = "tests: damages the data during a run";
  i.params = {gan::fields::text("dir", "", "folder whose images are damaged after step 1")};
  i.make = [](const json& s) { return std::make_unique<Damage>(s); };
  i.listed = false;
  return i;
}()};

}  // namespace

TEST_CASE("run dir: an image damaged mid-run stops training with a checkpoint to resume from",
          "[rundir]") {
  const fs::path data = out_dir("damaged_data"), spare = out_dir("spare_data");
  write_folder(data, 16, 32);
  write_folder(spare, 16, 32);
  json whole = folder_spec(out_dir("damage_whole"), spare);
  whole["technique"] = {{"name", "test_damage"}, {"params", {{"dir", ""}}}};
  const gan::TrainResult w = run(whole);
  json s = folder_spec(out_dir("damage_split"), data);
  s["name"] = "tiny";
  s["technique"] = {{"name", "test_damage"}, {"params", {{"dir", data.string()}}}};
  const std::string e = error_of([&] { run(s); });
  CHECK_THAT(e, Contains("training stopped at step") && Contains("fix or remove the file") &&
                    Contains("--resume"));
  const fs::path dir = fs::path(s["logging"]["out_dir"].get<std::string>()) / "tiny";
  const gan::RunCheckpoint at = gan::load_run_checkpoint(dir.string());
  CHECK(at.step >= 2);
  CHECK(at.step < 12);
  CHECK_THAT(e, Contains("step " + std::to_string(at.step)));
  // The images repaired (as a user would), the run goes on from there to the end, as the
  // uninterrupted one did.
  fs::remove_all(data);
  write_folder(data, 16, 32);
  CHECK(run(s, -1, dir.string()).steps_done == 12);
  check_same_state(gan::load_run_checkpoint(w.run_dir).tensors,
                   gan::load_run_checkpoint(dir.string()).tensors);
}

TEST_CASE("run dir: images of several sizes train at batch 1; a larger batch says why not",
          "[rundir]") {
  const fs::path data = out_dir("mixed_data");
  write_folder(data, 6, 32, true);
  json s = folder_spec(out_dir("mixed"), data);
  s["model"]["D"] = {{"name", "patchgan"},
                     {"options", {{"input_nc", 6}, {"ndf", 4}, {"n_layers", 1}}}};
  s["model"]["G"] = {{"name", "resnet_generator"}, {"options", {{"ngf", 4}, {"n_blocks", 1}}}};
  s["data"]["dataset"] = "aligned_folder";
  // An aligned folder of mixed sizes: write A|B pairs instead.
  fs::remove_all(data);
  fs::create_directories(data / "train");
  for (int i = 0; i < 4; ++i) {
    const int64_t h = i % 2 ? 36 : 32;
    Tensor t = full({3, h, 64}, 0.1 * i - 0.5);
    save_png((data / "train" / (std::to_string(i) + ".png")).string(), t);
  }
  s["schedule"] = {{"steps", 2}};
  CHECK_THAT(error_of([&] { run(s); }),
             Contains("/data/batch_size: preprocess \"none\" keeps each image's size") &&
                 Contains("32x32, 36x32"));
  s["data"]["batch_size"] = 1;
  s["logging"]["sample_every"] = 1;
  const gan::TrainResult r = run(s);
  CHECK(r.steps_done == 2);
  CHECK(fs::is_regular_file(fs::path(r.run_dir) / "samples" / "step_000002.png"));
}

TEST_CASE("run dir: latest is a link, not a copy; keep_checkpoints keeps the newest", "[rundir]") {
  REQUIRE_FASHION();
  json s = tiny_spec(out_dir("keep"));
  s["schedule"] = {{"steps", 10}};
  s["logging"]["checkpoint_every"] = 2;
  s["logging"]["keep_checkpoints"] = 2;
  const gan::TrainResult r = run(s);
  const fs::path ck = fs::path(r.run_dir) / "checkpoints";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(ck)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"latest.safetensors", "step_000008.safetensors",
                                          "step_000010.safetensors"});
  CHECK(fs::is_symlink(ck / "latest.safetensors"));
  CHECK(fs::read_symlink(ck / "latest.safetensors") == "step_000010.safetensors");
  CHECK(gan::load_run_checkpoint(r.run_dir).step == 10);
}
