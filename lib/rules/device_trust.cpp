#include "rules/device_trust.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace kunlun {
namespace {

std::optional<std::vector<long>> parse_version(std::string_view text) {
    std::vector<long> parts;
    if (text.empty()) return std::nullopt;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('.', start);
        auto part = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        long value = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 0) return std::nullopt;
        parts.push_back(value);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return parts;
}

}  // namespace

bool version_at_least(std::string_view version, std::string_view minimum) {
    auto v = parse_version(version);
    auto m = parse_version(minimum);
    if (!m) return true;  // no usable minimum configured: nothing to compare against
    if (!v) return false;
    for (std::size_t i = 0; i < std::max(v->size(), m->size()); ++i) {
        long a = i < v->size() ? (*v)[i] : 0;
        long b = i < m->size() ? (*m)[i] : 0;
        if (a != b) return a > b;
    }
    return true;
}

std::optional<std::string> device_trust_problem(const DeviceAttestation& d, std::string_view min_app_version) {
    if (!d.encrypted) return std::string("the device does not attest storage encryption");
    if (!version_at_least(d.app_version, min_app_version)) {
        return fmt::format("the app version {} is below the minimum {}: update the app",
                           d.app_version.empty() ? std::string_view("(unknown)") : d.app_version, min_app_version);
    }
    if (d.rooted) return std::string("the device is rooted or jailbroken");
    return std::nullopt;
}

}  // namespace kunlun
