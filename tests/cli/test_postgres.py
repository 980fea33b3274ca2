"""What only a shared PostgreSQL store has, end to end: database roles and their GRANTs
(scripts/pg/roles.sql) with real login roles, several batch workers sharing the pending cases,
a killed worker, racing reviewers, concurrent writers on one audit chain, concurrent `init`,
two loads of one fixture at once, two phone changes to one number at once, an unreachable
server, a server that takes TLS connections only, and a SQLite store's dump loaded into PostgreSQL. Registered for the
PostgreSQL run only (cli.pg.test_postgres)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import casekit
import kltest
from casekit import ZHANG, expect_counts
from kltest import expect, expect_eq, expect_error, expect_in, pgcluster

CERTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "certs")
ROLES_SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pg", "roles.sql")
AUTO = "[batch]\nauto_approve = true\n"
NOW = "2026-11-26T18:00:00+08:00"  # a Thursday: generated cases were submitted Mon-Wed


def psql(k, sql=None, file=None, user=None):
    """psql on k's store as `user` (default: the owner); returns the CompletedProcess."""
    saved, k.db_user = k.db_user, user
    try:
        url = k.store_url
    finally:
        k.db_user = saved
    args = ["-c", sql] if sql is not None else ["-f", file]
    return subprocess.run([os.path.join(kltest.PG["bindir"], "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At",
                           "-d", url, *args], capture_output=True, text=True)


def login_role(k, name, group):
    """A real login role (cluster-wide) in one kunlunctl group."""
    r = psql(k, f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
                f"CREATE ROLE {name} LOGIN; END IF; END $$; GRANT {group} TO {name}")
    expect(r.returncode == 0, f"creating role {name}: {r.stderr}")


def as_role(k, name):
    k.db_user = name
    return k


def test_each_database_role_may_do_its_own_work_only(k):
    casekit.configure(k)
    r = k.ok("init", json=True)  # a production store: the connecting role is its first admin
    expect_eq(r.json["admin"], kltest.os_user_name(), "the database role that ran init is admin", r)
    k.ok("fixtures", "load", k.write("f.toml", kltest.EXAMPLE_FIXTURE))  # alice operator, bob reviewer, carol auditor
    r = psql(k, file=ROLES_SQL)
    expect(r.returncode == 0, f"scripts/pg/roles.sql applies: {r.stderr}")
    expect(psql(k, file=ROLES_SQL).returncode == 0, "and applies again (idempotent)")
    login_role(k, "alice", "kunlunctl_operator")
    login_role(k, "bob", "kunlunctl_reviewer")
    login_role(k, "carol", "kunlunctl_auditor")

    # Identity is the database role, never an environment variable on a production store.
    expect_error(k.run("customer", "list", op="bob"), 77, "override-refused", "KUNLUNCTL_OPERATOR")
    as_role(k, "alice")
    case = casekit.reset_txn(k, None, ZHANG, op=None)
    entries = k.run("audit", "list", json=True)
    expect_error(entries, 77, "permission", "'alice'", "auditor")  # an operator does not read the audit
    expect_error(k.run("review", "approve", case["id"]), 77, "permission", "reviewer")
    as_role(k, "bob")
    k.ok("review", "approve", case["id"], "--note", "checked at the branch")
    expect_error(k.run("review", "reject", case["id"], "--reason", "other"), 77, "already-decided")

    # Even when the operators table says bob may work as an operator, the database refuses
    # what his role was not granted: a reviewer does not send codes or submit cases.
    as_role(k, None).ok("operator", "add", "bob", "--role", "reviewer", "--role", "operator")
    as_role(k, "bob")
    r = k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn")
    expect_error(r, 77, "permission", "permission denied")
    for sql in ("UPDATE otps SET state = 'used'",
                "INSERT INTO cases (id, kind, customer_id, state, submitted_at, submitted_by, due_at, expires_at, "
                "face_result, face_ref) VALUES ('K1', 'reset-txn', 'C000001', 'pending', 0, 'bob', 0, 0, 'pass', 'f')",
                "UPDATE cases SET submitted_by = 'bob'",
                "UPDATE customers SET name = 'someone else'",
                "INSERT INTO operators (name, roles, created_at) VALUES ('mallory', 'admin', 0)",
                "UPDATE audit SET operator = 'nobody'", "DELETE FROM audit"):
        r = psql(k, sql, user="bob")
        expect(r.returncode != 0 and "permission denied" in r.stderr, f"bob may not: {sql}: {r.stderr}")
    for sql in ("UPDATE audit SET operator = 'nobody'", "DELETE FROM audit", "UPDATE operators SET roles = 'admin'"):
        r = psql(k, sql, user="alice")
        expect(r.returncode != 0 and "permission denied" in r.stderr, f"alice may not: {sql}: {r.stderr}")
    as_role(k, "carol")
    expect_error(k.run("operator", "add", "carol", "--role", "admin"), 77, "permission", "admin")
    verified = k.ok("audit", "verify", json=True).json
    expect_eq(verified["ok"], True, "the chain is intact", None)
    actors = {(e["operator"], e["command"], e["outcome"]) for e in k.ok("audit", "list", json=True).json}
    for expected in (("alice", "case submit", "ok"), ("bob", "review approve", "ok"), ("bob", "otp send", "refused"),
                     ("bob", "review reject", "refused"), ("alice", "review approve", "refused")):
        expect(expected in actors, f"audited as the database role: {expected} in {sorted(actors)}")


def generated(k, customers, cases, config, sink=True):
    """A test store with `cases` generated pending cases and a reviewer bob; without a sink the
    result SMS stay in the outbox (delivering 25,000 of them, each fsync'd, is another test)."""
    if sink:
        casekit.configure(k, config)
    else:
        k.write("config.toml", casekit.FAST + config)
    k.init()
    k.ok("operator", "add", "bob", "--role", "reviewer")
    k.ok("fixtures", "generate", "--customers", str(customers), "--pending-cases", str(cases), now=NOW)


def decision_counts(k):
    """(decision entries, distinct cases decided, cases still pending), straight from the store."""
    with k.db() as db:
        n, distinct = db.execute("SELECT count(*), count(DISTINCT details::json->>'case') FROM audit "
                                 "WHERE command IN ('review approve', 'review reject', 'review expire') "
                                 "AND outcome = 'ok'").fetchone()
        pending = db.execute("SELECT count(*) FROM cases WHERE state = 'pending'").fetchone()[0]
    return n, distinct, pending


def batch_worker(k):
    return subprocess.Popen([kltest.BINARY, "-o", "json", "review", "batch"], env=k.env("bob", NOW), cwd=k.dir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_batch_workers_decide_20000_cases_each_once(k):
    generated(k, 7000, 20000, AUTO + "chunk_size = 250\n", sink=False)
    started = time.monotonic()
    workers = [batch_worker(k) for _ in range(4)]
    results = [(p.communicate(timeout=900), p.returncode) for p in workers]
    elapsed = time.monotonic() - started
    summaries = []
    for (out, err), code in results:
        expect_eq(code, 0, f"each worker finishes: {err}")
        summaries.append(json.loads(out))
    decided = sum(s["approved"] + s["rejected"] + s["expired"] for s in summaries)
    checked = sum(s["checked"] for s in summaries)
    expect_eq((checked, decided), (20000, 20000), f"the workers' summaries add up to every case once: {summaries}")
    busy = [s for s in summaries if s["checked"] > 0]
    expect(len(busy) >= 2, f"the workers shared the cases: {[s['checked'] for s in summaries]}")
    expect_eq(decision_counts(k), (20000, 20000, 0), "each case decided exactly once, none left")
    with k.db() as db:
        cases_told = db.execute("SELECT count(DISTINCT params::json->>'case') FROM outbox").fetchone()[0]
    expect_eq(cases_told, 20000, "every decision queued its SMS")
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "one intact audit chain")
    print(f"     4 workers, 20000 cases: {elapsed:.1f}s, per worker {[s['checked'] for s in summaries]}")


def test_the_last_worker_to_leave_delivers_every_message_once(k):
    generated(k, 300, 600, AUTO + "chunk_size = 50\n")
    workers = [batch_worker(k) for _ in range(3)]
    summaries = []
    for p in workers:
        out, err = p.communicate(timeout=600)
        expect_eq(p.returncode, 0, f"each worker finishes: {err}")
        summaries.append(json.loads(out))
    expect_eq(sum(s["checked"] for s in summaries), 600, f"every case once: {summaries}")
    with k.db() as db:
        rows, sent, again = db.execute("SELECT count(*), count(*) FILTER (WHERE state = 'sent'), "
                                       "count(*) FILTER (WHERE attempts > 1) FROM outbox").fetchone()
    expect_eq((sum(s["notified"] for s in summaries), sent, again), (rows, rows, 0),
              f"every queued message delivered once: {[s['notified'] for s in summaries]}")
    expect_eq(len(k.sms()), rows, "one SMS per message")
    with k.db() as db:
        expect_eq(db.execute("SELECT count(*) FROM batch_workers").fetchone()[0], 0, "every worker left")


def test_a_killed_workers_chunk_is_taken_by_the_others(k):
    generated(k, 1000, 3000, AUTO + "chunk_size = 100\n", sink=False)
    victim = batch_worker(k)
    deadline = time.monotonic() + 60
    while decision_counts(k)[0] < 200 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.02)
    victim.send_signal(signal.SIGSTOP)  # mid-chunk: its claimed cases stay locked
    with k.db() as db:
        held = db.execute("SELECT count(*) FROM cases WHERE state = 'pending'").fetchone()[0]
    others = [batch_worker(k) for _ in range(2)]
    time.sleep(0.5)
    still_running = all(p.poll() is None for p in others)
    victim.send_signal(signal.SIGKILL)  # its open chunk rolls back: pending and unclaimed again
    victim.wait()
    summaries = []
    for p in others:
        out, err = p.communicate(timeout=600)
        expect_eq(p.returncode, 0, f"the other workers finish: {err}")
        summaries.append(json.loads(out))
    n, distinct, pending = decision_counts(k)
    if still_running:
        expect_eq(pending, 0, "the others swept up the killed worker's chunk")
    elif pending:  # the others were done before the kill: the next run takes the rest
        batch_worker(k).communicate(timeout=600)
        n, distinct, pending = decision_counts(k)
    expect(held > 0, "the killed worker still had cases to do")
    expect_eq((n, distinct, pending), (3000, 3000, 0), "every case decided once, the killed chunk too")
    with k.db() as db:
        left = db.execute("SELECT count(*) FROM batch_workers").fetchone()[0]
    expect(left <= 1, "at most the killed worker's row is left, and the next worker removes it")
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "audit chain intact")


