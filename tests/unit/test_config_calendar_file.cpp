// Calendar files: the shipped fixtures parse and say what the notices say; malformed files
// are refused with the file name and the line of the mistake.
#include "config/calendar_file.h"
#include "error.h"
#include "rules/business_calendar.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#ifndef KUNLUN_SOURCE_DIR
#error "KUNLUN_SOURCE_DIR must name the repository root"
#endif

using namespace std::chrono;
namespace fs = std::filesystem;
using kunlun::test::date;
using kunlun::test::error_of;
using kunlun::test::iso;
using kunlun::test::TempDir;

namespace {

const fs::path calendars = fs::path(KUNLUN_SOURCE_DIR) / "fixtures" / "calendars";

long weekdays_in(const std::set<sys_days>& days) {
    return std::count_if(days.begin(), days.end(), [](sys_days d) {
        const weekday wd{d};
        return wd != Saturday && wd != Sunday;
    });
}

}  // namespace

TEST_CASE("the shipped calendars parse and match the notices", "[config][calendar]") {
    struct Expect {
        const char* file;
        const char* region;
        int year;
        std::size_t off;
        long off_weekdays;
        std::size_t work;
    };
    // CN 2025: 1 + 8 + 3 + 5 + 3 + 8 days off (of them Mon-Fri: 1 + 6 + 1 + 3 + 1 + 6),
    //          5 worked weekend days.
    // CN 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7 days off (Mon-Fri: 2 + 6 + 1 + 3 + 1 + 1 + 5),
    //          6 worked weekend days.
    // HK 2026: 17 gazetted days (3 of them Saturdays), no make-up days.
    const std::vector<Expect> expected{
        {"CN-2025.toml", "CN", 2025, 28, 18, 5},
        {"CN-2026.toml", "CN", 2026, 33, 19, 6},
        {"HK-2026.toml", "HK", 2026, 17, 14, 0},
    };
    for (const auto& e : expected) {
        INFO(e.file);
        const auto cal = kunlun::load_calendar_file(calendars / e.file);
        CHECK(cal.region == e.region);
        CHECK(cal.year == e.year);
        CHECK_FALSE(cal.source.empty());
        CHECK(cal.off.size() == e.off);
        CHECK(weekdays_in(cal.off) == e.off_weekdays);
        CHECK(cal.work.size() == e.work);
        CHECK(weekdays_in(cal.work) == 0);
    }
    const auto cn2026 = kunlun::load_calendar_file(calendars / "CN-2026.toml");
    CHECK(cn2026.off.count(sys_days{date(2026, 2, 15)}) == 1);
    CHECK(cn2026.off.count(sys_days{date(2026, 2, 23)}) == 1);
    CHECK(cn2026.work.count(sys_days{date(2026, 1, 4)}) == 1);
}

TEST_CASE("load_calendar_dir picks REGION-YYYY.toml in year order", "[config][calendar]") {
    const auto cn = kunlun::load_calendar_dir(calendars, "CN");
    REQUIRE(cn.size() == 2);
    CHECK(cn[0].year == 2025);
    CHECK(cn[1].year == 2026);
    CHECK(kunlun::load_calendar_dir(calendars, "HK").size() == 1);
    CHECK(kunlun::load_calendar_dir(calendars, "SG").empty());
    CHECK(kunlun::load_calendar_dir(calendars / "no-such-dir", "CN").empty());

    // End to end: the shipped files give the same answers as the rules tests.
    const kunlun::BusinessCalendar cal("CN", cn);
    CHECK(iso(kunlun::due_day(cal, date(2025, 12, 31))) == "2026-01-04");
    CHECK(iso(kunlun::due_day(cal, date(2026, 9, 30))) == "2026-10-08");
    CHECK(iso(kunlun::expiry_day(cal, date(2026, 2, 12))) == "2026-02-26");
    CHECK(cal.missing_years().empty());

    const auto bad_region = error_of([] { (void)kunlun::load_calendar_dir(calendars, "cn"); });
    REQUIRE(bad_region);
    CHECK(bad_region->exit() == kunlun::Exit::config);
}

TEST_CASE("load_calendar_dir refuses a file whose name and contents disagree",
          "[config][calendar]") {
    const TempDir dir("calendar-dir");
    dir.write("CN-2027.toml", "region = \"CN\"\nyear = 2026\nsource = \"x\"\n");
    dir.write("CN-notes.txt", "ignored");
    const auto e = error_of([&] { (void)kunlun::load_calendar_dir(dir.path(), "CN"); });
    REQUIRE(e);
    CHECK(e->slug() == "invalid-calendar");
    CHECK(e->exit() == kunlun::Exit::data);
}

