// apps/patch_db.cpp — building and reading the patch database (see patch_db.h).
//
// Subsampling rule (documented in README "Data"): for each image, all C1 and C2 centres are
// kept; C3 and C4 centres beyond max_c3 / max_c4 are thinned to a uniform random subset of
// exactly that size by selection sampling (Knuth's Algorithm S) in raster order, drawing from
// Philox keyed by (seed, FNV-1a hash of the image name) — the same image gives the same subset.
// C4 centres are restricted to the breast (Otsu foreground, MC pixels included).
#include "apps/patch_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps/image_io.h"
#include "apps/otsu.h"
#include "apps/patch_classes.h"
#include "apps/progress.h"
#include "apps/synth_random.h"
#include "engine/error.h"

namespace fs = std::filesystem;

namespace mcseg {
namespace {

const char* kSplitNames[3] = {"train", "val", "test"};

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A prepared statement; step() returns true while rows come.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql, const std::string& where) : db_(db), where_(where) {
        if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) check(sqlite3_errcode(db));
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt& bind(int i, long long v) { sqlite3_bind_int64(s_, i, v); return *this; }
    Stmt& bind(int i, double v) { sqlite3_bind_double(s_, i, v); return *this; }
    Stmt& bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), -1, SQLITE_TRANSIENT); return *this; }
    bool step() {
        int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) check(rc);
        return false;
    }
    void run() {
        step();
        sqlite3_reset(s_);
    }
    void reset() { sqlite3_reset(s_); }
    long long i64(int c) const { return sqlite3_column_int64(s_, c); }
    double f64(int c) const { return sqlite3_column_double(s_, c); }
    std::string str(int c) const {
        auto p = sqlite3_column_text(s_, c);
        return p ? reinterpret_cast<const char*>(p) : "";
    }

private:
    void check(int rc) {
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            fail("patch database '", where_, "' is locked by another process (is `mcseg patches` still writing it?)");
        if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
            fail("'", where_, "' is not a valid patch database (", sqlite3_errstr(rc), ")");
        fail("patch database '", where_, "': ", sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
    std::string where_;
};

void exec(sqlite3* db, const char* sql, const std::string& where) {
    Stmt s(db, sql, where);
    while (s.step()) {
    }
}

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
};

// The work for one image, done outside the database lock.
struct Indexed {
    int width = 0, height = 0;
    double spacing = 0.05;
    PixelNorm norm;
    long long mc_pixels = 0;
    std::array<long long, 5> avail{};
    std::array<std::vector<std::pair<uint16_t, uint16_t>>, 5> keep;  // (x, y) per class
};

std::string relative_to(const std::string& path, const std::string& dir) {
    std::error_code ec;
    fs::path rel = fs::relative(fs::absolute(path), fs::absolute(dir), ec);
    return ec || rel.empty() ? fs::absolute(path).string() : rel.string();
}

std::string resolve(const std::string& stored, const std::string& dir) {
    fs::path p(stored);
    return p.is_absolute() ? stored : (fs::path(dir) / p).lexically_normal().string();
}

Indexed index_image(const ImagePair& pair, const PatchDbOptions& opt, const std::vector<uint8_t>& image_bytes,
                    const std::vector<uint8_t>& mask_bytes) {
    Indexed r;
    GrayImage img = ends_with(pair.image_path, ".png") ? decode_png_gray(image_bytes, pair.image_path)
                                                       : read_image(pair.image_path);
    GrayImage m = decode_png_gray(mask_bytes, pair.mask_path);
    if (m.width != img.width || m.height != img.height)
        fail("mask '", pair.mask_path, "' is ", m.width, "x", m.height, " but image '", pair.image_path, "' is ",
             img.width, "x", img.height);
    r.width = img.width;
    r.height = img.height;
    if (img.width > 65535 || img.height > 65535) fail("'", pair.image_path, "': image too large for the index");
    check_patch_size(opt.patch, img.width, img.height);
    if (img.pixel_spacing_mm > 0) r.spacing = img.pixel_spacing_mm;
    if (!pair.json_path.empty()) {
        try {
            std::ifstream f(pair.json_path);
            auto j = nlohmann::json::parse(f);
            if (j.contains("pixel_spacing_mm")) r.spacing = j["pixel_spacing_mm"].get<double>();
        } catch (const std::exception& e) {
            fail("'", pair.json_path, "': invalid JSON sidecar (", e.what(), ")");
        }
    }
    std::vector<uint8_t> mc(m.pixels.size());
    for (size_t i = 0; i < mc.size(); ++i) r.mc_pixels += mc[i] = m.pixels[i] != 0;
    std::vector<uint8_t> breast = breast_mask(img);
    for (size_t i = 0; i < mc.size(); ++i) breast[i] |= mc[i];
    r.norm = masked_stats(img, breast);
    const std::vector<uint8_t> cls = patch_class_map(mc, img.width, img.height, opt.patch, &breast);
    for (uint8_t c : cls) r.avail[c]++;
    // Keep all C1, C2; selection sampling for C3, C4 (Knuth's Algorithm S).
    const long long cap[5] = {0, -1, -1, opt.max_c3, opt.max_c4};
    long long seen[5] = {}, chosen[5] = {};
    Rng rng(synth_image_key(opt.seed, fnv1a(pair.name)), 0x5A3B);
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) {
            const uint8_t c = cls[size_t(y) * img.width + x];
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
    return r;
}

}  // namespace