def test_racing_reviewers_one_wins(k):
    casekit.setup(k, customers=8)
    cases = [casekit.reset_txn(k, casekit.T0, casekit.customer(i)) for i in range(1, 9)]
    now = kltest.at(casekit.T0, 3600)
    for c in cases:
        procs = [subprocess.Popen([kltest.BINARY, *args, c["id"], *more], env=k.env(op, now), cwd=k.dir,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for op, args, more in (("bob", ["review", "approve"], []),
                                        ("dave", ["review", "reject"], ["--reason", "other"]))]
        outcomes = [(p.wait(timeout=60), p.communicate()[1]) for p in procs]
        codes = sorted(code for code, _ in outcomes)
        expect_eq(codes, [0, 77], f"exactly one reviewer wins case {c['id']}: {outcomes}")
        loser = [err for code, err in outcomes if code == 77][0]
        expect_in("[already-decided]", loser, "the other is told it is decided")
    ids = [i for _, i in casekit.decisions(k)]
    expect_eq(sorted(ids), sorted(c["id"] for c in cases), "each case decided exactly once")


def test_concurrent_writers_keep_one_audit_chain(k):
    k.init()
    writers = []
    for w in range(4):
        script = "; ".join(f"{kltest.BINARY} operator add op{w}x{i} --role auditor >/dev/null" for i in range(15))
        writers.append(subprocess.Popen(["/bin/sh", "-c", "set -e; " + script], env=k.env(), cwd=k.dir,
                                        stderr=subprocess.PIPE, text=True))
    for p in writers:
        _, err = p.communicate(timeout=300)
        expect_eq(p.returncode, 0, f"every writer's commands succeed: {err}")
    j = k.ok("audit", "verify", json=True).json
    expect_eq(j, {"ok": True, "entries": 61}, "init and 60 concurrent appends, one verifiable chain")
    seqs = [e["seq"] for e in k.ok("audit", "list", json=True).json]
    expect_eq(seqs, list(range(1, 62)), "consecutive sequence numbers")


def at_once(*calls):
    """Runs each call (a function of no arguments) in its own thread, all started together."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def test_two_loads_of_one_fixture_at_once(k):
    """The second load's insert meets the key the first is inserting: it waits, runs again,
    finds what the first loaded, and reports it unchanged (not a duplicate-key error). The
    fixture has customers only: an operator row would already make the loads take turns."""
    k.init()
    f = k.write("f.toml", kltest.LI_FIXTURE)
    for _ in range(3):
        results = at_once(*[lambda: k.run("fixtures", "load", f, json=True)] * 2)
        for r in results:
            expect_eq(r.code, 0, "both loads succeed", r)
        expect_eq(sorted((r.json["customers_created"], r.json["customers_unchanged"]) for r in results),
                  [(0, 1), (0, 1)] if _ else [(0, 1), (1, 0)], "the customer is created once")
    expect_eq(len(k.ok("customer", "list", json=True).json), 1, "one customer in the store")
    loads = [e for e in k.ok("audit", "list", json=True).json if e["command"] == "fixtures load"]
    expect_eq(len(loads), 1, "only the load that created something is audited")
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "audit chain intact")


def test_two_phone_changes_to_one_number_at_once(k):
    """Two customers moving to one new number at once: exactly one gets it, the other is told
    it is taken (65), and no number ends up reserved by both."""
    import test_phone_change as pc
    pc.setup(k)
    li = ["--customer", "C000002", "--id-number", "320102198506151236", "--name", "李雷"]
    for n in range(4):
        new = f"+86137000{n:05d}"
        zhang, lei = pc.codes(k, new=new), pc.codes(k, new=new, customer="C000002")
        results = at_once(lambda: pc.change(k, "--old-phone-otp", zhang[0], new=new, new_otp=zhang[1]),
                          lambda: pc.change(k, "--old-phone-otp", lei[0], new=new, new_otp=lei[1], ident=li,
                                            device="D2"))
        expect_eq(sorted(r.code for r in results), [0, 65], f"exactly one change to {new} succeeds: "
                                                            f"{[r.describe() for r in results]}")
        loser = [r for r in results if r.code == 65][0]
        expect_error(loser, 65, "phone-taken")
        phones = [pc.show(k, c)["phone"] for c in ("C000001", "C000002")]
        expect_eq(sorted(p[-4:] for p in phones).count(new[-4:]), 1, f"one customer holds {new}: {phones}")


def test_two_inits_at_once(k):
    procs = [subprocess.Popen([kltest.BINARY, "-o", "json", "init", "--testing"], env=k.env(), cwd=k.dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    for out, err, code in results:
        expect_eq(code, 0, f"both inits succeed: {err}")
    created = [json.loads(out)["created"] for out, _, _ in results]
    expect_eq(sorted(created), [False, True], "exactly one created the store")
    expect_eq([e["command"] for e in k.ok("audit", "list", json=True).json], ["init"], "one init audited")
    expect_eq([o["name"] for o in k.ok("operator", "list", json=True).json], [kltest.os_user_name()], "one admin")
    expect(k.ok("init").out, "a third init is a no-op")


def test_an_uninitialised_or_unreachable_store(k):
    expect_error(k.run("customer", "list"), 69, "store-unavailable", "kunlunctl init")
    started = time.monotonic()
    expect_error(k.run("--store", "postgresql:///kunlun?host=/nonexistent-socket-dir", "customer", "list"), 69,
                 "store-unavailable", "cannot connect")
    expect(time.monotonic() - started < 3, "a missing server is reported at once")
    # A server that accepts the connection and never answers: the connect timeout applies.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        k.write_config("[store]\nconnect_timeout_seconds = 1\n")
        started = time.monotonic()
        r = k.run("--store", f"postgresql://someone@127.0.0.1:{port}/kunlun", "customer", "list", json=True)
        waited = time.monotonic() - started
    expect_error(r, 69, "store-unavailable")
    expect(0.9 <= waited < 10, f"gave up after the connect timeout (1 s, which libpq takes as 2 s), not {waited:.1f} s")
    # The URI's options go to libpq as they are: TLS settings included.
    r = k.run("--store", k.store_url + "&sslmode=no-such-mode", "customer", "list")
    expect_error(r, 69, "store-unavailable", "sslmode")
    expect_not_secret = k.run("--store", f"postgresql://someone:hunter2@127.0.0.1:{port}/kunlun", "customer", "list")
    kltest.expect_not_in("hunter2", expect_not_secret.err + expect_not_secret.out, "a password in the URI")


def server_certificate(k):
    """A P-256 server key and a certificate for the name `localhost` only, signed by the test
    CA (fixtures/certs/ca.pem); returns their PEM texts."""
    key, csr, crt = k.path("server.key"), k.path("server.csr"), k.path("server.crt")
    ext = k.write("server.ext", "subjectAltName = DNS:localhost\n")
    for argv in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
                 ["req", "-new", "-key", key, "-subj", "/CN=localhost", "-out", csr],
                 ["x509", "-req", "-in", csr, "-CA", os.path.join(CERTS, "ca.pem"), "-CAkey",
                  os.path.join(CERTS, "ca.key"), "-set_serial", "7", "-days", "30", "-extfile", ext, "-out", crt]):
        r = subprocess.run(["openssl", *argv], capture_output=True, text=True)
        expect(r.returncode == 0, f"openssl {argv[0]}: {r.stderr}")
    with open(crt, encoding="utf-8") as c, open(key, encoding="utf-8") as kf:
        return {"cert": c.read(), "key": kf.read()}


def test_tls_options_reach_a_server_that_takes_tls_only(k):
    """The URI's and the environment's TLS settings go to libpq as they are, against a real
    server that rejects every connection without TLS: verify-full with the bank's CA works;
    no TLS, another CA or a name the certificate does not carry is 69 store-unavailable."""
    tls = server_certificate(k)
    for attempt in range(3):  # the free port it picked may be taken before the server binds it
        try:
            state = pgcluster.start(tls=tls)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        base = f"postgresql://{state['user']}@localhost:{state['port']}/postgres?hostaddr=127.0.0.1"
        ca, other_ca = os.path.join(CERTS, "ca.pem"), os.path.join(CERTS, "other-ca.pem")
        verified = f"{base}&sslmode=verify-full&sslrootcert={ca}"
        k.write_config("")
        k.ok("--store", verified, "init", "--testing")
        r = k.ok("--store", verified, "operator", "list", json=True)
        expect_eq([o["name"] for o in r.json], [state["user"]], "the store over TLS", r)
        expect_error(k.run("--store", base + "&sslmode=disable", "operator", "list"), 69, "store-unavailable",
                     "no encryption")
        expect_error(k.run("--store", f"{base}&sslmode=verify-full&sslrootcert={other_ca}", "operator", "list"), 69,
                     "store-unavailable", "certificate verify failed")
        wrong_name = (f"postgresql://{state['user']}@127.0.0.1:{state['port']}/postgres"
                      f"?sslmode=verify-full&sslrootcert={ca}")
        expect_error(k.run("--store", wrong_name, "operator", "list"), 69, "store-unavailable", "127.0.0.1")
        # The same settings from libpq's environment.
        r = k.ok("--store", base, "operator", "list", json=True,
                 env={"PGSSLMODE": "verify-full", "PGSSLROOTCERT": ca})
        expect_eq(len(r.json), 1, "PGSSLMODE and PGSSLROOTCERT honoured", r)
        expect_error(k.run("--store", base, "operator", "list", env={"PGSSLMODE": "disable"}), 69,
                     "store-unavailable")
    finally:
        pgcluster.stop(state)


def test_libpq_environment_and_service_file(k):
    """A URI may leave everything to libpq's environment: PGHOST, PGDATABASE, PGUSER,
    PGOPTIONS, or a service in a service file (PGSERVICEFILE, PGSERVICE)."""
    k.init()
    schema_option = f"-csearch_path={k.pg_schema}"
    env = {"PGHOST": kltest.PG["socket"], "PGDATABASE": kltest.PG_DATABASE, "PGUSER": kltest.PG["user"],
           "PGOPTIONS": schema_option}
    r = k.ok("--store", "postgresql://", "operator", "list", json=True, env=env)
    expect_eq([o["name"] for o in r.json], [kltest.os_user_name()], "the store found through PGHOST and friends", r)
    services = k.write("pg_service.conf", f"[kunlun]\nhost={kltest.PG['socket']}\ndbname={kltest.PG_DATABASE}\n"
                                          f"user={kltest.PG['user']}\noptions={schema_option}\n")
    r = k.ok("--store", "postgresql://?service=kunlun", "operator", "list", json=True,
             env={"PGSERVICEFILE": services})
    expect_eq(len(r.json), 1, "the store found through a service", r)
    r = k.ok("--store", "postgresql://", "operator", "list", json=True,
             env={"PGSERVICEFILE": services, "PGSERVICE": "kunlun"})
    expect_eq(len(r.json), 1, "PGSERVICE names the service", r)


def test_the_key_file_must_be_configured(k):
    with open(k.config, "w", encoding="utf-8") as f:  # no [keys] file (k.write would add it)
        f.write(f'[notify]\nsink = "file:{k.sink}"\n')
    expect_error(k.run("init", "--testing"), 78, "config", "[keys] file")
    expect(not k.store_exists(), "nothing created without a key file")


def test_a_sqlite_dump_loads_into_postgresql_identically(k):
    lite = k.child("lite", backend="sqlite")
    casekit.configure(lite)
    lite.init()
    lite.ok("fixtures", "load", lite.write("f.toml", kltest.EXAMPLE_FIXTURE + kltest.LI_FIXTURE))
    lite.ok("fixtures", "generate", "--customers", "40", now=NOW)
    first = lite.dump()
    casekit.configure(k)
    k.init()
    k.ok("fixtures", "load", k.write("dump.toml", first))
    expect_eq(k.dump(), first, "fixtures dump from PostgreSQL equals the SQLite dump it loaded")
    # And back: the PostgreSQL dump loads into a new SQLite store to the same dump again.
    back = k.child("back", backend="sqlite")
    casekit.configure(back)
    back.init()
    back.ok("fixtures", "load", back.write("dump.toml", k.dump()))
    expect_eq(back.dump(), first, "and into SQLite again")


if __name__ == "__main__":
    if kltest.BACKEND != "postgresql" and len(sys.argv) == 2:
        print("skipped: these tests are for a PostgreSQL store (KLTEST_STORE=postgresql)")
        sys.exit(125)
    kltest.main(globals())
