// The mobile security code's state machine (domain.md §5, docs/token.md): every cell of the
// state × event table, refusals leaving the state as it was, the wrong-PIN counter and both
// kinds of freeze at their boundaries, the end of a 24-hour freeze, the high-risk wait of
// mobile-banking, disabling from either app and unfreezing.
#include "rules/token_state.h"

#include "support.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace kunlun;
using Catch::Matchers::Contains;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using test::utc;

namespace Catch {
// Failures print the state, not "{?}".
template <>
struct StringMaker<TokenApp> {
    static std::string convert(const TokenApp& a) {
        return fmt::format("[{}{}{}{}]", a.app, a.linked ? " linked" : "", a.biometric ? " biometric" : "",
                           a.high_risk_from
                               ? fmt::format(" high_risk_from={}", a.high_risk_from->time_since_epoch().count())
                               : std::string());
    }
};
template <>
struct StringMaker<TokenState> {
    static std::string convert(const TokenState& s) {
        std::string out = fmt::format("{{{} wrong_pins={}", token_status_name(s.status), s.wrong_pins);
        if (s.frozen_until) out += fmt::format(" frozen_until={}", s.frozen_until->time_since_epoch().count());
        out += fmt::format(" freezes={}", s.freezes.size());
        for (const auto& a : s.apps) out += " " + StringMaker<TokenApp>::convert(a);
        return out + "}";
    }
};
}  // namespace Catch

namespace {

const std::string kMobile = "mobile-banking";
const std::string kInvest = "invest";
const TokenPolicy kPolicy{};

// Monday 2 March 2026, 09:00 UTC: the moment every table cell is applied at.
const Instant kNow = utc(2026, 3, 2, 9);

std::vector<std::string> names(const std::vector<TokenEffect>& effects) {
    std::vector<std::string> out;
    for (auto e : effects) out.emplace_back(token_effect_name(e));
    return out;
}

std::string refusal_text(const TokenTransition& t) {
    return t.refusal ? t.refusal->slug + ": " + t.refusal->message : std::string("none");
}

TokenEvent ev(TokenEventKind kind, std::string app, Instant now) { return TokenEvent{kind, std::move(app), now}; }

const TokenApp& app_of(const TokenState& s, const std::string& app) {
    const TokenApp* a = find_token_app(s, app);
    REQUIRE(a != nullptr);
    return *a;
}

// Applies an event that must be accepted and returns the transition.
TokenTransition accept(const TokenState& s, const TokenEvent& e, const TokenPolicy& policy = kPolicy) {
    auto t = apply(s, e, policy);
    INFO("event " << token_event_name(e.kind) << " in '" << e.app << "'");
    INFO("refusal: " << refusal_text(t));
    REQUIRE_FALSE(t.refusal.has_value());
    return t;
}

// Applies an event that must be refused with `slug`, leaving the state exactly as it was.
TokenRefusal refused(const TokenState& s, const TokenEvent& e, const std::string& slug,
                     const TokenPolicy& policy = kPolicy) {
    auto t = apply(s, e, policy);
    INFO("event " << token_event_name(e.kind) << " in '" << e.app << "'");
    REQUIRE(t.refusal.has_value());
    CHECK(t.refusal->slug == slug);
    CHECK_FALSE(t.refusal->message.empty());
    CHECK(t.next == s);
    CHECK(t.effects.empty());
    return *t.refusal;
}

// A phone with both of the bank's apps, the token never enabled.
TokenState fresh_device() {
    TokenState s;
    s.apps = {TokenApp{kMobile}, TokenApp{kInvest}};
    return s;
}

// Enabled in mobile-banking a week ago (its wait long over), biometric login on there, invest
// installed but not synced, two wrong PINs since the last right one.
TokenState active_device() {
    TokenState s;
    s.status = TokenStatus::active;
    s.wrong_pins = 2;
    s.apps = {TokenApp{kMobile, true, true, kNow - days{7} + hours{6}}, TokenApp{kInvest}};
    return s;
}

// active_device() after six wrong PINs two hours ago: frozen until 22 hours from now.
TokenState frozen_device() {
    TokenState s = active_device();
    s.status = TokenStatus::frozen;
    s.wrong_pins = 6;
    s.freezes = {kNow - hours{2}};
    s.frozen_until = kNow + hours{22};
    return s;
}

// The third freeze within 90 days, two hours ago.
TokenState permanent_device() {
    TokenState s = active_device();
    s.status = TokenStatus::frozen_permanent;
    s.wrong_pins = 6;
    s.freezes = {kNow - days{60}, kNow - days{30}, kNow - hours{2}};
    return s;
}

TokenState state_named(const std::string& name) {
    if (name == "not-enabled") return fresh_device();
    if (name == "active") return active_device();
    if (name == "frozen") return frozen_device();
    return permanent_device();
}

// Drives `count` wrong PINs in `app` at `at`.
TokenState wrong_pins(TokenState s, int count, Instant at, const std::string& app = kMobile,
                      const TokenPolicy& policy = kPolicy) {
    for (int i = 0; i < count; ++i) s = accept(s, ev(TokenEventKind::pin_wrong, app, at), policy).next;
    return s;
}

// One cell: the event in `app` applied at kNow to the state; `slug` empty: accepted, leading to
// `status` with `effects`.
struct Cell {
    std::string state;
    TokenEventKind event;
    std::string app;
    std::string slug;
    TokenStatus status = TokenStatus::not_enabled;
    std::vector<std::string> effects{};
};

}  // namespace

