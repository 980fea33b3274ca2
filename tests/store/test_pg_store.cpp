// What only the PostgreSQL backend has: a server that may be unreachable, and writers that
// really run at once — racing decisions on one case, batch workers claiming chunks, audit
// appends from many connections, deadlocks.
#include "store_support.h"

#include "crypto/audit_chain.h"
#include "store/postgres/pg_migrations.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

using namespace kunlun;
using namespace kunlun::store_test;

namespace {

using Clock = std::chrono::steady_clock;

void insert_pending(Store& store, const std::string& id, std::int64_t due) {
    CaseRecord c;
    c.id = id;
    c.kind = "reset-login";
    c.customer_id = "C000001";
    c.submitted_at = at(due - 100);
    c.submitted_by = "alice";
    c.due_at = at(due);
    c.expires_at = at(due + 1000);
    c.face_result = "pass";
    c.face_ref = "f";
    store.insert_case(c);
}

// A TCP listener on the loopback that never answers: a server that accepted the connection
// and hangs. Closed with the object.
class SilentServer {
public:
    SilentServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    ~SilentServer() { ::close(fd_); }
    [[nodiscard]] int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace

TEST_CASE("an unreachable server is store-unavailable, within the connect timeout", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    auto started = Clock::now();
    auto missing = error_of([] { PgStore s("postgresql:///x?host=/nonexistent-kunlun-socket-dir", 5, "test"); });
    CHECK(missing.exit() == Exit::unavailable);
    CHECK(missing.slug() == "store-unavailable");
    CHECK(Clock::now() - started < std::chrono::seconds(3));

    SilentServer silent;
    started = Clock::now();
    auto hung = error_of([&] {
        PgStore s(fmt::format("postgresql://someone@127.0.0.1:{}/x", silent.port()), 1, "test");
    });
    auto waited = Clock::now() - started;
    CHECK(hung.exit() == Exit::unavailable);
    CHECK(hung.slug() == "store-unavailable");
    CHECK(waited >= std::chrono::milliseconds(900));
    CHECK(waited < std::chrono::seconds(4));

    // The URI's own connect_timeout wins over the configured one.
    started = Clock::now();
    CHECK(error_of([&] {
              PgStore s(fmt::format("postgresql://someone@127.0.0.1:{}/x?connect_timeout=2", silent.port()), 30, "t");
          }).slug() == "store-unavailable");
    CHECK(Clock::now() - started < std::chrono::seconds(5));

    auto no_database = error_of([] { PgStore s(TestCluster::get().uri("kunlun_no_such_database"), 5, "test"); });
    CHECK(no_database.exit() == Exit::unavailable);
    CHECK_THAT(no_database.what(), Catch::Contains("kunlun_no_such_database"));
}

TEST_CASE("the connecting database role is the store's identity", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    auto connect = [&] { return PgStore(b.uri(), 5, "test"); };
    CHECK(connect().current_role() == session::os_operator_name());  // the cluster's superuser (tests/pg/cluster.py)
    TestCluster::get().exec("DROP ROLE IF EXISTS kl_identity_test; CREATE ROLE kl_identity_test LOGIN");
    PgStore as_other(b.uri("kl_identity_test"), 5, "test");
    CHECK(as_other.current_role() == "kl_identity_test");
}

TEST_CASE("two writers deciding one case: the second reads it decided", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    auto setup = open_migrated(b);
    insert(*setup, sample_customer());
    insert_pending(*setup, "K1", 5000);

    auto first = open_migrated(b);
    auto second = open_migrated(b);
    first->begin_write();
    auto held = first->find_case("K1");
    REQUIRE(held);
    REQUIRE(held->state == "pending");

    std::promise<void> second_started;
    auto seen = std::async(std::launch::async, [&] {
        second->begin_write();
        second_started.set_value();
        auto c = second->find_case("K1");  // waits for the first writer's row lock
        second->commit();
        return c ? c->state : std::string("missing");
    });
    second_started.get_future().wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(seen.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);  // still waiting
    held->state = "approved";
    held->decided_by = "bob";
    held->decided_at = at(5001);
    first->update_case(*held);
    first->commit();
    CHECK(seen.get() == "approved");
}

TEST_CASE("workers claim disjoint chunks at once, and a rolled-back chunk is swept up", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    auto setup = open_migrated(b);
    {
        Transaction tx(*setup, Transaction::Kind::write);
        for (int i = 0; i < 30; ++i) insert_pending(*setup, fmt::format("K{:02}", i), 1000 + i);
        tx.commit();
    }
    auto a = open_migrated(b);
    auto w = open_migrated(b);
    a->begin_write();
    auto chunk_a = a->claim_batch_chunk("run", std::nullopt, 10);
    w->begin_write();
    auto started = Clock::now();
    auto chunk_w = w->claim_batch_chunk("run", std::nullopt, 10);  // skips a's locked cases at once
    CHECK(Clock::now() - started < std::chrono::seconds(1));
    REQUIRE(chunk_a.size() == 10);
    REQUIRE(chunk_w.size() == 10);
    CHECK(chunk_a.front().id == "K00");
    CHECK(chunk_w.front().id == "K10");
    a->rollback();  // worker a is killed: its chunk goes back
    w->commit();

    // w goes on after its cursor, then sweeps back for a's chunk; nothing is taken twice.
    std::multiset<std::string> taken;
    for (const auto& c : chunk_w) taken.insert(c.id);
    std::optional<std::pair<Instant, std::string>> cursor = std::make_pair(chunk_w.back().due_at, chunk_w.back().id);
    while (true) {
        Transaction tx(*w, Transaction::Kind::write);
        auto chunk = w->claim_batch_chunk("run", cursor, 10);
        if (chunk.empty()) break;
        for (const auto& c : chunk) taken.insert(c.id);
        cursor = std::make_pair(chunk.back().due_at, chunk.back().id);
        tx.commit();
    }
    CHECK(taken.size() == 30);
    CHECK(std::set<std::string>(taken.begin(), taken.end()).size() == 30);

    // A new run takes the still-pending cases again.
    Transaction tx(*w, Transaction::Kind::write);
    CHECK(w->claim_batch_chunk("next-run", std::nullopt, 100).size() == 30);
    tx.commit();
}

TEST_CASE("audit appends from concurrent writers form one chain", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    open_migrated(b);
    constexpr int kWriters = 4, kTransactions = 40;
    std::vector<std::thread> writers;
    std::atomic<int> failures = 0;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            try {
                auto store = open_migrated(b);
                for (int i = 0; i < kTransactions; ++i) {
                    Transaction tx(*store, Transaction::Kind::write);
                    store->append_audit(draft("operator add", fmt::format(R"({{"writer":{},"n":{}}})", w, i)));
                    store->put_operator({fmt::format("op{}", w), {Role::operator_}, at(100)});
                    store->append_audit(draft("operator add", fmt::format(R"({{"writer":{},"n":{},"second":true}})", w, i)));
                    tx.commit();
                }
            } catch (...) {
                ++failures;
            }
        });
    }
    for (auto& t : writers) t.join();
    CHECK(failures == 0);
    auto store = open_migrated(b);
    auto all = audit_entries(*store);
    REQUIRE(all.size() == static_cast<std::size_t>(kWriters * kTransactions * 2));
    auto key = test_master_key(1).derive("audit-mac");
    check_one_chain(all, key);
    // A transaction's two entries stay next to each other.
    for (std::size_t i = 0; i < all.size(); i += 2) CHECK(all[i + 1].details.find("second") != std::string::npos);
    CHECK(store->audit_head().seq == static_cast<std::int64_t>(all.size()));
}

