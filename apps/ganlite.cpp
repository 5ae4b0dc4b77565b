// The ganlite command line: dispatches to the commands that apps/cli_*.cpp register.
#include <cstdio>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "engine/error.h"
#include "gan/train/spec.h"

using namespace ganlite;

namespace {

constexpr const char* kVersion = "0.1.0";

void print_help() {
  std::printf(
      "usage: ganlite <command> [options]   (ganlite <command> --help for details)\n\ncommands:\n");
  for (const auto& c : cli::commands()) std::printf("  %s\n", c.synopsis.c_str());
  std::printf(
      "\noptions:\n  --help, -h     this text\n"
      "  --version      print the version\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
      print_help();
      return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
      std::printf("ganlite %s\n", kVersion);
      return 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& c : cli::commands())
      if (c.name == args[0]) return c.run(rest);
    throw cli::UsageError("unknown command '" + args[0] + "' (see ganlite --help)");
  } catch (const gan::SpecError& e) {
    std::fprintf(stderr, "ganlite: spec error: %s\n", e.what());
    return 2;
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "ganlite: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "ganlite: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // Not ours (the standard library's filesystem or allocation errors): still a message and an
    // exit code, never an abort.
    std::fprintf(stderr, "ganlite: %s: %s\n", args.empty() ? "" : args[0].c_str(), e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "ganlite: %s: an unknown error\n", args.empty() ? "" : args[0].c_str());
    return 1;
  }
}
