// Store conformance, on every backend: review cases, their materials and filters, and the
// batch's claimed chunks and worker rows.
#include "store_support.h"

#include <set>
#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

#define STORE_TEST(name) TEMPLATE_TEST_CASE(name, "[store]", SqliteBackend, PgBackend)

namespace {

CaseRecord sample_case(const std::string& id, std::int64_t due, const std::string& customer = "C000001") {
    CaseRecord c;
    c.id = id;
    c.kind = "reset-txn";
    c.customer_id = customer;
    c.account = "6222020200000000014";
    c.submitted_at = at(due - 86400);
    c.submitted_by = "alice";
    c.due_at = at(due);
    c.expires_at = at(due + 5 * 86400);
    c.face_result = "pass";
    c.face_ref = "face-" + id;
    c.contact_phone = "+8613700002233";
    c.staged_hash = "$argon2id$staged";
    c.staged_secret_enc = {1, 2, 3, 4, 5};
    c.checks = R"({"identity_ref":"abc"})";
    c.materials = {{"id-back", std::string(64, 'b'), "image/png", 20}, {"id-front", std::string(64, 'a'), "image/jpeg", 10}};
    return c;
}

// Pending cases K0000..K(n-1), due one second apart (in order).
template <typename Backend>
void insert_cases(Store& store, int n) {
    Transaction tx(store, Transaction::Kind::write);
    for (int i = 0; i < n; ++i) store.insert_case(sample_case(fmt::format("K{:04}", i), 1772500000 + i));
    tx.commit();
}

std::vector<std::string> ids_of(const std::vector<CaseRecord>& cases) {
    std::vector<std::string> out;
    for (const auto& c : cases) out.push_back(c.id);
    return out;
}

}  // namespace

STORE_TEST("a case round-trips with its materials, and deciding it wipes the staged secret") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    auto original = sample_case("K20260306-0000abcd", 1772500000);
    original.kind = "change-phone";
    original.staged_phone = "+8613912345678";
    {
        Transaction tx(*store, Transaction::Kind::write);
        store->insert_case(original);
        tx.commit();
    }
    auto c = store->find_case(original.id);
    REQUIRE(c);
    CHECK(c->kind == "change-phone");
    CHECK(c->customer_id == "C000001");
    CHECK(c->account == "6222020200000000014");
    CHECK(c->state == "pending");
    CHECK(c->submitted_at == original.submitted_at);
    CHECK(c->due_at == original.due_at);
    CHECK(c->expires_at == original.expires_at);
    CHECK(c->contact_phone == "+8613700002233");
    CHECK(c->staged_phone == "+8613912345678");
    CHECK(c->staged_hash == "$argon2id$staged");
    CHECK(c->staged_secret_enc == std::vector<unsigned char>{1, 2, 3, 4, 5});
    CHECK(c->checks == original.checks);
    CHECK_FALSE(c->decided_at.has_value());
    CHECK(c->decided_by.empty());
    REQUIRE(c->materials.size() == 2);
    CHECK(c->materials[0].role == "id-back");
    CHECK(c->materials[1].media == "image/jpeg");
    CHECK(c->materials[1].size == 10);
    CHECK_FALSE(store->find_case("K-none").has_value());
    // Sealed with the case id as the owner: not in clear.
    for (const auto& column : b.row_bytes("SELECT account_enc, contact_phone_enc, staged_phone_enc FROM cases")) {
        CHECK(column.find("13700002233") == std::string::npos);
        CHECK(column.find("13912345678") == std::string::npos);
        CHECK(column.find("6222020200000000014") == std::string::npos);
    }

    // Pending with a new check result: the staged secret stays; decided: it is wiped.
    c->checks = "{}";
    store->update_case(*c);
    CHECK(store->find_case(original.id)->staged_secret_enc.size() == 5);
    c->state = "approved";
    c->decided_at = at(1772500100);
    c->decided_by = "bob";
    c->decision_auto = true;
    c->note = "ok";
    store->update_case(*c);
    auto decided = store->find_case(original.id);
    REQUIRE(decided);
    CHECK(decided->state == "approved");
    CHECK(decided->decided_at == at(1772500100));
    CHECK(decided->decided_by == "bob");
    CHECK(decided->decision_auto);
    CHECK(decided->note == "ok");
    CHECK(decided->reason.empty());
    CHECK(decided->staged_secret_enc.empty());
    CHECK(decided->staged_hash == "$argon2id$staged");  // the hash stays on the row
}

STORE_TEST("cases filter by state, kind, customer and overdue, and count alike") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    {
        Transaction tx(*store, Transaction::Kind::write);
        auto a = sample_case("K1", 1000, "C1");
        auto b2 = sample_case("K2", 2000, "C1");
        b2.kind = "reset-login";
        b2.account.clear();
        auto c = sample_case("K3", 3000, "C2");
        store->insert_case(a);
        store->insert_case(b2);
        store->insert_case(c);
        c.state = "rejected";
        store->update_case(c);
        tx.commit();
    }
    auto ids = [&](const CaseFilter& f) {
        std::vector<std::string> out;
        store->for_each_case(f, [&](const CaseRecord& c) {
            out.push_back(c.id);
            return true;
        });
        CHECK(store->count_cases(f) == static_cast<std::int64_t>(out.size()));
        return out;
    };
    CaseFilter all;
    CHECK(ids(all) == std::vector<std::string>{"K1", "K2", "K3"});
    CaseFilter pending;
    pending.state = "pending";
    CHECK(ids(pending) == std::vector<std::string>{"K1", "K2"});
    CaseFilter login;
    login.kind = "reset-login";
    CHECK(ids(login) == std::vector<std::string>{"K2"});
    CaseFilter of_c2;
    of_c2.customer_id = "C2";
    CHECK(ids(of_c2) == std::vector<std::string>{"K3"});
    CaseFilter overdue;
    overdue.overdue_at = at(2500);
    CHECK(ids(overdue) == std::vector<std::string>{"K1", "K2"});
    overdue.overdue_at = at(1500);
    CHECK(ids(overdue) == std::vector<std::string>{"K1"});
    CHECK(store->pending_cases_of("C1", "reset-txn") == std::vector<std::string>{"K1"});
    CHECK(store->pending_cases_of("C2", "reset-txn").empty());
}

