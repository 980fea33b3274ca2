// Whether a customer's device may be trusted with a reserved-phone change (domain.md §4):
// storage encrypted, app version at or above the configured minimum, not rooted/jailbroken.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kunlun {

struct DeviceAttestation {
    bool encrypted = false;
    std::string_view app_version;
    bool rooted = false;
};

// Whether `text` is a version: one or more dot-separated runs of ASCII digits ("6.2.5").
bool is_app_version(std::string_view text);

// Compares dotted versions numerically ("6.10.0" > "6.9.9"; a missing part counts as 0).
// A version that is not dot-separated digits compares as below every valid one. A minimum
// that is not a version is met by nothing: a mistyped minimum must not switch the check off.
bool version_at_least(std::string_view version, std::string_view minimum);

// The first failing item, in words an operator reads out to the customer; none: trusted.
// A minimum that is not a version is itself the problem (nothing is trusted against it).
std::optional<std::string> device_trust_problem(const DeviceAttestation& device, std::string_view min_app_version);

}  // namespace kunlun
