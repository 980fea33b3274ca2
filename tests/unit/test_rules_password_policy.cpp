// Login password and 6-digit PIN rules (domain.md §2, §3), row by row: both login profiles at
// their edge lengths, the kinds rule, personal data, the common list, and every weak PIN form.
#include "rules/password_policy.h"

#include "support.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

using namespace kunlun;
using Catch::Matchers::Contains;
using std::chrono::year_month_day;

namespace {

constexpr year_month_day ymd(int y, unsigned m, unsigned d) {
    return year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// A resident-id holder born 1985-06-15 whose ID ends in a digit.
const PersonalData kLi{"320102198506151236", "+8613912358246", ymd(1985, 6, 15)};
// A resident-id holder whose ID ends in the check character X, born 1949-12-31.
const PersonalData kZhang{"11010519491231002X", "+8613800001152", ymd(1949, 12, 31)};
// A Hong Kong customer: no birth date in the document number.
const PersonalData kChan{"A1234563", "+85291234567", std::nullopt};
// Nobody in particular.
const PersonalData kNobody{"", "", std::nullopt};

const std::unordered_set<std::string> kCommon = {"password1", "qwerty123", "p@ssw0rd", "abc123", "1qaz2wsx"};

// expect: empty → accepted; otherwise a fragment of the refusal.
struct LoginRow {
    std::string password;
    std::string expect;
};

void check_login_rows(const LoginPasswordRule& rule, const PersonalData& person, const std::vector<LoginRow>& rows) {
    for (const auto& row : rows) {
        INFO("profile " << rule.name << ", password '" << row.password << "'");
        auto problem = login_password_problem(row.password, rule, person, kCommon);
        test::check_problem(problem, row.expect);
    }
}

constexpr const char* kLength = "characters long";
constexpr const char* kPrintable = "printable symbols";
constexpr const char* kKinds = "at least 2 of digits, letters and symbols";
constexpr const char* kBoth = "both letters and digits";

}  // namespace

TEST_CASE("login rule profiles are data", "[rules][password]") {
    auto kunlun = login_rule_profile("kunlun");
    CHECK(kunlun.name == "kunlun");
    CHECK(kunlun.min_length == 8);
    CHECK(kunlun.max_length == 19);
    CHECK(kunlun.min_kinds == 2);
    CHECK_FALSE(kunlun.require_letter_and_digit);
    auto icbc = login_rule_profile("icbc");
    CHECK(icbc.name == "icbc");
    CHECK(icbc.min_length == 6);
    CHECK(icbc.max_length == 30);
    CHECK(icbc.require_letter_and_digit);
}

TEST_CASE("kunlun profile: 8-19 characters, at least two kinds", "[rules][password]") {
    check_login_rows(login_rule_profile("kunlun"), kNobody, {
        {"", kLength},
        {"Abcde1", kLength},                 // 6
        {"Abcdef1", kLength},                // 7
        {"Abcdef12", ""},                    // 8
        {"Abcdefghij12345678!", ""},         // 19
        {"Abcdefghij12345678!x", kLength},   // 20
        {"Abcdefghij12345678!xyzw", kLength},
        {"abcdefgh", kKinds},                // letters only
        {"ABCDEFGHIJ", kKinds},
        {"73918264", kKinds},                // digits only
        {"!@#$%^&*", kKinds},                // symbols only
        {"abcd!@#$", ""},                    // letters + symbols
        {"7391!@#$", ""},                    // digits + symbols
        {"abcd7391", ""},                    // letters + digits
        {"ab1!cd2@", ""},                    // all three
        {"~`|\\{}[]a", ""},                  // unusual symbols count as symbols
        {"abc def12", kPrintable},           // a space
        {"abcdef1\t", kPrintable},           // a control character
        {"密码abc12345", kPrintable},        // not ASCII
    });
}

TEST_CASE("icbc profile: 6-30 characters, letters and digits both", "[rules][password]") {
    check_login_rows(login_rule_profile("icbc"), kNobody, {
        {"Kx9m2", kLength},                               // 5
        {"Kx9m2q", ""},                                   // 6
        {"Kx9m2qKx9m2qKx9m2qKx9m2qKx9m2q", ""},           // 30
        {"Kx9m2qKx9m2qKx9m2qKx9m2qKx9m2qZ", kLength},     // 31
        {"abcdefgh", kBoth},
        {"73918264", kBoth},
        {"abcd!@#$", kBoth},                              // two kinds, but no digit
        {"7391!@#$", kBoth},                              // two kinds, but no letter
        {"ab1!cd2@", ""},                                 // symbols are allowed besides
        {"abc def12", kPrintable},
    });
}

TEST_CASE("a login password may not contain the customer's personal data", "[rules][password]") {
    auto kunlun = login_rule_profile("kunlun");
    auto icbc = login_rule_profile("icbc");
    check_login_rows(kunlun, kLi, {
        {"x320102198506151236", "ID number"},      // the whole ID, 19 characters
        {"Tel13912358246", "phone number"},        // the national number
        {"x+8613912358246", "phone number"},       // E.164 contains it too
        {"Lz19850615", "birth date"},              // YYYYMMDD
        {"Lz850615!", "birth date"},               // YYMMDD
        {"Lz061585!", "birth date"},               // MMDDYY
        {"Lz150685!", "birth date"},               // DDMMYY
        {"Lz198506!", "birth date"},               // 6 consecutive digits of YYYYMMDD
        {"Lz985061!", "birth date"},
        {"Lz139123582", ""},                       // a part of the phone is not the phone
        {"Lz3201021985x", ""},                     // a part of the ID is not the ID
        {"Lz198507!", ""},                         // another month
        {"Lz160685!", ""},                         // another day
    });
    check_login_rows(icbc, kZhang, {
        {"zw11010519491231002x", "ID number"},    // the X check character, any case
        {"zw11010519491231002X", "ID number"},
        {"Sms13800001152", "phone number"},
        {"Zw19491231", "birth date"},
        {"Zw491231", "birth date"},
        {"Zw123149", "birth date"},
        {"Zw311249", "birth date"},
        {"Zw949123", "birth date"},
        {"Zw950123", ""},
    });
    check_login_rows(kunlun, kChan, {
        {"xA1234563", "ID number"},
        {"xa1234563", "ID number"},
        {"xA123456(3)", "ID number"},             // the HKID as printed, check character in brackets
        {"xA123456(4)", ""},
        {"Hk91234567", "phone number"},
        {"Lz850615!", ""},                         // no birth date known: any date is fine
        {"Hk85291234", ""},                        // the country code plus a part is not the number
    });
}

TEST_CASE("a login password on the common list is refused, in any case", "[rules][password]") {
    auto kunlun = login_rule_profile("kunlun");
    check_login_rows(kunlun, kNobody, {
        {"password1", "common passwords"},
        {"Password1", "common passwords"},
        {"QWERTY123", "common passwords"},
        {"P@ssw0rd", "common passwords"},
        {"1qaz2wsx", "common passwords"},
        {"Password2x", ""},
        {"qwerty1234", ""},
    });
    // Rules before the list: a too-short common password says it is too short.
    check_login_rows(kunlun, kNobody, {{"abc123", kLength}});
    check_login_rows(login_rule_profile("icbc"), kNobody, {{"abc123", "common passwords"}, {"Abc123", "common passwords"}});
}

TEST_CASE("national numbers of E.164 phones", "[rules][password]") {
    CHECK(national_number("+8613800001152") == "13800001152");
    CHECK(national_number("+85291234567") == "91234567");
    CHECK(national_number("13800001152") == "13800001152");
}

namespace {

struct PinRow {
    std::string pin;
    std::string expect;  // empty: accepted
};

void check_pin_rows(const PersonalData& person, const std::vector<PinRow>& rows) {
    for (const auto& row : rows) {
        INFO("pin '" << row.pin << "'");
        auto problem = six_digit_pin_problem(row.pin, person);
        test::check_problem(problem, row.expect);
    }
}

}  // namespace

TEST_CASE("a PIN is exactly 6 digits", "[rules][pin]") {
    check_pin_rows(kNobody, {
        {"", "exactly 6 digits"},
        {"73918", "exactly 6 digits"},
        {"7391824", "exactly 6 digits"},
        {"73a182", "exactly 6 digits"},
        {"73918 ", "exactly 6 digits"},
        {"７３９１８２", "exactly 6 digits"},  // full-width digits
        {"739182", ""},
    });
}

TEST_CASE("weak PIN patterns", "[rules][pin]") {
    check_pin_rows(kNobody, {
        {"000000", "one digit repeated"},
        {"111111", "one digit repeated"},
        {"999999", "one digit repeated"},
        {"012345", "ascending or descending"},
        {"123456", "ascending or descending"},
        {"456789", "ascending or descending"},
        {"987654", "ascending or descending"},
        {"654321", "ascending or descending"},
        {"543210", "ascending or descending"},
        {"121212", "repeated pair"},
        {"909090", "repeated pair"},
        {"123123", "repeated triple"},
        {"739739", "repeated triple"},
        {"000111", ""},
        {"112233", ""},
        {"123465", ""},
        {"121213", ""},
        {"123124", ""},
        {"739182", ""},
        {"274615", ""},
        {"502983", ""},
        {"840271", ""},
    });
}

TEST_CASE("a PIN may not be the birth date in any 6-digit form", "[rules][pin]") {
    check_pin_rows(kLi, {
        {"850615", "birth date"},  // YYMMDD
        {"061585", "birth date"},  // MMDDYY
        {"150685", "birth date"},  // DDMMYY
        {"198506", "birth date"},  // YYYYMMDD[0..6]
        {"985061", "birth date"},  // YYYYMMDD[1..7]
        {"850616", ""},
        {"198507", ""},
        {"739182", ""},
    });
    check_pin_rows(kZhang, {
        {"491231", "birth date"},
        {"123149", "birth date"},
        {"311249", "birth date"},
        {"194912", "birth date"},
        {"949123", "birth date"},
        {"739182", ""},
    });
    check_pin_rows(kChan, {{"850615", ""}, {"491231", ""}});
}

TEST_CASE("a PIN may not be the last 6 digits of the ID number or the phone", "[rules][pin]") {
    check_pin_rows(kLi, {
        {"151236", "ID number"},
        {"358246", "phone number"},
        {"151237", ""},
        {"358247", ""},
    });
    // An ID ending in the check character X: its last 6 digits.
    check_pin_rows(kZhang, {{"231002", "ID number"}, {"001152", "phone number"}, {"231003", ""}});
    check_pin_rows(kChan, {{"234563", "ID number"}, {"234567", "ascending or descending"}, {"291234", ""}});
    check_pin_rows(PersonalData{"A1234560", "+85261234758", std::nullopt}, {{"234758", "phone number"}});
}
