#include "flows/materials.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace kunlun {
namespace {

// Magic numbers, never the file name's extension.
std::string media_type(const std::string& head) {
    if (head.size() >= 3 && static_cast<unsigned char>(head[0]) == 0xFF && static_cast<unsigned char>(head[1]) == 0xD8 &&
        static_cast<unsigned char>(head[2]) == 0xFF) {
        return "image/jpeg";
    }
    if (head.size() >= 8 && head.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) return "image/png";
    return {};
}

std::string hash_file(const std::filesystem::path& path, std::string& head, std::int64_t& size) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(Exit::no_input, "no-input", "cannot read {}", path.string());
    Sha256Stream hash;
    std::array<char, 65536> buffer{};
    size = 0;
    while (in) {
        in.read(buffer.data(), buffer.size());
        auto n = in.gcount();
        if (n <= 0) break;
        if (head.size() < 16) head.append(buffer.data(), static_cast<std::size_t>(std::min<std::streamsize>(n, 16)));
        hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        size += n;
    }
    return to_hex(hash.final());
}

struct FdGuard {
    int fd;
    explicit FdGuard(int f) : fd(f) {}
    FdGuard(const FdGuard&) = delete;
    FdGuard& operator=(const FdGuard&) = delete;
    ~FdGuard() { ::close(fd); }
};

// The temporary copy: closed always, removed unless it became the stored material.
struct TempFile {
    std::filesystem::path path;
    int fd;
    bool kept = false;
    TempFile(std::filesystem::path p, int f) : path(std::move(p)), fd(f) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        ::close(fd);
        if (!kept) ::unlink(path.c_str());
    }
};

}  // namespace

std::filesystem::path materials_directory(const Context& ctx) {
    if (!ctx.settings().materials_dir.empty()) return ctx.settings().materials_dir;
    if (ctx.locator.kind != StoreLocator::Kind::sqlite) {
        fail(Exit::config, "config", "a PostgreSQL store needs `[policy.review] materials_dir`");
    }
    return std::filesystem::path(ctx.locator.path.string() + ".materials");
}

void precheck_material(const Context& ctx, const std::string& role, const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) fail(Exit::no_input, "no-input", "no {} file {}", role, file.string());
    auto size = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
    if (size > ctx.settings().materials_max_bytes) {
        fail(Exit::data, "invalid-material", "{} is {} bytes, over the {}-byte limit for a material", file.string(), size,
             ctx.settings().materials_max_bytes);
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(Exit::no_input, "no-input", "cannot read {}", file.string());
    std::string head(16, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (media_type(head).empty()) fail(Exit::data, "invalid-material", "{} ({}) is not a JPEG or PNG image", file.string(), role);
}

MaterialRecord take_material(const Context& ctx, const std::string& role, const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) fail(Exit::no_input, "no-input", "no {} file {}", role, file.string());
    const auto limit = ctx.settings().materials_max_bytes;
    auto size_on_disk = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
    if (!ec && size_on_disk > limit) {
        fail(Exit::data, "invalid-material", "{} is {} bytes, over the {}-byte limit for a material", file.string(),
             size_on_disk, limit);
    }
    int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail(Exit::no_input, "no-input", "cannot read {} ({}): {}", file.string(), role, std::strerror(errno));
    FdGuard in_guard{in};

    auto dir = materials_directory(ctx);
    std::filesystem::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0700);
    // The file is read once: what is hashed and type-checked is exactly what is stored, and the
    // copy is never readable by others, not even for a moment (mode 0600 from creation).
    auto tmp = dir / fmt::format(".incoming-{}-{}", ::getpid(), to_hex(random_bytes(8)));
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) fail(Exit::io, "io", "cannot create a file in {}: {}", dir.string(), std::strerror(errno));
    TempFile tmp_guard{tmp, out};

    Sha256Stream hash;
    std::string head;
    std::array<char, 65536> buffer{};
    std::int64_t size = 0;
    while (true) {
        ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(Exit::no_input, "no-input", "cannot read {} ({}): {}", file.string(), role, std::strerror(errno));
        if (n == 0) break;
        size += n;
        if (size > limit) {
            fail(Exit::data, "invalid-material", "{} is over the {}-byte limit for a material", file.string(), limit);
        }
        auto chunk = std::string_view(buffer.data(), static_cast<std::size_t>(n));
        if (head.size() < 16) head.append(chunk.substr(0, 16 - head.size()));
        hash.update(chunk);
        for (std::size_t done = 0; done < chunk.size();) {
            ssize_t w = ::write(out, chunk.data() + done, chunk.size() - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) fail(Exit::io, "io", "cannot copy {} into {}: {}", file.string(), dir.string(), std::strerror(errno));
            done += static_cast<std::size_t>(w);
        }
    }
    MaterialRecord m;
    m.role = role;
    m.size = size;
    m.media = media_type(head);
    if (m.media.empty()) fail(Exit::data, "invalid-material", "{} ({}) is not a JPEG or PNG image", file.string(), role);
    m.sha256 = to_hex(hash.final());
    if (::fsync(out) != 0) fail(Exit::io, "io", "cannot store material {}: {}", file.string(), std::strerror(errno));
    auto target = dir / m.sha256;
    if (std::filesystem::exists(target, ec)) return m;  // the same content is already stored
    std::filesystem::rename(tmp, target, ec);
    if (ec) fail(Exit::io, "io", "cannot store material {}: {}", target.string(), ec.message());
    tmp_guard.kept = true;
    return m;
}

bool material_intact(const Context& ctx, const MaterialRecord& material) {
    auto path = materials_directory(ctx) / material.sha256;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    std::string head;
    std::int64_t size = 0;
    try {
        return hash_file(path, head, size) == material.sha256;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace kunlun
