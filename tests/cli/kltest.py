"""Shared helpers for the end-to-end tests: a throwaway workspace per test, the real binary run
with a clean environment, assertions on exit codes, error slugs and JSON, and a tiny runner.

A test file defines functions `test_NAME(k)`; the runner gives each one a fresh `Workspace`
(a temp dir with its own config, store path and SMS sink) and removes it afterwards:

    import kltest
    def test_something(k):
        k.init()
        r = k.run("customer", "show", "C1", json=True)
        kltest.expect_error(r, 67, "not-found")
    if __name__ == "__main__":
        kltest.main(globals())

Run as `python3 FILE PATH/TO/kunlunctl`. Python 3.11 standard library only.

The backend: SQLite by default; with KLTEST_STORE=postgresql every workspace is a schema of
its own in a database on the throwaway PostgreSQL cluster (tests/pg/cluster.py: ctest's, named
by KUNLUN_TEST_PG_STATE, or one this process starts and removes), the key file and the
materials directory where they would be beside a SQLite store, named by the config. A test
that is about SQLite itself (its file, its write lock) is marked @sqlite_only and skipped there.
"""
import contextlib
import difflib
import inspect
import json as jsonlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))
import cluster as pgcluster  # noqa: E402 - tests/pg/cluster.py
import pgkit  # noqa: E402 - the PostgreSQL side of these helpers
from pgkit import HoldBatchStart, copy_pg_schema  # noqa: E402,F401 - part of this module's API

BINARY = None  # set by main() from sys.argv[1]
BACKEND = os.environ.get("KLTEST_STORE", "sqlite")  # sqlite | postgresql
PG = None  # the cluster's state, when BACKEND is postgresql
PG_DATABASE = None  # this test file's database on it: one schema per workspace

# The cli.md fixture example, with the demo's other operators and customers around it.
EXAMPLE_FIXTURE = '''\
[[operator]]
name = "alice"
roles = ["operator"]

[[operator]]
name = "bob"
roles = ["reviewer"]

[[operator]]
name = "carol"
roles = ["auditor"]

[[customer]]
id = "C000001"
name = "张伟"
id_type = "resident-id"
id_number = "11010519491231002X"
phone = "+8613800001152"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "6222020200000000014"
  class = "I"
  txn_password = "739182"

  [[customer.device]]
  id = "D1"
  apps = ["mobile-banking", "invest"]
  encrypted = true
  app_version = "6.2.5"
  rooted = false

  [customer.otp_device]
  type = "totp"
  secret_base32 = "JBSWY3DPEHPK3PXP"

[[customer]]
id = "C000003"
name = "陳大文"
id_type = "hkid"
id_number = "A123456(3)"
phone = "+85291234567"
login_password = "Harbor-Lights7"

  [[customer.account]]
  number = "6222020200000000030"
  class = "II"
  txn_password = "274615"
'''

# A self-signed ECDSA P-256 certificate, as an e-shield would hold.
CERT_PEM = """-----BEGIN CERTIFICATE-----
MIIBljCCAT2gAwIBAgIUDOqIYr1dDk0To3MMrI5yMzF2xKkwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVQzAwMDAwMSB0ZXN0IGUtc2hpZWxkMCAXDTI2MTEyNjA1MDgy
N1oYDzIxMjYxMTAyMDUwODI3WjAgMR4wHAYDVQQDDBVDMDAwMDAxIHRlc3QgZS1z
aGllbGQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASKmrqBdNT9/UFcSZCbII0p
5D+b5nMXMIayxodvTiLbjcM7oeie811/oJW/+EATW38L/w69eGspvBNwJASTn8f0
o1MwUTAdBgNVHQ4EFgQU0AtLaTV7q+cp783utlramCZjElkwHwYDVR0jBBgwFoAU
0AtLaTV7q+cp783utlramCZjElkwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNHADBEAiArFrDINCjSToHoJpA0WGDfzv8yJGtrGrrrOtPwEuzwagIgKnQPpqZX
w7TGagOoIQafZVq58nq/8u2oNYFPqQFnYs4=
-----END CERTIFICATE-----
"""

# Plaintext PII of EXAMPLE_FIXTURE that must never reach stdout of a read command.
EXAMPLE_PII = ["13800001152", "11010519491231002X", "6222020200000000014", "91234567",
               "A1234563", "6222020200000000030", "JBSWY3DPEHPK3PXP"]

