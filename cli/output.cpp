#include "output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace kunlun::cli {

std::string cell_text(const nlohmann::json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
    if (v.is_array()) {
        std::string out;
        for (const auto& e : v) {
            if (!out.empty()) out += ",";
            out += e.is_object() ? e.dump() : cell_text(e);
        }
        return out.empty() ? "-" : out;
    }
    return v.dump();
}

namespace {

// Display width: CJK characters take two columns, other code points one.
std::size_t display_width(const std::string& s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : 4;
        width += len >= 3 ? 2 : 1;
        i += len;
    }
    return width;
}

std::string pad(const std::string& s, std::size_t width) {
    auto w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

void print_object_lines(const nlohmann::json& value, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& lines) {
    for (const auto& [k, v] : value.items()) {
        std::string key = prefix.empty() ? k : prefix + "." + k;
        if (v.is_object()) {
            print_object_lines(v, key, lines);
        } else if (v.is_array() && !v.empty() && v.front().is_object()) {
            for (std::size_t i = 0; i < v.size(); ++i) print_object_lines(v[i], fmt::format("{}[{}]", key, i), lines);
        } else {
            lines.emplace_back(key, cell_text(v));
        }
    }
}

}  // namespace

void Output::object(const nlohmann::json& value) const {
    if (format == Format::json) {
        std::fputs((value.dump() + "\n").c_str(), stdout);
        return;
    }
    std::vector<std::pair<std::string, std::string>> lines;
    print_object_lines(value, "", lines);
    std::size_t width = 0;
    for (const auto& [k, _] : lines) width = std::max(width, display_width(k));
    for (const auto& [k, v] : lines) {
        std::string key = pad(k, width);
        if (color) key = "\033[1m" + key + "\033[0m";
        fmt::print("{}  {}\n", key, v);
    }
}

void Output::list(const nlohmann::json& rows, const std::vector<std::string>& columns) const {
    if (format == Format::json) {
        std::fputs((rows.dump() + "\n").c_str(), stdout);
        return;
    }
    std::vector<std::size_t> widths;
    for (const auto& c : columns) widths.push_back(display_width(c));
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : rows) {
        std::vector<std::string> line;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            line.push_back(row.contains(columns[i]) ? cell_text(row[columns[i]]) : "-");
            widths[i] = std::max(widths[i], display_width(line.back()));
        }
        cells.push_back(std::move(line));
    }
    auto print_line = [&](const std::vector<std::string>& line, bool header) {
        std::string out;
        for (std::size_t i = 0; i < line.size(); ++i) {
            out += i + 1 == line.size() ? line[i] : pad(line[i], widths[i]) + "  ";
        }
        if (header && color) out = "\033[1m" + out + "\033[0m";
        fmt::print("{}\n", out);
    };
    std::vector<std::string> header;
    for (const auto& c : columns) {
        std::string h = c;
        std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        header.push_back(h);
    }
    print_line(header, true);
    for (const auto& line : cells) print_line(line, false);
}

void Output::message(const std::string& text, const nlohmann::json& value) const {
    if (format == Format::json) {
        std::fputs((value.dump() + "\n").c_str(), stdout);
    } else if (verbosity >= 0) {
        fmt::print("{}\n", text);
    }
}

void Output::warn(const std::string& text) const { fmt::print(stderr, "kunlunctl: warning: {}\n", text); }

void Output::info(const std::string& text) const {
    if (verbosity > 0) fmt::print(stderr, "kunlunctl: {}\n", text);
}

}  // namespace kunlun::cli
