#include "config/calendar_file.h"

#include "error.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <map>
#include <iterator>
#include <system_error>

namespace kunlun {

namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

// Far enough either way for any real calendar, and keeps a typo such as 20026 out.
constexpr std::int64_t min_year = 1900;
constexpr std::int64_t max_year = 9999;

[[noreturn]] void refuse(const std::string& source_name, const toml::source_region& where,
                         const std::string& what) {
    throw Error(Exit::data, "invalid-calendar",
                fmt::format("{}:{}: {}", source_name, where.begin.line, what));
}

std::string iso(year_month_day day) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                       static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

std::string weekday_name(sys_days day) {
    static constexpr std::array<const char*, 7> names{"Sunday",   "Monday", "Tuesday",
                                                      "Wednesday", "Thursday", "Friday",
                                                      "Saturday"};
    return names[std::chrono::weekday{day}.c_encoding()];
}

bool valid_region(std::string_view region) {
    return !region.empty() &&
           std::all_of(region.begin(), region.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Parsing state for one file: the file's name for messages and the year every date must
// fall in (known once the top-level `year` has been read).
struct Reader {
    const std::string& name;
    int year = 0;

    [[noreturn]] void refuse(const toml::node& at, const std::string& what) const {
        kunlun::refuse(name, at.source(), what);
    }

    // Unknown keys are refused rather than ignored: a misspelt `to` would otherwise turn a
    // nine-day holiday into one day without anyone noticing.
    void only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                   std::string_view where) const {
        for (auto&& [key, value] : table) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
                kunlun::refuse(name, key.source(),
                               fmt::format("unknown key '{}' in {}", key.str(), where));
            }
        }
    }

    const toml::node& required(const toml::table& table, std::string_view key,
                               std::string_view where) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) refuse(table, fmt::format("{} has no '{}'", where, key));
        return *node;
    }

    std::string text(const toml::table& table, std::string_view key, std::string_view where) const {
        const toml::node& node = required(table, key, where);
        const auto* value = node.as_string();
        if (value == nullptr || value->get().empty()) {
            refuse(node, fmt::format("'{}' in {} must be a non-empty string", key, where));
        }
        return value->get();
    }

    sys_days date(const toml::table& table, std::string_view key, std::string_view where) const {
        const toml::node& node = required(table, key, where);
        const auto* value = node.as_date();
        if (value == nullptr) {
            refuse(node, fmt::format("'{}' in {} must be a date such as {}-01-31", key, where, year));
        }
        const toml::date& d = value->get();
        // toml++ has already refused impossible dates such as 2026-02-30.
        const year_month_day ymd{std::chrono::year{d.year}, std::chrono::month{d.month},
                                 std::chrono::day{d.day}};
        if (static_cast<int>(ymd.year()) != year) {
            refuse(node, fmt::format("{} is outside the calendar's year {}", iso(ymd), year));
        }
        return sys_days{ymd};
    }

    // An array of tables such as [[off]]; absent means none.
    const toml::array* tables(const toml::table& root, std::string_view key) const {
        const toml::node* node = root.get(key);
        if (node == nullptr) return nullptr;
        const auto* array = node->as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            refuse(*node, fmt::format("'{}' must be written as [[{}]] tables", key, key));
        }
        return array;
    }
};

}  // namespace

