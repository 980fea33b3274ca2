// Printing results: `-o json` prints exactly one JSON value on stdout; `-o table` prints
// aligned columns (lists) or "key  value" lines (one object). Colour only on a terminal and
// never with NO_COLOR.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kunlun::cli {

enum class Format { table, json };

struct Output {
    Format format = Format::table;
    int verbosity = 0;  // -q: -1, -v: 1
    bool color = false;

    // One result object, or a list of rows printed with the given columns (table mode).
    void object(const nlohmann::json& value) const;
    void list(const nlohmann::json& rows, const std::vector<std::string>& columns) const;
    // A line of human text: printed in table mode unless -q; JSON mode prints `value` instead.
    void message(const std::string& text, const nlohmann::json& value) const;
    // Diagnostics on stderr (warnings always, info only with -v).
    void warn(const std::string& text) const;
    void info(const std::string& text) const;
};

std::string cell_text(const nlohmann::json& value);

}  // namespace kunlun::cli
