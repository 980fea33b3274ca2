#include "rules/rfc3339.h"

#include <fmt/format.h>

#include <cctype>

namespace kunlun {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<std::chrono::year_month_day> parse_iso_date(std::string_view s) {
    int y = 0, m = 0, d = 0;
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) ||
        !digits(s, 8, 2, d)) {
        return std::nullopt;
    }
    std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                    std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

std::string format_iso_date(std::chrono::year_month_day day) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                       static_cast<unsigned>(day.day()));
}

std::optional<Instant> parse_rfc3339(std::string_view s) {
    if (s.size() < 20) return std::nullopt;
    auto date = parse_iso_date(s.substr(0, 10));
    char sep = s[10];
    if (!date || (sep != 'T' && sep != 't' && sep != ' ')) return std::nullopt;
    int hh = 0, mm = 0, ss = 0;
    if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' || !digits(s, 17, 2, ss)) {
        return std::nullopt;
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    std::size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {  // fractions are accepted and dropped: we keep seconds
        ++pos;
        std::size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) != 0) ++pos;
        if (pos == start) return std::nullopt;
    }
    if (pos >= s.size()) return std::nullopt;
    int offset = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        if (pos + 1 != s.size()) return std::nullopt;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        if (pos + 6 != s.size() || !digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    auto local = std::chrono::sys_days(*date) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
                 std::chrono::seconds(ss > 59 ? 59 : ss);
    return Instant(local - std::chrono::seconds(offset));
}

std::string format_rfc3339(Instant t, std::chrono::seconds utc_offset, bool zulu) {
    auto local = t + utc_offset;
    auto day = std::chrono::floor<std::chrono::days>(local);
    std::chrono::year_month_day ymd{day};
    std::chrono::hh_mm_ss hms{local - day};
    std::string out = fmt::format("{}T{:02}:{:02}:{:02}", format_iso_date(ymd), hms.hours().count(),
                                  hms.minutes().count(), hms.seconds().count());
    auto off = utc_offset.count();
    if (off == 0 && zulu) return out + "Z";
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    return out + fmt::format("{}{:02}:{:02}", sign, off / 3600, (off % 3600) / 60);
}

}  // namespace kunlun
