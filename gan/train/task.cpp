#include "gan/train/task.h"

#include "gan/models/registry.h"
#include "gan/train/spec.h"
#include "nn/cond_bn.h"
#include "nn/data/fashion.h"
#include "nn/data/image_folder.h"

namespace ganlite::gan {

using nlohmann::json;

TaskKind task_kind(const json& spec) {
  if (spec["task"] == "classifier") return TaskKind::classifier;
  const std::string d = spec["data"]["dataset"];
  if (d == "fashion_unpaired" || d == "unaligned_folder") return TaskKind::unpaired;
  if (d == "fashion_edges" || d == "aligned_folder") return TaskKind::paired;
  return TaskKind::generation;
}

const char* task_kind_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::generation:
      return "generation";
    case TaskKind::unpaired:
      return "unpaired translation";
    case TaskKind::paired:
      return "paired translation";
    case TaskKind::classifier:
      return "classifier";
  }
  return "?";
}

std::shared_ptr<const data::Dataset> make_dataset(const json& spec, bool for_eval) {
  const json& d = spec["data"];
  const std::string kind = d["dataset"];
  if (kind.rfind("fashion_", 0) == 0) {
    data::FashionOptions o;
    o.root = d["root"];
    o.train = !for_eval && d["phase"] == "train";
    o.limit = for_eval ? 0 : d["limit"].get<int64_t>();
    o.image_size = d["image_size"];
    auto base = std::make_shared<const data::FashionMnist>(o);
    if (kind == "fashion_unpaired")
      return std::make_shared<const data::FashionUnpaired>(
          base, d["classes_a"].get<std::vector<int64_t>>(),
          d["classes_b"].get<std::vector<int64_t>>());
    if (kind == "fashion_edges")
      return std::make_shared<const data::FashionEdges>(base, d["edge_threshold"].get<double>());
    return base;
  }
  data::FolderOptions o;
  o.root = d["root"];
  o.phase = for_eval ? "test" : d["phase"].get<std::string>();
  o.direction = d["direction"];
  // Gray models (input_nc 1) read gray images; everything else RGB.
  const Options g = spec_model_options(spec, "G");
  auto nc = g.find("input_nc");
  o.channels = nc != g.end() && nc->second == "1" ? 1 : 3;
  o.preprocess.mode = d["preprocess"];
  o.preprocess.load_size = d["load_size"];
  o.preprocess.crop_size = d["crop_size"];
  o.preprocess.flip = !for_eval && d["flip"].get<bool>();
  if (kind == "unaligned_folder") return std::make_shared<const data::UnalignedFolder>(o);
  if (kind == "aligned_folder") return std::make_shared<const data::AlignedFolder>(o);
  return std::make_shared<const data::SingleFolder>(o);
}

int64_t conditional_classes(nn::Module& G) {
  for (auto& [name, m] : G.named_modules())
    if (auto* c = dynamic_cast<nn::LabelConditioned*>(m)) return c->num_classes();
  return 0;
}

Shape latent_shape(const json& spec, int64_t n) {
  const json& d = spec["data"];
  const int64_t side = d["dataset"].get<std::string>().rfind("fashion_", 0) == 0
                           ? d["image_size"].get<int64_t>()
                           : d["crop_size"].get<int64_t>();
  return profile_input(spec["model"]["G"]["name"], spec_model_options(spec, "G"), n, side, side);
}

}  // namespace ganlite::gan
