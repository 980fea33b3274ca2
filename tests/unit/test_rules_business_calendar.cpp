// Business-day rules against the published 2025/2026 mainland calendars and the Hong Kong
// 2026 gazette. The data is written out here rather than read from fixtures/ so that these
// tests stay pure; test_config_calendar_file.cpp checks the shipped files say the same.
#include "error.h"
#include "rules/business_calendar.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono;
using kunlun::BusinessCalendar;
using kunlun::CalendarYear;
using kunlun::test::error_of;
using kunlun::test::iso;

namespace {

// Dates are written and compared as ISO strings so that a failure prints something readable.
year_month_day date(const std::string& iso) {
    return year_month_day{year{std::stoi(iso.substr(0, 4))},
                          month{static_cast<unsigned>(std::stoi(iso.substr(5, 2)))},
                          std::chrono::day{static_cast<unsigned>(std::stoi(iso.substr(8, 2)))}};
}

void add_off(CalendarYear& cal, const std::string& from, const std::string& to) {
    for (sys_days d{date(from)}; d <= sys_days{date(to)}; d += days{1}) cal.off.insert(d);
}

CalendarYear cn2025() {
    CalendarYear c{"CN", 2025, "国办发明电〔2024〕12号", {}, {}};
    add_off(c, "2025-01-01", "2025-01-01");
    add_off(c, "2025-01-28", "2025-02-04");
    add_off(c, "2025-04-04", "2025-04-06");
    add_off(c, "2025-05-01", "2025-05-05");
    add_off(c, "2025-05-31", "2025-06-02");
    add_off(c, "2025-10-01", "2025-10-08");
    for (const char* w : {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}) {
        c.work.insert(sys_days{date(w)});
    }
    return c;
}

CalendarYear cn2026() {
    CalendarYear c{"CN", 2026, "国务院办公厅 2025-11-04", {}, {}};
    add_off(c, "2026-01-01", "2026-01-03");
    add_off(c, "2026-02-15", "2026-02-23");
    add_off(c, "2026-04-04", "2026-04-06");
    add_off(c, "2026-05-01", "2026-05-05");
    add_off(c, "2026-06-19", "2026-06-21");
    add_off(c, "2026-09-25", "2026-09-27");
    add_off(c, "2026-10-01", "2026-10-07");
    for (const char* w :
         {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}) {
        c.work.insert(sys_days{date(w)});
    }
    return c;
}

CalendarYear hk2026() {
    CalendarYear c{"HK", 2026, "HKSAR gazette 2026", {}, {}};
    for (const char* d : {"2026-01-01", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-03",
                          "2026-04-04", "2026-04-06", "2026-04-07", "2026-05-01", "2026-05-25",
                          "2026-06-19", "2026-07-01", "2026-09-26", "2026-10-01", "2026-10-19",
                          "2026-12-25", "2026-12-26"}) {
        c.off.insert(sys_days{date(d)});
    }
    return c;
}

BusinessCalendar cn() { return BusinessCalendar("CN", {cn2025(), cn2026()}); }

struct Case {
    const char* from;
    const char* expected;
    const char* why;
};

}  // namespace

TEST_CASE("is_business_day: weekends, holidays and make-up days", "[rules][calendar]") {
    const auto cal = cn();
    const std::vector<std::pair<const char*, bool>> cases{
        {"2026-03-10", true},   // plain Tuesday
        {"2026-03-14", false},  // plain Saturday
        {"2026-03-15", false},  // plain Sunday
        {"2026-01-01", false},  // 元旦, a Thursday
        {"2026-01-04", true},   // 元旦调休, a Sunday that is worked
        {"2026-02-14", true},   // 春节调休, a Saturday that is worked
        {"2026-02-16", false},  // 春节, a Monday
        {"2026-02-23", false},  // last day of 春节
        {"2026-02-24", true},   // first day back
        {"2025-10-08", false},  // 2025 国庆+中秋 runs to the 8th
        {"2025-10-11", true},   // and is made up on a Saturday
    };
    for (const auto& [when, expected] : cases) {
        INFO(when);
        CHECK(cal.is_business_day(date(when)) == expected);
    }
    CHECK(cal.missing_years().empty());
}

TEST_CASE("due_day: the first business day strictly after submission", "[rules][calendar]") {
    const auto cal = cn();
    const std::vector<Case> cases{
        {"2026-03-10", "2026-03-11", "plain weekday: the next day"},
        {"2026-03-13", "2026-03-16", "Friday: Monday"},
        {"2026-03-14", "2026-03-16", "Saturday: Monday, not Tuesday (counted from the date)"},
        {"2026-03-15", "2026-03-16", "Sunday: Monday"},
        {"2026-09-30", "2026-10-08", "before 国庆 (Oct 1-7 off): Thursday Oct 8"},
        {"2026-09-24", "2026-09-28", "before 中秋 (Sep 25-27 off)"},
        {"2026-09-19", "2026-09-20", "Saturday before a worked Sunday"},
        {"2026-02-13", "2026-02-14", "Friday before 春节: the worked Saturday"},
        {"2026-02-14", "2026-02-24", "the worked Saturday: after all of 春节"},
        {"2026-02-16", "2026-02-24", "submitted during 春节"},
        {"2026-10-09", "2026-10-10", "Friday before a worked Saturday"},
        {"2026-10-10", "2026-10-12", "the worked Saturday: Monday"},
        {"2025-12-31", "2026-01-04", "across the year: Jan 1-3 off, Sunday Jan 4 worked"},
        {"2026-01-04", "2026-01-05", "the worked Sunday: Monday"},
        {"2025-01-24", "2025-01-26", "2025: Friday before the worked Sunday"},
        {"2025-09-30", "2025-10-09", "2025: 国庆+中秋 Oct 1-8"},
        {"2025-05-30", "2025-06-03", "2025: 端午 May 31-Jun 2"},
    };
    for (const auto& c : cases) {
        INFO(c.from << " " << c.why);
        CHECK(iso(kunlun::due_day(cal, date(c.from))) == c.expected);
        CHECK(iso(cal.next_business_day(date(c.from))) == c.expected);
    }
}

