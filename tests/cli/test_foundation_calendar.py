"""calendar next-business-day and calendar load: holidays, make-up days (调休), missing years."""
import kltest
from kltest import expect, expect_eq, expect_error, expect_in, expect_not_in

CN_2031 = '''region = "CN"
year = 2031
source = "a test calendar for 2031"

[[off]]
name = "端午节"
from = 2031-06-09
to = 2031-06-10

[[work]]
name = "调休"
date = 2031-06-14
'''


def next_day(k, date, **kw):
    r = k.ok("calendar", "next-business-day", date, json=True, **kw)
    return r


def test_next_business_day_over_holidays(k):
    k.init()
    cases = [
        ("2026-09-30", "2026-10-08"),  # 国庆节 2026-10-01..07
        ("2026-02-13", "2026-02-14"),  # the make-up Saturday before 春节
        ("2026-02-14", "2026-02-24"),  # 春节 2026-02-15..23
        ("2025-12-31", "2026-01-04"),  # 元旦 2026-01-01..03, then the make-up Sunday
        ("2026-03-06", "2026-03-09"),  # an ordinary Friday
        ("2026-09-19", "2026-09-20"),  # a Saturday before a make-up Sunday
    ]
    for date, expected in cases:
        r = next_day(k, date)
        expect_eq(r.json["next_business_day"], expected, f"next business day after {date}", r)
        expect_eq(r.json["date"], date, "date", r)
        expect_not_in("warning", r.err, "no warning for years with a calendar", r)
    r = next_day(k, "2026-09-30")
    expect_eq(r.json["due_at"], "2026-10-08T23:59:59+08:00", "due_at is the end of the day in the bank's zone", r)
    r = k.ok("calendar", "next-business-day", "2026-09-30")
    expect_in("2026-10-08", r.out, "table output", r)


def test_business_day_flag(k):
    k.init()
    expect_eq(next_day(k, "2026-02-14").json["business_day"], True, "a make-up Saturday is a business day")
    expect_eq(next_day(k, "2026-10-01").json["business_day"], False, "National Day is off")
    expect_eq(next_day(k, "2026-03-07").json["business_day"], False, "an ordinary Saturday is off")


def test_missing_year_warns(k):
    k.init()
    r = next_day(k, "2031-06-06")
    expect_eq(r.json["next_business_day"], "2031-06-09", "weekends only for a year without a calendar", r)
    expect_in("warning", r.err, "a warning on stderr", r)
    expect_in("2031", r.err, "the warning names the year", r)
    expect_not_in("kunlunctl: error", r.err, "only a warning", r)


def test_missing_year_can_be_an_error(k):
    k.write_config('[calendar]\nmissing_year = "error"\n')
    k.init()
    expect_error(k.run("calendar", "next-business-day", "2031-06-06"), 78, "config", "2031")
    expect_error(k.run("calendar", "next-business-day", "2031-06-06", json=True), 78, "config", "2031")
    next_day(k, "2026-09-30")  # years with a calendar still work


def test_calendar_load_makes_the_warning_go_away(k):
    k.init()
    path = k.write("CN-2031.toml", CN_2031)
    r = k.ok("calendar", "load", path, json=True)
    expect_eq((r.json["region"], r.json["year"], r.json["off_days"], r.json["work_days"]), ("CN", 2031, 2, 1),
              "calendar load summary", r)
    r = next_day(k, "2031-06-06")
    expect_eq(r.json["next_business_day"], "2031-06-11", "the loaded holidays count", r)
    expect_not_in("warning", r.err, "no warning once the year is loaded", r)
    r = next_day(k, "2031-06-13")
    expect_eq(r.json["next_business_day"], "2031-06-14", "the loaded make-up day counts", r)
    last = k.ok("audit", "list", json=True).json[-1]
    expect_eq((last["command"], last["details"]["year"]), ("calendar load", 2031), "calendar load is audited")
    k.write_config('[calendar]\nmissing_year = "error"\n')
    next_day(k, "2031-06-06")


def test_calendar_load_replaces_a_year(k):
    k.init()
    k.ok("calendar", "load", k.write("CN-2031.toml", CN_2031))
    k.ok("calendar", "load", k.write("CN-2031b.toml", CN_2031.replace("to = 2031-06-10", "to = 2031-06-09")))
    expect_eq(next_day(k, "2031-06-06").json["next_business_day"], "2031-06-10", "the newer load wins")


def test_calendar_load_errors(k):
    k.init()
    before = k.audit_count()
    missing = k.path("CN-2032.toml")
    expect_error(k.run("calendar", "load", missing), 66, "no-input", missing)
    bad = k.write("bad.toml", CN_2031.replace("date = 2031-06-14", "date = 2031-06-12"))  # a Thursday
    expect_error(k.run("calendar", "load", bad), 65, "invalid-calendar", f"{bad}:12")
    bad = k.write("bad2.toml", CN_2031.replace("from = 2031-06-09", "from = 2030-06-09"))
    expect_error(k.run("calendar", "load", bad, json=True), 65, "invalid-calendar")
    bad = k.write("bad3.toml", CN_2031 + "\nholiday = true\n")
    expect_error(k.run("calendar", "load", bad), 65, "invalid-calendar", "holiday")
    expect_eq(k.audit_count(), before, "refused loads are not audited")
    r = next_day(k, "2031-06-06")
    expect_in("2031", r.err, "still no 2031 calendar", r)


def test_bad_dates(k):
    k.init()
    for bad in ("2026-02-30", "tomorrow", "2026/03/02", "20260302", "2026-13-01", ""):
        expect_error(k.run("calendar", "next-business-day", bad), 64, "usage")
    expect_error(k.run("calendar", "next-business-day", "2026-02-30", json=True), 64, "usage", "2026-02-30")
    expect_error(k.run("calendar", "next-business-day"), 64, "usage")


def test_calendar_needs_a_store(k):
    expect_error(k.run("calendar", "next-business-day", "2026-09-30"), 69, "store-unavailable")


if __name__ == "__main__":
    kltest.main(globals())
