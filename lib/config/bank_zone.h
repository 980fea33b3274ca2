// The bank's time zone (default Asia/Shanghai): local days for the business calendar, and
// the UTC offset times print with. libstdc++ 12 has no time-zone database, so this uses the
// C library's: the process's TZ is set to the bank's zone once, at start-up, and every
// local-time conversion in kunlunctl goes through this class.
#pragma once

#include <chrono>
#include <string>

namespace kunlun {

using Instant = std::chrono::sys_seconds;

class BankZone {
public:
    // Refuses a zone the system does not know (exit 78 config).
    explicit BankZone(const std::string& iana_name);

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] std::chrono::seconds offset_at(Instant t) const;
    [[nodiscard]] std::chrono::year_month_day local_day(Instant t) const;
    // 23:59:59 local time on `day` (domain.md §6: due_at is the end of the due day).
    [[nodiscard]] Instant end_of_day(std::chrono::year_month_day day) const;
    [[nodiscard]] std::string format(Instant t) const;

private:
    std::string name_;
};

}  // namespace kunlun
