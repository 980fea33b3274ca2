"""fixtures dump (round trip, --out mode 0600) and fixtures generate (deterministic, valid data)."""
import os
import re
import tomllib

import kltest
from kltest import expect, expect_eq, expect_error, expect_in, expect_ok


# Everything else a fixture can hold: an e-shield, an HOTP device, devices out of id order,
# a removed customer, a passport, a name that needs escaping.
MORE_FIXTURE = f'''[[customer]]
id = "C000005"
name = "Anne \\"Nan\\" O'Neil"
id_type = "passport"
id_number = "e12345678"
phone = "852 6123 4567"
status = "removed"
login_password = "Maple&River42"

  [[customer.device]]
  id = "z-phone"
  apps = ["invest"]
  encrypted = false
  app_version = "5.1.0"
  rooted = true

  [[customer.device]]
  id = "a-phone"
  apps = ["invest", "mobile-banking"]
  encrypted = true
  app_version = ""
  rooted = false

  [customer.eshield]
  certificate_pem = """{kltest.CERT_PEM}"""

  [customer.otp_device]
  type = "hotp"
  secret_base32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
  digits = 8
  algorithm = "SHA256"
  counter = 17
'''


def test_dump_load_dump_is_byte_identical(k):
    k.init()
    k.load_example()
    k.ok("fixtures", "load", k.write("more.toml", MORE_FIXTURE))
    k.ok("operator", "add", "dave", "--role", "reviewer", "--role", "auditor")
    first = k.dump()
    expect_in('[[operator]]\nname = "dave"', first, "operators are dumped")
    expect_in('id = "C000003"', first, "customers are dumped")
    fresh = k.child("fresh")
    fresh.init()  # the same OS account: the same admin in both stores
    path = fresh.write("dump.toml", first)
    r = fresh.ok("fixtures", "load", path, json=True)
    expect_eq(r.json["customers_created"], 3, "customers created from the dump", r)
    second = fresh.dump()
    expect_eq(second, first, "dump of the reloaded store")
    # What the dump carries is enough to show the customer the same way.
    for cid in ("C000001", "C000003", "C000005"):
        expect_eq(fresh.ok("customer", "show", cid, json=True).json, k.ok("customer", "show", cid, json=True).json,
                  f"customer show {cid} in both stores")


def test_dump_is_valid_toml_with_hashes_only(k):
    k.init()
    k.load_example()
    data = tomllib.loads(k.dump())
    expect_eq(sorted(o["name"] for o in data["operator"]), sorted(["alice", "bob", "carol", k.ok(
        "operator", "list", json=True).json[-1]["name"]]), "dumped operators")
    c1 = data["customer"][0]
    expect_eq(c1["id"], "C000001", "first customer")
    expect_eq(c1["phone"], "+8613800001152", "phone in E.164")
    expect("login_password" not in c1 and c1["login_password_hash"].startswith("$argon2id$"), "login hash only")
    expect_eq(c1["account"][0]["number"], "6222020200000000014", "account number")
    expect(c1["account"][0]["txn_password_hash"].startswith("$argon2id$"), "txn hash only")
    expect_eq(c1["otp_device"]["secret_base32"], "JBSWY3DPEHPK3PXP", "otp seed")
    expect_eq(data["customer"][1]["id_number"], "A1234563", "HKID in canonical form")


def test_dump_out_writes_a_private_file(k):
    k.init()
    k.load_example()
    out = k.path("export/dump.toml")
    os.makedirs(os.path.dirname(out))
    old = os.umask(0o022)
    try:
        r = k.ok("fixtures", "dump", "--out", out, json=True)
    finally:
        os.umask(old)
    expect_eq(oct(kltest.file_mode(out)), oct(0o600), "mode of the dump file")
    expect_eq(r.json["customers"], 2, "customers written", r)
    expect_eq(r.json["operators"], 4, "operators written", r)
    expect_eq(open(out, encoding="utf-8").read(), k.dump(), "--out writes what stdout gets")
    expect(not os.path.exists(out + ".tmp"), "no temporary file left behind")
    # Overwriting an existing, more open file leaves it private too.
    os.chmod(out, 0o644)
    k.ok("fixtures", "dump", "--out", out)
    expect_eq(oct(kltest.file_mode(out)), oct(0o600), "mode after overwriting")


def test_dump_out_to_unwritable_place(k):
    k.init()
    out = k.path("no/such/dir/dump.toml")
    expect_error(k.run("fixtures", "dump", "--out", out), 74, "io", out)


def test_dump_with_json_output_prints_one_json_value(k):
    # cli.md: `-o json` prints exactly one JSON value on stdout, whatever the command.
    k.init()
    k.load_example()
    r = k.run("fixtures", "dump", json=True)  # fails unless stdout parses as one JSON value
    expect(r.code in (0, 64), "a result, or a usage error pointing to --out", r)
    if r.code == 64:
        expect_error(r, 64, "usage", "--out")
    elif isinstance(r.json, dict) and "toml" in r.json:
        expect_eq(r.json["toml"], k.dump(), "the TOML inside the JSON result")


def test_dump_of_empty_store(k):
    k.init()
    data = tomllib.loads(k.dump())
    expect_eq(len(data["operator"]), 1, "only the admin")
    expect("customer" not in data, "no customers")


