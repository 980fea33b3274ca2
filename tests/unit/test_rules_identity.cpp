// Identity documents, phones, account numbers and masks (domain.md §1). Every check
// character below was computed by hand from the published rule and cross-checked.
#include "error.h"
#include "rules/identity.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace kunlun;
using Catch::Matchers::Contains;
using std::chrono::year_month_day;
using test::error_of;

namespace {

constexpr year_month_day kToday{std::chrono::year{2025}, std::chrono::June, std::chrono::day{1}};

struct Refusal {
    std::string input;
    std::string says;  // a fragment the message must contain
};

}  // namespace

TEST_CASE("id types round-trip through their names", "[rules][identity]") {
    for (IdType t : {IdType::resident_id, IdType::hkid, IdType::passport}) {
        CHECK(parse_id_type(to_string(t)) == t);
    }
    CHECK(to_string(IdType::resident_id) == "resident-id");
    CHECK(to_string(IdType::hkid) == "hkid");
    CHECK(to_string(IdType::passport) == "passport");
    CHECK_FALSE(parse_id_type("resident_id"));
    CHECK_FALSE(parse_id_type("HKID"));
    CHECK_FALSE(parse_id_type(""));
}

TEST_CASE("valid resident IDs are accepted, refused with any other check character", "[rules][identity]") {
    // Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 indexes "10X98765432".
    const std::vector<std::string> valid = {
        "11010519491231002X",  // GB 11643-1999 example: sum 167, 167 mod 11 = 2 -> X
        "440524188001010014",  // GB 11643-1999 example: sum 195, 195 mod 11 = 8 -> 4
        "110101199003070054",  // sum 162, mod 11 = 8 -> 4
        "310115198002291235",  // leap day 1980-02-29: sum 227, mod 11 = 7 -> 5
        "510108200001012349",  // born 2000-01-01
        "11010519000101001X",  // born 1900-01-01
        "110105180001010010",  // born 1800-01-01, the earliest accepted
        "110105202506010010",  // born on kToday
    };
    for (const auto& id : valid) {
        INFO(id);
        CHECK(normalize_id_number(IdType::resident_id, id, kToday) == id);
        CHECK(resident_id_check_char(id.substr(0, 17)) == id[17]);
        for (char wrong : std::string("0123456789X")) {
            if (wrong == id[17]) continue;
            std::string bad = id;
            bad[17] = wrong;
            INFO(bad);
            const auto e = error_of([&] { normalize_id_number(IdType::resident_id, bad, kToday); });
            REQUIRE(e);
            CHECK(e->exit() == Exit::data);
            CHECK(e->slug() == "invalid-id-number");
            CHECK_THAT(std::string(e->what()), Contains("check character"));
            CHECK_THAT(std::string(e->what()), !Contains("expected") && !Contains(id));
        }
    }
}

TEST_CASE("resident IDs: lower-case x and surrounding whitespace are normalised", "[rules][identity]") {
    CHECK(normalize_id_number(IdType::resident_id, "11010519491231002x", kToday) == "11010519491231002X");
    CHECK(normalize_id_number(IdType::resident_id, " 440524188001010014\n", kToday) == "440524188001010014");
}

TEST_CASE("malformed resident IDs are refused with the reason", "[rules][identity]") {
    const std::vector<Refusal> refused = {
        {"11010519491231002", "18 characters, this one has 17"},
        {"11010519491231002X1", "18 characters, this one has 19"},
        {"", "this one has 0"},
        {"1101051949123A002X", "character 14 is 'A'"},
        {"X10105194912310020", "character 1 is 'X'"},
        {"110105 94912310020", "character 7 is a space"},
        {"11010519491231002Y", "must be a digit or X, this one is 'Y'"},
        {"110105194902300020", "day does not exist"},   // 1949-02-30, check digit 0 is right
        {"110105194902290010", "day does not exist"},   // 1949 is not a leap year
        {"110105190002290017", "day does not exist"},   // nor is 1900 (century rule)
        {"110105194913010010", "month must be 01-12"},  // month 13
        {"110105194900010011", "month must be 01-12"},  // month 00
        {"110105194901000018", "day does not exist"},   // day 00
        {"110105210001010015", "in the future"},        // 2100-01-01
        {"110105202506020016", "in the future"},        // the day after kToday
        {"110105179912310016", "before 1800-01-01"},
    };
    for (const auto& [input, says] : refused) {
        INFO(input);
        const auto e = error_of([&] { normalize_id_number(IdType::resident_id, input, kToday); });
        REQUIRE(e);
        CHECK(e->exit() == Exit::data);
        CHECK(e->slug() == "invalid-id-number");
        CHECK_THAT(std::string(e->what()), Contains(says));
    }
}

