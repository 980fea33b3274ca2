// RFC 3339 timestamps: the form times print in (with the bank's UTC offset) and the form of
// KUNLUNCTL_NOW. Pure: the offset is an argument.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kunlun {

using Instant = std::chrono::sys_seconds;

// Accepts YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM); 't' and ' ' for 'T' too. nullopt if bad.
std::optional<Instant> parse_rfc3339(std::string_view text);

// YYYY-MM-DDTHH:MM:SS±HH:MM (or Z when the offset is zero and `zulu` is true).
std::string format_rfc3339(Instant t, std::chrono::seconds utc_offset, bool zulu = false);

// YYYY-MM-DD; nullopt if malformed or not a real date.
std::optional<std::chrono::year_month_day> parse_iso_date(std::string_view text);
std::string format_iso_date(std::chrono::year_month_day day);

}  // namespace kunlun
