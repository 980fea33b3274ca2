"""The PostgreSQL side of the end-to-end helpers (kltest.py): a workspace's config naming
the key and materials, a sqlite3-like connection over psql for the tests' direct SQL,
holding a batch back at its start, and copying a store. Python 3.11 standard library only."""
import csv
import io
import os
import subprocess

import kltest
from kltest import pgcluster


def with_store_paths(text, key, materials):
    """A PostgreSQL store's config must name the key file and the materials directory (they
    cannot live beside a database): added to a test's config, in its tables if it has them."""
    for table, line in (("[keys]", f'file = "{key}"'), ("[policy.review]", f'materials_dir = "{materials}"')):
        if table + "\n" in text:
            text = text.replace(table + "\n", f"{table}\n{line}\n", 1)
        else:
            text += f"\n{table}\n{line}\n"
    return text




class PgConnection:
    """Enough of sqlite3's connection for the tests' direct SQL, over psql: `?` parameters
    (int, str, bytes) and rows of the same Python types."""

    def __init__(self, url):
        self.url = url

    @staticmethod
    def _literal(value):
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, bytes):
            return "'\\x" + value.hex() + "'::bytea"
        return "'" + str(value).replace("'", "''") + "'"

    def execute(self, sql, params=()):
        parts = sql.replace("zeroblob(32)", "'\\x" + "00" * 32 + "'::bytea").split("?")
        kltest.expect(len(parts) == len(params) + 1, f"{len(params)} parameters for {sql!r}")
        text = parts[0] + "".join(self._literal(v) + rest for v, rest in zip(params, parts[1:]))
        r = subprocess.run([os.path.join(kltest.PG["bindir"], "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-t", "--csv",
                            "-P", "null=" + self.NULL, "-d", self.url, "-c", text], capture_output=True, text=True)
        if r.returncode != 0:
            kltest.fail(f"psql: {r.stderr.strip()} in {text!r}")
        rows = [tuple(self._value(v) for v in record) for record in csv.reader(io.StringIO(r.stdout))]
        return PgCursor(rows)

    NULL = "\x01NULL"

    @classmethod
    def _value(cls, text):
        """As sqlite3 gives it: NULL as None, integers as int, booleans as bool (sqlite3's 0
        and 1 compare equal), bytea as bytes, the rest as str."""
        if text == cls.NULL:
            return None
        if text in ("t", "f"):
            return text == "t"
        if text.lstrip("-").isdigit():
            return int(text)
        if text.startswith("\\x"):
            try:
                return bytes.fromhex(text[2:])
            except ValueError:
                pass
        return text

    def close(self):
        pass


class PgCursor:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows

    def __iter__(self):
        return iter(self.rows)




class HoldBatchStart:
    """Holds a review batch back where it starts, until the block ends: SQLite's write lock,
    or on PostgreSQL the named lock a batch worker takes to join a run (a psql session)."""

    def __init__(self, k):
        self.k = k

    def __enter__(self):
        if self.k.pg_schema is None:
            self.sqlite = kltest.HoldWriteLock(self.k.store).__enter__()
            return self
        self.psql = subprocess.Popen([os.path.join(kltest.PG["bindir"], "psql"), "-X", "-q", "-At", "-d", self.k.store_url],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.psql.stdin.write("BEGIN;\nSELECT 'held' FROM pg_advisory_xact_lock("
                              "hashtextextended('kunlunctl:review-batch', 0));\n")
        self.psql.stdin.flush()
        kltest.expect(self.psql.stdout.readline().strip() == "held", "psql holds the batch's lock")
        return self

    def __exit__(self, *exc):
        if self.k.pg_schema is None:
            self.sqlite.__exit__(*exc)
        else:
            self.psql.communicate("ROLLBACK;\n", timeout=30)




def copy_pg_schema(k, other):
    """Replaces `other`'s schema with a copy of k's (pg_dump, then psql)."""
    dump = subprocess.run([os.path.join(kltest.PG["bindir"], "pg_dump"), "-d", pgcluster.uri(kltest.PG, kltest.PG_DATABASE),
                           "-n", k.pg_schema, "--no-owner"], capture_output=True, text=True, check=True).stdout
    pgcluster.psql(kltest.PG, f"DROP SCHEMA {other.pg_schema} CASCADE", database=kltest.PG_DATABASE)
    r = subprocess.run([os.path.join(kltest.PG["bindir"], "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", pgcluster.uri(kltest.PG, kltest.PG_DATABASE)], input=dump.replace(k.pg_schema, other.pg_schema),
                       capture_output=True, text=True)
    kltest.expect(r.returncode == 0, f"restoring the copy: {r.stderr}")
