"""Delivering the outbox under pressure (docs/notify.md): concurrent deliverers hand each message
to the sink once and in order per recipient; kill -9 at any moment loses nothing and duplicates
only with the same id; a full disk leaves the page queued and the sink file whole."""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

import casekit
import kltest
from kltest import expect, expect_eq, expect_error

AUTO = "[batch]\nauto_approve = true\n"
NOW = "2026-11-26T18:00:00+08:00"  # a Thursday: generated cases were submitted Mon-Wed


def queued_messages(k, customers, cases, notify=""):
    """A store whose evening batch already decided `cases` generated cases without a sink: their
    SMS wait in the outbox. Then the file sink is configured (pages of 40 unless `notify` says)."""
    k.write("config.toml", casekit.FAST + AUTO)
    k.init()
    k.ok("operator", "add", "bob", "--role", "reviewer")
    k.ok("operator", "add", "alice", "--role", "operator")
    k.ok("fixtures", "generate", "--customers", str(customers), "--pending-cases", str(cases), now=NOW)
    k.ok("review", "batch", op="bob", now=NOW)
    casekit.configure(k, AUTO, notify=notify or "page_size = 40\n")
    return outbox_ids(k)


def outbox_ids(k, state=None):
    rows = k.ok("notify", "list", *(["--state", state] if state else []), op="alice", now=NOW, json=True).json
    return [m["id"] for m in rows]


def sink_lines(k):
    """Every line of the sink, parsed; a line cut in half fails the test."""
    if not os.path.exists(k.sink):
        return []
    with open(k.sink, encoding="utf-8") as f:
        text = f.read()
    expect(text == "" or text.endswith("\n"), "the sink ends with a whole line")
    return [json.loads(line) for line in text.splitlines()]


