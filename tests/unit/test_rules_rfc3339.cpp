// RFC 3339 timestamps: what KUNLUNCTL_NOW accepts and refuses, how times print with the
// bank's offset, and ISO dates.
#include "rules/rfc3339.h"

#include "support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono;
using kunlun::Instant;

using kunlun::test::date;
using kunlun::test::utc;

TEST_CASE("parse_rfc3339 accepts every documented form", "[rules][rfc3339]") {
    struct Row {
        const char* text;
        Instant expected;
    };
    const std::vector<Row> rows{
        // zone designators
        {"2026-03-10T08:30:00Z", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T08:30:00z", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T08:30:00+00:00", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T08:30:00-00:00", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T16:30:00+08:00", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T03:00:00-05:30", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T00:00:00+08:00", utc(2026, 3, 9, 16, 0, 0)},   // offset crosses the day back
        {"2026-03-10T23:00:00-05:00", utc(2026, 3, 11, 4, 0, 0)},   // and forward
        {"2026-01-01T07:59:59+08:00", utc(2025, 12, 31, 23, 59, 59)},  // and the year
        {"2026-03-10T08:30:00+23:59", utc(2026, 3, 9, 8, 31, 0)},   // largest offset
        {"2026-03-10T08:30:00-23:59", utc(2026, 3, 11, 8, 29, 0)},
        // separators
        {"2026-03-10t08:30:00Z", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10 08:30:00Z", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10 16:30:00+08:00", utc(2026, 3, 10, 8, 30, 0)},
        // fractions are accepted and dropped (never rounded up)
        {"2026-03-10T08:30:00.5Z", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T08:30:00.999999999Z", utc(2026, 3, 10, 8, 30, 0)},
        {"2026-03-10T08:30:59.999+08:00", utc(2026, 3, 10, 0, 30, 59)},
        {"2026-03-10T08:30:00.000000-05:30", utc(2026, 3, 10, 14, 0, 0)},
        // range ends of every field
        {"2026-03-10T00:00:00Z", utc(2026, 3, 10, 0, 0, 0)},
        {"2026-03-10T23:59:59Z", utc(2026, 3, 10, 23, 59, 59)},
        {"1970-01-01T00:00:00Z", Instant(seconds(0))},
        {"1969-12-31T23:59:59Z", Instant(seconds(-1))},
        {"2026-12-31T23:59:59Z", utc(2026, 12, 31, 23, 59, 59)},
        {"2026-01-31T12:00:00Z", utc(2026, 1, 31, 12, 0, 0)},
        {"2026-04-30T12:00:00Z", utc(2026, 4, 30, 12, 0, 0)},
        // a leap second is clamped to :59 of the same minute
        {"2016-12-31T23:59:60Z", utc(2016, 12, 31, 23, 59, 59)},
        {"2017-01-01T07:59:60+08:00", utc(2016, 12, 31, 23, 59, 59)},
        {"2016-12-31T23:59:60.5Z", utc(2016, 12, 31, 23, 59, 59)},
        // Feb 29 in leap years, including the 400-year rule
        {"2024-02-29T12:00:00Z", utc(2024, 2, 29, 12, 0, 0)},
        {"2000-02-29T12:00:00Z", utc(2000, 2, 29, 12, 0, 0)},
        {"2025-02-28T23:59:59Z", utc(2025, 2, 28, 23, 59, 59)},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        const auto parsed = kunlun::parse_rfc3339(row.text);
        REQUIRE(parsed.has_value());
        CHECK(parsed->time_since_epoch().count() == row.expected.time_since_epoch().count());
    }
}

TEST_CASE("parse_rfc3339 refuses malformed or impossible times", "[rules][rfc3339]") {
    const std::vector<const char*> rows{
        "",
        "2026-03-10",                     // date only
        "2026-03-10T08:30Z",              // no seconds
        "2026-03-10T08:30:00",            // missing offset
        "2026-03-10T08:30:00.5",          // fraction, then no offset
        "2026-03-10T08:30:00 ",           // space where the offset belongs
        "2026-03-10T08:30:00+08",         // offset without minutes
        "2026-03-10T08:30:00+0800",       // offset without colon
        "2026-03-10T08:30:00+8:00",       // one-digit offset hour
        "2026-03-10T08:30:00+24:00",      // offset hour out of range
        "2026-03-10T08:30:00+08:60",      // offset minute out of range
        "2026-03-10T08:30:00UTC",         // zone name
        "2026-03-10T08:30:00GMT+8",
        // trailing junk
        "2026-03-10T08:30:00ZZ",
        "2026-03-10T08:30:00Z ",
        "2026-03-10T08:30:00Zjunk",
        "2026-03-10T08:30:00+08:00 ",
        "2026-03-10T08:30:00+08:00Z",
        "2026-03-10T08:30:00+08:00:00",
        // fractions
        "2026-03-10T08:30:00.Z",          // a point without digits
        "2026-03-10T08:30:00,5Z",         // comma
        "2026-03-10T08:30:00.5.5Z",
        // separators
        "2026-03-10X08:30:00Z",
        "2026-03-10_08:30:00Z",
        "2026-03-1008:30:00Z0",
        "2026/03/10T08:30:00Z",
        "2026-03-10T08-30-00Z",
        "2026-03-10T08.30.00Z",
        // field widths and signs
        "026-03-10T08:30:00Z",
        "+2026-03-10T08:30:00Z",
        "2026-3-10T08:30:00Z",
        "2026-03-1T08:30:00Z ",
        "2026-03-10T8:30:00Z",
        "2026-03-10T08:30:0Z",
        "2026-03-10T08:30:-1Z",
        "20a6-03-10T08:30:00Z",
        "2026-03-10T08:3a:00Z",
        // impossible months, days, hours, minutes, seconds
        "2026-00-10T08:30:00Z",
        "2026-13-10T08:30:00Z",
        "2026-03-00T08:30:00Z",
        "2026-03-32T08:30:00Z",
        "2026-04-31T08:30:00Z",
        "2026-06-31T08:30:00Z",
        "2026-02-30T08:30:00Z",
        "2026-03-10T24:00:00Z",
        "2026-03-10T25:00:00Z",
        "2026-03-10T08:60:00Z",
        "2026-03-10T08:30:61Z",
        "2026-03-10T08:30:99Z",
        // Feb 29 outside leap years, including the 100-year rule
        "2025-02-29T12:00:00Z",
        "2026-02-29T12:00:00Z",
        "1900-02-29T12:00:00Z",
        "2100-02-29T12:00:00Z",
    };
    for (const char* text : rows) {
        INFO('"' << text << '"');
        CHECK_FALSE(kunlun::parse_rfc3339(text).has_value());
    }
}

TEST_CASE("format_rfc3339 prints local wall time and the offset", "[rules][rfc3339]") {
    struct Row {
        Instant t;
        seconds offset;
        bool zulu;
        const char* expected;
    };
    const Instant t = utc(2026, 3, 10, 8, 30, 5);
    const std::vector<Row> rows{
        {t, hours(8), false, "2026-03-10T16:30:05+08:00"},
        {t, hours(8), true, "2026-03-10T16:30:05+08:00"},  // zulu only applies to a zero offset
        {t, -hours(5) - minutes(30), false, "2026-03-10T03:00:05-05:30"},
        {t, -hours(5), true, "2026-03-10T03:30:05-05:00"},
        {t, hours(5) + minutes(45), false, "2026-03-10T14:15:05+05:45"},
        {t, seconds(0), false, "2026-03-10T08:30:05+00:00"},
        {t, seconds(0), true, "2026-03-10T08:30:05Z"},
        {t, -minutes(30), false, "2026-03-10T08:00:05-00:30"},  // negative below one hour
        // local day differs from the UTC day
        {utc(2026, 3, 10, 16, 0, 0), hours(8), false, "2026-03-11T00:00:00+08:00"},
        {utc(2026, 3, 10, 15, 59, 59), hours(8), false, "2026-03-10T23:59:59+08:00"},
        {utc(2026, 1, 1, 2, 0, 0), -hours(5), false, "2025-12-31T21:00:00-05:00"},
        {utc(2024, 2, 28, 20, 0, 0), hours(8), false, "2024-02-29T04:00:00+08:00"},
        // before the epoch
        {Instant(seconds(-1)), seconds(0), true, "1969-12-31T23:59:59Z"},
        {Instant(seconds(0)), hours(8), false, "1970-01-01T08:00:00+08:00"},
    };
    for (const auto& row : rows) {
        INFO(row.expected);
        CHECK(kunlun::format_rfc3339(row.t, row.offset, row.zulu) == row.expected);
    }
}

TEST_CASE("format_rfc3339 output parses back to the same instant", "[rules][rfc3339]") {
    const std::vector<seconds> offsets{hours(8), seconds(0), -hours(5) - minutes(30), hours(14), -hours(12),
                                       hours(5) + minutes(45), -minutes(30)};
    const std::vector<Instant> instants{utc(2026, 3, 10, 8, 30, 5), utc(2024, 2, 29, 23, 59, 59),
                                        utc(2025, 12, 31, 16, 0, 0), Instant(seconds(0)),
                                        utc(1999, 12, 31, 23, 59, 59)};
    for (const auto& t : instants) {
        for (const auto& offset : offsets) {
            for (bool zulu : {false, true}) {
                const auto text = kunlun::format_rfc3339(t, offset, zulu);
                INFO(text);
                const auto back = kunlun::parse_rfc3339(text);
                REQUIRE(back.has_value());
                CHECK(back->time_since_epoch().count() == t.time_since_epoch().count());
            }
        }
    }
}

TEST_CASE("parse_iso_date accepts real dates only", "[rules][rfc3339]") {
    struct Good {
        const char* text;
        year_month_day expected;
    };
    const std::vector<Good> good{
        {"2026-03-10", date(2026, 3, 10)},  {"2026-01-01", date(2026, 1, 1)},
        {"2026-12-31", date(2026, 12, 31)}, {"2024-02-29", date(2024, 2, 29)},
        {"2000-02-29", date(2000, 2, 29)},  {"2025-02-28", date(2025, 2, 28)},
        {"2026-04-30", date(2026, 4, 30)},  {"0001-01-01", date(1, 1, 1)},
        {"9999-12-31", date(9999, 12, 31)},
    };
    for (const auto& row : good) {
        INFO(row.text);
        const auto parsed = kunlun::parse_iso_date(row.text);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == row.expected);
    }
    const std::vector<const char*> bad{
        "",           "2026-3-10",   "2026-03-1",   "2026/03/10",  "20260310",   "2026-03-10 ",
        " 2026-03-10", "2026-03-10T", "2026-00-10",  "2026-13-01",  "2026-03-00", "2026-03-32",
        "2026-04-31", "2026-02-29",  "2025-02-29",  "1900-02-29",  "2100-02-29", "2026-02-30",
        "2026-0a-10", "+026-03-10",  "2026--3-10",  "2026-03--1",  "abcd-ef-gh",
    };
    for (const char* text : bad) {
        INFO('"' << text << '"');
        CHECK_FALSE(kunlun::parse_iso_date(text).has_value());
    }
}

