#include "gan/train/technique.h"

#include <map>

#include "engine/error.h"
#include "gan/train/run.h"

namespace ganlite::gan {
namespace {

std::map<std::string, TechniqueInfo>& registry() {
  static std::map<std::string, TechniqueInfo> table;
  return table;
}

}  // namespace

RegisterTechnique::RegisterTechnique(TechniqueInfo info) {
  GANLITE_CHECK(valid_network_name(info.name) && info.make, "RegisterTechnique: '", info.name,
                "' needs an identifier name and a factory");
  GANLITE_CHECK(!registry().count(info.name), "RegisterTechnique: '", info.name,
                "' is registered twice");
  for (const auto& [net, what] : info.networks)
    GANLITE_CHECK(valid_network_name(net) && net != "G" && net != "D" && net != "G2" && net != "D2",
                  "RegisterTechnique: ", info.name, " network '", net,
                  "' must be a network name (run.h) other than the task's G, D, G2, D2");
  const std::string name = info.name;
  registry().emplace(name, std::move(info));
}

const TechniqueInfo* find_technique(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> technique_names() {
  std::vector<std::string> out;
  for (const auto& [name, info] : registry())
    if (info.listed) out.push_back(name);
  return out;
}

std::unique_ptr<Technique> make_technique(const nlohmann::json& spec) {
  const nlohmann::json& name = spec.at("technique").at("name");
  if (name.is_null()) return nullptr;
  const TechniqueInfo* info = find_technique(name.get<std::string>());
  // resolve_spec refused unknown names; a spec resolved by a program with other techniques
  // can still reach here.
  if (!info) throw SpecError("/technique/name: unknown technique " + name.dump());
  return info->make(spec);
}

}  // namespace ganlite::gan
