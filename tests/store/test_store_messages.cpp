// Store conformance, on every backend: one-time codes and the outbox.
#include "store_support.h"

#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

#define STORE_TEST(name) TEMPLATE_TEST_CASE(name, "[store]", SqliteBackend, PgBackend)

namespace {

OtpRecord otp(Store& store, Instant created, const std::string& phone = "+8613800001152") {
    OtpRecord o;
    o.customer_id = "C000001";
    o.purpose = "reset-login";
    o.destination_idx = store.phone_index(phone);
    o.code_mac = {9, 8, 7};
    o.created_at = created;
    o.expires_at = created + std::chrono::seconds(300);
    return o;
}

OutboxMessage message(const std::string& to, Instant due) {
    OutboxMessage m;
    m.customer_id = "C000001";
    m.to = to;
    m.template_name = "case_approved";
    m.params = R"({"case":"K1"})";
    m.text = "approved";
    m.created_at = due;
    m.next_attempt_at = due;
    return m;
}

}  // namespace

STORE_TEST("one-time codes: the latest per customer, purpose and number, superseded, counted") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    auto first = store->insert_otp(otp(*store, at(1000)));
    auto second = store->insert_otp(otp(*store, at(2000)));
    store->insert_otp(otp(*store, at(3000), "+8613912345678"));  // another number
    CHECK(second > first);
    auto idx = store->phone_index("+8613800001152");
    CHECK(idx == store->phone_index("+8613800001152"));
    CHECK(idx != store->phone_index("+8613912345678"));
    auto latest = store->latest_otp("C000001", "reset-login", idx);
    REQUIRE(latest);
    CHECK(latest->id == second);
    CHECK(latest->code_mac == std::vector<unsigned char>{9, 8, 7});
    CHECK(latest->expires_at == at(2300));
    CHECK(latest->state == "active");
    CHECK_FALSE(store->latest_otp("C000001", "reset-txn", idx).has_value());

    store->update_otp(second, 2, "active");
    CHECK(store->latest_otp("C000001", "reset-login", idx)->wrong_tries == 2);
    store->supersede_otps("C000001", "reset-login", idx);
    CHECK(store->latest_otp("C000001", "reset-login", idx)->state == "superseded");
    auto other = store->latest_otp("C000001", "reset-login", store->phone_index("+8613912345678"));
    REQUIRE(other);
    CHECK(other->state == "active");  // another number's code is not superseded

    auto stats = store->otp_sends("C000001", "reset-login", idx, at(1500));
    CHECK(stats.sends_since == 1);
    CHECK(stats.last_sent_at == at(2000));
    auto none = store->otp_sends("C000001", "reset-txn", idx, at(0));
    CHECK(none.sends_since == 0);
    CHECK_FALSE(none.last_sent_at.has_value());
}

STORE_TEST("the outbox: messages in id order, by state and due time, in pages") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    auto m1 = store->enqueue(message("+8613800001152", at(100)));
    auto m2 = store->enqueue(message("+8613912345678", at(300)));
    auto m3 = store->enqueue(message("+8613800001152", at(200)));
    CHECK(m1 < m2);
    CHECK(m2 < m3);
    // The recipient is sealed, never in clear.
    for (const auto& column : b.row_bytes("SELECT to_enc FROM outbox")) CHECK(column.find("13800001152") == std::string::npos);

    auto sent = message("+8613800001152", at(100));
    sent.id = m1;
    sent.state = "sent";
    sent.attempts = 1;
    sent.sent_at = at(150);
    store->update_outbox(sent);

    std::vector<std::int64_t> ids;
    store->for_each_outbox(std::string("pending"), std::nullopt, [&](const OutboxMessage& m) {
        ids.push_back(m.id);
        return true;
    });
    CHECK(ids == std::vector<std::int64_t>{m2, m3});
    ids.clear();
    store->for_each_outbox(std::string("pending"), at(250), [&](const OutboxMessage& m) {
        ids.push_back(m.id);
        CHECK(m.to == "+8613800001152");
        return true;
    });
    CHECK(ids == std::vector<std::int64_t>{m3});
    std::vector<OutboxMessage> all;
    store->for_each_outbox(std::nullopt, std::nullopt, [&](const OutboxMessage& m) {
        all.push_back(m);
        return true;
    });
    REQUIRE(all.size() == 3);
    CHECK(all[0].state == "sent");
    CHECK(all[0].sent_at == at(150));
    CHECK(all[0].attempts == 1);
    CHECK(all[1].template_name == "case_approved");
    CHECK(all[1].params == R"({"case":"K1"})");

    auto heads = store->pending_outbox_heads(0, 1);
    REQUIRE(heads.size() == 1);
    CHECK(heads[0].id == m2);
    CHECK(heads[0].claimed_by.empty());
    heads = store->pending_outbox_heads(m2, 10);
    REQUIRE(heads.size() == 1);
    CHECK(heads[0].id == m3);
    CHECK(heads[0].recipient == store->phone_index("+8613800001152"));
    CHECK(heads[0].next_attempt_at == at(200));
}

