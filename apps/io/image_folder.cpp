// apps/io/image_folder.cpp — see image_folder.h.
#include "apps/io/image_folder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/io/image.h"
#include "engine/error.h"

namespace fs = std::filesystem;

namespace mcseg {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const std::string kMaskSuffix = "_mask.png";

// An image of the convention: .png or .dcm (any case), not a mask or a preview.
bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    for (auto& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    const std::string file = p.filename().string();
    return (ext == ".png" || ext == ".dcm") && !ends_with(file, kMaskSuffix) && !ends_with(file, "_preview.png");
}

}  // namespace

std::string mask_path(const std::string& dir, const std::string& name) {
    return (fs::path(dir) / (name + kMaskSuffix)).string();
}

std::string sidecar_path(const std::string& dir, const std::string& name) {
    return (fs::path(dir) / (name + ".json")).string();
}

std::vector<ImagePair> find_image_pairs(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail("image folder '", dir, "' does not exist");
    std::vector<ImagePair> pairs;
    std::vector<std::string> no_mask;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (!e.is_regular_file() || !is_image_file(e.path())) continue;
        const std::string name = e.path().stem().string();
        ImagePair p{name, e.path().string(), mask_path(dir, name), ""};
        if (!fs::is_regular_file(p.mask_path, ec)) {
            no_mask.push_back(e.path().filename().string());
            continue;
        }
        if (fs::is_regular_file(sidecar_path(dir, name), ec)) p.json_path = sidecar_path(dir, name);
        pairs.push_back(p);
    }
    if (!no_mask.empty())
        fail("'", (fs::path(dir) / no_mask.front()).string(), "' has no mask ", fs::path(no_mask.front()).stem().string(),
             kMaskSuffix, no_mask.size() > 1 ? cat(" (and ", no_mask.size() - 1, " more images)") : "");
    std::sort(pairs.begin(), pairs.end(), [](const ImagePair& a, const ImagePair& b) { return a.name < b.name; });
    for (size_t i = 1; i < pairs.size(); ++i)
        if (pairs[i].name == pairs[i - 1].name) fail("two images named '", pairs[i].name, "' (.png and .dcm) in '", dir, "'");
    if (pairs.empty()) fail("no image + mask pairs (NAME.png + NAME_mask.png) in '", dir, "'");
    return pairs;
}

std::vector<std::string> mask_names(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail("'", dir, "' is not a folder");
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string f = e.path().filename().string();
        if (f.size() > kMaskSuffix.size() && ends_with(f, kMaskSuffix))
            names.push_back(f.substr(0, f.size() - kMaskSuffix.size()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

double sidecar_spacing(const std::string& json_path) {
    std::error_code ec;
    if (json_path.empty() || !fs::is_regular_file(json_path, ec)) return 0;
    nlohmann::json j;
    try {
        std::ifstream f(json_path);
        j = nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
        fail("'", json_path, "': invalid JSON sidecar (", e.what(), ")");
    }
    if (!j.is_object()) fail("'", json_path, "': a JSON sidecar must be an object, not ", j.type_name());
    if (!j.contains("pixel_spacing_mm")) return 0;
    const nlohmann::json& s = j["pixel_spacing_mm"];
    if (!s.is_number()) fail("'", json_path, "': pixel_spacing_mm is ", s.dump(), ", not a number of millimetres");
    return checked_spacing_mm(s.get<double>(), "'" + json_path + "'");
}

GrayImage read_image_checked(const std::string& path, const std::string& crc32) {
    const std::vector<uint8_t> bytes = read_file_bytes(path);
    const std::string have = crc32_hex(bytes);
    if (have != crc32)
        fail("image '", path, "' changed since the patch database was built (CRC-32 ", have, ", database ", crc32,
             "); re-run mcseg patches");
    return decode_image(bytes, path);
}

}  // namespace mcseg