TEST_CASE("the birth date of a resident ID", "[rules][identity]") {
    using namespace std::chrono;
    CHECK(birth_date(IdType::resident_id, "11010519491231002X") == year_month_day{year{1949}, December, 31d});
    CHECK(birth_date(IdType::resident_id, "310115198002291235") == year_month_day{year{1980}, February, 29d});
    CHECK_FALSE(birth_date(IdType::hkid, "A1234563"));
    CHECK_FALSE(birth_date(IdType::passport, "E12345678"));
    CHECK_FALSE(birth_date(IdType::resident_id, "1101051949"));
}

TEST_CASE("resident_id_check_char refuses anything but 17 digits", "[rules][identity]") {
    CHECK(resident_id_check_char("11010519491231002") == 'X');
    CHECK_THROWS_AS(resident_id_check_char("1101051949123100"), Error);
    CHECK_THROWS_AS(resident_id_check_char("1101051949123100A"), Error);
}

TEST_CASE("valid HKIDs are accepted with or without brackets", "[rules][identity]") {
    // Single letter: leading space worth 36 x 9 = 324; letters A=10 .. Z=35; weights 9..2;
    // check = (11 - sum mod 11) mod 11, 10 written A.
    struct Case {
        std::string written;
        std::string canonical;
    };
    const std::vector<Case> valid = {
        {"A123456(3)", "A1234563"},    // 324+80+77 = 481, mod 11 = 8 -> 3
        {"A1234563", "A1234563"},
        {"a123456(3)", "A1234563"},
        {"C668668(9)", "C6686689"},    // 324+96+176 = 596, mod 11 = 2 -> 9
        {"G123456(A)", "G123456A"},    // 324+128+77 = 529, mod 11 = 1 -> 10 = A
        {"G123456(a)", "G123456A"},
        {"Z683365(A)", "Z683365A"},    // 324+280+145 = 749, mod 11 = 1 -> A
        {"K000000(0)", "K0000000"},    // 324+160 = 484 = 44 x 11 -> 0
        {"CA182361(1)", "CA1823611"},  // 108+80+97 = 285, mod 11 = 10 -> 1
        {"AB987654(3)", "AB9876543"},  // 90+88+193 = 371, mod 11 = 8 -> 3
        {"WX1234569", "WX1234569"},    // 288+264+77 = 629, mod 11 = 2 -> 9
        {" XA000000(8) ", "XA0000008"},
    };
    for (const auto& [written, canonical] : valid) {
        INFO(written);
        CHECK(normalize_id_number(IdType::hkid, written, kToday) == canonical);
        CHECK(hkid_check_char(canonical.substr(0, canonical.size() - 1)) == canonical.back());
    }
    CHECK(hkid_check_char("a123456") == '3');
}

TEST_CASE("HKIDs with a wrong check digit are refused", "[rules][identity]") {
    for (const std::string good : {"A1234563", "G123456A", "K0000000", "CA1823611", "AB9876543"}) {
        for (char wrong : std::string("0123456789A")) {
            if (wrong == good.back()) continue;
            std::string bad = good;
            bad.back() = wrong;
            INFO(bad);
            const auto e = error_of([&] { normalize_id_number(IdType::hkid, bad, kToday); });
            REQUIRE(e);
            CHECK(e->slug() == "invalid-id-number");
            CHECK_THAT(std::string(e->what()), Contains("check digit does not match"));
            CHECK_THAT(std::string(e->what()), !Contains("expected") && !Contains(good));
        }
    }
}