TEST_CASE("format_iso_date pads and round-trips through parse_iso_date", "[rules][rfc3339]") {
    struct Row {
        year_month_day day;
        const char* expected;
    };
    const std::vector<Row> rows{
        {date(2026, 3, 10), "2026-03-10"}, {date(2026, 12, 31), "2026-12-31"}, {date(2024, 2, 29), "2024-02-29"},
        {date(1, 1, 1), "0001-01-01"},     {date(999, 9, 9), "0999-09-09"},    {date(9999, 12, 31), "9999-12-31"},
    };
    for (const auto& row : rows) {
        INFO(row.expected);
        CHECK(kunlun::format_iso_date(row.day) == row.expected);
        const auto back = kunlun::parse_iso_date(kunlun::format_iso_date(row.day));
        REQUIRE(back.has_value());
        CHECK(*back == row.day);
    }
    // Every day of a leap year and of a common year survives the round trip.
    for (int y : {2024, 2026}) {
        for (sys_days d = sys_days(date(y, 1, 1)); d <= sys_days(date(y, 12, 31)); d += days(1)) {
            const year_month_day ymd{d};
            const auto text = kunlun::format_iso_date(ymd);
            INFO(text);
            const auto back = kunlun::parse_iso_date(text);
            REQUIRE(back.has_value());
            CHECK(*back == ymd);
        }
    }
}
