#include "crypto/master_key.h"

#include "crypto/encoding.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace kunlun;
namespace fs = std::filesystem;
using test::contains;
using test::error_from;
using test::TempDir;

namespace {

// Sets the process umask for one scope.
class Umask {
public:
    explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
    Umask(const Umask&) = delete;
    Umask& operator=(const Umask&) = delete;
    ~Umask() { ::umask(previous_); }

private:
    mode_t previous_;
};

void write_file(const fs::path& path, std::size_t size, fs::perms perms) {
    std::ofstream(path, std::ios::binary) << std::string(size, 'k');
    fs::permissions(path, perms);
}

}  // namespace

TEST_CASE("create then load gives the same key", "[crypto][master_key]") {
    const TempDir dir;
    const fs::path path = dir.path() / "store.key";
    const MasterKey created = MasterKey::create(path);
    const MasterKey loaded = MasterKey::load(path);

    CHECK(created.key_id() == loaded.key_id());
    CHECK(created.derive("field-encryption") == loaded.derive("field-encryption"));
    CHECK(fs::file_size(path) == 32);
    CHECK((fs::status(path).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    const std::string id = created.key_id();
    CHECK(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);

    // Two keys are two keys.
    const MasterKey other = MasterKey::create(dir.path() / "other.key");
    CHECK(other.key_id() != id);
}

TEST_CASE("the key file is 0600 whatever the umask", "[crypto][master_key]") {
    const TempDir dir;
    for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
        INFO("umask " << mask);
        const Umask scoped{mask};
        const fs::path path = dir.path() / ("key-" + std::to_string(mask));
        static_cast<void>(MasterKey::create(path));
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0600);
    }
}

TEST_CASE("create refuses an existing file and leaves it alone", "[crypto][master_key]") {
    const TempDir dir;
    const fs::path path = dir.path() / "store.key";
    const std::string first_id = MasterKey::create(path).key_id();

    const Error e = error_from([&] { static_cast<void>(MasterKey::create(path)); });
    CHECK(e.exit() == Exit::refused);
    CHECK(e.slug() == "key-exists");
    CHECK(contains(e.what(), path.string()));
    CHECK(MasterKey::load(path).key_id() == first_id);

    // Nor does it write through a symlink planted where the key should go.
    const fs::path target = dir.path() / "elsewhere";
    fs::create_symlink(target, dir.path() / "planted.key");
    const Error linked =
        error_from([&] { static_cast<void>(MasterKey::create(dir.path() / "planted.key")); });
    CHECK(linked.slug() == "key-exists");
    CHECK_FALSE(fs::exists(target));
}

TEST_CASE("load names a missing key file and how to get one", "[crypto][master_key]") {
    const TempDir dir;
    const fs::path path = dir.path() / "missing.key";
    const Error e = error_from([&] { static_cast<void>(MasterKey::load(path)); });
    CHECK(e.exit() == Exit::unavailable);
    CHECK(e.slug() == "key-missing");
    CHECK(contains(e.what(), path.string()));
    CHECK(contains(e.what(), "kunlunctl init"));
    CHECK(contains(e.what(), "[keys] file"));
}

TEST_CASE("load refuses a key file others can read", "[crypto][master_key]") {
    const TempDir dir;
    using fs::perms;
    const perms owner = perms::owner_read | perms::owner_write;
    for (const perms extra : {perms::group_read, perms::others_read, perms::group_write,
                              perms::others_exec, perms::group_read | perms::others_read}) {
        const fs::path path = dir.path() / "store.key";
        fs::remove(path);
        write_file(path, 32, owner | extra);
        INFO("mode " << std::oct << static_cast<unsigned>(owner | extra));
        const Error e = error_from([&] { static_cast<void>(MasterKey::load(path)); });
        CHECK(e.exit() == Exit::refused);
        CHECK(e.slug() == "key-insecure");
        CHECK(contains(e.what(), "run: chmod 600 " + path.string()));
    }

    // The 0644 a default umask gives, named in the message.
    const fs::path path = dir.path() / "default-mode.key";
    write_file(path, 32, owner | perms::group_read | perms::others_read);
    const Error e = error_from([&] { static_cast<void>(MasterKey::load(path)); });
    CHECK(contains(e.what(), "0644"));

    // Owner-only modes narrower than 0600 are fine.
    fs::permissions(path, perms::owner_read);
    CHECK_NOTHROW(MasterKey::load(path));
}

