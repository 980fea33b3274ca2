#include "crypto/encoding.h"

#include "error.h"

#include <array>
#include <cstdint>

namespace kunlun {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int not_in_alphabet = -1;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return not_in_alphabet;
}

// Reverse lookup table for an alphabet; `fold_case` maps lower-case letters too (base32).
constexpr std::array<int, 256> reverse_table(std::string_view alphabet, bool fold_case) {
    std::array<int, 256> table{};
    table.fill(not_in_alphabet);
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        const auto c = static_cast<unsigned char>(alphabet[i]);
        table[c] = static_cast<int>(i);
        if (fold_case && c >= 'A' && c <= 'Z') {
            table[c - 'A' + 'a'] = static_cast<int>(i);
        }
    }
    return table;
}

constexpr auto base64_values = reverse_table(base64_alphabet, false);
constexpr auto base32_values = reverse_table(base32_alphabet, true);

// The text without whitespace, so that line-wrapped or grouped input decodes.
std::string without_spaces(std::string_view text) {
    std::string compact;
    compact.reserve(text.size());
    for (char c : text) {
        if (!is_space(c)) compact.push_back(c);
    }
    return compact;
}

// Packs `bits_per_symbol`-bit symbol values into bytes, big-endian, as RFC 4648 defines.
// Returns false when the spare bits after the last full byte are not zero.
bool pack_symbols(std::string_view symbols, const std::array<int, 256>& values,
                  unsigned bits_per_symbol, std::vector<unsigned char>& out) {
    std::uint32_t buffer = 0;
    unsigned bits = 0;
    for (char c : symbols) {
        const int value = values[static_cast<unsigned char>(c)];
        buffer = (buffer << bits_per_symbol) | static_cast<std::uint32_t>(value);
        bits += bits_per_symbol;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<unsigned char>(buffer >> bits));
            buffer &= (1U << bits) - 1;
        }
    }
    return buffer == 0;
}

std::string encode_symbols(std::span<const unsigned char> bytes, std::string_view alphabet,
                           unsigned bits_per_symbol, std::size_t group) {
    std::string out;
    std::uint32_t buffer = 0;
    unsigned bits = 0;
    const std::uint32_t mask = (1U << bits_per_symbol) - 1;
    for (unsigned char b : bytes) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= bits_per_symbol) {
            bits -= bits_per_symbol;
            out.push_back(alphabet[(buffer >> bits) & mask]);
        }
        buffer &= (1U << bits) - 1;
    }
    if (bits > 0) {
        out.push_back(alphabet[(buffer << (bits_per_symbol - bits)) & mask]);
    }
    while (out.size() % group != 0) {
        out.push_back('=');
    }
    return out;
}

}  // namespace

std::string to_hex(std::span<const unsigned char> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out.push_back(hex_digits[b >> 4]);
        out.push_back(hex_digits[b & 0x0f]);
    }
    return out;
}

std::vector<unsigned char> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        fail(Exit::data, "invalid-hex", "not hexadecimal: {} digits, an odd number", hex.size());
    }
    std::vector<unsigned char> out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = hex_value(hex[i]);
        const int low = hex_value(hex[i + 1]);
        if (high == not_in_alphabet || low == not_in_alphabet) {
            fail(Exit::data, "invalid-hex",
                 "not hexadecimal: a character at position {} is not 0-9 or a-f",
                 (high == not_in_alphabet ? i : i + 1) + 1);
        }
        out.push_back(static_cast<unsigned char>(high << 4 | low));
    }
    return out;
}

std::string base64_encode(std::span<const unsigned char> bytes) {
    return encode_symbols(bytes, base64_alphabet, 6, 4);
}

std::vector<unsigned char> base64_decode(std::string_view text) {
    const std::string compact = without_spaces(text);
    if (compact.size() % 4 != 0) {
        fail(Exit::data, "invalid-base64", "not base64: {} characters is not a multiple of 4",
             compact.size());
    }
    std::string_view symbols = compact;
    std::size_t padding = 0;
    while (!symbols.empty() && symbols.back() == '=' && padding < 2) {
        symbols.remove_suffix(1);
        ++padding;
    }
    for (std::size_t i = 0; i < symbols.size(); ++i) {
        if (base64_values[static_cast<unsigned char>(symbols[i])] == not_in_alphabet) {
            fail(Exit::data, "invalid-base64",
                 "not base64: character {} (spaces skipped) is outside the base64 alphabet, or "
                 "padding is misplaced",
                 i + 1);
        }
    }
    std::vector<unsigned char> out;
    out.reserve(symbols.size() * 3 / 4);
    if (!pack_symbols(symbols, base64_values, 6, out)) {
        fail(Exit::data, "invalid-base64",
             "not base64: the last character has bits set past the data");
    }
    return out;
}

std::string base32_encode(std::span<const unsigned char> bytes) {
    return encode_symbols(bytes, base32_alphabet, 5, 8);
}

std::vector<unsigned char> base32_decode(std::string_view text) {
    const std::string compact = without_spaces(text);
    std::string_view symbols = compact;
    std::size_t padding = 0;
    while (!symbols.empty() && symbols.back() == '=') {
        symbols.remove_suffix(1);
        ++padding;
    }
    // A final group of 8 symbols carries 5 bytes; shorter groups of 2, 4, 5 or 7 symbols
    // carry 1 to 4 bytes. Groups of 1, 3 or 6 cannot come out of an encoder.
    const std::size_t tail = symbols.size() % 8;
    const bool tail_possible = tail == 0 || tail == 2 || tail == 4 || tail == 5 || tail == 7;
    const bool padding_fits = padding == 0 || (compact.size() % 8 == 0 && padding < 8);
    if (!tail_possible || !padding_fits) {
        fail(Exit::data, "invalid-base32",
             "not base32: {} characters (spaces and padding skipped) cannot be a base32 value",
             symbols.size());
    }
    for (std::size_t i = 0; i < symbols.size(); ++i) {
        if (base32_values[static_cast<unsigned char>(symbols[i])] == not_in_alphabet) {
            fail(Exit::data, "invalid-base32",
                 "not base32: the character at position {} (spaces skipped) is outside A-Z 2-7",
                 i + 1);
        }
    }
    std::vector<unsigned char> out;
    out.reserve(symbols.size() * 5 / 8);
    // Spare bits are dropped, not refused (unlike base64): seeds are often made by picking
    // random base32 characters rather than by encoding random bytes, and authenticator apps
    // accept them, so a seed a customer's device takes must load here too.
    static_cast<void>(pack_symbols(symbols, base32_values, 5, out));
    return out;
}

}  // namespace kunlun