TEST_CASE("token status, event and effect names", "[rules][token]") {
    for (auto s : {TokenStatus::not_enabled, TokenStatus::active, TokenStatus::frozen, TokenStatus::frozen_permanent}) {
        CHECK(parse_token_status(token_status_name(s)) == s);
    }
    CHECK(token_status_name(TokenStatus::not_enabled) == "not-enabled");
    CHECK(token_status_name(TokenStatus::active) == "active");
    CHECK(token_status_name(TokenStatus::frozen) == "frozen");
    CHECK(token_status_name(TokenStatus::frozen_permanent) == "frozen-permanent");
    CHECK_FALSE(parse_token_status("Active").has_value());
    CHECK_FALSE(parse_token_status("not_enabled").has_value());
    CHECK_FALSE(parse_token_status("").has_value());
    CHECK(is_frozen(TokenStatus::frozen));
    CHECK(is_frozen(TokenStatus::frozen_permanent));
    CHECK_FALSE(is_frozen(TokenStatus::active));
    CHECK_FALSE(is_frozen(TokenStatus::not_enabled));
    CHECK(token_event_name(TokenEventKind::pin_wrong) == "pin-wrong");
    CHECK(token_event_name(TokenEventKind::unfreeze_device) == "unfreeze-device");
    CHECK(token_effect_name(TokenEffect::unfrozen_expired) == "unfrozen-expired");
    CHECK(token_effect_name(TokenEffect::high_risk_wait_started) == "high-risk-wait-started");
}

TEST_CASE("every cell of the state × event table", "[rules][token]") {
    using K = TokenEventKind;
    using S = TokenStatus;
    // The rows of docs/token.md, in its order.
    const std::vector<Cell> cells = {
        {"not-enabled", K::enable, kMobile, "", S::active, {"high-risk-wait-started"}},
        {"not-enabled", K::sync, kInvest, "token-not-enabled"},
        {"not-enabled", K::disable, kMobile, "token-not-enabled"},
        {"not-enabled", K::pin_ok, kMobile, "token-not-enabled"},
        {"not-enabled", K::pin_wrong, kMobile, "token-not-enabled"},
        {"not-enabled", K::high_risk_use, kMobile, "token-not-enabled"},
        {"not-enabled", K::biometric_on, kMobile, "token-not-enabled"},
        {"not-enabled", K::biometric_off, kMobile, "token-not-enabled"},
        {"not-enabled", K::unfreeze_branch, "", "token-not-frozen"},
        {"not-enabled", K::unfreeze_device, "", "token-not-frozen"},

        {"active", K::enable, kInvest, "token-already-enabled"},
        {"active", K::sync, kInvest, "", S::active, {}},
        {"active", K::disable, kMobile, "", S::not_enabled, {"counter-cleared", "biometrics-off"}},
        {"active", K::pin_ok, kMobile, "", S::active, {"counter-cleared"}},
        {"active", K::pin_wrong, kMobile, "", S::active, {}},
        {"active", K::high_risk_use, kMobile, "", S::active, {}},
        {"active", K::biometric_on, kMobile, "", S::active, {}},
        {"active", K::biometric_off, kMobile, "", S::active, {}},
        {"active", K::unfreeze_branch, "", "token-not-frozen"},
        {"active", K::unfreeze_device, "", "token-not-frozen"},

        {"frozen", K::enable, kInvest, "token-frozen"},
        {"frozen", K::sync, kInvest, "token-frozen"},
        {"frozen", K::disable, kMobile, "token-frozen"},
        {"frozen", K::pin_ok, kMobile, "token-frozen"},
        {"frozen", K::pin_wrong, kMobile, "token-frozen"},
        {"frozen", K::high_risk_use, kMobile, "token-frozen"},
        {"frozen", K::biometric_on, kMobile, "token-frozen"},
        {"frozen", K::biometric_off, kMobile, "token-frozen"},
        {"frozen", K::unfreeze_branch, "", "", S::active, {"unfrozen", "counter-cleared"}},
        {"frozen", K::unfreeze_device, "", "unfreeze-not-allowed"},

        {"frozen-permanent", K::enable, kInvest, "token-frozen"},
        {"frozen-permanent", K::sync, kInvest, "token-frozen"},
        {"frozen-permanent", K::disable, kMobile, "token-frozen"},
        {"frozen-permanent", K::pin_ok, kMobile, "token-frozen"},
        {"frozen-permanent", K::pin_wrong, kMobile, "token-frozen"},
        {"frozen-permanent", K::high_risk_use, kMobile, "token-frozen"},
        {"frozen-permanent", K::biometric_on, kMobile, "token-frozen"},
        {"frozen-permanent", K::biometric_off, kMobile, "token-frozen"},
        {"frozen-permanent", K::unfreeze_branch, "", "", S::active, {"unfrozen", "counter-cleared"}},
        {"frozen-permanent", K::unfreeze_device, "", "", S::active, {"unfrozen", "counter-cleared"}},
    };
    std::set<std::pair<std::string, TokenEventKind>> covered;
    for (const auto& cell : cells) covered.emplace(cell.state, cell.event);
    CHECK(covered.size() == 40);

    for (const auto& cell : cells) {
        INFO(cell.state << " × " << token_event_name(cell.event));
        auto before = state_named(cell.state);
        auto t = apply(before, ev(cell.event, cell.app, kNow), kPolicy);
        if (!cell.slug.empty()) {
            REQUIRE(t.refusal.has_value());
            CHECK(t.refusal->slug == cell.slug);
            CHECK_FALSE(t.refusal->message.empty());
            CHECK(t.next == before);
            CHECK(t.effects.empty());
        } else {
            INFO("refusal: " << refusal_text(t));
            REQUIRE_FALSE(t.refusal.has_value());
            CHECK(t.next.status == cell.status);
            CHECK(names(t.effects) == cell.effects);
            // frozen_until is set exactly while frozen for 24 hours.
            CHECK(t.next.frozen_until.has_value() == (t.next.status == TokenStatus::frozen));
        }
    }
}