STORE_TEST("cases page by (due_at, id) after a cursor") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    {
        Transaction tx(*store, Transaction::Kind::write);
        store->insert_case(sample_case("K-b", 2000));
        store->insert_case(sample_case("K-a", 2000));  // same due time: id decides
        store->insert_case(sample_case("K-c", 1000));
        store->insert_case(sample_case("K-d", 3000));
        tx.commit();
    }
    CaseFilter f;
    f.state = "pending";
    f.limit = 2;
    std::vector<std::string> seen;
    store->for_each_case(f, [&](const CaseRecord& c) {
        seen.push_back(c.id);
        return true;
    });
    CHECK(seen == std::vector<std::string>{"K-c", "K-a"});
    f.after = std::make_pair(at(2000), std::string("K-a"));
    seen.clear();
    store->for_each_case(f, [&](const CaseRecord& c) {
        seen.push_back(c.id);
        return true;
    });
    CHECK(seen == std::vector<std::string>{"K-b", "K-d"});
}

STORE_TEST("batch chunks cover every pending case once, in (due_at, id) order") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert_cases<TestType>(*store, 25);
    {  // a case that is no longer pending is never claimed
        auto decided = sample_case("K0003", 1772500003);
        decided.state = "withdrawn";
        store->update_case(decided);
    }
    std::vector<std::string> claimed;
    std::optional<std::pair<Instant, std::string>> cursor;
    while (true) {
        Transaction tx(*store, Transaction::Kind::write);
        auto chunk = store->claim_batch_chunk("run-1", cursor, 10);
        if (chunk.empty()) break;
        CHECK(chunk.size() <= 10);
        for (const auto& c : chunk) {
            CHECK(c.state == "pending");
            claimed.push_back(c.id);
        }
        cursor = std::make_pair(chunk.back().due_at, chunk.back().id);
        tx.commit();
    }
    std::vector<std::string> expected;
    for (int i = 0; i < 25; ++i) {
        if (i != 3) expected.push_back(fmt::format("K{:04}", i));
    }
    CHECK(claimed == expected);
}

STORE_TEST("a chunk whose transaction rolls back is claimed again") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert_cases<TestType>(*store, 5);
    {
        Transaction tx(*store, Transaction::Kind::write);
        CHECK(ids_of(store->claim_batch_chunk("run-1", std::nullopt, 3)) ==
              std::vector<std::string>{"K0000", "K0001", "K0002"});
        tx.rollback();  // a killed worker
    }
    Transaction tx(*store, Transaction::Kind::write);
    CHECK(ids_of(store->claim_batch_chunk("run-1", std::nullopt, 3)) == std::vector<std::string>{"K0000", "K0001", "K0002"});
    tx.commit();
}

STORE_TEST("batch worker rows register, renew and release by pid and host") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    CHECK(store->batch_workers().empty());
    store->set_batch_lock({"bob", 100, "host-a", at(1000), "r1"});
    store->set_batch_lock({"bob", 100, "host-a", at(1060), "r1"});  // renewed, not a second row
    auto workers = store->batch_workers();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].holder == "bob");
    CHECK(workers[0].pid == 100);
    CHECK(workers[0].host == "host-a");
    CHECK(workers[0].heartbeat == at(1060));
    store->release_batch_lock(100, "host-b");  // another host's pid 100: not this row
    CHECK(store->batch_workers().size() == 1);
    store->release_batch_lock(100, "host-a");
    CHECK(store->batch_workers().empty());
}

STORE_TEST("the materials of a set of cases are read at once") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert_cases<TestType>(*store, 3);
    auto bare = sample_case("K9999", 1772600000);
    bare.materials.clear();
    {
        Transaction tx(*store, Transaction::Kind::write);
        store->insert_case(bare);
        tx.commit();
    }
    auto by_case = store->materials_of_cases({"K0002", "K0000", "K9999", "K404"});
    REQUIRE(by_case.size() == 2);  // cases without materials, and unknown ones, are absent
    REQUIRE(by_case["K0000"].size() == 2);
    CHECK(by_case["K0000"][0].role == "id-back");  // by role, as case_materials
    CHECK(by_case["K0000"][1].sha256 == std::string(64, 'a'));
    CHECK(by_case["K0000"][1].size == 10);
    auto one = store->case_materials("K0002");
    REQUIRE(by_case["K0002"].size() == one.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
        CHECK(by_case["K0002"][i].role == one[i].role);
        CHECK(by_case["K0002"][i].sha256 == one[i].sha256);
        CHECK(by_case["K0002"][i].media == one[i].media);
    }
    CHECK(store->materials_of_cases({}).empty());
}
