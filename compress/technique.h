// The techniques a spec can name in technique.name, built from technique.params.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gan/train/trainer.h"

namespace ganlite::compress {

// Null when the resolved spec names no technique; an unknown name is a SpecError at
// /technique/name listing the known ones; bad params are SpecErrors at /technique/params/<key>.
std::unique_ptr<gan::Technique> make_technique(const nlohmann::json& resolved_spec);
std::vector<std::string> technique_names();

}  // namespace ganlite::compress