TEST_CASE("malformed HKIDs are refused with the reason", "[rules][identity]") {
    const std::vector<Refusal> refused = {
        {"A12345(6)", "this one has 7"},
        {"ABC123456(7)", "this one has 10"},
        {"", "this one has 0"},
        {"A12B456(3)", "character 4 is 'B'"},
        {"1123456(3)", "character 1 is '1'"},
        {"A12345678", "character 2 is '1'; 9 characters are 2 letters"},
        {"AB12345(6)", "character 2 is 'B'; 8 characters are 1 letter"},
        {"AB12C456(3)", "character 5 is 'C'"},
        {"A123456(B)", "must be 0-9 or A, this one is 'B'"},
        {"A123456(3", "brackets"},
        {"A1234563)", "brackets"},
        {"A123(456)3", "brackets"},
        {"A123456(33)", "brackets"},
        {"A123456()", "brackets"},
    };
    for (const auto& [input, says] : refused) {
        INFO(input);
        const auto e = error_of([&] { normalize_id_number(IdType::hkid, input, kToday); });
        REQUIRE(e);
        CHECK(e->exit() == Exit::data);
        CHECK(e->slug() == "invalid-id-number");
        CHECK_THAT(std::string(e->what()), Contains(says));
    }
    CHECK_THROWS_AS(hkid_check_char("A12345"), Error);
    CHECK_THROWS_AS(hkid_check_char("1234567"), Error);
}

TEST_CASE("passports: 5-20 ASCII letters and digits, upper-cased", "[rules][identity]") {
    CHECK(normalize_id_number(IdType::passport, "E1234", kToday) == "E1234");
    CHECK(normalize_id_number(IdType::passport, "e12345678", kToday) == "E12345678");
    CHECK(normalize_id_number(IdType::passport, "ABCDEFGHIJ0123456789", kToday) == "ABCDEFGHIJ0123456789");
    const std::vector<Refusal> refused = {
        {"E123", "this one has 4"},
        {"ABCDEFGHIJ01234567890", "this one has 21"},
        {"E12-3456", "character 4 is '-'"},
        {"E12 3456", "character 4 is a space"},
        {"E12\xC3\xA9" "3456", "a non-ASCII character"},
    };
    for (const auto& [input, says] : refused) {
        INFO(input);
        const auto e = error_of([&] { normalize_id_number(IdType::passport, input, kToday); });
        REQUIRE(e);
        CHECK(e->slug() == "invalid-id-number");
        CHECK_THAT(std::string(e->what()), Contains(says));
    }
}

TEST_CASE("phones are normalised to E.164 from every accepted form", "[rules][identity]") {
    struct Case {
        std::string raw;
        std::string e164;
    };
    const std::vector<Case> accepted = {
        {"+8613800001152", "+8613800001152"},
        {"8613800001152", "+8613800001152"},
        {"13800001152", "+8613800001152"},
        {"138 0000 1152", "+8613800001152"},
        {"138-0000-1152", "+8613800001152"},
        {"+86 138-0000-1152", "+8613800001152"},
        {"19912345678", "+8619912345678"},
        {"+85291234567", "+85291234567"},
        {"85291234567", "+85291234567"},
        {"91234567", "+85291234567"},
        {"9123 4567", "+85291234567"},
        {"+852 5123-4567", "+85251234567"},
        {"41234567", "+85241234567"},
        {"81234567", "+85281234567"},
    };
    for (const auto& [raw, e164] : accepted) {
        INFO(raw);
        CHECK(normalize_phone(raw) == e164);
        CHECK(is_mobile_phone(e164));
    }
}

TEST_CASE("phones in any other form are refused, naming the accepted forms", "[rules][identity]") {
    const std::vector<Refusal> refused = {
        {"138000011520", "12 digits"},
        {"10000001152", "starts 13-19"},
        {"11000001152", "starts 13-19"},
        {"12000001152", "starts 13-19"},
        {"+8612000001152", "+86 must be followed"},
        {"+861380000115", "+86 must be followed"},
        {"+85221234567", "+852 must be followed"},
        {"+85211234567", "+852 must be followed"},
        {"+85231234567", "+852 must be followed"},
        {"+8529123456", "+852 must be followed"},
        {"21234567", "a Hong Kong number starts 4-9"},
        {"+12025550123", "only +86"},
        {"1380000115a", "contains 'a'"},
        {"86+13800001152", "'+' may only begin"},
        {"(138)00001152", "contains '('"},
        {"", "empty"},
        {"  ", "empty"},
    };
    for (const auto& [input, says] : refused) {
        INFO(input);
        const auto e = error_of([&] { normalize_phone(input); });
        REQUIRE(e);
        CHECK(e->exit() == Exit::data);
        CHECK(e->slug() == "invalid-phone");
        CHECK_THAT(std::string(e->what()), Contains(says));
        CHECK_THAT(std::string(e->what()), Contains("accepted: a mainland mobile number"));
    }
}

