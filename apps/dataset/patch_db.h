// apps/dataset/patch_db.h — the SQLite patch database: which image, where, which class (C1..C4).
//
// Images are NOT copied into the database: each row references its image and mask by path
// (relative to the database's folder when possible, so a dataset folder holding its database
// can move) plus the CRC-32 of both files. A 283-image full-field set is ~9 GB of PNG; copying
// it into the database would double the disk use for nothing, and the checksums still catch
// an image that changed after indexing (the sampler verifies them when it loads the images).
//
// Schema (schema version "mcseg-patches-1"):
//   meta(key TEXT PRIMARY KEY, value TEXT)          schema, patch, seed, max_c3, max_c4, c2_max_distance
//   images(id INTEGER PRIMARY KEY, name TEXT UNIQUE, image_path, mask_path, image_crc32, mask_crc32,
//          width, height, spacing_mm, split ('train'|'val'|'test'), pixel_mean, pixel_std,
//          mc_pixels, avail_c1..avail_c4)      pixel_mean/std: over the Otsu breast mask
//                                              (apps/imaging/normalise.h)
//   patches(image_id, class, y, x) WITHOUT ROWID, PRIMARY KEY (image_id, class, y, x)
// Every image is written in one transaction together with its patches, so an interrupted build
// leaves complete images only. Re-running on the same folder is idempotent: unchanged images
// (same name, same checksums) are skipped, changed ones re-indexed, vanished ones deleted, and
// the split re-derived (it depends only on the seed and the set of names).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "apps/imaging/normalise.h"
#include "nets/patch_class.h"

struct sqlite3;

namespace mcseg {

inline constexpr const char* kPatchDbSchema = "mcseg-patches-1";

struct PatchDbOptions {
    int patch = 49;              // N (odd)
    std::string split = "auto";  // auto: 231/25/27 of 283 scaled; test: every image in test
    uint64_t seed = 1;           // split and subsampling
    long long max_c3 = 10000;    // per image; C1 and C2 are always kept whole
    long long max_c4 = 10000;    // per image
    bool progress = false;       // a progress line on stderr (apps/terminal/progress.h)
};

// The splits, in the order of every [split] index below.
inline constexpr const char* kSplitNames[3] = {"train", "val", "test"};

struct PatchDbSummary {
    int images = 0, indexed = 0, unchanged = 0, removed = 0;
    std::array<int, 3> split_images{};                        // [split]
    PerClass<long long> patches{};                            // [class]
    std::array<PerClass<long long>, 3> split_patches{};       // [split][class]
};

// Split sizes for `count` images: {train, val, test}, the paper's 231/25/27 of 283 scaled,
// with at least one validation and one test image once there are 3 images.
std::array<int, 3> split_sizes(int count);

PatchDbSummary build_patch_db(const std::string& images_dir, const std::string& db_path, const PatchDbOptions& opt);

// Read-only access (training, evaluation). Errors: missing, locked, corrupt or foreign file.
struct DbImage {
    int id = 0;
    std::string name, image_path, mask_path, image_crc32, mask_crc32, split;  // paths resolved
    int width = 0, height = 0;
    double spacing_mm = 0;
    PixelNorm norm;  // of the breast pixels (apps/imaging/normalise.h)
};
struct DbPatch {
    int32_t image;   // index into PatchDbReader::images() of the split
    uint16_t x, y;
};

class PatchDbReader {
public:
    explicit PatchDbReader(const std::string& db_path);
    ~PatchDbReader();
    PatchDbReader(const PatchDbReader&) = delete;
    PatchDbReader& operator=(const PatchDbReader&) = delete;

    int patch() const { return patch_; }
    std::string meta(const std::string& key) const;
    // Images of a split ("train", "val", "test" or "all"), ordered by name.
    std::vector<DbImage> images(const std::string& split) const;
    // Patches of those images by class, images indexed as in images(split). Each list ordered
    // by (image, y, x).
    PerClass<std::vector<DbPatch>> patches(const std::string& split) const;
    // The median pixel spacing of a split's images (mm).
    double median_spacing(const std::string& split) const;
    // Hard examples of `task` ("detector" | "segmentator", dataset/hard_negatives.h) in those
    // images, by class (C1: the hard positives); none from a table the database does not have.
    PerClass<std::vector<DbPatch>> hard_examples(const std::string& split, const std::string& task) const;

private:
    std::string path_, dir_;
    sqlite3* db_ = nullptr;
    int patch_ = 0;
};

}  // namespace mcseg
