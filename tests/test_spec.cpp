// The run-spec schema (gan/train/spec.h): a table of bad specs with the message each must give
// (JSON Pointer + expectation), defaults, --set overrides, invalid JSON positions, every file in
// specs/, resolve idempotence, and docs/spec.md kept in sync with the schema table.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gan/train/spec.h"

using namespace ganlite;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kRepo = fs::path(GANLITE_TEST_DATA) / ".." / "..";

json base_spec() {
  return json::parse(R"({"name": "t",
    "model": {"G": {"name": "dcgan_generator"}, "D": {"name": "dcgan_discriminator"}},
    "schedule": {"epochs": 1}})");
}

std::string spec_error(const json& spec) {
  try {
    gan::resolve_spec(spec);
  } catch (const gan::SpecError& e) {
    return e.what();
  }
  return "(no error)";
}

struct BadCase {
  std::vector<std::string> sets;  // --set overrides applied to base_spec()
  std::string fragment;           // what the message must contain
};

const std::vector<BadCase> kBad = {
    {{"optim.G.lr=\"fast\""}, "/optim/G/lr: expected a number in (0, 10], got \"fast\""},
    {{"optim.G.lr=0"}, "/optim/G/lr: expected a number in (0, 10], got 0"},
    {{"optim.D.beta1=1"}, "/optim/D/beta1: expected a number in [0, 1), got 1"},
    {{"optim.D.beta2=-0.1"}, "/optim/D/beta2: expected a number in [0, 1), got -0.1"},
    {{"optim.G.type=adamw"},
     "/optim/G/type: expected one of \"adam\", \"sgd\", got \"adamw\"; did you mean \"adam\"?"},
    {{"optim.G.momentum=true"}, "/optim/G/momentum: expected a number in [0, 1), got true"},
    {{"optim.E.lr=1"}, "/optim/E: unknown key 'E'; did you mean"},
    {{"data.batchsize=4"}, "/data/batchsize: unknown key 'batchsize'; did you mean 'batch_size'?"},
    {{"data.batch_size=0"}, "/data/batch_size: expected an integer in [1, 65536], got 0"},
    {{"data.batch_size=2.5"}, "/data/batch_size: expected an integer in [1, 65536], got 2.5"},
    {{"data.batch_size=\"64\""}, "/data/batch_size: expected an integer in [1, 65536], got \"64\""},
    {{"data.dataset=fashion_mnis"},
     "/data/dataset: expected one of \"fashion_mnist\", \"fashion_unpaired\""},
    {{"data.dataset=fashion_mnis"}, "got \"fashion_mnis\"; did you mean \"fashion_mnist\"?"},
    {{"data.image_size=16"}, "/data/image_size: expected an integer in [28, 1024], got 16"},
    {{"data.flip=1"}, "/data/flip: expected a boolean, got 1"},
    {{"data.direction=AtoC"}, "/data/direction: expected one of \"AtoB\", \"BtoA\", got \"AtoC\""},
    {{"data.preprocess=scale_width"}, "/data/preprocess: expected one of \"resize_and_crop\""},
    {{"data.classes_a=[7,12]"}, "/data/classes_a/1: expected an integer in [0, 9], got 12"},
    {{"data.classes_a=7"}, "/data/classes_a: expected an array of integers in [0, 9], got 7"},
    {{"data.dataset=fashion_unpaired", "data.classes_b=[]"},
     "/data/classes_b: expected a non-empty array for fashion_unpaired, got []"},
    {{"data.dataset=unaligned_folder"},
     "/data/root: expected a directory for dataset \"unaligned_folder\", got \"\""},
    {{"data.phase=val"},
     "/data/phase: expected \"train\" or \"test\" for Fashion-MNIST datasets, got \"val\""},
    {{"data.dataset=aligned_folder", "data.root=d", "data.crop_size=300"},
     "/data/crop_size: expected an integer <= load_size (286) for resize_and_crop, got 300"},
    {{"data.edge_threshold=0"}, "/data/edge_threshold: expected a number > 0, got 0"},
    {{"data.root=[]"}, "/data/root: expected a string, got []"},
    {{"losses.gan_mode=wgangp"},
     "/losses/gan_mode: expected one of \"lsgan\", \"vanilla\", \"hinge\", \"wgan\", got "
     "\"wgangp\"; did you mean \"wgan\"?"},
    {{"losses.lambda_l1=-1"}, "/losses/lambda_l1: expected a number >= 0, got -1"},
    {{"losses.lambda_cyc=10"},
     "/losses/lambda_cyc: unknown key 'lambda_cyc'; did you mean 'lambda_cycle'?"},
    {{"losses=0.5"}, "/losses: expected an object, got 0.5"},
    {{"model.G.name=resnet_generatr"}, "/model/G/name: expected one of \"resnet_generator\""},
    {{"model.G.name=resnet_generatr"}, "did you mean \"resnet_generator\"?"},
    {{"model.G.options.ngf=[16]"},
     "/model/G/options/ngf: expected a string, number or boolean, got [16]"},
    {{"model.D.options=3"},
     "/model/D/options: expected an object of strings, numbers or booleans, got 3"},
    {{"model.D.nam=x"}, "/model/D/nam: unknown key 'nam'; did you mean 'name'?"},
    {{"model.G=null"}, "/model/G: expected an object, got null"},
    {{"model.G={}"}, "/model/G/name: missing; expected one of"},
    {{"schedule.epochs=0"},
     "/schedule: expected exactly one of epochs or steps > 0, got epochs 0 and steps 0"},
    {{"schedule.steps=10"},
     "/schedule: expected exactly one of epochs or steps > 0, got epochs 1 and steps 10"},
    {{"schedule.epochs=-1"}, "/schedule/epochs: expected an integer >= 0, got -1"},
    {{"schedule.decay=cosine"},
     "/schedule/decay: expected one of \"constant\", \"linear\", \"multistep\", got \"cosine\""},
    {{"schedule.decay=linear", "schedule.decay_start=1"},
     "/schedule/decay_start: expected an integer < epochs (1) for linear decay, got 1"},
    {{"schedule.decay=multistep"},
     "/schedule/milestones: expected a non-empty array for multistep, got []"},
    {{"schedule.decay=multistep", "schedule.milestones=[5,3]"},
     "/schedule/milestones/1: expected milestones in non-decreasing order (>= 5), got 3"},
    {{"schedule.gamma=1.5"}, "/schedule/gamma: expected a number in (0, 1], got 1.5"},
    {{"technique.name=5"}, "/technique/name: expected null or a string, got 5"},
    {{"model.D.name=null"},
     "/model/D/name: missing; expected one of the registry names for task \"gan\""},
    {{"task=classify"},
     "/task: expected one of \"gan\", \"classifier\", got \"classify\"; did you mean "
     "\"classifier\"?"},
    {{"task=classifier", "data.dataset=fashion_edges"},
     "/data/dataset: expected \"fashion_mnist\" (a labelled dataset) for task classifier, got "
     "\"fashion_edges\""},
    {{"losses.lambda_gp=-1"}, "/losses/lambda_gp: expected a number >= 0, got -1"},
    {{"data.dataset=fashion_edges", "losses.r1_gamma=1"},
     "/losses/r1_gamma: expected 0 for paired translation runs: the penalties join the "
     "generation step"},
    {{"technique.name=osgan", "losses.lambda_gp=10"},
     "/losses/lambda_gp: expected 0 with technique osgan, which takes a step of its own without "
     "gradient penalties, got 10"},
    {{"losses.pl_weight=2"}, "/losses/pl_weight: expected 0 unless model.G is stylegan2_generator"},
    {{"losses.r1_interval=0"}, "/losses/r1_interval: expected an integer >= 1, got 0"},
    {{"losses.pl_decay=0"}, "/losses/pl_decay: expected a number in (0, 1], got 0"},
    {{"ema.decay=1"}, "/ema/decay: expected a number in [0, 1), got 1"},
    {{"ema.half_life_kimg=10", "ema.decay=0.999"},
     "/ema/decay: expected 0 when ema.half_life_kimg is set (one or the other), got 0.999"},
    {{"losses.pool_size=-1"}, "/losses/pool_size: expected an integer >= 0, got -1"},
    {{"technique.name=\"\""}, "/technique/name: expected null or a non-empty string, got \"\""},
    {{"technique.params=[]"}, "/technique/params: expected an object, got []"},
    {{"technique.param={}"}, "/technique/param: unknown key 'param'; did you mean 'params'?"},
    {{"logging.log_every=0"}, "/logging/log_every: expected an integer >= 1, got 0"},
    {{"logging.sample_every=-5"}, "/logging/sample_every: expected an integer >= 0, got -5"},
    {{"logging.out_dir=7"}, "/logging/out_dir: expected a string, got 7"},
    {{"device=gpu"},
     "/device: expected one of \"cpu\", \"cuda\", got \"gpu\"; did you mean \"cpu\"?"},
    {{"seed=-1"}, "/seed: expected an integer >= 0, got -1"},
    {{"name=a b"},
     "/name: expected a non-empty name of letters, digits, '.', '_' or '-', other than \".\" and "
     "\"..\" (the run directory is out_dir/name), got \"a b\""},
    {{"name=.."}, "other than \".\" and \"..\" (the run directory is out_dir/name), got \"..\""},
    {{"naem=x"}, "/naem: unknown key 'naem'; did you mean 'name'?"},
    {{"data.a~b/c=1"}, "/data/a~0b~1c: unknown key 'a~b/c'"},
};

}  // namespace

