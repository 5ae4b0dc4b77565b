// The ganlite CLI's commands. Each apps/cli_<name>.cpp defines one command and registers it with
// a static RegisterCommand, so adding a command touches no shared file; ganlite.cpp dispatches.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/safetensors.h"
#include "gan/models/registry.h"

namespace ganlite::cli {

// A command-line mistake: printed as "ganlite: <message>", exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  std::string name;      // "train"
  std::string synopsis;  // one or two lines for `ganlite --help`
  std::function<int(const std::vector<std::string>& args)> run;
};

struct RegisterCommand {
  explicit RegisterCommand(Command command);
};
const std::vector<Command>& commands();  // sorted by name

// Argument helpers shared by the commands.
int64_t parse_positive(const std::string& flag, const std::string& value);
int64_t parse_nonnegative(const std::string& flag, const std::string& value);
double parse_number(const std::string& flag, const std::string& value);
// 1.234G / 5.6M / 7.8K / 9
std::string human(double v);

// Walks args: `next_value(i, flag)` returns args[++i] or throws "FLAG needs a value".
class ArgReader {
 public:
  explicit ArgReader(const std::vector<std::string>& args) : args_(args) {}
  bool done() const { return i_ >= args_.size(); }
  const std::string& next() { return args_[i_++]; }
  std::string value(const std::string& flag);

 private:
  const std::vector<std::string>& args_;
  size_t i_ = 0;
};

// The sampling flags of eval and report: --num N (at least 2), --seed S, --weights PATH (the
// FD-FMNIST classifier). False for any other flag.
bool take_sample_flag(const std::string& a, ArgReader& r, int64_t& num, uint64_t& seed,
                      std::string& weights);

// The network a command works on (profile, bench model): SPEC.json's model.G (model.D with
// --net D), a run directory's or checkpoint's deploy network (--net NAME: another of its
// networks), or --model NAME; --set options over those; and the input size: --size, else the
// spec's (crop_size for image folders, image_size otherwise), else 256.
struct ModelArgs {
  std::string spec_path, model, net = "G";
  std::string net_given;  // --net as given ("" = default: G, or a run's deploy network)
  // --weights FILE: a state_dict safetensors file (e.g. PyTorch's) for the network, its tensors
  // under --prefix P (default: all of them, as state_dict() names them).
  std::string weights, prefix;
  // --set with a dotted path (model.G.options.ngf=16): a spec field, as `ganlite train --set`
  // takes it; a plain key (ngf=16): a model option.
  std::vector<std::string> spec_sets;
  gan::Options options;
  int64_t h = 256, w = 256;
  bool size_given = false;
  std::string d_model;  // the spec's model.D (resolve fills it when SPEC.json has one)
  gan::Options d_options;
  bool paired = false;  // the spec's task is paired translation: D judges (input, image) pairs
  // Takes --model, --set, --size, --net, --weights, --prefix and a positional SPEC.json or
  // RUN_DIR; false for any other flag.
  bool take(const std::string& a, ArgReader& r);
  // Applies the spec, if any; `who` names the command in usage errors.
  void resolve(const char* who);
  // The --weights tensors under --prefix; an error names the file when none is there.
  TensorMap read_weights() const;
  // The network (model, options) with --weights loaded strictly when given, in eval mode. A
  // mismatch names the file, the model and each tensor with both shapes.
  nn::ModulePtr build() const;
};

}  // namespace ganlite::cli