TEST_CASE("the accepted cells change exactly what the table says", "[rules][token]") {
    SECTION("not-enabled × enable in mobile-banking: linked, 6-hour wait, counter at 0") {
        auto t = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow));
        CHECK(app_of(t.next, kMobile) == TokenApp{kMobile, true, false, kNow + hours{6}});
        CHECK(app_of(t.next, kInvest) == TokenApp{kInvest});
        CHECK(t.next.wrong_pins == 0);
        CHECK(t.next.freezes.empty());
    }
    SECTION("active × sync into invest: linked, usable at once, mobile-banking untouched") {
        auto before = active_device();
        auto t = accept(before, ev(TokenEventKind::sync, kInvest, kNow));
        CHECK(app_of(t.next, kInvest) == TokenApp{kInvest, true, false, kNow});
        CHECK(app_of(t.next, kMobile) == app_of(before, kMobile));
        CHECK(t.next.wrong_pins == before.wrong_pins);  // the PIN check before it (pin_ok) clears it
    }
    SECTION("active × disable: every app unlinked, biometrics off, times cleared") {
        auto before = active_device();
        before = accept(before, ev(TokenEventKind::sync, kInvest, kNow - hours{1})).next;
        before = accept(before, ev(TokenEventKind::biometric_on, kInvest, kNow - hours{1})).next;
        auto t = accept(before, ev(TokenEventKind::disable, kMobile, kNow));
        CHECK(t.next.status == TokenStatus::not_enabled);
        CHECK(t.next.apps == fresh_device().apps);
        CHECK(t.next.wrong_pins == 0);
    }
    SECTION("active × pin_ok: counter back to 0, nothing else") {
        auto before = active_device();
        auto t = accept(before, ev(TokenEventKind::pin_ok, kMobile, kNow));
        auto expected = before;
        expected.wrong_pins = 0;
        CHECK(t.next == expected);
    }
    SECTION("active × pin_wrong: one more on the counter, nothing else") {
        auto before = active_device();
        auto t = accept(before, ev(TokenEventKind::pin_wrong, kMobile, kNow));
        auto expected = before;
        expected.wrong_pins = 3;
        CHECK(t.next == expected);
    }
    SECTION("active × high_risk_use after the wait: allowed, state unchanged") {
        auto before = active_device();
        auto t = accept(before, ev(TokenEventKind::high_risk_use, kMobile, kNow));
        CHECK(t.next == before);
        CHECK(t.effects.empty());
    }
    SECTION("active × biometric on and off") {
        auto before = active_device();
        auto off = accept(before, ev(TokenEventKind::biometric_off, kMobile, kNow));
        CHECK_FALSE(app_of(off.next, kMobile).biometric);
        auto on = accept(off.next, ev(TokenEventKind::biometric_on, kMobile, kNow));
        CHECK(on.next == before);
        // Asking for the position it already has is not refused.
        CHECK(accept(before, ev(TokenEventKind::biometric_on, kMobile, kNow)).next == before);
        CHECK(accept(off.next, ev(TokenEventKind::biometric_off, kMobile, kNow)).next == off.next);
    }
    SECTION("frozen × unfreeze at a branch: active, counter cleared, links and switches kept") {
        auto before = frozen_device();
        auto t = accept(before, ev(TokenEventKind::unfreeze_branch, "", kNow));
        auto expected = active_device();
        expected.wrong_pins = 0;
        expected.freezes = before.freezes;  // the history keeps counting towards a permanent freeze
        CHECK(t.next == expected);
    }
    SECTION("frozen-permanent × either unfreeze: the same outcome") {
        auto before = permanent_device();
        auto expected = active_device();
        expected.wrong_pins = 0;
        expected.freezes = before.freezes;
        CHECK(accept(before, ev(TokenEventKind::unfreeze_branch, "", kNow)).next == expected);
        CHECK(accept(before, ev(TokenEventKind::unfreeze_device, "", kNow)).next == expected);
    }
}