TEST_CASE("spec: bad specs name the pointer, the expectation and the value", "[spec]") {
  REQUIRE(kBad.size() >= 30);
  for (const auto& c : kBad) {
    json spec = base_spec();
    for (const auto& s : c.sets) gan::apply_spec_override(spec, s);
    const std::string msg = spec_error(spec);
    INFO("--set " << c.sets.front() << "\n  message: " << msg);
    CHECK(msg.find(c.fragment) != std::string::npos);
  }
}

TEST_CASE("spec: whole-spec errors", "[spec]") {
  CHECK(spec_error(json::array()) == "(root): expected an object, got []");
  json s = base_spec();
  s.erase("name");
  CHECK(spec_error(s) == "/name: missing; expected a string");
  CHECK_THROWS_AS(gan::resolve_spec(json::array()), Error);  // SpecError is a ganlite::Error
}

TEST_CASE("spec: defaults are filled in from the table", "[spec]") {
  const json r = gan::resolve_spec(base_spec());
  CHECK(r["data"]["batch_size"] == 1);
  CHECK(r["data"]["dataset"] == "fashion_mnist");
  CHECK(r["optim"]["G"]["lr"] == 2e-4);
  CHECK(r["optim"]["D"]["beta1"] == 0.5);
  CHECK(r["losses"]["gan_mode"] == "lsgan");
  CHECK(r["technique"]["name"].is_null());
  CHECK(r["technique"]["params"] == json::object());
  CHECK(r["logging"]["out_dir"] == "runs");
  CHECK(r["device"] == "cpu");
  for (const auto& f : gan::spec_fields()) {
    INFO(f.pointer);
    REQUIRE(r.contains(json::json_pointer(f.pointer)));
    // base_spec() sets these: epochs (a run length is required) and D's name (required by the
    // default task, gan, though the table marks it optional for the classifier task).
    if (f.kind != gan::FieldKind::object && !f.required && f.pointer != "/schedule/epochs" &&
        f.pointer != "/model/D/name")
      CHECK(r.at(json::json_pointer(f.pointer)) == f.default_value);
  }
}

