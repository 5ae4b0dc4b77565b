#include "gan/train/technique.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "engine/error.h"

namespace ganlite::gan {
namespace {

std::map<std::string, TechniqueInfo>& registry() {
  static std::map<std::string, TechniqueInfo> table;
  return table;
}

bool identifier(const std::string& s) {
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

}  // namespace

RegisterTechnique::RegisterTechnique(TechniqueInfo info) {
  GANLITE_CHECK(identifier(info.name) && info.make, "RegisterTechnique: '", info.name,
                "' needs an identifier name and a factory");
  GANLITE_CHECK(!registry().count(info.name), "RegisterTechnique: '", info.name,
                "' is registered twice");
  for (const auto& [net, what] : info.networks)
    GANLITE_CHECK(identifier(net) && net != "G" && net != "D" && net != "G2" && net != "D2",
                  "RegisterTechnique: ", info.name, " network '", net,
                  "' must be an identifier other than the task's G, D, G2, D2");
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
