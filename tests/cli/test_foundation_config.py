"""config show (value and origin of every key), config errors, and a busy store."""
import os
import threading
import time

import kltest
from kltest import expect, expect_eq, expect_error, expect_in


def rows(k, *args, **kw):
    r = k.ok(*args, "config", "show", json=True, **kw)
    expect(isinstance(r.json, list), "config show prints an array", r)
    return {row["key"]: row for row in r.json}


def test_config_show_values_and_origins(k):
    k.write_config('[policy.otp]\nttl_seconds = 120\n\n[bank]\nname = "测试银行"\n')
    show = rows(k)
    for key in ("notify.sink", "policy.otp.ttl_seconds", "policy.login.max_failures", "store.busy_timeout_ms",
                "calendar.missing_year", "crypto.argon2.memory_kib", "bank.timezone"):
        expect(key in show, f"config show lists {key}")
    for row in show.values():
        expect({"key", "value", "origin"} <= set(row), f"row has key, value, origin: {row}")
    expect_eq(show["policy.otp.ttl_seconds"]["value"], "120", "value from the file")
    expect_in(k.config, show["policy.otp.ttl_seconds"]["origin"], "origin names the file")
    expect_eq(show["bank.name"]["value"], '"测试银行"', "string value")
    expect_eq(show["notify.sink"]["value"], f'"file:{k.sink}"', "notify.sink")
    expect_in(k.config, show["notify.sink"]["origin"], "origin of notify.sink")
    expect_eq(show["policy.login.max_failures"], {**show["policy.login.max_failures"], "value": "5",
                                                  "origin": "default"}, "an untouched key")
    expect_eq(show["policy.otp.resend_seconds"]["value"], "60", "default resend spacing")
    expect_eq(show["policy.txn.max_failures"]["value"], "6", "default txn failures")
    expect_eq(show["calendar.missing_year"]["value"], '"warn"', "default missing_year")
    table = k.ok("config", "show").out
    expect_in("policy.otp.ttl_seconds", table, "table output")
    expect_in("default", table, "table output shows origins")


def test_config_show_needs_no_store(k):
    expect(not k.store_exists(), "no store")
    show = rows(k)
    expect_eq(show["policy.otp.ttl_seconds"]["origin"], "default", "origin")
    expect(not k.store_exists(), "config show must not create the store")


def test_config_layers(k):
    user = os.path.join(k.xdg, "kunlunctl", "config.toml")
    os.makedirs(os.path.dirname(user))
    with open(user, "w") as f:
        f.write("[policy.otp]\nttl_seconds = 240\nmax_tries = 3\n")
    k.write_config("[policy.otp]\nttl_seconds = 120\n")
    show = rows(k)
    expect_eq(show["policy.otp.ttl_seconds"]["value"], "120", "the explicit file wins")
    expect_in(k.config, show["policy.otp.ttl_seconds"]["origin"], "origin of the explicit file")
    expect_eq(show["policy.otp.max_tries"]["value"], "3", "the user file's key")
    expect_eq(show["policy.otp.max_tries"]["origin"], user, "origin of the user file's key")
    other = k.write("other.toml", "[policy.otp]\nttl_seconds = 90\n")
    show = rows(k, "--config", other)
    expect_eq(show["policy.otp.ttl_seconds"]["value"], "90", "--config beats KUNLUNCTL_CONFIG")
    expect_in(other, show["policy.otp.ttl_seconds"]["origin"], "origin of --config")


def expect_config_error(k, text, line, key, *more):
    k.write_config(text)
    where = f"{k.config}:{line}"
    expect_error(k.run("config", "show"), 78, "config", where, key, *more)
    expect_error(k.run("config", "show", json=True), 78, "config", where, key)
    expect_error(k.run("customer", "list"), 78, "config", where, key)


def test_unknown_key(k):
    # write_config puts two lines (the sink) and a blank line before the text.
    expect_config_error(k, "[policy.otp]\nttl_secs = 300\n", 5, "policy.otp.ttl_secs")
    expect_config_error(k, "[polcy]\nanything = 1\n", 5, "polcy.anything")
    expect_config_error(k, "[notify]\n", 4, "notify")  # a table defined twice is a TOML error