std::vector<ImagePair> find_image_pairs(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail("image folder '", dir, "' does not exist");
    std::vector<ImagePair> pairs;
    std::vector<std::string> no_mask;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        const std::string file = e.path().filename().string();
        std::string ext = e.path().extension().string();
        for (auto& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        if (ext != ".png" && ext != ".dcm") continue;
        if (ends_with(file, "_mask.png") || ends_with(file, "_preview.png")) continue;
        const std::string name = e.path().stem().string();
        ImagePair p{name, e.path().string(), (fs::path(dir) / (name + "_mask.png")).string(), ""};
        if (!fs::is_regular_file(p.mask_path, ec)) {
            no_mask.push_back(file);
            continue;
        }
        if (fs::path j = fs::path(dir) / (name + ".json"); fs::is_regular_file(j, ec)) p.json_path = j.string();
        pairs.push_back(p);
    }
    if (!no_mask.empty())
        fail("'", (fs::path(dir) / no_mask.front()).string(), "' has no mask ", fs::path(no_mask.front()).stem().string(),
             "_mask.png", no_mask.size() > 1 ? cat(" (and ", no_mask.size() - 1, " more images)") : "");
    std::sort(pairs.begin(), pairs.end(), [](const ImagePair& a, const ImagePair& b) { return a.name < b.name; });
    for (size_t i = 1; i < pairs.size(); ++i)
        if (pairs[i].name == pairs[i - 1].name) fail("two images named '", pairs[i].name, "' (.png and .dcm) in '", dir, "'");
    if (pairs.empty()) fail("no image + mask pairs (NAME.png + NAME_mask.png) in '", dir, "'");
    return pairs;
}

std::array<int, 3> split_sizes(int count) {
    int val = int(std::lround(count * 25.0 / 283)), test = int(std::lround(count * 27.0 / 283));
    if (count >= 3) {
        val = std::max(val, 1);
        test = std::max(test, 1);
    }
    return {count - val - test, val, test};
}