# 李雷: an ID ending in a digit, born 1985-06-15, three accounts of classes I, II, III.
LI_FIXTURE = '''
[[customer]]
id = "C000002"
name = "李雷"
id_type = "resident-id"
id_number = "320102198506151236"
phone = "+8613912358246"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "6222020200000010005"
  class = "I"
  txn_password = "739182"

  [[customer.account]]
  number = "6222020200000020004"
  class = "II"
  txn_password = "739182"

  [[customer.account]]
  number = "6222020200000030003"
  class = "III"
  txn_password = "739182"
'''
LI_ACCOUNTS = {"I": "6222020200000010005", "II": "6222020200000020004", "III": "6222020200000030003"}

# The smallest headers that pass as a JPEG and a PNG image.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def at(base, seconds=0, days=0):
    """The RFC 3339 time `seconds` (and `days`) after `base`."""
    return (datetime.fromisoformat(base) + timedelta(seconds=seconds, days=days)).isoformat()


class TestFailure(AssertionError):
    pass


def fail(message):
    raise TestFailure(message)


class Result:
    """One run of the binary: code, stdout, stderr and the parsed JSON (with -o json)."""

    def __init__(self, args, code, out, err, parsed):
        self.args, self.code, self.out, self.err, self.json = args, code, out, err, parsed

    def __iter__(self):
        return iter((self.code, self.out, self.err, self.json))

    def describe(self):
        return (f"kunlunctl {' '.join(self.args)}\n  exit {self.code}\n  stdout: {self.out[:1500]!r}\n"
                f"  stderr: {self.err[:1500]!r}")