TEST_CASE("spec: --set overrides by dotted path, parsed as JSON when it parses", "[spec]") {
  json s = base_spec();
  for (const char* a :
       {"optim.G.lr=1e-3", "data.direction=BtoA", "model.G.options.norm=batch",
        "model.G.options.ngf=16", "model.G.options.use_bias=true", "data.classes_a=[1,2]",
        "technique.name=osgan", "technique.params.clip_d=0.5", "name=run-2"})
    gan::apply_spec_override(s, a);
  const json r = gan::resolve_spec(s);
  CHECK(r["optim"]["G"]["lr"] == 1e-3);
  CHECK(r["data"]["direction"] == "BtoA");
  CHECK(r["data"]["classes_a"] == json::array({1, 2}));
  CHECK(r["technique"]["name"] == "osgan");
  CHECK(r["technique"]["params"]["clip_d"] == 0.5);
  CHECK(r["name"] == "run-2");
  const gan::Options o = gan::spec_model_options(r, "G");
  CHECK(o.at("norm") == "batch");
  CHECK(o.at("ngf") == "16");
  CHECK(o.at("use_bias") == "true");

  gan::apply_spec_override(s, "technique.name=null");
  CHECK_THROWS_WITH(gan::resolve_spec(s),
                    Catch::Contains("/technique/params/clip_d: unknown key 'clip_d'; no technique "
                                    "is named"));
  gan::apply_spec_override(s, "technique.params={}");
  CHECK(gan::resolve_spec(s)["technique"]["name"].is_null());

  auto override_error = [](const std::string& a) {
    json s = base_spec();
    try {
      gan::apply_spec_override(s, a);
    } catch (const gan::SpecError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(override_error("=5").find("--set expects a.b.c=value") != std::string::npos);
  CHECK(override_error("data..x=1").find("empty key") != std::string::npos);
  CHECK(override_error("name.x=1") == "/name: --set name.x needs an object here, got \"t\"");
}

TEST_CASE(
    "spec: --set schedule.steps on a spec counted in epochs switches the unit, keeping "
    "the schedule's shape",
    "[spec]") {
  json s = base_spec();
  s["schedule"] = {{"epochs", 4}, {"decay", "linear"}, {"decay_start", 2}};
  std::vector<std::string> notes;
  json a = s;
  gan::apply_spec_overrides(a, {"schedule.steps=600"}, &notes);
  json r = gan::resolve_spec(a);
  CHECK(r["schedule"]["epochs"] == 0);
  CHECK(r["schedule"]["steps"] == 600);
  CHECK(r["schedule"]["decay_start"] == 300);  // half-way, as 2 of 4 epochs was
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::Contains("600 steps replaces 4 epochs; decay_start 2 epochs -> 300 "
                                       "steps (the same fraction of the run)"));
  // Setting epochs=0 as well means the same; decay_start given is taken as given.
  json b = s;
  gan::apply_spec_overrides(b, {"schedule.epochs=0", "schedule.steps=600"});
  CHECK(gan::resolve_spec(b)["schedule"]["decay_start"] == 300);
  json c = s;
  gan::apply_spec_overrides(c, {"schedule.steps=600", "schedule.decay_start=100"});
  CHECK(gan::resolve_spec(c)["schedule"]["decay_start"] == 100);
  // Milestones too, and the other way round.
  json m = base_spec();
  m["schedule"] = {{"steps", 1000}, {"decay", "multistep"}, {"milestones", {250, 750}}};
  gan::apply_spec_overrides(m, {"schedule.epochs=8"});
  r = gan::resolve_spec(m);
  CHECK(r["schedule"]["steps"] == 0);
  CHECK(r["schedule"]["milestones"] == json::array({2, 6}));
  // Without the switch, both counts set is still an error, now with the hint.
  json both = s;
  gan::apply_spec_override(both, "schedule.steps=600");
  CHECK_THROWS_WITH(gan::resolve_spec(both), Catch::Contains("set schedule.epochs=0"));
}

TEST_CASE("spec: invalid JSON names the file, line and column", "[spec]") {
  const fs::path p = fs::temp_directory_path() / "ganlite_bad_spec.json";
  std::ofstream(p) << "{\n  \"name\": \"x\",\n  \"seed\": 1,,\n}\n";
  try {
    gan::read_spec_file(p.string());
    FAIL("no error");
  } catch (const gan::SpecError& e) {
    CHECK(std::string(e.what()).find(p.string() + ":3:13: invalid JSON") == 0);
  }
  fs::remove(p);
  CHECK_THROWS_WITH(gan::read_spec_file("/nonexistent/spec.json"),
                    Catch::Contains("/nonexistent/spec.json: cannot read"));
}

TEST_CASE("spec: every file in specs/ validates, and resolve is idempotent", "[spec]") {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kRepo / "specs")) {
    if (e.path().extension() != ".json") continue;
    names.push_back(e.path().filename().string());
    INFO(e.path().string());
    json r;
    REQUIRE_NOTHROW(r = gan::resolve_spec(gan::read_spec_file(e.path().string())));
    CHECK(gan::resolve_spec(r) == r);
    CHECK(r["name"].get<std::string>() + ".json" == e.path().filename().string());
  }
  for (const char* want : {"dcgan_fmnist.json", "sngan_cond_fmnist.json", "cyclegan_fmnist.json",
                           "pix2pix_fmnist.json", "stylegan2_fmnist.json",
                           "cyclegan_horse2zebra.json", "pix2pix_facades.json"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
}

TEST_CASE("spec: the resolved spec round-trips through spec.resolved.json", "[spec]") {
  const json r =
      gan::resolve_spec(gan::read_spec_file((kRepo / "specs/pix2pix_facades.json").string()));
  const fs::path p = fs::temp_directory_path() / "ganlite_spec.resolved.json";
  gan::write_resolved_spec(r, p.string());
  CHECK(gan::read_spec_file(p.string()) == r);
  CHECK(gan::resolve_spec(gan::read_spec_file(p.string())) == r);
  fs::remove(p);
}

TEST_CASE("spec: docs/spec.md holds the schema table generated from the code", "[spec]") {
  std::ifstream in(kRepo / "docs/spec.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  INFO("regenerate with: ganlite spec schema (between the GENERATED markers in docs/spec.md)");
  CHECK(doc.find(gan::spec_schema_markdown()) != std::string::npos);
  for (const auto& f : gan::spec_fields())
    CHECK(doc.find("`" + f.pointer + "`") != std::string::npos);
}
