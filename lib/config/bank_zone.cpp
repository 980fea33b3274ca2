#include "config/bank_zone.h"

#include "error.h"
#include "rules/rfc3339.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace kunlun {

BankZone::BankZone(const std::string& iana_name) : name_(iana_name) {
    const char* tzdir = std::getenv("TZDIR");
    std::filesystem::path base = tzdir != nullptr ? tzdir : "/usr/share/zoneinfo";
    std::error_code ec;
    // A zone is a relative name of a compiled zone file (TZif); anything else would make the
    // C library fall back to UTC without a word.
    auto is_zone_file = [](const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        char magic[4] = {};
        return in.read(magic, 4) && std::string_view(magic, 4) == "TZif";
    };
    if (iana_name.empty() || iana_name.front() == '/' || iana_name.find("..") != std::string::npos ||
        !std::filesystem::is_regular_file(base / iana_name, ec) || !is_zone_file(base / iana_name)) {
        fail(Exit::config, "config", "key 'bank.timezone': '{}' is not a time zone this system knows (is tzdata installed?)",
             iana_name);
    }
    ::setenv("TZ", iana_name.c_str(), 1);
    ::tzset();
}

std::chrono::seconds BankZone::offset_at(Instant t) const {
    std::time_t tt = t.time_since_epoch().count();
    std::tm local{};
    ::localtime_r(&tt, &local);
    return std::chrono::seconds(local.tm_gmtoff);
}

std::chrono::year_month_day BankZone::local_day(Instant t) const {
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t + offset_at(t))};
}

Instant BankZone::end_of_day(std::chrono::year_month_day day) const {
    std::tm local{};
    local.tm_year = static_cast<int>(day.year()) - 1900;
    local.tm_mon = static_cast<int>(static_cast<unsigned>(day.month())) - 1;
    local.tm_mday = static_cast<int>(static_cast<unsigned>(day.day()));
    local.tm_hour = 23;
    local.tm_min = 59;
    local.tm_sec = 59;
    local.tm_isdst = -1;
    return Instant(std::chrono::seconds(::mktime(&local)));
}

std::string BankZone::format(Instant t) const { return format_rfc3339(t, offset_at(t)); }

}  // namespace kunlun
