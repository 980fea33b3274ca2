// Small files an operator hands to a command (a certificate, a signature): read whole, with
// the contract's errors — missing or unreadable 66 `no-input`, larger than `max_bytes` 65.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kunlun {

std::string read_input_file(const std::string& path, std::string_view what, std::size_t max_bytes);

}  // namespace kunlun
