// What a spec trains, read from its task and data: the task kind, the dataset, the generator's
// latent shape and its number of classes.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/tensor.h"
#include "nn/data/dataset.h"
#include "nn/module.h"

namespace ganlite::gan {

//   generation  noise (+ class) -> image; fashion_mnist, single_folder (DCGAN, SNGAN, StyleGAN2)
//   unpaired    CycleGAN: G_A: A -> B, G_B: B -> A, D_A judges B, D_B judges A (fashion_unpaired,
//               unaligned_folder); the run's networks G, G2, D, D2
//   paired      pix2pix: G: A -> B, D judges cat(A, B) (fashion_edges, aligned_folder)
//   classifier  model.G is a classifier trained with cross-entropy on labelled images
enum class TaskKind { generation, unpaired, paired, classifier };
TaskKind task_kind(const nlohmann::json& resolved_spec);
const char* task_kind_name(TaskKind kind);

// The dataset a spec's data section names (nn/data), for training (phase from the spec) or for
// evaluation (phase "test" where the dataset has one).
std::shared_ptr<const data::Dataset> make_dataset(const nlohmann::json& resolved_spec,
                                                  bool for_eval = false);

// A generation spec's latent shape for n samples (gan::profile_input of model.G at the data's
// image side), and the number of classes a generator is conditioned on (that of its first
// label-conditioned layer; 0 when it has none).
Shape latent_shape(const nlohmann::json& resolved_spec, int64_t n);
int64_t conditional_classes(nn::Module& G);

}  // namespace ganlite::gan