TEST_CASE("frozen answers token-frozen before any other check", "[rules][token]") {
    for (const auto& name : {"frozen", "frozen-permanent"}) {
        INFO(name);
        auto s = state_named(name);
        // An app that is not on the device, or already linked, would be refused otherwise.
        refused(s, ev(TokenEventKind::enable, "wechat", kNow), "token-frozen");
        refused(s, ev(TokenEventKind::sync, kMobile, kNow), "token-frozen");
        refused(s, ev(TokenEventKind::disable, kInvest, kNow), "token-frozen");
        refused(s, ev(TokenEventKind::high_risk_use, "wechat", kNow), "token-frozen");
    }
    auto temporary = refused(frozen_device(), ev(TokenEventKind::enable, kInvest, kNow), "token-frozen");
    REQUIRE(temporary.until.has_value());
    CHECK(*temporary.until == kNow + hours{22});
    CHECK_THAT(temporary.message, Contains("until 2026-03-03T07:00:00Z") && Contains("branch"));
    auto permanent = refused(permanent_device(), ev(TokenEventKind::enable, kInvest, kNow), "token-frozen");
    CHECK_FALSE(permanent.until.has_value());
    CHECK_THAT(permanent.message, Contains("permanently") && Contains("branch") && Contains("e-password device"));
}

TEST_CASE("refusals that depend on the app", "[rules][token]") {
    auto active = active_device();
    auto fresh = fresh_device();
    SECTION("enable: only in an installed app, only once") {
        refused(fresh, ev(TokenEventKind::enable, "wechat", kNow), "app-not-installed");
        refused(fresh, ev(TokenEventKind::enable, "", kNow), "app-not-installed");
        auto other = refused(active, ev(TokenEventKind::enable, kInvest, kNow), "token-already-enabled");
        CHECK_THAT(other.message, Contains("sync") && Contains("disable"));
        auto same = refused(active, ev(TokenEventKind::enable, kMobile, kNow), "token-already-enabled");
        CHECK_THAT(same.message, Contains("already enabled in 'mobile-banking'"));
    }
    SECTION("sync: an installed app not linked yet") {
        refused(active, ev(TokenEventKind::sync, kMobile, kNow), "app-already-linked");
        refused(active, ev(TokenEventKind::sync, "wechat", kNow), "app-not-installed");
    }
    SECTION("sync needs another app holding the token") {
        // Active with nothing linked does not come out of these rules; a damaged record is
        // refused rather than linked from nowhere.
        auto orphan = active;
        orphan.apps = fresh_device().apps;
        refused(orphan, ev(TokenEventKind::sync, kInvest, kNow), "token-not-enabled");
    }
    SECTION("disable, high-risk use and biometric: only in a linked app") {
        for (auto kind : {TokenEventKind::disable, TokenEventKind::high_risk_use, TokenEventKind::biometric_on,
                          TokenEventKind::biometric_off}) {
            INFO(token_event_name(kind));
            refused(active, ev(kind, kInvest, kNow), "app-not-linked");
            refused(active, ev(kind, "wechat", kNow), "app-not-installed");
        }
    }
    SECTION("a PIN is checked in an installed app, linked or not (sync checks it in the app it links)") {
        CHECK(accept(active, ev(TokenEventKind::pin_ok, kInvest, kNow)).next.wrong_pins == 0);
        CHECK(accept(active, ev(TokenEventKind::pin_wrong, kInvest, kNow)).next.wrong_pins == 3);
        refused(active, ev(TokenEventKind::pin_ok, "wechat", kNow), "app-not-installed");
        refused(active, ev(TokenEventKind::pin_wrong, "wechat", kNow), "app-not-installed");
    }
}