STORE_TEST("outbox claims: claimed with their secret, settled only by their claimant") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    auto code = message("+8613800001152", at(100));
    code.template_name = "otp";
    code.params = R"({"code":"******"})";
    code.secret_params = R"({"code":"482913"})";
    auto m1 = store->enqueue(code);
    auto m2 = store->enqueue(message("+8613900002233", at(100)));
    auto held = message("+8613700003344", at(100));
    held.claimed_by = "elsewhere/1/2/ab";
    held.claim_until = at(500);
    auto m3 = store->enqueue(held);
    // The code is sealed at rest: neither the clear code nor the phone is in any column.
    for (const auto& column : b.row_bytes("SELECT secret_enc FROM outbox")) CHECK(column.find("482913") == std::string::npos);

    auto heads = store->pending_outbox_heads(0, 10);
    REQUIRE(heads.size() == 3);
    CHECK(heads[2].id == m3);
    CHECK(heads[2].claimed_by == "elsewhere/1/2/ab");
    CHECK(heads[2].claim_until == at(500));
    CHECK(heads[0].recipient != heads[1].recipient);

    auto page = store->claim_outbox({m2, m1}, "me/1/2/cd", at(400));
    REQUIRE(page.size() == 2);
    CHECK(page[0].id == m1);  // in id order, whatever order the ids came in
    CHECK(page[0].secret_params == R"({"code":"482913"})");
    CHECK(page[0].claimed_by == "me/1/2/cd");
    CHECK(page[0].claim_until == at(400));
    CHECK(page[1].id == m2);

    // A deliverer that lost its claim changes nothing; the holder settles each outcome.
    store->settle_outbox("someone-else", page, {DeliveryOutcome::sent, DeliveryOutcome::sent}, at(300));
    std::vector<OutboxMessage> all;
    auto read_all = [&] {
        all.clear();
        store->for_each_outbox(std::nullopt, std::nullopt, [&](const OutboxMessage& m) {
            all.push_back(m);
            return true;
        });
    };
    read_all();
    CHECK(all[0].state == "pending");
    CHECK(all[0].claimed_by == "me/1/2/cd");

    page[1].attempts = 1;
    page[1].last_error = "gateway said no";
    page[1].next_attempt_at = at(900);
    store->settle_outbox("me/1/2/cd", page, {DeliveryOutcome::sent, DeliveryOutcome::failed}, at(300));
    read_all();
    CHECK(all[0].state == "sent");
    CHECK(all[0].attempts == 1);
    CHECK(all[0].sent_at == at(300));
    CHECK(all[0].claimed_by.empty());
    CHECK(all[0].secret_params.empty());  // wiped once delivered
    CHECK(all[1].state == "pending");
    CHECK(all[1].attempts == 1);
    CHECK(all[1].last_error == "gateway said no");
    CHECK(all[1].next_attempt_at == at(900));
    CHECK(all[1].claimed_by.empty());
    CHECK(all[2].claimed_by == "elsewhere/1/2/ab");

    // Released: back in the queue untouched; dead: a dead letter, its secret wiped.
    page = store->claim_outbox({m2, m3}, "me/1/2/cd", at(950));
    REQUIRE(page.size() == 2);
    page[0].attempts = 5;
    page[0].last_error = "last try";
    page[1].last_error = "sink down";
    store->settle_outbox("me/1/2/cd", page, {DeliveryOutcome::dead, DeliveryOutcome::released}, at(960));
    read_all();
    CHECK(all[1].state == "dead");
    CHECK(all[1].attempts == 5);
    CHECK(all[2].state == "pending");
    CHECK(all[2].attempts == 0);
    CHECK(all[2].last_error == "sink down");
    CHECK(all[2].claimed_by.empty());
    // Only pending messages can be claimed.
    CHECK(store->claim_outbox({m1, m2}, "me/1/2/cd", at(999)).empty());
}
