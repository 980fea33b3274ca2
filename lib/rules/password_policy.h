// Password and PIN rules as data (domain.md §2, §3). Pure: the customer's personal data and
// the list of common passwords are arguments; a refusal says which rule failed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace kunlun {

// The login password rule, one of the profiles (seed 001 "kunlun", seed 002 "icbc").
struct LoginPasswordRule {
    std::string name;
    std::size_t min_length = 8;
    std::size_t max_length = 19;
    int min_kinds = 2;             // of digits / letters / symbols
    bool require_letter_and_digit = false;
};

LoginPasswordRule login_rule_profile(std::string_view profile);  // "kunlun" | "icbc"

// What the rules may not be derived from.
struct PersonalData {
    std::string id_number;                                 // canonical
    std::string phone;                                     // E.164
    std::optional<std::chrono::year_month_day> birth_date;
};

// nullopt: acceptable; otherwise the reason, in words for the operator and the customer.
std::optional<std::string> login_password_problem(std::string_view password, const LoginPasswordRule& rule,
                                                  const PersonalData& person,
                                                  const std::unordered_set<std::string>& common_passwords);

// Transaction password and token PIN: exactly 6 digits, not weak (domain.md §3).
std::optional<std::string> six_digit_pin_problem(std::string_view pin, const PersonalData& person);

// The national number of an E.164 phone (+8613800001152 → 13800001152).
std::string national_number(std::string_view e164);

}  // namespace kunlun
