// Run specs: one JSON file describing a training run (model, data, losses, optimizers, schedule,
// technique, logging, device, seed). The schema is one table, spec_fields(), extended by the
// technique a spec names (its parameters under /technique/params, an optimizer section under
// /optim for each network it trains: gan/train/technique.h); resolve_spec() validates a spec
// against it and fills in defaults, and docs/spec.md is generated from it.
#pragma once
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/error.h"
#include "gan/models/registry.h"

namespace ganlite::gan {

// A spec that cannot be used: the message names the JSON Pointer, what was expected and what was
// found (or, for invalid JSON, the file, line and column).
class SpecError : public Error {
 public:
  using Error::Error;
};
// Throws SpecError("<pointer>: <message>").
[[noreturn]] void spec_error(const std::string& pointer, const std::string& message);

enum class FieldKind {
  object,   // a section with the fixed children listed in the table
  string,   // free text, or one of `choices` when that is not empty
  integer,  // within [lo, hi]
  number,   // within lo..hi, each end open or closed
  boolean,
  int_list,     // array of integers, each within [lo, hi]
  number_list,  // array of numbers, each within lo..hi
  options,      // object of scalars forwarded as strings (model options, checked by make_model)
  params,       // the technique's parameters: an object whose fields the named technique declares
  net_ref,      // a network of another run or file (gan/train/netref.h): a teacher, init_from
};

struct SpecField {
  std::string pointer;  // "/optim/G/lr"
  FieldKind kind;
  nlohmann::json default_value;  // ignored for objects; null with required = false: may be null
  bool required = false;
  bool nullable = false;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  std::vector<std::string> choices;
  std::string description;
  // net_ref fields of a technique's parameters: the run holds the network it references as a
  // frozen teacher under this name (gan::Run, "teachers").
  std::string teacher;
};

// Field constructors, for the spec's table and the tables techniques declare their parameters
// in. A default of null with `nullable` means "derived" (the technique's check fills it in).
namespace fields {
SpecField section(std::string pointer, std::string description);
SpecField choice(std::string pointer, std::vector<std::string> choices, nlohmann::json def,
                 std::string description);
SpecField text(std::string pointer, nlohmann::json def, std::string description);
SpecField integer(std::string pointer, nlohmann::json def, double lo, double hi,
                  std::string description);
SpecField number(std::string pointer, nlohmann::json def, double lo, bool lo_open, double hi,
                 bool hi_open, std::string description);
SpecField boolean(std::string pointer, bool def, std::string description);
SpecField int_list(std::string pointer, std::vector<int64_t> def, double lo, double hi,
                   std::string description);
SpecField number_list(std::string pointer, nlohmann::json def, double lo, bool lo_open, double hi,
                      bool hi_open, std::string description);
// A network reference; `teacher` non-empty: load it as a frozen teacher of that name.
SpecField net_ref(std::string pointer, std::string teacher, std::string description);
SpecField nullable(SpecField f);  // null is accepted (and, with a null default, meant)
}  // namespace fields

// Every field of a spec without a technique, parents before children, in the order docs/spec.md
// lists them.
const std::vector<SpecField>& spec_fields();
// The fields of a spec naming `technique` (registered: gan/train/technique.h): spec_fields(), an
// /optim section per network the technique trains, and its parameters under /technique/params.
std::vector<SpecField> spec_fields(const std::string& technique);

// Validates `spec` and returns it complete (every default filled in). Throws SpecError. An unknown
// technique name is an error at /technique/name listing the known ones; its parameters are checked
// against what it declares (/technique/params/<key>), then by its own check.
nlohmann::json resolve_spec(const nlohmann::json& spec);

// Reads a JSON file; invalid JSON is a SpecError naming path:line:column.
nlohmann::json read_spec_file(const std::string& path);

// `--set a.b.c=value`: sets spec["a"]["b"]["c"], creating objects on the way; the value is parsed
// as JSON when it parses (16, 2e-4, true, [1,2], "x"), else taken as a string. The caller then
// resolves the result, so overrides are validated like the file.
void apply_spec_override(nlohmann::json& spec, const std::string& assignment);

// Every `--set` of a command, in order, then what a user means by changing the run length's unit:
// `schedule.steps=N` on a spec counted in epochs (or `schedule.epochs=N` on one counted in
// steps), without setting the other, switches the unit (the other becomes 0) and carries
// `decay_start` and `milestones` over at the same fraction of the run. Each such change is
// described in `notes` (to print).
void apply_spec_overrides(nlohmann::json& spec, const std::vector<std::string>& assignments,
                          std::vector<std::string>* notes = nullptr);

// Writes the resolved spec (pretty-printed, with a trailing newline), e.g. to spec.resolved.json.
void write_resolved_spec(const nlohmann::json& resolved, const std::string& path);

// The model options of a resolved spec's model.G or model.D ("G" / "D"), as make_model takes
// them: strings as they are, numbers and booleans as JSON writes them.
Options spec_model_options(const nlohmann::json& resolved, const std::string& which);
// The same for any options object, and a model description {"name", "options"} built.
Options model_options(const nlohmann::json& options);
nn::ModulePtr make_described_model(const nlohmann::json& model);

// The schema as Markdown: the table of spec_fields(), then each registered technique's parameters
// and networks (docs/spec.md embeds it between generated-table markers).
std::string spec_schema_markdown();

}  // namespace ganlite::gan
