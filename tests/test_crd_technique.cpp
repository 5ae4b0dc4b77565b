// The crd technique's schedules (compress/crd/crd_technique.cpp). Pix2pix: every step trains the
// teacher pair once by the task's step and the student once; the student's part leaves the
// teacher pair as the teacher's step left it. CycleGAN: teacher and student phases step exactly
// their networks, the student phase leaves the teacher pair untouched, the best teacher is kept.
// Resumes are bit-identical; the spec's errors. Tiny runs of trainer_fixtures.h.
#include <catch2/catch.hpp>
#include <limits>
#include <nlohmann/json.hpp>

#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "nn/data/loader.h"
#include "trainer_fixtures.h"

using namespace ganlite;
using namespace ganlite::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

json crd_spec(const std::string& out) {
  json s = tiny_pix2pix(out);
  s["name"] = "crd";
  s["losses"]["gan_mode"] = "hinge";
  s["technique"] = {{"name", "crd"}, {"params", {{"student_ngf", 2}, {"student_n_blocks", 1}}}};
  return s;
}

// Cycles of 2 teacher steps (one epoch: the 6 sneakers among the first 80 images, batch 3) and 2
// student steps.
json crd_cyclegan(const std::string& out) {
  json s = tiny_cyclegan(out);
  s["name"] = "crd_cyclegan";
  s["data"]["limit"] = 80;
  s["data"]["batch_size"] = 3;
  s["technique"] = {{"name", "crd"},
                    {"params",
                     {{"student_ngf", 2},
                      {"student_n_blocks", 1},
                      {"l1_student", true},
                      {"save_epoch_freq", 1},
                      {"n_dis", 1},
                      {"select_num", 6}}}};
  return s;
}

std::vector<std::string> keys_under(const TensorMap& m, const std::string& prefix) {
  std::vector<std::string> keys;
  for (const auto& [k, t] : m)
    if (k.rfind(prefix, 0) == 0) keys.push_back(k);
  return keys;
}

}  // namespace

TEST_CASE("crd: each step trains the teacher pair and the student once; resume is exact", "[crd]") {
  REQUIRE_FASHION();
  const gan::TrainResult whole = run(crd_spec(out_dir("crd_whole")));
  const gan::RunCheckpoint a = gan::load_run_checkpoint(whole.run_dir);
  for (const char* k : {"opt_G.step", "opt_D.step", "opt_student.step"}) {
    INFO(k);
    CHECK(a.tensors.at(k).item() == 4);
  }
  CHECK(gan::deploy_network(a) == "student");
  CHECK(a.tensors.count("phi.features.0.weight") == 0);  // the feature network is not trained
  const json last = metrics(whole.run_dir).back();
  for (const char* k :
       {"teacher_d_loss", "teacher_g_l1", "student_loss", "student_style", "student_feature",
        "student_rkd_rows", "student_rkd_columns", "student_rkd_patches"}) {
    INFO(k);
    CHECK(last.contains(k));
  }
  const std::string split = out_dir("crd_split");
  const gan::TrainResult first = run(crd_spec(split), 2);
  run(crd_spec(split), -1, first.run_dir);
  check_same_losses(metrics(whole.run_dir), metrics(first.run_dir));
  check_same_state(a.tensors, gan::load_run_checkpoint(first.run_dir).tensors);
}

TEST_CASE("crd: the student's part leaves the teacher pair as the teacher's step left it",
          "[crd]") {
  REQUIRE_FASHION();
  const json spec = gan::resolve_spec(crd_spec(out_dir("crd_frozen")));
  gan::Run with(spec), alone(spec);  // the same seed: the same initial weights
  auto tech = gan::make_technique(spec);
  tech->setup(with);
  data::LoaderOptions lo;
  lo.batch_size = 4;
  lo.drop_last = true;
  data::Loader la(gan::make_dataset(spec), lo), lb(gan::make_dataset(spec), lo);
  for (int k = 0; k < 2; ++k) {
    data::Batch a = *la.next(), b = *lb.next();
    gan::Scalars log;
    tech->step(with, a, log);
    gan::task_step(alone, b, nullptr);
  }
  for (const char* net : {"G", "D"})
    for (const auto& [k, t] : with.module(net).state_dict()) {
      INFO(net << "." << k);
      CHECK(same(t, alone.module(net).state_dict().at(k)));
    }
  CHECK_FALSE(with.module("phi").is_training());
}

