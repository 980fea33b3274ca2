#include "rules/identity.h"

#include "error.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace kunlun {
namespace {

// Refusals: one stable slug per kind of input, for scripts to match.
template <typename... Args>
[[noreturn]] void bad_id(fmt::format_string<Args...> format, Args&&... args) {
    fail(Exit::data, "invalid-id-number", format, std::forward<Args>(args)...);
}

template <typename... Args>
[[noreturn]] void bad_account(fmt::format_string<Args...> format, Args&&... args) {
    fail(Exit::data, "invalid-account", format, std::forward<Args>(args)...);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool all_digits(std::string_view s) {
    for (char c : s) {
        if (!is_digit(c)) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// A character for a message: quoted if printable ASCII; a UTF-8 byte or a control character
// is described instead, so the message stays valid text.
std::string describe(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return "a non-ASCII character";
    if (u < 0x20 || u == 0x7f) return "a control character";
    if (c == ' ') return "a space";
    return fmt::format("'{}'", c);
}

// ---- PRC resident ID, GB 11643-1999 -------------------------------------------------------

// ISO 7064 MOD 11-2 as GB 11643-1999 applies it: weight of position i (1-based, from the
// left, 17 digits) is 2^(18-i) mod 11; the remainder of the weighted sum mod 11 indexes the
// check character table, where 'X' stands for the value 10.
constexpr std::array<int, 17> kResidentWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kResidentCheckChars = "10X98765432";

char resident_check(std::string_view first17) {
    int sum = 0;
    for (std::size_t i = 0; i < kResidentWeights.size(); ++i) sum += (first17[i] - '0') * kResidentWeights[i];
    return kResidentCheckChars[static_cast<std::size_t>(sum % 11)];
}

int parse_int(std::string_view digits) {
    int value = 0;
    for (char c : digits) value = value * 10 + (c - '0');
    return value;
}

std::chrono::year_month_day resident_birth(std::string_view id18) {
    using namespace std::chrono;
    return year_month_day{year{parse_int(id18.substr(6, 4))},
                          month{static_cast<unsigned>(parse_int(id18.substr(10, 2)))},
                          day{static_cast<unsigned>(parse_int(id18.substr(12, 2)))}};
}

std::string normalize_resident_id(std::string_view raw, std::chrono::year_month_day today) {
    const std::string_view id = trim(raw);
    if (id.size() != 18) {
        bad_id("a resident ID has 18 characters, this one has {}", id.size());
    }
    for (std::size_t i = 0; i < 17; ++i) {
        if (!is_digit(id[i])) {
            bad_id("resident ID character {} is {}; the first 17 characters must be digits", i + 1,
                   describe(id[i]));
        }
    }
    const char check = to_upper(id[17]);
    if (!is_digit(check) && check != 'X') {
        bad_id("the last character of a resident ID must be a digit or X, this one is {}", describe(id[17]));
    }
    std::string canonical(id.substr(0, 17));
    canonical += check;
    // The check character guards every other digit, so a mismatch is reported before the date:
    // a typo anywhere shows up here. Which character was expected is not said, so the message
    // cannot be used to complete a guessed number.
    if (resident_check(canonical) != check) {
        bad_id(
            "the resident ID check character (the 18th) does not match the first 17 digits "
            "(GB 11643-1999); a digit is wrong or two are swapped");
    }
    const auto born = resident_birth(canonical);
    if (!born.month().ok()) {
        bad_id(
            "the birth date in resident ID characters 7-14 (YYYYMMDD) is not a real date: "
            "the month must be 01-12");
    }
    if (!born.ok()) {
        bad_id(
            "the birth date in resident ID characters 7-14 (YYYYMMDD) is not a real date: "
            "that day does not exist in that month");
    }
    if (born < kEarliestBirthDate) {
        bad_id("the birth date in resident ID characters 7-14 (YYYYMMDD) is before {}-01-01",
               static_cast<int>(kEarliestBirthDate.year()));
    }
    if (born > today) {
        bad_id("the birth date in resident ID characters 7-14 (YYYYMMDD) is in the future");
    }
    return canonical;
}

// ---- Hong Kong identity card ----------------------------------------------------------------

// The HKID check digit: the prefix letters are worth A=10 ... Z=35 and the digits their value;
// a single-letter HKID is read as having a leading space worth 36, so there are always
// 8 values, weighted 9, 8, ..., 2. The check digit makes the total, with the check weighted 1,
// a multiple of 11; a check value of 10 is written 'A'.
// `body` is 1-2 upper-case letters followed by 6 digits, already validated.
char hkid_check(std::string_view body) {
    int sum = body.size() == 7 ? 36 * 9 : 0;
    int weight = body.size() == 7 ? 8 : 9;
    for (char c : body) {
        const int value = is_upper(c) ? c - 'A' + 10 : c - '0';
        sum += value * weight--;
    }
    const int check = (11 - sum % 11) % 11;
    return check == 10 ? 'A' : static_cast<char>('0' + check);
}

// Checks the letters-and-digits part (7 or 8 characters, upper case) and reports the first
// character out of place. Positions are 1-based in the number as written.
void check_hkid_body(std::string_view body) {
    const std::size_t letters = body.size() - 6;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (i < letters ? is_upper(body[i]) : is_digit(body[i])) continue;
        bad_id("HKID character {} is {}; {} characters are {} letter{}, 6 digits and a check digit", i + 1,
               describe(body[i]), body.size() + 1, letters, letters == 1 ? "" : "s");
    }
}

std::string normalize_hkid(std::string_view raw) {
    std::string s;
    for (char c : trim(raw)) s += to_upper(c);
    // Brackets, when used, enclose the check digit alone: A123456(3).
    if (s.find_first_of("()") != std::string::npos) {
        const std::size_t n = s.size();
        if (n < 3 || s[n - 3] != '(' || s[n - 1] != ')' || s.find_first_of("()") != n - 3 ||
            s.find_first_of("()", n - 2) != n - 1) {
            bad_id("HKID brackets must enclose only the final check digit, as in A123456(3)");
        }
        s.erase(n - 1, 1);
        s.erase(n - 3, 1);
    }
    if (s.size() != 8 && s.size() != 9) {
        bad_id(
            "an HKID is 1-2 letters, 6 digits and a check digit (8 or 9 characters without brackets), "
            "this one has {}",
            s.size());
    }
    check_hkid_body(std::string_view(s).substr(0, s.size() - 1));
    const char check = s.back();
    if (!is_digit(check) && check != 'A') {
        bad_id("the HKID check digit must be 0-9 or A, this one is {}", describe(check));
    }
    if (hkid_check(std::string_view(s).substr(0, s.size() - 1)) != check) {
        bad_id(
            "the HKID check digit does not match the letters and digits before it; "
            "a character is wrong or two are swapped");
    }
    return s;
}

// ---- Passport ------------------------------------------------------------------------------

std::string normalize_passport(std::string_view raw) {
    const std::string_view p = trim(raw);
    std::string out;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (!is_digit(c) && !is_upper(c) && !is_lower(c)) {
            bad_id("passport number character {} is {}; only letters A-Z and digits are allowed", i + 1,
                   describe(c));
        }
        out += to_upper(c);
    }
    if (out.size() < 5 || out.size() > 20) {
        bad_id("a passport number has 5-20 letters or digits, this one has {}", out.size());
    }
    return out;
}

// ---- Phones --------------------------------------------------------------------------------

// Mainland China mobile numbers are 11 digits, 1 then 3-9 (MIIT numbering plan); 10-12 are
// not allocated to mobile networks.
bool is_mainland_mobile(std::string_view national) {
    return national.size() == 11 && all_digits(national) && national[0] == '1' && national[1] >= '3';
}

// Hong Kong numbers are 8 digits. Those starting 2 and 3 are fixed lines and cannot receive
// the bank's SMS; domain.md §1 accepts 4-9.
bool is_hk_number(std::string_view national) {
    return national.size() == 8 && all_digits(national) && national[0] >= '4';
}

[[noreturn]] void bad_phone(std::string_view reason) {
    fail(Exit::data, "invalid-phone",
         "{}; accepted: a mainland mobile number, 11 digits starting 13-19, alone or after +86 or 86; "
         "a Hong Kong number, 8 digits starting 4-9, alone or after +852 or 852 (spaces and hyphens "
         "are ignored)",
         reason);
}

}  // namespace

std::string_view to_string(IdType type) {
    switch (type) {
        case IdType::resident_id: return "resident-id";
        case IdType::hkid: return "hkid";
        case IdType::passport: return "passport";
    }
    return "unknown";
}

std::optional<IdType> parse_id_type(std::string_view text) {
    for (IdType t : {IdType::resident_id, IdType::hkid, IdType::passport}) {
        if (to_string(t) == text) return t;
    }
    return std::nullopt;
}

std::string normalize_id_number(IdType type, std::string_view raw, std::chrono::year_month_day today) {
    switch (type) {
        case IdType::resident_id: return normalize_resident_id(raw, today);
        case IdType::hkid: return normalize_hkid(raw);
        case IdType::passport: return normalize_passport(raw);
    }
    fail(Exit::internal, "bad-id-type", "unknown identity document type {}", static_cast<int>(type));
}

std::optional<std::chrono::year_month_day> birth_date(IdType type, std::string_view canonical) {
    if (type != IdType::resident_id || canonical.size() != 18 || !all_digits(canonical.substr(0, 17))) {
        return std::nullopt;
    }
    const auto born = resident_birth(canonical);
    if (!born.ok()) return std::nullopt;
    return born;
}

char resident_id_check_char(std::string_view first17) {
    if (first17.size() != 17 || !all_digits(first17)) {
        bad_id("a resident ID check character is computed over exactly 17 digits");
    }
    return resident_check(first17);
}

char hkid_check_char(std::string_view letters_and_digits_without_check) {
    std::string body;
    for (char c : letters_and_digits_without_check) body += to_upper(c);
    if (body.size() != 7 && body.size() != 8) {
        bad_id("an HKID check digit is computed over 1-2 letters and 6 digits, got {} characters",
               body.size());
    }
    check_hkid_body(body);
    return hkid_check(body);
}

std::string normalize_phone(std::string_view raw) {
    std::string digits;
    bool plus = false;
    for (char c : trim(raw)) {
        if (c == ' ' || c == '-') continue;
        if (c == '+') {
            if (plus || !digits.empty()) bad_phone("a '+' may only begin the number");
            plus = true;
            continue;
        }
        if (!is_digit(c)) bad_phone(fmt::format("the phone number contains {}", describe(c)));
        digits += c;
    }
    if (digits.empty()) bad_phone("the phone number is empty");

    const std::string_view d = digits;
    if (plus) {
        if (d.starts_with("86")) {
            if (!is_mainland_mobile(d.substr(2)))
                bad_phone("+86 must be followed by 11 digits starting 13-19");
            return "+" + digits;
        }
        if (d.starts_with("852")) {
            if (!is_hk_number(d.substr(3))) bad_phone("+852 must be followed by 8 digits starting 4-9");
            return "+" + digits;
        }
        bad_phone("only +86 (mainland China) and +852 (Hong Kong) numbers are accepted");
    }
    // Without '+' the length tells the forms apart: 13 digits "86..." and 11 digits "852..."
    // are prefixed; 11 digits starting 1 are mainland; 8 digits are Hong Kong.
    if (d.size() == 13 && d.starts_with("86") && is_mainland_mobile(d.substr(2))) return "+" + digits;
    if (d.size() == 11 && d.starts_with("852") && is_hk_number(d.substr(3))) return "+" + digits;
    if (is_mainland_mobile(d)) return "+86" + digits;
    if (is_hk_number(d)) return "+852" + digits;
    if (d.size() == 11 && d[0] == '1') bad_phone("a mainland mobile number starts 13-19");
    if (d.size() == 8) bad_phone("a Hong Kong number starts 4-9");
    bad_phone(fmt::format("{} digits is not one of the accepted forms", d.size()));
}

// Mainland numbers accepted by normalize_phone are all mobile. In the Hong Kong numbering
// plan 5, 6 and 9 are mobile blocks, 4, 7 and 8 are partly mobile and partly paging,
// M2M or service blocks; fixed lines are 2 and 3, which normalize_phone refuses. The bank
// learns whether a number receives SMS from the carrier check, not from the prefix, so
// every Hong Kong number starting 4-9 counts as mobile here, as domain.md §1 accepts them.
bool is_mobile_phone(std::string_view e164) {
    if (e164.starts_with("+86")) return is_mainland_mobile(e164.substr(3));
    if (e164.starts_with("+852")) return is_hk_number(e164.substr(4));
    return false;
}

bool luhn_valid(std::string_view digits) {
    if (digits.empty() || !all_digits(digits)) return false;
    // From the right, every second digit is doubled and a two-digit product counts as the sum
    // of its digits (ISO/IEC 7812-1 Annex B); the total must be a multiple of 10.
    int sum = 0;
    bool doubled = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int v = *it - '0';
        if (doubled) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
        doubled = !doubled;
    }
    return sum % 10 == 0;
}

