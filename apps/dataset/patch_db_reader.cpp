// apps/dataset/patch_db_reader.cpp — reading the patch database (see patch_db.h).
#include <algorithm>
#include <filesystem>
#include <map>

#include "apps/dataset/patch_db.h"
#include "apps/dataset/sqlite.h"
#include "engine/error.h"

namespace fs = std::filesystem;

namespace mcseg {
namespace {

std::string resolve(const std::string& stored, const std::string& dir) {
    fs::path p(stored);
    return p.is_absolute() ? stored : (fs::path(dir) / p).lexically_normal().string();
}

}  // namespace

PatchDbReader::PatchDbReader(const std::string& db_path) : path_(db_path) {
    std::error_code ec;
    if (!fs::is_regular_file(db_path, ec)) fail("patch database '", db_path, "' does not exist (make it with mcseg patches)");
    dir_ = fs::absolute(db_path).parent_path().string();
    db_ = open_database(db_path, SQLITE_OPEN_READONLY, "");
    try {
        Stmt s(db_, "SELECT value FROM meta WHERE key = 'schema'", path_);
        if (!s.step() || s.str(0) != kPatchDbSchema) fail("'", path_, "' is not an mcseg patch database (schema)");
        Stmt building(db_, "SELECT 1 FROM meta WHERE key = 'building'", path_);
        if (building.step())
            fail("'", path_, "' is being built by mcseg patches, or its build stopped halfway (run it again)");
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
        d.norm = {float(s.f64(10)), float(s.f64(11))};
        out.push_back(d);
    }
    return out;
}

namespace {

// Rows (image id, class, y, x) of a query over split ?1 into lists by class, images indexed as in
// `images`, ordered by (image, y, x): independent of the row ids a database happened to assign.
PerClass<std::vector<DbPatch>> by_class(Stmt& s, const std::vector<DbImage>& images, const std::string& where) {
    std::map<int, int> index;  // image id -> position in images
    for (size_t i = 0; i < images.size(); ++i) index[images[i].id] = int(i);
    PerClass<std::vector<DbPatch>> out;
    while (s.step()) {
        int c = int(s.i64(1));
        if (c < kC1 || c > kC4) fail("patch database '", where, "': bad class ", c);
        // A damaged file can pair a patch with an image that images() did not return.
        const auto image = index.find(int(s.i64(0)));
        if (image == index.end())
            fail("patch database '", where, "': a patch of image id ", s.i64(0), ", which is not among its images (damaged file?)");
        out[c].push_back({image->second, uint16_t(s.i64(3)), uint16_t(s.i64(2))});
    }
    for (auto& v : out)
        std::sort(v.begin(), v.end(), [](const DbPatch& a, const DbPatch& b) {
            return a.image != b.image ? a.image < b.image : a.y != b.y ? a.y < b.y : a.x < b.x;
        });
    return out;
}

}  // namespace

PerClass<std::vector<DbPatch>> PatchDbReader::patches(const std::string& split) const {
    Stmt s(db_,
           "SELECT p.image_id, p.class, p.y, p.x FROM patches p JOIN images i ON i.id = p.image_id"
           " WHERE i.split = ?1 OR ?1 = 'all'",
           path_);
    s.bind(1, split);
    return by_class(s, images(split), path_);
}

double PatchDbReader::median_spacing(const std::string& split) const {
    std::vector<double> s;
    for (const DbImage& d : images(split)) s.push_back(d.spacing_mm);
    if (s.empty()) fail("patch database '", path_, "' has no images in split '", split, "'");
    std::nth_element(s.begin(), s.begin() + s.size() / 2, s.end());
    return s[s.size() / 2];
}

PerClass<std::vector<DbPatch>> PatchDbReader::hard_examples(const std::string& split, const std::string& task) const {
    auto has = [&](const char* table) {
        Stmt t(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", path_);
        t.bind(1, std::string(table));
        return t.step();
    };
    std::string sql;
    if (has("hard_negatives")) sql = "SELECT image_id, class, y, x, task FROM hard_negatives";
    if (has("hard_positives"))
        sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT image_id, 1 AS class, y, x, task FROM hard_positives";
    if (sql.empty()) return {};
    const std::string query = "SELECT h.image_id, h.class, h.y, h.x FROM (" + sql +
                              ") h JOIN images i ON i.id = h.image_id WHERE (i.split = ?1 OR ?1 = 'all') AND h.task = ?2";
    Stmt s(db_, query.c_str(), path_);
    s.bind(1, split).bind(2, task);
    return by_class(s, images(split), path_);
}

}  // namespace mcseg
