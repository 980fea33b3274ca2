#include "notify/sink.h"

#include "error.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace kunlun {
namespace {

// Owns a file descriptor: closed on every path, exceptions included.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    [[nodiscard]] int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

// Writes all of `data`, resuming after partial writes and EINTR; false with errno set on failure.
bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// A page is one write() of all its lines, under an exclusive lock of the file, then one fsync:
// concurrent deliverers never interleave inside a page, and a page that could not be written
// whole (a full disk) is cut off again, so a reader never sees half of it and nothing of it
// counts as delivered. Only then is the page marked sent (docs/notify.md).
class FileSink final : public Sink {
public:
    explicit FileSink(std::string path) : path_(std::move(path)) {}
    [[nodiscard]] bool takes_pages() const override { return true; }
    [[nodiscard]] std::chrono::seconds time_limit() const override { return std::chrono::seconds(5); }
    void deliver(const nlohmann::json& message) override { deliver_page({message}); }
    void deliver_page(const std::vector<nlohmann::json>& page) override {
        std::string lines;
        for (const auto& m : page) lines += m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        // O_NONBLOCK: a FIFO nobody reads is an error now, not a hang.
        Fd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600));
        if (fd.get() < 0) fail(Exit::io, "sink", "cannot open the SMS sink {}: {}", path_, std::strerror(errno));
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) fail(Exit::io, "sink", "the SMS sink {}: {}", path_, std::strerror(errno));
        if (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode)) {
            fail(Exit::io, "sink", "the SMS sink {} is not a file", path_);
        }
        ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
        bool regular = S_ISREG(st.st_mode);
        if (regular && ::flock(fd.get(), LOCK_EX) != 0) {
            fail(Exit::io, "sink", "cannot lock the SMS sink {}: {}", path_, std::strerror(errno));
        }
        off_t before = regular ? ::lseek(fd.get(), 0, SEEK_END) : 0;
        bool written = write_all(fd.get(), lines);
        int saved = errno;
        bool synced = written && (::fsync(fd.get()) == 0 || (!regular && (errno == EINVAL || errno == EROFS)));
        if (written && !synced) saved = errno;
        if (!written || !synced) {
            if (regular && before >= 0 && ::ftruncate(fd.get(), before) == 0) static_cast<void>(::fsync(fd.get()));
            fail(Exit::io, "sink", "writing {} message(s) to the SMS sink {} failed: {}", page.size(), path_,
                 std::strerror(saved));
        }
    }

private:
    std::string path_;
};

// Blocks SIGPIPE in this thread while it lives, and swallows one raised meanwhile: a program
// that exits without reading its input fails its delivery instead of killing kunlunctl, and
// the process's own signal dispositions stay as they were.
class SigpipeBlock {
public:
    SigpipeBlock() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;
    ~SigpipeBlock() {
        timespec zero{};
        while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }

private:
    sigset_t pipe_{};
    sigset_t old_{};
};

class ExecSink final : public Sink {
public:
    ExecSink(std::string program, std::chrono::seconds timeout) : program_(std::move(program)), timeout_(timeout) {}
    [[nodiscard]] std::chrono::seconds time_limit() const override { return timeout_; }
    void deliver(const nlohmann::json& message) override {
        std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        int in[2];
        if (::pipe2(in, O_CLOEXEC) != 0) fail(Exit::io, "sink", "pipe: {}", std::strerror(errno));
        Fd read_end(in[0]), write_end(in[1]);
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
        read_end.reset();
        {
            SigpipeBlock block;
            // A program that does not read all of its input still decides by its exit status.
            static_cast<void>(write_all(write_end.get(), body));
            write_end.reset();
        }
        auto deadline = std::chrono::steady_clock::now() + timeout_;
        int status = 0;
        while (true) {
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (r < 0 && errno != EINTR) fail(Exit::io, "sink", "waiting for the SMS program: {}", std::strerror(errno));
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                fail(Exit::io, "sink", "the SMS program did not finish within {} s", timeout_.count());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
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