def test_wrong_type(k):
    expect_config_error(k, '[policy.otp]\nttl_seconds = "300"\n', 5, "policy.otp.ttl_seconds")
    expect_config_error(k, "[batch]\nauto_approve = 1\n", 5, "batch.auto_approve")
    expect_config_error(k, "[bank]\nname = 42\n", 5, "bank.name")


def test_out_of_range(k):
    expect_config_error(k, "[policy.otp]\n\nttl_seconds = 5\n", 6, "policy.otp.ttl_seconds", "30")
    expect_config_error(k, "[policy.login]\nmax_failures = 0\n", 5, "policy.login.max_failures")
    expect_config_error(k, "[store]\nbusy_timeout_ms = -1\n", 5, "store.busy_timeout_ms")
    expect_config_error(k, '[calendar]\nmissing_year = "ignore"\n', 5, "calendar.missing_year")


def test_toml_syntax_error(k):
    k.write_config("[policy.otp\nttl_seconds = 300\n")
    expect_error(k.run("config", "show"), 78, "config", f"{k.config}:4")


def test_missing_config_file(k):
    missing = k.path("nope.toml")
    expect_error(k.run("--config", missing, "config", "show"), 66, "no-input", missing)
    expect_error(k.run("--config", missing, "config", "show", json=True), 66, "no-input")
    expect_error(k.run("config", "show", env={"KUNLUNCTL_CONFIG": missing}), 66, "no-input", missing)
    k.init()
    expect_error(k.run("--config", missing, "customer", "list"), 66, "no-input", missing)


@kltest.sqlite_only("SQLite's write lock; PostgreSQL writers wait for rows, not the store")
def test_busy_store(k):
    k.write_config("[store]\nbusy_timeout_ms = 200\n")
    k.init()
    before = k.audit_count()
    with kltest.HoldWriteLock(k.store):
        started = time.monotonic()
        expect_error(k.run("operator", "add", "alice", "--role", "operator"), 75, "busy")
        expect(time.monotonic() - started < 5, "gives up after busy_timeout_ms, not much later")
        expect_error(k.run("operator", "add", "alice", "--role", "operator", json=True), 75, "busy")
        expect_error(k.run("fixtures", "load", k.write("f.toml", kltest.EXAMPLE_FIXTURE)), 75, "busy")
    k.ok("operator", "add", "alice", "--role", "operator")
    expect_eq(k.audit_count(), before + 1, "only the command run after the lock was released wrote")


@kltest.sqlite_only("SQLite's write lock; PostgreSQL writers wait for rows, not the store")
def test_busy_store_waits_busy_timeout(k):
    k.write_config("[store]\nbusy_timeout_ms = 400\n")
    k.init()
    with kltest.HoldWriteLock(k.store):
        started = time.monotonic()
        r = k.run("operator", "add", "alice", "--role", "operator")
        waited = time.monotonic() - started
    expect_error(r, 75, "busy")
    expect(waited >= 0.35, f"waits store.busy_timeout_ms (400 ms) before giving up; gave up after {waited:.3f} s", r)


@kltest.sqlite_only("SQLite's write lock; PostgreSQL writers wait for rows, not the store")
def test_short_hold_is_waited_out(k):
    # A lock released within busy_timeout_ms must not fail the command.
    k.write_config("[store]\nbusy_timeout_ms = 5000\n")
    k.init()
    lock = kltest.HoldWriteLock(k.store).__enter__()
    timer = threading.Timer(0.5, lock.__exit__, (None, None, None))
    timer.start()
    try:
        r = k.run("operator", "add", "alice", "--role", "operator")
    finally:
        timer.join()
    kltest.expect_ok(r)
    expect_eq(k.ok("operator", "list", json=True).json[0]["name"], "alice", "the command ran after the wait")


if __name__ == "__main__":
    kltest.main(globals())