def start(k, *args, op="alice"):
    return subprocess.Popen([kltest.BINARY, "-o", "json", *args], env=k.env(op, NOW), cwd=k.dir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def expect_order_per_recipient(lines):
    last = {}
    for line in lines:
        to, mid = line["to"], line["id"]
        expect(last.get(to, 0) < mid, f"{to}: message {mid} handed over after {last.get(to)}: out of queueing order")
        last[to] = mid


def test_concurrent_deliverers_hand_each_message_over_once_in_order(k):
    for n in (2, 4, 8):
        w = k.child(f"n{n}")
        ids = queued_messages(w, 300, 900)
        expect(len(ids) >= 900, f"the batch queued a message per case at least: {len(ids)}")
        deliverers = [start(w, "notify", "dispatch") for _ in range(n)]
        deliverers.append(start(w, "review", "batch", op="bob"))  # it delivers at its end too
        shares = []
        for p in deliverers:
            out, err = p.communicate(timeout=600)
            expect_eq(p.returncode, 0, f"every deliverer finishes: {err}")
            result = json.loads(out)
            shares.append(result.get("sent", result.get("notified")))
        lines = sink_lines(w)
        handed = [line["id"] for line in lines]
        expect_eq(len(handed), len(set(handed)), f"{n} deliverers: no message handed over twice")
        expect_eq(sorted(handed), sorted(ids), f"{n} deliverers: every queued message reached the sink")
        expect_eq(outbox_ids(w, "pending"), [], "nothing left pending")
        expect_eq(sorted(outbox_ids(w, "sent")), sorted(ids), "every message marked sent")
        expect_order_per_recipient(lines)
        recipients = {line["to"] for line in lines}
        expect(len(recipients) < len(lines), "some recipients got several messages: the order check means something")
        expect(sum(1 for x in shares if x) >= 2, f"{n} deliverers: several delivered at once: {shares}")
        print(f"     {n} deliverers + a batch: {len(ids)} messages to {len(recipients)} numbers, shares {shares}")


def test_kill_9_during_dispatch_loses_nothing_and_duplicates_keep_their_id(k):
    ids = queued_messages(k, 200, 600, notify="page_size = 20\n")
    rng = random.Random(7)
    kills = 0
    for _ in range(25):
        p = start(k, "notify", "dispatch")
        time.sleep(rng.uniform(0.0, 0.08))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.communicate()
    r = k.ok("notify", "dispatch", op="alice", now=NOW, json=True)  # the final dispatch takes over every claim
    print(f"     {kills} kills mid-run; the final dispatch sent {r.json['sent']}")
    lines = sink_lines(k)
    handed = [line["id"] for line in lines]
    expect_eq(sorted(set(handed)), sorted(ids), f"after {kills} kills every message reached the sink once at least")
    expect(set(handed) <= set(ids), "every sink line is a message of the outbox")
    expect_eq(outbox_ids(k, "pending"), [], f"nothing left pending: {r.json}")
    by_id = {}
    for line in lines:
        if line["id"] in by_id:
            first = by_id[line["id"]]
            expect_eq({x: line[x] for x in ("to", "template", "params", "text")},
                      {x: first[x] for x in ("to", "template", "params", "text")}, "a duplicate is the same message")
        by_id.setdefault(line["id"], line)
    duplicates = len(handed) - len(set(handed))
    print(f"     {len(handed)} lines for {len(ids)} messages: {duplicates} handed over again after a kill")
    expect(duplicates <= kills * 20, f"only a page in flight per kill is handed over again: {duplicates}")


def test_kill_9_during_otp_send_never_sends_a_code_that_does_not_exist(k):
    casekit.setup(k)
    rng = random.Random(11)
    sent_at = []
    for i in range(40):
        now = kltest.at(NOW, 61 * i)
        p = subprocess.Popen([kltest.BINARY, "otp", "send", "--customer", "C000001", "--purpose", "reset-login"],
                             env=k.env("alice", now), cwd=k.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, 0.04))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.communicate()
        sent_at.append(now)
    k.ok("notify", "dispatch", op="alice", now=kltest.at(NOW, 61 * 40), json=True)
    messages = k.ok("notify", "list", op="alice", json=True).json
    codes = [m for m in messages if m["template"] == "otp"]
    lines = [line for line in sink_lines(k) if line["template"] == "otp"]
    expect({line["id"] for line in lines} <= {m["id"] for m in codes}, "every code handed over is in the outbox")
    expect_eq(sorted({line["id"] for line in lines}), sorted(m["id"] for m in codes),
              "every committed code reaches the customer after the final dispatch")
    expect(all(m["state"] == "sent" for m in codes), "every code's message is sent")
    with k.db() as db:
        stored = db.execute("SELECT count(*) FROM otps").fetchone()[0]
    expect_eq(stored, len(codes), "one message per stored code: no code without its message, and none without a code")
    for line in lines:
        expect(line["params"]["code"].isdigit() and line["params"]["code"] in line["text"],
               f"a delivered code is the real code, never the redacted one: {line['text']}")


def test_kill_9_during_the_batchs_delivery(k):
    ids = queued_messages(k, 200, 600, notify="page_size = 20\n")
    rng = random.Random(5)
    for _ in range(15):
        p = start(k, "review", "batch", op="bob")
        time.sleep(rng.uniform(0.0, 0.1))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.communicate()
    k.ok("review", "batch", op="bob", now=NOW, json=True)
    handed = [line["id"] for line in sink_lines(k)]
    expect_eq(sorted(set(handed)), sorted(ids), "every message reached the sink")
    expect_eq(outbox_ids(k, "pending"), [], "nothing left pending")


def test_a_signal_stops_delivery_after_the_page_in_flight(k):
    slow = k.write("slow.sh", "#!/bin/sh\ncat >> \"$0.log\"\nsleep 0.05\n")
    os.chmod(slow, 0o755)
    ids = queued_messages(k, 60, 120)
    casekit.configure(k, AUTO, sink="exec:" + slow, notify="page_size = 5\n")
    p = start(k, "notify", "dispatch")
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    expect_eq(p.returncode, 75, f"stopped by the signal: {err}")
    expect("[interrupted]" in err, f"the error line names it: {err}")
    progress = json.loads(out)["error"]["progress"]
    pending = outbox_ids(k, "pending")
    expect(0 < progress["sent"] < len(ids), f"stopped part way: {progress}")
    expect_eq(len(pending), len(ids) - progress["sent"], "what was not delivered stays queued")
    expect_eq(progress["sent"] % 5, 0, "it stopped after a whole page")
    with open(slow + ".log", encoding="utf-8") as f:
        expect_eq(len(f.read().splitlines()), progress["sent"], "the program got exactly what counts as sent")


