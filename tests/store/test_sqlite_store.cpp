// What only the SQLite backend has: a store file (missing, damaged) and one write lock shared
// with other processes, waited for `store.busy_timeout_ms`.
#include "store_support.h"

#include "store/postgres/pg_migrations.h"
#include "store/sqlite/migrations.h"

#include <chrono>
#include <fstream>

using namespace kunlun;
using namespace kunlun::store_test;

TEST_CASE("opening a missing or damaged file is store-unavailable", "[store][sqlite]") {
    TempDir dir;
    auto missing = error_of([&] { SqliteStore s(dir.file("none.db"), SqliteStore::Mode::open_existing, 100); });
    CHECK(missing.exit() == Exit::unavailable);
    CHECK(missing.slug() == "store-unavailable");
    CHECK_FALSE(fs::exists(dir.file("none.db")));

    std::ofstream(dir.file("junk.db"), std::ios::binary) << std::string(8192, 'x');
    auto junk = error_of([&] {
        SqliteStore s(dir.file("junk.db"), SqliteStore::Mode::open_existing, 100);
        static_cast<void>(s.schema_version());
    });
    CHECK(junk.exit() == Exit::unavailable);
    CHECK(junk.slug() == "store-unavailable");
}

TEST_CASE("a write lock held elsewhere is busy after the timeout", "[store][sqlite]") {
    SqliteBackend b;
    auto holder = open_migrated(b);
    auto waiter = open_migrated(b, 1, 300);
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
    SqliteBackend b;
    auto holder = open_migrated(b);
    holder->set_meta("testing", "1");
    holder->put_operator({"root", {Role::admin}, at(100)});
    auto waiter = open_migrated(b, 1, 300);
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

TEST_CASE("the SQLite batch has one worker at a time", "[store][sqlite]") {
    SqliteBackend b;
    auto store = open_migrated(b);
    CHECK_FALSE(store->shared_batch_runs());
    store->set_batch_lock({"bob", 100, "host-a", at(1000), ""});
    store->set_batch_lock({"dave", 200, "host-a", at(2000), ""});  // the one lock row, replaced
    auto workers = store->batch_workers();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].holder == "dave");
    store->release_batch_lock(100, "host-a");  // not the holder: nothing happens
    CHECK(store->batch_workers().size() == 1);
    store->release_batch_lock(200, "host-a");
    CHECK(store->batch_workers().empty());
}

TEST_CASE("both backends have the same schema versions", "[store]") {
    // A migration appended to one dialect and not the other would leave stores of one
    // version with different schemas.
    CHECK(sqlite::migrations().size() == postgres::migrations().size());
}
