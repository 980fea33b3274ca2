// fixtures generate: a large, deterministic store for tests and benchmarks. The same seed
// gives the same customers (names, valid resident IDs, unique phones, Luhn-valid accounts).
// Argon2id is slow on purpose, so each distinct generated secret is hashed once and reused.
// "The same customers" includes their hashes: the salts come from the seed, so two stores
// generated with one seed dump byte for byte the same (these are synthetic, published test
// passwords; real secrets always get hash_secret's random salt).
#include "crypto/digest.h"
#include "crypto/password_hash.h"
#include "crypto/secret.h"
#include "error.h"
#include "flows/command.h"
#include "flows/fixtures.h"
#include "flows/fixtures_cases.h"
#include "rules/identity.h"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <random>

namespace kunlun {
namespace {

constexpr std::array<std::string_view, 20> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                                        "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
constexpr std::array<std::string_view, 20> kGivenNames = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军",
                                                          "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"};
// Real administrative division codes (GB/T 2260): Beijing Xicheng, Shanghai Huangpu, ...
constexpr std::array<std::string_view, 8> kAreaCodes = {"110102", "110105", "310101", "440106",
                                                        "440305", "330106", "510107", "420106"};
constexpr std::array<std::string_view, 4> kLoginPasswords = {"Kunlun2026!", "Spring#Tea88", "Harbor-Lights7",
                                                             "Maple&River42"};
constexpr std::array<std::string_view, 4> kTxnPasswords = {"739182", "502847", "861390", "274615"};
constexpr std::array<std::string_view, 6> kMobilePrefixes = {"138", "139", "150", "186", "177", "199"};

// An Argon2id PHC string of a generated password with a salt derived from the seed.
std::string seeded_hash(std::string_view password, std::uint64_t seed, std::string_view purpose, const Argon2Cost& cost) {
    auto digest = sha256(fmt::format("kunlunctl fixtures generate/{}/{}/{}", seed, purpose, password));
    return hash_secret_with_salt(Secret(std::string(password)), cost, std::span<const unsigned char, 16>(digest.data(), 16));
}

// A bijection on [0, 10^8) so phone numbers are unique and look scattered.
std::uint64_t scatter(std::uint64_t i, std::uint64_t seed) {
    constexpr std::uint64_t kSpace = 100000000;
    return (i * 48271 + seed % kSpace) % kSpace;  // 48271 is coprime with 10^8
}

CustomerRecord make_customer(std::int64_t index, std::mt19937_64& rng, std::uint64_t seed,
                             const std::vector<std::string>& login_hashes, const std::vector<std::string>& txn_hashes) {
    CustomerRecord c;
    c.id = fmt::format("C{:07}", index + 1);
    c.name = std::string(kSurnames[rng() % kSurnames.size()]) + std::string(kGivenNames[rng() % kGivenNames.size()]);
    c.id_type = "resident-id";
    auto birth = std::chrono::sys_days(std::chrono::year(1950) / 1 / 1) + std::chrono::days(rng() % (55 * 365));
    std::chrono::year_month_day ymd{birth};
    std::string first17 = fmt::format("{}{:04}{:02}{:02}{:03}", kAreaCodes[rng() % kAreaCodes.size()],
                                      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                      static_cast<unsigned>(ymd.day()), index % 1000);
    c.id_number = first17 + resident_id_check_char(first17);
    auto prefix = kMobilePrefixes[static_cast<std::size_t>(index / 100000000) % kMobilePrefixes.size()];
    c.phone = fmt::format("+86{}{:08}", prefix, scatter(static_cast<std::uint64_t>(index), seed));
    c.login.hash = login_hashes[rng() % login_hashes.size()];
    std::string payload = fmt::format("622202{:012}", index);
    AccountRecord account;
    account.number = payload + luhn_check_digit(payload);
    account.account_class = std::array<const char*, 3>{"I", "II", "III"}[rng() % 3];
    account.txn_hash = txn_hashes[rng() % txn_hashes.size()];
    c.accounts.push_back(std::move(account));
    c.devices.push_back({"D1", {"mobile-banking", "invest"}, true, "6.2.5", false});
    return c;
}

}  // namespace

nlohmann::json generate_fixtures(Context& ctx, const GenerateOptions& options) {
    if (options.customers < 1 || options.customers > 100000000) {
        fail(Exit::usage, "usage", "--customers must be between 1 and 100000000");
    }
    // One transaction, run again from the start (same seed, same customers) after a
    // transient conflict with another writer on a shared store.
    return with_conflict_retries(ctx, [&] {
        Transaction tx(*ctx.store, Transaction::Kind::write);
        ctx.require_role({Role::admin}, "fixtures generate");
        if (ctx.store->customer_exists("C0000001")) {
            fail(Exit::data, "invalid-fixture", "the store already has generated customers (C0000001): generate into a new store");
        }
        std::vector<std::string> login_hashes, txn_hashes;
        for (auto p : kLoginPasswords) login_hashes.push_back(seeded_hash(p, options.seed, "login", ctx.argon2_cost()));
        for (auto p : kTxnPasswords) txn_hashes.push_back(seeded_hash(p, options.seed, "txn", ctx.argon2_cost()));

        PendingCaseMaker cases(ctx, options.pending_cases, options.customers);
        std::mt19937_64 rng(options.seed);
        for (std::int64_t i = 0; i < options.customers; ++i) {
            auto c = make_customer(i, rng, options.seed, login_hashes, txn_hashes);
            c.created_at = ctx.now;
            ctx.store->insert_customer(c);
            cases.make_for(c, i);
            if (options.progress && (i + 1) % 10000 == 0) {
                std::fprintf(stderr, "\rgenerated %lld of %lld customers", static_cast<long long>(i + 1),
                             static_cast<long long>(options.customers));
            }
        }
        if (options.progress) std::fputs("\n", stderr);
        nlohmann::json summary = {{"customers", options.customers}, {"seed", options.seed},
                                  {"first", "C0000001"}, {"last", fmt::format("C{:07}", options.customers)},
                                  {"pending_cases", options.pending_cases}};
        ctx.audit("fixtures generate", "", "ok", summary);
        tx.commit();
        return summary;
    });
}

}  // namespace kunlun
