// apps/dataset/patch_db_build.cpp — building the patch database (see patch_db.h).
//
// Subsampling rule (README, `patches`): for each image, all C1 and C2 centres are
// kept; C3 and C4 centres beyond max_c3 / max_c4 are thinned to a uniform random subset of
// exactly that size by selection sampling (Knuth's Algorithm S) in raster order, drawing from
// Philox keyed by (seed, FNV-1a hash of the image name) — the same image gives the same subset.
// C4 centres are restricted to the breast (Otsu foreground, MC pixels included).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "apps/dataset/hard_negatives.h"
#include "apps/dataset/patch_classes.h"
#include "apps/dataset/patch_db.h"
#include "apps/dataset/sqlite.h"
#include "apps/imaging/otsu.h"
#include "apps/io/image.h"
#include "apps/io/image_folder.h"
#include "apps/terminal/progress.h"
#include "engine/error.h"
#include "engine/random.h"

namespace fs = std::filesystem;

namespace mcseg {
namespace {

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

// The key of an image's random choices (and of its place in the split).
uint64_t image_key(uint64_t seed, const std::string& name) { return derive_key(seed, fnv1a(name)); }

const char* kSchemaSql[] = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS images(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, image_path TEXT NOT NULL,"
    " mask_path TEXT NOT NULL, image_crc32 TEXT NOT NULL, mask_crc32 TEXT NOT NULL, width INTEGER NOT NULL,"
    " height INTEGER NOT NULL, spacing_mm REAL NOT NULL, split TEXT NOT NULL CHECK(split IN ('train','val','test')),"
    " pixel_mean REAL NOT NULL, pixel_std REAL NOT NULL, mc_pixels INTEGER NOT NULL, avail_c1 INTEGER NOT NULL,"
    " avail_c2 INTEGER NOT NULL, avail_c3 INTEGER NOT NULL, avail_c4 INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS patches(image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " class INTEGER NOT NULL CHECK(class BETWEEN 1 AND 4), y INTEGER NOT NULL, x INTEGER NOT NULL,"
    " PRIMARY KEY(image_id, class, y, x)) WITHOUT ROWID",
    kHardNegativesSql,
    kHardPositivesSql,
};

// What one image contributes, worked out outside the database lock.
struct Indexed {
    int width = 0, height = 0;
    double spacing = 0.05;
    PixelNorm norm;
    long long mc_pixels = 0;
    PerClass<long long> avail{};                                // centres before capping
    PerClass<std::vector<std::pair<uint16_t, uint16_t>>> keep;  // (x, y) kept
};

// One image of the folder: its checksums and stored paths, and its index unless unchanged.
struct Job {
    std::string image_crc, mask_crc, rel_image, rel_mask;
    bool unchanged = false;
    Indexed r;
};

std::string relative_to(const std::string& path, const std::string& dir) {
    std::error_code ec;
    fs::path rel = fs::relative(fs::absolute(path), fs::absolute(dir), ec);
    return ec || rel.empty() ? fs::absolute(path).string() : rel.string();
}

// All C1, C2 centres; C3, C4 thinned to their caps by selection sampling (Knuth's Algorithm S).
void keep_centres(const std::vector<uint8_t>& cls, int w, int h, const PatchDbOptions& opt, uint64_t key, Indexed& r) {
    for (uint8_t c : cls)
        if (c != kNoClass) r.avail[c]++;
    const PerClass<long long> cap{{-1, -1, opt.max_c3, opt.max_c4}};
    PerClass<long long> seen{}, chosen{};
    Rng rng(key, streams::kPatchSubsample);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const uint8_t c = cls[size_t(y) * w + x];
            if (c == kNoClass) continue;
            bool take = true;
            if (cap[c] >= 0 && r.avail[c] > cap[c]) {
                take = double(r.avail[c] - seen[c]) * rng.uniform() < double(cap[c] - chosen[c]);
                ++seen[c];
            }
            if (take) {
                ++chosen[c];
                r.keep[c].push_back({uint16_t(x), uint16_t(y)});
            }
        }
}

Indexed index_image(const ImagePair& pair, const PatchDbOptions& opt, const std::vector<uint8_t>& image_bytes,
                    const std::vector<uint8_t>& mask_bytes) {
    Indexed r;
    GrayImage img = decode_image(image_bytes, pair.image_path);
    GrayImage m = decode_png_gray(mask_bytes, pair.mask_path);
    if (m.width != img.width || m.height != img.height)
        fail("mask '", pair.mask_path, "' is ", m.width, "x", m.height, " but image '", pair.image_path, "' is ",
             img.width, "x", img.height);
    r.width = img.width;
    r.height = img.height;
    if (img.width > 65535 || img.height > 65535) fail("'", pair.image_path, "': image too large for the index");
    try {
        check_patch_size(opt.patch, img.width, img.height);
    } catch (const Error& e) {
        fail("'", pair.image_path, "': ", e.what());
    }
    if (img.pixel_spacing_mm > 0) r.spacing = img.pixel_spacing_mm;
    if (const double s = sidecar_spacing(pair.json_path); s > 0) r.spacing = s;
    std::vector<uint8_t> mc(m.pixels.size());
    for (size_t i = 0; i < mc.size(); ++i) r.mc_pixels += mc[i] = m.pixels[i] != 0;
    std::vector<uint8_t> breast = breast_mask(img);
    for (size_t i = 0; i < mc.size(); ++i) breast[i] |= mc[i];
    r.norm = masked_stats(img, breast);
    keep_centres(patch_class_map(mc, img.width, img.height, opt.patch, &breast), img.width, img.height, opt,
                 image_key(opt.seed, pair.name), r);
    return r;
}

void check_options(const PatchDbOptions& opt) {
    if (opt.split != "auto" && opt.split != "test") fail("--split must be auto or test, got '", opt.split, "'");
    if (opt.max_c3 < 0 || opt.max_c4 < 0) fail("the C3/C4 caps must be >= 0");
    if (opt.patch < 3 || opt.patch % 2 == 0) fail("patch size N must be odd and >= 3, got ", opt.patch);
}

// A database file that holds tables of its own is another program's: adding ours would mix them.
void check_ours(sqlite3* db, const std::string& db_path) {
    Stmt q(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN "
               "('meta', 'images', 'patches', 'hard_negatives', 'hard_positives')", db_path);
    if (q.step())
        fail("'", db_path, "' is not a patch database (it holds a table '", q.str(0), "'); choose another --db");
}

// Meta: a database is built for one N, seed and set of caps; writes them into a new database and
// refuses a database built with others.
void check_meta(sqlite3* db, const std::string& db_path, const PatchDbOptions& opt) {
    char c2[16];
    std::snprintf(c2, sizeof c2, "%g", double(kC2MaxDistancePx));
    const std::map<std::string, std::string> want = {
        {"schema", kPatchDbSchema},          {"patch", std::to_string(opt.patch)},
        {"seed", std::to_string(opt.seed)},  {"max_c3", std::to_string(opt.max_c3)},
        {"max_c4", std::to_string(opt.max_c4)}, {"c2_max_distance", c2}};
    Stmt get(db, "SELECT value FROM meta WHERE key = ?", db_path);
    Stmt put(db, "INSERT INTO meta(key, value) VALUES (?, ?)", db_path);
    for (const auto& [k, v] : want) {
        get.bind(1, k);
        if (get.step()) {
            std::string have = get.str(0);
            if (have != v)
                fail("patch database '", db_path, "' was built with ", k, " = ", have, ", not ", v,
                     "; use another file or delete it");
        } else {
            put.bind(1, k).bind(2, v).run();
        }
        get.reset();
    }
}

// The split: names ordered by a seeded hash; the first ones go to test, then val, the rest train.
std::map<std::string, std::string> split_images(const std::vector<ImagePair>& pairs, const PatchDbOptions& opt) {
    std::vector<std::pair<uint64_t, std::string>> order;
    for (const auto& p : pairs) order.push_back({image_key(opt.seed, p.name), p.name});
    std::sort(order.begin(), order.end());
    const auto sizes = split_sizes(int(pairs.size()));
    std::map<std::string, std::string> split_of;
    for (size_t i = 0; i < order.size(); ++i) {
        int s = opt.split == "test" ? 2 : i < size_t(sizes[2]) ? 2 : i < size_t(sizes[2] + sizes[1]) ? 1 : 0;
        split_of[order[i].second] = kSplitNames[s];
    }
    return split_of;
}

// Forgets the images that are no longer in the folder; returns how many.
int remove_missing(sqlite3* db, const std::string& db_path, const std::map<std::string, std::string>& split_of) {
    std::vector<std::string> gone;
    Stmt names(db, "SELECT name FROM images", db_path);
    while (names.step())
        if (!split_of.count(names.str(0))) gone.push_back(names.str(0));
    Stmt del(db, "DELETE FROM images WHERE name = ?", db_path);
    for (const auto& g : gone) del.bind(1, g).run();
    return int(gone.size());
}

using Known = std::map<std::string, std::array<std::string, 4>>;  // name -> crcs and stored paths

Known known_images(sqlite3* db, const std::string& db_path) {
    Known known;
    Stmt s(db, "SELECT name, image_crc32, mask_crc32, image_path, mask_path FROM images", db_path);
    while (s.step()) known[s.str(0)] = {s.str(1), s.str(2), s.str(3), s.str(4)};
    return known;
}

// Reads, checksums and (unless unchanged) indexes pairs[first, first + n) in parallel.
std::vector<Job> index_chunk(const std::vector<ImagePair>& pairs, size_t first, size_t n, const PatchDbOptions& opt,
                             const std::string& db_dir, const Known& known) {
    std::vector<Job> jobs(n);
    FirstError error;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t k = 0; k < n; ++k) {
        try {
            const ImagePair& p = pairs[first + k];
            Job& j = jobs[k];
            const std::vector<uint8_t> ib = read_file_bytes(p.image_path), mb = read_file_bytes(p.mask_path);
            j.image_crc = crc32_hex(ib);
            j.mask_crc = crc32_hex(mb);
            j.rel_image = relative_to(p.image_path, db_dir);
            j.rel_mask = relative_to(p.mask_path, db_dir);
            auto it = known.find(p.name);
            j.unchanged = it != known.end() &&
                          it->second == std::array<std::string, 4>{j.image_crc, j.mask_crc, j.rel_image, j.rel_mask};
            if (!j.unchanged) j.r = index_image(p, opt, ib, mb);
        } catch (...) {
            error.record(long(k));
        }
    }
    error.rethrow();
    return jobs;
}

