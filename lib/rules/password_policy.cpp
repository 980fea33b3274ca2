#include "rules/password_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace kunlun {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return !needle.empty() && lower(haystack).find(lower(needle)) != std::string::npos;
}

std::string two(unsigned v) { return fmt::format("{:02}", v); }

// Every 6-digit form of a birth date (domain.md §3): YYMMDD, MMDDYY, DDMMYY and every run
// of 6 consecutive digits of YYYYMMDD.
std::vector<std::string> birth_date_forms(std::chrono::year_month_day d) {
    auto y = fmt::format("{:04}", static_cast<int>(d.year()));
    auto m = two(static_cast<unsigned>(d.month()));
    auto dd = two(static_cast<unsigned>(d.day()));
    std::string yy = y.substr(2);
    std::string full = y + m + dd;
    std::vector<std::string> forms = {yy + m + dd, m + dd + yy, dd + m + yy};
    for (std::size_t i = 0; i + 6 <= full.size(); ++i) forms.push_back(full.substr(i, 6));
    return forms;
}

// An HKID is also written with its check character in brackets (A123456(3)): the canonical
// form holds none, so that form is checked as well. Empty for any other document.
std::string bracketed_hkid(std::string_view id) {
    if (id.size() != 8 && id.size() != 9) return {};
    std::size_t letters = id.size() - 7;
    for (std::size_t i = 0; i < id.size() - 1; ++i) {
        bool ok = i < letters ? std::isalpha(static_cast<unsigned char>(id[i])) != 0
                              : std::isdigit(static_cast<unsigned char>(id[i])) != 0;
        if (!ok) return {};
    }
    return fmt::format("{}({})", id.substr(0, id.size() - 1), id.back());
}

}  // namespace

std::string national_number(std::string_view e164) {
    if (e164.starts_with("+86")) return std::string(e164.substr(3));
    if (e164.starts_with("+852")) return std::string(e164.substr(4));
    return std::string(e164.starts_with("+") ? e164.substr(1) : e164);
}

LoginPasswordRule login_rule_profile(std::string_view profile) {
    if (profile == "icbc") return {"icbc", 6, 30, 2, true};  // seed 002: 6-30, letters and digits
    return {"kunlun", 8, 19, 2, false};                      // seed 001: 8-19, two of three kinds
}

std::optional<std::string> login_password_problem(std::string_view pw, const LoginPasswordRule& rule,
                                                  const PersonalData& person,
                                                  const std::unordered_set<std::string>& common) {
    if (pw.size() < rule.min_length || pw.size() > rule.max_length) {
        return fmt::format("the password must be {}-{} characters long", rule.min_length, rule.max_length);
    }
    bool digit = false, letter = false, symbol = false;
    for (unsigned char c : pw) {
        if (c < 0x21 || c > 0x7e) return std::string("only digits, letters and printable symbols are allowed (no spaces)");
        if (std::isdigit(c) != 0) digit = true;
        else if (std::isalpha(c) != 0) letter = true;
        else symbol = true;
    }
    if (rule.require_letter_and_digit && !(letter && digit)) {
        return std::string("the password must contain both letters and digits");
    }
    if (int kinds = int(digit) + int(letter) + int(symbol); kinds < rule.min_kinds) {
        return fmt::format("the password must mix at least {} of digits, letters and symbols", rule.min_kinds);
    }
    if (contains(pw, person.id_number) || contains(pw, bracketed_hkid(person.id_number))) return std::string("the password may not contain the ID number");
    if (contains(pw, national_number(person.phone))) return std::string("the password may not contain the phone number");
    if (person.birth_date) {
        auto d = *person.birth_date;
        std::string full = fmt::format("{:04}{:02}{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                                       static_cast<unsigned>(d.day()));
        for (const auto& form : birth_date_forms(d)) {
            if (contains(pw, form)) return std::string("the password may not contain the birth date");
        }
        if (contains(pw, full)) return std::string("the password may not contain the birth date");
    }
    if (common.contains(lower(pw))) return std::string("the password is on the list of common passwords");
    return std::nullopt;
}

std::optional<std::string> six_digit_pin_problem(std::string_view pin, const PersonalData& person) {
    if (pin.size() != 6 || !std::all_of(pin.begin(), pin.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return std::string("it must be exactly 6 digits");
    }
    if (std::all_of(pin.begin(), pin.end(), [&](char c) { return c == pin[0]; })) {
        return std::string("one digit repeated is too weak");
    }
    bool up = true, down = true;
    for (std::size_t i = 1; i < pin.size(); ++i) {
        up = up && pin[i] == pin[i - 1] + 1;
        down = down && pin[i] == pin[i - 1] - 1;
    }
    if (up || down) return std::string("an ascending or descending run is too weak");
    if (pin.substr(0, 2) == pin.substr(2, 2) && pin.substr(2, 2) == pin.substr(4, 2)) {
        return std::string("a repeated pair is too weak");
    }
    if (pin.substr(0, 3) == pin.substr(3, 3)) return std::string("a repeated triple is too weak");
    if (person.birth_date) {
        for (const auto& form : birth_date_forms(*person.birth_date)) {
            if (pin == form) return std::string("the birth date is too easy to guess");
        }
    }
    // The last 6 digits of the ID number: an ID ending in a check letter (resident ID `X`,
    // HKID `A`) has no 6-digit tail, so its last 6 digits are taken.
    std::string id_digits;
    for (unsigned char c : person.id_number) {
        if (std::isdigit(c) != 0) id_digits.push_back(static_cast<char>(c));
    }
    if (id_digits.size() >= 6 && pin == std::string_view(id_digits).substr(id_digits.size() - 6)) {
        return std::string("the last 6 digits of the ID number are too easy to guess");
    }
    auto phone = national_number(person.phone);
    if (phone.size() >= 6 && pin == phone.substr(phone.size() - 6)) {
        return std::string("the last 6 digits of the phone number are too easy to guess");
    }
    return std::nullopt;
}

}  // namespace kunlun
