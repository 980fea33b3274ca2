#include "flows/calendar.h"

#include "flows/command.h"

#include "config/calendar_file.h"
#include "config/data_dir.h"
#include "error.h"
#include "rules/rfc3339.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace kunlun {

std::filesystem::path calendar_directory(const Context& ctx) {
    if (!ctx.settings().calendar_dir.empty()) return ctx.settings().calendar_dir;
    return shipped_data_dir() / "calendars";
}

BusinessCalendar business_calendar(Context& ctx) {
    const std::string& region = ctx.settings().calendar_region;
    auto years = load_calendar_dir(calendar_directory(ctx), region);
    for (const auto& record : ctx.store->calendars(region)) {
        auto year = parse_calendar_file(record.body, fmt::format("store:{}-{}", record.region, record.year));
        std::erase_if(years, [&](const CalendarYear& y) { return y.year == year.year; });
        years.push_back(std::move(year));
    }
    return BusinessCalendar(region, std::move(years));
}

void report_missing_years(const Context& ctx, const BusinessCalendar& calendar) {
    for (int year : calendar.missing_years()) {
        if (ctx.settings().calendar_missing_year == "error") {
            fail(Exit::config, "config",
                 "no {} business calendar for {} and `[calendar] missing_year = \"error\"`: load one with "
                 "`kunlunctl calendar load FILE`", calendar.region(), year);
        }
        ctx.warn(fmt::format(
            "no {} business calendar for {}: counting weekends only (load one with `kunlunctl calendar load FILE`)",
            calendar.region(), year));
    }
}

Instant due_at(Context& ctx, const BusinessCalendar& calendar, Instant submitted) {
    auto day = due_day(calendar, ctx.zone.local_day(submitted));
    report_missing_years(ctx, calendar);
    return ctx.zone.end_of_day(day);
}

nlohmann::json next_business_day(Context& ctx, const std::string& date) {
    auto day = parse_iso_date(date);
    if (!day) fail(Exit::usage, "usage", "'{}' is not a date: use YYYY-MM-DD", date);
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin, Role::operator_, Role::reviewer, Role::auditor}, "calendar next-business-day");
    auto calendar = business_calendar(ctx);
    auto next = calendar.next_business_day(*day);
    report_missing_years(ctx, calendar);
    return {{"date", format_iso_date(*day)},
            {"region", calendar.region()},
            {"business_day", calendar.is_business_day(*day)},
            {"next_business_day", format_iso_date(next)},
            {"due_at", ctx.format_time(ctx.zone.end_of_day(next))}};
}

nlohmann::json load_calendar(Context& ctx, const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(Exit::no_input, "no-input", "cannot read calendar file {}", file.string());
    std::stringstream text;
    text << in.rdbuf();
    auto year = parse_calendar_file(text.str(), file.string());
    with_conflict_retries(ctx, [&] {
        Transaction tx(*ctx.store, Transaction::Kind::write);
        ctx.require_role({Role::admin}, "calendar load");
        ctx.store->put_calendar({year.region, year.year, text.str()});
        ctx.audit("calendar load", "", "ok",
                  {{"region", year.region}, {"year", year.year}, {"off_days", year.off.size()},
                   {"work_days", year.work.size()}, {"source", year.source}});
        tx.commit();
    });
    return {{"region", year.region}, {"year", year.year}, {"off_days", year.off.size()}, {"work_days", year.work.size()}};
}

}  // namespace kunlun
