"""`review batch` (domain.md §6): re-checks pending cases (weak staged password, damaged
materials), optional straight-through approval (never of the batch operator's own cases),
overdue and expiry on business days, notifications, the report, --dry-run, one batch at a
time, and a batch stopped or killed at any point then run again."""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import time

import casekit
import kltest
from casekit import CONTACT, T0, ZHANG, at, batch, expect_counts
from kltest import expect, expect_eq, expect_error, expect_in

WEAK = "qz7k3m"  # valid under [policy.login] profile = "icbc" (6-30, letters and digits), too short for kunlun
ICBC = '[policy.login]\nprofile = "icbc"\n'
AUTO = "[batch]\nauto_approve = true\n"


def test_checks_reject_weak_passwords_and_damaged_materials(k):
    casekit.setup(k, ICBC, customers=3)
    weak = casekit.reset_login(k, T0, ZHANG, password=WEAK)  # accepted under the laxer rule
    casekit.configure(k)  # back to the default kunlun profile
    removed = casekit.reset_txn(k, T0, casekit.customer(1))
    altered = casekit.reset_txn(k, T0, casekit.customer(2))
    good = casekit.reset_login(k, T0, casekit.customer(3))
    casekit.damage(k, removed["id"], "id-front", "remove")
    casekit.damage(k, altered["id"], "handheld", "alter")
    now = at(T0, 3600)
    s = batch(k, now)
    expect_counts(s, checked=4, approved=0, rejected=3, expired=0, overdue=0, notified=7)
    expect_eq(casekit.states(k), {weak["id"]: ("rejected", "weak-password"),
                                  removed["id"]: ("rejected", "materials-unclear"),
                                  altered["id"]: ("rejected", "materials-unclear"),
                                  good["id"]: ("pending", None)}, "decisions")
    full = casekit.show(k, weak["id"])
    expect_eq((full["decision"]["by"], full["decision"]["auto"]), ("bob", True), "an automatic decision")
    msg = [m for m in casekit.sms_for(k, weak["id"]) if m["template"] == "case_rejected"]
    expect_eq([m["to"] for m in msg], [CONTACT], "the rejection goes to the contact phone")
    expect_in("新密码过于简单", msg[0]["text"], "the SMS says the password is too simple")
    expect_in("您可重新提交申请", msg[0]["text"], "and that the customer may apply again")
    for case in (removed, altered):
        msg = [m for m in casekit.sms_for(k, case["id"]) if m["template"] == "case_rejected"]
        expect_eq(len(msg), 1, "one rejection SMS")
        expect_in("证件照片不清晰", msg[0]["text"], "materials reason")
    kltest.expect_ok(k.run("login", "verify", "--customer", "C000001", "--password-stdin", op="alice", now=now,
                           stdin="Kunlun2026!\n"))
    # Run again: nothing left to decide, nothing sent twice.
    expect_counts(batch(k, now), checked=1, approved=0, rejected=0, expired=0, notified=0)
    expect_eq(len(casekit.decisions(k)), 3, "each case decided once")


