// The config key table: each key once, with the Settings member it sets, its range and a
// line of help. `config show` walks this table; the loader refuses any key not in it.
#pragma once

#include "config/settings.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kunlun {

using SettingMember =
    std::variant<std::int64_t Settings::*, bool Settings::*, std::string Settings::*>;

struct KeySpec {
    std::string_view name;      // dotted TOML path, e.g. "policy.otp.ttl_seconds"
    SettingMember member;
    std::int64_t min = 0;       // integers only
    std::int64_t max = 0;
    std::vector<std::string_view> choices;  // strings only; empty: free text
    std::string_view help;
};

std::span<const KeySpec> config_keys();
const KeySpec* find_config_key(std::string_view name);

// The value of a key in `settings`, as TOML would write it ("300", "true", "\"kunlun\"").
std::string format_setting(const Settings& settings, const KeySpec& key);

}  // namespace kunlun
