// The bank's time zone: UTC offset, local days around midnight, end of a due day, and the
// refusal of zones the system does not know. BankZone sets the process's TZ, so every test
// here leaves the process in Asia/Shanghai, the zone the rest of the suite runs in.
#include "config/bank_zone.h"

#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono;
using kunlun::BankZone;
using kunlun::Exit;
using kunlun::Instant;
using kunlun::test::date;
using kunlun::test::error_of;
using kunlun::test::utc;

namespace {

// Puts the process back in Asia/Shanghai when a test ends, however it ends.
struct RestoreShanghai {
    RestoreShanghai() = default;
    RestoreShanghai(const RestoreShanghai&) = delete;
    RestoreShanghai& operator=(const RestoreShanghai&) = delete;
    ~RestoreShanghai() { BankZone restored("Asia/Shanghai"); }
};

}  // namespace

TEST_CASE("Asia/Shanghai is UTC+8 all year", "[config][zone]") {
    RestoreShanghai restore;
    const BankZone zone("Asia/Shanghai");
    CHECK(zone.name() == "Asia/Shanghai");
    for (const auto t : {utc(2026, 1, 15, 12), utc(2026, 7, 15, 12), utc(2025, 12, 31, 16), utc(2024, 2, 29, 0),
                         utc(2026, 3, 8, 10), utc(2026, 11, 1, 10), Instant(seconds(0))}) {
        INFO(t.time_since_epoch().count());
        CHECK(zone.offset_at(t) == hours(8));
        CHECK(zone.offset_at(t).count() == 28800);
    }
    CHECK(zone.format(utc(2026, 3, 10, 8, 30, 5)) == "2026-03-10T16:30:05+08:00");
    CHECK(zone.format(utc(2026, 3, 10, 16, 0, 0)) == "2026-03-11T00:00:00+08:00");
}

TEST_CASE("local_day turns over at 16:00Z in Asia/Shanghai", "[config][zone]") {
    RestoreShanghai restore;
    const BankZone zone("Asia/Shanghai");
    struct Row {
        Instant t;
        year_month_day expected;
    };
    const std::vector<Row> rows{
        {utc(2026, 3, 10, 15, 59, 59), date(2026, 3, 10)},
        {utc(2026, 3, 10, 16, 0, 0), date(2026, 3, 11)},
        {utc(2026, 3, 10, 0, 0, 0), date(2026, 3, 10)},
        {utc(2026, 3, 9, 23, 59, 59), date(2026, 3, 10)},  // already the 10th in Shanghai
        {utc(2025, 12, 31, 15, 59, 59), date(2025, 12, 31)},
        {utc(2025, 12, 31, 16, 0, 0), date(2026, 1, 1)},   // the year turns 8 h before UTC's
        {utc(2024, 2, 28, 16, 0, 0), date(2024, 2, 29)},
        {utc(2024, 2, 29, 16, 0, 0), date(2024, 3, 1)},
        {utc(2026, 2, 28, 16, 0, 0), date(2026, 3, 1)},
    };
    for (const auto& row : rows) {
        INFO(zone.format(row.t));
        CHECK(zone.local_day(row.t) == row.expected);
    }
}

TEST_CASE("end_of_day is 23:59:59 local, 15:59:59Z in Asia/Shanghai", "[config][zone]") {
    RestoreShanghai restore;
    const BankZone zone("Asia/Shanghai");
    struct Row {
        year_month_day day;
        Instant expected;
    };
    const std::vector<Row> rows{
        {date(2026, 3, 10), utc(2026, 3, 10, 15, 59, 59)},
        {date(2026, 1, 1), utc(2026, 1, 1, 15, 59, 59)},
        {date(2025, 12, 31), utc(2025, 12, 31, 15, 59, 59)},
        {date(2024, 2, 29), utc(2024, 2, 29, 15, 59, 59)},
        {date(2026, 7, 1), utc(2026, 7, 1, 15, 59, 59)},
    };
    for (const auto& row : rows) {
        const auto end = zone.end_of_day(row.day);
        INFO(zone.format(end));
        CHECK(end == row.expected);
        CHECK(zone.format(end).substr(10) == "T23:59:59+08:00");
        CHECK(zone.local_day(end) == row.day);
        CHECK(zone.local_day(end + seconds(1)) == year_month_day{sys_days(row.day) + days(1)});
    }
}

TEST_CASE("a zone with daylight saving time follows it", "[config][zone]") {
    RestoreShanghai restore;
    const BankZone zone("America/New_York");
    CHECK(zone.offset_at(utc(2026, 1, 15, 12)) == -hours(5));
    CHECK(zone.offset_at(utc(2026, 7, 15, 12)) == -hours(4));
    // 2026-03-08 07:00Z is 02:00 EST -> 03:00 EDT
    CHECK(zone.offset_at(utc(2026, 3, 8, 6, 59, 59)) == -hours(5));
    CHECK(zone.offset_at(utc(2026, 3, 8, 7, 0, 0)) == -hours(4));
    CHECK(zone.end_of_day(date(2026, 1, 15)) == utc(2026, 1, 16, 4, 59, 59));
    CHECK(zone.end_of_day(date(2026, 7, 15)) == utc(2026, 7, 16, 3, 59, 59));
    CHECK(zone.local_day(utc(2026, 7, 16, 3, 59, 59)) == date(2026, 7, 15));
    CHECK(zone.local_day(utc(2026, 7, 16, 4, 0, 0)) == date(2026, 7, 16));
    CHECK(zone.format(utc(2026, 1, 15, 12)) == "2026-01-15T07:00:00-05:00");

    const BankZone utc_zone("UTC");
    CHECK(utc_zone.offset_at(utc(2026, 7, 15, 12)) == seconds(0));
    CHECK(utc_zone.end_of_day(date(2026, 3, 10)) == utc(2026, 3, 10, 23, 59, 59));
    CHECK(utc_zone.format(utc(2026, 3, 10, 8)) == "2026-03-10T08:00:00+00:00");
}

TEST_CASE("a zone the system does not know is exit 78", "[config][zone]") {
    RestoreShanghai restore;
    const BankZone shanghai("Asia/Shanghai");
    const std::vector<std::string> bad{
        "",
        "Asia/Beijing",                // not an IANA zone
        "asia/shanghai",               // zone names are case-sensitive
        "Asia",                        // a directory of zones
        "Asia/",
        "Mars/Olympus_Mons",
        "../zoneinfo/Asia/Shanghai",   // no climbing out of the zone database
        "Asia/../Asia/Shanghai",
        "/etc/passwd",                 // an absolute path is not a zone name
        "zone.tab",                    // database files that are not zones
        "tzdata.zi",
        "iso3166.tab",
    };
    for (const auto& name : bad) {
        INFO('"' << name << '"');
        const auto error = error_of([&] { BankZone zone(name); });
        CHECK(error.has_value());
        if (!error) {
            BankZone again("Asia/Shanghai");  // it was taken: undo, and try the next name
            continue;
        }
        CHECK(error->exit() == Exit::config);
        CHECK(static_cast<int>(error->exit()) == 78);
        CHECK(error->slug() == "config");
        CHECK_THAT(error->what(), Catch::Contains("bank.timezone"));
        CHECK_THAT(error->what(), Catch::Contains("'" + name + "'"));
        // A refused zone leaves the process's zone alone.
        CHECK(shanghai.offset_at(utc(2026, 7, 15, 12)) == hours(8));
    }
}