def test_overdue_and_expiry_count_business_days(k):
    casekit.setup(k, customers=2)
    friday = casekit.reset_txn(k, T0, ZHANG)
    expect_eq(casekit.show(k, friday["id"])["expires_at"], "2026-03-13T23:59:59+08:00", "5 business days")
    expect_counts(batch(k, "2026-03-09T23:59:59+08:00"), checked=1, overdue=0, expired=0, notified=1)
    expect_eq(k.ok("review", "list", "--overdue", json=True, now="2026-03-09T23:59:59+08:00").json, [], "not yet")
    now = "2026-03-10T00:00:00+08:00"
    expect_counts(batch(k, now), checked=1, overdue=1, expired=0)
    listed = k.ok("review", "list", "--overdue", json=True, now=now).json
    expect_eq([(c["id"], c["overdue"]) for c in listed], [(friday["id"], True)], "review list --overdue")
    expect_counts(batch(k, "2026-03-13T23:59:59+08:00"), checked=1, overdue=1, expired=0)
    expect_counts(batch(k, "2026-03-14T00:00:00+08:00"), checked=1, overdue=0, expired=1, notified=1)
    expect_eq(casekit.states(k)[friday["id"]], ("expired", None), "expired after the 5th business day")
    msg = [m for m in casekit.sms_for(k, friday["id"]) if m["template"] == "case_expired"]
    expect_eq([m["to"] for m in msg], [ZHANG["phone"]], "expiry SMS to the reserved phone")
    expect_in("5个工作日", msg[0]["text"], "the SMS says why")
    expect_in("您可重新提交申请", msg[0]["text"], "and that the customer may apply again")
    # 国庆节 2026: Oct 1-7 off, Saturday Oct 10 worked (调休): Oct 8, 9, 10, 12, 13.
    holiday = casekit.reset_login(k, "2026-09-30T10:00:00+08:00", casekit.customer(1))
    expect_eq(holiday["due_at"], "2026-10-08T23:59:59+08:00", "due after the holiday")
    makeup = casekit.reset_txn(k, "2026-10-10T10:00:00+08:00", casekit.customer(2))
    expect_eq(makeup["due_at"], "2026-10-12T23:59:59+08:00", "a make-up Saturday is a business day")
    expect_counts(batch(k, "2026-10-13T23:59:59+08:00"), checked=2, overdue=2, expired=0)
    expect_counts(batch(k, "2026-10-14T00:00:00+08:00"), checked=2, overdue=1, expired=1)
    expect_eq(casekit.states(k)[holiday["id"]], ("expired", None), "holiday case expired")
    msg = [m for m in casekit.sms_for(k, holiday["id"]) if m["template"] == "case_expired"]
    expect_eq([m["to"] for m in msg], [CONTACT], "a login reset's expiry goes to the contact phone")
    expect_counts(batch(k, "2026-10-16T23:59:59+08:00"), checked=1, expired=0)
    expect_counts(batch(k, "2026-10-17T00:00:00+08:00"), checked=1, expired=1, overdue=0)
    expect_eq(sorted(c for c, _ in casekit.decisions(k)), ["review expire"] * 3, "three expiries audited")


def test_auto_approve_but_not_the_batch_operators_own_cases(k):
    casekit.setup(k, AUTO, customers=1)
    own = casekit.reset_txn(k, T0, ZHANG, op="alice")
    other = casekit.reset_login(k, T0, casekit.customer(1), op="erin")
    now = at(T0, 3600)
    expect_counts(batch(k, now, op="alice"), checked=2, approved=1, rejected=0)
    expect_eq(casekit.states(k), {own["id"]: ("pending", None), other["id"]: ("approved", None)}, "four eyes")
    full = casekit.show(k, other["id"])
    expect_eq((full["decision"]["by"], full["decision"]["auto"]), ("alice", True), "decision auto")
    kltest.expect_ok(k.run("login", "verify", "--customer", other["customer"], "--password-stdin", op="erin",
                           now=now, stdin=casekit.LOGIN_PW + "\n"))
    msg = [m for m in casekit.sms_for(k, other["id"]) if m["template"] == "case_approved"]
    expect_eq([m["to"] for m in msg], [CONTACT], "delivered by the batch itself")
    expect_counts(batch(k, now, op="bob"), checked=1, approved=1)
    expect_eq(casekit.show(k, own["id"])["decision"]["by"], "bob", "another reviewer's batch approves it")
    kltest.expect_ok(k.run("txn", "verify", "--customer", "C000001", "--account", ZHANG["account"],
                           "--password-stdin", op="erin", now=now, stdin=casekit.PIN + "\n"))
    # Off by default: cases that pass stay pending for a person.
    casekit.configure(k)
    third = casekit.reset_txn(k, at(T0, 7200), ZHANG, tag="third")
    expect_counts(batch(k, at(T0, 7300)), checked=1, approved=0, rejected=0)
    expect_eq(casekit.states(k)[third["id"]], ("pending", None), "no auto approval by default")
    expect_error(k.run("review", "batch", op="erin", now=now, json=True), 77, "permission", "reviewer")