TEST_CASE("a missing calendar file is no-input", "[config][calendar]") {
    const auto e = error_of([] { (void)kunlun::load_calendar_file(calendars / "XX-1999.toml"); });
    REQUIRE(e);
    CHECK(e->exit() == kunlun::Exit::no_input);
    CHECK(e->slug() == "no-input");
}

TEST_CASE("a minimal calendar: single-day off, no work days", "[config][calendar]") {
    const auto cal = kunlun::parse_calendar_file(
        "region = \"XY\"\nyear = 2026\nsource = \"test\"\n[[off]]\nname = \"a\"\nfrom = 2026-03-02\n",
        "ok.toml");
    CHECK(cal.off == std::set<sys_days>{sys_days{date(2026, 3, 2)}});
    CHECK(cal.work.empty());
}

TEST_CASE("bad calendar files are refused with file and line", "[config][calendar]") {
    const std::string head = "region = \"CN\"\nyear = 2026\nsource = \"test\"\n";  // lines 1-3
    struct Bad {
        const char* why;
        std::string text;
        std::string message;
    };
    const std::vector<Bad> cases{
        {"unknown key in [[off]]",
         head + "[[off]]\nname = \"春节\"\nfrom = 2026-02-15\nuntil = 2026-02-23\n",
         "bad.toml:7: unknown key 'until' in [[off]]"},
        {"unknown top-level key",
         head + "regoin = \"HK\"\n",
         "bad.toml:4: unknown key 'regoin' in the calendar"},
        {"a make-up day on a Tuesday",
         head + "[[work]]\nname = \"x\"\ndate = 2026-02-17\n",
         "bad.toml:6: 2026-02-17 is a Tuesday: a make-up working day must be a Saturday or Sunday"},
        {"a date outside the year",
         head + "[[off]]\nname = \"元旦\"\nfrom = 2025-12-31\n",
         "bad.toml:6: 2025-12-31 is outside the calendar's year 2026"},
        {"from after to",
         head + "[[off]]\nname = \"春节\"\nfrom = 2026-02-23\nto = 2026-02-15\n",
         "bad.toml:7: 'to' 2026-02-15 is before 'from' 2026-02-23"},
        {"lower-case region",
         "region = \"cn\"\nyear = 2026\nsource = \"test\"\n",
         "bad.toml:1: region 'cn' must be upper-case letters A-Z, e.g. \"CN\""},
        {"year is not a number",
         "region = \"CN\"\nyear = \"2026\"\nsource = \"test\"\n",
         "bad.toml:2: 'year' must be a whole number from 1900 to 9999"},
        {"no source",
         "region = \"CN\"\nyear = 2026\n",
         "bad.toml:1: the calendar has no 'source'"},
        {"an [[off]] without from",
         head + "\n[[off]]\nname = \"x\"\n",
         "bad.toml:5: [[off]] has no 'from'"},
        {"a date that is not a date",
         head + "[[work]]\nname = \"x\"\ndate = \"2026-02-14\"\n",
         "bad.toml:6: 'date' in [[work]] must be a date such as 2026-01-31"},
        {"off written as a plain table",
         head + "[off]\nname = \"x\"\n",
         "bad.toml:4: 'off' must be written as [[off]] tables"},
        {"a day both off and worked",
         head + "[[off]]\nname = \"a\"\nfrom = 2026-02-14\n[[work]]\nname = \"b\"\ndate = 2026-02-14\n",
         "bad.toml:9: 2026-02-14 is both a working day and off (line 4)"},
        {"overlapping holiday periods",
         head + "[[off]]\nname = \"a\"\nfrom = 2026-02-15\nto = 2026-02-20\n"
                "[[off]]\nname = \"b\"\nfrom = 2026-02-20\n",
         "bad.toml:8: 2026-02-20 is already off in the period at line 4"},
        {"an impossible date (toml++ refuses it)",
         head + "[[off]]\nname = \"a\"\nfrom = 2026-02-30\n",
         "bad.toml:6: Error while parsing date: expected day between 1 and 28 (inclusive), saw 30"},
        {"TOML syntax error",
         head + "[[off]\n",
         "bad.toml:4: "},
    };
    for (const auto& c : cases) {
        INFO(c.why);
        const auto e = error_of([&] { (void)kunlun::parse_calendar_file(c.text, "bad.toml"); });
        REQUIRE(e);
        CHECK(e->slug() == "invalid-calendar");
        CHECK(e->exit() == kunlun::Exit::data);
        if (c.message.back() == ' ') {
            // The syntax error's wording is toml++'s; only the location prefix is ours.
            CHECK_THAT(e->what(), Catch::StartsWith(c.message));
        } else {
            CHECK(e->what() == c.message);
        }
    }
}
