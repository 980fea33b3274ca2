"""customer show / list: the JSON fields of cli.md, masked PII, live credential status."""
import kltest
from kltest import EXAMPLE_PII, expect, expect_eq, expect_error, expect_in, expect_not_in


def test_customer_show_fields(k):
    k.init()
    k.load_example()
    r = k.ok("customer", "show", "C000001", json=True)
    c = r.json
    expect(isinstance(c, dict), "one object", r)
    for field in ("id", "name", "phone", "login", "accounts"):
        expect(field in c, f"customer show has {field}", r)
    expect_eq(c["id"], "C000001", "id", r)
    expect_eq(c["name"], "张伟", "name", r)
    expect_eq(c["phone"], "*******1152", "phone masked, last 4 kept", r)
    expect_eq(c["id_number"], "1101**********002X", "ID number masked", r)
    login = c["login"]
    expect_eq(login["locked"], False, "login.locked", r)
    expect_eq(login["must_change"], False, "login.must_change", r)
    expect_eq(login["attempts_left"], 5, "login.attempts_left (policy.login.max_failures)", r)
    expect_eq(login["failures"], 0, "login.failures", r)
    expect_eq(len(c["accounts"]), 1, "accounts", r)
    a = c["accounts"][0]
    expect_eq(a["class"], "I", "account class", r)
    expect_eq(a["txn_locked"], False, "txn_locked", r)
    expect_eq(a["txn_attempts_left"], 6, "txn_attempts_left (policy.txn.max_failures)", r)
    number = a["number"]
    expect(number.startswith("6222") and number.endswith("0014"), f"account masked keeping the ends: {number}", r)
    expect_eq(len(number), 19, "masked account keeps the length", r)
    expect(set(number[4:-4]) == {"*"}, f"account digits hidden: {number}", r)
    expect_eq(c["devices"][0]["id"], "D1", "device", r)
    expect_eq(c["otp_device"], {"type": "totp"}, "otp device shows its type only", r)
    for secret in EXAMPLE_PII:
        expect_not_in(secret, r.out, "customer show -o json stdout", r)


def test_customer_show_table_is_masked(k):
    k.init()
    k.load_example()
    for cid in ("C000001", "C000003"):
        r = k.ok("customer", "show", cid)
        expect_in(cid, r.out, "table output", r)
        for secret in EXAMPLE_PII:
            expect_not_in(secret, r.out, "customer show table stdout", r)
            expect_not_in(secret, r.err, "customer show stderr", r)
    r = k.ok("customer", "show", "C000003", json=True)
    expect(r.json["phone"].endswith("4567") and "91234567" not in r.json["phone"], "HK phone masked", r)
    expect(r.json["id_number"].endswith("4563") and r.json["id_number"] != "A1234563", "HKID masked", r)


def test_customer_show_follows_policy_config(k):
    k.init()
    k.load_example()
    k.write_config("[policy.login]\nmax_failures = 3\n\n[policy.txn]\nmax_failures = 4\n")
    c = k.ok("customer", "show", "C000001", json=True).json
    expect_eq(c["login"]["attempts_left"], 3, "attempts_left follows policy.login.max_failures")
    expect_eq(c["accounts"][0]["txn_attempts_left"], 4, "txn_attempts_left follows policy.txn.max_failures")


def test_unknown_customer_not_found(k):
    k.init()
    k.load_example()
    expect_error(k.run("customer", "show", "C404"), 67, "not-found", "C404")
    expect_error(k.run("customer", "show", "C404", json=True), 67, "not-found", "C404")
    expect_error(k.run("customer", "show", "c000001"), 67, "not-found")


def test_customer_list(k):
    k.init()
    k.load_example()
    r = k.ok("customer", "list", json=True)
    expect(isinstance(r.json, list), "customer list prints an array", r)
    expect_eq([c["id"] for c in r.json], ["C000001", "C000003"], "every customer, in id order", r)
    first = r.json[0]
    expect_eq(first["name"], "张伟", "name", r)
    expect_eq(first["phone"], "*******1152", "phone masked", r)
    expect_eq(first["accounts"], 1, "accounts", r)
    expect_eq(first["login_locked"], False, "login_locked", r)
    for secret in EXAMPLE_PII:
        expect_not_in(secret, r.out, "customer list stdout", r)
    table = k.ok("customer", "list")
    expect_in("C000003", table.out, "table lists the customers", table)
    for secret in EXAMPLE_PII:
        expect_not_in(secret, table.out, "customer list table", table)
    r = k.ok("customer", "list", "--limit", "1", json=True)
    expect_eq([c["id"] for c in r.json], ["C000001"], "--limit 1", r)


def test_customer_list_has_no_default_limit(k):
    k.init()
    k.ok("fixtures", "generate", "--customers", "250", "--seed", "5")
    r = k.ok("customer", "list", json=True)
    expect_eq(len(r.json), 250, "every row, no paging", r)
    expect_eq(r.json[-1]["id"], "C0000250", "last customer", r)
    expect_eq(len(k.ok("customer", "list").out.strip().splitlines()), 251, "table rows plus the header")


def test_customer_list_of_empty_store(k):
    k.init()
    r = k.ok("customer", "list", json=True)
    expect_eq(r.json, [], "an empty array", r)


if __name__ == "__main__":
    kltest.main(globals())
