// Run specs: one JSON file describing a training run (model, data, losses, optimizers, schedule,
// technique, logging, device, seed). The schema is the single table spec_fields(); resolve_spec()
// validates a spec against it and fills in defaults, and docs/spec.md is generated from it.
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

enum class FieldKind {
  object,   // a section with the fixed children listed in the table
  string,   // free text, or one of `choices` when that is not empty
  integer,  // within [lo, hi]
  number,   // within lo..hi, each end open or closed
  boolean,
  int_list,  // array of integers, each within [lo, hi]
  options,   // object of scalars forwarded as strings (model options, checked by make_model)
  params,    // free-form object (technique parameters, checked by the technique)
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
};

// Every field, parents before children, in the order docs/spec.md lists them.
const std::vector<SpecField>& spec_fields();

// Validates `spec` and returns it complete (every default filled in). Throws SpecError.
nlohmann::json resolve_spec(const nlohmann::json& spec);

// Reads a JSON file; invalid JSON is a SpecError naming path:line:column.
nlohmann::json read_spec_file(const std::string& path);

// `--set a.b.c=value`: sets spec["a"]["b"]["c"], creating objects on the way; the value is parsed
// as JSON when it parses (16, 2e-4, true, [1,2], "x"), else taken as a string. The caller then
// resolves the result, so overrides are validated like the file.
void apply_spec_override(nlohmann::json& spec, const std::string& assignment);

// Writes the resolved spec (pretty-printed, with a trailing newline), e.g. to spec.resolved.json.
void write_resolved_spec(const nlohmann::json& resolved, const std::string& path);

// The model options of a resolved spec's model.G or model.D ("G" / "D"), as make_model takes
// them: strings as they are, numbers and booleans as JSON writes them.
Options spec_model_options(const nlohmann::json& resolved, const std::string& which);

// The schema table as Markdown (docs/spec.md embeds it between generated-table markers).
std::string spec_schema_markdown();

}  // namespace ganlite::gan