char luhn_check_digit(std::string_view payload) {
    if (payload.empty() || !all_digits(payload)) {
        bad_account("a Luhn check digit is computed over a non-empty string of digits");
    }
    std::string candidate(payload);
    candidate += '0';
    for (char c = '0'; c <= '9'; ++c) {
        candidate.back() = c;
        if (luhn_valid(candidate)) return c;
    }
    fail(Exit::internal, "luhn", "no Luhn check digit found");  // unreachable: one digit always fits
}

std::string normalize_account_number(std::string_view raw) {
    std::string digits;
    const std::string_view s = trim(raw);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ' ') continue;
        if (!is_digit(s[i])) {
            bad_account("account number character {} is {}; only digits (and spaces) are allowed", i + 1,
                        describe(s[i]));
        }
        digits += s[i];
    }
    if (digits.size() < 16 || digits.size() > 19) {
        bad_account("an account number has 16-19 digits, this one has {}", digits.size());
    }
    if (!luhn_valid(digits)) {
        bad_account("the account number's Luhn check digit (ISO/IEC 7812) does not match; a digit is wrong or "
                    "two are swapped");
    }
    return digits;
}

namespace {

// Keeps `head` characters at the front and `tail` at the back, one '*' for each other
// character. If that would leave nothing hidden, everything is hidden.
std::string mask_keep(std::string_view value, std::size_t head, std::size_t tail) {
    if (value.size() <= head + tail) return std::string(value.size(), '*');
    std::string out(value.substr(0, head));
    out.append(value.size() - head - tail, '*');
    out += value.substr(value.size() - tail);
    return out;
}

}  // namespace

std::string mask_tail(std::string_view value, std::size_t keep) { return mask_keep(value, 0, keep); }

// The national number is masked, the country code dropped: "尾号1152" reads the same
// whichever region the number is from.
std::string mask_phone(std::string_view e164) {
    if (e164.starts_with("+86") && is_mainland_mobile(e164.substr(3))) return mask_tail(e164.substr(3));
    if (e164.starts_with("+852") && is_hk_number(e164.substr(4))) return mask_tail(e164.substr(4));
    if (e164.starts_with("+")) e164.remove_prefix(1);
    return mask_tail(e164);
}

// A resident ID keeps its first 4 digits (province and city of issue) and its last 4, the form
// domain.md §1 shows; the birth date and sequence number in between are hidden.
std::string mask_id_number(IdType type, std::string_view canonical) {
    return type == IdType::resident_id ? mask_keep(canonical, 4, 4) : mask_tail(canonical);
}

// The first 4 digits (the issuer) and the last 4 identify a card to its holder.
std::string mask_account(std::string_view account_number) { return mask_keep(account_number, 4, 4); }

}  // namespace kunlun