TEST_CASE("load refuses a file that is not 32 bytes of key", "[crypto][master_key]") {
    const TempDir dir;
    const fs::perms owner = fs::perms::owner_read | fs::perms::owner_write;
    for (std::size_t size : {std::size_t{0}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
        INFO("size " << size);
        const fs::path path = dir.path() / ("key-" + std::to_string(size));
        write_file(path, size, owner);
        const Error e = error_from([&] { static_cast<void>(MasterKey::load(path)); });
        CHECK(e.exit() == Exit::unavailable);
        CHECK(e.slug() == "key-invalid");
        CHECK(contains(e.what(), path.string()));
        CHECK(contains(e.what(), std::to_string(size) + " bytes"));
    }

    const fs::path directory = dir.path() / "a-directory";
    fs::create_directory(directory);
    fs::permissions(directory, fs::perms::owner_all);
    const Error e = error_from([&] { static_cast<void>(MasterKey::load(directory)); });
    CHECK(e.slug() == "key-invalid");

    // A FIFO is refused at once rather than waited on.
    const fs::path fifo = dir.path() / "a-fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const Error f = error_from([&] { static_cast<void>(MasterKey::load(fifo)); });
    CHECK(f.slug() == "key-invalid");
}

TEST_CASE("derive is HKDF-SHA256 with the kunlunctl-v1 salt", "[crypto][master_key]") {
    std::array<unsigned char, 32> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i);
    const MasterKey key = MasterKey::from_bytes(bytes);

    const auto expected =
        hkdf_sha256(bytes, bytes_of("kunlunctl-v1"), bytes_of("field-encryption"), 32);
    const auto derived = key.derive("field-encryption");
    CHECK(std::vector<unsigned char>(derived.begin(), derived.end()) == expected);

    CHECK(key.derive("blind-index") != derived);
    CHECK(key.derive("") != derived);
    // The key id is derived, never the key or a plain hash of it.
    CHECK(key.key_id() != to_hex(bytes).substr(0, 16));
    CHECK(key.key_id() == MasterKey::from_bytes(bytes).key_id());
}

TEST_CASE("a purpose derived again gives the same key, and each key keeps its own", "[crypto][master_key]") {
    std::array<unsigned char, 32> one{}, two{};
    one.fill(0x11);
    two.fill(0x22);
    const MasterKey a = MasterKey::from_bytes(one);
    const MasterKey b = MasterKey::from_bytes(two);
    const auto first = a.derive("identity-ref");
    CHECK(a.derive("identity-ref") == first);  // kept from the first derivation
    const auto expected = hkdf_sha256(one, bytes_of("kunlunctl-v1"), bytes_of("identity-ref"), 32);
    CHECK(std::vector<unsigned char>(first.begin(), first.end()) == expected);
    // Another key asked for the same purpose derives its own, never the first key's.
    const auto other = b.derive("identity-ref");
    CHECK(other != first);
    CHECK(std::vector<unsigned char>(other.begin(), other.end()) ==
          hkdf_sha256(two, bytes_of("kunlunctl-v1"), bytes_of("identity-ref"), 32));
    CHECK(a.derive("staged-secret") != first);
}

TEST_CASE("a loaded key file gives the key written in it", "[crypto][master_key]") {
    const TempDir dir;
    const fs::path path = dir.path() / "known.key";
    std::array<unsigned char, 32> bytes{};
    bytes.fill(0x5a);
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    }
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    CHECK(MasterKey::load(path).key_id() == MasterKey::from_bytes(bytes).key_id());
}
