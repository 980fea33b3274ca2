// Review materials (ID front, ID back, handheld photo): type checked by content, size-capped,
// hashed, and copied into the materials directory under their SHA-256 (mode 0600).
#pragma once

#include "flows/context.h"

#include <filesystem>

namespace kunlun {

std::filesystem::path materials_directory(const Context& ctx);

// Missing file: 66 `no-input`; not JPEG/PNG or too large: 65 `invalid-material`.
MaterialRecord take_material(const Context& ctx, const std::string& role, const std::filesystem::path& file);

// The same checks without keeping anything: run over every material of a case first, so a
// refused third file leaves no copies of the first two behind.
void precheck_material(const Context& ctx, const std::string& role, const std::filesystem::path& file);

// Whether a stored material is still present and unchanged (the batch re-check).
bool material_intact(const Context& ctx, const MaterialRecord& material);

}  // namespace kunlun
