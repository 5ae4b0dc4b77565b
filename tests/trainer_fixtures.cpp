// See trainer_fixtures.h.
#include "trainer_fixtures.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "gan/train/spec.h"

namespace ganlite::test {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The test process's directory under P_tmpdir, removed when the process exits (runs and
// checkpoints add up to gigabytes over a suite) unless GANLITE_KEEP_TEST_DIRS is set.
struct ProcessDir {
  fs::path path = fs::path(P_tmpdir) / ("ganlite_test_" + std::to_string(getpid()));
  ~ProcessDir() {
    const char* keep = std::getenv("GANLITE_KEEP_TEST_DIRS");
    std::error_code ec;
    if (!keep || !*keep) fs::remove_all(path, ec);
  }
};

}  // namespace

std::string out_dir(const std::string& name) {
  static const ProcessDir root;
  fs::path p = root.path / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

json tiny_spec(const std::string& out) {
  return {{"name", "tiny"},
          {"seed", 3},
          {"model",
           {{"G",
             {{"name", "dcgan_generator"},
              {"options", {{"nz", 8}, {"ngf", 4}, {"output_nc", 1}, {"image_size", 32}}}}},
            {"D",
             {{"name", "dcgan_discriminator"},
              {"options", {{"input_nc", 1}, {"ndf", 4}, {"image_size", 32}}}}}}},
          {"data",
           {{"dataset", "fashion_mnist"}, {"image_size", 32}, {"batch_size", 4}, {"limit", 40}}},
          {"losses", {{"gan_mode", "vanilla"}}},
          {"schedule", {{"steps", 20}, {"decay", "linear"}, {"decay_start", 10}}},
          {"logging",
           {{"log_every", 1}, {"sample_every", 10}, {"checkpoint_every", 10}, {"out_dir", out}}}};
}

json tiny_cyclegan(const std::string& out) {
  json s = tiny_spec(out);
  s["model"]["G"] = {{"name", "resnet_generator"},
                     {"options", {{"input_nc", 1}, {"output_nc", 1}, {"ngf", 4}, {"n_blocks", 1}}}};
  s["model"]["D"] = {{"name", "patchgan"},
                     {"options", {{"input_nc", 1}, {"ndf", 4}, {"n_layers", 1}}}};
  s["data"] = {
      {"dataset", "fashion_unpaired"}, {"image_size", 32}, {"batch_size", 2}, {"limit", 200}};
  s["losses"] = {
      {"gan_mode", "lsgan"}, {"lambda_cycle", 10.0}, {"lambda_identity", 0.5}, {"pool_size", 3}};
  s["schedule"] = {{"steps", 8}};
  return s;
}

json tiny_pix2pix(const std::string& out) {
  json s = tiny_spec(out);
  s["model"]["G"] = {
      {"name", "unet_generator"},
      {"options", {{"input_nc", 1}, {"output_nc", 1}, {"ngf", 4}, {"num_downs", 5}}}};
  s["model"]["D"] = {{"name", "patchgan"},
                     {"options", {{"input_nc", 2}, {"ndf", 4}, {"n_layers", 1}}}};
  s["data"]["dataset"] = "fashion_edges";
  s["losses"] = {{"gan_mode", "vanilla"}, {"lambda_l1", 100.0}};
  s["schedule"] = {{"steps", 4}};
  s["logging"]["sample_every"] = 4;
  return s;
}

std::vector<std::pair<std::string, json>> example_specs_one_step(const std::string& out) {
  const fs::path specs = fs::path(GANLITE_TEST_DATA) / ".." / ".." / "specs";
  std::vector<std::pair<std::string, json>> found;
  for (const auto& entry : fs::directory_iterator(specs)) {
    if (entry.path().extension() != ".json") continue;
    json s = gan::read_spec_file(entry.path().string());
    if (s.contains("data") && s["data"].contains("dataset") &&
        s["data"]["dataset"].get<std::string>().rfind("fashion_", 0) != 0)
      continue;  // image-folder specs need data this machine does not have
    s["data"]["batch_size"] = 2;
    s["data"]["limit"] = 64;
    s["schedule"] = {{"steps", 1}};
    s["logging"] = {
        {"log_every", 1}, {"sample_every", 1}, {"checkpoint_every", 0}, {"out_dir", out}};
    found.push_back({entry.path().filename().string(), s});
  }
  // A teacher named by its run ("runs/NAME", a technique's teacher): the example spec of that
  // name, trained the same one step first (in out/teachers, apart from the spec's own run).
  for (auto& [file, s] : found) {
    if (!s.contains("technique")) continue;
    json& params = s["technique"]["params"];
    for (auto it = params.begin(); it != params.end(); ++it) {
      if (!it->is_object() || !it->contains("run")) continue;
      const std::string name = fs::path((*it)["run"].get<std::string>()).filename().string();
      auto source = std::find_if(found.begin(), found.end(),
                                 [&](const auto& f) { return f.second.value("name", "") == name; });
      if (source == found.end())
        throw std::runtime_error(file + ": its teacher run " + name + " has no example spec");
      json teacher = source->second;
      teacher["logging"]["out_dir"] = out + "/teachers";
      (*it)["run"] = run(teacher).run_dir;
    }
  }
  return found;
}

gan::TrainResult run(const json& spec, int64_t stop_after, const std::string& resume,
                     std::shared_ptr<gan::Technique> technique) {
  gan::TrainOptions o;
  o.quiet = true;
  o.stop_after = stop_after;
  o.resume_dir = resume;
  o.technique = std::move(technique);
  return gan::train(gan::resolve_spec(spec), std::move(o));
}

std::vector<json> metrics(const std::string& run_dir) {
  std::vector<json> out;
  std::ifstream in(fs::path(run_dir) / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

void check_same_state(const TensorMap& a, const TensorMap& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [k, t] : a) {
    INFO(k);
    REQUIRE(b.count(k));
    const Tensor& u = b.at(k);
    REQUIRE(t.shape() == u.shape());
    REQUIRE(t.dtype() == u.dtype());
    CHECK(t.to(DType::f64).to_vector<double>() == u.to(DType::f64).to_vector<double>());
  }
}

bool same(const Tensor& a, const Tensor& b) {
  return a.to(DType::f64).to_vector<double>() == b.to(DType::f64).to_vector<double>();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

void check_same_losses(const std::vector<json>& a, const std::vector<json>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (auto it = a[i].begin(); it != a[i].end(); ++it) {
      if (it.key() == "time_s" || it.key() == "it_per_s") continue;
      INFO("line " << i << " key " << it.key());
      CHECK(b[i].at(it.key()) == it.value());
    }
}

}  // namespace ganlite::test