TEST_CASE("expiry_day: the 5th business day after submission", "[rules][calendar]") {
    const auto cal = cn();
    const std::vector<Case> cases{
        {"2026-03-10", "2026-03-17", "plain: Wed Thu Fri Mon Tue"},
        {"2026-03-14", "2026-03-20", "Saturday: Mon..Fri of the next week"},
        {"2026-02-12", "2026-02-26", "across 春节: Feb 13, 14 (worked Sat), 24, 25, 26"},
        {"2026-02-16", "2026-02-28", "during 春节: Feb 24..27 and the worked Sat 28"},
        {"2025-01-24", "2025-02-07", "2025 春节: Jan 26 (worked Sun), 27, Feb 5, 6, 7"},
        {"2026-09-30", "2026-10-13", "across 国庆: Oct 8, 9, 10 (worked Sat), 12, 13"},
        {"2025-12-29", "2026-01-06", "across the year: Dec 30, 31, Jan 4 (worked Sun), 5, 6"},
    };
    for (const auto& c : cases) {
        INFO(c.from << " " << c.why);
        CHECK(iso(kunlun::expiry_day(cal, date(c.from))) == c.expected);
        CHECK(iso(cal.add_business_days(date(c.from), 5)) == c.expected);
    }
    // The due day is business day 1 of the same count.
    CHECK(kunlun::expiry_day(cal, date("2026-09-30"), 1) == kunlun::due_day(cal, date("2026-09-30")));
    CHECK(iso(kunlun::expiry_day(cal, date("2026-02-12"), 3)) == "2026-02-24");
    CHECK(cal.missing_years().empty());
}

TEST_CASE("Hong Kong 2026: Easter, substitute days, no make-up days", "[rules][calendar]") {
    const BusinessCalendar hk("HK", {hk2026()});
    const std::vector<Case> due{
        {"2026-04-02", "2026-04-08", "Good Friday, Sat, Sun, Ching Ming substitute Mon, Tue"},
        {"2026-02-16", "2026-02-20", "Lunar New Year Feb 17-19"},
        {"2026-05-22", "2026-05-26", "Buddha's Birthday substitute Mon May 25"},
        {"2026-10-16", "2026-10-20", "Chung Yeung substitute Mon Oct 19"},
        {"2026-12-24", "2026-12-28", "Christmas Friday; Boxing Day is a Saturday"},
        {"2026-02-13", "2026-02-16", "no 调休 in Hong Kong: Saturday Feb 14 is off"},
    };
    for (const auto& c : due) {
        INFO(c.from << " " << c.why);
        CHECK(iso(kunlun::due_day(hk, date(c.from))) == c.expected);
    }
    CHECK(iso(kunlun::expiry_day(hk, date("2026-04-02"))) == "2026-04-14");
    CHECK_FALSE(hk.is_business_day(date("2026-04-07")));
    CHECK(hk.is_business_day(date("2026-04-08")));
    CHECK(hk.region() == "HK");
}

TEST_CASE("a year without data falls back to weekends only and is reported",
          "[rules][calendar]") {
    SECTION("crossing from a loaded year into a missing one") {
        const BusinessCalendar cal("CN", {cn2026()});
        CHECK(cal.has_year(2026));
        CHECK_FALSE(cal.has_year(2027));
        CHECK(cal.missing_years().empty());
        CHECK(iso(cal.next_business_day(date("2026-12-30"))) == "2026-12-31");
        CHECK(cal.missing_years().empty());  // only 2026 looked at so far
        // 2027-01-01 is a Friday: a real 元旦, but without 2027 data it counts as worked.
        CHECK(iso(kunlun::due_day(cal, date("2026-12-31"))) == "2027-01-01");
        CHECK(cal.missing_years() == std::set<int>{2027});
        // The submission day itself is not looked at, only the days after it: from Friday
        // 2024-12-27 the walk sees Sat 28 and Sun 29 (2024) and then 2025.
        CHECK(iso(kunlun::expiry_day(cal, date("2024-12-27"))) == "2025-01-03");
        CHECK(cal.missing_years() == std::set<int>{2024, 2025, 2027});
    }
    SECTION("no data at all") {
        const BusinessCalendar cal("CN", {});
        CHECK(iso(cal.next_business_day(date("2026-02-13"))) == "2026-02-16");
        CHECK(iso(cal.next_business_day(date("2026-09-30"))) == "2026-10-01");
        CHECK(cal.missing_years() == std::set<int>{2026});
    }
}

TEST_CASE("BusinessCalendar refuses bad input", "[rules][calendar]") {
    auto e = error_of([] { BusinessCalendar("CN", {cn2026(), hk2026()}); });
    REQUIRE(e);
    CHECK(e->exit() == kunlun::Exit::config);
    CHECK(e->what() == std::string("calendar for HK 2026 loaded into the CN calendar"));

    e = error_of([] { BusinessCalendar("CN", {cn2026(), cn2026()}); });
    REQUIRE(e);
    CHECK(e->exit() == kunlun::Exit::config);

    const auto cal = cn();
    e = error_of([&] { (void)cal.add_business_days(date("2026-03-10"), 0); });
    REQUIRE(e);
    CHECK(e->exit() == kunlun::Exit::internal);

    e = error_of([&] { (void)cal.is_business_day(date("2026-02-30")); });
    REQUIRE(e);
    CHECK(e->exit() == kunlun::Exit::internal);
}
