// Identity documents, phone numbers and account numbers (domain.md §1): validation into the
// one canonical form that is stored, encrypted and blind-indexed, and the masks used in all
// output. Pure functions: no I/O and no clock; "today" is always an argument so that tests
// and test stores with an overridden clock see the same rules.
//
// Every refusal is an Error(Exit::data, slug, message) whose message names what is wrong
// (length, which character, check character, birth date) without echoing the whole number,
// which is personal data and may end up in logs.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kunlun {

enum class IdType { resident_id, hkid, passport };

// "resident-id", "hkid", "passport": the spellings used on the command line and in the store.
std::string_view to_string(IdType type);
std::optional<IdType> parse_id_type(std::string_view text);

// The earliest birth date a resident ID may carry. GB 11643-1999's own worked example,
// 440524188001010014, is born 1880-01-01, so the floor sits below it; it still refuses a
// mistyped century such as 0949 or 1049.
inline constexpr std::chrono::year_month_day kEarliestBirthDate{
    std::chrono::year{1800}, std::chrono::January, std::chrono::day{1}};

// Validates `raw` as a document of `type` and returns its canonical form:
//  - resident-id: 18 characters, upper-case X (`11010519491231002X`);
//  - hkid: letters, digits and check digit, upper case, no brackets (`A1234563`);
//  - passport: upper case (`E12345678`).
// Surrounding whitespace is ignored. Throws Error(Exit::data, "invalid-id-number", ...).
std::string normalize_id_number(IdType type, std::string_view raw, std::chrono::year_month_day today);

// The birth date encoded in a canonical resident ID (characters 7-14); nullopt for the other
// document types, which do not carry one, and for anything that is not a valid resident ID.
std::optional<std::chrono::year_month_day> birth_date(IdType type, std::string_view canonical);

// ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of the first 17 digits of a resident ID.
// Throws Error(Exit::data, "invalid-id-number", ...) unless given exactly 17 digits.
char resident_id_check_char(std::string_view first17);

// HKID check digit ('0'-'9' or 'A') of 1-2 letters followed by 6 digits, e.g. "A123456" -> '3'.
// Throws Error(Exit::data, "invalid-id-number", ...) for any other shape.
char hkid_check_char(std::string_view letters_and_digits_without_check);

// Normalises a phone number to E.164. Accepted, with spaces and hyphens ignored:
//  - mainland mobile 1[3-9] + 9 digits, bare, or prefixed "+86" or "86";
//  - Hong Kong 8 digits starting 4-9, bare, or prefixed "+852" or "852".
// Throws Error(Exit::data, "invalid-phone", ...) naming the accepted forms.
std::string normalize_phone(std::string_view raw);

// Whether an E.164 number (as normalize_phone returns) can receive SMS.
bool is_mobile_phone(std::string_view e164);

// The Luhn (ISO/IEC 7812) check over a string of digits; false if empty or not all digits.
bool luhn_valid(std::string_view digits);
// The digit that, appended to `payload`, makes it Luhn-valid. Throws Error(Exit::data,
// "invalid-account", ...) unless `payload` is a non-empty string of digits.
char luhn_check_digit(std::string_view payload);

// Validates a card/account number: 16-19 digits (spaces ignored), Luhn-valid. Returns the
// digits alone. Throws Error(Exit::data, "invalid-account", ...).
std::string normalize_account_number(std::string_view raw);

// Masks for output. Inputs are canonical (ASCII) forms. A value too short to keep anything
// back is masked completely rather than shown in clear.
//  mask_tail("E12345678")                          -> "*****5678"
//  mask_phone("+8613800001152")                    -> "*******1152" (national number only)
//  mask_id_number(resident_id, "11010519491231002X") -> "1101**********002X"
//  mask_id_number(hkid, "A1234563")                -> "****4563"
//  mask_account("6222020200000000014")             -> "6222***********0014"
std::string mask_tail(std::string_view value, std::size_t keep = 4);
std::string mask_phone(std::string_view e164);
std::string mask_id_number(IdType type, std::string_view canonical);
std::string mask_account(std::string_view account_number);

}  // namespace kunlun
