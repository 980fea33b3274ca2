"""Review-case helpers shared by test_review.py, test_batch.py and test_notify.py: a store with
reviewers and customers, distinct material files, one-time codes read from the file sink,
and the two commands that make a case today (reset-login --phone-unavailable, reset-txn
--face). Argon2id runs at a tiny cost so that dozens of cases take seconds, not minutes."""
import os

import kltest
from kltest import JPEG, PNG, at, expect, expect_eq  # noqa: F401 - at, JPEG, PNG: part of this module's API

T0 = "2026-03-06T10:00:00+08:00"  # a Friday
FAST = "[crypto.argon2]\nmemory_kib = 64\ntime_cost = 1\n"
CONTACT = "+8613700002233"
LOGIN_PW = "Lighthouse-42"
PIN = "502983"
DECISIONS = ("review approve", "review reject", "review expire")

# alice submits cases and also reviews (two roles: four eyes must still stop her on her own
# cases); bob and dave review; erin is an operator only; carol (auditor) comes with the example.
OPERATORS = '''
[[operator]]
name = "dave"
roles = ["reviewer"]

[[operator]]
name = "erin"
roles = ["operator"]
'''


def customer(i):
    """Customer i (1-99): born 1980-01-01, reserved phone +86139000000ii, one class I account."""
    number = kltest.luhn(f"622202030{i:09d}")
    return {"id": f"C1000{i:02d}", "name": f"测试{i}", "id_number": kltest.resident_id(f"11010519800101{i:03d}"),
            "phone": f"+86139{i:08d}", "account": number}


def customers_toml(n):
    out = []
    for i in range(1, n + 1):
        c = customer(i)
        out.append(f'''
[[customer]]
id = "{c["id"]}"
name = "{c["name"]}"
id_type = "resident-id"
id_number = "{c["id_number"]}"
phone = "{c["phone"]}"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "{c["account"]}"
  class = "I"
  txn_password = "739182"
''')
    return "".join(out)


def configure(k, config="", sink=None, notify=""):
    """The workspace's config: `[notify]` with the file sink (or `sink`) and `notify` (more keys
    of that table), a cheap Argon2id, then `config` (more tables)."""
    k.write("config.toml", f'[notify]\nsink = "{sink or "file:" + k.sink}"\n{notify}\n{FAST}{config}')


def setup(k, config="", customers=0):
    """A test store with the example fixture (alice also a reviewer), dave, erin and N more customers."""
    configure(k, config)
    k.init()
    fixture = kltest.EXAMPLE_FIXTURE.replace('roles = ["operator"]', 'roles = ["operator", "reviewer"]', 1)
    k.ok("fixtures", "load", k.write("all.toml", fixture + OPERATORS + customers_toml(customers)))


def sms(k):
    return k.sms()


def sms_for(k, case_id):
    """The sink lines about one case (their params carry the case id)."""
    return [m for m in sms(k) if m["params"].get("case") == case_id]


def send(k, now, purpose, customer_id, to=None, op="alice"):
    return k.send_otp(now, purpose, customer_id, to=to, op=op)


def materials(k, tag):
    """Three distinct images per tag, so that one case's files can be damaged alone."""
    paths = {}
    for flag, name, data in (("--id-front", f"front-{tag}.jpg", JPEG + b"front"),
                             ("--id-back", f"back-{tag}.png", PNG + b"back"),
                             ("--handheld", f"hand-{tag}.jpg", JPEG + b"handheld")):
        paths[flag] = k.write_bytes(name, data + tag.encode())
    return [x for kv in paths.items() for x in kv]


def reset_login(k, now, c, tag=None, password=LOGIN_PW, op="alice"):
    """A reset-login case for customer dict `c` (contact phone CONTACT); returns the case JSON."""
    code = send(k, now, "reset-login", c["id"], to=CONTACT, op=op)
    r = k.run("reset-login", "--customer", c["id"], "--id-number", c["id_number"], "--name", c["name"],
              "--phone-unavailable", "--face", "pass", "--face-ref", "FR-" + c["id"],
              *materials(k, tag or "L" + c["id"]), "--contact-phone", CONTACT, "--contact-otp", code,
              "--password-stdin", op=op, now=now, stdin=f"{password}\n{password}\n", json=True)
    kltest.expect_ok(r)
    return r.json


def reset_txn(k, now, c, tag=None, pin=PIN, face="pass", op="alice"):
    """A reset-txn case on c's account (face pass, or failed-over-limit); returns the case JSON."""
    code = send(k, now, "reset-txn", c["id"], op=op)
    face_args = ["--face", face] + (["--face-ref", "FT-" + c["id"]] if face == "pass" else [])
    r = k.run("reset-txn", "--customer", c["id"], "--account", c["account"], *face_args,
              *materials(k, tag or "T" + c["id"]), "--otp", code, "--password-stdin", op=op, now=now,
              stdin=f"{pin}\n{pin}\n", json=True)
    kltest.expect_ok(r)
    return r.json


ZHANG = {"id": "C000001", "name": "张伟", "id_number": "11010519491231002X", "phone": "+8613800001152",
         "account": "6222020200000000014"}


def damage(k, case_id, role, how):
    """Removes ("remove") or alters ("alter") one material of a case in STORE.materials."""
    sha = [m["sha256"] for m in show(k, case_id)["materials"] if m["role"] == role][0]
    path = os.path.join(k.store + ".materials", sha)
    if how == "remove":
        os.remove(path)
    else:
        with open(path, "ab") as f:
            f.write(b"tampered")


def show(k, case_id):
    return k.ok("review", "show", case_id, json=True).json


def states(k):
    """{case id: (state, reason)} from `review list -o json`."""
    return {c["id"]: (c["state"], c["reason"]) for c in k.ok("review", "list", json=True).json}


def decisions(k):
    """[(command, case id)] of the audit log's decision entries."""
    return [(e["command"], e["details"]["case"]) for e in k.ok("audit", "list", json=True).json
            if e["command"] in DECISIONS and e["outcome"] == "ok"]


def batch(k, now, op="bob", extra=()):
    r = k.run("review", "batch", *extra, op=op, now=now, json=True)
    kltest.expect_ok(r)
    expect(set(r.json) >= {"checked", "approved", "rejected", "expired", "overdue", "notified"},
           "batch summary fields", r)
    return r.json


def expect_counts(summary, **expected):
    expect_eq({key: summary[key] for key in expected}, expected, "batch counts")
