// The audit log's HMAC chain: each MAC covers the previous MAC and every field of the entry,
// with unambiguous field boundaries, under the chain key.
#include "crypto/audit_chain.h"

#include "crypto/encoding.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono;
using kunlun::AuditEntry;
using kunlun::Instant;
using kunlun::test::counting;

namespace {

const std::vector<unsigned char> kKey = counting(0, 32);
const std::vector<unsigned char> kPrevious(32, 0xaa);

AuditEntry sample() {
    AuditEntry e;
    e.seq = 42;
    e.at_real = Instant(seconds(1700000000));
    e.at_effective = Instant(seconds(1700000060));
    e.operator_name = "alice";
    e.command = "reset-login";
    e.customer = "C000123";
    e.outcome = "ok";
    e.details = R"({"path":"at-branch"})";
    return e;
}

std::string mac_hex(const AuditEntry& e, const std::vector<unsigned char>& previous = kPrevious,
                    const std::vector<unsigned char>& key = kKey) {
    return kunlun::to_hex(kunlun::audit_mac(key, previous, e));
}

}  // namespace

TEST_CASE("audit MAC is a deterministic HMAC-SHA256 over length-prefixed fields", "[crypto][audit]") {
    const auto e = sample();
    const auto mac = kunlun::audit_mac(kKey, kPrevious, e);
    CHECK(mac.size() == 32);
    CHECK(kunlun::audit_mac(kKey, kPrevious, e) == mac);
    CHECK(kunlun::audit_mac(kKey, kPrevious, sample()) == mac);

    // Known answers, computed independently (Python hmac): HMAC-SHA256(key, for each of
    // previous_mac, seq, at_real, at_effective, operator, command, customer, outcome, details:
    // 8-byte big-endian length || bytes), numbers in decimal. Existing stores hold chains made
    // this way, so the serialisation may not change.
    CHECK(kunlun::to_hex(mac) == "0aa4f8adb70fdb52b014b0e566b22284452c4a76a269d79e3ce021410dd3dc46");
    auto first = sample();
    first.seq = 1;
    CHECK(kunlun::to_hex(kunlun::audit_mac(kKey, {}, first)) ==
          "207de4389d6c4a358fcb10f81837b769b683f38300ba172a16714f256933c096");

    // The entry's own stored MAC is output, not input.
    auto with_mac = sample();
    with_mac.mac = std::vector<unsigned char>(32, 0x55);
    CHECK(kunlun::audit_mac(kKey, kPrevious, with_mac) == mac);
}

TEST_CASE("changing any one field or the previous MAC changes the MAC", "[crypto][audit]") {
    struct Row {
        const char* field;
        std::function<void(AuditEntry&)> change;
    };
    const std::vector<Row> rows{
        {"seq +1", [](AuditEntry& e) { e.seq += 1; }},
        {"seq 0", [](AuditEntry& e) { e.seq = 0; }},
        {"seq negative", [](AuditEntry& e) { e.seq = -42; }},
        {"at_real +1s", [](AuditEntry& e) { e.at_real += seconds(1); }},
        {"at_real -1s", [](AuditEntry& e) { e.at_real -= seconds(1); }},
        {"at_effective +1s", [](AuditEntry& e) { e.at_effective += seconds(1); }},
        {"at_effective = at_real", [](AuditEntry& e) { e.at_effective = e.at_real; }},
        {"operator", [](AuditEntry& e) { e.operator_name = "bob"; }},
        {"operator case", [](AuditEntry& e) { e.operator_name = "Alice"; }},
        {"operator empty", [](AuditEntry& e) { e.operator_name.clear(); }},
        {"command", [](AuditEntry& e) { e.command = "reset-txn"; }},
        {"command trailing space", [](AuditEntry& e) { e.command += ' '; }},
        {"customer", [](AuditEntry& e) { e.customer = "C000124"; }},
        {"customer empty", [](AuditEntry& e) { e.customer.clear(); }},
        {"outcome", [](AuditEntry& e) { e.outcome = "refused"; }},
        {"details", [](AuditEntry& e) { e.details = R"({"path":"reserved-phone"})"; }},
        {"details one byte", [](AuditEntry& e) { e.details.back() = ']'; }},
        {"details with NUL appended", [](AuditEntry& e) { e.details.push_back('\0'); }},
        {"details empty", [](AuditEntry& e) { e.details.clear(); }},
        {"times swapped", [](AuditEntry& e) { std::swap(e.at_real, e.at_effective); }},
    };
    const auto base = mac_hex(sample());
    std::set<std::string> seen{base};
    for (const auto& row : rows) {
        INFO(row.field);
        auto e = sample();
        row.change(e);
        const auto changed = mac_hex(e);
        CHECK(changed != base);
        CHECK(seen.insert(changed).second);  // and no two changes collide with each other
    }

    struct Prev {
        const char* what;
        std::vector<unsigned char> previous;
    };
    auto one_bit = kPrevious;
    one_bit[31] ^= 0x01;
    auto longer = kPrevious;
    longer.push_back(0xaa);
    const std::vector<Prev> previous{
        {"one bit flipped", one_bit},
        {"empty (first entry)", {}},
        {"one byte longer", longer},
        {"one byte shorter", std::vector<unsigned char>(31, 0xaa)},
        {"all zero", std::vector<unsigned char>(32, 0)},
    };
    for (const auto& row : previous) {
        INFO(row.what);
        const auto changed = mac_hex(sample(), row.previous);
        CHECK(changed != base);
        CHECK(seen.insert(changed).second);
    }
}

