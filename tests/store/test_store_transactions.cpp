// Store conformance, on every backend: transactions, operators, the audit chain, calendars
// and named locks.
#include "store_support.h"

#include "crypto/audit_chain.h"

#include <stdexcept>
#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

#define STORE_TEST(name) TEMPLATE_TEST_CASE(name, "[store]", SqliteBackend, PgBackend)

STORE_TEST("a transaction that throws leaves nothing behind") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    auto before = store->audit_head();
    try {
        Transaction tx(*store, Transaction::Kind::write);
        store->insert_customer(sample_customer());
        store->put_operator({"alice", {Role::operator_}, at(1772409600)});
        store->append_audit(draft("fixtures load", "{}"));
        throw std::runtime_error("the command failed half-way");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(store->customer_exists("C000001"));
    CHECK_FALSE(store->find_customer("C000001").has_value());
    CHECK_FALSE(store->customer_with_phone("+8613800001152").has_value());
    CHECK_FALSE(store->customer_with_account("6222020200000000014").has_value());
    CHECK_FALSE(store->find_operator("alice").has_value());
    CHECK(store->audit_head().seq == before.seq);
    CHECK(audit_entries(*store).empty());

    // A failing insert (a duplicate id) inside a transaction rolls back what came before it.
    insert(*store, sample_customer());
    auto second = sample_customer();
    second.id = "C000009";
    second.phone = "+8613912345678";
    second.accounts.clear();
    auto duplicate = sample_customer();
    duplicate.phone = "+8613912340000";
    duplicate.accounts.clear();
    CHECK_THROWS_AS(([&] {
                        Transaction tx(*store, Transaction::Kind::write);
                        store->insert_customer(second);
                        store->insert_customer(duplicate);
                        tx.commit();
                    }()),
                    Error);
    CHECK_FALSE(store->customer_exists("C000009"));
}

STORE_TEST("the store keeps working after a statement failed") {
    // One process may run several transactions (a batch): a failed insert must not poison the
    // next use of the same prepared statement.
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    auto duplicate = sample_customer();
    duplicate.phone = "+8613912340000";
    duplicate.accounts.clear();
    CHECK_THROWS_AS(insert(*store, duplicate), Error);
    auto next = sample_customer();
    next.id = "C000009";
    next.phone = "+8613912345678";
    next.accounts.clear();
    CHECK_NOTHROW(insert(*store, next));
    CHECK(store->customer_exists("C000009"));
}

STORE_TEST("operators: put, replace roles, list in name order, remove") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    store->put_operator({"bob", {Role::reviewer}, at(100)});
    store->put_operator({"alice", {Role::operator_, Role::auditor}, at(200)});
    store->put_operator({"bob", {Role::reviewer, Role::admin}, at(300)});
    store->put_operator({"Zed", {Role::auditor}, at(400)});
    auto all = store->list_operators();
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "Zed");  // bytewise: upper case first, whatever the locale
    CHECK(all[1].name == "alice");
    CHECK(all[1].roles == std::vector<Role>{Role::operator_, Role::auditor});
    CHECK(all[2].roles == std::vector<Role>{Role::reviewer, Role::admin});
    CHECK(all[2].created_at == at(100));  // replacing roles keeps the creation time
    CHECK(store->remove_operator("alice"));
    CHECK_FALSE(store->remove_operator("alice"));
    CHECK_FALSE(store->find_operator("alice").has_value());
}

STORE_TEST("audit entries get consecutive sequence numbers and chained MACs") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto master = test_master_key(1);
    auto store = open_migrated(b);
    CHECK(store->audit_head().seq == 0);
    CHECK(store->audit_head().mac.empty());
    for (const char* details : {R"({"n":1})", R"({"n":2})", R"({"n":3})"}) {
        Transaction tx(*store, Transaction::Kind::write);
        store->append_audit(draft("operator add", details));
        tx.commit();
    }
    auto key = master.derive("audit-mac");
    auto stored = audit_entries(*store);
    REQUIRE(stored.size() == 3);
    std::vector<unsigned char> previous;
    for (std::size_t i = 0; i < stored.size(); ++i) {
        CHECK(stored[i].seq == static_cast<std::int64_t>(i + 1));
        CHECK(stored[i].mac == audit_mac(key, previous, stored[i]));
        CHECK(stored[i].details == fmt::format(R"({{"n":{}}})", i + 1));
        CHECK(stored[i].operator_name == "root");
        previous = stored[i].mac;
    }
    CHECK(stored[1].mac != stored[2].mac);
    auto head = store->audit_head();
    CHECK(head.seq == 3);
    CHECK(head.mac == stored[2].mac);

    // The chain continues across connections: a new connection appends seq 4 after seq 3's MAC.
    auto again = open_migrated(b);
    Transaction tx(*again, Transaction::Kind::write);
    again->append_audit(draft("operator remove", "{}"));
    tx.commit();
    auto all = audit_entries(*again);
    REQUIRE(all.size() == 4);
    CHECK(all[3].seq == 4);
    CHECK(all[3].mac == audit_mac(key, stored[2].mac, all[3]));
}