PatchDbSummary build_patch_db(const std::string& images_dir, const std::string& db_path, const PatchDbOptions& opt) {
    if (opt.split != "auto" && opt.split != "test") fail("--split must be auto or test, got '", opt.split, "'");
    if (opt.max_c3 < 0 || opt.max_c4 < 0) fail("the C3/C4 caps must be >= 0");
    if (opt.patch < 3 || opt.patch % 2 == 0) fail("patch size N must be odd and >= 3, got ", opt.patch);
    const std::vector<ImagePair> pairs = find_image_pairs(images_dir);
    const std::string db_dir = fs::absolute(db_path).parent_path().string();

    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        fail("cannot open patch database '", db_path, "' for writing: ", msg);
    }
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close);
    sqlite3_busy_timeout(db, 2000);
    exec(db, "PRAGMA foreign_keys = ON", db_path);
    for (const char* sql : kSchemaSql) exec(db, sql, db_path);

    // Meta: a database is built for one N, seed and set of caps.
    const std::map<std::string, std::string> want = {
        {"schema", kPatchDbSchema},          {"patch", std::to_string(opt.patch)},
        {"seed", std::to_string(opt.seed)},  {"max_c3", std::to_string(opt.max_c3)},
        {"max_c4", std::to_string(opt.max_c4)}, {"c2_max_distance", "3"}};
    {
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
    std::vector<std::pair<uint64_t, std::string>> order;
    for (const auto& p : pairs) order.push_back({synth_image_key(opt.seed, fnv1a(p.name)), p.name});
    std::sort(order.begin(), order.end());
    const auto sizes = split_sizes(int(pairs.size()));
    std::map<std::string, std::string> split_of;
    for (size_t i = 0; i < order.size(); ++i) {
        int s = opt.split == "test" ? 2 : i < size_t(sizes[2]) ? 2 : i < size_t(sizes[2] + sizes[1]) ? 1 : 0;
        split_of[order[i].second] = kSplitNames[s];
    }

    PatchDbSummary sum;
    sum.images = int(pairs.size());
    // Forget images that are no longer in the folder.
    {
        std::vector<std::string> gone;
        Stmt names(db, "SELECT name FROM images", db_path);
        while (names.step())
            if (!split_of.count(names.str(0))) gone.push_back(names.str(0));
        Stmt del(db, "DELETE FROM images WHERE name = ?", db_path);
        for (const auto& g : gone) del.bind(1, g).run();
        sum.removed = int(gone.size());
    }

    // Images are indexed in parallel, a few at a time, and written in name order, so the row
    // ids (and everything else) do not depend on thread timing.
    struct Job {
        std::string image_crc, mask_crc, rel_image, rel_mask;
        bool unchanged = false;
        Indexed r;
    };
    std::map<std::string, std::array<std::string, 4>> known;  // name -> crcs and paths
    {
        Stmt s(db, "SELECT name, image_crc32, mask_crc32, image_path, mask_path FROM images", db_path);
        while (s.step()) known[s.str(0)] = {s.str(1), s.str(2), s.str(3), s.str(4)};
    }
    Stmt del(db, "DELETE FROM images WHERE name = ?", db_path);
    Stmt ins(db,
             "INSERT INTO images(name, image_path, mask_path, image_crc32, mask_crc32, width, height, spacing_mm,"
             " split, pixel_mean, pixel_std, mc_pixels, avail_c1, avail_c2, avail_c3, avail_c4)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             db_path);
    Stmt pi(db, "INSERT INTO patches(image_id, class, y, x) VALUES (?,?,?,?)", db_path);
    const size_t chunk = 8;
    std::unique_ptr<Progress> bar;
    if (opt.progress) bar = std::make_unique<Progress>("patches", (long long)pairs.size());
    for (size_t first = 0; first < pairs.size(); first += chunk) {
        const size_t n = std::min(chunk, pairs.size() - first);
        std::vector<Job> jobs(n);
        std::string error;
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
            } catch (const Error& e) {
#pragma omp critical(patch_db_error)
                if (error.empty()) error = e.what();
            }
        }
        if (!error.empty()) fail(error);
        for (size_t k = 0; k < n; ++k) {
            const ImagePair& p = pairs[first + k];
            const Job& j = jobs[k];
            if (j.unchanged) {
                ++sum.unchanged;
                continue;
            }
            const Indexed& r = j.r;
            exec(db, "BEGIN IMMEDIATE", db_path);
            try {
                del.bind(1, p.name).run();
                ins.bind(1, p.name).bind(2, j.rel_image).bind(3, j.rel_mask).bind(4, j.image_crc).bind(5, j.mask_crc);
                ins.bind(6, (long long)r.width).bind(7, (long long)r.height).bind(8, r.spacing);
                ins.bind(9, split_of[p.name]).bind(10, double(r.norm.mean)).bind(11, double(r.norm.std));
                ins.bind(12, r.mc_pixels);
                for (int c = 1; c <= 4; ++c) ins.bind(12 + c, r.avail[c]);
                ins.run();
                const long long id = sqlite3_last_insert_rowid(db);
                for (int c = 1; c <= 4; ++c)
                    for (auto [x, y] : r.keep[c])
                        pi.bind(1, id).bind(2, (long long)c).bind(3, (long long)y).bind(4, (long long)x).run();
                exec(db, "COMMIT", db_path);
                ++sum.indexed;
            } catch (...) {
                sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
        }
        if (bar) bar->update((long long)(first + n));
    }
    if (bar) bar->finish();

    // Splits (cheap to re-derive, e.g. when images were added) and the summary.
    {
        Stmt up(db, "UPDATE images SET split = ? WHERE name = ? AND split <> ?", db_path);
        for (const auto& [name, split] : split_of) up.bind(1, split).bind(2, name).bind(3, split).run();
        Stmt q(db,
               "SELECT i.split, p.class, COUNT(*) FROM patches p JOIN images i ON i.id = p.image_id"
               " GROUP BY i.split, p.class",
               db_path);
        while (q.step()) {
            int s = q.str(0) == "train" ? 0 : q.str(0) == "val" ? 1 : 2;
            int c = int(q.i64(1));
            sum.split_patches[s][c] = q.i64(2);
            sum.patches[c] += q.i64(2);
        }
        Stmt n(db, "SELECT split, COUNT(*) FROM images GROUP BY split", db_path);
        while (n.step()) sum.split_images[n.str(0) == "train" ? 0 : n.str(0) == "val" ? 1 : 2] = int(n.i64(1));
    }
    return sum;
}

