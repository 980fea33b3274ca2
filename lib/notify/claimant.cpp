#include "notify/claimant.h"

#include "crypto/encoding.h"
#include "crypto/random.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace kunlun {
namespace {

std::string this_host() {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown";
    return name;
}

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. With the
// pid it names one process for the life of the machine (pids are reused, start times are not).
std::string start_time_of(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!in || !std::getline(in, stat)) return {};
    auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) return {};
    std::istringstream rest(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22; ++i) {
        if (!(rest >> field)) return {};
    }
    return field;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (std::size_t pos = 0;;) {
        auto next = s.find(sep, pos);
        parts.push_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
        if (next == std::string_view::npos) return parts;
        pos = next + 1;
    }
}

}  // namespace

std::string new_claimant() {
    long pid = ::getpid();
    return this_host() + "/" + std::to_string(pid) + "/" + start_time_of(pid) + "/" + to_hex(random_bytes(4));
}

bool claimant_alive(const std::string& claimant) {
    auto parts = split(claimant, '/');
    if (parts.size() != 4 || parts[0] != this_host()) return true;
    long pid = 0;
    auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), pid);
    if (ec != std::errc() || end != parts[1].data() + parts[1].size() || pid <= 0) return true;
    auto started = start_time_of(pid);
    return !started.empty() && started == parts[2];
}

}  // namespace kunlun
