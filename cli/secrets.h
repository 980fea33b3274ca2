// Passwords and PINs never come from argv (cli.md "Secrets"): with --password-stdin /
// --pin-stdin one per line from standard input, in the order the flow asks; otherwise from
// the terminal with echo off; with neither: exit 64.
#pragma once

#include "crypto/secret.h"

#include <string>

namespace kunlun::cli {

class SecretReader {
public:
    SecretReader(bool from_stdin, std::string flag) : from_stdin_(from_stdin), flag_(std::move(flag)) {}
    Secret read(const std::string& prompt);

private:
    bool from_stdin_;
    std::string flag_;
};

}  // namespace kunlun::cli