// The statements that write one image, prepared once.
struct ImageWriter {
    sqlite3* db;
    std::string db_path;
    Stmt del{db, "DELETE FROM images WHERE name = ?", db_path};
    Stmt ins{db,
             "INSERT INTO images(name, image_path, mask_path, image_crc32, mask_crc32, width, height, spacing_mm,"
             " split, pixel_mean, pixel_std, mc_pixels, avail_c1, avail_c2, avail_c3, avail_c4)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             db_path};
    Stmt pi{db, "INSERT INTO patches(image_id, class, y, x) VALUES (?,?,?,?)", db_path};

    // The image's row and its patches, replacing any older ones, in one transaction.
    void write(const std::string& name, const std::string& split, const Job& j) {
        const Indexed& r = j.r;
        exec(db, "BEGIN IMMEDIATE", db_path);
        try {
            del.bind(1, name).run();
            ins.bind(1, name).bind(2, j.rel_image).bind(3, j.rel_mask).bind(4, j.image_crc).bind(5, j.mask_crc);
            ins.bind(6, (long long)r.width).bind(7, (long long)r.height).bind(8, r.spacing);
            ins.bind(9, split).bind(10, double(r.norm.mean)).bind(11, double(r.norm.std));
            ins.bind(12, r.mc_pixels);
            for (int c = kC1; c <= kC4; ++c) ins.bind(12 + c, r.avail[c]);
            ins.run();
            const long long id = sqlite3_last_insert_rowid(db);
            for (int c = kC1; c <= kC4; ++c)
                for (auto [x, y] : r.keep[c])
                    pi.bind(1, id).bind(2, (long long)c).bind(3, (long long)y).bind(4, (long long)x).run();
            exec(db, "COMMIT", db_path);
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
};

int split_index(const std::string& split) { return split == "train" ? 0 : split == "val" ? 1 : 2; }

// Splits (cheap to re-derive, e.g. when images were added) and the counts of the summary.
void finish_splits(sqlite3* db, const std::string& db_path, const std::map<std::string, std::string>& split_of,
                   PatchDbSummary& sum) {
    Stmt up(db, "UPDATE images SET split = ? WHERE name = ? AND split <> ?", db_path);
    for (const auto& [name, split] : split_of) up.bind(1, split).bind(2, name).bind(3, split).run();
    Stmt q(db,
           "SELECT i.split, p.class, COUNT(*) FROM patches p JOIN images i ON i.id = p.image_id"
           " GROUP BY i.split, p.class",
           db_path);
    while (q.step()) {
        const int c = int(q.i64(1));
        sum.split_patches[split_index(q.str(0))][c] = q.i64(2);
        sum.patches[c] += q.i64(2);
    }
    Stmt n(db, "SELECT split, COUNT(*) FROM images GROUP BY split", db_path);
    while (n.step()) sum.split_images[split_index(n.str(0))] = int(n.i64(1));
}

}  // namespace

std::array<int, 3> split_sizes(int count) {
    int val = int(std::lround(count * 25.0 / 283)), test = int(std::lround(count * 27.0 / 283));
    if (count >= 3) {
        val = std::max(val, 1);
        test = std::max(test, 1);
    }
    return {count - val - test, val, test};
}

namespace {

PatchDbSummary build_into(const std::vector<ImagePair>& pairs, const std::string& db_path, const PatchDbOptions& opt) {
    const std::string db_dir = fs::absolute(db_path).parent_path().string();
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(
        open_database(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, " for writing"), sqlite3_close);
    sqlite3* db = guard.get();
    check_ours(db, db_path);
    exec(db, "PRAGMA foreign_keys = ON", db_path);
    for (const char* sql : kSchemaSql) exec(db, sql, db_path);
    check_meta(db, db_path, opt);
    // Readers refuse the database while this mark stands (a build in progress, or one that failed).
    exec(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('building', 'yes')", db_path);
    const std::map<std::string, std::string> split_of = split_images(pairs, opt);

    PatchDbSummary sum;
    sum.images = int(pairs.size());
    sum.removed = remove_missing(db, db_path, split_of);
    // Images are indexed in parallel, a few at a time, and written in name order, so the row
    // ids (and everything else) do not depend on thread timing.
    const Known known = known_images(db, db_path);
    ImageWriter writer{db, db_path};
    const size_t chunk = 8;
    std::unique_ptr<Progress> bar;
    if (opt.progress) bar = std::make_unique<Progress>("patches", (long long)pairs.size());
    for (size_t first = 0; first < pairs.size(); first += chunk) {
        const size_t n = std::min(chunk, pairs.size() - first);
        const std::vector<Job> jobs = index_chunk(pairs, first, n, opt, db_dir, known);
        for (size_t k = 0; k < n; ++k) {
            if (jobs[k].unchanged) {
                ++sum.unchanged;
                continue;
            }
            writer.write(pairs[first + k].name, split_of.at(pairs[first + k].name), jobs[k]);
            ++sum.indexed;
        }
        if (bar) bar->update((long long)(first + n));
    }
    if (bar) bar->finish();
    finish_splits(db, db_path, split_of, sum);
    exec(db, "DELETE FROM meta WHERE key = 'building'", db_path);
    return sum;
}

}  // namespace

PatchDbSummary build_patch_db(const std::string& images_dir, const std::string& db_path, const PatchDbOptions& opt) {
    check_options(opt);
    const std::vector<ImagePair> pairs = find_image_pairs(images_dir);
    const bool existed = fs::exists(db_path);
    try {
        return build_into(pairs, db_path, opt);
    } catch (...) {
        std::error_code ec;  // a database this call created and could not fill is not left behind
        if (!existed) fs::remove(db_path, ec);
        throw;
    }
}

}  // namespace mcseg
