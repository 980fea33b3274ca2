"""otp send and the use of one-time codes (domain.md §7): 6 random digits, a hash only in the
store, 5 minutes, 5 wrong tries, one send per 60 s and 10 a day per customer, purpose and number."""

import kltest
from kltest import at, expect, expect_eq, expect_error, expect_in, expect_not_in

T0 = "2026-03-06T10:00:00+08:00"  # a Friday
RESERVED = "+8613800001152"         # C000001's reserved phone
CONTACT = "+8613700002233"
ACCOUNT = "6222020200000000014"


def setup(k, config=""):
    k.write_config(config)
    k.init()
    k.load_example()


def send(k, now, purpose="reset-txn", customer="C000001", to=None):
    """Sends a code and returns it, read from the file sink."""
    before = len(k.sms())
    args = ["otp", "send", "--customer", customer, "--purpose", purpose] + (["--to", to] if to else [])
    r = k.ok(*args, op="alice", now=now, json=True)
    lines = k.sms()
    expect_eq(len(lines), before + 1, "one SMS line per send", r)
    return lines[-1]["params"]["code"]


def modify(k, code, now, old="739182", new="502983"):
    """Uses a reset-txn code: modify the transaction password of C000001's account."""
    return k.run("reset-txn", "--customer", "C000001", "--account", ACCOUNT, "--modify", "--otp", code,
                 "--password-stdin", op="alice", now=now, stdin=f"{old}\n{new}\n{new}\n")


def other_code(code):
    return f"{(int(code) + 1) % 1000000:06d}"


def test_send_delivers_a_code_and_stores_only_its_hash(k):
    setup(k)
    codes = []
    r = k.ok("otp", "send", "--customer", "C000001", "--purpose", "reset-login", op="alice", now=T0, json=True)
    expect_eq(r.json["to"], "*******1152", "the reply masks the number", r)
    expect_eq(r.json["expires_at"], "2026-03-06T10:05:00+08:00", "valid 5 minutes", r)
    expect_not_in("13800001152", r.out + r.err, "output", r)
    line = k.sms()[-1]
    expect_eq(set(line), {"id", "to", "template", "params", "text", "at"}, "sink line keys")
    expect_eq(line["to"], RESERVED, "to the reserved phone, E.164")
    expect_eq(line["template"], "otp", "template")
    expect_eq(line["at"], T0, "at")
    code = line["params"]["code"]
    expect(isinstance(code, str) and len(code) == 6 and code.isdigit(), f"a 6-digit string: {code!r}")
    expect_in(code, line["text"], "the SMS text carries the code")
    codes.append(code)
    for i, (purpose, to) in enumerate([("reset-txn", None), ("token", None), ("change-phone", CONTACT),
                                      ("reset-login", CONTACT)]):
        codes.append(send(k, at(T0, i + 1), purpose, to=to))
        expect_eq(k.sms()[-1]["to"], to or RESERVED, f"destination of the {purpose} code")
    codes.append(send(k, T0, "reset-txn", customer="C000003"))
    expect_eq(k.sms()[-1]["to"], "+85291234567", "C000003's reserved phone")
    expect(len(set(codes)) > 1, f"codes are random: {codes}")
    # The outbox shows each message as sent, never the code.
    r = k.ok("notify", "list", json=True, op="alice", now=T0)
    expect_eq(len([m for m in r.json if m["template"] == "otp"]), len(codes), "one outbox row per code", r)
    # Each sink line carries its outbox message's id, once.
    expect_eq(sorted(m["id"] for m in r.json if m["template"] == "otp"), sorted(l["id"] for l in k.sms()),
              "sink ids are the outbox ids", r)
    expect(all(m["state"] == "sent" for m in r.json), "codes are delivered at once", r)
    table = k.ok("notify", "list", op="alice", now=T0)
    audit = k.ok("audit", "list", json=True)
    for c in codes:
        for what, out in (("notify list -o json", r.out), ("notify list", table.out), ("audit list", audit.out)):
            expect_not_in(c, out, what)
    # No table of the store holds a code, as text, bytes or number.
    tables = k.table_names()
    expect("otps" in tables, f"the store's tables: {tables}")
    with k.db() as db:
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    for c in codes:
                        hit = ((isinstance(value, str) and c in value) or
                               (isinstance(value, bytes) and (c.encode() in value or c.encode("utf-16-le") in value)) or
                               (isinstance(value, int) and value == int(c)))
                        expect(not hit, f"table {table} holds the code {c}: {value!r}")
        texts = [t for (t,) in db.execute("SELECT text FROM outbox WHERE template = 'otp'")]
        expect(texts and all("******" in t for t in texts), f"the stored text is redacted: {texts[:1]}")


