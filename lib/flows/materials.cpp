#include "flows/materials.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "error.h"

#include <sys/stat.h>

#include <array>
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

}  // namespace

std::filesystem::path materials_directory(const Context& ctx) {
    if (!ctx.settings().materials_dir.empty()) return ctx.settings().materials_dir;
    if (ctx.locator.kind != StoreLocator::Kind::sqlite) {
        fail(Exit::config, "config", "a PostgreSQL store needs `[policy.review] materials_dir`");
    }
    return std::filesystem::path(ctx.locator.path.string() + ".materials");
}

MaterialRecord take_material(const Context& ctx, const std::string& role, const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) fail(Exit::no_input, "no-input", "no {} file {}", role, file.string());
    auto size_on_disk = static_cast<std::int64_t>(std::filesystem::file_size(file, ec));
    if (size_on_disk > ctx.settings().materials_max_bytes) {
        fail(Exit::data, "invalid-material", "{} is {} bytes, over the {}-byte limit for a material", file.string(),
             size_on_disk, ctx.settings().materials_max_bytes);
    }
    std::string head;
    MaterialRecord m;
    m.role = role;
    m.sha256 = hash_file(file, head, m.size);
    m.media = media_type(head);
    if (m.media.empty()) fail(Exit::data, "invalid-material", "{} ({}) is not a JPEG or PNG image", file.string(), role);
    if (m.size > ctx.settings().materials_max_bytes) {
        fail(Exit::data, "invalid-material", "{} is over the {}-byte limit", file.string(), ctx.settings().materials_max_bytes);
    }
    auto dir = materials_directory(ctx);
    std::filesystem::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0700);
    auto target = dir / m.sha256;
    if (!std::filesystem::exists(target, ec)) {
        auto tmp = dir / (m.sha256 + ".tmp");
        std::filesystem::copy_file(file, tmp, std::filesystem::copy_options::overwrite_existing, ec);
        if (ec) fail(Exit::io, "io", "cannot copy {} into {}: {}", file.string(), dir.string(), ec.message());
        ::chmod(tmp.c_str(), 0600);
        std::filesystem::rename(tmp, target, ec);
        if (ec) fail(Exit::io, "io", "cannot store material {}: {}", target.string(), ec.message());
    }
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
