#include "store/open_store.h"

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace kunlun {

OpenedStore open_store(const StoreLocator& locator, const Settings& settings, StoreOpening opening) {
    OpenedStore opened;
    if (locator.kind == StoreLocator::Kind::postgresql) {
        auto store = std::make_unique<PgStore>(locator.uri, settings.store_connect_timeout_s, locator.display());
        opened.database_role = store->current_role();
        opened.store = std::move(store);
        return opened;
    }
    opened.store = std::make_unique<SqliteStore>(
        locator.path,
        opening == StoreOpening::create_if_missing ? SqliteStore::Mode::create_if_missing : SqliteStore::Mode::open_existing,
        settings.store_busy_timeout_ms);
    return opened;
}

}  // namespace kunlun
