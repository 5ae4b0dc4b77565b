// Files written whole or not at all (a temporary file beside the target, fsync, rename: an
// interrupted or failed write never damages what was there), and directories made with errors
// that name them. Checkpoints, sample grids, reports and metrics go through here.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ganlite {

// The pieces are written one after the other. `who` opens the error message (e.g. "save_png").
void write_file_atomically(const std::string& path,
                           const std::vector<std::pair<const void*, size_t>>& pieces,
                           const std::string& who);
void write_file_atomically(const std::string& path, const std::string& text,
                           const std::string& who);

// mkdir -p; an error says what the directory is for (e.g. "--output", "run directory"), its
// path and why it cannot be made (a regular file in the way, permissions).
void make_directories(const std::string& path, const std::string& what);

}  // namespace ganlite
