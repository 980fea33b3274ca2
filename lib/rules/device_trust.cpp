#include "rules/device_trust.h"

#include <fmt/format.h>

#include <algorithm>
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
        // Digits only: from_chars alone would also take a sign ("-0" parses as 0).
        if (part.empty() || part.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
        long value = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (ec != std::errc() || ptr != part.data() + part.size()) return std::nullopt;
        parts.push_back(value);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return parts;
}

}  // namespace

bool is_app_version(std::string_view text) { return parse_version(text).has_value(); }

bool version_at_least(std::string_view version, std::string_view minimum) {
    auto v = parse_version(version);
    auto m = parse_version(minimum);
    // Fail closed: a minimum that is not a version (a typo such as "6.0.0-rc1" or "v6") used
    // to let every device through, silently turning the attestation check off.
    if (!m || !v) return false;
    for (std::size_t i = 0; i < std::max(v->size(), m->size()); ++i) {
        long a = i < v->size() ? (*v)[i] : 0;
        long b = i < m->size() ? (*m)[i] : 0;
        if (a != b) return a > b;
    }
    return true;
}

std::optional<std::string> device_trust_problem(const DeviceAttestation& d, std::string_view min_app_version) {
    if (!is_app_version(min_app_version)) {
        return fmt::format("the configured minimum app version '{}' is not a version (digits and dots): fix "
                           "policy.phone_change.min_app_version",
                           min_app_version);
    }
    if (!d.encrypted) return std::string("the device does not attest storage encryption");
    if (!version_at_least(d.app_version, min_app_version)) {
        return fmt::format("the app version {} is below the minimum {}: update the app",
                           d.app_version.empty() ? std::string_view("(unknown)") : d.app_version, min_app_version);
    }
    if (d.rooted) return std::string("the device is rooted or jailbroken");
    return std::nullopt;
}

}  // namespace kunlun