TEST_CASE("a deadlock between two writers is a transient conflict for one of them", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    auto setup = open_migrated(b);
    insert(*setup, plain_customer("C1", "+8613800000001"));
    insert(*setup, plain_customer("C2", "+8613800000002"));
    auto one = open_migrated(b);
    auto two = open_migrated(b);
    one->begin_write();
    two->begin_write();
    REQUIRE(one->find_customer("C1"));
    REQUIRE(two->find_customer("C2"));
    auto crossed = [](Store& s, const char* id) {
        try {
            static_cast<void>(s.find_customer(id));
            return std::string("ok");
        } catch (const TransientConflict& e) {
            s.rollback();
            return std::string(e.slug());
        }
    };
    auto first = std::async(std::launch::async, [&] { return crossed(*one, "C2"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto second = crossed(*two, "C1");
    if (second == "ok") two->commit();
    auto first_result = first.get();
    if (first_result == "ok") one->commit();
    CHECK(std::set<std::string>{first_result, second} == std::set<std::string>{"ok", "busy"});
}

TEST_CASE("two migrations at once apply each version once", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    auto one = b.connect();
    auto two = b.connect();
    auto first = std::async(std::launch::async, [&] { return one->migrate(); });
    auto second = two->migrate();
    auto first_applied = first.get();
    CHECK(first_applied.size() + second.size() == static_cast<std::size_t>(one->latest_schema_version()));
    CHECK((first_applied.empty() || second.empty()));
    CHECK(one->schema_version() == one->latest_schema_version());
}

TEST_CASE("an older PostgreSQL schema is brought up to date, version by version", "[store][postgresql]") {
    KUNLUN_REQUIRE_BACKEND(PgBackend);
    PgBackend b;
    // A store left at version 1 by an older kunlunctl.
    b.exec("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)");
    b.exec(std::string(postgres::migrations()[0]));
    b.exec("INSERT INTO schema_migrations VALUES (1, 0)");
    auto store = b.connect();
    CHECK(store->schema_version() == 1);
    std::vector<std::int64_t> rest;
    for (std::int64_t v = 2; v <= store->latest_schema_version(); ++v) rest.push_back(v);
    CHECK(store->migrate() == rest);
    CHECK(store->schema_version() == store->latest_schema_version());
    store->attach_keys(keys_from(test_master_key(1)));
    insert(*store, sample_customer());  // the tables of version 1 hold data alongside the new ones
    CHECK(store->find_customer("C000001").has_value());
    CHECK(store->pending_cases_of("C000001", "reset-txn").empty());
}