class Workspace:
    """A temp directory with a store path, a config file and an SMS sink, all inside it."""

    def __init__(self, root=None, name="ws", backend=None):
        self._own = root is None
        self.dir = tempfile.mkdtemp(prefix="kltest-") if root is None else os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        self.store = os.path.join(self.dir, "store.db")
        self.key = self.store + ".key"
        self.sink = os.path.join(self.dir, "sms.jsonl")
        self.config = os.path.join(self.dir, "config.toml")
        self.xdg = os.path.join(self.dir, "xdg")
        self.pg_schema = None
        self.db_user = None  # PostgreSQL: the database role commands connect as (None: the superuser)
        if (backend or BACKEND) == "postgresql":
            self.pg_schema = "ws_" + uuid.uuid4().hex[:16]
            pgcluster.psql(PG, f"CREATE SCHEMA {self.pg_schema}", database=PG_DATABASE)
        self.write_config("")
        self._children = []

    @property
    def store_url(self):
        """What --store / KUNLUNCTL_STORE names: the SQLite file, or this workspace's schema."""
        if self.pg_schema is None:
            return "sqlite:" + self.store
        return pgcluster.uri(PG, PG_DATABASE, self.db_user) + "&options=-csearch_path%3D" + self.pg_schema

    # --- files ---
    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        if name == "config.toml" and self.pg_schema is not None:
            text = pgkit.with_store_paths(text, self.key, self.store + ".materials")
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def write_bytes(self, name, data):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def write_config(self, extra):
        """The config file: the file sink, then `extra` (more TOML tables)."""
        return self.write("config.toml", f'[notify]\nsink = "file:{self.sink}"\n\n{extra}')

    def child(self, name, backend=None):
        """A second workspace (own store, config, sink) inside this one's directory, on the same
        backend unless told."""
        w = Workspace(self.dir, name, backend)
        self._children.append(w)
        return w

    def cleanup(self):
        for w in [self, *self._children]:
            if w.pg_schema is not None:
                try:
                    pgcluster.psql(PG, f"DROP SCHEMA IF EXISTS {w.pg_schema} CASCADE", database=PG_DATABASE)
                except RuntimeError:
                    pass  # the cluster and its database go at the end of the run anyway
        if self._own:
            shutil.rmtree(self.dir, ignore_errors=True)

    def table_names(self):
        """The store's tables."""
        with self.db() as db:
            if self.pg_schema is None:
                return [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return [t for (t,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]

    def store_exists(self):
        """Whether the store has been created: its file (SQLite), its schema's tables (PostgreSQL)."""
        if self.pg_schema is None:
            return os.path.exists(self.store)
        with self.db() as db:
            return db.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0] is True

    # --- running the binary ---
    def env(self, op=None, now=None, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUNLUNCTL_")}
        env.update(KUNLUNCTL_STORE=self.store_url, KUNLUNCTL_CONFIG=self.config, NO_COLOR="1",
                   XDG_CONFIG_HOME=self.xdg, XDG_DATA_HOME=self.xdg)
        if op is not None:
            env["KUNLUNCTL_OPERATOR"] = op
        if now is not None:
            env["KUNLUNCTL_NOW"] = now
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(self, *args, op=None, now=None, json=False, stdin="", env=None, timeout=120):
        """Runs kunlunctl [-o json] ARGS. With json=True stdout must be exactly one JSON value."""
        argv = (["-o", "json"] if json else []) + [str(a) for a in args]
        p = subprocess.run([BINARY, *argv], input=stdin, capture_output=True, text=True,
                           env=self.env(op, now, env), timeout=timeout, cwd=self.dir)
        parsed = None
        r = Result(argv, p.returncode, p.stdout, p.stderr, None)
        if json:
            try:
                parsed = jsonlib.loads(p.stdout)
            except ValueError as e:
                fail(f"stdout is not exactly one JSON value ({e})\n{r.describe()}")
            r.json = parsed
        return r

    def ok(self, *args, **kw):
        """Runs and requires exit 0 and no error line on stderr."""
        r = self.run(*args, **kw)
        expect_ok(r)
        return r

    # --- common set-ups ---
    def init(self, testing=True):
        return self.ok("init", *(["--testing"] if testing else []))

    def load_example(self):
        f = self.write("example.toml", EXAMPLE_FIXTURE)
        self.ok("fixtures", "load", f)
        return f

    def load_example_with_li(self, config=""):
        """init with `config`, then the example fixture plus 李雷 (LI_FIXTURE)."""
        self.write_config(config)
        self.init()
        self.ok("fixtures", "load", self.write("all.toml", EXAMPLE_FIXTURE + LI_FIXTURE))

    def sms(self):
        """The SMS sink's messages, oldest first."""
        if not os.path.exists(self.sink):
            return []
        with open(self.sink, encoding="utf-8") as f:
            return [jsonlib.loads(line) for line in f if line.strip()]

    def send_otp(self, now, purpose, customer="C000001", to=None, op="alice"):
        """otp send; returns the code, read from the SMS sink."""
        self.ok("otp", "send", "--customer", customer, "--purpose", purpose, *(["--to", to] if to else []),
                op=op, now=now)
        return self.sms()[-1]["params"]["code"]

    def audit_count(self):
        r = self.ok("audit", "list", json=True)
        return len(r.json)

    def dump(self):
        return self.ok("fixtures", "dump").out

    def db(self):
        """A direct connection to the store (autocommit), closed by `with`: sqlite3 on the file,
        or psql on the workspace's schema with the same execute(sql, params) and fetch calls."""
        if self.pg_schema is not None:
            return contextlib.closing(pgkit.PgConnection(self.store_url))
        return contextlib.closing(sqlite3.connect(self.store, isolation_level=None))


def os_user_name():
    """The account running the tests: the default operator on SQLite, and the name of the test
    cluster's superuser, so the default database role on PostgreSQL (tests/pg/cluster.py)."""
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


# --- valid identifiers for test data ---

def resident_id_check(first17):
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character of 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def resident_id(first17):
    return first17 + resident_id_check(first17)


def luhn_valid(digits):
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return digits.isdigit() and total % 10 == 0


def luhn(payload):
    """payload + the Luhn check digit."""
    return next(payload + d for d in "0123456789" if luhn_valid(payload + d))


# --- assertions ---

def expect(cond, message, r=None):
    if not cond:
        fail(message + ("\n" + r.describe() if r is not None else ""))


def expect_eq(actual, expected, what="value", r=None):
    if actual != expected:
        if isinstance(actual, str) and isinstance(expected, str) and len(actual) + len(expected) > 400:
            diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "expected", "actual",
                                             lineterm="", n=1))
            fail(f"{what}: differs (first lines of the diff):\n" + "\n".join(diff[:24]))
        fail(f"{what}: expected {expected!r}, got {actual!r}" + ("\n" + r.describe() if r is not None else ""))


def expect_in(needle, haystack, what="text", r=None):
    if needle not in haystack:
        fail(f"{what}: expected to contain {needle!r}, got {haystack!r}" + ("\n" + r.describe() if r else ""))


