"""The outbox (domain.md §7, cli.md `notify list|dispatch|retry`): states, delivery through
`exec:` programs, retries with back-off, dead letters, requeueing them, the exec time limit."""
import json
import os
import time

import casekit
import kltest
from casekit import T0, ZHANG, at
from kltest import expect, expect_eq, expect_error, expect_in, expect_not_in

ROW_KEYS = {"id", "customer", "to", "template", "state", "attempts", "created_at", "next_attempt_at", "sent_at",
            "last_error"}


def script(k, name, body):
    path = k.write(name, "#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return "exec:" + path


def outbox(k, state=None, op="alice", now=T0):
    return k.ok("notify", "list", *(["--state", state] if state else []), op=op, now=now, json=True).json


def dispatch(k, now, op="alice"):
    return k.ok("notify", "dispatch", op=op, now=now, json=True).json


def pending_cases(k, n):
    """n cases at T0 (customers 1..n): n `case_submitted` messages wait in the outbox."""
    return [casekit.reset_txn(k, T0, casekit.customer(i)) for i in range(1, n + 1)]


def test_list_by_state_and_roles(k):
    casekit.setup(k, customers=1)
    case = casekit.reset_txn(k, T0, ZHANG)
    casekit.reset_login(k, T0, casekit.customer(1))
    rows = outbox(k)
    expect_eq([(m["template"], m["state"]) for m in rows],
              [("otp", "sent"), ("case_submitted", "pending"), ("otp", "sent"), ("case_submitted", "pending")],
              "every message, in id order")
    expect(all(set(m) >= ROW_KEYS for m in rows), f"row fields {ROW_KEYS}: {rows[0]}")
    expect_eq(rows[1]["to"], "*******1152", "masked destination")
    expect_eq((rows[1]["attempts"], rows[1]["next_attempt_at"], rows[1]["sent_at"]), (0, T0, None), "a new message")
    expect_eq((rows[0]["attempts"], rows[0]["sent_at"], rows[0]["next_attempt_at"]), (1, T0, None), "a sent code")
    expect_eq([m["id"] for m in outbox(k, "pending")], [rows[1]["id"], rows[3]["id"]], "--state pending")
    expect_eq([m["id"] for m in outbox(k, "sent")], [rows[0]["id"], rows[2]["id"]], "--state sent")
    expect_eq(outbox(k, "dead"), [], "--state dead")
    limited = k.ok("notify", "list", "--state", "pending", "--limit", "1", op="alice", now=T0, json=True).json
    expect_eq([m["id"] for m in limited], [rows[1]["id"]], "--limit N")
    table = k.ok("notify", "list", op="alice", now=T0)
    for secret in ("13800001152", "13700002233", "13900000001"):
        expect_not_in(secret, table.out + json.dumps(rows), "no phone number in clear")
    expect_error(k.run("notify", "list", "--state", "lost", op="alice"), 64, "usage")
    for op in ("bob", "carol"):
        for args in (["list"], ["dispatch"], ["retry", "--all-dead"]):
            expect_error(k.run("notify", *args, op=op, now=T0, json=True), 77, "permission", "operator")
    expect_eq(len(outbox(k, op=None)), 4, "admin (who ran init) may list too")
    expect_eq(dispatch(k, T0), {"sent": 2, "retrying": 0, "dead": 0}, "dispatch")
    expect_eq(outbox(k, "pending"), [], "nothing pending")
    lines = [m for m in casekit.sms(k) if m["template"] == "case_submitted"]
    expect_eq(sorted(m["to"] for m in lines), [casekit.CONTACT, ZHANG["phone"]], "delivered to the file sink")
    expect_eq(lines[0]["params"]["case"], case["id"], "params carry the case")


def test_failed_deliveries_back_off_then_go_dead(k):
    casekit.setup(k, customers=1)
    [case] = pending_cases(k, 1)
    casekit.configure(k, sink=script(k, "fail.sh", "cat > /dev/null\nexit 1\n"),
                      notify="max_attempts = 3\nbase_delay_seconds = 60\n")
    expect_eq(dispatch(k, T0), {"sent": 0, "retrying": 1, "dead": 0}, "first failure")
    [m] = outbox(k, "pending")
    expect_eq((m["attempts"], m["next_attempt_at"]), (1, at(T0, 60)), "retry after 60 s")
    expect_in("exit 1", m["last_error"], "the error is kept")
    expect_eq(dispatch(k, at(T0, 59)), {"sent": 0, "retrying": 0, "dead": 0}, "not due yet")
    expect_eq(dispatch(k, at(T0, 60)), {"sent": 0, "retrying": 1, "dead": 0}, "second failure")
    [m] = outbox(k, "pending")
    expect_eq((m["attempts"], m["next_attempt_at"]), (2, at(T0, 60 + 120)), "the delay doubles")
    expect_eq(dispatch(k, at(T0, 179)), {"sent": 0, "retrying": 0, "dead": 0}, "not due yet")
    expect_eq(dispatch(k, at(T0, 180)), {"sent": 0, "retrying": 0, "dead": 1}, "third failure: dead letter")
    expect_eq(outbox(k, "pending"), [], "no longer pending")
    [m] = outbox(k, "dead")
    expect_eq((m["attempts"], m["next_attempt_at"], m["sent_at"]), (3, None, None), "a dead letter")
    expect_eq(dispatch(k, at(T0, 86400)), {"sent": 0, "retrying": 0, "dead": 0}, "dead letters are not retried")
    # Requeued by an operator, it is delivered once a working sink is back.
    casekit.configure(k)
    now = at(T0, 3600)
    r = k.ok("notify", "retry", str(m["id"]), op="alice", now=now, json=True)
    expect_eq(r.json, {"retried": 1, "ids": [m["id"]]}, "retry output")
    [p] = outbox(k, "pending")
    expect_eq((p["id"], p["attempts"], p["next_attempt_at"]), (m["id"], 0, now), "pending again, due now")
    entry = k.ok("audit", "list", json=True).json[-1]
    expect_eq((entry["command"], entry["operator"], entry["outcome"], entry["details"]["ids"]),
              ("notify retry", "alice", "ok", [m["id"]]), "the retry is audited")
    expect_eq(dispatch(k, now), {"sent": 1, "retrying": 0, "dead": 0}, "delivered")
    delivered = [x for x in casekit.sms(k) if x["template"] == "case_submitted"]
    expect_eq([(x["to"], x["params"]["case"]) for x in delivered], [(casekit.customer(1)["phone"], case["id"])],
              "the message reached the sink")
    expect_eq(k.ok("audit", "verify", json=True).json["ok"], True, "audit chain intact")


def test_retry_all_dead_with_two_attempts(k):
    casekit.setup(k, customers=3)
    pending_cases(k, 3)
    casekit.configure(k, sink=script(k, "fail.sh", "exit 1\n"), notify="max_attempts = 2\nbase_delay_seconds = 60\n")
    expect_eq(dispatch(k, T0), {"sent": 0, "retrying": 3, "dead": 0}, "first try")
    expect_eq({m["next_attempt_at"] for m in outbox(k, "pending")}, {at(T0, 60)}, "back-off")
    expect_eq(dispatch(k, at(T0, 60)), {"sent": 0, "retrying": 0, "dead": 3}, "second try: dead")
    dead = [m["id"] for m in outbox(k, "dead")]
    expect_eq(len(dead), 3, "three dead letters")
    # A log line per delivery shows the exec program gets the message on stdin; what it prints
    # must not mix into kunlunctl's own JSON output.
    log = k.path("delivered.jsonl")
    casekit.configure(k, sink=script(k, "ok.sh", f"cat >> {log}\necho accepted\n"), notify="max_attempts = 2\n")
    now = at(T0, 600)
    expect_eq(k.ok("notify", "retry", "--all-dead", op="alice", now=now, json=True).json,
              {"retried": 3, "ids": dead}, "every dead letter requeued")
    expect_eq(outbox(k, "dead"), [], "none dead")
    expect_eq(dispatch(k, now), {"sent": 3, "retrying": 0, "dead": 0}, "delivered")
    with open(log, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    expect_eq(len(lines), 3, "one message per run of the program")
    expect_eq(set(lines[0]), {"id", "to", "template", "params", "text", "at"}, "the sink's message object")
    expect_eq(sorted(x["to"] for x in lines), sorted(casekit.customer(i)["phone"] for i in (1, 2, 3)), "recipients")
    expect_eq(k.ok("notify", "retry", "--all-dead", op="alice", now=now, json=True).json,
              {"retried": 0, "ids": []}, "nothing to retry")


def test_retry_refusals(k):
    casekit.setup(k, customers=1)
    pending_cases(k, 1)
    rows = outbox(k)
    sent, pending = rows[0]["id"], rows[1]["id"]
    before = (rows, k.audit_count())
    expect_error(k.run("notify", "retry", "9999", op="alice", now=T0, json=True), 67, "not-found", "9999")
    expect_error(k.run("notify", "retry", str(sent), op="alice", now=T0, json=True), 77, "not-dead", str(sent))
    expect_error(k.run("notify", "retry", str(pending), op="alice", now=T0, json=True), 77, "not-dead", "pending")
    expect_error(k.run("notify", "retry", op="alice", now=T0), 64, "usage")
    expect_error(k.run("notify", "retry", str(sent), "--all-dead", op="alice", now=T0), 64, "usage")
    expect_error(k.run("notify", "retry", "abc", op="alice", now=T0), 64, "usage")
    expect_error(k.run("notify", "retry", str(sent), op="bob", now=T0, json=True), 77, "permission")
    expect_eq(outbox(k), before[0], "refusals change nothing")
    added = k.ok("audit", "list", json=True).json[before[1]:]
    expect(all(e["outcome"] == "refused" for e in added), "at most the refusals are audited")


def test_exec_sink_past_its_time_limit_counts_as_failed(k):
    casekit.setup(k, customers=1)
    pending_cases(k, 1)
    marker = k.path("slow-finished")
    casekit.configure(k, sink=script(k, "slow.sh", f"cat > /dev/null\nsleep 30\ntouch {marker}\n"),
                      notify="exec_timeout_seconds = 1\nmax_attempts = 5\nbase_delay_seconds = 30\n")
    started = time.monotonic()
    expect_eq(dispatch(k, T0), {"sent": 0, "retrying": 1, "dead": 0}, "a timeout is a failure")
    elapsed = time.monotonic() - started
    expect(elapsed < 12, f"the program is stopped after about 1 s, not after its 30 s (took {elapsed:.1f} s)")
    [m] = outbox(k, "pending")
    expect_eq((m["attempts"], m["next_attempt_at"]), (1, at(T0, 30)), "retried later")
    expect_in("1 s", m["last_error"], "the error names the limit")
    time.sleep(0.2)
    expect(not os.path.exists(marker), "the slow program was killed")


if __name__ == "__main__":
    kltest.main(globals())