def test_a_code_is_valid_for_the_configured_minutes(k):
    setup(k)
    code = send(k, T0)
    expect_error(modify(k, code, at(T0, 301)), 77, "otp-invalid", "expired")
    code = send(k, at(T0, 400))
    kltest.expect_ok(modify(k, code, at(T0, 400 + 299)))
    # policy.otp.ttl_seconds moves the expiry.
    k.write_config("[policy.otp]\nttl_seconds = 120\n")
    r = k.ok("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="alice", now=at(T0, 1000), json=True)
    expect_eq(r.json["expires_at"], at(T0, 1120), "expires_at follows policy.otp.ttl_seconds", r)
    expect_eq(k.sms()[-1]["params"]["minutes"], 2, "the SMS names the minutes")
    code = k.sms()[-1]["params"]["code"]
    expect_error(modify(k, code, at(T0, 1121), old="502983", new="739182"), 77, "otp-invalid", "expired")


def test_a_used_code_is_invalid(k):
    setup(k)
    code = send(k, T0)
    kltest.expect_ok(modify(k, code, at(T0, 10)))
    expect_error(modify(k, code, at(T0, 20), old="502983", new="739182"), 77, "otp-invalid", "already used")
    r = k.run("reset-txn", "--customer", "C000001", "--account", ACCOUNT, "--modify", "--otp", code,
              "--password-stdin", op="alice", now=at(T0, 30), stdin="502983\n739182\n739182\n", json=True)
    expect_error(r, 77, "otp-invalid", "already used")


def test_five_wrong_tries_void_the_code(k):
    setup(k)
    code = send(k, T0)
    wrong = other_code(code)
    for i in range(1, 5):
        expect_error(modify(k, wrong, at(T0, i)), 77, "otp-invalid", f"{5 - i} tries left")
    before = k.dump()
    expect_error(modify(k, wrong, at(T0, 5)), 77, "otp-invalid", "last try")
    expect_error(modify(k, code, at(T0, 6)), 77, "otp-invalid", "too many wrong tries")
    expect_eq(k.dump(), before, "a refused code changes nothing in the dump")
    audit = k.ok("audit", "list", json=True).json
    refused = [e for e in audit if e["command"] == "reset-txn" and e["outcome"] == "refused"]
    expect_eq(len(refused), 6, "every refusal is audited")
    expect(all(e["details"]["error"] == "otp-invalid" for e in refused), f"refusals audited: {refused}")
    # policy.otp.max_tries is data.
    k.write_config("[policy.otp]\nmax_tries = 2\n")
    code = send(k, at(T0, 100))
    expect_error(modify(k, other_code(code), at(T0, 101)), 77, "otp-invalid", "1 tries left")
    expect_error(modify(k, other_code(code), at(T0, 102)), 77, "otp-invalid", "last try")
    expect_error(modify(k, code, at(T0, 103)), 77, "otp-invalid", "too many wrong tries")
    # A code sent after that works.
    kltest.expect_ok(modify(k, send(k, at(T0, 200)), at(T0, 201)))


def test_a_code_is_bound_to_its_purpose_and_number(k):
    setup(k)
    code = send(k, T0, "reset-login")
    expect_error(modify(k, code, at(T0, 1)), 77, "otp-invalid", "no code was sent")
    contact = send(k, at(T0, 2), "reset-login", to=CONTACT)
    r = k.run("reset-login", "--customer", "C000001", "--id-number", "11010519491231002X", "--name", "张伟",
              "--phone", "13800001152", "--otp", contact, "--password-stdin", op="alice", now=at(T0, 3),
              stdin="Lighthouse-42\nLighthouse-42\n")
    expect_error(r, 77, "otp-invalid", "wrong code")
    expect_error(modify(k, code, at(T0, 4)), 77, "otp-invalid")
    with k.db() as db:
        expect_eq(db.execute("SELECT count(*) FROM otps").fetchone()[0], 2, "two codes stored")


def test_one_send_per_60_seconds(k):
    setup(k)
    send(k, T0)
    before = len(k.sms())
    expect_error(k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="alice", now=at(T0, 30)),
                 75, "otp-too-soon", "30 s")
    expect_error(k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="alice", now=at(T0, 59),
                       json=True), 75, "otp-too-soon", "wait 1 s")
    expect_eq(len(k.sms()), before, "nothing sent when refused")
    # Counted per customer, purpose and destination number.
    send(k, at(T0, 1), "reset-login")
    send(k, at(T0, 2), "reset-login", to=CONTACT)
    send(k, at(T0, 3), "reset-txn", customer="C000003")
    expect_error(k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-login", "--to", "13700002233",
                       op="alice", now=at(T0, 40)), 75, "otp-too-soon")
    code = send(k, at(T0, 61))
    kltest.expect_ok(modify(k, code, at(T0, 62)))


