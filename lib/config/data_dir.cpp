#include "config/data_dir.h"

#include "error.h"

#include <algorithm>
#include <fstream>

namespace kunlun {

std::filesystem::path shipped_data_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        auto beside = exe.parent_path().parent_path() / "share" / "kunlunctl";
        if (std::filesystem::is_directory(beside, ec)) return beside;
    }
    return std::filesystem::path(KUNLUN_INSTALL_DATADIR);
}

const std::unordered_set<std::string>& common_passwords() {
    static const std::unordered_set<std::string> list = [] {
        std::unordered_set<std::string> out;
        auto path = shipped_data_dir() / "common-passwords.txt";
        std::ifstream in(path);
        // Without the list the rule would silently weaken: refuse instead.
        if (!in) fail(Exit::config, "config", "the common-password list {} is missing: reinstall kunlunctl", path.string());
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            out.insert(line);
        }
        return out;
    }();
    return list;
}

}  // namespace kunlun