def snapshot(k):
    lock = len(lock_rows(k))
    return {"dump": k.dump(), "cases": k.ok("review", "list", json=True).json, "audit": k.audit_count(),
            "outbox": k.ok("notify", "list", json=True, op="alice").json, "sms": casekit.sms(k), "lock": lock}


def test_dry_run_changes_nothing_and_the_report(k):
    casekit.setup(k, ICBC + AUTO, customers=3)
    casekit.reset_txn(k, T0, casekit.customer(2))                         # expires by the batch's day
    casekit.reset_txn(k, "2026-03-16T10:00:00+08:00", ZHANG, op="alice")  # alice's own: stays, overdue
    casekit.reset_login(k, "2026-03-17T09:00:00+08:00", casekit.customer(1), password=WEAK)  # rejected
    casekit.configure(k, AUTO)
    casekit.reset_login(k, "2026-03-17T10:00:00+08:00", casekit.customer(3), op="erin")  # approved
    now = "2026-03-20T12:00:00+08:00"
    before = snapshot(k)
    report = k.path("dry.jsonl")
    dry = batch(k, now, op="alice", extra=("--dry-run", "--report", report))
    expect_counts(dry, checked=4, approved=1, rejected=1, expired=1, overdue=1, notified=0)
    expect_eq(snapshot(k), before, "a dry run changes nothing (dump, cases, audit, outbox, SMS, lock)")
    with open(report, encoding="utf-8") as f:
        dry_lines = [json.loads(line) for line in f]
    real_report = k.path("real.jsonl")
    real = batch(k, now, op="alice", extra=("--report", real_report))
    expect_counts(real, checked=4, approved=1, rejected=1, expired=1, overdue=1, notified=7)
    with open(real_report, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    expect_eq(len(lines), 5, "one line per case and a summary line")
    expect_eq(lines[-1], {"summary": real}, "the summary line is the printed summary")
    cases = {c["id"]: c for c in k.ok("review", "list", json=True).json}
    expect_eq(sorted(x["case"] for x in lines[:-1]), sorted(cases), "every case once")
    for x in lines[:-1]:
        c = cases[x["case"]]
        expect_eq((x["kind"], x["customer"]), (c["kind"], c["customer"]), "report fields")
        expected = {"approved": "approved", "rejected": "rejected", "expired": "expired", "pending": "checked"}
        expect_eq((x["action"], x["reason"]), (expected[c["state"]], c["reason"]), f"report line {x}")
    expect_eq([(x["case"], x["action"], x["reason"]) for x in dry_lines[:-1]],
              [(x["case"], x["action"], x["reason"]) for x in lines[:-1]], "the dry run said what the batch did")


def insert_lock(k, pid, host=None, heartbeat=None):
    with k.db() as db:
        db.execute("INSERT OR REPLACE INTO batch_lock (name, holder, pid, host, heartbeat) VALUES (?, ?, ?, ?, ?)",
                   ("review-batch", "dave", pid, host or socket.gethostname(), int(heartbeat or time.time())))


def lock_rows(k):
    """The batch's registered workers: SQLite's one lock row, PostgreSQL's worker rows."""
    table = "batch_lock" if k.pg_schema is None else "batch_workers"
    with k.db() as db:
        return db.execute(f"SELECT holder, pid FROM {table}").fetchall()


@kltest.sqlite_only("one worker at a time; on PostgreSQL workers share a run (test_postgres.py)")
def test_one_batch_at_a_time(k):
    casekit.setup(k, AUTO, customers=4)
    for i in range(1, 5):
        casekit.reset_txn(k, T0, casekit.customer(i))
    now = at(T0, 3600)
    # A held lock whose process is alive (this test's own) refuses a second batch.
    insert_lock(k, os.getpid())
    before = casekit.states(k)
    expect_error(k.run("review", "batch", op="bob", now=now, json=True), 75, "batch-running", str(os.getpid()))
    expect_eq(casekit.states(k), before, "the refused batch decided nothing")
    # Another host's lock counts while its heartbeat is fresh, not after.
    insert_lock(k, 1, host="other-host.example")
    expect_error(k.run("review", "batch", op="bob", now=now, json=True), 75, "batch-running", "other-host")
    # A lock left by a dead process (or a stale heartbeat) is taken over.
    dead = subprocess.Popen(["true"])
    dead.wait()
    insert_lock(k, dead.pid)
    expect_counts(batch(k, now), checked=4, approved=4)
    expect_eq(lock_rows(k), [], "the lock is released at the end")
    insert_lock(k, 1, host="other-host.example", heartbeat=time.time() - 600)
    expect_counts(batch(k, now), checked=0)
    # Two real batches: the first holds the lock while a slow SMS program delivers its messages.
    for i in range(1, 5):
        casekit.reset_login(k, at(T0, 7200), casekit.customer(i))
    marker = k.path("started")
    script = k.write("slow-sms.sh", f"#!/bin/sh\ntouch {marker}\ncat >> {k.path('slow.jsonl')}\nsleep 0.3\n")
    os.chmod(script, 0o755)
    casekit.configure(k, AUTO, sink="exec:" + script)
    first = subprocess.Popen([kltest.BINARY, "-o", "json", "review", "batch"], env=k.env("bob", at(T0, 7300)),
                             cwd=k.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(marker) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.01)
    expect(os.path.exists(marker), "the first batch reached its deliveries")
    r = k.run("review", "batch", op="dave", now=at(T0, 7300), json=True)
    expect_error(r, 75, "batch-running", "bob")
    out, err = first.communicate(timeout=60)
    expect_eq(first.returncode, 0, f"the first batch finishes: {err}")
    expect_counts(json.loads(out), checked=4, approved=4, notified=8)
    expect_eq(len(casekit.decisions(k)), 8, "each case decided once")


def test_a_reviewer_racing_the_batch_decides_once(k):
    casekit.setup(k, AUTO, customers=3)
    cases = [casekit.reset_txn(k, T0, casekit.customer(i)) for i in (1, 2, 3)]
    now = at(T0, 3600)
    env = k.env("bob", now)
    procs = [subprocess.Popen([kltest.BINARY, *args], env=env, cwd=k.dir, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for args in (["review", "batch"], ["review", "reject", cases[1]["id"], "--reason", "other"])]
    [(batch_code, _), (reject_code, err)] = [(p.wait(timeout=60), p.communicate()[1]) for p in procs]
    expect_eq(batch_code, 0, "the batch runs")
    expect(reject_code == 0 or (reject_code == 77 and "[already-decided]" in err), f"reject: {reject_code} {err}")
    ids = sorted(c for _, c in casekit.decisions(k))
    expect_eq(ids, sorted(c["id"] for c in cases), "every case decided exactly once")
    expected = ("rejected", "other") if reject_code == 0 else ("approved", None)
    expect_eq(casekit.states(k)[cases[1]["id"]], expected, "the winner's decision stands")


def handler_installed(pid, signum):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        caught = [int(line.split()[1], 16) for line in f if line.startswith("SigCgt:")][0]
    return bool(caught >> (signum - 1) & 1)


def test_sigterm_finishes_the_chunk_and_a_rerun_completes(k):
    casekit.setup(k, AUTO + "chunk_size = 2\n", customers=6)
    for i in range(1, 7):
        casekit.reset_txn(k, T0, casekit.customer(i))
    now = at(T0, 3600)
    # Hold the batch back at its start, then SIGTERM it there.
    with kltest.HoldBatchStart(k):
        p = subprocess.Popen([kltest.BINARY, "-o", "json", "review", "batch"], env=k.env("bob", now), cwd=k.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 3
        while not handler_installed(p.pid, signal.SIGTERM) and time.monotonic() < deadline:
            time.sleep(0.005)
        p.send_signal(signal.SIGTERM)
        time.sleep(0.1)
    out, err = p.communicate(timeout=60)
    expect(p.returncode in (0, 75), f"exit 75 (stopped after the chunk) or 0, got {p.returncode}: {err}")
    if p.returncode == 75:
        expect_in("kunlunctl: error [interrupted]", err, "says it stopped")
        error = json.loads(out)["error"]  # -o json: the one value is the error, with the progress
        expect_eq((error["code"], error["exit"]), ("interrupted", 75), "the JSON error object")
        expect_counts(error["progress"], checked=2, approved=2)
    decided = len(casekit.decisions(k))
    expect_eq(decided, 2 if p.returncode == 75 else 6, "the chunk in progress was finished")
    expect_eq(lock_rows(k), [], "the lock is released")
    expect_counts(batch(k, now), checked=6 - decided, approved=6 - decided)
    expect_eq(sorted(s for s, _ in casekit.states(k).values()), ["approved"] * 6, "all decided")


def copy_store(k, other):
    """A consistent copy of k's store, key and materials in workspace `other`."""
    if k.pg_schema is None:
        with sqlite3.connect(k.store) as src, sqlite3.connect(other.store) as dst:
            src.backup(dst)
    else:
        kltest.copy_pg_schema(k, other)
    with open(k.key, "rb") as f, open(other.key, "wb") as g:
        g.write(f.read())
    os.chmod(other.key, 0o600)
    os.makedirs(other.store + ".materials", exist_ok=True)
    for name in os.listdir(k.store + ".materials"):
        with open(os.path.join(k.store + ".materials", name), "rb") as f:
            with open(os.path.join(other.store + ".materials", name), "wb") as g:
                g.write(f.read())


def outcome(k):
    sent = sorted((m["params"]["case"], m["template"]) for m in casekit.sms(k) if "case" in m["params"])
    return set((i, s, r) for i, (s, r) in casekit.states(k).items()), set(sent)


def test_sigkill_at_random_points_then_a_rerun_equals_one_run(k):
    casekit.setup(k, ICBC, customers=15)
    weak_at = "2026-03-12T09:00:00+08:00"
    cases = [casekit.reset_login(k, weak_at, casekit.customer(i), password=WEAK) for i in (1, 2)]
    casekit.configure(k, AUTO + "chunk_size = 2\n")
    for i in range(3, 16):
        cases.append(casekit.reset_login(k, T0 if i < 6 else "2026-03-12T10:00:00+08:00", casekit.customer(i),
                                         op="erin" if i % 3 else "alice"))
    for i in range(1, 16):
        cases.append(casekit.reset_txn(k, "2026-03-12T11:00:00+08:00", casekit.customer(i)))
    for case, role in zip(cases[20:23], ("id-front", "id-back", "handheld")):
        casekit.damage(k, case["id"], role, "alter" if role == "handheld" else "remove")
    now = "2026-03-16T12:00:00+08:00"  # T0's cases expired; the others are a business day late
    baseline = k.child("baseline")
    casekit.configure(baseline, AUTO + "chunk_size = 2\n")
    copy_store(k, baseline)
    expected = batch(baseline, now, op="alice")
    expect_counts(expected, checked=30, expired=3, rejected=5, approved=6)
    rng = random.Random(os.environ.get("KLTEST_SEED", "kunlun"))
    codes = []
    for _ in range(10):
        p = subprocess.Popen([kltest.BINARY, "review", "batch"], env=k.env("alice", now), cwd=k.dir,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # 0-100 ms; every other kill within 30 ms, where the decisions are (the rest mostly
        # lands among the deliveries).
        time.sleep(rng.uniform(0, rng.choice((0.03, 0.1))))
        p.kill()
        codes.append(p.wait())
    batch(k, now, op="alice")
    expect_counts(batch(k, now, op="alice"), rejected=0, approved=0, expired=0, notified=0)
    ids = [c for _, c in casekit.decisions(k)]
    expect_eq(sorted(ids), sorted(set(ids)), f"no case decided twice (kill exits {codes})")
    decided = {i for i, (s, _) in casekit.states(k).items() if s != "pending"}
    expect_eq(set(ids), decided, "every decided case has its audit entry")
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "audit chain intact")
    states, sent = outcome(k)
    base_states, base_sent = outcome(baseline)
    expect_eq(states, base_states, "the same decisions as one uninterrupted run")
    expect_eq(sent, base_sent, "every message delivered (at least once)")
    expect_eq(lock_rows(k), [], "no lock left behind")


if __name__ == "__main__":
    kltest.main(globals())