STORE_TEST("several entries of one transaction chain in the order they were appended") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    {
        Transaction tx(*store, Transaction::Kind::write);
        store->append_audit(draft("review approve", R"({"n":1})"));
        store->append_audit(draft("review reject", R"({"n":2})"));
        store->put_operator({"bob", {Role::reviewer}, at(100)});
        store->append_audit(draft("review expire", R"({"n":3})"));
        tx.commit();
    }
    store->append_audit(draft("outside a transaction", "{}"));  // its own transaction
    auto key = test_master_key(1).derive("audit-mac");
    auto all = audit_entries(*store);
    REQUIRE(all.size() == 4);
    check_one_chain(all, key);
    CHECK(all[0].command == "review approve");
    CHECK(all[2].command == "review expire");
    CHECK(all[3].command == "outside a transaction");
}

STORE_TEST("hundreds of entries in one transaction chain unbroken, across full and partial groups") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    // 250 then 100 then 1 entries: a backend that writes entries in groups of rows must get
    // every group's boundaries right, a last short group and a group of one included.
    for (int count : {250, 100, 1}) {
        Transaction tx(*store, Transaction::Kind::write);
        for (int i = 0; i < count; ++i) {
            auto d = draft("review approve", fmt::format(R"({{"count":{},"i":{}}})", count, i));
            d.customer = fmt::format("C{:06}", i);
            store->append_audit(d);
        }
        tx.commit();
    }
    auto key = test_master_key(1).derive("audit-mac");
    auto all = audit_entries(*store);
    REQUIRE(all.size() == 351);
    check_one_chain(all, key);
    CHECK(all[249].details == R"({"count":250,"i":249})");
    CHECK(all[249].customer == "C000249");
    CHECK(all[250].details == R"({"count":100,"i":0})");
    CHECK(all[350].details == R"({"count":1,"i":0})");
    CHECK(store->audit_head().seq == 351);
    CHECK(store->audit_head().mac == all[350].mac);
}

STORE_TEST("audit entries filter by customer") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    Transaction tx(*store, Transaction::Kind::write);
    auto a = draft("reset-login", "{}");
    a.customer = "C000001";
    store->append_audit(a);
    store->append_audit(draft("operator add", "{}"));
    a.customer = "C000002";
    store->append_audit(a);
    tx.commit();
    std::vector<std::int64_t> seqs;
    store->for_each_audit(std::string("C000002"), [&](const AuditEntry& e) {
        seqs.push_back(e.seq);
        return true;
    });
    CHECK(seqs == std::vector<std::int64_t>{3});
}

STORE_TEST("calendars are stored per region and year and can be replaced") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    store->put_calendar({"CN", 2031, "year = 2031"});
    store->put_calendar({"HK", 2031, "hk"});
    store->put_calendar({"CN", 2030, "year = 2030"});
    store->put_calendar({"CN", 2031, "replaced"});
    auto cn = store->calendars("CN");
    REQUIRE(cn.size() == 2);
    CHECK(cn[0].year == 2030);
    CHECK(cn[1].body == "replaced");
}

STORE_TEST("a write after another connection's commit succeeds") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto first = open_migrated(b);
    auto second = open_migrated(b);
    first->set_meta("testing", "1");
    CHECK(second->meta("testing") == std::optional<std::string>("1"));  // second has read
    first->put_operator({"alice", {Role::operator_}, at(100)});           // first commits after that
    REQUIRE_NOTHROW(second->begin_write());
    second->put_operator({"bob", {Role::reviewer}, at(200)});
    second->commit();
    CHECK(first->find_operator("bob").has_value());
}

STORE_TEST("a rolled-back write leaves nothing, a read transaction sees committed data") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    store->put_operator({"alice", {Role::operator_}, at(100)});
    {
        Transaction tx(*store, Transaction::Kind::write);
        store->lock_named("init");  // held until the end of the transaction; nothing else waits
        store->put_operator({"bob", {Role::reviewer}, at(200)});
        store->append_audit(draft("operator add", "{}"));
        tx.rollback();
    }
    CHECK_FALSE(store->find_operator("bob").has_value());
    CHECK(store->audit_head().seq == 0);
    {
        Transaction tx(*store, Transaction::Kind::read);
        CHECK(store->list_operators().size() == 1);
        tx.commit();
    }
}