PatchDbReader::PatchDbReader(const std::string& db_path) : path_(db_path) {
    std::error_code ec;
    if (!fs::is_regular_file(db_path, ec)) fail("patch database '", db_path, "' does not exist (make it with mcseg patches)");
    dir_ = fs::absolute(db_path).parent_path().string();
    if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        fail("cannot open patch database '", db_path, "': ", msg);
    }
    sqlite3_busy_timeout(db_, 2000);
    try {
        Stmt s(db_, "SELECT value FROM meta WHERE key = 'schema'", path_);
        if (!s.step() || s.str(0) != kPatchDbSchema) fail("'", path_, "' is not an mcseg patch database (schema)");
        patch_ = std::stoi(meta("patch"));
    } catch (const Error&) {
        sqlite3_close(db_);
        throw;
    } catch (const std::exception&) {
        sqlite3_close(db_);
        fail("'", path_, "' is not an mcseg patch database (meta)");
    }
}

PatchDbReader::~PatchDbReader() { sqlite3_close(db_); }

std::string PatchDbReader::meta(const std::string& key) const {
    Stmt s(db_, "SELECT value FROM meta WHERE key = ?", path_);
    s.bind(1, key);
    if (!s.step()) fail("patch database '", path_, "' has no meta '", key, "'");
    return s.str(0);
}

std::vector<DbImage> PatchDbReader::images(const std::string& split) const {
    Stmt s(db_,
           "SELECT id, name, image_path, mask_path, image_crc32, mask_crc32, split, width, height, spacing_mm,"
           " pixel_mean, pixel_std FROM images WHERE split = ?1 OR ?1 = 'all' ORDER BY name",
           path_);
    s.bind(1, split);
    std::vector<DbImage> out;
    while (s.step()) {
        DbImage d;
        d.id = int(s.i64(0));
        d.name = s.str(1);
        d.image_path = resolve(s.str(2), dir_);
        d.mask_path = resolve(s.str(3), dir_);
        d.image_crc32 = s.str(4);
        d.mask_crc32 = s.str(5);
        d.split = s.str(6);
        d.width = int(s.i64(7));
        d.height = int(s.i64(8));
        d.spacing_mm = s.f64(9);
        d.pixel_mean = float(s.f64(10));
        d.pixel_std = float(s.f64(11));
        out.push_back(d);
    }
    return out;
}

std::array<std::vector<DbPatch>, 5> PatchDbReader::patches(const std::string& split) const {
    std::map<int, int> index;  // image id -> position in images(split)
    const auto imgs = images(split);
    for (size_t i = 0; i < imgs.size(); ++i) index[imgs[i].id] = int(i);
    std::array<std::vector<DbPatch>, 5> out;
    Stmt s(db_,
           "SELECT p.image_id, p.class, p.y, p.x FROM patches p JOIN images i ON i.id = p.image_id"
           " WHERE i.split = ?1 OR ?1 = 'all'",
           path_);
    s.bind(1, split);
    while (s.step()) {
        int c = int(s.i64(1));
        if (c < 1 || c > 4) fail("patch database '", path_, "': bad class ", c);
        out[c].push_back({index.at(int(s.i64(0))), uint16_t(s.i64(3)), uint16_t(s.i64(2))});
    }
    // Order by (image name, y, x): independent of the row ids a database happened to assign.
    for (auto& v : out)
        std::sort(v.begin(), v.end(), [](const DbPatch& a, const DbPatch& b) {
            return a.image != b.image ? a.image < b.image : a.y != b.y ? a.y < b.y : a.x < b.x;
        });
    return out;
}

}  // namespace mcseg
