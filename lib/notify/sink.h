// Where messages go: `file:PATH` appends one JSON object per line; `exec:PROGRAM` gets the
// object on standard input and exit 0 means delivered. Every object carries the outbox
// message's stable `id`, so a gateway (or a reader of the file) drops a message handed over
// twice: that happens only when a deliverer dies between the hand-over and its commit
// (docs/notify.md).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace kunlun {

class Sink {
public:
    virtual ~Sink() = default;
    // Whether deliver_page takes a whole page at once, all or nothing (the file sink); if
    // not, messages are handed over one by one through deliver().
    [[nodiscard]] virtual bool takes_pages() const { return false; }
    // Delivers one message; throws Error(Exit::io, "sink") when it could not.
    virtual void deliver(const nlohmann::json& message) = 0;
    // Delivers a page in order, all or nothing; throws Error(Exit::io, "sink") and leaves
    // nothing of the page behind when it could not.
    virtual void deliver_page(const std::vector<nlohmann::json>& page) {
        for (const auto& m : page) deliver(m);
    }
    // How long one hand-over may take at most: a deliverer hands a message over only while
    // its claim lasts longer than this.
    [[nodiscard]] virtual std::chrono::seconds time_limit() const = 0;
};

// nullptr for an empty spec (messages stay in the outbox); exit 78 for a malformed one.
std::unique_ptr<Sink> make_sink(const std::string& spec, std::chrono::seconds exec_timeout);

}  // namespace kunlun
