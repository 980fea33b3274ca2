#include "flows/input_file.h"

#include "error.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace kunlun {

std::string read_input_file(const std::string& path, std::string_view what, std::size_t max_bytes) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        fail(Exit::no_input, "no-input", "{} file {} does not exist or is not a regular file", what, path);
    }
    auto size = std::filesystem::file_size(path, ec);
    if (ec) fail(Exit::no_input, "no-input", "cannot read {} file {}: {}", what, path, ec.message());
    if (size > max_bytes) {
        fail(Exit::data, "invalid-input", "{} file {} is {} bytes; at most {} are accepted", what, path, size, max_bytes);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(Exit::no_input, "no-input", "cannot read {} file {}", what, path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace kunlun
