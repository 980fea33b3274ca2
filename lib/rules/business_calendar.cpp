#include "rules/business_calendar.h"

#include "error.h"

#include <utility>

namespace kunlun {

namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

// No real calendar has a year of consecutive days off; a walk that long means the data or
// the caller is broken, and looping on would hang the batch instead of reporting it.
constexpr int max_walk_days = 366;

void require_valid(year_month_day day) {
    if (!day.ok()) {
        fail(Exit::internal, "internal", "business calendar asked about an invalid date");
    }
}

}  // namespace

BusinessCalendar::BusinessCalendar(std::string region, std::vector<CalendarYear> years)
    : region_(std::move(region)) {
    for (auto& year : years) {
        if (year.region != region_) {
            fail(Exit::config, "config", "calendar for {} {} loaded into the {} calendar",
                 year.region, year.year, region_);
        }
        const int number = year.year;
        if (!years_.emplace(number, std::move(year)).second) {
            fail(Exit::config, "config", "two calendars for {} {}: keep one", region_, number);
        }
    }
}

bool BusinessCalendar::has_year(int year) const { return years_.count(year) != 0; }

bool BusinessCalendar::is_business_day(year_month_day day) const {
    require_valid(day);
    const sys_days d{day};
    const auto found = years_.find(static_cast<int>(day.year()));
    if (found == years_.end()) {
        missing_.insert(static_cast<int>(day.year()));
    } else {
        // The parser refuses a day that is both off and worked, so the order of these two
        // checks does not decide anything; off first is the safer reading if it ever did.
        if (found->second.off.count(d) != 0) return false;
        if (found->second.work.count(d) != 0) return true;
    }
    const std::chrono::weekday wd{d};
    return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
}

year_month_day BusinessCalendar::next_business_day(year_month_day day) const {
    require_valid(day);
    sys_days d{day};
    for (int i = 0; i < max_walk_days; ++i) {
        d += std::chrono::days{1};
        if (is_business_day(year_month_day{d})) return year_month_day{d};
    }
    fail(Exit::internal, "internal", "no business day within {} days in the {} calendar",
         max_walk_days, region_);
}

year_month_day BusinessCalendar::add_business_days(year_month_day day, int n) const {
    if (n < 1) {
        fail(Exit::internal, "internal", "add_business_days needs n >= 1, got {}", n);
    }
    for (int i = 0; i < n; ++i) day = next_business_day(day);
    return day;
}

// T+1 is counted from the calendar date of submission, whatever kind of day it is: a case
// submitted on Saturday is due on Monday (the first business day after Saturday), not on
// Tuesday. Treating a weekend submission as "received Monday" would give customers who
// apply at the weekend a day more than the rule states, and would disagree with expiry,
// which also counts from the submission day.
year_month_day due_day(const BusinessCalendar& calendar, year_month_day submitted_local_day) {
    return calendar.next_business_day(submitted_local_day);
}

// Counted the same way as due_day, so with the default of 5 the due day is business day 1
// and expiry business day 5 of the same sequence.
year_month_day expiry_day(const BusinessCalendar& calendar, year_month_day submitted_local_day,
                          int business_days) {
    return calendar.add_business_days(submitted_local_day, business_days);
}

}  // namespace kunlun
