// ganlite spec: check a run spec (print it resolved), print the schema.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "gan/models/registry.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"

namespace ganlite::cli {
namespace {

void print_spec_help() {
  std::printf(
      "usage: ganlite spec check SPEC.json [--set a.b=value]... [--write PATH]\n"
      "       ganlite spec schema\n\n"
      "  check           validate SPEC.json and print the resolved spec; a bad spec exits 2.\n"
      "                  The run is set up as training sets it up (on the CPU): its networks\n"
      "                  are built, network references (teachers, init_from) loaded, the\n"
      "                  dataset opened, the networks tried on one example, and a training\n"
      "                  step's memory estimated, so what would stop train stops here\n"
      "  --set a.b=value override a field by dotted path (value parsed as JSON when it parses,\n"
      "                  else taken as a string), validated like the file\n"
      "  --write PATH    also write the resolved spec to PATH (e.g. spec.resolved.json)\n"
      "  schema          every field with its type, default and allowed values (Markdown)\n");
}

int cmd_spec(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_spec_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "schema") {
    if (args.size() > 1) throw UsageError("spec schema: unexpected argument " + args[1]);
    std::printf("%s", gan::spec_schema_markdown().c_str());
    return 0;
  }
  if (args[0] != "check") throw UsageError("spec: unknown subcommand '" + args[0] + "'");
  std::string path, write;
  std::vector<std::string> sets;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      print_spec_help();
      return 0;
    } else if (a == "--set") {
      sets.push_back(value());
    } else if (a == "--write") {
      write = value();
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      throw UsageError("spec check: unexpected argument " + a);
    }
  }
  if (path.empty()) throw UsageError("spec check: SPEC.json is required");
  nlohmann::json spec = gan::read_spec_file(path);
  std::vector<std::string> notes;
  gan::apply_spec_overrides(spec, sets, &notes);
  for (const auto& n : notes) std::fprintf(stderr, "ganlite: %s\n", n.c_str());
  const nlohmann::json resolved = gan::resolve_spec(spec);
  {
    // What train builds before its first step: the networks, their references, the technique.
    nlohmann::json on_cpu = resolved;
    on_cpu["device"] = "cpu";
    gan::Run run(on_cpu);
    if (auto technique = gan::make_technique(on_cpu)) technique->setup(run);
    run.add_ema();
    gan::check_setup(run, *gan::make_dataset(on_cpu));
  }
  if (!write.empty()) gan::write_resolved_spec(resolved, write);
  std::printf("%s\n", resolved.dump(2).c_str());
  return 0;
}

const RegisterCommand reg{
    {"spec",
     "spec check SPEC.json [--set a.b=value]... [--write PATH] | spec schema\n"
     "        validate a run spec and print it resolved; the schema table",
     cmd_spec}};

}  // namespace
}  // namespace ganlite::cli
