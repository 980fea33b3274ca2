// Files shipped with kunlunctl (calendars, the common-password list): share/kunlunctl beside
// the binary's prefix (a build tree or an install), else the compiled-in install prefix.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_set>

namespace kunlun {

std::filesystem::path shipped_data_dir();

// The common-password list, lower-cased, read once per process.
const std::unordered_set<std::string>& common_passwords();

}  // namespace kunlun
