// Writing TOML by hand for `fixtures dump` and `config show`: stable key order and formatting, so that a dump
// loaded into a new store and dumped again is byte-for-byte the same file.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

std::string toml_string(std::string_view value);  // a basic string with escapes
std::string toml_strings(const std::vector<std::string>& values);

}  // namespace kunlun