TEST_CASE("is_mobile_phone wants a normalised mobile number", "[rules][identity]") {
    CHECK(is_mobile_phone("+8613800001152"));
    CHECK(is_mobile_phone("+85261234567"));
    CHECK_FALSE(is_mobile_phone("+85221234567"));   // Hong Kong fixed line
    CHECK_FALSE(is_mobile_phone("+8612000001152"));
    CHECK_FALSE(is_mobile_phone("13800001152"));    // not E.164
    CHECK_FALSE(is_mobile_phone("+12025550123"));
    CHECK_FALSE(is_mobile_phone(""));
}

TEST_CASE("Luhn check and account numbers", "[rules][identity]") {
    for (const std::string n :
         {"6222020200000000014", "4111111111111111", "5500000000000004", "6212260200003458", "378282246310005", "0"}) {
        INFO(n);
        CHECK(luhn_valid(n));
    }
    for (const std::string n : {"6222020200000000015", "6222020200000000041", "4111111111111112",
                                 "4111111111111121", "", "4111 1111 1111 1111", "411111111111111a"}) {
        INFO(n);
        CHECK_FALSE(luhn_valid(n));
    }
    CHECK(luhn_check_digit("622202020000000001") == '4');
    CHECK(luhn_check_digit("411111111111111") == '1');
    CHECK(luhn_check_digit("621226020000345") == '8');
    CHECK_THROWS_AS(luhn_check_digit(""), Error);
    CHECK_THROWS_AS(luhn_check_digit("12a"), Error);

    CHECK(normalize_account_number("6222020200000000014") == "6222020200000000014");
    CHECK(normalize_account_number("6222 0202 0000 0000 014") == "6222020200000000014");
    CHECK(normalize_account_number("4111111111111111") == "4111111111111111");

    const std::vector<Refusal> refused = {
        {"6222020200000000015", "Luhn"},                 // last digit off by one
        {"4111111111111121", "Luhn"},                    // two digits swapped
        {"378282246310005", "this one has 15"},          // Luhn-valid, but 15 digits
        {"62220202000000000013", "this one has 20"},     // Luhn-valid, but 20 digits
        {"6222-0202-0000-0000-014", "character 5 is '-'"},
        {"", "this one has 0"},
    };
    for (const auto& [input, says] : refused) {
        INFO(input);
        const auto e = error_of([&] { normalize_account_number(input); });
        REQUIRE(e);
        CHECK(e->exit() == Exit::data);
        CHECK(e->slug() == "invalid-account");
        CHECK_THAT(std::string(e->what()), Contains(says));
    }
}

TEST_CASE("masks keep only what identifies the record to its owner", "[rules][identity]") {
    CHECK(mask_tail("E12345678") == "*****5678");
    CHECK(mask_tail("abcdef", 2) == "****ef");
    CHECK(mask_tail("E1234") == "*1234");
    CHECK(mask_tail("1234") == "****");  // nothing would be hidden: hide everything
    CHECK(mask_tail("") == "");

    CHECK(mask_phone("+8613800001152") == "*******1152");
    CHECK(mask_phone("+85291234567") == "****4567");

    CHECK(mask_id_number(IdType::resident_id, "11010519491231002X") == "1101**********002X");
    CHECK(mask_id_number(IdType::resident_id, "440524188001010014") == "4405**********0014");
    CHECK(mask_id_number(IdType::hkid, "A1234563") == "****4563");
    CHECK(mask_id_number(IdType::hkid, "CA1823611") == "*****3611");
    CHECK(mask_id_number(IdType::passport, "E12345678") == "*****5678");

    CHECK(mask_account("6222020200000000014") == "6222***********0014");
    CHECK(mask_account("4111111111111111") == "4111********1111");
}
