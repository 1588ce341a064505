// tests/test_data_db.cpp — the SQLite patch database: build, idempotence, split by image,
// subsampling caps, and the errors of a missing, corrupt, locked or mismatched database.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <set>

#include "apps/dataset/patch_db.h"
#include "engine/error.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;
using test::error_of;

namespace {

// Every row of both tables as text, in a fixed order.
std::string dump(const std::string& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    std::string out;
    for (const char* sql : {"SELECT * FROM meta ORDER BY key", "SELECT * FROM images ORDER BY name",
                            "SELECT i.name, p.class, p.y, p.x FROM patches p JOIN images i ON i.id = p.image_id"
                            " ORDER BY i.name, p.class, p.y, p.x"}) {
        sqlite3_stmt* s = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(s); ++c) {
                auto t = sqlite3_column_text(s, c);
                out += t ? reinterpret_cast<const char*>(t) : "NULL";
                out += '|';
            }
            out += '\n';
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
}

}  // namespace

TEST_CASE("data: patch database build is idempotent and splits by image") {
    fs::path dir = test::make_fixture("db", 10);
    const std::string db = (dir / "p.db").string();
    PatchDbOptions opt;
    opt.patch = 15;
    opt.max_c4 = 300;
    PatchDbSummary s1 = build_patch_db(dir.string(), db, opt);
    CHECK(s1.images == 10);
    CHECK(s1.indexed == 10);
    const auto sizes = split_sizes(10);
    CHECK(sizes == std::array<int, 3>{8, 1, 1});
    CHECK(s1.split_images == sizes);
    CHECK(s1.patches[1] > 0);
    CHECK(s1.patches[2] > 0);
    CHECK(s1.patches[3] > 0);
    CHECK(s1.patches[4] == 10 * 300);  // C4 capped per image (each has far more available)
    const std::string first = dump(db);

    PatchDbSummary s2 = build_patch_db(dir.string(), db, opt);
    CHECK(s2.indexed == 0);
    CHECK(s2.unchanged == 10);
    CHECK(s2.patches == s1.patches);
    CHECK(dump(db) == first);  // same rows, same splits

    // A fresh file from the same folder holds the same content (seeded subsampling, split).
    const std::string db2 = (dir / "p2.db").string();
    build_patch_db(dir.string(), db2, opt);
    CHECK(dump(db2) == first);

    // Split by image: every image in exactly one split, and the patches of a split come only
    // from its own images.
    PatchDbReader r(db);
    CHECK(r.patch() == 15);
    std::set<std::string> seen;
    size_t total = 0;
    for (const char* split : {"train", "val", "test"}) {
        auto imgs = r.images(split);
        for (const auto& i : imgs) CHECK(seen.insert(i.name).second);
        auto ps = r.patches(split);
        for (int c = 1; c <= 4; ++c) {
            total += ps[c].size();
            for (const auto& p : ps[c]) REQUIRE(size_t(p.image) < imgs.size());
        }
    }
    CHECK(seen.size() == 10);
    CHECK(total == size_t(s1.patches[1] + s1.patches[2] + s1.patches[3] + s1.patches[4]));

    // A changed mask re-indexes that image only; a removed image leaves the database.
    std::vector<uint8_t> empty(test::kFixW * test::kFixH, 0);
    write_png_gray8((dir / "img_3_mask.png").string(), test::kFixW, test::kFixH, empty.data());
    fs::remove(dir / "img_5.png");
    fs::remove(dir / "img_5_mask.png");
    PatchDbSummary s3 = build_patch_db(dir.string(), db, opt);
    CHECK(s3.indexed == 1);
    CHECK(s3.removed == 1);
    CHECK(s3.images == 9);
    CHECK(s3.patches[1] < s1.patches[1]);

    // --split test: every image in the test split.
    PatchDbOptions t = opt;
    t.split = "test";
    PatchDbSummary s4 = build_patch_db(dir.string(), (dir / "t.db").string(), t);
    CHECK(s4.split_images == std::array<int, 3>{0, 0, 9});
    fs::remove_all(dir);
}

TEST_CASE("data: patch database errors are clear") {
    fs::path dir = test::make_fixture("dberr", 3);
    const std::string db = (dir / "p.db").string();
    PatchDbOptions opt;
    opt.patch = 15;
    build_patch_db(dir.string(), db, opt);

    CHECK(error_of([&] { PatchDbReader r((dir / "none.db").string()); }).find("does not exist") != std::string::npos);
    {
        std::ofstream f(dir / "junk.db", std::ios::binary);
        for (int i = 0; i < 4096; ++i) f.put(char(i * 7));
    }
    CHECK(error_of([&] { PatchDbReader r((dir / "junk.db").string()); }).find("not a valid patch database") !=
          std::string::npos);
    // Locked: another connection holds an exclusive lock (as a writer mid-transaction would).
    sqlite3* w = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &w) == SQLITE_OK);
    REQUIRE(sqlite3_exec(w, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(error_of([&] { PatchDbReader r(db); }).find("locked") != std::string::npos);
    sqlite3_exec(w, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(w);
    // A build in progress (or one that stopped halfway) is not read.
    REQUIRE(sqlite3_open(db.c_str(), &w) == SQLITE_OK);
    REQUIRE(sqlite3_exec(w, "INSERT INTO meta VALUES ('building', 'yes')", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(w);
    CHECK(error_of([&] { PatchDbReader r(db); }).find("is being built") != std::string::npos);
    build_patch_db(dir.string(), db, opt);  // a finished build clears the mark
    CHECK_NOTHROW(PatchDbReader{db});
    // Built for another N.
    PatchDbOptions other = opt;
    other.patch = 29;
    CHECK(error_of([&] { build_patch_db(dir.string(), db, other); }).find("patch = 15") != std::string::npos);
    // Another program's SQLite file gets no tables of ours.
    const std::string foreign = (dir / "foreign.db").string();
    REQUIRE(sqlite3_open(foreign.c_str(), &w) == SQLITE_OK);
    REQUIRE(sqlite3_exec(w, "CREATE TABLE accounts(id INTEGER)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(w);
    CHECK(error_of([&] { build_patch_db(dir.string(), foreign, opt); }).find("table 'accounts'") != std::string::npos);
    REQUIRE(sqlite3_open(foreign.c_str(), &w) == SQLITE_OK);
    CHECK(sqlite3_exec(w, "SELECT * FROM patches", nullptr, nullptr, nullptr) != SQLITE_OK);
    sqlite3_close(w);
    // An image without its mask; a database this build would have created is not left behind.
    fs::remove(dir / "img_1_mask.png");
    CHECK(error_of([&] { build_patch_db(dir.string(), db, opt); }).find("has no mask") != std::string::npos);
    CHECK_NOTHROW(PatchDbReader{db});
    // A failed first build leaves no empty database behind (a patch side that fits no image).
    fs::copy_file(dir / "img_0_mask.png", dir / "img_1_mask.png");
    PatchDbOptions huge = opt;
    huge.patch = 4001;
    CHECK(error_of([&] { build_patch_db(dir.string(), (dir / "new.db").string(), huge); }).find("img_0.png': patch size N = 4001") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "new.db"));
    fs::remove_all(dir);
}
