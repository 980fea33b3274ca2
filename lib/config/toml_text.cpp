#include "config/toml_text.h"

#include <fmt/format.h>

namespace kunlun {

std::string toml_string(std::string_view value) {
    std::string out = "\"";
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += fmt::format("\\u{:04X}", c);
                } else {
                    out += ch;
                }
        }
    }
    return out + "\"";
}

std::string toml_strings(const std::vector<std::string>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ", ";
        out += toml_string(values[i]);
    }
    return out + "]";
}

}  // namespace kunlun
