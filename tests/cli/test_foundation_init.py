"""init, the master key file, opening the store, the test-store overrides and the command line."""
import os
import pwd

import kltest
from kltest import expect, expect_eq, expect_error, expect_in, expect_ok

NOW = "2026-03-02T10:00:00+08:00"


def os_user():
    return pwd.getpwuid(os.geteuid()).pw_name


def test_init_testing_creates_store_and_key(k):
    r = k.run("init", "--testing", json=True)
    expect_ok(r)
    j = r.json
    expect_eq(j["created"], True, "created", r)
    expect_eq(j["testing"], True, "testing", r)
    expect_eq(j["key_created"], True, "key_created", r)
    expect_eq(j["admin"], os_user(), "the first init's caller is admin", r)
    expect(k.store_exists(), "store created", r)
    expect(os.path.isfile(k.key), f"key file {k.key} created beside the store", r)
    expect_eq(oct(kltest.file_mode(k.key)), oct(0o600), "key file mode")
    expect_eq(os.path.getsize(k.key), 32, "key file size")
    ops = k.ok("operator", "list", json=True).json
    expect_eq([(o["name"], o["roles"]) for o in ops], [(os_user(), ["admin"])], "operators after init")
    entries = k.ok("audit", "list", json=True).json
    expect_eq([e["command"] for e in entries], ["init"], "audit after init")


def test_second_init_changes_nothing(k):
    k.init()
    k.ok("operator", "add", "alice", "--role", "operator")
    before_audit = k.audit_count()
    key_before = open(k.key, "rb").read()
    r = k.ok("init", "--testing")
    expect_in("nothing changed", r.out, "second init says so", r)
    r = k.ok("init", json=True)
    expect_eq(r.json["created"], False, "created", r)
    expect_eq(r.json["migrated"], [], "migrated", r)
    expect_eq(r.json["key_created"], False, "key_created", r)
    expect_eq(k.audit_count(), before_audit, "audit entries after a second init")
    expect_eq(open(k.key, "rb").read(), key_before, "the key file is untouched")


def test_second_init_needs_admin(k):
    k.init()
    k.ok("operator", "add", "alice", "--role", "operator")
    expect_error(k.run("init", "--testing", op="alice"), 77, "permission", "admin")


def test_init_with_operator_override_makes_that_operator_admin(k):
    r = k.run("init", "--testing", op="ops-admin", json=True)
    expect_ok(r)
    expect_eq(r.json["admin"], "ops-admin", "admin", r)
    names = [o["name"] for o in k.ok("operator", "list", op="ops-admin", json=True).json]
    expect_eq(names, ["ops-admin"], "operators")
    # The OS account that ran nothing is not an operator of this store.
    expect_error(k.run("customer", "list"), 77, "permission", os_user())


def test_key_file_readable_by_others_refused(k):
    k.init()
    os.chmod(k.key, 0o644)
    expect_error(k.run("customer", "list"), 77, "key-insecure", k.key)
    expect_error(k.run("customer", "list", json=True), 77, "key-insecure")
    expect_error(k.run("init", "--testing"), 77, "key-insecure")
    os.chmod(k.key, 0o640)
    expect_error(k.run("customer", "list"), 77, "key-insecure")
    os.chmod(k.key, 0o600)
    k.ok("customer", "list")


def test_key_file_missing_or_wrong(k):
    k.init()
    key = open(k.key, "rb").read()
    os.remove(k.key)
    expect_error(k.run("customer", "list"), 69, "key-missing", k.key)
    with open(k.key, "wb") as f:
        f.write(key[:31])
    os.chmod(k.key, 0o600)
    expect_error(k.run("customer", "list"), 69, "key-invalid", k.key)
    with open(k.key, "wb") as f:
        f.write(bytes(32))  # a key, but not this store's
    expect_error(k.run("customer", "list"), 78, "config", k.key)
    with open(k.key, "wb") as f:
        f.write(key)
    k.ok("customer", "list")


@kltest.sqlite_only("a store file that is not a database (test_postgres.py: an uninitialised database)")
def test_garbage_store_file_is_unavailable(k):
    with open(k.store, "wb") as f:
        f.write(b"this is not an SQLite database, just some bytes\n" * 200)
    expect_error(k.run("customer", "list"), 69, "store-unavailable", k.store)
    expect_error(k.run("customer", "list", json=True), 69, "store-unavailable")
    expect_error(k.run("init", "--testing"), 69, "store-unavailable")


@kltest.sqlite_only("a missing store file (test_postgres.py: an unreachable server)")
def test_missing_store_is_unavailable(k):
    for args in (["customer", "list"], ["operator", "list"], ["audit", "verify"], ["fixtures", "dump"]):
        expect_error(k.run(*args), 69, "store-unavailable", k.store)
    expect(not os.path.exists(k.store), "a read command must not create the store")
    other = k.path("elsewhere.db")
    expect_error(k.run("--store", "sqlite:" + other, "customer", "list", json=True), 69, "store-unavailable", other)
    expect(not os.path.exists(other), "--store naming a missing file must not create it")


