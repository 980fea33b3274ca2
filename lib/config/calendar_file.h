// Holiday calendar files: one TOML file per region and year, REGION-YYYY.toml, e.g.
//
//   region = "CN"
//   year = 2026
//   source = "the notice the dates come from"
//   [[off]]              # a holiday period; `to` (inclusive) is optional for one day
//   name = "春节"
//   from = 2026-02-15
//   to = 2026-02-23
//   [[work]]             # a make-up working day (调休): a Saturday or Sunday that is worked
//   name = "春节调休"
//   date = 2026-02-14
//
// Anything malformed is refused as Error(Exit::data, "invalid-calendar",
// "<file>:<line>: <what is wrong>") rather than half-loaded: a wrong holiday silently moves
// every due date and expiry computed from it.
#pragma once

#include "rules/business_calendar.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

// Parses and validates one calendar file's text; source_name is used in error messages.
[[nodiscard]] CalendarYear parse_calendar_file(std::string_view toml_text,
                                               const std::string& source_name);

// Reads and parses one file; a missing or unreadable file is Error(Exit::no_input, "no-input").
[[nodiscard]] CalendarYear load_calendar_file(const std::filesystem::path& path);

// Every REGION-YYYY.toml in `dir` for `region`, in year order; other files are ignored. A
// missing directory yields an empty list (weekends-only, with the missing-year warning). A
// file whose contents name another region or year than its file name is refused.
[[nodiscard]] std::vector<CalendarYear> load_calendar_dir(const std::filesystem::path& dir,
                                                          std::string_view region);

}  // namespace kunlun