def expect_not_in(needle, haystack, what="text", r=None):
    if needle in haystack:
        fail(f"{what}: must not contain {needle!r}" + ("\n" + r.describe() if r else ""))


def expect_ok(r):
    expect(r.code == 0, "expected exit 0", r)
    expect("kunlunctl: error" not in r.err, "an error line on stderr despite exit 0", r)


def expect_error(r, code, slug, *fragments):
    """Exit `code`; exactly one stderr line `kunlunctl: error [slug]: ...` containing each
    fragment; with -o json, stdout is exactly {"error": {"code", "message", "exit"}}."""
    expect(r.code == code, f"expected exit {code} [{slug}]", r)
    lines = [line for line in r.err.splitlines() if line.startswith("kunlunctl: error")]
    expect(len(lines) == 1, "expected exactly one 'kunlunctl: error' line on stderr", r)
    prefix = f"kunlunctl: error [{slug}]: "
    expect(lines[0].startswith(prefix) and len(lines[0]) > len(prefix), f"expected stderr to start {prefix!r}", r)
    for fragment in fragments:
        expect_in(fragment, lines[0], "error message", r)
    if "-o" in r.args and r.args[r.args.index("-o") + 1] == "json":
        j = r.json
        expect(isinstance(j, dict) and set(j) == {"error"}, "JSON error must be {\"error\": {...}}", r)
        e = j["error"]
        expect(set(e) >= {"code", "message", "exit"}, "JSON error needs code, message, exit", r)
        expect_eq(e["code"], slug, "error.code", r)
        expect_eq(e["exit"], code, "error.exit", r)
        expect(isinstance(e["message"], str) and e["message"], "error.message must be a non-empty string", r)
        for fragment in fragments:
            expect_in(fragment, e["message"], "error.message", r)
    else:
        expect_eq(r.out, "", "stdout of a failed command", r)
    return lines[0]


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class HoldWriteLock:
    """Holds SQLite's write lock on a store (BEGIN IMMEDIATE) until the block ends."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=5, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.conn.execute("ROLLBACK")
        self.conn.close()


# --- the runner ---

def main(namespace):
    global BINARY
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/kunlunctl")
    BINARY = os.path.abspath(sys.argv[1])
    if not os.access(BINARY, os.X_OK):
        print(f"skipped: {BINARY} is not an executable")
        sys.exit(125)
    only = os.environ.get("KLTEST_ONLY")  # a substring: run only the matching tests
    tests = [(name, fn) for name, fn in namespace.items()
             if name.startswith("test_") and inspect.isfunction(fn) and (not only or only in name)]
    tests.sort(key=lambda item: item[1].__code__.co_firstlineno)
    if BACKEND == "sqlite":
        sys.exit(run_tests(tests))
    if BACKEND != "postgresql":
        sys.exit(f"KLTEST_STORE={BACKEND}: use sqlite or postgresql")
    if pgcluster.bindir() is None:
        print("skipped: no PostgreSQL server programs (install the postgresql package)")
        sys.exit(125)
    global PG, PG_DATABASE
    with pgcluster.Cluster() as PG:
        PG_DATABASE = pgcluster.create_database(PG)
        try:
            code = run_tests(tests)
        finally:
            pgcluster.drop_database(PG, PG_DATABASE)
    sys.exit(code)


def sqlite_only(why):
    """Marks a test about SQLite itself (its file, its write lock): skipped on PostgreSQL,
    saying why, where the suite's PostgreSQL tests cover the same rule their own way."""
    def mark(fn):
        fn.sqlite_only = why
        return fn
    return mark


def run_tests(tests):
    passed = failed = skipped = 0
    for name, fn in tests:
        if BACKEND != "sqlite" and getattr(fn, "sqlite_only", None):
            skipped += 1
            print(f"skip {name} (SQLite only: {fn.sqlite_only})")
            continue
        ws = Workspace()
        started = time.monotonic()
        try:
            fn(ws)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the next test runs
            failed += 1
            print(f"FAIL {name}")
            detail = str(e) if isinstance(e, TestFailure) else traceback.format_exc()
            print("     " + detail.replace("\n", "\n     "))
        else:
            passed += 1
            print(f"ok {name} ({time.monotonic() - started:.2f}s)")
        finally:
            ws.cleanup()
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0
