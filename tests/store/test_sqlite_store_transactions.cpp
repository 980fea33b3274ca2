// SqliteStore on real temporary files: transactions, operators, the audit chain, calendars and
// the write lock shared with other processes.
#include "sqlite_store_support.h"

#include "crypto/audit_chain.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

TEST_CASE("a transaction that throws leaves nothing behind", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
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

TEST_CASE("the store keeps working after a statement failed", "[store][sqlite]") {
    // One process may run several transactions (a batch): a failed insert must not poison the
    // next use of the same cached statement.
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
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

TEST_CASE("operators: put, replace roles, list in name order, remove", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    store->put_operator({"bob", {Role::reviewer}, at(100)});
    store->put_operator({"alice", {Role::operator_, Role::auditor}, at(200)});
    store->put_operator({"bob", {Role::reviewer, Role::admin}, at(300)});
    auto all = store->list_operators();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "alice");
    CHECK(all[0].roles == std::vector<Role>{Role::operator_, Role::auditor});
    CHECK(all[1].roles == std::vector<Role>{Role::reviewer, Role::admin});
    CHECK(all[1].created_at == at(100));  // replacing roles keeps the creation time
    CHECK(store->remove_operator("alice"));
    CHECK_FALSE(store->remove_operator("alice"));
    CHECK_FALSE(store->find_operator("alice").has_value());
}

TEST_CASE("audit entries get consecutive sequence numbers and chained MACs", "[store][sqlite]") {
    TempDir dir;
    auto master = test_master_key(1);
    auto store = open_store(dir.file("s.db"));
    CHECK(store->audit_head().seq == 0);
    CHECK(store->audit_head().mac.empty());
    std::vector<AuditEntry> appended;
    for (const char* details : {R"({"n":1})", R"({"n":2})", R"({"n":3})"}) {
        Transaction tx(*store, Transaction::Kind::write);
        appended.push_back(store->append_audit(draft("operator add", details)));
        tx.commit();
    }
    auto key = master.derive("audit-mac");
    std::vector<unsigned char> previous;
    for (std::size_t i = 0; i < appended.size(); ++i) {
        CHECK(appended[i].seq == static_cast<std::int64_t>(i + 1));
        CHECK(appended[i].mac == audit_mac(key, previous, appended[i]));
        previous = appended[i].mac;
    }
    CHECK(appended[1].mac != appended[2].mac);

    std::vector<AuditEntry> stored;
    store->for_each_audit(std::nullopt, [&](const AuditEntry& e) {
        stored.push_back(e);
        return true;
    });
    REQUIRE(stored.size() == 3);
    for (std::size_t i = 0; i < stored.size(); ++i) {
        CHECK(stored[i].seq == appended[i].seq);
        CHECK(stored[i].mac == appended[i].mac);
        CHECK(stored[i].details == appended[i].details);
        CHECK(stored[i].operator_name == "root");
    }
    auto head = store->audit_head();
    CHECK(head.seq == 3);
    CHECK(head.mac == appended[2].mac);

    // The chain continues across connections: a new connection appends seq 4 after seq 3's MAC.
    auto again = open_store(dir.file("s.db"));
    Transaction tx(*again, Transaction::Kind::write);
    auto fourth = again->append_audit(draft("operator remove", "{}"));
    tx.commit();
    CHECK(fourth.seq == 4);
    CHECK(fourth.mac == audit_mac(key, appended[2].mac, fourth));
}

TEST_CASE("audit entries filter by customer", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
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

TEST_CASE("calendars are stored per region and year and can be replaced", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    store->put_calendar({"CN", 2031, "year = 2031"});
    store->put_calendar({"HK", 2031, "hk"});
    store->put_calendar({"CN", 2030, "year = 2030"});
    store->put_calendar({"CN", 2031, "replaced"});
    auto cn = store->calendars("CN");
    REQUIRE(cn.size() == 2);
    CHECK(cn[0].year == 2030);
    CHECK(cn[1].body == "replaced");
}

TEST_CASE("a write lock held elsewhere is busy after the timeout", "[store][sqlite]") {
    TempDir dir;
    auto holder = open_store(dir.file("s.db"));
    auto waiter = open_store(dir.file("s.db"), 1, 300);
    holder->begin_write();
    auto started = std::chrono::steady_clock::now();
    auto e = error_of([&] { waiter->begin_write(); });
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(e.exit() == Exit::busy);
    CHECK(e.slug() == "busy");
    CHECK(waited >= std::chrono::milliseconds(250));
    holder->rollback();
    waiter->begin_write();
    waiter->rollback();
}

TEST_CASE("reads before a write do not defeat the busy timeout", "[store][sqlite]") {
    // A command reads (meta, operator) and then writes; the write must still wait for a lock
    // another process holds briefly, not fail at once.
    TempDir dir;
    auto holder = open_store(dir.file("s.db"));
    holder->set_meta("testing", "1");
    holder->put_operator({"root", {Role::admin}, at(100)});
    auto waiter = open_store(dir.file("s.db"), 1, 300);
    CHECK(waiter->meta("testing") == std::optional<std::string>("1"));
    CHECK(waiter->find_operator("root").has_value());
    holder->begin_write();
    auto started = std::chrono::steady_clock::now();
    auto e = error_of([&] { waiter->begin_write(); });
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(e.slug() == "busy");
    CHECK(waited >= std::chrono::milliseconds(250));
    holder->rollback();
}

TEST_CASE("a write after another connection's commit succeeds", "[store][sqlite]") {
    TempDir dir;
    auto first = open_store(dir.file("s.db"));
    auto second = open_store(dir.file("s.db"));
    first->set_meta("testing", "1");
    CHECK(second->meta("testing") == std::optional<std::string>("1"));  // second has read
    first->put_operator({"alice", {Role::operator_}, at(100)});           // first commits after that
    REQUIRE_NOTHROW(second->begin_write());
    second->put_operator({"bob", {Role::reviewer}, at(200)});
    second->commit();
    CHECK(first->find_operator("bob").has_value());
}
