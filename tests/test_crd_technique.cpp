// The crd technique's pix2pix schedule (compress/crd/crd_technique.cpp): every step trains the
// teacher pair once by the task's step and the student once; the student's part leaves the
// teacher pair as the teacher's step left it; a resume is bit-identical; the spec's errors. Tiny
// pix2pix runs of trainer_fixtures.h.
#include <catch2/catch.hpp>
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
  json unpaired = tiny_cyclegan(out);
  unpaired["technique"] = {{"name", "crd"}};
  CHECK_THROWS_WITH(gan::resolve_spec(unpaired),
                    Contains("/technique/name") && Contains("CycleGAN schedule"));
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
  json side28 = crd_spec(out);
  side28["data"]["image_size"] = 28;
  CHECK(gan::resolve_spec(side28)["technique"]["params"]["patch_size"] == 2);
  CHECK_THAT(r["technique"]["params"]["feature_net"]["file"].get<std::string>(),
             Contains("fmnist_classifier.safetensors"));
}