@kltest.sqlite_only("an empty store file")
def test_empty_sqlite_file_is_not_a_store(k):
    open(k.store, "wb").close()
    expect_error(k.run("customer", "list"), 69, "store-unavailable", "init")


def test_store_option_overrides_environment(k):
    k.init()
    other = k.child("other")
    other.init()
    other.ok("operator", "add", "only-in-other", "--role", "auditor")
    # A PostgreSQL store's key is named by the config, not found beside the store.
    key = [] if other.pg_schema is None else ["--config", other.config]
    names = [o["name"] for o in k.ok("--store", other.store_url, *key, "operator", "list", json=True).json]
    expect_in("only-in-other", names, "operators of the --store store")
    if other.pg_schema is None:
        names = [o["name"] for o in k.ok("--store", other.store, "operator", "list", json=True).json]
        expect_in("only-in-other", names, "a bare path is a SQLite store")
    names = [o["name"] for o in k.ok("operator", "list", json=True).json]
    expect("only-in-other" not in names, "KUNLUNCTL_STORE's store is another store")


def test_overrides_refused_on_production_store(k):
    k.init(testing=False)
    before = k.audit_count()
    expect_error(k.run("customer", "list", op=os_user()), 77, "override-refused", "KUNLUNCTL_OPERATOR")
    expect_error(k.run("customer", "list", now=NOW), 77, "override-refused", "KUNLUNCTL_NOW")
    expect_error(k.run("operator", "add", "x", "--role", "operator", now=NOW, json=True), 77, "override-refused")
    expect_error(k.run("init", op=os_user()), 77, "override-refused", "KUNLUNCTL_OPERATOR")
    expect_error(k.run("init", now=NOW), 77, "override-refused", "KUNLUNCTL_NOW")
    expect_eq(k.audit_count(), before, "audit entries after refused commands")
    expect_eq([o["name"] for o in k.ok("operator", "list", json=True).json], [os_user()], "operators")


def test_init_testing_on_production_store_refused(k):
    k.init(testing=False)
    before = k.audit_count()
    expect_error(k.run("init", "--testing"), 77, "override-refused")
    expect_eq(k.audit_count(), before, "audit entries")
    # Still a production store: the overrides stay refused.
    expect_error(k.run("customer", "list", op=os_user()), 77, "override-refused")


def test_first_init_without_testing_refuses_overrides(k):
    expect_error(k.run("init", op="someone"), 77, "override-refused", "KUNLUNCTL_OPERATOR")
    expect_error(k.run("init", now=NOW), 77, "override-refused", "KUNLUNCTL_NOW")
    expect(not k.store_exists(), "a refused init must not leave a store behind")
    expect(not os.path.exists(k.key), "a refused init must not leave a key file behind")
    k.init(testing=False)


def test_malformed_now_is_usage_error(k):
    k.init()
    for bad in ("yesterday", "2026-03-02", "2026-03-02 10:00", "2026-13-02T10:00:00+08:00"):
        expect_error(k.run("customer", "list", now=bad), 64, "usage", "KUNLUNCTL_NOW")
    expect_error(k.run("customer", "list", now="soon", json=True), 64, "usage")


def test_clock_override_on_test_store(k):
    k.init()
    k.ok("operator", "add", "alice", "--role", "operator", now=NOW)
    entry = k.ok("audit", "list", json=True).json[-1]
    expect_eq(entry["command"], "operator add", "last audit entry")
    expect_eq(entry["at_effective"], NOW, "effective time of the entry")
    expect(entry["at"] != NOW, "the real time is recorded too, not the override")
    op = [o for o in k.ok("operator", "list", json=True).json if o["name"] == "alice"][0]
    expect_eq(op["created_at"], NOW, "operator created_at uses the effective now")


def test_bad_command_lines(k):
    k.init()
    expect_error(k.run("customer", "list", "--bogus-flag"), 64, "usage")
    expect_error(k.run("customer", "list", "--bogus-flag", json=True), 64, "usage")
    expect_error(k.run("frobnicate"), 64, "usage")
    expect_error(k.run("frobnicate", json=True), 64, "usage")
    expect_error(k.run("customer"), 64, "usage")
    expect_error(k.run("customer", "show"), 64, "usage")
    expect_error(k.run(), 64, "usage")
    expect_error(k.run("-o", "yaml", "customer", "list"), 64, "usage")


def test_help_and_version(k):
    r = k.run("--help")
    expect_ok(r)
    for command in ("init", "fixtures", "customer", "operator", "audit", "calendar", "config"):
        expect_in(command, r.out, "--help lists the commands", r)
    r = k.run("fixtures", "--help")
    expect_ok(r)
    expect_in("load", r.out, "fixtures --help", r)
    r = k.run("--version")
    expect_ok(r)
    expect_in("kunlunctl", r.out, "--version", r)


if __name__ == "__main__":
    kltest.main(globals())
