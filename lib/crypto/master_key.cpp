#include "crypto/master_key.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "error.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace kunlun {
namespace {

constexpr std::string_view derivation_salt = "kunlunctl-v1";
constexpr mode_t key_file_mode = 0600;

// Owns a file descriptor; close errors matter only where the caller checks them (writing).
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }

    [[nodiscard]] int get() const noexcept { return fd_; }
    // Closes now and reports the result: for a file just written, close can be the first
    // call to learn that the data did not reach the disk (NFS, quota).
    int close() noexcept { return ::close(std::exchange(fd_, -1)); }

private:
    int fd_;
};

[[noreturn]] void fail_io(std::string_view what, const std::filesystem::path& path, int error) {
    fail(Exit::io, "io", "cannot {} master key file {}: {}", what, path.string(),
         std::strerror(error));
}

void write_all(int fd, std::span<const unsigned char> bytes, const std::filesystem::path& path) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_io("write", path, errno);
        }
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
}

// Reads up to out.size() bytes; returns how many (fewer only at end of file).
std::size_t read_up_to(int fd, std::span<unsigned char> out, const std::filesystem::path& path) {
    std::size_t total = 0;
    while (total < out.size()) {
        const ssize_t n = ::read(fd, out.data() + total, out.size() - total);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_io("read", path, errno);
        }
        if (n == 0) break;
        total += static_cast<std::size_t>(n);
    }
    return total;
}

// Makes the new directory entry durable too: fsync of the file alone does not cover it.
void sync_parent_directory(const std::filesystem::path& path) {
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    FileDescriptor fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        fail_io("flush the directory of", path, errno);
    }
}

[[noreturn]] void fail_invalid(const std::filesystem::path& path, std::string_view what) {
    fail(Exit::unavailable, "key-invalid",
         "master key file {} {}; a kunlunctl key file holds exactly 32 bytes (restore the right "
         "file from backup, or point `[keys] file` to it)",
         path.string(), what);
}

}  // namespace

MasterKey MasterKey::create(const std::filesystem::path& path) {
    auto key_exists = [&] {
        fail(Exit::refused, "key-exists",
             "master key file {} already exists; it is not replaced, since it may be the only "
             "key to the store's encrypted fields",
             path.string());
    };
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) key_exists();
    // The key is written to a temporary file beside it and linked into place only when whole,
    // so another process (a second `init` at the same moment) never reads a partial key; link()
    // refuses an existing name, so a key that appeared meanwhile is never replaced. O_EXCL
    // never follows a planted symlink to write the key somewhere readable.
    auto tmp = std::filesystem::path(path.string() + ".tmp-" + to_hex(random_bytes(6)));
    FileDescriptor fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, key_file_mode)};
    if (fd.get() < 0) fail_io("create", path, errno);
    try {
        std::array<unsigned char, SecretKey::size> bytes{};
        random_bytes(bytes);
        SecretKey key{bytes};
        OPENSSL_cleanse(bytes.data(), bytes.size());
        // The umask may only remove bits; fchmod makes the mode exactly 0600 regardless.
        if (::fchmod(fd.get(), key_file_mode) != 0) fail_io("set the mode of", path, errno);
        write_all(fd.get(), key.reveal(), path);
        if (::fsync(fd.get()) != 0) fail_io("flush", path, errno);
        if (fd.close() != 0) fail_io("close", path, errno);
        if (::link(tmp.c_str(), path.c_str()) != 0) {
            if (errno == EEXIST) key_exists();
            fail_io("create", path, errno);
        }
        std::filesystem::remove(tmp, ec);
        sync_parent_directory(path);
        return MasterKey(std::move(key));
    } catch (...) {
        std::filesystem::remove(tmp, ec);  // only the temporary file: a key at `path` is never removed
        throw;
    }
}

MasterKey MasterKey::load(const std::filesystem::path& path) {
    // O_NONBLOCK: a FIFO planted at the path must not hang the command; it is refused below as
    // not a regular file (the flag changes nothing for regular files).
    FileDescriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
    if (fd.get() < 0) {
        if (errno == ENOENT) {
            fail(Exit::unavailable, "key-missing",
                 "master key file {} does not exist; `kunlunctl init` creates it, or set "
                 "`[keys] file` to where the key is",
                 path.string());
        }
        fail_io("open", path, errno);
    }
    // Checked on the open descriptor, not the path, so the file read is the file checked.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail_io("inspect", path, errno);
    if (!S_ISREG(st.st_mode)) fail_invalid(path, "is not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        fail(Exit::refused, "key-insecure",
             "master key file {} is open to group or others (mode {:04o}); run: chmod 600 {}",
             path.string(), st.st_mode & 07777, path.string());
    }
    if (st.st_size != static_cast<off_t>(SecretKey::size)) {
        fail_invalid(path, fmt::format("holds {} bytes", st.st_size));
    }
    // One byte more than a key, to notice a file that grew after the fstat.
    std::array<unsigned char, SecretKey::size + 1> buffer{};
    const std::size_t got = read_up_to(fd.get(), buffer, path);
    if (got != SecretKey::size) {
        OPENSSL_cleanse(buffer.data(), buffer.size());
        fail_invalid(path, fmt::format("holds {} bytes", got));
    }
    SecretKey key{std::span<const unsigned char, SecretKey::size>(buffer.data(), SecretKey::size)};
    OPENSSL_cleanse(buffer.data(), buffer.size());
    return MasterKey(std::move(key));
}

MasterKey MasterKey::from_bytes(std::span<const unsigned char, SecretKey::size> bytes) {
    return MasterKey(SecretKey{bytes});
}

std::array<unsigned char, 32> MasterKey::derive(std::string_view purpose) const {
    std::array<unsigned char, 32> derived{};
    std::lock_guard lock(derived_->mutex);
    auto it = derived_->by_purpose.find(purpose);
    if (it == derived_->by_purpose.end()) {
        std::vector<unsigned char> okm =
            hkdf_sha256(key_.reveal(), bytes_of(derivation_salt), bytes_of(purpose), 32);
        std::copy(okm.begin(), okm.end(), derived.begin());
        OPENSSL_cleanse(okm.data(), okm.size());
        it = derived_->by_purpose.emplace(std::string(purpose), SecretKey(derived)).first;
    }
    auto bytes = it->second.reveal();
    std::copy(bytes.begin(), bytes.end(), derived.begin());
    return derived;
}

std::string MasterKey::key_id() const {
    auto id_key = derive("key-id");
    const Sha256Digest digest = sha256(std::span<const unsigned char>(id_key));
    OPENSSL_cleanse(id_key.data(), id_key.size());
    return to_hex(digest).substr(0, 16);
}

}  // namespace kunlun