def test_a_claim_of_another_host_waits_for_its_lease(k):
    ids = queued_messages(k, 30, 60)
    held = ids[:5]
    until = int(time.time()) + 4
    with k.db() as db:
        for mid in held:
            db.execute(f"UPDATE outbox SET claimed_by = 'another-host/4242/1/ab', claim_until = {until} WHERE id = {mid}")
        recipients = db.execute(f"SELECT count(DISTINCT to_idx) FROM outbox WHERE id IN ({','.join(map(str, held))})"
                                ).fetchone()[0]
    k.ok("notify", "dispatch", op="alice", now=NOW)
    pending = outbox_ids(k, "pending")
    expect(set(held) <= set(pending), "messages another host holds are left to it while its lease lasts")
    expect(len(pending) >= len(held), f"and so are the later messages of their {recipients} recipients")
    sent_first = {line["id"] for line in sink_lines(k)}
    expect(not sent_first & set(held), "none of them was handed over")
    time.sleep(max(0.0, until - time.time()) + 1.1)
    k.ok("notify", "dispatch", op="alice", now=NOW)
    expect_eq(outbox_ids(k, "pending"), [], "once the lease ran out the next deliverer took them over")
    lines = sink_lines(k)
    expect_eq(sorted(line["id"] for line in lines), sorted(ids), "every message once")
    expect_order_per_recipient(lines)


def test_a_lease_shorter_than_the_sink_time_limit_is_refused(k):
    queued_messages(k, 5, 5)
    casekit.configure(k, AUTO, sink="exec:/bin/true", notify="claim_lease_seconds = 12\nexec_timeout_seconds = 10\n")
    expect_error(k.run("notify", "dispatch", op="alice", now=NOW), 78, "config", "claim_lease_seconds")


def mount_small_tmpfs(path, size="512k"):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    os.makedirs(path, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                          capture_output=True).returncode == 0


def test_a_full_disk_leaves_the_page_queued_and_the_sink_whole(k):
    ids = queued_messages(k, 60, 120, notify="page_size = 50\n")
    disk = tempfile.mkdtemp(prefix="kl-full-")
    if not mount_small_tmpfs(disk):
        shutil.rmtree(disk, ignore_errors=True)
        print("     (skipped the tmpfs part: needs root and mount; /dev/full instead)")
        casekit.configure(k, AUTO, sink="file:/dev/full", notify="page_size = 50\n")
        r = k.run("notify", "dispatch", op="alice", now=NOW)
        expect_error(r, 74, "sink", "/dev/full")
        expect_eq(sorted(outbox_ids(k, "pending")), sorted(ids), "nothing marked sent")
        return
    try:
        sink = os.path.join(disk, "sms.jsonl")
        with open(os.path.join(disk, "filler"), "wb") as f:
            try:
                f.write(b"x" * (512 * 1024 - 6000))
            except OSError:
                pass
        casekit.configure(k, AUTO, sink="file:" + sink, notify="page_size = 50\n")
        r = k.run("notify", "dispatch", op="alice", now=NOW)
        expect_error(r, 74, "sink", sink)
        with open(sink, encoding="utf-8") as f:
            text = f.read()
        lines = [json.loads(line) for line in text.splitlines()]
        expect(text == "" or text.endswith("\n"), "no half line left in the sink")
        sent = outbox_ids(k, "sent")
        expect_eq(sorted(line["id"] for line in lines), sorted(sent), "exactly the written pages are marked sent")
        expect(len(sent) < len(ids), "the disk filled up part way")
        rows = k.ok("notify", "list", "--state", "pending", op="alice", now=NOW, json=True).json
        expect(all(m["attempts"] == 0 for m in rows), "a page the sink could not take is not counted as an attempt")
        os.remove(os.path.join(disk, "filler"))
        k.ok("notify", "dispatch", op="alice", now=NOW)
        with open(sink, encoding="utf-8") as f:
            handed = [json.loads(line)["id"] for line in f.read().splitlines()]
        expect_eq(sorted(handed), sorted(ids), "after space was freed every message is delivered, once")
    finally:
        subprocess.run(["umount", disk], capture_output=True)
        shutil.rmtree(disk, ignore_errors=True)


if __name__ == "__main__":
    kltest.main(globals())
