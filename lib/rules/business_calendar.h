// Business days (domain.md §6): weekends and configured public holidays are off, configured
// make-up working days (调休) are on. Pure logic: calendars arrive as data, dates as
// arguments; reading files is config/calendar_file.h's job.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kunlun {

// One region's published calendar for one year, as read from a REGION-YYYY.toml file.
struct CalendarYear {
    std::string region;
    int year = 0;
    std::string source;                     // the notice the dates come from
    std::set<std::chrono::sys_days> off;    // holiday days, weekdays or weekends
    std::set<std::chrono::sys_days> work;   // Saturdays/Sundays that are worked (调休)
};

class BusinessCalendar {
public:
    // Every year must belong to `region` and appear once; otherwise Error(Exit::config).
    BusinessCalendar(std::string region, std::vector<CalendarYear> years);

    [[nodiscard]] const std::string& region() const noexcept { return region_; }

    // Off days are off; make-up days are on; otherwise Monday-Friday is on.
    [[nodiscard]] bool is_business_day(std::chrono::year_month_day day) const;

    // The first business day strictly after `day`.
    [[nodiscard]] std::chrono::year_month_day next_business_day(std::chrono::year_month_day day) const;

    // The n-th business day strictly after `day` (n >= 1; n == 1 is next_business_day).
    [[nodiscard]] std::chrono::year_month_day add_business_days(std::chrono::year_month_day day,
                                                                int n) const;

    [[nodiscard]] bool has_year(int year) const;

    // Years that a query looked at but that have no calendar loaded: there the weekends-only
    // fallback applied, and the caller must warn (naming year and region) or, by config,
    // refuse. Accumulates over the object's life; not safe to query from several threads.
    [[nodiscard]] std::set<int> missing_years() const { return missing_; }

private:
    std::string region_;
    std::map<int, CalendarYear> years_;
    mutable std::set<int> missing_;
};

// Due day of a review case: the first business day strictly after the submission day, in the
// bank's time zone (the caller turns local time into a local day; due_at is 23:59:59 of it).
[[nodiscard]] std::chrono::year_month_day due_day(const BusinessCalendar& calendar,
                                                  std::chrono::year_month_day submitted_local_day);

// The day at whose end a still-pending case expires: the n-th business day after the
// submission day, the submission day itself not counting.
[[nodiscard]] std::chrono::year_month_day expiry_day(const BusinessCalendar& calendar,
                                                     std::chrono::year_month_day submitted_local_day,
                                                     int business_days = 5);

}  // namespace kunlun