TEST_CASE("enable: mobile-banking waits 6 hours for high-risk use, invest does not", "[rules][token]") {
    auto mobile = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow));
    CHECK(names(mobile.effects) == std::vector<std::string>{"high-risk-wait-started"});
    CHECK(app_of(mobile.next, kMobile).high_risk_from == kNow + hours{6});

    auto invest = accept(fresh_device(), ev(TokenEventKind::enable, kInvest, kNow));
    CHECK(invest.effects.empty());
    CHECK(app_of(invest.next, kInvest).high_risk_from == kNow);
    accept(invest.next, ev(TokenEventKind::high_risk_use, kInvest, kNow));

    SECTION("a counter left over from before is cleared with the new PIN") {
        auto leftover = fresh_device();
        leftover.wrong_pins = 4;
        auto t = accept(leftover, ev(TokenEventKind::enable, kInvest, kNow));
        CHECK(t.next.wrong_pins == 0);
        CHECK(names(t.effects) == std::vector<std::string>{"counter-cleared"});
    }
}

TEST_CASE("high-risk use in mobile-banking: refused at 5 h 59 m, allowed at 6 h", "[rules][token]") {
    auto s = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow)).next;
    auto early = refused(s, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{5} + minutes{59}),
                         "high-risk-not-yet");
    REQUIRE(early.until.has_value());
    CHECK(*early.until == kNow + hours{6});
    CHECK_THAT(early.message, Contains("2026-03-02T15:00:00Z") && Contains("mobile-banking"));
    refused(s, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{6} - seconds{1}), "high-risk-not-yet");
    auto at = accept(s, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{6}));
    CHECK(at.next == s);
    CHECK(at.effects.empty());
    accept(s, ev(TokenEventKind::high_risk_use, kMobile, kNow + days{30}));

    SECTION("an ordinary PIN check is not held back by the wait") {
        accept(s, ev(TokenEventKind::pin_ok, kMobile, kNow + minutes{1}));
    }
    SECTION("a linked app without a start time is refused, not guessed open") {
        auto damaged = s;
        damaged.apps[0].high_risk_from.reset();
        auto r = refused(damaged, ev(TokenEventKind::high_risk_use, kMobile, kNow + days{1}), "high-risk-not-yet");
        CHECK_FALSE(r.until.has_value());
    }
}

TEST_CASE("sync into mobile-banking starts its 6-hour wait again", "[rules][token]") {
    // Enabled in mobile-banking, disabled, then enabled in invest and synced back: the wait of
    // the first enable does not carry over.
    auto s = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow)).next;
    s = accept(s, ev(TokenEventKind::disable, kMobile, kNow + hours{7})).next;
    s = accept(s, ev(TokenEventKind::enable, kInvest, kNow + hours{8})).next;
    auto t = accept(s, ev(TokenEventKind::sync, kMobile, kNow + hours{8}));
    CHECK(names(t.effects) == std::vector<std::string>{"high-risk-wait-started"});
    CHECK(app_of(t.next, kMobile).high_risk_from == kNow + hours{14});
    CHECK(app_of(t.next, kInvest).high_risk_from == kNow + hours{8});  // the other app keeps its own
    refused(t.next, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{10}), "high-risk-not-yet");
    refused(t.next, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{14} - seconds{1}), "high-risk-not-yet");
    accept(t.next, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{14}));
    accept(t.next, ev(TokenEventKind::high_risk_use, kInvest, kNow + hours{8}));

    SECTION("syncing into invest starts no wait") {
        auto m = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow)).next;
        auto synced = accept(m, ev(TokenEventKind::sync, kInvest, kNow + hours{1}));
        CHECK(synced.effects.empty());
        CHECK(app_of(synced.next, kInvest).high_risk_from == kNow + hours{1});
        CHECK(app_of(synced.next, kMobile).high_risk_from == kNow + hours{6});
    }
}

TEST_CASE("disable from invest ends the customer's sessions, from mobile-banking it does not", "[rules][token]") {
    auto both = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow)).next;
    both = accept(both, ev(TokenEventKind::sync, kInvest, kNow)).next;
    auto with_biometric = accept(both, ev(TokenEventKind::biometric_on, kInvest, kNow)).next;

    auto from_invest = accept(with_biometric, ev(TokenEventKind::disable, kInvest, kNow + hours{1}));
    CHECK(names(from_invest.effects) == std::vector<std::string>{"sessions-ended", "biometrics-off"});
    CHECK(from_invest.next.status == TokenStatus::not_enabled);
    CHECK(from_invest.next.apps == fresh_device().apps);

    auto from_mobile = accept(with_biometric, ev(TokenEventKind::disable, kMobile, kNow + hours{1}));
    CHECK(names(from_mobile.effects) == std::vector<std::string>{"biometrics-off"});
    CHECK(from_mobile.next == from_invest.next);

    // No switch was on: none to report.
    CHECK(names(accept(both, ev(TokenEventKind::disable, kInvest, kNow)).effects) ==
          std::vector<std::string>{"sessions-ended"});
    CHECK(accept(both, ev(TokenEventKind::disable, kMobile, kNow)).effects.empty());

    // Afterwards mobile-banking needs a new enable and a new 6-hour wait (seed 003).
    auto after = from_invest.next;
    refused(after, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{2}), "token-not-enabled");
    refused(after, ev(TokenEventKind::sync, kMobile, kNow + hours{2}), "token-not-enabled");
    auto again = accept(after, ev(TokenEventKind::enable, kMobile, kNow + hours{2})).next;
    refused(again, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{7}), "high-risk-not-yet");
    accept(again, ev(TokenEventKind::high_risk_use, kMobile, kNow + hours{8}));
}