CalendarYear parse_calendar_file(std::string_view toml_text, const std::string& source_name) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        refuse(source_name, e.source(), std::string(e.description()));
    }

    Reader reader{source_name};
    reader.only_keys(root, {"region", "year", "source", "off", "work"}, "the calendar");

    CalendarYear result;
    result.region = reader.text(root, "region", "the calendar");
    if (!valid_region(result.region)) {
        reader.refuse(*root.get("region"),
                      fmt::format("region '{}' must be upper-case letters A-Z, e.g. \"CN\"",
                                  result.region));
    }

    const toml::node& year_node = reader.required(root, "year", "the calendar");
    const auto* year = year_node.as_integer();
    if (year == nullptr || year->get() < min_year || year->get() > max_year) {
        reader.refuse(year_node, fmt::format("'year' must be a whole number from {} to {}",
                                             min_year, max_year));
    }
    result.year = static_cast<int>(year->get());
    reader.year = result.year;

    result.source = reader.text(root, "source", "the calendar");

    // Line of the entry that first listed each off day, so that an overlap or a clash with a
    // make-up day can point at both places.
    std::map<sys_days, std::uint32_t> off_lines;
    if (const auto* periods = reader.tables(root, "off")) {
        for (const toml::node& node : *periods) {
            const toml::table& period = *node.as_table();
            reader.only_keys(period, {"name", "from", "to"}, "[[off]]");
            (void)reader.text(period, "name", "[[off]]");
            const sys_days from = reader.date(period, "from", "[[off]]");
            const sys_days to = period.contains("to") ? reader.date(period, "to", "[[off]]") : from;
            if (to < from) {
                reader.refuse(*period.get("to"),
                              fmt::format("'to' {} is before 'from' {}", iso(year_month_day{to}),
                                          iso(year_month_day{from})));
            }
            for (sys_days d = from; d <= to; d += std::chrono::days{1}) {
                const auto [it, fresh] = off_lines.emplace(d, period.source().begin.line);
                if (!fresh) {
                    reader.refuse(period, fmt::format("{} is already off in the period at line {}",
                                                      iso(year_month_day{d}), it->second));
                }
                result.off.insert(d);
            }
        }
    }

    if (const auto* days = reader.tables(root, "work")) {
        for (const toml::node& node : *days) {
            const toml::table& entry = *node.as_table();
            reader.only_keys(entry, {"name", "date"}, "[[work]]");
            (void)reader.text(entry, "name", "[[work]]");
            const sys_days d = reader.date(entry, "date", "[[work]]");
            const std::chrono::weekday wd{d};
            if (wd != std::chrono::Saturday && wd != std::chrono::Sunday) {
                reader.refuse(*entry.get("date"),
                              fmt::format("{} is a {}: a make-up working day must be a Saturday "
                                          "or Sunday",
                                          iso(year_month_day{d}), weekday_name(d)));
            }
            if (const auto off = off_lines.find(d); off != off_lines.end()) {
                reader.refuse(*entry.get("date"),
                              fmt::format("{} is both a working day and off (line {})",
                                          iso(year_month_day{d}), off->second));
            }
            if (!result.work.insert(d).second) {
                reader.refuse(*entry.get("date"),
                              fmt::format("{} is listed twice as a working day",
                                          iso(year_month_day{d})));
            }
        }
    }
    return result;
}

CalendarYear load_calendar_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        fail(Exit::no_input, "no-input", "calendar file {} not found", path.string());
    }
    std::ifstream in(path, std::ios::binary);
    // Read through iterators rather than `<< rdbuf()`, which flags an empty file as a failure:
    // an empty file should be reported as a calendar with no region, not as unreadable.
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.is_open() || in.bad()) {
        fail(Exit::no_input, "no-input", "cannot read calendar file {}", path.string());
    }
    return parse_calendar_file(text, path.string());
}

std::vector<CalendarYear> load_calendar_dir(const std::filesystem::path& dir,
                                            std::string_view region) {
    if (!valid_region(region)) {
        fail(Exit::config, "config", "calendar region '{}' must be upper-case letters A-Z", region);
    }
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return {};
    if (!std::filesystem::is_directory(dir, ec)) {
        fail(Exit::no_input, "no-input", "calendar directory {} is not a directory", dir.string());
    }

    // Keyed by year so the result is in year order whatever order the directory lists.
    std::map<int, CalendarYear> found;
    const std::string prefix = std::string(region) + "-";
    const std::string_view suffix = ".toml";
    const auto cannot_list = [&dir](const std::error_code& error) {
        fail(Exit::no_input, "no-input", "cannot list calendar directory {}: {}", dir.string(),
             error.message());
    };
    // The error_code forms throughout: a filesystem_error escaping here would bypass the
    // project's one error type.
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) cannot_list(ec);
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const auto& entry = *it;
        const std::string file = entry.path().filename().string();
        // Exactly REGION-YYYY.toml: other regions, backups and notes are not ours.
        if (file.size() != prefix.size() + 4 + suffix.size() || file.rfind(prefix, 0) != 0 ||
            file.compare(prefix.size() + 4, suffix.size(), suffix) != 0) {
            continue;
        }
        const std::string digits = file.substr(prefix.size(), 4);
        if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            continue;
        }
        const int year = std::stoi(digits);
        CalendarYear calendar = load_calendar_file(entry.path());
        if (calendar.region != region || calendar.year != year) {
            fail(Exit::data, "invalid-calendar",
                 "{}: the file says region {} year {}, its name says {} {}; rename or fix it",
                 entry.path().string(), calendar.region, calendar.year, region, year);
        }
        found.emplace(year, std::move(calendar));
    }
    if (ec) cannot_list(ec);  // increment(ec) ends the loop on an error: report it, not a short list

    std::vector<CalendarYear> result;
    result.reserve(found.size());
    for (auto& [year, calendar] : found) result.push_back(std::move(calendar));
    return result;
}

}  // namespace kunlun