def test_ten_sends_a_bank_day(k):
    setup(k)
    # From 07:56 Beijing time: the UTC date changes at 08:00, the bank's day does not.
    start = "2026-03-06T07:56:00+08:00"
    for i in range(10):
        send(k, at(start, 61 * i))
    r = k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="alice", now=at(start, 610))
    expect_error(r, 75, "otp-too-soon", "10")
    r = k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="alice", now="2026-03-06T23:59:30+08:00")
    expect_error(r, 75, "otp-too-soon")
    # Other purposes and numbers have their own count.
    send(k, at(start, 620), "reset-login")
    send(k, at(start, 621), "reset-login", to=CONTACT)
    # A new bank day resets the count.
    code = send(k, "2026-03-07T00:00:01+08:00")
    kltest.expect_ok(modify(k, code, "2026-03-07T00:00:02+08:00"))
    # policy.otp.daily_max is data.
    k.write_config("[policy.otp]\ndaily_max = 2\n")
    send(k, "2026-03-07T09:00:00+08:00")
    expect_error(k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="alice",
                       now="2026-03-07T09:01:01+08:00"), 75, "otp-too-soon")


def test_to_is_only_for_reset_login_and_change_phone(k):
    setup(k)
    for purpose in ("reset-txn", "token", "login"):
        r = k.run("otp", "send", "--customer", "C000001", "--purpose", purpose, "--to", "13700002233",
                  op="alice", now=T0)
        expect_error(r, 64, "usage", "--to")
    expect_error(k.run("otp", "send", "--customer", "C000001", "--purpose", "unlock", op="alice", now=T0), 64, "usage")
    expect_error(k.run("otp", "send", "--customer", "C000001", op="alice", now=T0), 64, "usage")
    expect_error(k.run("otp", "send", "--customer", "C999999", "--purpose", "reset-txn", op="alice", now=T0),
                 67, "not-found")
    expect_eq(k.sms(), [], "nothing sent")
    send(k, T0, "change-phone", to="13700002233")
    expect_eq(k.sms()[-1]["to"], CONTACT, "a local number is normalised")
    expect_error(k.run("otp", "send", "--customer", "C000001", "--purpose", "reset-txn", op="bob", now=T0),
                 77, "permission", "operator")


if __name__ == "__main__":
    kltest.main(globals())
