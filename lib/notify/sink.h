// Where messages go (cli.md "SMS sink"): `file:PATH` appends one JSON object per line;
// `exec:PROGRAM` gets the object on standard input and exit 0 means delivered.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace kunlun {

class Sink {
public:
    virtual ~Sink() = default;
    // Delivers one message; throws Error(Exit::io, "sink") when it could not.
    virtual void deliver(const nlohmann::json& message) = 0;
};

// nullptr for an empty spec (messages stay in the outbox); exit 78 for a malformed one.
std::unique_ptr<Sink> make_sink(const std::string& spec, std::chrono::seconds exec_timeout);

}  // namespace kunlun