TEST_CASE("field boundaries are unambiguous", "[crypto][audit]") {
    // Pairs of entries whose fields concatenate to the same bytes.
    struct Row {
        const char* what;
        std::function<void(AuditEntry&)> left;
        std::function<void(AuditEntry&)> right;
    };
    const std::vector<Row> rows{
        {"operator/command",
         [](AuditEntry& e) { e.operator_name = "ab"; e.command = "c"; },
         [](AuditEntry& e) { e.operator_name = "a"; e.command = "bc"; }},
        {"command/customer",
         [](AuditEntry& e) { e.command = "reset-login"; e.customer = "C1"; },
         [](AuditEntry& e) { e.command = "reset-loginC"; e.customer = "1"; }},
        {"customer/outcome",
         [](AuditEntry& e) { e.customer = "x"; e.outcome = ""; },
         [](AuditEntry& e) { e.customer = ""; e.outcome = "x"; }},
        {"outcome/details",
         [](AuditEntry& e) { e.outcome = "ok"; e.details = "{}"; },
         [](AuditEntry& e) { e.outcome = "ok{"; e.details = "}"; }},
        {"seq/at_real digits",
         [](AuditEntry& e) { e.seq = 11; e.at_real = Instant(seconds(1)); },
         [](AuditEntry& e) { e.seq = 1; e.at_real = Instant(seconds(11)); }},
        {"at_real/at_effective digits",
         [](AuditEntry& e) { e.at_real = Instant(seconds(12)); e.at_effective = Instant(seconds(3)); },
         [](AuditEntry& e) { e.at_real = Instant(seconds(1)); e.at_effective = Instant(seconds(23)); }},
        {"operator/customer swapped",
         [](AuditEntry& e) { e.operator_name = "C1"; e.customer = "alice"; },
         [](AuditEntry& e) { e.operator_name = "alice"; e.customer = "C1"; }},
        {"a length prefix forged inside a field",
         [](AuditEntry& e) {
             e.operator_name = "a";
             e.command = std::string("\0\0\0\0\0\0\0\x01" "b", 9);
         },
         [](AuditEntry& e) {
             e.operator_name = std::string("a\0\0\0\0\0\0\0\x01" "b", 10);
             e.command = "";
         }},
    };
    for (const auto& row : rows) {
        INFO(row.what);
        auto left = sample();
        auto right = sample();
        row.left(left);
        row.right(right);
        CHECK(mac_hex(left) != mac_hex(right));
    }

    // The previous MAC and the sequence number are separate fields too.
    auto a = sample();
    auto b = sample();
    a.seq = 12;
    b.seq = 2;
    const std::vector<unsigned char> prev_a{'9'};
    const std::vector<unsigned char> prev_b{'9', '1'};
    CHECK(mac_hex(a, prev_a) != mac_hex(b, prev_b));
}

TEST_CASE("a different key gives a different MAC", "[crypto][audit]") {
    auto one_bit = kKey;
    one_bit[0] ^= 0x80;
    auto longer = kKey;
    longer.push_back(0x01);  // (not 0x00: HMAC zero-pads short keys, so K and K||00 are one key)
    const std::vector<std::vector<unsigned char>> keys{
        one_bit, counting(1, 32), std::vector<unsigned char>(32, 0), longer, counting(0, 16), counting(0, 100),
    };
    const auto base = mac_hex(sample());
    std::set<std::string> seen{base};
    for (std::size_t i = 0; i < keys.size(); ++i) {
        INFO("key #" << i);
        const auto other = mac_hex(sample(), kPrevious, keys[i]);
        CHECK(other != base);
        CHECK(seen.insert(other).second);
        CHECK(mac_hex(sample(), kPrevious, keys[i]) == other);  // deterministic under that key too
    }
}

TEST_CASE("a chain breaks from the altered entry onwards", "[crypto][audit]") {
    std::vector<AuditEntry> entries;
    for (int i = 1; i <= 5; ++i) {
        auto e = sample();
        e.seq = i;
        e.at_real += seconds(i);
        e.at_effective += seconds(i);
        entries.push_back(e);
    }
    auto chain = [&](const std::vector<AuditEntry>& log) {
        std::vector<std::vector<unsigned char>> macs;
        std::vector<unsigned char> previous;
        for (const auto& e : log) {
            previous = kunlun::audit_mac(kKey, previous, e);
            macs.push_back(previous);
        }
        return macs;
    };
    const auto original = chain(entries);
    auto altered = entries;
    altered[2].outcome = "refused";
    const auto after = chain(altered);
    CHECK(after[0] == original[0]);
    CHECK(after[1] == original[1]);
    for (std::size_t i = 2; i < after.size(); ++i) {
        INFO("entry " << i);
        CHECK(after[i] != original[i]);
    }
}