TEST_CASE("crd: spec errors name the field", "[crd]") {
  const std::string out = out_dir("crd_spec");
  json cycle_param = crd_spec(out);
  cycle_param["technique"]["params"]["n_dis"] = 2;
  CHECK_THROWS_WITH(gan::resolve_spec(cycle_param),
                    Contains("/technique/params/n_dis") && Contains("CycleGAN"));
  const json u = gan::resolve_spec(crd_cyclegan(out))["technique"]["params"];
  CHECK(u["rkd_weight"] == 25);
  CHECK(u["style_weight"] == 1e4);
  CHECK(u["feature_weight"] == 10);
  json unpaired = tiny_cyclegan(out);
  unpaired["technique"] = {{"name", "crd"}};
  const json d = gan::resolve_spec(unpaired)["technique"]["params"];
  CHECK(d["save_epoch_freq"] == 10);
  CHECK(d["n_dis"] == 4);
  json gen = tiny_spec(out);
  gen["technique"] = {{"name", "crd"}};
  CHECK_THROWS_WITH(gan::resolve_spec(gen), Contains("/technique/name") && Contains("generation"));
  json patch = crd_spec(out);
  patch["technique"]["params"]["patch_size"] = 5;
  CHECK_THROWS_WITH(gan::resolve_spec(patch),
                    Contains("/technique/params/patch_size") && Contains("32"));
  json folder = crd_spec(out);
  folder["data"] = {{"dataset", "aligned_folder"}, {"root", out}, {"image_size", 32}};
  CHECK_THROWS_WITH(gan::resolve_spec(folder),
                    Contains("/technique/params/feature_net") && Contains("vgg16_features"));
  const json r = gan::resolve_spec(crd_spec(out));
  CHECK(r["technique"]["params"]["patch_size"] == 4);
  CHECK(r["technique"]["params"]["rkd_weight"] == 2.5);
  CHECK(r["technique"]["params"]["save_epoch_freq"].is_null());
  json side28 = crd_spec(out);
  side28["data"]["image_size"] = 28;
  CHECK(gan::resolve_spec(side28)["technique"]["params"]["patch_size"] == 2);
  CHECK_THAT(r["technique"]["params"]["feature_net"]["file"].get<std::string>(),
             Contains("fmnist_classifier.safetensors"));
}

TEST_CASE("crd cyclegan: phases step exactly their networks; the best teacher is kept", "[crd]") {
  REQUIRE_FASHION();
  const gan::TrainResult whole = run(crd_cyclegan(out_dir("crd_cg_whole")));
  const gan::RunCheckpoint a = gan::load_run_checkpoint(whole.run_dir);
  // 8 steps: teacher 0-1, student 2-3, teacher 4-5, student 6-7.
  for (const char* k : {"opt_G.step", "opt_D.step", "opt_G2.step", "opt_D2.step",
                        "opt_student.step", "opt_student_l1.step"}) {
    INFO(k);
    CHECK(a.tensors.at(k).item() == 4);
  }
  const std::vector<json> m = metrics(whole.run_dir);
  REQUIRE(m.size() == 8);
  double best = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < m.size(); ++i) {
    INFO("step " << i);
    const bool teacher = i % 4 < 2;
    CHECK(m[i]["crd_teacher_step"] == (teacher ? 1 : 0));
    CHECK(m[i]["crd_student_step"] == (teacher ? 0 : 1));
    CHECK(m[i].contains("teacher_cycle_A") == teacher);
    CHECK(m[i].contains("student_rkd_rows") == !teacher);
    CHECK(m[i].contains("student_gan") == !teacher);
    CHECK(m[i].contains("student_l1_loss") == !teacher);
    CHECK(m[i].contains("teacher_fd_fmnist") == (i % 4 == 2));
    if (i % 4 == 2) {
      best = std::min(best, m[i]["teacher_fd_fmnist"].get<double>());
      CHECK(m[i]["teacher_best_fd_fmnist"] == best);
    }
  }
  CHECK(a.tensors.count("technique.best_score") == 1);
  // The best teacher is a stored network: eval and infer take it by name.
  CHECK(a.tensors.count("teacher_best.model.1.weight") == 1);
  CHECK(gan::load_network(a, "teacher_best")->type_name() ==
        gan::load_network(a, "G")->type_name());

  // Stopped after the first teacher phase and after the first student phase: the student phase
  // left every teacher network, optimizer state and pool as it found them.
  const gan::TrainResult t2 = run(crd_cyclegan(out_dir("crd_cg_t2")), 2);
  const gan::TrainResult s4 = run(crd_cyclegan(out_dir("crd_cg_s4")), 4);
  const TensorMap after_teacher = gan::load_run_checkpoint(t2.run_dir).tensors;
  const TensorMap after_student = gan::load_run_checkpoint(s4.run_dir).tensors;
  size_t compared = 0;
  for (const char* prefix :
       {"G.", "D.", "G2.", "D2.", "opt_G.", "opt_D.", "opt_G2.", "opt_D2.", "pool_D.", "pool_D2."})
    for (const std::string& k : keys_under(after_teacher, prefix)) {
      INFO(k);
      CHECK(same(after_teacher.at(k), after_student.at(k)));
      ++compared;
    }
  CHECK(compared > 20);
  size_t moved = 0;  // the students did train
  for (const char* prefix : {"student.", "student_l1."})
    for (const std::string& k : keys_under(after_teacher, prefix))
      moved += !same(after_teacher.at(k), after_student.at(k));
  CHECK(moved > 4);
}

TEST_CASE("crd cyclegan: a resume in the middle of a student phase is bit-identical", "[crd]") {
  REQUIRE_FASHION();
  const gan::TrainResult whole = run(crd_cyclegan(out_dir("crd_cg_resume_whole")));
  const std::string split = out_dir("crd_cg_resume_split");
  const gan::TrainResult first = run(crd_cyclegan(split), 7);  // in the second student phase
  run(crd_cyclegan(split), -1, first.run_dir);
  check_same_losses(metrics(whole.run_dir), metrics(first.run_dir));
  check_same_state(gan::load_run_checkpoint(whole.run_dir).tensors,
                   gan::load_run_checkpoint(first.run_dir).tensors);
}
