#include "notify/sink.h"

#include "error.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace kunlun {
namespace {

// One write() of the whole line on an O_APPEND descriptor, then fsync: concurrent writers
// never interleave inside a line and a delivered message survives a crash.
class FileSink final : public Sink {
public:
    explicit FileSink(std::string path) : path_(std::move(path)) {}
    void deliver(const nlohmann::json& message) override {
        std::string line = message.dump() + "\n";
        int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) fail(Exit::io, "sink", "cannot open the SMS sink {}: {}", path_, std::strerror(errno));
        ssize_t n = ::write(fd, line.data(), line.size());
        int sync = ::fsync(fd);
        ::close(fd);
        if (n != static_cast<ssize_t>(line.size()) || sync != 0) {
            fail(Exit::io, "sink", "writing to the SMS sink {} failed", path_);
        }
    }

private:
    std::string path_;
};

class ExecSink final : public Sink {
public:
    ExecSink(std::string program, std::chrono::seconds timeout) : program_(std::move(program)), timeout_(timeout) {}
    void deliver(const nlohmann::json& message) override {
        std::string body = message.dump() + "\n";
        int in[2];
        if (::pipe2(in, O_CLOEXEC) != 0) fail(Exit::io, "sink", "pipe: {}", std::strerror(errno));
        pid_t pid = ::fork();
        if (pid < 0) fail(Exit::io, "sink", "fork: {}", std::strerror(errno));
        if (pid == 0) {
            // Its own process group, so that a timeout stops the program and everything it
            // started; its output goes to our stderr, never into our stdout (`-o json`).
            ::setpgid(0, 0);
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(STDERR_FILENO, STDOUT_FILENO);
            ::execl("/bin/sh", "sh", "-c", program_.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::setpgid(pid, pid);  // both sides set it: no window in which a kill misses the group
        ::close(in[0]);
        ::signal(SIGPIPE, SIG_IGN);
        [[maybe_unused]] auto w = ::write(in[1], body.data(), body.size());
        ::close(in[1]);
        auto deadline = std::chrono::steady_clock::now() + timeout_;
        int status = 0;
        while (true) {
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                fail(Exit::io, "sink", "the SMS program did not finish within {} s", timeout_.count());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fail(Exit::io, "sink", "the SMS program failed (exit {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
    }

private:
    std::string program_;
    std::chrono::seconds timeout_;
};

}  // namespace

std::unique_ptr<Sink> make_sink(const std::string& spec, std::chrono::seconds exec_timeout) {
    if (spec.empty()) return nullptr;
    if (spec.starts_with("file:") && spec.size() > 5) return std::make_unique<FileSink>(spec.substr(5));
    if (spec.starts_with("exec:") && spec.size() > 5) return std::make_unique<ExecSink>(spec.substr(5), exec_timeout);
    fail(Exit::config, "config", "key 'notify.sink': '{}' is neither file:PATH nor exec:PROGRAM", spec);
}

}  // namespace kunlun