def generated(ws, count=200, seed=7):
    ws.init()
    r = ws.ok("fixtures", "generate", "--customers", str(count), "--seed", str(seed), json=True)
    expect_eq(r.json["customers"], count, "customers generated", r)
    return ws.dump()


def test_generate_is_deterministic(k):
    a = generated(k.child("a"))
    b = generated(k.child("b"))
    expect_eq(b, a, "dumps of two stores generated with the same seed")
    c = generated(k.child("c"), seed=8)
    expect(c != a, "a different seed gives different customers")
    ids_a = [x["id_number"] for x in tomllib.loads(a)["customer"]]
    ids_c = [x["id_number"] for x in tomllib.loads(c)["customer"]]
    expect(ids_a != ids_c, "a different seed gives different ID numbers")


def test_generated_data_is_valid(k):
    data = tomllib.loads(generated(k))
    customers = data["customer"]
    expect_eq(len(customers), 200, "customers in the dump")
    expect_eq([c["id"] for c in customers], [f"C{i:07}" for i in range(1, 201)], "customer ids")
    phones, accounts, id_numbers = set(), set(), set()
    for c in customers:
        n = c["id_number"]
        expect(re.fullmatch(r"\d{17}[\dX]", n) is not None, f"{c['id']}: ID number shape {n}")
        expect_eq(n[17], kltest.resident_id_check(n[:17]), f"{c['id']}: ID check character")
        year, month, day = int(n[6:10]), int(n[10:12]), int(n[12:14])
        expect(1900 <= year <= 2026 and 1 <= month <= 12 and 1 <= day <= 31, f"{c['id']}: birth date {n[6:14]}")
        expect(re.fullmatch(r"\+861[3-9]\d{9}", c["phone"]) is not None, f"{c['id']}: phone {c['phone']}")
        for a in c["account"]:
            expect(kltest.luhn_valid(a["number"]) and 16 <= len(a["number"]) <= 19, f"account {a['number']}")
            expect(a["class"] in ("I", "II", "III"), f"account class {a['class']}")
            accounts.add(a["number"])
        expect(c["login_password_hash"].startswith("$argon2id$"), "login hash")
        phones.add(c["phone"])
        id_numbers.add(n)
    expect_eq(len(phones), 200, "distinct phones")
    expect_eq(len(accounts), 200, "distinct accounts")
    for c in (customers[0], customers[99], customers[199]):
        r = k.ok("customer", "show", c["id"], json=True)
        expect_eq(r.json["phone"], "*******" + c["phone"][-4:], "masked phone", r)
        kltest.expect_not_in(c["phone"][3:], r.out, "customer show stdout", r)
        kltest.expect_not_in(c["account"][0]["number"], r.out, "customer show stdout", r)
        kltest.expect_not_in(c["id_number"], r.out, "customer show stdout", r)


def test_generated_store_round_trips(k):
    first = generated(k, count=50, seed=3)
    fresh = k.child("fresh")
    fresh.init()
    fresh.ok("fixtures", "load", fresh.write("dump.toml", first))
    expect_eq(fresh.dump(), first, "dump after loading a generated store's dump")


def test_generated_hashes_verify(k):
    # Exactly one of the generator's login passwords matches C0000001's hash: loading the
    # customer with that password in clear is a no-op, with any other a conflict.
    data = generated(k, count=5, seed=7)
    record = data.split("[[customer]]\n")[1]
    outcomes = []
    for password in ("Kunlun2026!", "Spring#Tea88", "Harbor-Lights7", "Maple&River42"):
        text = "[[customer]]\n" + re.sub(r'login_password_hash = ".*"', f'login_password = "{password}"', record)
        r = k.run("fixtures", "load", k.write("one.toml", text))
        expect(r.code in (0, 65), "a no-op or a conflict", r)
        outcomes.append(r.code)
    expect_eq(sorted(outcomes), [0, 65, 65, 65], "exactly one generated password matches")


def test_generate_again_into_the_same_store_refused(k):
    dump = generated(k, count=20)
    audit = k.audit_count()
    expect_error(k.run("fixtures", "generate", "--customers", "20", "--seed", "7"), 65, "invalid-fixture")
    expect_error(k.run("fixtures", "generate", "--customers", "5", "--seed", "9", json=True), 65,
                 "invalid-fixture")
    expect_eq(k.dump(), dump, "store contents")
    expect_eq(k.audit_count(), audit, "audit entries")


def test_generate_bad_arguments(k):
    k.init()
    expect_error(k.run("fixtures", "generate"), 64, "usage")
    expect_error(k.run("fixtures", "generate", "--customers", "0"), 64, "usage")
    expect_error(k.run("fixtures", "generate", "--customers", "-5"), 64, "usage")
    expect_error(k.run("fixtures", "generate", "--customers", "many"), 64, "usage")
    expect_eq(k.ok("customer", "list", json=True).json, [], "nothing generated")


def test_generate_records_an_audit_entry(k):
    generated(k, count=10, seed=11)
    last = k.ok("audit", "list", json=True).json[-1]
    expect_eq(last["command"], "fixtures generate", "audit command")
    expect_eq(last["details"]["customers"], 10, "audit details")
    expect_eq(last["details"]["seed"], 11, "audit details")


if __name__ == "__main__":
    kltest.main(globals())