TEST_CASE("the 6th consecutive wrong PIN freezes for 24 hours, the 5th does not", "[rules][token]") {
    auto s = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow)).next;
    CHECK(wrong_pins_left(s, kPolicy) == 6);
    s = wrong_pins(s, 5, kNow + hours{1});
    CHECK(s.status == TokenStatus::active);
    CHECK(s.wrong_pins == 5);
    CHECK(wrong_pins_left(s, kPolicy) == 1);
    CHECK(s.freezes.empty());

    auto sixth = accept(s, ev(TokenEventKind::pin_wrong, kMobile, kNow + hours{2}));
    CHECK(names(sixth.effects) == std::vector<std::string>{"frozen"});
    CHECK(sixth.next.status == TokenStatus::frozen);
    CHECK(sixth.next.frozen_until == kNow + hours{26});
    CHECK(sixth.next.wrong_pins == 6);  // kept until the freeze ends
    CHECK(sixth.next.freezes == std::vector<Instant>{kNow + hours{2}});
    CHECK(wrong_pins_left(sixth.next, kPolicy) == 0);
    // Links and switches survive the freeze.
    CHECK(sixth.next.apps == s.apps);

    SECTION("a right PIN in between starts the count again") {
        auto r = wrong_pins(accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow)).next, 5, kNow);
        auto ok = accept(r, ev(TokenEventKind::pin_ok, kMobile, kNow));
        CHECK(names(ok.effects) == std::vector<std::string>{"counter-cleared"});
        auto again = wrong_pins(ok.next, 5, kNow);
        CHECK(again.status == TokenStatus::active);
        CHECK(again.wrong_pins == 5);
        // A right PIN on a clean counter reports nothing.
        CHECK(accept(ok.next, ev(TokenEventKind::pin_ok, kMobile, kNow)).effects.empty());
    }
    SECTION("wrong PINs typed while syncing count too") {
        auto r = wrong_pins(s, 1, kNow + hours{2}, kInvest);
        CHECK(r.status == TokenStatus::frozen);
    }
}

TEST_CASE("a 24-hour freeze ends by itself at frozen_until", "[rules][token]") {
    auto s = frozen_device();
    auto until = *s.frozen_until;

    auto before = settle(s, until - seconds{1}, kPolicy);
    CHECK(before.next == s);
    CHECK(before.effects.empty());
    CHECK_FALSE(before.refusal.has_value());
    refused(s, ev(TokenEventKind::pin_ok, kMobile, until - seconds{1}), "token-frozen");

    auto at = settle(s, until, kPolicy);
    CHECK(names(at.effects) == std::vector<std::string>{"unfrozen-expired"});
    CHECK_FALSE(at.refusal.has_value());
    auto expected = active_device();
    expected.wrong_pins = 0;
    expected.freezes = s.freezes;
    CHECK(at.next == expected);
    // Settling again finds nothing to do: the audit line is written once.
    auto again = settle(at.next, until + hours{1}, kPolicy);
    CHECK(again.next == at.next);
    CHECK(again.effects.empty());

    SECTION("apply settles first: the event goes ahead and the expiry is reported first") {
        auto t = accept(s, ev(TokenEventKind::pin_wrong, kMobile, until));
        CHECK(names(t.effects) == std::vector<std::string>{"unfrozen-expired"});
        CHECK(t.next.status == TokenStatus::active);
        CHECK(t.next.wrong_pins == 1);
        auto hr = accept(s, ev(TokenEventKind::high_risk_use, kMobile, until + days{1}));
        CHECK(names(hr.effects) == std::vector<std::string>{"unfrozen-expired"});
        CHECK(hr.next == expected);
    }
    SECTION("an event refused after the settle keeps the settle (the one refusal that changes state)") {
        auto t = apply(s, ev(TokenEventKind::unfreeze_branch, "", until), kPolicy);
        REQUIRE(t.refusal.has_value());
        CHECK(t.refusal->slug == "token-not-frozen");
        CHECK(t.next == expected);
        CHECK(names(t.effects) == std::vector<std::string>{"unfrozen-expired"});
        auto enable = apply(s, ev(TokenEventKind::enable, kInvest, until), kPolicy);
        REQUIRE(enable.refusal.has_value());
        CHECK(enable.refusal->slug == "token-already-enabled");
        CHECK(enable.next == expected);
    }
    SECTION("a permanent freeze and the other states never settle") {
        for (const auto& other : {permanent_device(), active_device(), fresh_device()}) {
            auto t = settle(other, kNow + days{3650}, kPolicy);
            CHECK(t.next == other);
            CHECK(t.effects.empty());
        }
        auto no_end = frozen_device();
        no_end.frozen_until.reset();
        CHECK(settle(no_end, kNow + days{3650}, kPolicy).next == no_end);
        auto r = refused(no_end, ev(TokenEventKind::pin_ok, kMobile, kNow), "token-frozen");
        CHECK_FALSE(r.until.has_value());
    }
}

