#include "secrets.h"

#include "error.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace kunlun::cli {
namespace {

Secret read_line(std::FILE* in) {
    std::string line;
    int c = 0;
    while ((c = std::fgetc(in)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
    if (c == EOF && line.empty()) return Secret();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return Secret(std::move(line));
}

}  // namespace

Secret SecretReader::read(const std::string& prompt) {
    if (from_stdin_) {
        Secret s = read_line(stdin);
        if (s.empty()) fail(Exit::usage, "usage", "{}: expected a line on standard input for: {}", flag_, prompt);
        return s;
    }
    if (::isatty(STDIN_FILENO) == 0) {
        fail(Exit::usage, "usage", "no terminal to ask for the {}: give it on standard input with {}", prompt, flag_);
    }
    std::FILE* tty = std::fopen("/dev/tty", "r+");
    if (tty == nullptr) fail(Exit::usage, "usage", "cannot open the terminal: use {}", flag_);
    std::fprintf(tty, "%s: ", prompt.c_str());
    std::fflush(tty);
    termios old{};
    ::tcgetattr(fileno(tty), &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    Secret s = read_line(tty);
    ::tcsetattr(fileno(tty), TCSAFLUSH, &old);
    std::fputs("\n", tty);
    std::fclose(tty);
    if (s.empty()) fail(Exit::usage, "usage", "nothing entered for the {}", prompt);
    return s;
}

}  // namespace kunlun::cli
