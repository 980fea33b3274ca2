// The business calendar in force: the shipped (or configured) calendar files of the bank's
// region, overlaid by years an admin loaded into the store with `calendar load`.
#pragma once

#include "flows/context.h"
#include "rules/business_calendar.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace kunlun {

// Where calendar files are read from: `[calendar] dir`, else the shipped directory
// (share/kunlunctl/calendars beside the binary's prefix, then the install prefix).
std::filesystem::path calendar_directory(const Context& ctx);

BusinessCalendar business_calendar(Context& ctx);

// A year used without calendar data: a warning naming the year and region, or exit 78
// when `[calendar] missing_year = "error"`.
void report_missing_years(const Context& ctx, const BusinessCalendar& calendar);

// End of the next business day after `t` in the bank's zone: a case's due_at (domain.md §6).
Instant due_at(Context& ctx, const BusinessCalendar& calendar, Instant submitted);

nlohmann::json next_business_day(Context& ctx, const std::string& date);
nlohmann::json load_calendar(Context& ctx, const std::filesystem::path& file);

}  // namespace kunlun