TEST_CASE("the 3rd temporary freeze within 90 days is permanent, 90 days inclusive", "[rules][token]") {
    const Instant t0 = kNow;
    auto freeze_at = [](TokenState s, Instant at) { return wrong_pins(s, 6, at); };
    auto s = accept(fresh_device(), ev(TokenEventKind::enable, kInvest, t0 - days{1})).next;

    // First freeze, ended by time; second, ended at a branch.
    s = freeze_at(s, t0);
    REQUIRE(s.status == TokenStatus::frozen);
    s = settle(s, t0 + hours{24}, kPolicy).next;
    REQUIRE(s.status == TokenStatus::active);
    s = freeze_at(s, t0 + days{45});
    REQUIRE(s.status == TokenStatus::frozen);
    s = accept(s, ev(TokenEventKind::unfreeze_branch, "", t0 + days{45} + hours{3})).next;
    REQUIRE(s.status == TokenStatus::active);
    auto before_third = wrong_pins(s, 5, t0 + days{89});

    SECTION("exactly 90 days after the first: permanent") {
        auto t = accept(before_third, ev(TokenEventKind::pin_wrong, kInvest, t0 + days{90}));
        CHECK(names(t.effects) == std::vector<std::string>{"frozen-permanent"});
        CHECK(t.next.status == TokenStatus::frozen_permanent);
        CHECK_FALSE(t.next.frozen_until.has_value());
        CHECK(t.next.freezes == std::vector<Instant>{t0, t0 + days{45}, t0 + days{90}});
        CHECK(freezes_within(t.next, t0 + days{90}, kPolicy).size() == 3);
        // It does not end by itself.
        CHECK(settle(t.next, t0 + days{400}, kPolicy).next == t.next);
    }
    SECTION("spread over 90 days and one second: still temporary") {
        auto t = accept(before_third, ev(TokenEventKind::pin_wrong, kInvest, t0 + days{90} + seconds{1}));
        CHECK(names(t.effects) == std::vector<std::string>{"frozen"});
        CHECK(t.next.status == TokenStatus::frozen);
        CHECK(t.next.freezes.size() == 3);  // the history shows all three
        CHECK(freezes_within(t.next, t0 + days{90} + seconds{1}, kPolicy) ==
              std::vector<Instant>{t0 + days{45}, t0 + days{90} + seconds{1}});
    }
    SECTION("spread over 91 days: still temporary") {
        auto t = accept(before_third, ev(TokenEventKind::pin_wrong, kInvest, t0 + days{91}));
        CHECK(names(t.effects) == std::vector<std::string>{"frozen"});
        CHECK(t.next.frozen_until == t0 + days{91} + hours{24});
    }
    SECTION("unfreezing a permanent freeze keeps the history: a 4th freeze in the window is permanent again") {
        auto perm = accept(before_third, ev(TokenEventKind::pin_wrong, kInvest, t0 + days{90})).next;
        REQUIRE(perm.status == TokenStatus::frozen_permanent);
        auto unfrozen = accept(perm, ev(TokenEventKind::unfreeze_device, "", t0 + days{91}));
        CHECK(names(unfrozen.effects) == std::vector<std::string>{"unfrozen", "counter-cleared"});
        CHECK(unfrozen.next.freezes.size() == 3);
        // Within [t0 + 2 d, t0 + 92 d]: the freezes of day 45, day 90 and this one.
        auto fourth = wrong_pins(unfrozen.next, 6, t0 + days{92});
        CHECK(fourth.status == TokenStatus::frozen_permanent);
        CHECK(fourth.freezes.size() == 4);
    }
}

