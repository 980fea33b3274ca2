// The master key: 32 random bytes in a file of its own, never in the store (domain.md §1,
// cli.md `[keys] file`). Every working key is derived from it by purpose, so the file is the
// one thing an operator must back up and protect, and losing it loses the encrypted fields.
#pragma once

#include "crypto/secret.h"

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace kunlun {

class MasterKey {
public:
    // Writes a new random key to `path` (mode 0600, flushed to disk) and returns it. An
    // existing file is never overwritten: Error(Exit::refused, "key-exists").
    static MasterKey create(const std::filesystem::path& path);

    // Reads the key at `path`. Missing: Error(Exit::unavailable, "key-missing"); readable by
    // group or others: Error(Exit::refused, "key-insecure"); not exactly 32 bytes or not a
    // regular file: Error(Exit::unavailable, "key-invalid"); unreadable: Error(Exit::io, "io").
    static MasterKey load(const std::filesystem::path& path);

    // A key from bytes already in memory (tests, or a key handed over by a secrets manager).
    static MasterKey from_bytes(std::span<const unsigned char, SecretKey::size> bytes);

    // HKDF-SHA256(master, salt "kunlunctl-v1", info `purpose`), 32 bytes. Each purpose
    // ("field-encryption", "blind-index", "audit-chain", ...) gets an unrelated key; the salt
    // names the key schedule so that a future scheme can change it without collisions.
    // Each purpose is derived once per key and kept (wiped with it): the batch asks for the
    // same purposes once per case.
    [[nodiscard]] std::array<unsigned char, 32> derive(std::string_view purpose) const;

    // 16 hex digits of SHA-256(derive("key-id")): names the key in `init` output, the audit log
    // and errors without revealing anything usable about it.
    [[nodiscard]] std::string key_id() const;

private:
    explicit MasterKey(SecretKey key) : key_(std::move(key)), derived_(std::make_shared<Derived>()) {}

    struct Derived {
        std::mutex mutex;
        std::map<std::string, SecretKey, std::less<>> by_purpose;
    };

    SecretKey key_;
    std::shared_ptr<Derived> derived_;  // shared by copies: they hold the same key
};

}  // namespace kunlun