TEST_CASE("unfreezing: who may end which freeze, and the counter", "[rules][token]") {
    SECTION("a 24-hour freeze: at a branch, not with the e-password device") {
        auto s = frozen_device();
        auto r = refused(s, ev(TokenEventKind::unfreeze_device, "", kNow), "unfreeze-not-allowed");
        REQUIRE(r.until.has_value());
        CHECK(*r.until == *s.frozen_until);
        CHECK_THAT(r.message, Contains("branch") && Contains("2026-03-03T07:00:00Z"));
        auto t = accept(s, ev(TokenEventKind::unfreeze_branch, "", kNow));
        CHECK(names(t.effects) == std::vector<std::string>{"unfrozen", "counter-cleared"});
        CHECK(t.next.wrong_pins == 0);
        CHECK(wrong_pins_left(t.next, kPolicy) == 6);
        // The high-risk time is not restarted: the device and the PIN are the same.
        CHECK(app_of(t.next, kMobile) == app_of(s, kMobile));
    }
    SECTION("after an unfreeze it takes six new wrong PINs to freeze again") {
        auto t = accept(frozen_device(), ev(TokenEventKind::unfreeze_branch, "", kNow)).next;
        auto five = wrong_pins(t, 5, kNow + hours{1});
        CHECK(five.status == TokenStatus::active);
        CHECK(wrong_pins(five, 1, kNow + hours{1}).status == TokenStatus::frozen);
    }
    SECTION("a permanent freeze: at a branch or with the e-password device") {
        for (auto kind : {TokenEventKind::unfreeze_branch, TokenEventKind::unfreeze_device}) {
            auto t = accept(permanent_device(), ev(kind, kInvest, kNow));
            CHECK(t.next.status == TokenStatus::active);
            CHECK(t.next.wrong_pins == 0);
            CHECK(names(t.effects) == std::vector<std::string>{"unfrozen", "counter-cleared"});
        }
    }
    SECTION("nothing to unfreeze") {
        auto r = refused(active_device(), ev(TokenEventKind::unfreeze_device, "", kNow), "token-not-frozen");
        CHECK_THAT(r.message, Contains("not frozen"));
    }
}

TEST_CASE("freezes_within: both ends of the window, oldest first", "[rules][token]") {
    TokenState s = active_device();
    s.freezes = {kNow - days{10}, kNow - days{90}, kNow - days{90} - seconds{1}, kNow, kNow + seconds{1}};
    CHECK(freezes_within(s, kNow, kPolicy) == std::vector<Instant>{kNow - days{90}, kNow - days{10}, kNow});
    CHECK(freezes_within(fresh_device(), kNow, kPolicy).empty());
    TokenPolicy week = kPolicy;
    week.freeze_window = days{7};
    CHECK(freezes_within(s, kNow, week) == std::vector<Instant>{kNow});
}

TEST_CASE("the numbers and app lists are policy", "[rules][token]") {
    TokenPolicy p;
    p.max_wrong_pins = 3;
    p.freeze_duration = hours{1};
    p.permanent_after_freezes = 2;
    p.freeze_window = days{7};
    p.high_risk_wait = hours{2};
    p.waiting_apps = {kInvest};
    p.session_ending_apps = {kMobile};

    auto s = accept(fresh_device(), ev(TokenEventKind::enable, kInvest, kNow), p);
    CHECK(app_of(s.next, kInvest).high_risk_from == kNow + hours{2});
    CHECK(names(s.effects) == std::vector<std::string>{"high-risk-wait-started"});
    auto both = accept(s.next, ev(TokenEventKind::sync, kMobile, kNow), p);
    CHECK(app_of(both.next, kMobile).high_risk_from == kNow);
    CHECK(names(accept(both.next, ev(TokenEventKind::disable, kMobile, kNow), p).effects) ==
          std::vector<std::string>{"sessions-ended"});
    CHECK(accept(both.next, ev(TokenEventKind::disable, kInvest, kNow), p).effects.empty());

    auto frozen = wrong_pins(both.next, 3, kNow, kMobile, p);
    CHECK(frozen.status == TokenStatus::frozen);
    CHECK(frozen.frozen_until == kNow + hours{1});
    auto back = settle(frozen, kNow + hours{1}, p).next;
    CHECK(back.status == TokenStatus::active);
    CHECK(wrong_pins(back, 3, kNow + days{7}, kMobile, p).status == TokenStatus::frozen_permanent);
    CHECK(wrong_pins(back, 3, kNow + days{7} + seconds{1}, kMobile, p).status == TokenStatus::frozen);

    SECTION("no wait configured: usable at once, no wait reported") {
        TokenPolicy none;
        none.high_risk_wait = seconds{0};
        auto t = accept(fresh_device(), ev(TokenEventKind::enable, kMobile, kNow), none);
        CHECK(t.effects.empty());
        accept(t.next, ev(TokenEventKind::high_risk_use, kMobile, kNow), none);
    }
}
